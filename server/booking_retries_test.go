package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// Retries are safe: a replayed cancellation returns the first answer and cancels nothing more.
func TestBookingRulesRetriedCancellations(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	// setup makes a slot of one seat, its holder's token, and two people in line.
	setup := func(t *testing.T, slug string) (h rulesHost, slot string, token string, line []rulesReg) {
		h = rulesNewHost(t, a, slug)
		slot = h.slot(t, a, 1, nil)
		_, token = rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		for n := 2; n <= 3; n++ {
			r, _ := rulesBook(t, a, "", rulesIn(slot, n, map[string]any{"joinWaitlist": true}), "WAITLISTED")
			line = append(line, r)
		}
		return
	}
	// raw cancels (idem: the Idempotency-Key header) and returns the whole answer as sent.
	raw := func(t *testing.T, key, idem string, in map[string]any) json.RawMessage {
		t.Helper()
		var data json.RawMessage
		if code, err := a.call(key, idem, rulesCancelDoc, map[string]any{"in": in}, &data); err != nil || code != "" {
			t.Fatalf("cancelRegistration: %v %s", err, code)
		}
		return data
	}

	t.Run("a replayed cancellation cancels nothing more and moves the line once", func(t *testing.T) {
		t.Parallel()
		h, slot, token, line := setup(t, "replay-cancel")
		in := map[string]any{"token": token, "reason": "Malade", "idempotencyKey": "cancel-replay-key-0001"}
		var first, again rulesRegPayload
		rulesDo(t, a, "", rulesCancelDoc, in, &first)
		rulesDo(t, a, "", rulesCancelDoc, in, &again)
		if len(first.UserErrors) > 0 || first.Registration == nil || first.Registration.Status != "CANCELLED" {
			t.Fatalf("first call: got %+v, %+v; want CANCELLED", first.UserErrors, first.Registration)
		}
		if len(again.UserErrors) > 0 || again.Registration == nil || again.Registration.ID != first.Registration.ID ||
			again.Registration.Status != "CANCELLED" || *again.Registration.CancelledAt != *first.Registration.CancelledAt {
			t.Errorf("replay: got %+v, %+v; want the first answer (no ALREADY_CANCELLED)", again.UserErrors, again.Registration)
		}
		rulesWantStatus(t, a, h.Key, "first in line", line[0].ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "second in line", line[1].ID, "WAITLISTED", 1)
		events := rulesEvents(t, a, slot, nil)
		count := map[string]int{}
		for _, e := range events {
			kind, _, _ := strings.Cut(e, " ")
			count[kind]++
		}
		if count["CANCELLED"] != 1 || count["PROMOTED"] != 1 {
			t.Errorf("events: got %q, want one CANCELLED and one PROMOTED", events)
		}
		rulesWantCounters(t, a, "after a replayed cancellation", slot, 1, 0, 1)
	})

	t.Run("a replayed cancellation answers exactly what the first call answered", func(t *testing.T) {
		t.Parallel()
		_, _, token, _ := setup(t, "replay-same-answer")
		in := map[string]any{"token": token, "reason": "Malade", "idempotencyKey": "cancel-replay-key-0002"}
		first, again := raw(t, "", "", in), raw(t, "", "", in)
		if string(first) != string(again) {
			t.Errorf("replay with the token's holder:\n got %s\nwant %s", again, first)
		}
	})

	t.Run("a replayed cancellation by id with the Idempotency-Key header", func(t *testing.T) {
		t.Parallel()
		h, slot, _, line := setup(t, "replay-header")
		in := map[string]any{"id": line[1].ID, "reason": "Doublon"}
		first, again := raw(t, h.Key, "cancel-header-key-0001", in), raw(t, h.Key, "cancel-header-key-0001", in)
		if string(first) != string(again) {
			t.Errorf("replay by the host:\n got %s\nwant %s", again, first)
		}
		var other struct{ CancelRegistration rulesRegPayload }
		if code, err := a.call(h.Key, "cancel-header-key-0001", rulesCancelDoc, map[string]any{"in": map[string]any{"id": line[0].ID}},
			&other); err != nil || code != "" {
			t.Fatalf("reused key: %v %s", err, code)
		}
		rulesWantRefusal(t, "the same key for another registration", other.CancelRegistration.UserErrors, "IDEMPOTENCY_KEY_REUSED", "input", "idempotencyKey")
		if got := rulesStatuses(t, a, slot); got["CANCELLED"] != 1 || got["WAITLISTED"] != 1 || got["CONFIRMED"] != 1 {
			t.Errorf("registrations: got %v, want 1 CONFIRMED, 1 WAITLISTED, 1 CANCELLED", got)
		}
	})
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
