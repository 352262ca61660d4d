package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	ical "github.com/emersion/go-ical"
)

// The calendar feeds, as a calendar app reads them: the public slots of a venue, a workshop,
// an organisation; an event's SEQUENCE rises when its slot moves, a cancelled slot stays as
// STATUS:CANCELLED; an unchanged feed answers 304 to its ETag; what anonymous callers may not
// see is not there, and an unknown or hidden object is 404.
func TestCalendarFeeds(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	orgID, key := a.org("regie-stains", "CATALOGUE_WRITE")
	workshop := a.workshop(key, map[string]any{"title": "Démarches CAF, France Travail"})
	draft := a.workshop(key, map[string]any{"title": "En préparation", "status": "DRAFT"})
	venue := a.venue(key, nil)
	moved := a.slot(key, workshop, venue, "2032-06-01T14:00", nil)
	a.slot(key, workshop, venue, "2032-06-08T14:00", nil)
	a.slot(key, workshop, venue, "2032-06-15T14:00", map[string]any{"visibility": "INTERNAL"})
	a.slot(key, draft, venue, "2032-06-22T14:00", nil)

	get := func(path, etag string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
		if etag != "" {
			req.Header.Set("If-None-Match", etag)
		}
		res, err := patientClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(body), res.Header
	}
	events := func(path string) ([]ical.Event, string) {
		t.Helper()
		status, body, h := get(path, "")
		if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/calendar") {
			t.Fatalf("GET %s: %d %s", path, status, h.Get("Content-Type"))
		}
		cal, err := ical.NewDecoder(strings.NewReader(body)).Decode()
		if err != nil {
			t.Fatalf("GET %s: %v\n%s", path, err, body)
		}
		return cal.Events(), h.Get("ETag")
	}
	for _, path := range []string{"/calendar/venues/" + venue + ".ics", "/calendar/workshops/" + workshop + ".ics", "/calendar/organisations/" + orgID + ".ics"} {
		if got, _ := events(path); len(got) != 2 {
			t.Errorf("GET %s: %d events, want the 2 public slots of the published workshop", path, len(got))
		}
	}

	path := "/calendar/venues/" + venue + ".ics"
	before, etag := events(path)
	if status, _, _ := get(path, etag); status != http.StatusNotModified {
		t.Errorf("GET %s with its ETag: %d, want 304", path, status)
	}
	uid, _ := before[0].Props.Text(ical.PropUID)
	a.query(key, `mutation($in: UpdateSlotInput!) { updateSlot(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"id": moved, "startsAt": "2032-06-01T16:00"}}, nil)
	after, etag2 := events(path)
	if etag2 == etag {
		t.Errorf("the ETag did not change when a slot moved")
	}
	if got, _ := after[0].Props.Text(ical.PropUID); got != uid {
		t.Errorf("the moved slot's UID %q, want %q: it must never change", got, uid)
	}
	if seq := after[0].Props.Get(ical.PropSequence).Value; seq != "1" {
		t.Errorf("the moved slot's SEQUENCE %q, want 1", seq)
	}
	if start, err := after[0].DateTimeStart(nil); err != nil || start.Format("15:04 MST") != "16:00 CEST" {
		t.Errorf("the moved slot starts %v (%v), want 16:00 Paris time", start, err)
	}
	a.query(key, `mutation($in: CancelSlotInput!) { cancelSlot(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"id": moved, "reason": "salle indisponible"}}, nil)
	cancelled, _ := events(path)
	if status, _ := cancelled[0].Props.Text(ical.PropStatus); status != "CANCELLED" || len(cancelled) != 2 {
		t.Errorf("after cancelSlot: %d events, the first %s; want it kept as CANCELLED", len(cancelled), status)
	}

	for _, path := range []string{"/calendar/workshops/" + draft + ".ics", "/calendar/venues/" + workshop + ".ics",
		"/calendar/venues/nope.ics", "/calendar/rooms/" + venue + ".ics", "/calendar/venues/" + venue} {
		if status, _, _ := get(path, ""); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", path, status)
		}
	}
}
