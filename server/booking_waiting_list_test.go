package main

import (
	"context"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// rulesPriorityDoc gives or takes back a registration's priority.
var rulesPriorityDoc = rulesDoc("setRegistrationPriority", "SetRegistrationPriorityInput", "registration { "+rulesRegFields+" }")

// The waiting list moves by itself, in its order: priority first, then time of joining.
func TestBookingRulesWaitingListMovesByItself(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	rulesRun(t, a, "a cancelled seat goes to the first in line, in the same call", "cancel-moves", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 1, nil)
		_, seat := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		first, firstToken := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		second, secondToken := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		cancelled := rulesMustCancel(t, a, "", map[string]any{"token": seat, "reason": "Rendez-vous médical"})
		if cancelled.CancelledAt == nil || cancelled.CancellationReason == nil || *cancelled.CancellationReason != "Rendez-vous médical" {
			t.Errorf("cancelled registration: got cancelledAt %v, reason %v; want both set", cancelled.CancelledAt, cancelled.CancellationReason)
		}
		if got := rulesByToken(t, a, firstToken); got == nil || got.Status != "CONFIRMED" || got.ConfirmedAt == nil || got.WaitlistPosition != nil {
			t.Errorf("first in line, through their link: got %+v, want CONFIRMED with confirmedAt", got)
		}
		if got := rulesByToken(t, a, secondToken); got == nil || got.Status != "WAITLISTED" || got.WaitlistPosition == nil || *got.WaitlistPosition != 1 {
			t.Errorf("second in line, through their link: got %+v, want WAITLISTED at position 1", got)
		}
		rulesWantStatus(t, a, h.Key, "first in line, seen by the host", first.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "second in line, seen by the host", second.ID, "WAITLISTED", 1)
		rulesWantCounters(t, a, "after the cancellation", slot, 1, 0, 1)
	})

	rulesRun(t, a, "a waitlisted person who cancels leaves the line and those behind move up", "leave-line", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 1, nil)
		seat, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		_, firstToken := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		second, _ := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		rulesMustCancel(t, a, "", map[string]any{"token": firstToken})
		rulesWantStatus(t, a, h.Key, "the seat", seat.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "second in line", second.ID, "WAITLISTED", 1)
		rulesWantCounters(t, a, "one seat, one waiting", slot, 1, 0, 1)
	})

	rulesRun(t, a, "priority first, then time of joining", "priority-host", func(t *testing.T, h rulesHost) {
		_, partnerKey := rulesPartner(t, a, "priority-partner")
		_, strangerKey := rulesPartner(t, a, "priority-stranger")
		slot := h.slot(t, a, 1, nil)
		_, seat := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		wait := map[string]any{"joinWaitlist": true}
		b, _ := rulesBook(t, a, "", rulesIn(slot, 2, wait), "WAITLISTED")
		c, _ := rulesBook(t, a, "", rulesIn(slot, 3, wait), "WAITLISTED")
		d, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 4, map[string]any{"joinWaitlist": true, "referral": rulesReferral()}), "WAITLISTED")
		e, _ := rulesBook(t, a, "", rulesIn(slot, 5, wait), "WAITLISTED")
		for name, reg := range map[string]rulesReg{"b": b, "c": c, "d": d, "e": e} {
			if reg.Priority {
				t.Errorf("%s: got priority at registration, want none", name)
			}
		}

		var out rulesRegPayload
		rulesDo(t, a, h.Key, rulesPriorityDoc, map[string]any{"id": e.ID, "priority": true}, &out)
		rulesWantRefusal(t, "priority without a reason", out.UserErrors, "REQUIRED", "input", "reason")
		rulesWantError(t, a, "the public sets a priority", "", rulesPriorityDoc,
			map[string]any{"id": b.ID, "priority": true, "reason": "Urgence"}, "UNAUTHENTICATED")
		out = rulesRegPayload{}
		rulesDo(t, a, strangerKey, rulesPriorityDoc, map[string]any{"id": d.ID, "priority": true, "reason": "Urgence"}, &out)
		rulesWantRefusal(t, "a partner that did not refer the person", out.UserErrors, "NOT_FOUND", "input", "id")
		rulesWantError(t, a, "the host without REGISTRATIONS_WRITE", anotherKey(t, a, h.ID, db.ScopeRegistrationsRead), rulesPriorityDoc,
			map[string]any{"id": b.ID, "priority": true, "reason": "Urgence"}, "FORBIDDEN")
		rulesWantStatus(t, a, h.Key, "b, after refused priority changes", b.ID, "WAITLISTED", 1)

		// The host puts e first (an employee whose course is mandatory); the referrer puts d first
		// (a young person without equipment). d joined before e, so d goes first.
		out = rulesRegPayload{}
		rulesDo(t, a, h.Key, rulesPriorityDoc, map[string]any{"id": e.ID, "priority": true, "reason": "Parcours obligatoire"}, &out)
		if len(out.UserErrors) > 0 || out.Registration == nil || !out.Registration.Priority || out.Registration.PriorityReason == nil ||
			*out.Registration.PriorityReason != "Parcours obligatoire" {
			t.Errorf("host sets e's priority: got %+v, %+v; want priority with its reason", out.UserErrors, out.Registration)
		}
		out = rulesRegPayload{}
		rulesDo(t, a, partnerKey, rulesPriorityDoc, map[string]any{"id": d.ID, "priority": true, "reason": "Jeune sans équipement"}, &out)
		if len(out.UserErrors) > 0 || out.Registration == nil || !out.Registration.Priority {
			t.Errorf("referrer sets d's priority: got %+v, %+v; want priority", out.UserErrors, out.Registration)
		}
		for _, w := range []struct {
			name, id string
			pos      int
		}{{"d (priority, joined first)", d.ID, 1}, {"e (priority)", e.ID, 2}, {"b", b.ID, 3}, {"c", c.ID, 4}} {
			rulesWantStatus(t, a, h.Key, w.name, w.id, "WAITLISTED", w.pos)
		}

		rulesMustCancel(t, a, "", map[string]any{"token": seat})
		rulesWantStatus(t, a, h.Key, "d, first in line when the seat freed up", d.ID, "CONFIRMED", 0)
		rulesMustCancel(t, a, partnerKey, map[string]any{"id": d.ID})
		rulesWantStatus(t, a, h.Key, "e, next in line", e.ID, "CONFIRMED", 0)

		// Priority given, then taken back: c goes in front of b, then back behind.
		out = rulesRegPayload{}
		rulesDo(t, a, h.Key, rulesPriorityDoc, map[string]any{"id": c.ID, "priority": true, "reason": "Sans ordinateur"}, &out)
		rulesWantStatus(t, a, h.Key, "c with priority", c.ID, "WAITLISTED", 1)
		out = rulesRegPayload{}
		rulesDo(t, a, h.Key, rulesPriorityDoc, map[string]any{"id": c.ID, "priority": false}, &out)
		if out.Registration == nil || out.Registration.Priority || out.Registration.PriorityReason != nil {
			t.Errorf("priority taken back: got %+v, want no priority and no reason", out.Registration)
		}
		rulesWantStatus(t, a, h.Key, "b, first again", b.ID, "WAITLISTED", 1)
		rulesWantStatus(t, a, h.Key, "c, second again", c.ID, "WAITLISTED", 2)
	})

	rulesRun(t, a, "a partner registering with a priority reason puts the person first in line", "priority-at-once", func(t *testing.T, h rulesHost) {
		_, partnerKey := rulesPartner(t, a, "mission-locale")
		slot := h.slot(t, a, 1, nil)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		early, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		late, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 3, map[string]any{"joinWaitlist": true, "referral": rulesReferral(),
			"priorityReason": "Jeune sans équipement"}), "WAITLISTED")
		if !late.Priority || late.PriorityReason == nil || *late.PriorityReason != "Jeune sans équipement" {
			t.Errorf("registered with a priority reason: got priority %v, reason %v; want true and the reason", late.Priority, late.PriorityReason)
		}
		rulesWantStatus(t, a, h.Key, "the priority registration", late.ID, "WAITLISTED", 1)
		rulesWantStatus(t, a, h.Key, "the earlier one", early.ID, "WAITLISTED", 2)
	})

	rulesRun(t, a, "seats added to the capacity go to as many people in line", "more-seats", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 2, nil)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		rulesBook(t, a, "", rulesIn(slot, 2, nil), "CONFIRMED")
		var line []string
		for n := 3; n <= 5; n++ {
			r, _ := rulesBook(t, a, "", rulesIn(slot, n, map[string]any{"joinWaitlist": true}), "WAITLISTED")
			line = append(line, r.ID)
		}
		var out rulesSlotPayload
		rulesDo(t, a, h.Key, rulesUpdateSlotDoc, map[string]any{"id": slot, "capacity": 4}, &out)
		if len(out.UserErrors) > 0 || out.Slot == nil || out.Slot.Capacity != 4 || out.Slot.SeatsTaken != 4 || out.Slot.WaitlistLength != 1 {
			t.Errorf("updateSlot capacity 4: got %+v, %+v; want capacity 4, 4 seats taken, 1 waiting", out.UserErrors, out.Slot)
		}
		rulesWantStatus(t, a, h.Key, "first in line", line[0], "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "second in line", line[1], "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "third in line", line[2], "WAITLISTED", 1)
		rulesWantCounters(t, a, "after two seats added", slot, 4, 0, 1)
	})

	rulesRun(t, a, "capacity cannot go below the seats taken: CAPACITY_BELOW_SEATS_TAKEN", "fewer-seats", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 3, nil)
		for n := 1; n <= 3; n++ {
			rulesBook(t, a, "", rulesIn(slot, n, nil), "CONFIRMED")
		}
		var out rulesSlotPayload
		rulesDo(t, a, h.Key, rulesUpdateSlotDoc, map[string]any{"id": slot, "capacity": 2}, &out)
		rulesWantRefusal(t, "capacity 2 with 3 seats taken", out.UserErrors, "CAPACITY_BELOW_SEATS_TAKEN", "input", "capacity")
		if seen := rulesSlotSeenBy(t, a, h.Key, slot); seen.Capacity != 3 || seen.SeatsTaken != 3 {
			t.Errorf("after the refusal: got capacity %d, %d taken; want 3 and 3", seen.Capacity, seen.SeatsTaken)
		}
		if got := rulesStatuses(t, a, slot); got["CONFIRMED"] != 3 || len(got) != 1 {
			t.Errorf("registrations: got %v, want 3 CONFIRMED", got)
		}
	})

	rulesRun(t, a, "cancelling the slot cancels every registration on it", "slot-cancelled", func(t *testing.T, h rulesHost) {
		partnerID, partnerKey := rulesPartner(t, a, "slot-cancelled-partner")
		slot := h.slot(t, a, 3, nil)
		rulesReserved(t, a, h.Key, slot, partnerID, 1, nil)
		var tokens []string
		for n := 1; n <= 2; n++ {
			_, tok := rulesBook(t, a, "", rulesIn(slot, n, nil), "CONFIRMED")
			tokens = append(tokens, tok)
		}
		_, tok := rulesBook(t, a, partnerKey, rulesIn(slot, 3, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		tokens = append(tokens, tok)
		_, tok = rulesBook(t, a, "", rulesIn(slot, 4, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		tokens = append(tokens, tok)

		slotCancel(t, a.withT(t), h.Key, slot)
		if got := rulesStatuses(t, a, slot); got["CANCELLED"] != 4 || len(got) != 1 {
			t.Errorf("registrations after the slot was cancelled: got %v, want 4 CANCELLED", got)
		}
		rulesWantCounters(t, a, "cancelled slot", slot, 0, 0, 0)
		var allocTaken int
		if err := a.Pool.QueryRow(context.Background(), `SELECT seats_taken FROM slot_allocations WHERE slot_id = $1`, dbID(t, slot)).Scan(&allocTaken); err != nil {
			t.Fatal(err)
		}
		if allocTaken != 0 {
			t.Errorf("allocation seats_taken: got %d, want 0", allocTaken)
		}
		for i, tok := range tokens {
			if got := rulesByToken(t, a, tok); got == nil || got.Status != "CANCELLED" || got.CancelledAt == nil {
				t.Errorf("person %d, through their link: got %+v, want CANCELLED", i+1, got)
			}
		}
		seen := rulesSlotSeenBy(t, a, "", slot)
		if seen.Status != "CANCELLED" || seen.SeatsTaken != 0 || seen.WaitlistLength != 0 {
			t.Errorf("the public's view: got %+v, want CANCELLED with no seat taken and nobody waiting", seen)
		}
	})

	rulesRun(t, a, "a seat cannot be cancelled once the slot has started: SLOT_STARTED", "started", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 1, nil)
		r, token := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		w, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		slotMoveToPast(t, a, slot)
		out := rulesCancel(t, a, "", map[string]any{"token": token})
		rulesWantRefusal(t, "cancel by token after the start", out.UserErrors, "SLOT_STARTED", "input", "token")
		if out.Registration != nil {
			t.Errorf("cancel by token after the start: got registration %+v, want null", out.Registration)
		}
		out = rulesCancel(t, a, h.Key, map[string]any{"id": r.ID})
		rulesWantRefusal(t, "cancel by the host after the start", out.UserErrors, "SLOT_STARTED", "input", "id")
		rulesWantStatus(t, a, h.Key, "the seat", r.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "the waiting person", w.ID, "WAITLISTED", 1)
	})

	rulesRun(t, a, "cancelling twice: ALREADY_CANCELLED, and the line moves once", "twice", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 1, nil)
		first, token := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		b, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		c, _ := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		rulesMustCancel(t, a, "", map[string]any{"token": token})
		out := rulesCancel(t, a, "", map[string]any{"token": token})
		rulesWantRefusal(t, "cancelling again with the token", out.UserErrors, "ALREADY_CANCELLED", "input", "token")
		out = rulesCancel(t, a, h.Key, map[string]any{"id": first.ID})
		rulesWantRefusal(t, "cancelling again by id", out.UserErrors, "ALREADY_CANCELLED", "input", "id")
		rulesWantStatus(t, a, h.Key, "b", b.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "c", c.ID, "WAITLISTED", 1)
		rulesWantCounters(t, a, "after two cancellations of one seat", slot, 1, 0, 1)
	})

	rulesRun(t, a, "cancel by id: the referrer and the host may, nobody else", "by-id-host", func(t *testing.T, h rulesHost) {
		partnerID, partnerKey := rulesPartner(t, a, "by-id-partner")
		_, strangerKey := rulesPartner(t, a, "by-id-stranger")
		slot := h.slot(t, a, 3, nil)
		referred, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 1, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		public, _ := rulesBook(t, a, "", rulesIn(slot, 2, nil), "CONFIRMED")

		rulesWantError(t, a, "the public by id", "", rulesCancelDoc, map[string]any{"id": referred.ID}, "UNAUTHENTICATED")
		out := rulesCancel(t, a, strangerKey, map[string]any{"id": referred.ID})
		rulesWantRefusal(t, "another partner", out.UserErrors, "NOT_FOUND", "input", "id")
		out = rulesCancel(t, a, partnerKey, map[string]any{"id": public.ID})
		rulesWantRefusal(t, "the partner, on someone it did not refer", out.UserErrors, "NOT_FOUND", "input", "id")
		rulesWantError(t, a, "the referrer's key without REGISTRATIONS_WRITE", anotherKey(t, a, partnerID, db.ScopeRegistrationsRead),
			rulesCancelDoc, map[string]any{"id": referred.ID}, "FORBIDDEN")
		rulesWantError(t, a, "the host's key without REGISTRATIONS_WRITE", anotherKey(t, a, h.ID, db.ScopeRegistrationsRead),
			rulesCancelDoc, map[string]any{"id": public.ID}, "FORBIDDEN")
		if got := rulesStatuses(t, a, slot); got["CONFIRMED"] != 2 {
			t.Fatalf("after the refusals: got %v, want 2 CONFIRMED", got)
		}

		byPartner := rulesMustCancel(t, a, partnerKey, map[string]any{"id": referred.ID, "reason": "A trouvé un emploi"})
		if byPartner.ID != referred.ID {
			t.Errorf("the referrer cancelled %s, want %s", byPartner.ID, referred.ID)
		}
		byHost := rulesMustCancel(t, a, h.Key, map[string]any{"id": public.ID})
		if byHost.ID != public.ID {
			t.Errorf("the host cancelled %s, want %s", byHost.ID, public.ID)
		}
		rulesWantCounters(t, a, "both cancelled", slot, 0, 0, 0)
	})
}

// Only a person on the waiting list has a priority.
func TestBookingPriorityIsForTheWaitingList(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostKey, slot := a.bookable("regie-stains", 5)
	r := a.register(hostKey, slot, 1, nil)
	var out struct {
		SetRegistrationPriority struct{ UserErrors []userError }
	}
	a.query(hostKey, `mutation($id: ID!) { setRegistrationPriority(input: {id: $id, priority: true, reason: "Jeune sans équipement"}) {
		userErrors { code } } }`, map[string]any{"id": r.Registration.ID}, &out)
	if e := out.SetRegistrationPriority.UserErrors; len(e) != 1 || e[0].Code != "NOT_WAITLISTED" {
		t.Errorf("priority on a confirmed seat: got %+v, want NOT_WAITLISTED", e)
	}
}
