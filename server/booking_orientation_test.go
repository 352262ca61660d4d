package main

import (
	"testing"

	"github.com/regiestains/ateliers/db"
)

const (
	orientationFields = `id status reason sentAt answeredAt from { id } to { id }
		person { firstName lastName phone email preferredChannel }
		newRegistration { id status attendance slot { id } outcome { kind note } }`
	reorientDoc = `mutation($in: ReorientInput!) { reorient(input: $in) { orientation { ` + orientationFields + ` }
		userErrors { field message code } } }`
)

type orientationView struct {
	ID, Status, Reason, SentAt string
	AnsweredAt                 *string
	From, To                   struct{ ID string }
	Person                     struct {
		FirstName, LastName, Phone *string
		Email, PreferredChannel    *string
	}
	NewRegistration *struct {
		ID, Status string
		Attendance *string
		Slot       struct{ ID string }
		Outcome    *struct {
			Kind string
			Note *string
		}
	}
}

func reorient(t *testing.T, a *testAPI, key string, in map[string]any) (*orientationView, []userError) {
	t.Helper()
	var out struct {
		Reorient struct {
			Orientation *orientationView
			UserErrors  []userError
		}
	}
	a.withT(t).query(key, reorientDoc, map[string]any{"in": in}, &out)
	return out.Reorient.Orientation, out.Reorient.UserErrors
}

// The referrer re-orients a person to another structure with a reason; the receiver sees the
// orientation, registers the person from it; the referrer follows the whole chain in its
// referrals. Only sender and receiver see an orientation.
func TestBookingRulesReorientation(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	regie := rulesNewHost(t, a, "orient-regie")
	emmaus := rulesNewHost(t, a, "orient-emmaus")
	_, partnerKey := rulesPartner(t, a, "orient-ft")
	_, strangerKey := rulesPartner(t, a, "orient-stranger")
	regieSlot, emmausSlot := regie.slot(t, a, 3, nil), emmaus.slot(t, a, 3, nil)
	awa, _ := rulesBook(t, a, partnerKey, rulesIn(regieSlot, 1, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
	reason := "Quitte le programme de la Régie ; accompagnement numérique à poursuivre"
	in := map[string]any{"registrationId": awa.ID, "toOrganisationId": emmaus.ID, "reason": reason}

	// Who may re-orient: the host or the referrer, with REGISTRATIONS_WRITE.
	rulesWantError(t, a, "the public", "", reorientDoc, in, "UNAUTHENTICATED")
	rulesWantError(t, a, "the host's read-only key", anotherKey(t, a, regie.ID, db.ScopeRegistrationsRead), reorientDoc, in, "FORBIDDEN")
	if o, e := reorient(t, a, strangerKey, in); o != nil {
		t.Errorf("another partner: got %+v, want nothing", o)
	} else {
		rulesWantRefusal(t, "another partner", e, "NOT_FOUND", "input", "registrationId")
	}
	_, e := reorient(t, a, partnerKey, map[string]any{"registrationId": awa.ID, "toOrganisationId": emmaus.ID, "reason": " "})
	rulesWantRefusal(t, "a blank reason", e, "REQUIRED", "input", "reason")
	_, e = reorient(t, a, regie.Key, map[string]any{"registrationId": awa.ID, "toOrganisationId": regie.ID, "reason": reason})
	rulesWantRefusal(t, "to the host itself", e, "INVALID", "input", "toOrganisationId")

	o, e := reorient(t, a, partnerKey, in)
	if len(e) > 0 || o == nil || o.Status != "PENDING" || o.Reason != reason || o.To.ID != emmaus.ID || o.NewRegistration != nil ||
		o.Person.LastName == nil || *o.Person.LastName != "Diallo 1" || o.Person.Phone == nil {
		t.Fatalf("the referrer re-orients Awa: got %+v, %+v; want PENDING to Emmaüs with her name and phone", o, e)
	}
	_, e = reorient(t, a, partnerKey, in)
	rulesWantRefusal(t, "the same again", e, "ALREADY_ORIENTED", "input", "toOrganisationId")

	// Visibility: the sender and the receiver, nobody else (the host of the first seat neither).
	nodeOf := func(key string) *orientationView {
		var out struct{ Node *orientationView }
		a.withT(t).query(key, `query($id: ID!) { node(id: $id) { ... on Orientation { `+orientationFields+` } } }`, map[string]any{"id": o.ID}, &out)
		return out.Node
	}
	for who, key := range map[string]string{"the sender": partnerKey, "the receiver": emmaus.Key} {
		if got := nodeOf(key); got == nil || got.Person.FirstName == nil {
			t.Errorf("%s, through node: got %+v, want the orientation with the person", who, got)
		}
	}
	for who, key := range map[string]string{"the public": "", "another partner": strangerKey, "the host of the first seat": regie.Key} {
		if got := nodeOf(key); got != nil {
			t.Errorf("%s, through node: got %+v, want null", who, got)
		}
	}
	var incoming struct {
		IncomingOrientations struct {
			Edges []struct{ Node orientationView }
		}
	}
	a.withT(t).query(emmaus.Key, `{ incomingOrientations { edges { node { `+orientationFields+` } } } }`, nil, &incoming)
	if e := incoming.IncomingOrientations.Edges; len(e) != 1 || e[0].Node.ID != o.ID || e[0].Node.Person.Phone == nil {
		t.Fatalf("the receiver's incoming orientations: got %+v, want Awa's with her phone", e)
	}
	incoming.IncomingOrientations.Edges = nil
	a.withT(t).query(strangerKey, `{ incomingOrientations { edges { node { id } } } }`, nil, &incoming)
	if len(incoming.IncomingOrientations.Edges) != 0 {
		t.Errorf("another partner's incoming orientations: got %+v, want none", incoming.IncomingOrientations.Edges)
	}

	// The receiver registers the person from the orientation, once.
	out := rulesRegister(t, a, strangerKey, rulesIn(emmausSlot, 1, map[string]any{"orientationId": o.ID, "referral": rulesReferral()}))
	rulesWantRefusal(t, "another partner answers", out.UserErrors, "NOT_FOUND", "input", "orientationId")
	seat, _ := rulesBook(t, a, emmaus.Key, rulesIn(emmausSlot, 1, map[string]any{"orientationId": o.ID}), "CONFIRMED")
	out = rulesRegister(t, a, emmaus.Key, rulesIn(emmausSlot, 2, map[string]any{"orientationId": o.ID}))
	rulesWantRefusal(t, "answered twice", out.UserErrors, "ALREADY_ANSWERED", "input", "orientationId")

	// The receiver marks attendance and the outcome; the sender reads it all in its referrals.
	slotMoveToPast(t, a, emmausSlot)
	rulesDo(t, a, emmaus.Key, rulesAttendanceDoc, map[string]any{"id": seat.ID, "attendance": "PRESENT"}, &rulesRegPayload{})
	rulesDo(t, a, emmaus.Key, rulesOutcomeDoc, map[string]any{"id": seat.ID, "kind": "EQUIPMENT_NEEDED", "note": "Pas d'ordinateur"}, &rulesRegPayload{})
	var refs struct {
		Referrals struct {
			Edges []struct {
				Node struct {
					ID           string
					Status       string
					Referral     *struct{ CounsellorName string }
					Orientations []orientationView
				}
			}
		}
	}
	a.withT(t).query(partnerKey, `{ referrals { edges { node { id status referral { counsellorName } orientations { `+orientationFields+` } } } } }`, nil, &refs)
	if e := refs.Referrals.Edges; len(e) != 1 || e[0].Node.ID != awa.ID || e[0].Node.Referral == nil || len(e[0].Node.Orientations) != 1 {
		t.Fatalf("the referrer's referrals: got %+v, want Awa with her referral and one orientation", e)
	}
	chain := refs.Referrals.Edges[0].Node.Orientations[0]
	if n := chain.NewRegistration; chain.Status != "ACCEPTED" || chain.AnsweredAt == nil || n == nil || n.ID != seat.ID ||
		n.Slot.ID != emmausSlot || n.Attendance == nil || *n.Attendance != "PRESENT" || n.Outcome == nil || n.Outcome.Kind != "EQUIPMENT_NEEDED" {
		t.Errorf("the chain: got %+v (new registration %+v), want ACCEPTED, then Emmaüs's seat, PRESENT, EQUIPMENT_NEEDED", chain, chain.NewRegistration)
	}
	// The sender follows the new registration as a referrer does, and may not change it.
	if got := rulesNode(t, a, partnerKey, seat.ID); got == nil || got.Participant == nil {
		t.Errorf("the sender, through node of the new registration: got %+v, want it with the person", got)
	}
	if got := rulesNode(t, a, strangerKey, seat.ID); got != nil {
		t.Errorf("another partner, through node of the new registration: got %+v, want null", got)
	}
	rulesWantError(t, a, "the sender cancels the receiver's registration", partnerKey,
		`mutation($in: CancelRegistrationInput!) { cancelRegistration(input: $in) { userErrors { code } } }`,
		map[string]any{"id": seat.ID}, "FORBIDDEN")

	// The host re-orients its own people too; the receiver may decline, with a reason.
	mine, _ := rulesBook(t, a, regie.Key, rulesIn(regieSlot, 2, nil), "CONFIRMED")
	sent, e := reorient(t, a, regie.Key, map[string]any{"registrationId": mine.ID, "toOrganisationId": emmaus.ID, "reason": reason})
	if len(e) > 0 || sent == nil || sent.From.ID != regie.ID {
		t.Fatalf("the host re-orients its own registration: got %+v, %+v; want it sent from the Régie", sent, e)
	}
	const declineDoc = `mutation($in: DeclineOrientationInput!) { declineOrientation(input: $in) { orientation { id status declineReason }
		userErrors { field message code } } }`
	decline := func(key string, in map[string]any) (*struct {
		ID, Status    string
		DeclineReason *string
	}, []userError) {
		var out struct {
			DeclineOrientation struct {
				Orientation *struct {
					ID, Status    string
					DeclineReason *string
				}
				UserErrors []userError
			}
		}
		a.withT(t).query(key, declineDoc, map[string]any{"in": in}, &out)
		return out.DeclineOrientation.Orientation, out.DeclineOrientation.UserErrors
	}
	no := map[string]any{"id": sent.ID, "reason": "Plus de place avant mars ; voir le CCAS"}
	rulesWantError(t, a, "the public declines", "", declineDoc, no, "UNAUTHENTICATED")
	for who, key := range map[string]string{"the sender": regie.Key, "another partner": strangerKey} {
		_, e := decline(key, no)
		rulesWantRefusal(t, who+" declines", e, "NOT_FOUND", "input", "id")
	}
	if d, e := decline(emmaus.Key, no); len(e) > 0 || d == nil || d.Status != "DECLINED" || d.DeclineReason == nil {
		t.Errorf("the receiver declines: got %+v, %+v; want DECLINED with the reason", d, e)
	}
	_, e = decline(emmaus.Key, no)
	rulesWantRefusal(t, "declined twice", e, "ALREADY_ANSWERED", "input", "id")
	out = rulesRegister(t, a, emmaus.Key, rulesIn(emmaus.slot(t, a, 3, nil), 3, map[string]any{"orientationId": sent.ID}))
	rulesWantRefusal(t, "registered after declining", out.UserErrors, "ALREADY_ANSWERED", "input", "orientationId")
	var seen struct {
		Node *struct {
			Status        string
			DeclineReason *string
		}
	}
	a.withT(t).query(regie.Key, `query($id: ID!) { node(id: $id) { ... on Orientation { status declineReason } } }`, map[string]any{"id": sent.ID}, &seen)
	if seen.Node == nil || seen.Node.Status != "DECLINED" || seen.Node.DeclineReason == nil {
		t.Errorf("the sender reads the answer: got %+v, want DECLINED with the reason", seen.Node)
	}
}
