package main

import (
	"testing"
)

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
