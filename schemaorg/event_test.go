package schemaorg

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
)

// Times carry the Paris offset of their own date: a winter slot +01:00, a summer one +02:00,
// either side of the clock change; whatever zone the instant was read in.
func TestTimeOffsets(t *testing.T) {
	for _, c := range []struct {
		utc  time.Time
		want string
	}{
		{time.Date(2026, 12, 8, 13, 0, 0, 0, time.UTC), "2026-12-08T14:00:00+01:00"},
		{time.Date(2027, 7, 6, 12, 0, 0, 0, time.UTC), "2027-07-06T14:00:00+02:00"},
		{time.Date(2027, 3, 28, 0, 59, 0, 0, time.UTC), "2027-03-28T01:59:00+01:00"},
		{time.Date(2027, 3, 28, 1, 0, 0, 0, time.UTC), "2027-03-28T03:00:00+02:00"},
		{time.Date(2027, 10, 31, 0, 30, 0, 0, time.UTC), "2027-10-31T02:30:00+02:00"},
		{time.Date(2027, 10, 31, 1, 30, 0, 0, time.UTC), "2027-10-31T02:30:00+01:00"},
	} {
		if got := Time(c.utc.In(time.FixedZone("elsewhere", -5*3600))); got != c.want {
			t.Errorf("Time(%v) = %s, want %s", c.utc, got, c.want)
		}
	}
}

// A slot moved back to its first start is scheduled as announced, not rescheduled; a cancelled
// one that had moved gives no previousStartDate (Google allows it with EventRescheduled only).
func TestStatus(t *testing.T) {
	first := time.Date(2027, 7, 6, 12, 0, 0, 0, time.UTC)
	later := first.Add(24 * time.Hour)
	for _, c := range []struct {
		name     string
		slot     db.Slot
		status   string
		previous int
	}{
		{"moved", db.Slot{StartsAt: later, PreviousStartsAt: []time.Time{first}}, Rescheduled, 1},
		{"moved back", db.Slot{StartsAt: first, PreviousStartsAt: []time.Time{first, later}}, Rescheduled, 1},
		{"moved back, once", db.Slot{StartsAt: first, PreviousStartsAt: []time.Time{first}}, Scheduled, 0},
		{"cancelled after a move", db.Slot{StartsAt: later, Status: db.SlotCancelled, PreviousStartsAt: []time.Time{first}}, Cancelled, 0},
	} {
		var got struct {
			EventStatus       string
			PreviousStartDate []string
		}
		c.slot.EndsAt = c.slot.StartsAt.Add(time.Hour)
		if err := json.Unmarshal([]byte(Event{Slot: c.slot}.JSON()), &got); err != nil {
			t.Fatal(err)
		}
		if got.EventStatus != c.status || len(got.PreviousStartDate) != c.previous {
			t.Errorf("%s: %s with %v, want %s with %d previous starts", c.name, got.EventStatus, got.PreviousStartDate, c.status, c.previous)
		}
	}
}

func TestDescription(t *testing.T) {
	for _, c := range []struct{ summary, text, want string }{
		{"Un CV.", "Un CV. En deux heures.", "Un CV. En deux heures."},
		{"Un CV.", "En deux heures.", "Un CV.\n\nEn deux heures."},
		{"Un CV.", "", "Un CV."},
		{"", " ", ""},
	} {
		if got := Description(db.Workshop{Summary: c.summary, Description: c.text}); got != c.want {
			t.Errorf("Description(%q, %q) = %q, want %q", c.summary, c.text, got, c.want)
		}
	}
}
