package main

import (
	"testing"

	"github.com/regiestains/ateliers/db"
)

// Attendance, once the slot has started, by the host; the referrer follows its referrals
// from orientation to attendance.
func TestBookingRulesAttendanceAndTheReferralChain(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "attendance-host")
	partnerID, partnerKey := rulesPartner(t, a, "attendance-partner")
	slot := h.slot(t, a, 1, nil)
	referred, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 1, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
	waiting, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
	present := map[string]any{"id": referred.ID, "attendance": "PRESENT"}

	var out rulesRegPayload
	rulesDo(t, a, h.Key, rulesAttendanceDoc, present, &out)
	rulesWantRefusal(t, "before the start", out.UserErrors, "SLOT_NOT_STARTED", "input", "id")

	slotMoveToPast(t, a, slot)
	rulesWantError(t, a, "the public", "", rulesAttendanceDoc, present, "UNAUTHENTICATED")
	rulesWantError(t, a, "the host's key without ATTENDANCE_WRITE", anotherKey(t, a, h.ID, db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite),
		rulesAttendanceDoc, present, "FORBIDDEN")
	rulesWantError(t, a, "the referring partner", partnerKey, rulesAttendanceDoc, present, "FORBIDDEN")
	_, strangerKey := rulesPartner(t, a, "attendance-stranger")
	out = rulesRegPayload{}
	rulesDo(t, a, strangerKey, rulesAttendanceDoc, present, &out)
	rulesWantRefusal(t, "another partner", out.UserErrors, "NOT_FOUND", "input", "id")
	if got := rulesNode(t, a, h.Key, referred.ID); got == nil || got.Attendance != nil {
		t.Errorf("after the refusals: got %+v, want no attendance", got)
	}

	out = rulesRegPayload{}
	rulesDo(t, a, h.Key, rulesAttendanceDoc, map[string]any{"id": waiting.ID, "attendance": "PRESENT"}, &out)
	rulesWantRefusal(t, "a waitlisted registration", out.UserErrors, "NOT_CONFIRMED", "input", "id")

	out = rulesRegPayload{}
	rulesDo(t, a, h.Key, rulesAttendanceDoc, present, &out)
	if len(out.UserErrors) > 0 || out.Registration == nil || out.Registration.Attendance == nil || *out.Registration.Attendance != "PRESENT" {
		t.Fatalf("host marks PRESENT: got %+v, %+v; want attendance PRESENT", out.UserErrors, out.Registration)
	}

	// The referrer's end of the chain.
	var refs struct {
		Referrals struct{ Edges []struct{ Node rulesReg } }
	}
	a.withT(t).query(partnerKey, `{ referrals { edges { node { `+rulesRegFields+` } } } }`, nil, &refs)
	if len(refs.Referrals.Edges) != 1 {
		t.Fatalf("the partner's referrals: got %d, want 1 (only the person it sent)", len(refs.Referrals.Edges))
	}
	r := refs.Referrals.Edges[0].Node
	if r.ID != referred.ID || r.Slot.ID != slot || r.Status != "CONFIRMED" || r.Attendance == nil || *r.Attendance != "PRESENT" ||
		r.Referral == nil || r.Referral.CounsellorName != "Mme Benali" || r.Participant == nil || *r.Participant.LastName != "Diallo 1" {
		t.Errorf("the partner's referral: got %+v, want %s on %s, CONFIRMED, PRESENT, with its referral and participant", r, referred.ID, slot)
	}
	// The host's end of the chain.
	var seen struct {
		Node struct {
			Registrations struct{ Edges []struct{ Node rulesReg } }
		}
	}
	a.withT(t).query(h.Key, `query($id: ID!) { node(id: $id) { ... on Slot { registrations(statuses: [CONFIRMED]) { edges { node { `+rulesRegFields+` } } } } } }`,
		map[string]any{"id": slot}, &seen)
	if e := seen.Node.Registrations.Edges; len(e) != 1 || e[0].Node.Attendance == nil || *e[0].Node.Attendance != "PRESENT" ||
		e[0].Node.Referral == nil || e[0].Node.Referral.Organisation.ID != partnerID {
		t.Errorf("the host's confirmed registrations: got %+v, want the referred person, PRESENT, referred by %s", e, partnerID)
	}
	// Referrals are for keys that handle registrations.
	r2 := a.withT(t).post(anotherKey(t, a, partnerID, db.ScopeCatalogueWrite), `{ referrals { edges { node { id } } } }`, nil)
	if len(r2.Errors) == 0 || r2.Errors[0].Code() != "FORBIDDEN" {
		t.Errorf("referrals with a key without a registrations scope: got %s %+v, want FORBIDDEN", r2.Data, r2.Errors)
	}
	r2 = a.withT(t).post("", `{ referrals { edges { node { id } } } }`, nil)
	if len(r2.Errors) == 0 || r2.Errors[0].Code() != "UNAUTHENTICATED" {
		t.Errorf("referrals asked by the public: got %s %+v, want UNAUTHENTICATED", r2.Data, r2.Errors)
	}
}
