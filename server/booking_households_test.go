package main

import (
	"fmt"
	"sync"
	"testing"
)

// householdDoc registers several people on one slot.
var householdDoc = rulesDoc("registerHousehold", "RegisterHouseholdInput", "registrations { "+rulesRegFields+" } manageTokens")

type household struct {
	Registrations []rulesReg
	ManageTokens  []string
	UserErrors    []userError
}

// A mother and her son who share one phone both take a seat, in one call: each a seat or none,
// each with a token of their own; the same person twice is still refused, naming who.
func TestBookingRulesHouseholds(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "household-host")
	slot := h.slot(t, a, 4, nil)
	mother := map[string]any{"firstName": "Fatoumata", "lastName": "Koné", "phone": "06 11 22 33 44", "consent": true, "consentVersion": "2026-11"}
	son := map[string]any{"firstName": "Ibrahim", "lastName": "Koné", "consent": true, "consentVersion": "2026-11"}
	register := func(key string, in map[string]any) household {
		t.Helper()
		var out household
		rulesDo(t, a, key, householdDoc, in, &out)
		return out
	}

	out := register("", map[string]any{"slotId": slot, "people": []any{mother, son}})
	if len(out.UserErrors) > 0 || len(out.Registrations) != 2 || len(out.ManageTokens) != 2 || out.ManageTokens[0] == out.ManageTokens[1] {
		t.Fatalf("a mother and her son: %+v, want two registrations with a token each", out)
	}
	for _, r := range out.Registrations {
		if r.Status != "CONFIRMED" {
			t.Errorf("%s: %s, want CONFIRMED", r.ID, r.Status)
		}
	}

	// A cousin with the mother again: the mother is already there, so nobody is added, not
	// even the cousin, who came first.
	cousin := map[string]any{"firstName": "Awa", "lastName": "Koné", "phone": "07 81 22 33 45", "consent": true, "consentVersion": "2026-11"}
	again := register("", map[string]any{"slotId": slot, "people": []any{cousin, mother}})
	rulesWantRefusal(t, "the same mother again", again.UserErrors, "ALREADY_REGISTERED", "input", "people", "1")
	// Three when two seats are left: none, unless they would wait.
	full := register("", map[string]any{"slotId": slot, "people": []any{
		map[string]any{"firstName": "Aminata", "lastName": "Traoré", "phone": "07 81 22 33 44", "consent": true, "consentVersion": "2026-11"},
		map[string]any{"firstName": "Moussa", "lastName": "Traoré", "consent": true, "consentVersion": "2026-11"},
		map[string]any{"firstName": "Sira", "lastName": "Traoré", "consent": true, "consentVersion": "2026-11"},
	}})
	rulesWantRefusal(t, "three people, two seats", full.UserErrors, "SLOT_FULL", "input", "slotId")
	if taken, _, confirmed, _ := a.counts(t, slot); taken != 2 || confirmed != 2 {
		t.Errorf("after the refusals: %d seats taken, %d confirmed; want the household's 2", taken, confirmed)
	}

	alone := register("", map[string]any{"slotId": slot, "people": []any{mother}})
	rulesWantRefusal(t, "one person", alone.UserErrors, "INVALID", "input", "people")
	noName := register("", map[string]any{"slotId": slot, "people": []any{mother, map[string]any{"firstName": "", "lastName": "Koné", "consent": true, "consentVersion": "2026-11"}}})
	rulesWantRefusal(t, "a person without a first name", noName.UserErrors, "REQUIRED", "input", "people", "1", "firstName")
}

// Households racing for few seats: 100 households of 2 at once on a slot of 11 seats: 5 are
// seated whole, never half of one, and the seats never exceed the capacity.
func TestBookingHouseholdsAreWholeUnderRaces(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, patientTimeouts)
	h := rulesNewHost(t, a, "household-race")
	slot := h.slot(t, a, 11, nil)
	var mu sync.Mutex
	outcomes := map[string]int{}
	var wg sync.WaitGroup
	for n := range 100 {
		wg.Go(func() {
			phone := fmt.Sprintf("+336%08d", 20000000+n)
			in := map[string]any{"slotId": slot, "people": []any{
				map[string]any{"firstName": "Parent", "lastName": fmt.Sprint(n), "phone": phone, "consent": true, "consentVersion": "2026-11"},
				map[string]any{"firstName": "Enfant", "lastName": fmt.Sprint(n), "consent": true, "consentVersion": "2026-11"},
			}}
			var out struct{ RegisterHousehold household }
			code, err := a.call("", "", householdDoc, map[string]any{"in": in}, &out)
			outcome := callOutcome(code, err, out.RegisterHousehold.UserErrors, func() string {
				return fmt.Sprintf("%d seated", len(out.RegisterHousehold.Registrations))
			})
			mu.Lock()
			outcomes[outcome]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if outcomes["2 seated"] != 5 || outcomes["SLOT_FULL"] != 95 {
		t.Fatalf("outcomes %v, want 5 households seated whole and 95 SLOT_FULL", outcomes)
	}
	if taken, _, confirmed, _ := a.counts(t, slot); taken != 10 || confirmed != 10 {
		t.Errorf("database: %d seats taken, %d confirmed; want 10", taken, confirmed)
	}
}
