package main

import (
	"context"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// Who may register: the public on public slots; partners with REGISTRATIONS_WRITE, recording
// a referral; the host on its own slots, internal ones included, with a colleague's
// orientation when there is one; nobody else.
func TestBookingRulesWhoMayRegister(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	rulesRun(t, a, "anonymous on a public slot: a seat, no referral", "public", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 3, nil)
		r, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		if r.Participant != nil || r.Referral != nil {
			t.Errorf("the public's view of the registration: got participant %+v, referral %+v; want both null", r.Participant, r.Referral)
		}
		var by, referrer *int64
		if err := a.Pool.QueryRow(context.Background(), `SELECT registered_by_org_id, referring_org_id FROM registrations WHERE slot_id = $1`,
			dbID(t, slot)).Scan(&by, &referrer); err != nil {
			t.Fatal(err)
		}
		if by != nil || referrer != nil {
			t.Errorf("registered by %v, referred by %v; want no organisation", by, referrer)
		}
	})

	rulesRun(t, a, "a partner on a partners-only slot records a referral it then follows", "partners-host", func(t *testing.T, h rulesHost) {
		partnerID, partnerKey := rulesPartner(t, a, "ft-stains")
		_, otherKey := rulesPartner(t, a, "ccas-stains")
		slot := h.slot(t, a, 3, map[string]any{"visibility": "PARTNERS"})
		r, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 1, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		wantReferral := func(who string, got *rulesReg) {
			t.Helper()
			if got == nil || got.Referral == nil || got.Participant == nil {
				t.Errorf("%s: got %+v, want the registration with its referral and participant", who, got)
				return
			}
			f := got.Referral
			if f.Organisation.ID != partnerID || f.CounsellorName != "Mme Benali" || f.Reason == nil || *f.Reason != "Recherche d'emploi, pas d'ordinateur à la maison" ||
				f.PartnerReference == nil || *f.PartnerReference != "FT-2032-0042" {
				t.Errorf("%s: got referral %+v, want organisation %s, Mme Benali, the reason and FT-2032-0042", who, *f, partnerID)
			}
			if *got.Participant.LastName != "Diallo 1" {
				t.Errorf("%s: got participant %+v, want Diallo 1", who, *got.Participant)
			}
		}
		wantReferral("the partner's register payload", &r)
		wantReferral("the partner, through node", rulesNode(t, a, partnerKey, r.ID))
		wantReferral("the host, through node", rulesNode(t, a, h.Key, r.ID))
		if got := rulesNode(t, a, "", r.ID); got != nil {
			t.Errorf("the public, through node: got %+v, want null", got)
		}
		if got := rulesNode(t, a, otherKey, r.ID); got != nil {
			t.Errorf("another partner, through node: got %+v, want null", got)
		}
		var referrer int64
		if err := a.Pool.QueryRow(context.Background(), `SELECT referring_org_id FROM registrations WHERE slot_id = $1`, dbID(t, slot)).Scan(&referrer); err != nil {
			t.Fatal(err)
		}
		if referrer != dbID(t, partnerID) {
			t.Errorf("referring_org_id: got %d, want %d", referrer, dbID(t, partnerID))
		}
	})

	rulesRun(t, a, "a partner must name the counsellor: REQUIRED, nothing left behind", "counsellor-host", func(t *testing.T, h rulesHost) {
		_, partnerKey := rulesPartner(t, a, "emmaus-connect")
		slot := h.slot(t, a, 3, nil)
		out := rulesRegister(t, a, partnerKey, rulesIn(slot, 1, nil))
		rulesWantRefusal(t, "no referral", out.UserErrors, "REQUIRED", "input", "referral", "counsellorName")
		out = rulesRegister(t, a, partnerKey, rulesIn(slot, 2, map[string]any{"referral": map[string]any{"counsellorName": "  "}}))
		rulesWantRefusal(t, "a blank counsellor name", out.UserErrors, "REQUIRED", "input", "referral", "counsellorName")
		if n := rulesRows(t, a, slot); n != 0 {
			t.Errorf("got %d registrations, want 0", n)
		}
	})

	rulesRun(t, a, "keys that may not register: FORBIDDEN, nothing left behind", "forbidden-host", func(t *testing.T, h rulesHost) {
		readerID, _ := rulesPartner(t, a, "reader-only")
		reader := anotherKey(t, a, readerID, db.ScopeRegistrationsRead)
		catalogueOnly := anotherKey(t, a, h.ID, db.ScopeCatalogueWrite)
		slot := h.slot(t, a, 3, nil)
		for who, key := range map[string]string{
			"a partner key without REGISTRATIONS_WRITE":  reader,
			"the host's key without REGISTRATIONS_WRITE": catalogueOnly,
			"a network administrator key":                a.withT(t).adminKey(),
		} {
			rulesWantError(t, a, who, key, rulesRegisterDoc, rulesIn(slot, 1, map[string]any{"referral": rulesReferral()}), "FORBIDDEN")
		}
		if n := rulesRows(t, a, slot); n != 0 {
			t.Errorf("got %d registrations, want 0", n)
		}
	})

	rulesRun(t, a, "the host registers its own staff on an internal slot, without referral", "internal-host", func(t *testing.T, h rulesHost) {
		_, partnerKey := rulesPartner(t, a, "internal-outsider")
		slot := h.slot(t, a, 3, map[string]any{"visibility": "INTERNAL"})
		r, _ := rulesBook(t, a, h.Key, rulesIn(slot, 1, nil), "CONFIRMED")
		if r.Referral != nil || r.Participant == nil {
			t.Errorf("the host's own registration: got referral %+v, participant %+v; want no referral, the participant visible", r.Referral, r.Participant)
		}
		out := rulesRegister(t, a, partnerKey, rulesIn(slot, 2, map[string]any{"referral": rulesReferral()}))
		rulesWantRefusal(t, "a partner on another's internal slot", out.UserErrors, "NOT_FOUND", "input", "slotId")
		out = rulesRegister(t, a, "", rulesIn(slot, 3, nil))
		rulesWantRefusal(t, "the public on an internal slot", out.UserErrors, "NOT_FOUND", "input", "slotId")
		if n := rulesRows(t, a, slot); n != 1 {
			t.Errorf("got %d registrations, want the host's 1", n)
		}
	})

	rulesRun(t, a, "a colleague's orientation inside the host is kept, the host as referrer", "internal-referral", func(t *testing.T, h rulesHost) {
		_, partnerKey := rulesPartner(t, a, "internal-referral-outsider")
		slot := h.slot(t, a, 3, map[string]any{"visibility": "INTERNAL"})
		colleague := map[string]any{"counsellorName": "M. Traoré (Propreté)", "reason": "Doit créer son espace France Travail"}
		r, _ := rulesBook(t, a, h.Key, rulesIn(slot, 1, map[string]any{"referral": colleague}), "CONFIRMED")
		if f := r.Referral; f == nil || f.Organisation.ID != h.ID || f.CounsellorName != "M. Traoré (Propreté)" || f.Reason == nil {
			t.Fatalf("the host's internal orientation: got %+v, want the host %s, M. Traoré (Propreté) and the reason", f, h.ID)
		}
		var refs struct {
			Referrals struct{ Edges []struct{ Node rulesReg } }
		}
		a.withT(t).query(h.Key, `{ referrals { edges { node { `+rulesRegFields+` } } } }`, nil, &refs)
		if e := refs.Referrals.Edges; len(e) != 1 || e[0].Node.ID != r.ID || e[0].Node.Referral == nil {
			t.Errorf("the host's referrals: got %+v, want its colleague's orientation %s", e, r.ID)
		}
		if got := rulesNode(t, a, partnerKey, r.ID); got != nil {
			t.Errorf("a partner, through node: got %+v, want null", got)
		}
		out := rulesRegister(t, a, h.Key, rulesIn(slot, 2, map[string]any{"referral": map[string]any{"counsellorName": " "}}))
		rulesWantRefusal(t, "a blank counsellor's name from the host", out.UserErrors, "REQUIRED", "input", "referral", "counsellorName")
	})

	rulesRun(t, a, "the public may not send a referral, a priority or a department: FORBIDDEN", "anonymous-extras", func(t *testing.T, h rulesHost) {
		slot := h.slot(t, a, 3, nil)
		for what, extra := range map[string]map[string]any{
			"a referral":         {"referral": rulesReferral()},
			"a priority reason":  {"priorityReason": "Jeune sans équipement"},
			"a department label": {"allocationLabel": "Propreté"},
		} {
			rulesWantError(t, a, "anonymous with "+what, "", rulesRegisterDoc, rulesIn(slot, 1, extra), "FORBIDDEN")
		}
		if n := rulesRows(t, a, slot); n != 0 {
			t.Errorf("got %d registrations, want 0", n)
		}
	})
}
