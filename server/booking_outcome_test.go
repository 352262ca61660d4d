package main

import (
	"strings"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// After attendance, the host records an outcome from the network's list with an optional note;
// the referrer reads it in its referrals, the public and other organisations never do.
func TestBookingRulesOutcomeAfterAttendance(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "outcome-host")
	partnerID, partnerKey := rulesPartner(t, a, "outcome-partner")
	_, strangerKey := rulesPartner(t, a, "outcome-stranger")
	slot := h.slot(t, a, 2, nil)
	referred, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 1, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
	absent, _ := rulesBook(t, a, "", rulesIn(slot, 2, nil), "CONFIRMED")
	note := "CV écrit et imprimé ; à accompagner pour son espace France Travail"
	outcome := map[string]any{"id": referred.ID, "kind": "CV_WRITTEN", "note": note}

	var out rulesRegPayload
	rulesDo(t, a, h.Key, rulesOutcomeDoc, outcome, &out)
	rulesWantRefusal(t, "before the start", out.UserErrors, "NOT_PRESENT", "input", "id")

	slotMoveToPast(t, a, slot)
	out = rulesRegPayload{}
	rulesDo(t, a, h.Key, rulesOutcomeDoc, outcome, &out)
	rulesWantRefusal(t, "attendance not marked yet", out.UserErrors, "NOT_PRESENT", "input", "id")
	rulesDo(t, a, h.Key, rulesAttendanceDoc, map[string]any{"id": absent.ID, "attendance": "ABSENT"}, &rulesRegPayload{})
	out = rulesRegPayload{}
	rulesDo(t, a, h.Key, rulesOutcomeDoc, map[string]any{"id": absent.ID, "kind": "NEEDS_FOLLOW_UP"}, &out)
	rulesWantRefusal(t, "an absent person", out.UserErrors, "NOT_PRESENT", "input", "id")

	rulesDo(t, a, h.Key, rulesAttendanceDoc, map[string]any{"id": referred.ID, "attendance": "PRESENT"}, &rulesRegPayload{})
	rulesWantError(t, a, "the public", "", rulesOutcomeDoc, outcome, "UNAUTHENTICATED")
	rulesWantError(t, a, "the host's key without ATTENDANCE_WRITE", anotherKey(t, a, h.ID, db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite),
		rulesOutcomeDoc, outcome, "FORBIDDEN")
	rulesWantError(t, a, "the referring partner", partnerKey, rulesOutcomeDoc, outcome, "FORBIDDEN")
	out = rulesRegPayload{}
	rulesDo(t, a, strangerKey, rulesOutcomeDoc, outcome, &out)
	rulesWantRefusal(t, "another partner", out.UserErrors, "NOT_FOUND", "input", "id")
	out = rulesRegPayload{}
	rulesDo(t, a, h.Key, rulesOutcomeDoc, map[string]any{"id": referred.ID, "kind": "OTHER", "note": strings.Repeat("é", 1001)}, &out)
	rulesWantRefusal(t, "a note of 1,001 characters", out.UserErrors, "TOO_LONG", "input", "note")

	out = rulesRegPayload{}
	rulesDo(t, a, h.Key, rulesOutcomeDoc, outcome, &out)
	if r := out.Registration; len(out.UserErrors) > 0 || r == nil || r.Outcome == nil || r.Outcome.Kind != "CV_WRITTEN" ||
		r.Outcome.Note == nil || *r.Outcome.Note != note || r.Outcome.RecordedAt == "" {
		t.Fatalf("the host records CV_WRITTEN: got %+v, %+v; want the outcome with its note", out.UserErrors, out.Registration)
	}

	// The referrer's chain: orientation, seat, attendance, outcome.
	var refs struct {
		Referrals struct{ Edges []struct{ Node rulesReg } }
	}
	a.withT(t).query(partnerKey, `{ referrals { edges { node { `+rulesRegFields+` } } } }`, nil, &refs)
	if e := refs.Referrals.Edges; len(e) != 1 || e[0].Node.Referral == nil || e[0].Node.Referral.Organisation.ID != partnerID ||
		e[0].Node.Attendance == nil || *e[0].Node.Attendance != "PRESENT" ||
		e[0].Node.Outcome == nil || e[0].Node.Outcome.Kind != "CV_WRITTEN" || e[0].Node.Outcome.Note == nil {
		t.Errorf("the partner's referrals: got %+v, want its person PRESENT with CV_WRITTEN and the note", e)
	}
	for who, key := range map[string]string{"the public": "", "another partner": strangerKey} {
		if got := rulesNode(t, a, key, referred.ID); got != nil {
			t.Errorf("%s, through node: got %+v, want null", who, got)
		}
	}
	r := a.withT(t).post(strangerKey, `query($id: ID!) { node(id: $id) { ... on Slot { registrations { edges { node { outcome { kind note } } } } } } }`,
		map[string]any{"id": slot})
	if len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" || strings.Contains(string(r.Data), "CV_WRITTEN") {
		t.Errorf("another partner, through the slot's registrations: got %s %+v, want FORBIDDEN and no outcome", r.Data, r.Errors)
	}

	// A correction of the attendance clears the outcome.
	out = rulesRegPayload{}
	rulesDo(t, a, h.Key, rulesAttendanceDoc, map[string]any{"id": referred.ID, "attendance": "EXCUSED"}, &out)
	if r := out.Registration; r == nil || r.Outcome != nil {
		t.Errorf("marked EXCUSED afterwards: got %+v, want no outcome", r)
	}
}
