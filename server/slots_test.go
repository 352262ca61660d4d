package main

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

// Tests of the availability query (Query.slots), its paging, who sees which slot on every
// path (slots, node, nodes, Venue.slots, Workshop.slots), and the fields derived for a slot.

// slotView is a slot as a client reads it; JSON null leaves a string empty.
type slotView struct {
	ID                    string
	StartsAt, EndsAt      string
	Capacity              int
	Status                string
	CancellationReason    string
	Visibility            string
	RegistrationOpensAt   string
	RegistrationClosesAt  string
	SeatsTaken            int
	SeatsLeft             int
	WaitlistLength        int
	IsOpenForRegistration bool
}

const slotViewFields = `id startsAt endsAt capacity status cancellationReason visibility
	registrationOpensAt registrationClosesAt seatsTaken seatsLeft waitlistLength isOpenForRegistration`

// slotEdges is the edges and page info of a SlotConnection.
type slotEdges struct {
	Edges []struct {
		Cursor string
		Node   struct{ ID string }
	}
	PageInfo struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
}

func (c slotEdges) ids() []string {
	ids := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		ids[i] = e.Node.ID
	}
	return ids
}

// slotsPageSeenBy fetches one page of Query.slots for the caller with key.
func slotsPageSeenBy(t *testing.T, a *testAPI, key string, filter map[string]any, first int, after *string) slotEdges {
	t.Helper()
	var out struct{ Slots slotEdges }
	a.withT(t).query(key, `query($f: SlotFilter, $first: Int, $after: String) {
		slots(filter: $f, first: $first, after: $after) {
			edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
		map[string]any{"f": filter, "first": first, "after": after}, &out)
	return out.Slots
}

// slotIDsSeenBy lists the ids of Query.slots (one page of 100) for the caller with key.
func slotIDsSeenBy(t *testing.T, a *testAPI, key string, filter map[string]any) []string {
	t.Helper()
	return slotsPageSeenBy(t, a, key, filter, 100, nil).ids()
}

func slotFill(t *testing.T, a *testAPI, gid string) {
	t.Helper()
	slotSQL(t, a, gid, `UPDATE slots SET seats_taken = capacity WHERE id = $1`)
}

// slotNames names ids for failure messages.
type slotNames map[string]string

func (n slotNames) of(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = cmp.Or(n[id], "unknown "+id)
	}
	return out
}

// slotRefused checks that a request is refused with BAD_USER_INPUT and a message written
// for the client: no SQL or driver text.
func slotRefused(t *testing.T, a *testAPI, key, query string, vars map[string]any) {
	t.Helper()
	r := a.withT(t).post(key, query, vars)
	if len(r.Errors) == 0 {
		t.Fatalf("got data %s, want a BAD_USER_INPUT error", r.Data)
	}
	e := r.Errors[0]
	if e.Code() != "BAD_USER_INPUT" || strings.Contains(e.Message, "SQLSTATE") || strings.Contains(e.Message, "ERROR:") {
		t.Errorf("got %s %q, want BAD_USER_INPUT with a message for the client", e.Code(), e.Message)
	}
}

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

func TestSlotsArePagedByStartTimeThenID(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	w, v := a.workshop(key, nil), a.venue(key, nil)
	type made struct {
		day, hour, n int
		id           string
	}
	var all []made
	names := slotNames{}
	for n := range 25 {
		// Ten distinct start times, created out of order: 5 of them shared by three slots,
		// 5 by two, so that ids break ties.
		day, hour := 1+(n*7)%10, 9+(n%2)*5
		id := a.slot(key, w, v, fmt.Sprintf("2032-04-%02dT%02d:00", day, hour), nil)
		all = append(all, made{day, hour, n, id})
		names[id] = fmt.Sprintf("#%d (04-%02d %02dh)", n, day, hour)
	}
	slices.SortFunc(all, func(x, y made) int {
		return cmp.Or(cmp.Compare(x.day, y.day), cmp.Compare(x.hour, y.hour), cmp.Compare(x.n, y.n))
	})
	want := make([]string, len(all))
	for i, m := range all {
		want[i] = m.id
	}

	if got := slotIDsSeenBy(t, a, "", nil); !slices.Equal(got, want) {
		t.Fatalf("one page of 100: got %q, want %q", names.of(got), names.of(want))
	}

	var byDefault struct{ Slots slotEdges }
	a.query("", `{ slots { edges { node { id } } pageInfo { hasNextPage } } }`, nil, &byDefault)
	if got := byDefault.Slots; len(got.Edges) != 20 || !got.PageInfo.HasNextPage {
		t.Errorf("without first: got %d slots, hasNextPage %v; want 20, true", len(got.Edges), got.PageInfo.HasNextPage)
	}

	var paged []string
	var sizes []int
	var after *string
	for page := 1; ; page++ {
		p := slotsPageSeenBy(t, a, "", nil, 7, after)
		paged = append(paged, p.ids()...)
		sizes = append(sizes, len(p.Edges))
		if len(p.Edges) > 0 && (p.PageInfo.EndCursor == nil || *p.PageInfo.EndCursor != p.Edges[len(p.Edges)-1].Cursor) {
			t.Errorf("page %d: endCursor %v is not the last edge's cursor", page, p.PageInfo.EndCursor)
		}
		if p.PageInfo.HasPreviousPage {
			t.Errorf("page %d: got hasPreviousPage true, want false (forward-only)", page)
		}
		if !p.PageInfo.HasNextPage {
			break
		}
		if page == 10 {
			t.Fatalf("still hasNextPage after 10 pages of 7 for 25 slots")
		}
		after = p.PageInfo.EndCursor
	}
	if !slices.Equal(sizes, []int{7, 7, 7, 4}) {
		t.Errorf("page sizes: got %v, want [7 7 7 4]", sizes)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("pages of 7 joined: got %q, want %q", names.of(paged), names.of(want))
	}

	t.Run("slots scheduled before the position do not shift the next page", func(t *testing.T) {
		first := slotsPageSeenBy(t, a, "", nil, 7, nil)
		earliest := a.slot(key, w, v, "2032-03-31T09:00", nil)
		tied := a.slot(key, w, v, "2032-04-01T09:00", nil) // same start as the first three, a larger id
		names[earliest], names[tied] = "new earliest", "new tied with the first"
		if got := slotsPageSeenBy(t, a, "", nil, 7, first.PageInfo.EndCursor).ids(); !slices.Equal(got, want[7:14]) {
			t.Errorf("page 2 after inserts: got %q, want %q", names.of(got), names.of(want[7:14]))
		}
		if got := slotIDsSeenBy(t, a, "", nil); len(got) != 27 || got[0] != earliest || got[4] != tied {
			t.Errorf("fresh listing: got %q, want the new slots at positions 0 and 4 of 27", names.of(got))
		}
	})

	var venues struct {
		Venues struct{ PageInfo struct{ EndCursor string } }
	}
	a.query("", `{ venues(first: 1) { pageInfo { endCursor } } }`, nil, &venues)
	good := *slotsPageSeenBy(t, a, "", nil, 1, nil).PageInfo.EndCursor
	tampered := []byte(good)
	if tampered[0] = 'X'; good[0] == 'X' {
		tampered[0] = 'U'
	}
	b64 := base64.RawURLEncoding.EncodeToString
	for name, cursor := range map[string]string{
		"a random string":                  "not-a-cursor",
		"a cursor of venues":               venues.Venues.PageInfo.EndCursor,
		"base64 of garbage":                b64([]byte{0xff, 0x00, 0x7f, '|', 0xfe}),
		"one character modified":           string(tampered),
		"padded base64":                    good + "==",
		"a slot cursor with no time":       b64([]byte("Slot|1|not-a-time")),
		"a slot cursor with a bad id":      b64([]byte("Slot|-4|2032-04-01T07:00:00Z")),
		"a slot cursor in year 0":          b64([]byte("Slot|1|0000-01-01T00:00:00Z")),
		"a cursor longer than any we make": strings.Repeat("A", 2000),
	} {
		t.Run("refused cursor: "+name, func(t *testing.T) {
			q := `query($after: String) { slots(after: $after) { edges { node { id } } } }`
			slotRefused(t, a, "", q, map[string]any{"after": cursor})
		})
	}
	for _, q := range []string{
		`{ slots(first: 0) { edges { cursor } } }`,
		`{ slots(first: 101) { edges { cursor } } }`,
		`{ slots(first: -1) { edges { cursor } } }`,
		`{ venues(first: 1) { edges { node { slots(first: 101) { edges { cursor } } } } } }`,
	} {
		t.Run("refused: "+q, func(t *testing.T) { slotRefused(t, a, "", q, nil) })
	}
}

func TestSlotsVisibilityPerCaller(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, hostKey := a.host("regie-stains")
	_, otherHostKey := a.host("emmaus-connect")
	_, partnerKey := a.org("france-travail-stains")
	v := a.venue(hostKey, nil)
	// Titles sort like the slots' start times, so that Workshop.slots read in order.
	published := a.workshop(hostKey, map[string]any{"title": "Atelier CV"})
	draft := a.workshop(hostKey, map[string]any{"title": "Brouillon : démarches CAF", "status": "DRAFT"})
	public := a.slot(hostKey, published, v, "2032-05-04T10:00", map[string]any{"visibility": "PUBLIC"})
	partners := a.slot(hostKey, published, v, "2032-05-04T14:00", map[string]any{"visibility": "PARTNERS"})
	internal := a.slot(hostKey, published, v, "2032-05-05T10:00", map[string]any{"visibility": "INTERNAL"})
	ofDraft := a.slot(hostKey, draft, v, "2032-05-05T14:00", map[string]any{"visibility": "PUBLIC"})
	all := []string{public, partners, internal, ofDraft}
	names := slotNames{public: "public", partners: "partners-only", internal: "internal", ofDraft: "public of a draft workshop"}

	paths := map[string]func(t *testing.T, key string) []string{
		"Query.slots": func(t *testing.T, key string) []string { return slotIDsSeenBy(t, a, key, nil) },
		"node": func(t *testing.T, key string) []string {
			seen := []string{}
			for _, id := range all {
				var out struct{ Node *struct{ ID string } }
				a.withT(t).query(key, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, &out)
				if out.Node != nil {
					seen = append(seen, out.Node.ID)
				}
			}
			return seen
		},
		"nodes": func(t *testing.T, key string) []string {
			var out struct{ Nodes []*struct{ ID string } }
			a.withT(t).query(key, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": all}, &out)
			if len(out.Nodes) != len(all) {
				t.Fatalf("got %d nodes, want %d (null where hidden)", len(out.Nodes), len(all))
			}
			seen := []string{}
			for i, n := range out.Nodes {
				if n != nil {
					if n.ID != all[i] {
						t.Errorf("nodes[%d]: got %s, want %s or null", i, n.ID, all[i])
					}
					seen = append(seen, n.ID)
				}
			}
			return seen
		},
		"Venue.slots": func(t *testing.T, key string) []string {
			var out struct {
				Venues struct {
					Edges []struct{ Node struct{ Slots slotEdges } }
				}
			}
			a.withT(t).query(key, `{ venues(first: 10) { edges { node { slots(first: 40) { edges { node { id } } } } } } }`, nil, &out)
			seen := []string{}
			for _, e := range out.Venues.Edges {
				seen = append(seen, e.Node.Slots.ids()...)
			}
			return seen
		},
		"Workshop.slots": func(t *testing.T, key string) []string {
			var out struct {
				Workshops struct {
					Edges []struct{ Node struct{ Slots slotEdges } }
				}
			}
			a.withT(t).query(key, `{ workshops(filter: {statuses: [PUBLISHED, DRAFT]}, first: 10) {
				edges { node { slots(first: 40) { edges { node { id } } } } } } }`, nil, &out)
			seen := []string{}
			for _, e := range out.Workshops.Edges {
				seen = append(seen, e.Node.Slots.ids()...)
			}
			return seen
		},
	}
	for _, caller := range []struct {
		name, key string
		want      []string
	}{
		{"anonymous", "", []string{public}},
		{"partner without scopes", partnerKey, []string{public, partners}},
		{"another host organisation", otherHostKey, []string{public, partners}},
		{"host organisation", hostKey, all},
	} {
		for path, list := range paths {
			t.Run(caller.name+" via "+path, func(t *testing.T) {
				if got := list(t, caller.key); !slices.Equal(got, caller.want) {
					t.Errorf("got %q, want %q", names.of(got), names.of(caller.want))
				}
			})
		}
	}
}

func TestSlotsNodeHidesWhatTheCallerMayNotSee(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, hostKey := a.host("regie-stains")
	_, partnerKey := a.org("france-travail-stains")
	draft := a.workshop(hostKey, map[string]any{"status": "DRAFT"})
	q := `query($id: ID!) { node(id: $id) { id ... on Workshop { status } } }`
	for _, tc := range []struct {
		caller, key string
		visible     bool
	}{{"anonymous", "", false}, {"partner", partnerKey, false}, {"its organisation", hostKey, true}} {
		var out struct{ Node *struct{ ID, Status string } }
		a.query(tc.key, q, map[string]any{"id": draft}, &out)
		if got := out.Node != nil; got != tc.visible {
			t.Errorf("draft workshop via node for %s: got visible %v, want %v", tc.caller, got, tc.visible)
		}
	}

	var missing struct{ Node *struct{ ID string } }
	a.query("", q, map[string]any{"id": base64.RawURLEncoding.EncodeToString([]byte("Slot:999999"))}, &missing)
	if missing.Node != nil {
		t.Errorf("node of a slot that does not exist: got %+v, want null", missing.Node)
	}

	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, id := range []string{"", "atelier-1", b64("Slot:abc"), b64("Slot:0"), b64("Slot:-3"), b64("Slot:007"),
		b64("Planet:1"), b64("Slot"), base64.StdEncoding.EncodeToString([]byte("Slot:12")), strings.Repeat("A", 100)} {
		t.Run(fmt.Sprintf("refused id %q", id), func(t *testing.T) { slotRefused(t, a, "", q, map[string]any{"id": id}) })
	}

	ids := slices.Repeat([]string{draft}, 100)
	var hundred struct{ Nodes []*struct{ ID string } }
	a.query(hostKey, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids}, &hundred)
	if len(hundred.Nodes) != 100 {
		t.Errorf("nodes with 100 ids: got %d nodes, want 100", len(hundred.Nodes))
	}
	slotRefused(t, a, hostKey, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": append(ids, draft)})
}

func TestSlotsDerivedFields(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	w := a.workshop(key, map[string]any{"durationMinutes": 120})
	v := a.venue(key, nil)
	slot := func(startsAt string, fields map[string]any) string { return a.slot(key, w, v, startsAt, fields) }

	winter := slot("2032-01-12T14:00", nil)
	summer := slot("2032-07-06T09:30", map[string]any{"capacity": 12, "facilitatorName": "Samia"})
	beforeDST := slot("2032-03-27T14:00", nil)
	acrossDST := slot("2032-03-28T01:30", nil) // clocks go from 02:00 to 03:00 that night
	notYetOpen := slot("2032-09-01T10:00", map[string]any{"registrationOpensAt": "2032-08-01T10:00"})
	closesEarly := slot("2032-10-01T10:00", map[string]any{"registrationClosesAt": "2032-09-30T18:00"})
	closed := slot("2032-10-02T10:00", nil)
	slotSQL(t, a, closed, `UPDATE slots SET registration_closes_at = now() - interval '1 hour' WHERE id = $1`)
	someTaken := slot("2032-11-09T14:00", nil)
	slotSQL(t, a, someTaken, `UPDATE slots SET seats_taken = 3 WHERE id = $1`)
	full := slot("2032-11-16T14:00", nil)
	slotFill(t, a, full)
	cancelled := slot("2032-12-07T14:00", nil)
	slotCancel(t, a, key, cancelled)

	scheduled := func(starts, ends, closes string, capacity, taken int, open bool) slotView {
		return slotView{StartsAt: starts, EndsAt: ends, Capacity: capacity, Status: "SCHEDULED", Visibility: "PUBLIC",
			RegistrationClosesAt: closes, SeatsTaken: taken, SeatsLeft: capacity - taken, IsOpenForRegistration: open}
	}
	withOpening := scheduled("2032-09-01T10:00:00+02:00", "2032-09-01T12:00:00+02:00", "2032-09-01T10:00:00+02:00", 8, 0, false)
	withOpening.RegistrationOpensAt = "2032-08-01T10:00:00+02:00"
	withCancellation := scheduled("2032-12-07T14:00:00+01:00", "2032-12-07T16:00:00+01:00", "2032-12-07T14:00:00+01:00", 8, 0, false)
	withCancellation.Status, withCancellation.CancellationReason = "CANCELLED", "Médiatrice absente"
	withCancellation.SeatsLeft = 0 // nobody can take a seat on a cancelled slot

	for _, tc := range []struct {
		name, id string
		want     slotView
	}{
		{"winter: +01:00, closes at the start, open now", winter,
			scheduled("2032-01-12T14:00:00+01:00", "2032-01-12T16:00:00+01:00", "2032-01-12T14:00:00+01:00", 8, 0, true)},
		{"summer: +02:00", summer,
			scheduled("2032-07-06T09:30:00+02:00", "2032-07-06T11:30:00+02:00", "2032-07-06T09:30:00+02:00", 12, 0, true)},
		{"the day before clocks go forward", beforeDST,
			scheduled("2032-03-27T14:00:00+01:00", "2032-03-27T16:00:00+01:00", "2032-03-27T14:00:00+01:00", 8, 0, true)},
		{"across the change: two real hours", acrossDST,
			scheduled("2032-03-28T01:30:00+01:00", "2032-03-28T04:30:00+02:00", "2032-03-28T01:30:00+01:00", 8, 0, true)},
		{"registrations not open yet", notYetOpen, withOpening},
		{"registrations closing before the start", closesEarly,
			scheduled("2032-10-01T10:00:00+02:00", "2032-10-01T12:00:00+02:00", "2032-09-30T18:00:00+02:00", 8, 0, true)},
		{"some seats taken", someTaken,
			scheduled("2032-11-09T14:00:00+01:00", "2032-11-09T16:00:00+01:00", "2032-11-09T14:00:00+01:00", 8, 3, true)},
		{"full: no seat left, still open (seats are another matter)", full,
			scheduled("2032-11-16T14:00:00+01:00", "2032-11-16T16:00:00+01:00", "2032-11-16T14:00:00+01:00", 8, 8, true)},
		{"cancelled: not open", cancelled, withCancellation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out struct{ Node *slotView }
			a.withT(t).query("", `query($id: ID!) { node(id: $id) { ... on Slot { `+slotViewFields+` } } }`,
				map[string]any{"id": tc.id}, &out)
			if out.Node == nil {
				t.Fatalf("node(%s): got null, want the slot", tc.id)
			}
			got := *out.Node
			if got.ID != tc.id {
				t.Errorf("id: got %s, want %s", got.ID, tc.id)
			}
			got.ID = ""
			if got != tc.want {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}

	t.Run("registration window already closed: not open", func(t *testing.T) {
		var out struct {
			Node struct{ IsOpenForRegistration bool }
		}
		a.withT(t).query("", `query($id: ID!) { node(id: $id) { ... on Slot { isOpenForRegistration } } }`,
			map[string]any{"id": closed}, &out)
		if out.Node.IsOpenForRegistration {
			t.Errorf("got isOpenForRegistration true, want false")
		}
	})

	t.Run("the same values through Query.slots", func(t *testing.T) {
		var out struct {
			Slots struct{ Edges []struct{ Node slotView } }
		}
		a.withT(t).query("", `{ slots(filter: {from: "2032-07-06T09:30:00+02:00", to: "2032-07-06T09:30:01+02:00"}) {
			edges { node { `+slotViewFields+` } } } }`, nil, &out)
		want := scheduled("2032-07-06T09:30:00+02:00", "2032-07-06T11:30:00+02:00", "2032-07-06T09:30:00+02:00", 12, 0, true)
		want.ID = summer
		if len(out.Slots.Edges) != 1 || out.Slots.Edges[0].Node != want {
			t.Errorf("got %+v, want the summer slot alone: %+v", out.Slots.Edges, want)
		}
	})
}
