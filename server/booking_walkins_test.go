package main

import (
	"testing"

	"github.com/regiestains/ateliers/db"
)

// walkInDoc records a walk-in and reads what the host sees of it.
var walkInDoc = rulesDoc("recordWalkIn", "RecordWalkInInput", "registration { "+rulesRegFields+" walkIn overCapacityReason }")

type walkIn struct {
	Registration *struct {
		rulesReg
		WalkIn             bool
		OverCapacityReason *string
	}
	UserErrors []userError
}

// A person who walks in is recorded by the host during the slot (or within a day after it),
// present at once, in a seat like anyone: a full slot refuses unless the host says why the
// person is seated all the same, and that reason is kept. Nobody else may record one.
func TestBookingRulesWalkIns(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "walkin-host")
	slot := h.slot(t, a, 3, nil)
	in := func(n int, extra map[string]any) map[string]any {
		m := map[string]any{"slotId": slot, "participant": person(n)}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	record := func(key string, n int, extra map[string]any) walkIn {
		t.Helper()
		var out walkIn
		rulesDo(t, a, key, walkInDoc, in(n, extra), &out)
		return out
	}

	early := record(h.Key, 1, nil)
	rulesWantRefusal(t, "before the slot", early.UserErrors, "SLOT_NOT_STARTED", "input", "slotId")

	rulesBook(t, a, "", rulesIn(slot, 2, nil), "CONFIRMED") // booked before, on the website
	slotUnderWay(t, a, slot)
	came := record(h.Key, 1, nil)
	if r := came.Registration; len(came.UserErrors) > 0 || r == nil || r.Status != "CONFIRMED" || r.Attendance == nil ||
		*r.Attendance != "PRESENT" || !r.WalkIn || r.OverCapacityReason != nil {
		t.Fatalf("a walk-in during the slot: %+v, want a confirmed registration, present, walkIn", came)
	}
	twice := record(h.Key, 1, nil)
	rulesWantRefusal(t, "the same person again", twice.UserErrors, "ALREADY_REGISTERED", "input", "slotId")
	if last := record(h.Key, 3, nil); last.Registration == nil {
		t.Fatalf("the last seat: %+v", last.UserErrors)
	}
	full := record(h.Key, 4, nil)
	rulesWantRefusal(t, "a full slot, no reason", full.UserErrors, "SLOT_FULL", "input", "slotId")
	over := record(h.Key, 4, map[string]any{"overCapacityReason": "Venue avec sa fille, une chaise de plus"})
	if r := over.Registration; r == nil || !r.WalkIn || r.OverCapacityReason == nil || *r.OverCapacityReason != "Venue avec sa fille, une chaise de plus" {
		t.Fatalf("a walk-in over capacity with a reason: %+v", over)
	}
	if taken, _, confirmed, _ := a.counts(t, slot); taken != 4 || confirmed != 4 {
		t.Errorf("seats taken %d, confirmed %d; want 4", taken, confirmed)
	}
	if seen := rulesSlotSeenBy(t, a, h.Key, slot); seen.SeatsLeft != 0 {
		t.Errorf("after the walk-in over capacity: seatsLeft %d, want 0 (the capacity grew by one)", seen.SeatsLeft)
	}
	var kinds []string
	rows, err := a.Pool.Query(t.Context(), `SELECT kind FROM booking_events WHERE registration_id = $1`, dbID(t, came.Registration.ID))
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k)
		kinds = append(kinds, k)
	}
	if len(kinds) != 1 || kinds[0] != "ATTENDANCE_MARKED" {
		t.Errorf("a walk-in's events: %v, want attendance only (no confirmation sent to someone who is there)", kinds)
	}

	rulesWantError(t, a, "the public", "", walkInDoc, in(6, nil), "UNAUTHENTICATED")
	rulesWantError(t, a, "the host's key without ATTENDANCE_WRITE", anotherKey(t, a, h.ID, db.ScopeRegistrationsWrite, db.ScopeRegistrationsRead),
		walkInDoc, in(6, nil), "FORBIDDEN")
	_, partnerKey := rulesPartner(t, a, "walkin-partner")
	var stranger walkIn
	rulesDo(t, a, partnerKey, walkInDoc, in(6, nil), &stranger)
	rulesWantRefusal(t, "another organisation", stranger.UserErrors, "NOT_FOUND", "input", "slotId")

	slotMoveToPast(t, a, slot)
	late := record(h.Key, 5, nil)
	rulesWantRefusal(t, "two days after", late.UserErrors, "REGISTRATION_CLOSED", "input", "slotId")
}
