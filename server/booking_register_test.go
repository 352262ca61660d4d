package main

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"testing"
)

// rulesPerson is person(n) with some fields replaced (nil sends JSON null).
func rulesPerson(n int, fields map[string]any) map[string]any {
	p := person(n)
	maps.Copy(p, fields)
	return p
}

// What register answers: a seat, a place in line, or a refusal that leaves nothing behind.
func TestBookingRulesRegisterOutcomes(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	rulesRun(t, a, "a seat left: CONFIRMED with a code to read over the phone and a secret link", "confirmed", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 2, nil)
		out := rulesRegister(t, a, "", rulesIn(slot, 1, nil))
		if len(out.UserErrors) != 0 || out.Registration == nil {
			t.Fatalf("got userErrors %+v, want a registration", out.UserErrors)
		}
		r := out.Registration
		if r.Status != "CONFIRMED" || r.WaitlistPosition != nil || r.ConfirmedAt == nil || r.Slot.ID != slot {
			t.Errorf("got status %s, waitlistPosition %v, confirmedAt %v, slot %s; want CONFIRMED, none, set, %s",
				r.Status, r.WaitlistPosition, r.ConfirmedAt, r.Slot.ID, slot)
		}
		if !rulesConfirmationCode.MatchString(r.ConfirmationCode) {
			t.Errorf("confirmation code: got %q, want 8 characters of %s", r.ConfirmationCode, "23456789ABCDEFGHJKMNPQRSTUVWXYZ")
		}
		if out.ManageToken == nil || len(*out.ManageToken) < 22 {
			t.Fatalf("manageToken: got %v, want a secret of at least 128 bits (22 base64 characters)", out.ManageToken)
		}
		token := *out.ManageToken
		mine := rulesByToken(t, a, token)
		if mine == nil || mine.ID != r.ID || mine.Status != "CONFIRMED" || mine.Participant == nil || *mine.Participant.LastName != "Diallo 1" {
			t.Errorf("registrationByToken: got %+v, want registration %s, CONFIRMED, with the person's own data", mine, r.ID)
		}
		var hashed, inClear int
		if err := a.Pool.QueryRow(context.Background(), `SELECT
			count(*) FILTER (WHERE token_hash = sha256(convert_to($1, 'UTF8'))),
			count(*) FILTER (WHERE r::text LIKE '%' || $1 || '%')
			FROM registrations r WHERE slot_id = $2`, token, dbID(t, slot)).Scan(&hashed, &inClear); err != nil {
			t.Fatal(err)
		}
		if hashed != 1 || inClear != 0 {
			t.Errorf("stored token: got %d rows holding its hash and %d holding it in clear, want 1 and 0", hashed, inClear)
		}
		rulesWantCounters(t, a, "after one seat", slot, 1, 0, 0)
	})

	rulesRun(t, a, "no seat left and joinWaitlist: WAITLISTED with a place in line", "waitlisted", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 1, nil)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		for _, n := range []int{2, 3} {
			out := rulesRegister(t, a, "", rulesIn(slot, n, map[string]any{"joinWaitlist": true}))
			if len(out.UserErrors) != 0 || out.Registration == nil || out.ManageToken == nil {
				t.Fatalf("person %d: got userErrors %+v, want a place on the waiting list", n, out.UserErrors)
			}
			r := out.Registration
			if r.Status != "WAITLISTED" || r.WaitlistPosition == nil || *r.WaitlistPosition != n-1 || r.ConfirmedAt != nil {
				t.Errorf("person %d: got %s at position %v (confirmedAt %v), want WAITLISTED at position %d", n, r.Status, r.WaitlistPosition, r.ConfirmedAt, n-1)
			}
			if !rulesConfirmationCode.MatchString(r.ConfirmationCode) {
				t.Errorf("person %d: confirmation code %q, want 8 characters of the alphabet", n, r.ConfirmationCode)
			}
		}
		if seen := rulesSlotSeenBy(t, a, "", slot); seen.SeatsLeft != 0 || seen.WaitlistLength != 2 {
			t.Errorf("public view: got seatsLeft %d, waitlistLength %d; want 0 and 2", seen.SeatsLeft, seen.WaitlistLength)
		}
		rulesWantCounters(t, a, "one seat, two waiting", slot, 1, 0, 2)
	})

	rulesRun(t, a, "a phone in French national form is stored and returned in E.164", "e164", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 2, nil)
		_, token := rulesBook(t, a, "", rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"phone": "06 12 34 56 78"})}), "CONFIRMED")
		var stored string
		if err := a.Pool.QueryRow(context.Background(), `SELECT phone FROM registrations WHERE slot_id = $1`, dbID(t, slot)).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != "+33612345678" {
			t.Errorf("stored phone: got %q, want +33612345678", stored)
		}
		if mine := rulesByToken(t, a, token); mine == nil || mine.Participant == nil || mine.Participant.Phone == nil || *mine.Participant.Phone != "+33612345678" {
			t.Errorf("phone seen with the token: got %+v, want +33612345678", mine)
		}
	})

	rulesRun(t, a, "a cancelled registration does not stop the person registering again", "again", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 2, nil)
		first, token := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		rulesMustCancel(t, a, "", map[string]any{"token": token})
		again, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		if again.ID == first.ID || again.ConfirmationCode == first.ConfirmationCode {
			t.Errorf("registering again: got the same registration or code (%s, %s), want a new one", again.ID, again.ConfirmationCode)
		}
		if got := rulesStatuses(t, a, slot); got["CONFIRMED"] != 1 || got["CANCELLED"] != 1 {
			t.Errorf("rows: got %v, want 1 CONFIRMED and 1 CANCELLED", got)
		}
	})

	// personWith registers person 1 with fields replaced, on a slot of 5 seats.
	personWith := func(fields map[string]any) func(*testing.T, rulesHost) (string, map[string]any) {
		return func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			return slot, rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, fields)})
		}
	}
	// Each refusal: the code, the field at fault, and nothing left behind (no row, no event).
	for i, tc := range []struct {
		rule  string
		setup func(t *testing.T, h rulesHost) (slot string, in map[string]any)
		code  string
		field []string
	}{
		{"no seat left and no joinWaitlist: SLOT_FULL", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 1, nil)
			rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
			return slot, rulesIn(slot, 2, nil)
		}, "SLOT_FULL", []string{"input", "slotId"}},
		{"registrations closed (closing time passed): REGISTRATION_CLOSED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			slotSQL(t, a, slot, `UPDATE slots SET registration_closes_at = now() - interval '1 hour' WHERE id = $1`)
			return slot, rulesIn(slot, 1, nil)
		}, "REGISTRATION_CLOSED", []string{"input", "slotId"}},
		{"registrations not open yet: REGISTRATION_NOT_OPEN", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, map[string]any{"registrationOpensAt": "2032-05-01T10:00"})
			return slot, rulesIn(slot, 1, nil)
		}, "REGISTRATION_NOT_OPEN", []string{"input", "slotId"}},
		{"a cancelled slot: SLOT_CANCELLED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			slotCancel(t, a.withT(t), h.Key, slot)
			return slot, rulesIn(slot, 1, nil)
		}, "SLOT_CANCELLED", []string{"input", "slotId"}},
		{"the same person, the phone written another way and the name in capitals: ALREADY_REGISTERED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			rulesBook(t, a, "", rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"phone": "+33612345678"})}), "CONFIRMED")
			same := rulesPerson(1, map[string]any{"phone": "06 12 34 56 78"})
			same["firstName"], same["lastName"] = strings.ToUpper(same["firstName"].(string)), strings.ToUpper(same["lastName"].(string))
			return slot, rulesIn(slot, 2, map[string]any{"participant": same})
		}, "ALREADY_REGISTERED", []string{"input", "slotId"}},
		{"the same person, the email in another case: ALREADY_REGISTERED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			rulesBook(t, a, "", rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"email": "awa.diallo@example.fr"})}), "CONFIRMED")
			return slot, rulesIn(slot, 2, map[string]any{"participant": rulesPerson(1, map[string]any{"phone": nil, "email": "Awa.Diallo@Example.FR"})})
		}, "ALREADY_REGISTERED", []string{"input", "slotId"}},
		{"already on the waiting list: ALREADY_REGISTERED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 1, nil)
			rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
			rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
			return slot, rulesIn(slot, 2, map[string]any{"joinWaitlist": true})
		}, "ALREADY_REGISTERED", []string{"input", "slotId"}},
		{"a phone that is no number: INVALID_PHONE", personWith(map[string]any{"phone": "06 12"}), "INVALID_PHONE", []string{"input", "participant", "phone"}},
		{"an email that is no address: INVALID_EMAIL", personWith(map[string]any{"email": "awa@"}), "INVALID_EMAIL", []string{"input", "participant", "email"}},
		{"no consent: CONSENT_REQUIRED", personWith(map[string]any{"consent": false}), "CONSENT_REQUIRED", []string{"input", "participant", "consent"}},
		{"neither phone nor email: CONTACT_REQUIRED", personWith(map[string]any{"phone": nil, "email": nil}), "CONTACT_REQUIRED", []string{"input", "participant", "phone"}},
		{"a blank phone and no email: CONTACT_REQUIRED", personWith(map[string]any{"phone": "  "}), "CONTACT_REQUIRED", []string{"input", "participant", "phone"}},
		{"a blank first name: REQUIRED", personWith(map[string]any{"firstName": "   "}), "REQUIRED", []string{"input", "participant", "firstName"}},
		{"a blank last name: REQUIRED", personWith(map[string]any{"lastName": ""}), "REQUIRED", []string{"input", "participant", "lastName"}},
		{"a partners-only slot, registered anonymously: NOT_FOUND", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, map[string]any{"visibility": "PARTNERS"})
			return slot, rulesIn(slot, 1, nil)
		}, "NOT_FOUND", []string{"input", "slotId"}},
	} {
		rulesRun(t, a, tc.rule, fmt.Sprintf("refusal-%d", i), func(t *testing.T, h rulesHost) {
			slot, in := tc.setup(t, h)
			rowsBefore, eventsBefore := rulesRows(t, a, slot), len(rulesEvents(t, a, slot, nil))
			takenBefore, reservedBefore, waitBefore := rulesCounters(t, a, slot)
			out := rulesRegister(t, a, "", in)
			rulesWantRefusal(t, "register", out.UserErrors, tc.code, tc.field...)
			if out.Registration != nil || out.ManageToken != nil {
				t.Errorf("refused: got registration %+v and token %v, want null", out.Registration, out.ManageToken)
			}
			if rows, events := rulesRows(t, a, slot), len(rulesEvents(t, a, slot, nil)); rows != rowsBefore || events != eventsBefore {
				t.Errorf("refused: got %d registrations and %d events, want %d and %d as before", rows, events, rowsBefore, eventsBefore)
			}
			rulesWantCounters(t, a, "refused", slot, takenBefore, reservedBefore, waitBefore)
		})
	}
}
