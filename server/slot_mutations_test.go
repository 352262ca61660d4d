package main

import (
	"context"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Slots are entered as Europe/Paris wall-clock times and returned as instants with the Paris
// offset of their date: +01:00 in winter, +02:00 in summer (clocks go forward on 2032-03-28 and
// back on 2032-10-31).

// catSlots reads slots back by id, in order, as key sees them.
func catSlots(a *testAPI, key string, ids []string) []map[string]any {
	a.t.Helper()
	var out struct{ Nodes []map[string]any }
	a.query(key, `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Slot { `+catSlotFields+` } } }`, map[string]any{"ids": ids}, &out)
	return out.Nodes
}

func TestCatalogueHostSchedulesUpdatesAndCancelsSlots(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	venue := a.venue(key, nil)
	workshop := a.workshop(key, map[string]any{"durationMinutes": 120})

	// By default a slot lasts the workshop's duration, is public, and registrations are open
	// from now until it starts.
	s := catWrite(a, key, catScheduleSlot, map[string]any{"workshopId": workshop, "venueId": venue,
		"startsAt": "2032-12-07T14:00", "capacity": 8})
	want := map[string]any{"workshop": map[string]any{"id": workshop}, "venue": map[string]any{"id": venue},
		"startsAt": "2032-12-07T14:00:00+01:00", "endsAt": "2032-12-07T16:00:00+01:00", "capacity": 8,
		"status": "SCHEDULED", "cancellationReason": nil, "visibility": "PUBLIC", "registrationOpensAt": nil,
		"registrationClosesAt": "2032-12-07T14:00:00+01:00", "facilitatorName": nil, "seatsTaken": 0,
		"seatsLeft": 8, "waitlistLength": 0, "isOpenForRegistration": true}
	catHas(t, "scheduled slot", s, want)
	catHas(t, "slot read back", catNode(a, key, catID(s), "Slot", catSlotFields), want)

	// Every field given, in summer time.
	full := catWrite(a, key, catScheduleSlot, map[string]any{"workshopId": workshop, "venueId": venue,
		"startsAt": "2032-06-15T09:30", "endsAt": "2032-06-15T11:00", "capacity": 12, "visibility": "PARTNERS",
		"registrationOpensAt": "2032-05-01T08:00", "registrationClosesAt": "2032-06-14T18:00",
		"facilitatorName": "Samia, médiatrice numérique"})
	catHas(t, "slot with every field", full, map[string]any{"startsAt": "2032-06-15T09:30:00+02:00",
		"endsAt": "2032-06-15T11:00:00+02:00", "capacity": 12, "seatsLeft": 12, "visibility": "PARTNERS",
		"registrationOpensAt": "2032-05-01T08:00:00+02:00", "registrationClosesAt": "2032-06-14T18:00:00+02:00",
		"facilitatorName": "Samia, médiatrice numérique", "isOpenForRegistration": false})

	// Moving a slot keeps its length, and registrations still close when it starts.
	want = catMerge(want, map[string]any{"startsAt": "2032-12-14T10:00:00+01:00", "endsAt": "2032-12-14T12:00:00+01:00",
		"registrationClosesAt": "2032-12-14T10:00:00+01:00", "capacity": 10, "seatsLeft": 10, "facilitatorName": "Karim"})
	catHas(t, "moved slot", catWrite(a, key, catUpdateSlot, map[string]any{"id": catID(s),
		"startsAt": "2032-12-14T10:00", "capacity": 10, "facilitatorName": "Karim"}), want)
	// Omitted fields stay; an empty facilitator name clears it.
	want = catMerge(want, map[string]any{"facilitatorName": nil, "visibility": "INTERNAL", "endsAt": "2032-12-14T12:30:00+01:00"})
	catHas(t, "updated slot", catWrite(a, key, catUpdateSlot, map[string]any{"id": catID(s),
		"facilitatorName": "", "visibility": "INTERNAL", "endsAt": "2032-12-14T12:30"}), want)
	catHas(t, "slot read back", catNode(a, key, catID(s), "Slot", catSlotFields), want)

	want = catMerge(want, map[string]any{"status": "CANCELLED", "cancellationReason": "Médiatrice absente", "isOpenForRegistration": false, "seatsLeft": 0})
	catHas(t, "cancelled slot", catWrite(a, key, catCancelSlot, map[string]any{"id": catID(s), "reason": " Médiatrice absente "}), want)
	catHas(t, "slot read back", catNode(a, key, catID(s), "Slot", catSlotFields), want)

	// A cancelled slot leaves the availability list unless asked for.
	for _, c := range []struct {
		statuses []string
		want     string
	}{{nil, catID(full)}, {[]string{"CANCELLED"}, catID(s)}} {
		var out struct {
			Slots struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		a.query(key, `query($w: ID!, $st: [SlotStatus!]) { slots(filter: {workshopIds: [$w], statuses: $st}) { edges { node { id } } } }`,
			map[string]any{"w": workshop, "st": c.statuses}, &out)
		if len(out.Slots.Edges) != 1 || out.Slots.Edges[0].Node.ID != c.want {
			t.Errorf("slots with statuses %v: got %+v, want only %s", c.statuses, out.Slots.Edges, c.want)
		}
	}
}

func TestCatalogueSlotRefusalsSayWhatToFix(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	venue := a.venue(key, nil)
	workshop := a.workshop(key, nil)
	archivedVenue := a.venue(key, map[string]any{"name": "Ancien local"})
	catWrite(a, key, catArchiveVenue, map[string]any{"id": archivedVenue})
	archivedWorkshop := a.workshop(key, map[string]any{"title": "Ancien atelier"})
	catWrite(a, key, catArchiveWorkshop, map[string]any{"id": archivedWorkshop})

	slot := a.slot(key, workshop, venue, "2032-12-07T14:00", nil)
	cancelled := a.slot(key, workshop, venue, "2032-12-14T14:00", nil)
	catWrite(a, key, catCancelSlot, map[string]any{"id": cancelled, "reason": "Fermeture exceptionnelle"})
	// The API refuses past times, so the slot under way is arranged with SQL.
	started := a.slot(key, workshop, venue, "2032-12-21T14:00", nil)
	a.exec(`UPDATE slots SET starts_at = now() - interval '30 minutes', ends_at = now() + interval '90 minutes',
		registration_closes_at = now() - interval '30 minutes' WHERE id = $1`, dbID(t, started))
	// Five seats taken by registrations, which other work books; set here directly.
	booked := a.slot(key, workshop, venue, "2032-12-28T14:00", map[string]any{"capacity": 8})
	a.exec(`UPDATE slots SET seats_taken = 5 WHERE id = $1`, dbID(t, booked))

	newSlot := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"workshopId": workshop, "venueId": venue, "startsAt": "2032-11-30T14:00", "capacity": 8}, over)
	}
	series := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"workshopId": workshop, "venueId": venue, "firstStartsAt": "2032-11-30T14:00",
			"occurrences": 4, "capacity": 8}, over)
	}
	for _, c := range []struct {
		name, doc   string
		in          map[string]any
		code, field string
	}{
		{"slot in the past", catScheduleSlot, newSlot(map[string]any{"startsAt": "2020-01-07T14:00"}), "INVALID_RANGE", "startsAt"},
		{"end before start", catScheduleSlot, newSlot(map[string]any{"endsAt": "2032-11-30T13:00"}), "INVALID_RANGE", "endsAt"},
		{"end equal to start", catScheduleSlot, newSlot(map[string]any{"endsAt": "2032-11-30T14:00"}), "INVALID_RANGE", "endsAt"},
		{"slot longer than 12 hours", catScheduleSlot, newSlot(map[string]any{"endsAt": "2032-12-01T03:00"}), "INVALID_RANGE", "endsAt"},
		{"registrations closing after the start", catScheduleSlot, newSlot(map[string]any{"registrationClosesAt": "2032-11-30T14:30"}), "INVALID_RANGE", "registrationClosesAt"},
		{"registrations opening after they close", catScheduleSlot, newSlot(map[string]any{
			"registrationOpensAt": "2032-11-29T13:00", "registrationClosesAt": "2032-11-29T12:00"}), "INVALID_RANGE", "registrationOpensAt"},
		{"capacity 0", catScheduleSlot, newSlot(map[string]any{"capacity": 0}), "INVALID", "capacity"},
		{"capacity 501", catScheduleSlot, newSlot(map[string]any{"capacity": 501}), "INVALID", "capacity"},
		{"archived venue", catScheduleSlot, newSlot(map[string]any{"venueId": archivedVenue}), "ARCHIVED", "venueId"},
		{"archived workshop", catScheduleSlot, newSlot(map[string]any{"workshopId": archivedWorkshop}), "ARCHIVED", "workshopId"},
		{"start skipped when clocks go forward", catScheduleSlot, newSlot(map[string]any{"startsAt": "2032-03-28T02:30"}), "NONEXISTENT_LOCAL_TIME", "startsAt"},
		{"end skipped when clocks go forward", catScheduleSlot, newSlot(map[string]any{
			"startsAt": "2032-03-28T01:30", "endsAt": "2032-03-28T02:15"}), "NONEXISTENT_LOCAL_TIME", "endsAt"},

		{"moved into the past", catUpdateSlot, map[string]any{"id": slot, "startsAt": "2020-01-07T14:00"}, "INVALID_RANGE", "startsAt"},
		{"moved to a skipped time", catUpdateSlot, map[string]any{"id": slot, "startsAt": "2032-03-28T02:30"}, "NONEXISTENT_LOCAL_TIME", "startsAt"},
		{"end moved before start", catUpdateSlot, map[string]any{"id": slot, "endsAt": "2032-12-07T13:00"}, "INVALID_RANGE", "endsAt"},
		{"registrations closing after the start on update", catUpdateSlot, map[string]any{"id": slot, "registrationClosesAt": "2032-12-07T15:00"}, "INVALID_RANGE", "registrationClosesAt"},
		{"capacity 501 on update", catUpdateSlot, map[string]any{"id": slot, "capacity": 501}, "INVALID", "capacity"},
		{"moved to an archived venue", catUpdateSlot, map[string]any{"id": slot, "venueId": archivedVenue}, "ARCHIVED", "venueId"},
		{"capacity below the seats taken", catUpdateSlot, map[string]any{"id": booked, "capacity": 4}, "CAPACITY_BELOW_SEATS_TAKEN", "capacity"},
		{"update of a cancelled slot", catUpdateSlot, map[string]any{"id": cancelled, "capacity": 9}, "SLOT_CANCELLED", "id"},
		{"cancel of a cancelled slot", catCancelSlot, map[string]any{"id": cancelled, "reason": "Encore"}, "SLOT_CANCELLED", "id"},
		{"update of a slot under way", catUpdateSlot, map[string]any{"id": started, "capacity": 9}, "SLOT_STARTED", "id"},
		{"cancel of a slot under way", catCancelSlot, map[string]any{"id": started, "reason": "Trop tard"}, "SLOT_STARTED", "id"},
		{"cancel without a reason", catCancelSlot, map[string]any{"id": slot, "reason": "  "}, "REQUIRED", "reason"},

		{"series starting in the past", catScheduleSlotSeries, series(map[string]any{"firstStartsAt": "2020-01-07T14:00"}), "INVALID_RANGE", "firstStartsAt"},
		{"series with capacity 0", catScheduleSlotSeries, series(map[string]any{"capacity": 0}), "INVALID", "capacity"},
		{"series every 5 weeks", catScheduleSlotSeries, series(map[string]any{"intervalWeeks": 5}), "INVALID", "intervalWeeks"},
		{"series of 10-minute occurrences", catScheduleSlotSeries, series(map[string]any{"durationMinutes": 10}), "INVALID", "durationMinutes"},
		{"series at an archived venue", catScheduleSlotSeries, series(map[string]any{"venueId": archivedVenue}), "ARCHIVED", "venueId"},
	} {
		catChangesNothing(t, a, c.name, func(t *testing.T, a *testAPI) {
			catRefusedWith(t, catMutate(a, key, c.doc, c.in), c.code, c.field)
		})
	}

	// The capacity may come down to the seats taken, not below.
	catHas(t, "capacity down to the seats taken", catWrite(a, key, catUpdateSlot, map[string]any{"id": booked, "capacity": 5}),
		map[string]any{"capacity": 5, "seatsTaken": 5, "seatsLeft": 0})
}

func TestCatalogueWeeklySeriesKeepsItsWallClockTimeAcrossDaylightSaving(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		in   map[string]any
		// Start of each occurrence; each ends length later on the same offset.
		starts []string
		length time.Duration
	}{
		{"every Tuesday 14:00 for 8 weeks across the spring change",
			map[string]any{"firstStartsAt": "2032-03-09T14:00", "occurrences": 8},
			[]string{"2032-03-09T14:00:00+01:00", "2032-03-16T14:00:00+01:00", "2032-03-23T14:00:00+01:00",
				"2032-03-30T14:00:00+02:00", "2032-04-06T14:00:00+02:00", "2032-04-13T14:00:00+02:00",
				"2032-04-20T14:00:00+02:00", "2032-04-27T14:00:00+02:00"},
			2 * time.Hour},
		{"every Tuesday 14:00 for 8 weeks across the autumn change, 90 minutes each",
			map[string]any{"firstStartsAt": "2032-10-12T14:00", "occurrences": 8, "durationMinutes": 90},
			[]string{"2032-10-12T14:00:00+02:00", "2032-10-19T14:00:00+02:00", "2032-10-26T14:00:00+02:00",
				"2032-11-02T14:00:00+01:00", "2032-11-09T14:00:00+01:00", "2032-11-16T14:00:00+01:00",
				"2032-11-23T14:00:00+01:00", "2032-11-30T14:00:00+01:00"},
			90 * time.Minute},
		{"every other Saturday 09:30 across the spring change",
			map[string]any{"firstStartsAt": "2032-03-13T09:30", "occurrences": 3, "intervalWeeks": 2},
			[]string{"2032-03-13T09:30:00+01:00", "2032-03-27T09:30:00+01:00", "2032-04-10T09:30:00+02:00"},
			2 * time.Hour},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			a := newTestAPI(t)
			_, key := a.host("regie-stains")
			venue := a.venue(key, nil)
			workshop := a.workshop(key, map[string]any{"durationMinutes": 120})

			res := catMutate(a, key, catScheduleSlotSeries, catMerge(map[string]any{"workshopId": workshop, "venueId": venue,
				"capacity": 10, "facilitatorName": "Samia"}, c.in))
			if len(res.UserErrors) > 0 || len(res.Slots) != len(c.starts) {
				t.Fatalf("got %d slots and userErrors %+v, want %d slots", len(res.Slots), res.UserErrors, len(c.starts))
			}
			ids := make([]string, len(res.Slots))
			for i, s := range res.Slots {
				ids[i] = catID(s)
				start, err := time.Parse(time.RFC3339, c.starts[i])
				if err != nil {
					t.Fatal(err)
				}
				end := start.Add(c.length).Format(time.RFC3339) // the offset of the start, as parsed
				catHas(t, "occurrence "+strconv.Itoa(i+1), s, map[string]any{"startsAt": c.starts[i], "endsAt": end,
					"registrationClosesAt": c.starts[i], "capacity": 10, "facilitatorName": "Samia", "status": "SCHEDULED",
					"workshop": map[string]any{"id": workshop}, "venue": map[string]any{"id": venue}})
			}

			// Each occurrence is then a slot of its own: move one, cancel another, the rest stay.
			before := catSlots(a, key, ids)
			moved := catWrite(a, key, catUpdateSlot, map[string]any{"id": ids[1], "capacity": 12,
				"startsAt": c.starts[1][:11] + "17:00"})
			catWrite(a, key, catCancelSlot, map[string]any{"id": ids[2], "reason": "Jour férié"})
			after := catSlots(a, key, ids)
			catHas(t, "moved occurrence", after[1], map[string]any{"capacity": 12, "status": "SCHEDULED",
				"startsAt": c.starts[1][:11] + "17:00:00" + c.starts[1][19:]})
			catHas(t, "moved occurrence read back", after[1], moved)
			catHas(t, "cancelled occurrence", after[2], map[string]any{"status": "CANCELLED", "cancellationReason": "Jour férié",
				"startsAt": c.starts[2]})
			for i := range ids {
				if i != 1 && i != 2 && !reflect.DeepEqual(after[i], before[i]) {
					t.Errorf("occurrence %d: got %s, want it unchanged: %s", i+1, catJSON(after[i]), catJSON(before[i]))
				}
			}
		})
	}
}

func TestCatalogueSeriesIsRefusedWhole(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	venue := a.venue(key, nil)
	workshop := a.workshop(key, nil)
	for _, c := range []struct {
		name        string
		in          map[string]any
		code, field string
		message     string
	}{
		// 2032-03-14 and 2032-03-21 exist; 2032-03-28 02:30 does not: clocks jump from 02:00 to 03:00.
		{"Sunday 02:30 weekly across the spring change", map[string]any{"firstStartsAt": "2032-03-14T02:30", "occurrences": 3},
			"NONEXISTENT_LOCAL_TIME", "firstStartsAt", "2032-03-28 02:30"},
		{"53 occurrences", map[string]any{"firstStartsAt": "2032-12-07T14:00", "occurrences": 53}, "INVALID", "occurrences", ""},
		{"no occurrence", map[string]any{"firstStartsAt": "2032-12-07T14:00", "occurrences": 0}, "INVALID", "occurrences", ""},
	} {
		catChangesNothing(t, a, c.name, func(t *testing.T, a *testAPI) {
			res := catMutate(a, key, catScheduleSlotSeries, catMerge(map[string]any{"workshopId": workshop, "venueId": venue, "capacity": 8}, c.in))
			catRefusedWith(t, res, c.code, c.field)
			if len(res.UserErrors) == 1 && !strings.Contains(res.UserErrors[0].Message, c.message) {
				t.Errorf("message: got %q, want it to name %q", res.UserErrors[0].Message, c.message)
			}
			var slots int
			a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM slots`).Scan(&slots)
			if slots != 0 {
				t.Errorf("got %d slots in the database, want none", slots)
			}
		})
	}
	// 52 occurrences, the most a series may have, are accepted.
	if res := catMutate(a, key, catScheduleSlotSeries, map[string]any{"workshopId": workshop, "venueId": venue, "capacity": 8,
		"firstStartsAt": "2032-12-07T14:00", "occurrences": 52}); len(res.Slots) != 52 {
		t.Errorf("52 occurrences: got %d slots and userErrors %+v, want 52 slots", len(res.Slots), res.UserErrors)
	}
}
