package main

import (
	"fmt"
	"sync"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// A department's quota is a cap when the host says so: its people take its reserved seats and
// no others; once they are taken, the next is refused (QUOTA_REACHED), even asking for the
// waiting list, while residents and other departments still take the public seats. The host
// sees who used the quota; releasing the seats ends it.
func TestBookingRulesDepartmentQuotas(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "quota-host")
	slot := h.slot(t, a, 6, nil)
	propre := func(extra map[string]any) map[string]any {
		in := map[string]any{"allocationLabel": "Propreté"}
		for k, v := range extra {
			in[k] = v
		}
		return in
	}

	timed := rulesReserve(t, a, h.Key, slot, h.ID, 2, map[string]any{"label": "Propreté", "capped": true, "releaseAt": "2032-05-30T12:00"})
	rulesWantRefusal(t, "a quota with a release time", timed.UserErrors, "INVALID", "input", "releaseAt")
	out := rulesReserve(t, a, h.Key, slot, h.ID, 2, map[string]any{"label": "Propreté", "capped": true})
	if len(out.UserErrors) > 0 || out.Allocation == nil {
		t.Fatalf("reserveSeats capped: %+v", out.UserErrors)
	}
	first, _ := rulesBook(t, a, h.Key, rulesIn(slot, 1, propre(nil)), "CONFIRMED")
	second, _ := rulesBook(t, a, h.Key, rulesIn(slot, 2, propre(nil)), "CONFIRMED")
	if !first.HasReservedSeat || !second.HasReservedSeat {
		t.Errorf("the department's first two: reserved seats %v, %v; want both", first.HasReservedSeat, second.HasReservedSeat)
	}
	for _, extra := range []map[string]any{nil, {"joinWaitlist": true}} {
		third := rulesRegister(t, a, h.Key, rulesIn(slot, 3, propre(extra)))
		rulesWantRefusal(t, fmt.Sprintf("the department's third %v", extra), third.UserErrors, "QUOTA_REACHED", "input", "allocationLabel")
	}
	rulesBook(t, a, "", rulesIn(slot, 4, nil), "CONFIRMED")
	rulesBook(t, a, h.Key, rulesIn(slot, 5, map[string]any{"allocationLabel": "Espaces verts"}), "CONFIRMED")
	if taken, _, confirmed, _ := a.counts(t, slot); taken != 4 || confirmed != 4 {
		t.Errorf("seats taken %d, confirmed %d; want 4: the refused took nothing", taken, confirmed)
	}

	var who struct {
		Node struct {
			Capped        bool
			Registrations []struct{ ID string }
		}
	}
	a.query(h.Key, `query($id: ID!) { node(id: $id) { ... on Allocation { capped registrations { id } } } }`,
		map[string]any{"id": out.Allocation.ID}, &who)
	if !who.Node.Capped || len(who.Node.Registrations) != 2 || who.Node.Registrations[0].ID != first.ID || who.Node.Registrations[1].ID != second.ID {
		t.Errorf("the quota as the host sees it: %+v, want capped, used by the first two", who.Node)
	}

	// Who used it is personal data: a host key without REGISTRATIONS_READ sees no one, another
	// organisation not even the reservation.
	catalogueOnly := anotherKey(t, a, h.ID, db.ScopeCatalogueWrite)
	a.query(catalogueOnly, `query($id: ID!) { node(id: $id) { ... on Allocation { capped registrations { id } } } }`,
		map[string]any{"id": out.Allocation.ID}, &who)
	if len(who.Node.Registrations) != 0 {
		t.Errorf("a host key without REGISTRATIONS_READ sees %d registrations of the quota, want none", len(who.Node.Registrations))
	}
	_, strangerKey := rulesPartner(t, a, "quota-stranger")
	var hidden struct{ Node *struct{ ID string } }
	a.query(strangerKey, `query($id: ID!) { node(id: $id) { ... on Allocation { id } } }`, map[string]any{"id": out.Allocation.ID}, &hidden)
	if hidden.Node != nil {
		t.Errorf("another organisation sees the department's reservation: %+v", hidden.Node)
	}

	var released rulesAllocPayload
	rulesDo(t, a, h.Key, rulesReleaseDoc, map[string]any{"id": out.Allocation.ID}, &released)
	rulesBook(t, a, h.Key, rulesIn(slot, 3, propre(nil)), "CONFIRMED")
}

// 200 employees of one department registered at once on a slot with 50 seats and a quota of
// 3: exactly 3 are seated, every other is refused with QUOTA_REACHED, and the public seats stay
// free.
func TestBookingQuotasHoldUnderRaces(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, patientTimeouts)
	h := rulesNewHost(t, a, "quota-race")
	slot := h.slot(t, a, 50, nil)
	if out := rulesReserve(t, a, h.Key, slot, h.ID, 3, map[string]any{"label": "Propreté", "capped": true}); len(out.UserErrors) > 0 {
		t.Fatalf("reserveSeats: %+v", out.UserErrors)
	}
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for n := range 200 {
		wg.Go(func() {
			in := rulesIn(slot, n, map[string]any{"allocationLabel": "Propreté", "joinWaitlist": n%2 == 0})
			var out struct{ Register registered }
			code, err := a.call(h.Key, "", registerDoc, map[string]any{"in": in}, &out)
			outcome := callOutcome(code, err, out.Register.UserErrors, func() string { return out.Register.Registration.Status })
			mu.Lock()
			outcomes[outcome]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if outcomes["CONFIRMED"] != 3 || outcomes["QUOTA_REACHED"] != 197 {
		t.Fatalf("outcomes %v, want 3 CONFIRMED and 197 QUOTA_REACHED", outcomes)
	}
	if taken, waitlist, confirmed, _ := a.counts(t, slot); taken != 3 || confirmed != 3 || waitlist != 0 {
		t.Errorf("database: seats_taken %d, confirmed %d, waiting %d; want 3, 3, 0", taken, confirmed, waitlist)
	}
}
