package main

import (
	"context"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// rulesSeatsLeft is seatsLeft as key sees it.
func rulesSeatsLeft(t *testing.T, a *testAPI, key, slot string) int {
	t.Helper()
	return rulesSlotSeenBy(t, a, key, slot).SeatsLeft
}

// Reserved seats: taken only by the organisation (and department) they are for; released,
// by hand or at their release time, they go to the waiting list first.
func TestBookingRulesReservedSeats(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	rulesRun(t, a, "seats reserved for a partner: the public sees fewer, the partner sees its own", "reserve-host", func(t *testing.T, h rulesHost) {
		partnerID, partnerKey := rulesPartner(t, a, "reserve-ft")
		_, strangerKey := rulesPartner(t, a, "reserve-ccas")
		slot := h.slot(t, a, 4, nil)
		out := rulesReserve(t, a, h.Key, slot, partnerID, 2, nil)
		if len(out.UserErrors) > 0 || out.Allocation == nil {
			t.Fatalf("reserveSeats: got %+v, want an allocation", out.UserErrors)
		}
		if al := out.Allocation; al.Seats != 2 || al.SeatsTaken != 0 || al.Organisation.ID != partnerID || al.Slot.ID != slot || al.Label != "" || al.ReleaseAt != nil {
			t.Errorf("allocation: got %+v, want 2 seats for %s on %s, none taken, no label, no release time", *al, partnerID, slot)
		}
		again := rulesReserve(t, a, h.Key, slot, partnerID, 1, nil)
		rulesWantRefusal(t, "a second reservation for the same partner", again.UserErrors, "TAKEN", "input", "label")
		for who, want := range map[string]struct {
			key  string
			left int
		}{"the public": {"", 2}, "the partner": {partnerKey, 4}, "the host": {h.Key, 2}, "another partner": {strangerKey, 2}} {
			if seen := rulesSlotSeenBy(t, a, want.key, slot); seen.SeatsLeft != want.left || seen.SeatsReserved != 2 {
				t.Errorf("%s: got seatsLeft %d, seatsReserved %d; want %d and 2", who, seen.SeatsLeft, seen.SeatsReserved, want.left)
			}
		}

		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		rulesBook(t, a, "", rulesIn(slot, 2, nil), "CONFIRMED")
		full := rulesRegister(t, a, "", rulesIn(slot, 3, nil))
		rulesWantRefusal(t, "the public when only reserved seats remain", full.UserErrors, "SLOT_FULL", "input", "slotId")
		full = rulesRegister(t, a, strangerKey, rulesIn(slot, 4, map[string]any{"referral": rulesReferral()}))
		rulesWantRefusal(t, "another partner when only reserved seats remain", full.UserErrors, "SLOT_FULL", "input", "slotId")
		if left := rulesSeatsLeft(t, a, "", slot); left != 0 {
			t.Errorf("the public's seatsLeft: got %d, want 0", left)
		}
		if left := rulesSeatsLeft(t, a, partnerKey, slot); left != 2 {
			t.Errorf("the partner's seatsLeft: got %d, want 2", left)
		}

		r, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 5, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		if !r.HasReservedSeat {
			t.Errorf("the partner's registration: got hasReservedSeat false, want true")
		}
		if left := rulesSeatsLeft(t, a, partnerKey, slot); left != 1 {
			t.Errorf("the partner's seatsLeft after taking one: got %d, want 1", left)
		}
		host := rulesSlotSeenBy(t, a, h.Key, slot)
		if len(host.Allocations) != 1 || host.Allocations[0].SeatsTaken != 1 || host.SeatsTaken != 3 || host.SeatsReserved != 1 {
			t.Errorf("the host's view: got %d taken, %d reserved, allocations %+v; want 3, 1, one allocation with 1 taken",
				host.SeatsTaken, host.SeatsReserved, host.Allocations)
		}
		if got := rulesSlotSeenBy(t, a, strangerKey, slot).Allocations; len(got) != 0 {
			t.Errorf("another partner sees allocations %+v, want none", got)
		}
		rulesWantCounters(t, a, "3 taken, 1 still reserved", slot, 3, 1, 0)
	})

	rulesRun(t, a, "only the host with CATALOGUE_WRITE reserves seats", "reserve-rights", func(t *testing.T, h rulesHost) {
		partnerID, partnerKey := rulesPartner(t, a, "reserve-rights-partner")
		slot := h.slot(t, a, 4, nil)
		in := map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 1}
		rulesWantError(t, a, "the partner itself", partnerKey, rulesReserveDoc, in, "FORBIDDEN")
		rulesWantError(t, a, "the host without CATALOGUE_WRITE", anotherKey(t, a, h.ID, db.ScopeRegistrationsWrite), rulesReserveDoc, in, "FORBIDDEN")
		rulesWantCounters(t, a, "nothing reserved", slot, 0, 0, 0)
	})

	rulesRun(t, a, "a department's reserved seats go to that department only", "regie-proprete", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 2, map[string]any{"visibility": "INTERNAL"})
		out := rulesReserve(t, a, h.Key, slot, h.ID, 1, map[string]any{"label": "Propreté"})
		if len(out.UserErrors) > 0 || out.Allocation == nil || out.Allocation.Label != "Propreté" || out.Allocation.Organisation.ID != h.ID {
			t.Fatalf("reserveSeats for Propreté: got %+v, %+v; want the host's allocation labelled Propreté", out.UserErrors, out.Allocation)
		}
		rulesBook(t, a, h.Key, rulesIn(slot, 1, nil), "CONFIRMED")
		for what, extra := range map[string]map[string]any{
			"without a department":   nil,
			"for another department": {"allocationLabel": "Bâtiment"},
		} {
			full := rulesRegister(t, a, h.Key, rulesIn(slot, 2, extra))
			rulesWantRefusal(t, "the host's employee "+what, full.UserErrors, "SLOT_FULL", "input", "slotId")
		}
		r, _ := rulesBook(t, a, h.Key, rulesIn(slot, 3, map[string]any{"allocationLabel": "Propreté"}), "CONFIRMED")
		if !r.HasReservedSeat {
			t.Errorf("the Propreté employee: got hasReservedSeat false, want true")
		}
		var label string
		if err := a.Pool.QueryRow(context.Background(), `SELECT allocation_label FROM registrations WHERE id = $1`, dbID(t, r.ID)).Scan(&label); err != nil {
			t.Fatal(err)
		}
		if label != "Propreté" {
			t.Errorf("stored allocation_label: got %q, want Propreté", label)
		}
		rulesWantCounters(t, a, "the public seat and the department's seat taken", slot, 2, 0, 0)
	})

	rulesRun(t, a, "releasing returns the unused seats and moves the waiting list", "release-host", func(t *testing.T, h rulesHost) {
		partnerID, partnerKey := rulesPartner(t, a, "release-partner")
		slot := h.slot(t, a, 3, nil)
		alloc := rulesReserved(t, a, h.Key, slot, partnerID, 2, nil)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		referred, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 2, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		b, _ := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		c, _ := rulesBook(t, a, "", rulesIn(slot, 4, map[string]any{"joinWaitlist": true}), "WAITLISTED")

		rulesWantError(t, a, "the partner releases", partnerKey, rulesReleaseDoc, map[string]any{"id": alloc}, "FORBIDDEN")
		rulesWantStatus(t, a, h.Key, "b, before the release", b.ID, "WAITLISTED", 1)

		var out rulesAllocPayload
		rulesDo(t, a, h.Key, rulesReleaseDoc, map[string]any{"id": alloc}, &out)
		if len(out.UserErrors) > 0 || out.Allocation == nil || out.Allocation.ReleasedAt == nil || out.Allocation.SeatsTaken != 1 {
			t.Fatalf("releaseSeats: got %+v, %+v; want the allocation released with its 1 seat taken", out.UserErrors, out.Allocation)
		}
		rulesWantStatus(t, a, h.Key, "b, first in line", b.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "c, next in line", c.ID, "WAITLISTED", 1)
		rulesWantStatus(t, a, h.Key, "the partner's person keeps their seat", referred.ID, "CONFIRMED", 0)
		rulesWantCounters(t, a, "after the release", slot, 3, 0, 1)
		for who, key := range map[string]string{"the public": "", "the partner": partnerKey} {
			if left := rulesSeatsLeft(t, a, key, slot); left != 0 {
				t.Errorf("%s's seatsLeft after the release: got %d, want 0", who, left)
			}
		}

		// The seat of the released reservation is now everyone's: when its holder cancels, the
		// next in line takes it.
		rulesMustCancel(t, a, partnerKey, map[string]any{"id": referred.ID})
		rulesWantStatus(t, a, h.Key, "c, after the reserved seat's holder cancelled", c.ID, "CONFIRMED", 0)
		rulesWantCounters(t, a, "after the cancellation", slot, 3, 0, 0)
	})

	// oneReserved makes a slot of two seats, one reserved for a partner: the public's seat taken
	// by person 1, the reserved one by the partner's person 2, and person 3 of the public in line.
	oneReserved := func(t *testing.T, h rulesHost, slug string) (partnerKey, slot string, referred, waiting rulesReg) {
		t.Helper()
		partnerID, partnerKey := rulesPartner(t, a, slug)
		slot = h.slot(t, a, 2, nil)
		rulesReserved(t, a, h.Key, slot, partnerID, 1, nil)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		referred, _ = rulesBook(t, a, partnerKey, rulesIn(slot, 2, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		waiting, _ = rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		return partnerKey, slot, referred, waiting
	}

	rulesRun(t, a, "a reserved seat freed by cancellation stays reserved while the reservation holds", "kept-host", func(t *testing.T, h rulesHost) {
		partnerKey, slot, referred, waiting := oneReserved(t, h, "kept-partner")
		rulesMustCancel(t, a, partnerKey, map[string]any{"id": referred.ID})
		rulesWantStatus(t, a, h.Key, "the public's person in line", waiting.ID, "WAITLISTED", 1)
		rulesWantCounters(t, a, "the reserved seat back in the reserve", slot, 1, 1, 1)
		if left := rulesSeatsLeft(t, a, partnerKey, slot); left != 1 {
			t.Errorf("the partner's seatsLeft: got %d, want its reserved seat back (1)", left)
		}
		// The partner's next person takes it at once, and the public's person keeps their place.
		next, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 4, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		if !next.HasReservedSeat {
			t.Errorf("the partner's next person: got hasReservedSeat false, want true")
		}
		rulesWantStatus(t, a, h.Key, "the public's person in line", waiting.ID, "WAITLISTED", 1)
		rulesWantCounters(t, a, "the reserved seat taken again", slot, 2, 0, 1)
	})

	rulesRun(t, a, "a reserved seat freed while the partner's person waits goes to them, past the public's line", "skip-host", func(t *testing.T, h rulesHost) {
		partnerKey, slot, referred, public := oneReserved(t, h, "skip-partner")
		partners, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 4, map[string]any{"joinWaitlist": true, "referral": rulesReferral()}), "WAITLISTED")
		rulesMustCancel(t, a, partnerKey, map[string]any{"id": referred.ID})
		rulesWantStatus(t, a, h.Key, "the partner's person, second in line", partners.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "the public's person, first in line", public.ID, "WAITLISTED", 1)
		if got := rulesNode(t, a, partnerKey, partners.ID); got == nil || !got.HasReservedSeat {
			t.Errorf("the partner's person: got %+v, want a reserved seat", got)
		}
		rulesWantCounters(t, a, "the reserved seat went to the partner's person", slot, 2, 0, 1)
	})

	rulesRun(t, a, "more seats than are free for everyone: NOT_ENOUGH_FREE_SEATS", "not-enough", func(t *testing.T, h rulesHost) {
		partnerID, _ := rulesPartner(t, a, "not-enough-partner")
		slot := h.slot(t, a, 3, nil)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		rulesBook(t, a, "", rulesIn(slot, 2, nil), "CONFIRMED")
		out := rulesReserve(t, a, h.Key, slot, partnerID, 2, nil)
		rulesWantRefusal(t, "2 seats with 1 free", out.UserErrors, "NOT_ENOUGH_FREE_SEATS", "input", "seats")
		if out.Allocation != nil {
			t.Errorf("refused: got allocation %+v, want null", out.Allocation)
		}
		var n int
		if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM slot_allocations WHERE slot_id = $1`, dbID(t, slot)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("got %d allocations, want 0", n)
		}
		rulesWantCounters(t, a, "nothing reserved", slot, 2, 0, 0)
	})

	rulesRun(t, a, "at their release time reserved seats return: the next booking serves the line first", "release-time", func(t *testing.T, h rulesHost) {
		partnerID, partnerKey := rulesPartner(t, a, "release-time-partner")
		slot := h.slot(t, a, 2, nil)
		out := rulesReserve(t, a, h.Key, slot, partnerID, 1, map[string]any{"releaseAt": "2032-05-01T10:00"})
		if out.Allocation == nil || out.Allocation.ReleaseAt == nil || *out.Allocation.ReleaseAt != "2032-05-01T10:00:00+02:00" {
			t.Fatalf("reserveSeats with a release time: got %+v, %+v; want releaseAt 2032-05-01T10:00:00+02:00", out.UserErrors, out.Allocation)
		}
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		b, bToken := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		a.exec(`UPDATE slot_allocations SET release_at = now() - interval '1 minute' WHERE id = $1`, dbID(t, out.Allocation.ID))

		c, _ := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		if got := rulesByToken(t, a, bToken); got == nil || got.Status != "CONFIRMED" {
			t.Errorf("b, first in line when the reservation ran out: got %+v, want CONFIRMED", got)
		}
		rulesWantStatus(t, a, h.Key, "c, who came after", c.ID, "WAITLISTED", 1)
		rulesWantStatus(t, a, h.Key, "b", b.ID, "CONFIRMED", 0)
		rulesWantCounters(t, a, "after the release time", slot, 2, 0, 1)
		host := rulesSlotSeenBy(t, a, h.Key, slot)
		if len(host.Allocations) != 1 || host.Allocations[0].ReleasedAt == nil {
			t.Errorf("the host's allocations: got %+v, want one, released", host.Allocations)
		}
		if left := rulesSeatsLeft(t, a, partnerKey, slot); left != 0 {
			t.Errorf("the partner's seatsLeft after its reservation ran out: got %d, want 0", left)
		}
	})
}

// A freed reserved seat goes to the first person on the waiting list who may take it, however
// far down the list: here the partner's person behind 100 people of the public.
func TestBookingWaitlistFindsTheEligibleFarDown(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostKey, slot := a.bookable("regie-stains", 2)
	partnerID, partnerKey := a.org("france-travail", "REGISTRATIONS_WRITE")
	rulesReserved(t, a, hostKey, slot, partnerID, 1, nil)
	referral := map[string]any{"referral": map[string]any{"counsellorName": "Mme Martin"}, "joinWaitlist": true}
	first := a.register(partnerKey, slot, 1, referral)
	a.register("", slot, 2, nil) // the seat free for everyone
	for n := range 100 {
		if r := a.register("", slot, 100+n, map[string]any{"joinWaitlist": true}); r.Registration.Status != "WAITLISTED" {
			t.Fatalf("public person %d: %s, want WAITLISTED", n, r.Registration.Status)
		}
	}
	second := a.register(partnerKey, slot, 3, referral)
	if second.Registration.Status != "WAITLISTED" || *second.Registration.WaitlistPosition != 101 {
		t.Fatalf("the partner's second person: %s at %v, want WAITLISTED at 101", second.Registration.Status, second.Registration.WaitlistPosition)
	}
	a.query("", `mutation($t: String!) { cancelRegistration(input: {token: $t}) { userErrors { code } } }`,
		map[string]any{"t": *first.ManageToken}, nil)
	if got := rulesStatusByToken(t, a, *second.ManageToken); got != "CONFIRMED" {
		t.Errorf("the partner's person 101st in line: %s, want CONFIRMED on the partner's freed seat", got)
	}
	if taken, waitlist, confirmed, waitlisted := a.counts(t, slot); taken != 2 || confirmed != 2 || waitlist != 100 || waitlisted != 100 {
		t.Errorf("counters: taken %d confirmed %d waitlist %d waitlisted %d, want 2 2 100 100", taken, confirmed, waitlist, waitlisted)
	}
}
