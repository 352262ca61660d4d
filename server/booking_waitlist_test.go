package main

import (
	"context"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// reserve reserves seats of a slot for an organisation and returns the allocation id.
func (a *testAPI) reserve(hostKey, slot, orgID string, seats int) string {
	a.t.Helper()
	var out struct {
		ReserveSeats struct {
			Allocation struct{ ID string }
			UserErrors []userError
		}
	}
	a.query(hostKey, `mutation($in: ReserveSeatsInput!) { reserveSeats(input: $in) { allocation { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"slotId": slot, "organisationId": orgID, "seats": seats}}, &out)
	if len(out.ReserveSeats.UserErrors) > 0 {
		a.t.Fatalf("reserveSeats: %+v", out.ReserveSeats.UserErrors)
	}
	return out.ReserveSeats.Allocation.ID
}

// statusByToken reads a registration's status with its token.
func (a *testAPI) statusByToken(token string) string {
	a.t.Helper()
	var out struct{ RegistrationByToken struct{ Status string } }
	a.query("", `query($t: String!) { registrationByToken(token: $t) { status } }`, map[string]any{"t": token}, &out)
	return out.RegistrationByToken.Status
}

// A freed reserved seat goes to the first person on the waiting list who may take it, however
// far down the list: here the partner's person behind 100 people of the public.
func TestBookingWaitlistFindsTheEligibleFarDown(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostKey, slot := a.bookable("regie-stains", 2)
	partnerID, partnerKey := a.org("france-travail", "REGISTRATIONS_WRITE")
	a.reserve(hostKey, slot, partnerID, 1)
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
	if got := a.statusByToken(*second.ManageToken); got != "CONFIRMED" {
		t.Errorf("the partner's person 101st in line: %s, want CONFIRMED on the partner's freed seat", got)
	}
	if taken, waitlist, confirmed, waitlisted := a.counts(t, slot); taken != 2 || confirmed != 2 || waitlist != 100 || waitlisted != 100 {
		t.Errorf("counters: taken %d confirmed %d waitlist %d waitlisted %d, want 2 2 100 100", taken, confirmed, waitlist, waitlisted)
	}
}

// Once a slot has started, nobody is promoted: a seat in a workshop under way is no offer.
func TestBookingWaitlistStopsAtTheStart(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostKey, slot := a.bookable("regie-stains", 2)
	partnerID, _ := a.org("france-travail", "REGISTRATIONS_WRITE")
	allocation := a.reserve(hostKey, slot, partnerID, 1)
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
	if got := a.statusByToken(*waiting.ManageToken); got != "WAITLISTED" {
		t.Errorf("after the start, the released seat went to the waiting list: %s, want WAITLISTED", got)
	}
}

// Retries are about the same request: a refusal is not kept (the corrected request may reuse
// its key), and a key sent in the header, then in the input, is one request.
func TestBookingRetriesKeepOnlySuccesses(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, slot := a.bookable("regie-stains", 5)
	bad := person(1)
	bad["phone"] = "12345"
	in := map[string]any{"slotId": slot, "participant": bad}
	var refused struct{ Register registered }
	if code, err := a.call("", "2a7d2c61-corrected-retry", registerDoc, map[string]any{"in": in}, &refused); err != nil || code != "" ||
		len(refused.Register.UserErrors) != 1 || refused.Register.UserErrors[0].Code != "INVALID_PHONE" {
		t.Fatalf("bad phone: %v %s %+v, want INVALID_PHONE", err, code, refused.Register.UserErrors)
	}
	in["participant"] = person(1)
	var fixed struct{ Register registered }
	if code, err := a.call("", "2a7d2c61-corrected-retry", registerDoc, map[string]any{"in": in}, &fixed); err != nil || code != "" ||
		fixed.Register.Registration == nil {
		t.Fatalf("corrected retry with the same key: %v %s %+v, want a registration", err, code, fixed.Register.UserErrors)
	}
	in["idempotencyKey"] = "2a7d2c61-corrected-retry"
	var again struct{ Register registered }
	if code, err := a.call("", "", registerDoc, map[string]any{"in": in}, &again); err != nil || code != "" ||
		again.Register.Registration == nil || again.Register.Registration.ID != fixed.Register.Registration.ID {
		t.Errorf("the same key in the input: %v %s %+v, want the same registration", err, code, again.Register.UserErrors)
	}
	var short struct{ Register registered }
	if code, _ := a.call("", "abc", registerDoc, map[string]any{"in": map[string]any{"slotId": slot, "participant": person(2)}}, &short); code != "BAD_USER_INPUT" {
		t.Errorf("a 3-character key: got %q, want BAD_USER_INPUT", code)
	}
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
