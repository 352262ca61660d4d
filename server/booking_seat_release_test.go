package main

import (
	"context"
	"slices"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// The booking worker releases reserved seats whose time has come on slots nobody touches.
func TestBookingRulesReservedSeatsReturnThroughTheWorker(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "worker-host")
	partnerID, _ := rulesPartner(t, a, "worker-partner")
	slot := h.slot(t, a, 2, nil)
	allocation := rulesReserved(t, a, h.Key, slot, partnerID, 1, map[string]any{"releaseAt": "2032-05-01T10:00"})
	a1, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
	b, bToken := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")

	if n, err := db.ReleaseDueAllocations(context.Background(), a.Pool); err != nil || n != 0 {
		t.Fatalf("worker before the release time: got %d slots, %v; want 0, nil", n, err)
	}
	rulesWantStatus(t, a, h.Key, "b, before the release time", b.ID, "WAITLISTED", 1)

	a.exec(`UPDATE slot_allocations SET release_at = now() - interval '1 minute' WHERE id = $1`, dbID(t, allocation))
	if n, err := db.ReleaseDueAllocations(context.Background(), a.Pool); err != nil || n != 1 {
		t.Fatalf("worker: got %d slots, %v; want 1, nil", n, err)
	}
	if got := rulesByToken(t, a, bToken); got == nil || got.Status != "CONFIRMED" {
		t.Errorf("b after the worker ran: got %+v, want CONFIRMED", got)
	}
	rulesWantCounters(t, a, "after the worker", slot, 2, 0, 0)
	if got := rulesEvents(t, a, slot, map[string]string{a1.ID: "a", b.ID: "b"}); !slices.Equal(got, []string{"SEATS_RESERVED", "REGISTERED a", "WAITLISTED b", "PROMOTED b"}) {
		t.Errorf("events: got %q, want SEATS_RESERVED, REGISTERED a, WAITLISTED b, PROMOTED b", got)
	}
	if n, err := db.ReleaseDueAllocations(context.Background(), a.Pool); err != nil || n != 0 {
		t.Errorf("worker again: got %d slots, %v; want 0, nil (nothing left to release)", n, err)
	}
}

// A cancelled slot's reservations end with it: their release time passing later moves nothing
// and breaks nothing, neither the worker (which goes on to other slots) nor the host's calls.
func TestBookingRulesCancelledSlotsReservationsEndWithIt(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "cancelled-reserve-host")
	partnerID, partnerKey := rulesPartner(t, a, "cancelled-reserve-partner")
	reserve := func(slot string) string {
		t.Helper()
		return rulesReserved(t, a, h.Key, slot, partnerID, 1, map[string]any{"releaseAt": "2032-05-01T10:00"})
	}
	cancelled := h.slot(t, a, 2, nil)
	cancelledAlloc := reserve(cancelled)
	rulesBook(t, a, partnerKey, rulesIn(cancelled, 1, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
	slotCancel(t, a.withT(t), h.Key, cancelled)
	if seen := rulesSlotSeenBy(t, a, partnerKey, cancelled); seen.SeatsLeft > seen.Capacity {
		t.Errorf("the partner's seatsLeft on the cancelled slot: got %d, want at most the capacity %d", seen.SeatsLeft, seen.Capacity)
	}

	open := h.slot(t, a, 2, map[string]any{"startsAt": "2032-06-08T14:00"})
	reserve(open)
	rulesBook(t, a, "", rulesIn(open, 2, nil), "CONFIRMED")
	waiting, _ := rulesBook(t, a, "", rulesIn(open, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")

	a.exec(`UPDATE slot_allocations SET release_at = now() - interval '1 minute' WHERE organisation_id = $1`, dbID(t, partnerID))
	if _, err := db.ReleaseDueAllocations(context.Background(), a.Pool); err != nil {
		t.Errorf("worker: got error %v, want none", err)
	}
	rulesWantStatus(t, a, h.Key, "the person in line on the open slot", waiting.ID, "CONFIRMED", 0)

	r := a.withT(t).post(h.Key, rulesReleaseDoc, map[string]any{"in": map[string]any{"id": cancelledAlloc}})
	if len(r.Errors) > 0 {
		t.Errorf("releaseSeats on the cancelled slot: got error %s %q, want the allocation or a SLOT_CANCELLED userError", r.Errors[0].Code(), r.Errors[0].Message)
	}
	var out rulesRegistered
	if code, err := a.call("", "", rulesRegisterDoc, map[string]any{"in": rulesIn(cancelled, 4, nil)}, &struct{ Register *rulesRegistered }{&out}); err != nil || code != "" {
		t.Errorf("registering on the cancelled slot: got error %v %s, want a SLOT_CANCELLED userError", err, code)
	} else {
		rulesWantRefusal(t, "registering on the cancelled slot", out.UserErrors, "SLOT_CANCELLED", "input", "slotId")
	}
	rulesWantCounters(t, a, "the cancelled slot", cancelled, 0, 0, 0)
}

// Once a slot has started, nobody is promoted: a seat in a workshop under way is no offer.
func TestBookingWaitlistStopsAtTheStart(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostKey, slot := a.bookable("regie-stains", 2)
	partnerID, _ := a.org("france-travail", "REGISTRATIONS_WRITE")
	allocation := rulesReserved(t, a, hostKey, slot, partnerID, 1, nil)
	a.register("", slot, 1, nil)
	waiting := a.register("", slot, 2, map[string]any{"joinWaitlist": true})
	slotUnderWay(t, a, slot)
	if _, err := a.Pool.Exec(t.Context(), `UPDATE slot_allocations SET release_at = now() - interval '1 minute' WHERE id = $1`,
		dbID(t, allocation)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.ReleaseDueAllocations(context.Background(), a.Pool); err != nil {
		t.Fatal(err)
	}
	if got := rulesStatusByToken(t, a, *waiting.ManageToken); got != "WAITLISTED" {
		t.Errorf("after the start, the released seat went to the waiting list: %s, want WAITLISTED", got)
	}
}
