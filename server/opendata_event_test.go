package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// jsonLD is the part of a schema.org Event a search engine reads (Google's Event structured
// data: name, startDate, location with its address required; endDate, eventStatus,
// eventAttendanceMode, offers, organizer, description recommended).
type jsonLD struct {
	Context, Type, Name, Description, URL string
	StartDate, EndDate                    string
	PreviousStartDate                     []string
	EventStatus, EventAttendanceMode      string
	Location                              struct {
		Type, Name string
		Address    struct {
			Type, StreetAddress, PostalCode, AddressLocality, AddressCountry string
		}
		Geo *struct {
			Type                string
			Latitude, Longitude float64
		}
	}
	Organizer struct{ Type, Name, URL string }
	Offers    struct {
		Type, Price, PriceCurrency, Availability, URL, ValidFrom string
	}
	IsAccessibleForFree       *bool
	InLanguage                []string
	RemainingAttendeeCapacity *int
}

// UnmarshalJSON reads the @-keys, which encoding/json cannot name by field.
func (e *jsonLD) UnmarshalJSON(b []byte) error {
	type plain jsonLD
	var at struct {
		Context string `json:"@context"`
		Type    string `json:"@type"`
	}
	if err := json.Unmarshal(b, &at); err != nil {
		return err
	}
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*e = jsonLD(p)
	e.Context, e.Type = at.Context, at.Type
	var nested struct {
		Location struct {
			Type    string `json:"@type"`
			Address struct {
				Type string `json:"@type"`
			}
		}
		Organizer, Offers struct {
			Type string `json:"@type"`
		}
	}
	json.Unmarshal(b, &nested)
	e.Location.Type, e.Location.Address.Type = nested.Location.Type, nested.Location.Address.Type
	e.Organizer.Type, e.Offers.Type = nested.Organizer.Type, nested.Offers.Type
	return nil
}

// structuredData returns the Slot.structuredData of gid as key sees it, and whether the slot
// was visible at all.
func structuredData(t *testing.T, a *testAPI, key, gid string) (*string, bool) {
	t.Helper()
	var out struct {
		Node *struct{ StructuredData *string }
	}
	a.query(key, `query($id: ID!) { node(id: $id) { ... on Slot { structuredData } } }`, map[string]any{"id": gid}, &out)
	if out.Node == nil {
		return nil, false
	}
	return out.Node.StructuredData, true
}

// publicEventOf returns the event of a public slot, from the GraphQL field and from its URL,
// which must say the same.
func publicEventOf(t *testing.T, a *testAPI, gid string) jsonLD {
	t.Helper()
	text, ok := structuredData(t, a, "", gid)
	if !ok || text == nil {
		t.Fatalf("slot %s: no structuredData for the public", gid)
	}
	status, body, h := a.getPublic("/slots/"+gid+"/event.jsonld", "")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/ld+json") {
		t.Fatalf("GET /slots/%s/event.jsonld: %d %s", gid, status, h.Get("Content-Type"))
	}
	if string(body) != *text {
		t.Errorf("slot %s: the URL and the field differ:\n%s\n%s", gid, body, *text)
	}
	var e jsonLD
	if err := json.Unmarshal([]byte(*text), &e); err != nil {
		t.Fatalf("slot %s: %v\n%s", gid, err, *text)
	}
	return e
}

// Slots as schema.org Events, checked against the shape Google documents for its event results:
// the required and recommended properties, the Paris offset in winter and in summer, a
// cancelled slot, a moved one (rescheduled, with its previous start), a full one (sold out),
// the registration opening (validFrom); and nothing for the public of a slot it may not see:
// internal, partners-only, or of a draft workshop.
func TestSlotStructuredData(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"SLOT_PAGE_BASE": "https://ateliers.example.fr/creneaux/"})
	orgGID, key := a.host("regie-stains")
	a.exec(`UPDATE organisations SET name = 'Régie de Quartier de Stains', website = 'https://regie-stains.example/' WHERE id = $1`, dbID(t, orgGID))
	venue := a.venue(key, map[string]any{"name": "Centre social Yamina Setti"})
	workshop := a.workshop(key, map[string]any{"title": "Faire son CV </script><script>alert(1)</script>",
		"summary": "Un CV clair en deux heures.", "languages": []string{"fr", "ar"}})
	winter := a.slot(key, workshop, venue, "2032-12-07T14:00", map[string]any{"registrationOpensAt": "2032-11-20T09:00"})
	summer := a.slot(key, workshop, venue, "2032-06-08T14:00", nil)
	moved := a.slot(key, workshop, venue, "2032-06-15T14:00", nil)
	cancelled := a.slot(key, workshop, venue, "2032-06-22T14:00", nil)
	full := a.slot(key, workshop, venue, "2032-06-29T14:00", map[string]any{"capacity": 1})
	internal := a.slot(key, workshop, venue, "2032-07-06T14:00", map[string]any{"visibility": "INTERNAL"})
	partners := a.slot(key, workshop, venue, "2032-07-13T14:00", map[string]any{"visibility": "PARTNERS"})
	draft := a.workshop(key, map[string]any{"title": "En préparation", "status": "DRAFT"})
	ofDraft := a.slot(key, draft, venue, "2032-07-20T14:00", nil)

	e := publicEventOf(t, a, winter)
	checks := []struct {
		what      string
		got, want any
	}{
		{"@context", e.Context, "https://schema.org"},
		{"@type", e.Type, "Event"},
		{"name", e.Name, "Faire son CV </script><script>alert(1)</script>"},
		{"description", e.Description, "Un CV clair en deux heures."},
		{"url", e.URL, "https://ateliers.example.fr/creneaux/" + winter},
		{"startDate (winter, +01:00)", e.StartDate, "2032-12-07T14:00:00+01:00"},
		{"endDate", e.EndDate, "2032-12-07T16:00:00+01:00"},
		{"eventStatus", e.EventStatus, "https://schema.org/EventScheduled"},
		{"eventAttendanceMode", e.EventAttendanceMode, "https://schema.org/OfflineEventAttendanceMode"},
		{"location.@type", e.Location.Type, "Place"},
		{"location.name", e.Location.Name, "Centre social Yamina Setti"},
		{"location.address.@type", e.Location.Address.Type, "PostalAddress"},
		{"location.address.streetAddress", e.Location.Address.StreetAddress, "6 avenue George Sand"},
		{"location.address.postalCode", e.Location.Address.PostalCode, "93240"},
		{"location.address.addressLocality", e.Location.Address.AddressLocality, "Stains"},
		{"location.address.addressCountry", e.Location.Address.AddressCountry, "FR"},
		{"location.geo", e.Location.Geo != nil && e.Location.Geo.Latitude == 48.9536 && e.Location.Geo.Longitude == 2.3794, true},
		{"organizer", e.Organizer, struct{ Type, Name, URL string }{"Organization", "Régie de Quartier de Stains", "https://regie-stains.example/"}},
		{"offers.@type", e.Offers.Type, "Offer"},
		{"offers.price", e.Offers.Price, "0"},
		{"offers.priceCurrency", e.Offers.PriceCurrency, "EUR"},
		{"offers.availability", e.Offers.Availability, "https://schema.org/InStock"},
		{"offers.url", e.Offers.URL, "https://ateliers.example.fr/creneaux/" + winter},
		{"offers.validFrom", e.Offers.ValidFrom, "2032-11-20T09:00:00+01:00"},
		{"isAccessibleForFree", e.IsAccessibleForFree != nil && *e.IsAccessibleForFree, true},
		{"inLanguage", strings.Join(e.InLanguage, ","), "fr,ar"},
		{"previousStartDate", len(e.PreviousStartDate), 0},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("the winter slot's %s: got %v, want %v", c.what, c.got, c.want)
		}
	}
	text, _ := structuredData(t, a, "", winter)
	if strings.Contains(*text, "</") {
		t.Errorf("the JSON-LD holds %q: a title could end the page's script element", "</")
	}

	if e := publicEventOf(t, a, summer); e.StartDate != "2032-06-08T14:00:00+02:00" || e.EndDate != "2032-06-08T16:00:00+02:00" || e.Offers.ValidFrom != "" {
		t.Errorf("the summer slot: %s to %s, validFrom %q; want +02:00, and no validFrom when registration opens with the slot", e.StartDate, e.EndDate, e.Offers.ValidFrom)
	}

	a.query(key, `mutation($in: UpdateSlotInput!) { updateSlot(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"id": moved, "startsAt": "2032-06-16T10:00"}}, nil)
	if e := publicEventOf(t, a, moved); e.EventStatus != "https://schema.org/EventRescheduled" ||
		e.StartDate != "2032-06-16T10:00:00+02:00" || strings.Join(e.PreviousStartDate, ",") != "2032-06-15T14:00:00+02:00" {
		t.Errorf("the moved slot: %s from %s, previously %v; want rescheduled, its old start as previousStartDate", e.EventStatus, e.StartDate, e.PreviousStartDate)
	}
	a.query(key, `mutation($in: UpdateSlotInput!) { updateSlot(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"id": summer, "capacity": 12}}, nil)
	if e := publicEventOf(t, a, summer); e.EventStatus != "https://schema.org/EventScheduled" {
		t.Errorf("a slot whose capacity changed: %s, want still scheduled (only its start makes it rescheduled)", e.EventStatus)
	}

	slotCancel(t, a, key, cancelled)
	if e := publicEventOf(t, a, cancelled); e.EventStatus != "https://schema.org/EventCancelled" ||
		e.StartDate != "2032-06-22T14:00:00+02:00" || e.Offers.Availability != "https://schema.org/SoldOut" {
		t.Errorf("the cancelled slot: %s, %s, %s; want cancelled at its original start, sold out", e.EventStatus, e.StartDate, e.Offers.Availability)
	}

	slotFill(t, a, full)
	if e := publicEventOf(t, a, full); e.Offers.Availability != "https://schema.org/SoldOut" || e.RemainingAttendeeCapacity == nil || *e.RemainingAttendeeCapacity != 0 {
		t.Errorf("the full slot: %s, %v places left; want sold out, 0", e.Offers.Availability, e.RemainingAttendeeCapacity)
	}

	for name, gid := range map[string]string{"internal": internal, "partners-only": partners, "of a draft workshop": ofDraft} {
		if text, visible := structuredData(t, a, "", gid); visible || text != nil {
			t.Errorf("the %s slot: the public sees it (structuredData %v)", name, text)
		}
		if status, body, _ := a.getPublic("/slots/"+gid+"/event.jsonld", ""); status != http.StatusNotFound {
			t.Errorf("GET the %s slot's event: %d %s, want 404", name, status, body)
		}
		if text, visible := structuredData(t, a, key, gid); !visible || text != nil {
			t.Errorf("the %s slot, to its host: visible %v, structuredData %v; want visible, and no event (not public)", name, visible, text)
		}
	}
	for _, path := range []string{"/slots/nope/event.jsonld", "/slots/" + venue + "/event.jsonld", "/slots/" + winter + "/event.json",
		"/slots/" + globalID("Slot", 999999) + "/event.jsonld", "/slots/%00/event.jsonld"} {
		if status, _, _ := a.getPublic(path, ""); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}
}
