package calendar

import (
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/regiestains/ateliers/db"
)

// A feed reads back, through an independent parser (emersion/go-ical), as the slots it shows:
// stable UIDs, SEQUENCE, Paris times, a cancelled slot as such, and the texts whole, commas,
// semicolons and accents included; no line longer than 75 octets.
func TestAFeedReadsBackAsItsSlots(t *testing.T) {
	start := time.Date(2027, 3, 30, 14, 0, 0, 0, paris) // summer time: 12:00 UTC
	winter := time.Date(2027, 1, 12, 9, 30, 0, 0, paris)
	w := &db.Workshop{Title: "Démarches CAF, France Travail; et le reste", Summary: strings.Repeat("Créer son espace, déposer ses pièces. ", 5)}
	v := &db.Venue{Name: "Espace numérique de la Régie", StreetAddress: "12, rue Carnot", PostalCode: "93240", City: "Stains"}
	f := Feed{Name: "Ateliers — Régie de Quartier", Domain: "api.example.fr", Now: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), Slots: []db.Slot{
		{ID: 7, StartsAt: start, EndsAt: start.Add(2 * time.Hour), Revision: 3, Status: db.SlotScheduled, WithWorkshop: w, WithVenue: v},
		{ID: 8, StartsAt: winter, EndsAt: winter.Add(time.Hour), Status: db.SlotCancelled, WithWorkshop: w, WithVenue: v},
	}}
	text := f.Write()
	for _, line := range strings.Split(text, "\r\n") {
		if len(line) > 75 {
			t.Errorf("a line of %d octets: %q", len(line), line)
		}
	}
	cal, err := ical.NewDecoder(strings.NewReader(text)).Decode()
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, text)
	}
	events := cal.Events()
	if len(events) != 2 {
		t.Fatalf("%d events, want 2", len(events))
	}
	for i, want := range []struct {
		uid, status, sequence string
		start, end            time.Time
	}{
		{"slot-7@api.example.fr", "CONFIRMED", "3", start, start.Add(2 * time.Hour)},
		{"slot-8@api.example.fr", "CANCELLED", "0", winter, winter.Add(time.Hour)},
	} {
		e := events[i]
		text := func(name string) string {
			s, err := e.Props.Text(name)
			if err != nil {
				t.Fatalf("event %d %s: %v", i, name, err)
			}
			return s
		}
		if got := text(ical.PropUID); got != want.uid {
			t.Errorf("event %d: UID %q, want %q", i, got, want.uid)
		}
		if got := text(ical.PropStatus); got != want.status {
			t.Errorf("event %d: STATUS %q, want %q", i, got, want.status)
		}
		if got := e.Props.Get(ical.PropSequence).Value; got != want.sequence {
			t.Errorf("event %d: SEQUENCE %q, want %q", i, got, want.sequence)
		}
		if got := text(ical.PropSummary); got != w.Title {
			t.Errorf("event %d: SUMMARY %q", i, got)
		}
		if got := text(ical.PropLocation); got != "Espace numérique de la Régie, 12, rue Carnot, 93240 Stains" {
			t.Errorf("event %d: LOCATION %q", i, got)
		}
		if got := text(ical.PropDescription); got != w.Summary {
			t.Errorf("event %d: DESCRIPTION %q", i, got)
		}
		if tzid := e.Props.Get(ical.PropDateTimeStart).Params.Get(ical.PropTimezoneID); tzid != Paris {
			t.Errorf("event %d: DTSTART's TZID %q, want %s", i, tzid, Paris)
		}
		gotStart, err := e.DateTimeStart(nil)
		if err != nil || !gotStart.Equal(want.start) {
			t.Errorf("event %d: starts %v (%v), want %v", i, gotStart, err, want.start)
		}
		gotEnd, err := e.DateTimeEnd(nil)
		if err != nil || !gotEnd.Equal(want.end) {
			t.Errorf("event %d: ends %v (%v), want %v", i, gotEnd, err, want.end)
		}
	}
	if n := len(cal.Children) - len(events); n != 1 || cal.Children[0].Name != ical.CompTimezone {
		t.Errorf("the calendar's other components: %d, the first %s; want its VTIMEZONE", n, cal.Children[0].Name)
	}
}
