package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// Who sees personal data (README, "Registering and cancelling" and "Who sees what"):
//
//   - a registration's personal data (participant, referral, priorityReason, cancellationReason,
//     its messages and whether reminders were stopped)
//     is visible to the host organisation's keys with REGISTRATIONS_READ, to the organisation
//     that referred the person, and to the person through the management token; to nobody else,
//     whatever the path (node, nodes, nested connections, payloads);
//   - the public sees counts (seatsLeft, waitlistLength), never names or contacts;
//   - personal data never appears in logs or error messages;
//   - a registration one may not see answers exactly like one that does not exist.
//
// Every check (privacy_*_test.go) looks for sentinel values (a first name like "Zébulon", a
// phone, an email, the referral's and reasons' texts) in the raw response bodies and logs, not
// only in decoded fields, so that a leak through any field, error message or extension is
// caught. This file holds the sentinels and the world the checks share.

// sentinel is a person's data as the API should return it to those who may see it, and the
// strings that betray it anywhere else (compared case-insensitively).
type sentinel struct {
	first, last, phone, email     string // phone in E.164; "" when not given
	counsellor, reason, reference string // the referral; "" when there is none
	referrerOrg                   string // global id of the referring organisation
	priority, cancellation        string // "" when expected null
	message                       string // a text its delivery log holds; "" when none
	outcomeNote                   string // the note of its outcome; "" when it has none
	needles                       []string
}

// zebulon is the sentinel registration of the matrix and of the other tests.
func zebulon() sentinel {
	return sentinel{
		first: "Zébulon", last: "Sentinelle", phone: "+33698765432", email: "zebulon.sentinelle@example.fr",
		counsellor: "Ysolde Marchetti", reason: "ORIENT-SECRET-3307", reference: "REF-ZEB-4242",
		priority: "PRIO-SECRET-7731", message: zebulonMessage, outcomeNote: zebulonOutcomeNote,
		needles: []string{zebulonMessage, zebulonOutcomeNote, "Zébulon", `Z\u00e9bulon`, "Sentinelle", "698765432", "98 76 54 32", "zebulon.sentinelle",
			"Ysolde", "Marchetti", "ORIENT-SECRET-3307", "REF-ZEB-4242", "PRIO-SECRET-7731", zebulonCancellation},
	}
}

const zebulonCancellation = "ANNUL-SECRET-5519"

// zebulonOutcomeNote is the note of the outcome the host recorded for Zébulon (newPrivacyWorld).
const zebulonOutcomeNote = "OUTCOME-SECRET-8842"

// zebulonMessage is in the text of the confirmation Zébulon was sent (newPrivacyWorld).
const zebulonMessage = "MSG-SECRET-6021"

// zebulonInput is the participant input of the sentinel person, phone in French national form.
func zebulonInput() map[string]any {
	return map[string]any{"firstName": "Zébulon", "lastName": "Sentinelle", "phone": "06 98 76 54 32",
		"email": "zebulon.sentinelle@example.fr", "postalCode": "93240", "ageBracket": "UNDER_26",
		"hasComputer": false, "hasInternet": false, "hasSmartphone": true, "consent": true, "consentVersion": "2026-11"}
}

func zebulonReferral() map[string]any {
	return map[string]any{"counsellorName": "Ysolde Marchetti", "reason": "ORIENT-SECRET-3307", "partnerReference": "REF-ZEB-4242"}
}

// zephyrine is a second sentinel: the people the matrix's callers register themselves, with an
// email only (n makes it distinct), so that the register column never mixes with Zébulon.
func zephyrine(n string) sentinel {
	return sentinel{
		first: "Zéphyrine", last: "Quenouille", email: "zephyrine.quenouille+" + n + "@example.fr",
		needles: []string{"Zéphyrine", `Z\u00e9phyrine`, "Quenouille", "zephyrine.quenouille", "Gaspard",
			"ORIENT-ZEPH", "REF-ZEPH", "PRIO-ZEPH"},
	}
}

// leaks returns the needles found in body, case-insensitively.
func (s sentinel) leaks(body []byte) []string {
	lower := strings.ToLower(string(body))
	var found []string
	for _, n := range s.needles {
		if strings.Contains(lower, strings.ToLower(n)) {
			found = append(found, n)
		}
	}
	return found
}

// regFields asks for every field of a registration, personal ones included.
const regFields = `fragment R on Registration { id status confirmationCode priority waitlistPosition
	participant { firstName lastName phone email postalCode ageBracket hasComputer hasInternet hasSmartphone preferredChannel }
	referral { organisation { id } counsellorName reason partnerReference }
	priorityReason cancellationReason messages { text } remindersStopped outcome { kind note } }`

// regView is a registration as a client decodes it.
type regView struct {
	ID               string
	Status           string
	ConfirmationCode string
	Participant      *struct{ FirstName, LastName, Phone, Email *string }
	Referral         *struct {
		Organisation             struct{ ID string }
		CounsellorName           string
		Reason, PartnerReference *string
	}
	PriorityReason, CancellationReason *string
	Messages                           []struct{ Text *string }
	RemindersStopped                   *bool
	Outcome                            *struct {
		Kind string
		Note *string
	}
}

// privacyRegisterDoc registers and returns the whole registration.
const privacyRegisterDoc = `mutation($in: RegisterInput!) { register(input: $in) {
	registration { ...R } manageToken userErrors { field message code } } } ` + regFields

type privacyRegistered struct {
	Register struct {
		Registration *regView
		ManageToken  *string
		UserErrors   []userError
	}
}

// privacyWorld is a host with a public slot, the sentinel registration referred by a partner,
// and a key for each caller of the matrix.
type privacyWorld struct {
	a                *testAPI
	slotID           string
	regID, token     string
	confirmationCode string
	referrerOrg      string
	otherOrg         string
	keys             map[string]string // caller → API key ("" for anonymous and the person)
}

func newPrivacyWorld(t *testing.T, a *testAPI) *privacyWorld {
	t.Helper()
	_, slot := a.bookable("host", 50)
	hostOrg := globalID("Organisation", orgID(t, a, "host"))
	referrerOrg, referrerWrite := a.org("referrer", db.ScopeRegistrationsWrite)
	otherOrg, other := a.org("other", db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite)
	w := &privacyWorld{a: a, slotID: slot, referrerOrg: referrerOrg, otherOrg: otherOrg, keys: map[string]string{
		"anonymous":      "",
		"host-read":      anotherKey(t, a, hostOrg, db.ScopeRegistrationsRead),
		"host-catalogue": anotherKey(t, a, hostOrg, db.ScopeCatalogueWrite),
		"host-write":     anotherKey(t, a, hostOrg, db.ScopeRegistrationsWrite),
		"referrer-write": referrerWrite,
		"referrer-read":  anotherKey(t, a, referrerOrg, db.ScopeRegistrationsRead),
		"other-partner":  other,
		"admin":          a.adminKey(),
		"person":         "",
	}}
	r, raw := rawPost(t, a, referrerWrite, privacyRegisterDoc, map[string]any{"in": map[string]any{
		"slotId": slot, "participant": zebulonInput(), "referral": zebulonReferral(), "priorityReason": "PRIO-SECRET-7731"}})
	var out privacyRegistered
	if len(r.Errors) > 0 || json.Unmarshal(r.Data, &out) != nil || out.Register.Registration == nil || out.Register.ManageToken == nil {
		t.Fatalf("the referrer registers Zébulon: %s", raw)
	}
	w.regID, w.token = out.Register.Registration.ID, *out.Register.ManageToken
	w.confirmationCode = out.Register.Registration.ConfirmationCode
	// What the job workers would have written (they do not run here): the confirmation, sent.
	a.exec(`INSERT INTO messages (registration_id, kind, channel, status, body, sent_at)
		VALUES ($1, 'CONFIRMATION', 'SMS', 'SENT', 'Inscription confirmée, Zébulon. '||$2, now())`, dbID(t, w.regID), zebulonMessage)
	// An outcome with its note, written directly: recordOutcome needs a slot under way, and the
	// matrix's slot is ahead so that the person may still cancel.
	a.exec(`UPDATE registrations SET attendance = 'PRESENT', outcome = 'NEEDS_FOLLOW_UP', outcome_note = $2,
		outcome_recorded_at = now() WHERE id = $1`, dbID(t, w.regID), zebulonOutcomeNote)
	return w
}
