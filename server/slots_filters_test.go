package main

import (
	"math"
	"slices"
	"testing"
)

func slotHaversineKm(lat1, lon1, lat2, lon2 float64) float64 {
	rad := math.Pi / 180
	h := math.Pow(math.Sin((lat2-lat1)*rad/2), 2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Pow(math.Sin((lon2-lon1)*rad/2), 2)
	return 2 * 6371 * math.Asin(math.Sqrt(h))
}

func TestSlotsFilters(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	orgA, kA := a.host("regie-stains")
	orgB, kB := a.host("emmaus-connect")
	vStains := a.venue(kA, map[string]any{"name": "Espace numérique de la Régie",
		"accessibility": map[string]any{"wheelchairAccessible": true, "hearingLoop": true}})
	vPierrefitte := a.venue(kA, map[string]any{"name": "Médiathèque", "postalCode": "93380", "city": "Pierrefitte-sur-Seine",
		"latitude": 48.9653, "longitude": 2.3614, "accessibility": map[string]any{"wheelchairAccessible": true}})
	vSenlis := a.venue(kA, map[string]any{"name": "Antenne de Senlis", "postalCode": "60300", "city": "Senlis",
		"latitude": 49.2069, "longitude": 2.5864})
	const parisLat, parisLon = 48.8584, 2.3470
	vParis := a.venue(kB, map[string]any{"name": "Emmaüs Connect Châtelet", "postalCode": "75001", "city": "Paris",
		"latitude": parisLat, "longitude": parisLon})
	wCV := a.workshop(kA, map[string]any{"title": "Faire son CV", "audiences": []string{"JOB_SEEKERS"}})
	wCAF := a.workshop(kA, map[string]any{"title": "Démarches CAF", "topics": []string{"CAF_PROCEDURES", "SCANNING_DOCUMENTS"}})
	wPhone := a.workshop(kB, map[string]any{"title": "Son smartphone", "topics": []string{"SMARTPHONE"}, "audiences": []string{"SENIORS"}})

	s1 := a.slot(kA, wCV, vStains, "2032-03-02T09:00", nil)
	s2 := a.slot(kA, wCAF, vPierrefitte, "2032-03-02T14:00", nil)
	s3 := a.slot(kA, wCV, vSenlis, "2032-03-09T09:00", nil)
	s4 := a.slot(kB, wPhone, vParis, "2032-03-09T14:00", nil)
	full := a.slot(kA, wCAF, vStains, "2032-03-16T09:00", nil)
	cancelled := a.slot(kA, wCV, vPierrefitte, "2032-03-23T09:00", nil)
	past := a.slot(kA, wCV, vStains, "2032-03-01T09:00", nil)
	slotFill(t, a, full)
	slotCancel(t, a, kA, cancelled)
	slotMoveToPast(t, a, past)
	names := slotNames{s1: "s1 CV Stains", s2: "s2 CAF Pierrefitte", s3: "s3 CV Senlis", s4: "s4 smartphone Paris",
		full: "full CAF Stains", cancelled: "cancelled CV Pierrefitte", past: "past CV Stains"}
	stains := map[string]any{"latitude": 48.9536, "longitude": 2.3794, "radiusKm": 5}

	for _, tc := range []struct {
		name   string
		filter map[string]any
		want   []string
	}{
		{"no filter: upcoming scheduled slots from now", nil, []string{s1, s2, s3, s4, full}},
		{"from", map[string]any{"from": "2032-03-09T00:00:00+01:00"}, []string{s3, s4, full}},
		{"to, from defaulting to now", map[string]any{"to": "2032-03-09T00:00:00+01:00"}, []string{s1, s2}},
		{"from is inclusive, to exclusive", map[string]any{"from": "2032-03-02T14:00:00+01:00", "to": "2032-03-09T09:00:00+01:00"}, []string{s2}},
		{"from in the past shows past slots", map[string]any{"from": "2020-01-01T00:00:00Z"}, []string{past, s1, s2, s3, s4, full}},
		{"one topic", map[string]any{"topics": []string{"SCANNING_DOCUMENTS"}}, []string{s2, full}},
		{"any of two topics", map[string]any{"topics": []string{"SMARTPHONE", "CV_AND_JOB_SEARCH"}}, []string{s1, s3, s4}},
		{"workshopIds", map[string]any{"workshopIds": []string{wCV}}, []string{s1, s3}},
		{"venueIds", map[string]any{"venueIds": []string{vStains, vParis}}, []string{s1, s4, full}},
		{"organisationIds", map[string]any{"organisationIds": []string{orgB}}, []string{s4}},
		{"postalCodes", map[string]any{"postalCodes": []string{"93240", "93380"}}, []string{s1, s2, full}},
		{"near Stains, 5 km: Stains and Pierrefitte (2 km), not Paris (11 km) nor Senlis (32 km)", map[string]any{"near": stains}, []string{s1, s2, full}},
		{"near Stains, 50 km", map[string]any{"near": map[string]any{"latitude": 48.9536, "longitude": 2.3794, "radiusKm": 50}}, []string{s1, s2, s3, s4, full}},
		{"audience SENIORS: seniors and EVERYONE workshops", map[string]any{"audiences": []string{"SENIORS"}}, []string{s2, s4, full}},
		{"audience JOB_SEEKERS", map[string]any{"audiences": []string{"JOB_SEEKERS"}}, []string{s1, s2, s3, full}},
		{"wheelchair", map[string]any{"accessibility": []string{"WHEELCHAIR"}}, []string{s1, s2, full}},
		{"wheelchair and hearing loop", map[string]any{"accessibility": []string{"WHEELCHAIR", "HEARING_LOOP"}}, []string{s1, full}},
		{"hearing loop", map[string]any{"accessibility": []string{"HEARING_LOOP"}}, []string{s1, full}},
		{"availableOnly hides a full slot", map[string]any{"availableOnly": true}, []string{s1, s2, s3, s4}},
		{"cancelled slots only on request", map[string]any{"statuses": []string{"CANCELLED"}}, []string{cancelled}},
		{"scheduled and cancelled", map[string]any{"statuses": []string{"SCHEDULED", "CANCELLED"}}, []string{s1, s2, s3, s4, full, cancelled}},
		{"topic and availableOnly", map[string]any{"topics": []string{"CAF_PROCEDURES"}, "availableOnly": true}, []string{s2}},
		{"near, audience and from", map[string]any{"near": stains, "audiences": []string{"JOB_SEEKERS"}, "from": "2032-03-09T00:00:00+01:00"}, []string{full}},
		{"organisation, wheelchair and to", map[string]any{"organisationIds": []string{orgA}, "accessibility": []string{"WHEELCHAIR"}, "to": "2032-03-10T00:00:00+01:00"}, []string{s1, s2}},
		{"workshop, statuses and postal code", map[string]any{"workshopIds": []string{wCV}, "statuses": []string{"SCHEDULED", "CANCELLED"}, "postalCodes": []string{"93380"}}, []string{cancelled}},
		{"filters that exclude each other", map[string]any{"organisationIds": []string{orgB}, "topics": []string{"CAF_PROCEDURES"}}, []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := slotIDsSeenBy(t, a, "", tc.filter); !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", names.of(got), names.of(tc.want))
			}
		})
	}

	t.Run("near uses the great-circle distance", func(t *testing.T) {
		d := slotHaversineKm(48.9536, 2.3794, parisLat, parisLon)
		if d < 10.5 || d > 11.5 {
			t.Fatalf("Stains to Châtelet: got %.2f km, want about 11 km", d)
		}
		for _, tc := range []struct {
			radius float64
			want   []string
		}{{d - 0.05, []string{}}, {d + 0.05, []string{s4}}} {
			f := map[string]any{"organisationIds": []string{orgB},
				"near": map[string]any{"latitude": 48.9536, "longitude": 2.3794, "radiusKm": tc.radius}}
			if got := slotIDsSeenBy(t, a, "", f); !slices.Equal(got, tc.want) {
				t.Errorf("radius %.2f km around Stains: got %q, want %q", tc.radius, names.of(got), names.of(tc.want))
			}
		}
	})

	for name, filter := range map[string]map[string]any{
		"a venue id in workshopIds":        {"workshopIds": []string{vStains}},
		"a workshop id in venueIds":        {"venueIds": []string{wCV}},
		"a slot id in organisationIds":     {"organisationIds": []string{s1}},
		"a malformed id in workshopIds":    {"workshopIds": []string{"atelier-1"}},
		"near with a radius of 500 km":     {"near": map[string]any{"latitude": 48.95, "longitude": 2.38, "radiusKm": 500}},
		"near with a radius of 50 m":       {"near": map[string]any{"latitude": 48.95, "longitude": 2.38, "radiusKm": 0.05}},
		"near with a latitude beyond pole": {"near": map[string]any{"latitude": 91, "longitude": 2.38, "radiusKm": 5}},
	} {
		t.Run("refused: "+name, func(t *testing.T) {
			q := `query($f: SlotFilter) { slots(filter: $f) { edges { node { id } } } }`
			slotRefused(t, a, "", q, map[string]any{"f": filter})
		})
	}
}
