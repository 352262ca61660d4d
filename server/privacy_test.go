package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// Who sees personal data (README, "Registering and cancelling" and "Who sees what"):
//
//   - a registration's personal data (participant, referral, priorityReason, cancellationReason)
//     is visible to the host organisation's keys with REGISTRATIONS_READ, to the organisation
//     that referred the person, and to the person through the management token; to nobody else,
//     whatever the path (node, nodes, nested connections, payloads);
//   - the public sees counts (seatsLeft, waitlistLength), never names or contacts;
//   - personal data never appears in logs or error messages;
//   - a registration one may not see answers exactly like one that does not exist.
//
// Every check looks for sentinel values (a first name like "Zébulon", a phone, an email, the
// referral's and reasons' texts) in the raw response bodies and logs, not only in decoded fields,
// so that a leak through any field, error message or extension is caught.

// privacyMatrix is the expected outcome of each caller (rows) on each path (columns) for the
// sentinel registration: a person referred by the partner "referrer" to a public slot of "host",
// with a referral, a priority reason and, once cancelled, a cancellation reason. Cells:
//
//	personal         the registration with its personal data: participant, referral,
//	                 priorityReason and cancellationReason hold the sentinel values
//	object           the registration, with participant, referral, priorityReason and
//	                 cancellationReason all null
//	null             no registration: null, or absent from the list
//	FORBIDDEN        a GraphQL error with this code (and no sentinel anywhere in the body)
//	UNAUTHENTICATED  likewise
//
// Callers:
//
//	anonymous       no API key (the public website)
//	host-read       a key of the host organisation with REGISTRATIONS_READ only
//	host-catalogue  a key of the host organisation with CATALOGUE_WRITE only
//	host-write      a key of the host organisation with REGISTRATIONS_WRITE only (books, reads nothing)
//	referrer-write  the referring partner's key with REGISTRATIONS_WRITE, which made the referral
//	referrer-read   another key of the referring partner, with REGISTRATIONS_READ only
//	other-partner   a key of another partner with REGISTRATIONS_READ and REGISTRATIONS_WRITE
//	admin           a network administrator key
//	person          the person: no API key, but the management token from the registration
//
// Paths:
//
//	node                      node(id) of the registration
//	nodes                     nodes([id])
//	slots.registrations       Query.slots → Slot.registrations
//	node(slot).registrations  node(id of the slot) → Slot.registrations
//	registration.slot.registrations
//	                          from the registration to its neighbours: node(id) → Registration.slot
//	                          → Slot.registrations (the person: registrationByToken → slot → ...)
//	referrals                 Query.referrals
//	registrationByToken       the person with their token; everyone else with a well-formed
//	                          wrong token, the confirmation code and the registration id
//	register                  the register payload, when this caller registers a new person on
//	                          the slot (partners with a referral, keys with a priority reason);
//	                          "personal" and "object" concern that new person
//
// Query.referrals needs REGISTRATIONS_READ or REGISTRATIONS_WRITE (schema), as seeing the person
// by id does: the referrer's REGISTRATIONS_WRITE key lists its referrals too. The matrix is checked twice: while the
// registration is active, and after the person cancelled it with a reason.
const privacyMatrix = `
caller          node      nodes     slots.registrations  node(slot).registrations  registration.slot.registrations  referrals        registrationByToken  register
anonymous       null      null      UNAUTHENTICATED      UNAUTHENTICATED           null                             UNAUTHENTICATED  null                 object
host-read       personal  personal  personal             personal                  personal                         null             null                 FORBIDDEN
host-catalogue  null      null      FORBIDDEN            FORBIDDEN                 null                             FORBIDDEN        null                 FORBIDDEN
host-write      null      null      FORBIDDEN            FORBIDDEN                 null                             null             null                 object
referrer-write  personal  personal  FORBIDDEN            FORBIDDEN                 FORBIDDEN                        personal         null                 personal
referrer-read   personal  personal  FORBIDDEN            FORBIDDEN                 FORBIDDEN                        personal         null                 FORBIDDEN
other-partner   null      null      FORBIDDEN            FORBIDDEN                 null                             null             null                 personal
admin           null      null      FORBIDDEN            FORBIDDEN                 null                             FORBIDDEN        null                 FORBIDDEN
person          null      null      UNAUTHENTICATED      UNAUTHENTICATED           UNAUTHENTICATED                  UNAUTHENTICATED  personal             object
`

// sentinel is a person's data as the API should return it to those who may see it, and the
// strings that betray it anywhere else (compared case-insensitively).
type sentinel struct {
	first, last, phone, email     string // phone in E.164; "" when not given
	counsellor, reason, reference string // the referral; "" when there is none
	referrerOrg                   string // global id of the referring organisation
	priority, cancellation        string // "" when expected null
	needles                       []string
}

// zebulon is the sentinel registration of the matrix and of the other tests.
func zebulon() sentinel {
	return sentinel{
		first: "Zébulon", last: "Sentinelle", phone: "+33698765432", email: "zebulon.sentinelle@example.fr",
		counsellor: "Ysolde Marchetti", reason: "ORIENT-SECRET-3307", reference: "REF-ZEB-4242",
		priority: "PRIO-SECRET-7731",
		needles: []string{"Zébulon", `Z\u00e9bulon`, "Sentinelle", "698765432", "98 76 54 32", "zebulon.sentinelle",
			"Ysolde", "Marchetti", "ORIENT-SECRET-3307", "REF-ZEB-4242", "PRIO-SECRET-7731", zebulonCancellation},
	}
}

const zebulonCancellation = "ANNUL-SECRET-5519"

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
	priorityReason cancellationReason }`

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
	return w
}

// privacyPath is one column of the matrix: a request per caller, and how to find the
// registration it is about in the response data.
type privacyPath struct {
	query string
	// queryFor, when set, replaces query for some callers.
	queryFor func(caller string) string
	vars     func(caller, phase string) []map[string]any // several requests for one cell, all alike
	find     func(data json.RawMessage) (*regView, error)
	// about returns the person the cell concerns, for the caller in the phase.
	about func(caller, phase string) sentinel
}

func (w *privacyWorld) paths() map[string]privacyPath {
	zeb := func(_, phase string) sentinel {
		s := zebulon()
		s.referrerOrg = w.referrerOrg
		if phase == "cancelled" {
			s.cancellation = zebulonCancellation
		}
		return s
	}
	one := func(v map[string]any) func(string, string) []map[string]any {
		return func(string, string) []map[string]any { return []map[string]any{v} }
	}
	inList := func(edges []struct{ Node regView }) *regView {
		for _, e := range edges {
			if e.Node.ID == w.regID {
				return &e.Node
			}
		}
		return nil
	}
	// partners register with a referral; every key asks for a priority.
	partner := func(caller string) bool {
		return slices.Contains([]string{"referrer-write", "referrer-read", "other-partner", "admin"}, caller)
	}
	newcomer := func(caller, phase string) sentinel {
		s := zephyrine(phase + "-" + caller)
		if partner(caller) {
			s.counsellor, s.reason, s.reference = "Gaspard Lenoir", "ORIENT-ZEPH", "REF-ZEPH"
			s.referrerOrg = w.orgOf(caller)
		}
		if w.keys[caller] != "" {
			s.priority = "PRIO-ZEPH"
		}
		return s
	}
	return map[string]privacyPath{
		"node": {
			query: `query($id: ID!) { node(id: $id) { ...R } } ` + regFields,
			vars:  one(map[string]any{"id": w.regID}),
			find: func(data json.RawMessage) (*regView, error) {
				var d struct{ Node *regView }
				return d.Node, unmarshalData(data, &d)
			},
			about: zeb,
		},
		"nodes": {
			query: `query($id: ID!) { nodes(ids: [$id]) { ...R } } ` + regFields,
			vars:  one(map[string]any{"id": w.regID}),
			find: func(data json.RawMessage) (*regView, error) {
				var d struct{ Nodes []*regView }
				err := unmarshalData(data, &d)
				if err == nil && len(d.Nodes) != 1 {
					err = fmt.Errorf("nodes returned %d items for 1 id", len(d.Nodes))
				}
				if err != nil {
					return nil, err
				}
				return d.Nodes[0], nil
			},
			about: zeb,
		},
		"slots.registrations": {
			query: `{ slots(first: 2) { edges { node { id registrations(first: 30) { edges { node { ...R } } } } } } } ` + regFields,
			vars:  one(nil),
			find: func(data json.RawMessage) (*regView, error) {
				var d struct {
					Slots struct {
						Edges []struct {
							Node struct {
								Registrations struct{ Edges []struct{ Node regView } }
							}
						}
					}
				}
				if err := unmarshalData(data, &d); err != nil {
					return nil, err
				}
				for _, e := range d.Slots.Edges {
					if r := inList(e.Node.Registrations.Edges); r != nil {
						return r, nil
					}
				}
				return nil, nil
			},
			about: zeb,
		},
		"node(slot).registrations": {
			query: `query($slot: ID!) { node(id: $slot) { ... on Slot { registrations(first: 40) { edges { node { ...R } } } } } } ` + regFields,
			vars:  one(map[string]any{"slot": w.slotID}),
			find: func(data json.RawMessage) (*regView, error) {
				var d struct {
					Node *struct {
						Registrations struct{ Edges []struct{ Node regView } }
					}
				}
				if err := unmarshalData(data, &d); err != nil || d.Node == nil {
					return nil, err
				}
				return inList(d.Node.Registrations.Edges), nil
			},
			about: zeb,
		},
		"registration.slot.registrations": {
			queryFor: func(caller string) string {
				const regs = `slot { registrations(first: 40) { edges { node { ...R } } } }`
				if caller == "person" {
					return `query($t: String!) { registrationByToken(token: $t) { ` + regs + ` } } ` + regFields
				}
				return `query($id: ID!) { node(id: $id) { ... on Registration { ` + regs + ` } } } ` + regFields
			},
			vars: one(map[string]any{"id": w.regID, "t": w.token}),
			find: func(data json.RawMessage) (*regView, error) {
				type reg struct {
					Slot struct {
						Registrations struct{ Edges []struct{ Node regView } }
					}
				}
				var d struct{ Node, RegistrationByToken *reg }
				if err := unmarshalData(data, &d); err != nil {
					return nil, err
				}
				for _, r := range []*reg{d.Node, d.RegistrationByToken} {
					if r != nil {
						return inList(r.Slot.Registrations.Edges), nil
					}
				}
				return nil, nil
			},
			about: zeb,
		},
		"referrals": {
			query: `{ referrals(first: 40) { edges { node { ...R } } } } ` + regFields,
			vars:  one(nil),
			find: func(data json.RawMessage) (*regView, error) {
				var d struct {
					Referrals struct{ Edges []struct{ Node regView } }
				}
				if err := unmarshalData(data, &d); err != nil {
					return nil, err
				}
				return inList(d.Referrals.Edges), nil
			},
			about: zeb,
		},
		"registrationByToken": {
			query: `query($t: String!) { registrationByToken(token: $t) { ...R } } ` + regFields,
			vars: func(caller, _ string) []map[string]any {
				if caller == "person" {
					return []map[string]any{{"t": w.token}}
				}
				wrong := base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
				return []map[string]any{{"t": wrong}, {"t": w.confirmationCode}, {"t": w.regID}}
			},
			find: func(data json.RawMessage) (*regView, error) {
				var d struct{ RegistrationByToken *regView }
				return d.RegistrationByToken, unmarshalData(data, &d)
			},
			about: zeb,
		},
		"register": {
			query: privacyRegisterDoc,
			vars: func(caller, phase string) []map[string]any {
				s := zephyrine(phase + "-" + caller)
				in := map[string]any{"slotId": w.slotID, "participant": map[string]any{
					"firstName": s.first, "lastName": s.last, "email": s.email, "consent": true, "consentVersion": "2026-11"}}
				if partner(caller) {
					in["referral"] = map[string]any{"counsellorName": "Gaspard Lenoir", "reason": "ORIENT-ZEPH", "partnerReference": "REF-ZEPH"}
				}
				if w.keys[caller] != "" {
					in["priorityReason"] = "PRIO-ZEPH"
				}
				return []map[string]any{{"in": in}}
			},
			find: func(data json.RawMessage) (*regView, error) {
				var d privacyRegistered
				if err := unmarshalData(data, &d); err != nil {
					return nil, err
				}
				if len(d.Register.UserErrors) > 0 {
					return nil, fmt.Errorf("register refused: %+v", d.Register.UserErrors)
				}
				return d.Register.Registration, nil
			},
			about: newcomer,
		},
	}
}

// orgOf returns the global id of the organisation of a partner caller.
func (w *privacyWorld) orgOf(caller string) string {
	switch caller {
	case "referrer-write", "referrer-read":
		return w.referrerOrg
	case "other-partner":
		return w.otherOrg
	}
	return ""
}

// parseMatrix reads privacyMatrix: the column names and, per caller, the cell per path.
func parseMatrix(t *testing.T) (callers, paths []string, cells map[string]map[string]string) {
	t.Helper()
	cells = map[string]map[string]string{}
	valid := []string{"personal", "object", "null", "FORBIDDEN", "UNAUTHENTICATED"}
	for _, line := range strings.Split(strings.TrimSpace(privacyMatrix), "\n") {
		f := strings.Fields(line)
		if paths == nil {
			paths = f[1:]
			continue
		}
		if len(f) != len(paths)+1 {
			t.Fatalf("matrix row %q has %d cells, want %d", f[0], len(f)-1, len(paths))
		}
		callers = append(callers, f[0])
		cells[f[0]] = map[string]string{}
		for i, c := range f[1:] {
			if !slices.Contains(valid, c) {
				t.Fatalf("matrix cell %s × %s: %q is not one of %v", f[0], paths[i], c, valid)
			}
			cells[f[0]][paths[i]] = c
		}
	}
	return callers, paths, cells
}

// checkCell compares one response with the expected cell, for the person s.
func checkCell(t *testing.T, want string, r response, raw []byte, find func(json.RawMessage) (*regView, error), s sentinel) {
	t.Helper()
	got, err := find(r.Data)
	switch want {
	case "FORBIDDEN", "UNAUTHENTICATED":
		if len(r.Errors) == 0 {
			t.Errorf("want %s, got no error: %s", want, raw)
		}
		for _, e := range r.Errors {
			if e.Code() != want {
				t.Errorf("want every error to be %s, got %s (%q)", want, e.Code(), e.Message)
			}
		}
		if err == nil && got != nil {
			t.Errorf("want %s, yet the registration is in the data: %s", want, raw)
		}
	default:
		if len(r.Errors) > 0 {
			t.Fatalf("want %s, got errors %+v", want, r.Errors)
		}
		if err != nil {
			t.Fatalf("want %s: %v in %s", want, err, raw)
		}
	}
	switch want {
	case "null":
		if got != nil {
			t.Errorf("want no registration, got %s", raw)
		}
	case "object":
		if got == nil {
			t.Fatalf("want the registration without personal data, got none: %s", raw)
		}
		if got.Participant != nil || got.Referral != nil || got.PriorityReason != nil || got.CancellationReason != nil {
			t.Errorf("want participant, referral, priorityReason and cancellationReason null, got %s", raw)
		}
	case "personal":
		if got == nil {
			t.Fatalf("want the registration with personal data, got none: %s", raw)
		}
		checkPersonal(t, got, s, raw)
		return // the sentinels are expected in this body
	}
	if leaks := s.leaks(raw); len(leaks) > 0 {
		t.Errorf("personal data %q in a %s response: %s", leaks, want, raw)
	}
}

// checkPersonal compares every personal field with the person's data.
func checkPersonal(t *testing.T, got *regView, s sentinel, raw []byte) {
	t.Helper()
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	if p := got.Participant; p == nil {
		t.Errorf("participant is null: %s", raw)
	} else if str(p.FirstName) != s.first || str(p.LastName) != s.last || str(p.Phone) != s.phone || str(p.Email) != s.email {
		t.Errorf("participant = %q %q %q %q, want %q %q %q %q", str(p.FirstName), str(p.LastName), str(p.Phone), str(p.Email),
			s.first, s.last, s.phone, s.email)
	}
	switch f := got.Referral; {
	case s.counsellor == "" && f != nil:
		t.Errorf("want no referral, got %+v", *f)
	case s.counsellor != "" && f == nil:
		t.Errorf("referral is null: %s", raw)
	case s.counsellor != "" && (f.CounsellorName != s.counsellor || str(f.Reason) != s.reason ||
		str(f.PartnerReference) != s.reference || f.Organisation.ID != s.referrerOrg):
		t.Errorf("referral = %+v, want %q %q %q from %s", *f, s.counsellor, s.reason, s.reference, s.referrerOrg)
	}
	if str(got.PriorityReason) != s.priority || (s.priority == "") != (got.PriorityReason == nil) {
		t.Errorf("priorityReason = %q, want %q", str(got.PriorityReason), s.priority)
	}
	if str(got.CancellationReason) != s.cancellation || (s.cancellation == "") != (got.CancellationReason == nil) {
		t.Errorf("cancellationReason = %q, want %q", str(got.CancellationReason), s.cancellation)
	}
}

// TestPrivacyMatrix checks every caller × path of privacyMatrix, while the sentinel
// registration is active, then once the person has cancelled it with a reason.
func TestPrivacyMatrix(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	w := newPrivacyWorld(t, a)
	callers, pathNames, cells := parseMatrix(t)
	paths := w.paths()
	for _, c := range callers {
		if _, ok := w.keys[c]; !ok {
			t.Fatalf("matrix caller %q is not defined by the test", c)
		}
	}
	for _, p := range pathNames {
		if _, ok := paths[p]; !ok {
			t.Fatalf("matrix path %q is not defined by the test", p)
		}
	}
	if len(callers) != len(w.keys) || len(pathNames) != len(paths) {
		t.Fatalf("the matrix has %d callers and %d paths, the test defines %d and %d", len(callers), len(pathNames), len(w.keys), len(paths))
	}

	for _, phase := range []string{"active", "cancelled"} {
		if phase == "cancelled" {
			// The person cancels with the token: the payload is theirs, with their data.
			r, raw := rawPost(t, a, "", `mutation($in: CancelRegistrationInput!) { cancelRegistration(input: $in) {
				registration { ...R } userErrors { field message code } } } `+regFields,
				map[string]any{"in": map[string]any{"token": w.token, "reason": zebulonCancellation}})
			var d struct {
				CancelRegistration struct {
					Registration *regView
					UserErrors   []userError
				}
			}
			if len(r.Errors) > 0 || unmarshalData(r.Data, &d) != nil || d.CancelRegistration.Registration == nil {
				t.Fatalf("the person cancels with the token: %s", raw)
			}
			s := paths["node"].about("person", phase)
			checkPersonal(t, d.CancelRegistration.Registration, s, raw)
		}
		for _, caller := range callers {
			for _, pathName := range pathNames {
				want, p := cells[caller][pathName], paths[pathName]
				t.Run(phase+"/"+caller+"/"+pathName, func(t *testing.T) {
					for _, vars := range p.vars(caller, phase) {
						q := p.query
						if p.queryFor != nil {
							q = p.queryFor(caller)
						}
						r, raw := rawPost(t, a, w.keys[caller], q, vars)
						checkCell(t, want, r, raw, p.find, p.about(caller, phase))
					}
				})
			}
		}
	}
}

// TestPrivacyPublicSeesAvailabilityNeverWhoRegistered: the public website reads every field of
// a slot with registrations, reserved seats and a waiting list. It gets the counts; asking for
// the registrations is an error, on every path to the slot; no name or contact is in any body.
func TestPrivacyPublicSeesAvailabilityNeverWhoRegistered(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostKey, slot := a.bookable("host", 2)
	referrerOrg, referrer := a.org("referrer", db.ScopeRegistrationsWrite)
	var reserved struct {
		ReserveSeats struct{ UserErrors []userError }
	}
	a.query(hostKey, `mutation($in: ReserveSeatsInput!) { reserveSeats(input: $in) { userErrors { field message code } } }`,
		map[string]any{"in": map[string]any{"slotId": slot, "organisationId": referrerOrg, "seats": 1}}, &reserved)
	if len(reserved.ReserveSeats.UserErrors) > 0 {
		t.Fatalf("reserveSeats: %+v", reserved.ReserveSeats.UserErrors)
	}
	// Zébulon takes the partner's reserved seat, a resident the last seat, another the waiting list.
	registrations := []struct {
		key string
		in  map[string]any
	}{
		{referrer, map[string]any{"slotId": slot, "participant": zebulonInput(), "referral": zebulonReferral(), "priorityReason": "PRIO-SECRET-7731"}},
		{"", map[string]any{"slotId": slot, "participant": map[string]any{"firstName": "Zéphyrine", "lastName": "Quenouille",
			"email": "zephyrine.quenouille+1@example.fr", "consent": true, "consentVersion": "2026-11"}}},
		{"", map[string]any{"slotId": slot, "joinWaitlist": true, "participant": map[string]any{"firstName": "Zéphyrine", "lastName": "Quenouille",
			"email": "zephyrine.quenouille+2@example.fr", "consent": true, "consentVersion": "2026-11"}}},
	}
	for i, reg := range registrations {
		r, raw := rawPost(t, a, reg.key, privacyRegisterDoc, map[string]any{"in": reg.in})
		var out privacyRegistered
		if len(r.Errors) > 0 || unmarshalData(r.Data, &out) != nil || out.Register.Registration == nil {
			t.Fatalf("registration %d: %s", i, raw)
		}
	}
	zeb, zeph := zebulon(), zephyrine("")
	noLeak := func(t *testing.T, raw []byte) {
		t.Helper()
		for _, s := range []sentinel{zeb, zeph} {
			if leaks := s.leaks(raw); len(leaks) > 0 {
				t.Errorf("personal data %q in an anonymous response: %s", leaks, raw)
			}
		}
	}

	const slotAll = `id workshop { id title } venue { id name postalCode } startsAt endsAt capacity status
		cancellationReason visibility registrationOpensAt registrationClosesAt facilitatorName seatsTaken
		seatsReserved seatsLeft waitlistLength isOpenForRegistration
		allocations { id label seats seatsTaken releaseAt releasedAt organisation { id name } slot { id } }`
	const regs = `registrations(first: 20) { edges { cursor node { id status confirmationCode waitlistPosition
		participant { firstName lastName phone email postalCode } referral { counsellorName reason partnerReference }
		priorityReason cancellationReason } } pageInfo { hasNextPage } }`

	t.Run("counts without registrations", func(t *testing.T) {
		r, raw := rawPost(t, a, "", `{ slots(first: 5) { edges { node { `+slotAll+` } } } }`, nil)
		if len(r.Errors) > 0 {
			t.Fatalf("anonymous slots: %+v", r.Errors)
		}
		noLeak(t, raw)
		var d struct {
			Slots struct {
				Edges []struct {
					Node struct {
						ID                                                   string
						SeatsTaken, SeatsReserved, SeatsLeft, WaitlistLength int
						Allocations                                          []json.RawMessage
					}
				}
			}
		}
		if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Slots.Edges) != 1 {
			t.Fatalf("want the one slot, got %s (%v)", raw, err)
		}
		n := d.Slots.Edges[0].Node
		if n.ID != slot || n.SeatsTaken != 2 || n.SeatsReserved != 0 || n.SeatsLeft != 0 || n.WaitlistLength != 1 {
			t.Errorf("want seatsTaken 2, seatsReserved 0, seatsLeft 0, waitlistLength 1, got %+v", n)
		}
		if len(n.Allocations) != 0 {
			t.Errorf("the public sees reservations: %s", raw)
		}
	})

	for name, q := range map[string]string{
		"slots":                      `{ slots(first: 4) { edges { node { ` + slotAll + ` ` + regs + ` } } } }`,
		"node(slot)":                 `query($slot: ID!) { node(id: $slot) { ... on Slot { ` + slotAll + ` ` + regs + ` } } }`,
		"nodes([slot])":              `query($slot: ID!) { nodes(ids: [$slot]) { ... on Slot { ` + slotAll + ` ` + regs + ` } } }`,
		"workshops.slots":            `{ workshops(first: 2) { edges { node { id slots(first: 2) { edges { node { id ` + regs + ` } } } } } } }`,
		"venues.slots":               `{ venues(first: 2) { edges { node { id slots(first: 2) { edges { node { id ` + regs + ` } } } } } } }`,
		"registrations only":         `query($slot: ID!) { node(id: $slot) { ... on Slot { ` + regs + ` } } }`,
		"registrations, no personal": `query($slot: ID!) { node(id: $slot) { ... on Slot { registrations { edges { node { id status } } } } } }`,
	} {
		t.Run(name, func(t *testing.T) {
			r, raw := rawPost(t, a, "", q, map[string]any{"slot": slot})
			if len(r.Errors) == 0 {
				t.Errorf("the public read a slot's registrations: %s", raw)
			}
			for _, e := range r.Errors {
				if e.Code() != "UNAUTHENTICATED" {
					t.Errorf("want UNAUTHENTICATED, got %s (%q)", e.Code(), e.Message)
				}
			}
			if strings.Contains(string(r.Data), `"registrations":{`) {
				t.Errorf("the data holds registrations: %s", raw)
			}
			noLeak(t, raw)
		})
	}
}

// messagesIn returns every "message" string of a JSON body: errors and userErrors alike.
func messagesIn(raw []byte) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return []string{string(raw)}
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "message" {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// TestPrivacyNeverInLogsOrErrorMessages runs a scenario full of personal data, refusals and
// errors, with the server's log captured; no sentinel may appear in the log, in any error
// message, or anywhere in the body of a refusal. Not parallel: it swaps the default logger.
func TestPrivacyNeverInLogsOrErrorMessages(t *testing.T) {
	logs := captureLogs(t)
	a := newTestAPI(t)
	hostKey, slot := a.bookable("host", 1)
	catalogueOnly := anotherKey(t, a, globalID("Organisation", orgID(t, a, "host")), db.ScopeCatalogueWrite)
	_, referrer := a.org("referrer", db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite)
	_, other := a.org("other", db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite)
	zeb := zebulon()

	requests := 0
	// refusal: the whole body must be free of personal data; any body: its messages must be.
	type answer struct {
		label   string
		raw     []byte
		refusal bool
	}
	var answers []answer
	call := func(label, key, query string, vars map[string]any, refusal bool) (response, []byte) {
		t.Helper()
		r, raw := rawPost(t, a, key, query, vars)
		requests++
		answers = append(answers, answer{label, raw, refusal})
		return r, raw
	}
	register := func(label, key string, in map[string]any, refusal bool) privacyRegistered {
		t.Helper()
		r, raw := call(label, key, privacyRegisterDoc, map[string]any{"in": in}, refusal)
		var out privacyRegistered
		if len(r.Errors) > 0 || unmarshalData(r.Data, &out) != nil {
			t.Fatalf("%s: %s", label, raw)
		}
		return out
	}
	wantCode := func(label string, got privacyRegistered, code string) {
		t.Helper()
		if len(got.Register.UserErrors) == 0 || got.Register.UserErrors[0].Code != code {
			t.Errorf("%s: want %s, got %+v", label, code, got.Register.UserErrors)
		}
	}
	withParticipant := func(changes map[string]any) map[string]any {
		p := zebulonInput()
		for k, v := range changes {
			p[k] = v
		}
		return map[string]any{"slotId": slot, "participant": p}
	}

	// A partner's referral: Zébulon takes the only seat.
	in := withParticipant(nil)
	in["referral"], in["priorityReason"] = zebulonReferral(), "PRIO-SECRET-7731"
	first := register("referral", referrer, in, false)
	if first.Register.Registration == nil || first.Register.ManageToken == nil {
		t.Fatalf("the referral is refused: %+v", first.Register.UserErrors)
	}
	token, regID := *first.Register.ManageToken, first.Register.Registration.ID

	// Refusals with the person's data in the input.
	// The slot is full: joinWaitlist takes the requests to the insert, where the person is found.
	in["idempotencyKey"], in["joinWaitlist"] = "privacy-retry-key-0001", true
	wantCode("the same person again, by the partner", register("again by the partner", referrer, in, true), "ALREADY_REGISTERED")
	again := withParticipant(map[string]any{"email": nil})
	again["joinWaitlist"] = true
	wantCode("the same person again, by the public", register("again by the public", "", again, true), "ALREADY_REGISTERED")
	wantCode("phone with a digit too many", register("invalid phone", "", withParticipant(map[string]any{"phone": "06 98 76 54 32 1"}), true), "INVALID_PHONE")
	wantCode("phone with letters", register("invalid phone letters", "", withParticipant(map[string]any{"phone": "0698765432zebulon"}), true), "INVALID_PHONE")
	wantCode("invalid email", register("invalid email", "", withParticipant(map[string]any{"email": "zebulon.sentinelle@@example.fr"}), true), "INVALID_EMAIL")
	wantCode("no consent", register("no consent", "", withParticipant(map[string]any{"consent": false, "phone": "06 98 76 54 33", "email": nil}), true), "CONSENT_REQUIRED")
	wantCode("full slot", register("full", "", withParticipant(map[string]any{"phone": "06 98 76 54 34", "email": nil}), true), "SLOT_FULL")
	// A name PostgreSQL cannot store (a NUL byte): whatever the answer, the log must not quote it.
	nul := withParticipant(map[string]any{"firstName": "Zébulon\x00", "phone": "06 98 76 54 35", "email": nil})
	nul["joinWaitlist"] = true
	call("NUL in the name", "", privacyRegisterDoc, map[string]any{"in": nul}, true)
	// Forbidden and unauthenticated paths to the person.
	call("node by another partner", other, `query($id: ID!) { node(id: $id) { ...R } } `+regFields, map[string]any{"id": regID}, true)
	call("slot registrations by a catalogue key", catalogueOnly,
		`query($s: ID!) { node(id: $s) { ... on Slot { registrations { edges { node { ...R } } } } } } `+regFields, map[string]any{"s": slot}, true)
	call("referrals by the public", "", `{ referrals { edges { node { ...R } } } } `+regFields, nil, true)
	call("cancel by another partner", other, `mutation($in: CancelRegistrationInput!) { cancelRegistration(input: $in) {
		registration { ...R } userErrors { field message code } } } `+regFields,
		map[string]any{"in": map[string]any{"id": regID, "reason": zebulonCancellation}}, true)
	// Reads allowed to see the person: their data is in the body, never in the log.
	call("the host reads the slot", hostKey,
		`query($s: ID!) { node(id: $s) { ... on Slot { registrations { edges { node { ...R } } } } } } `+regFields, map[string]any{"s": slot}, false)
	call("the partner lists its referrals", referrer, `{ referrals { edges { node { ...R } } } } `+regFields, nil, false)
	// The person cancels with the token, then uses the cancelled token again.
	cancel := `mutation($in: CancelRegistrationInput!) { cancelRegistration(input: $in) {
		registration { ...R } userErrors { field message code } } } ` + regFields
	call("cancel by token", "", cancel, map[string]any{"in": map[string]any{"token": token, "reason": zebulonCancellation}}, false)
	r, raw := call("cancel again with the cancelled token", "", cancel,
		map[string]any{"in": map[string]any{"token": token, "reason": zebulonCancellation}}, true)
	if !strings.Contains(string(raw), "ALREADY_CANCELLED") {
		t.Errorf("a cancelled token cancels again: %s (%+v)", raw, r.Errors)
	}
	call("the cancelled token opens the registration", "", `query($t: String!) { registrationByToken(token: $t) { ...R } } `+regFields,
		map[string]any{"t": token}, false)
	call("cancel with a wrong token", "", cancel, map[string]any{"in": map[string]any{"token": token + "x", "reason": zebulonCancellation}}, true)

	// Bodies that are not one JSON operation, holding the person's data.
	vars, _ := json.Marshal(map[string]any{"in": withParticipant(nil)})
	for label, body := range map[string]string{
		"truncated JSON":  `{"query": "mutation($in: RegisterInput!) { register(input: $in) { userErrors { code } } }", "variables": ` + string(vars[:len(vars)-3]),
		"JSON array":      `[{"query": "{ viewer { isAnonymous } }", "variables": ` + string(vars) + `}]`,
		"variables array": `{"query": "mutation($in: RegisterInput!) { register(input: $in) { userErrors { code } } }", "variables": [` + string(vars) + `]}`,
		"not JSON":        `query=Zébulon Sentinelle 06 98 76 54 32`,
	} {
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		_, raw := rawSend(t, req)
		requests++
		answers = append(answers, answer{label, raw, true})
	}
	// GET: the query string holds the token and the phone; the log line has only the path.
	for label, q := range map[string]string{
		"GET with the token":   `{ registrationByToken(token: "` + token + `") { id participant { firstName } } }`,
		"GET with a mutation":  `mutation { register(input: {slotId: "` + slot + `", participant: {firstName: "Zébulon", lastName: "Sentinelle", phone: "06 98 76 54 32", consent: true, consentVersion: "1"}}) { userErrors { code } } }`,
		"GET with a bad query": `{ registrationByToken(token: "06 98 76 54 32 Zébulon") { id }`,
	} {
		req, _ := http.NewRequest(http.MethodGet, a.URL+"/graphql?query="+url.QueryEscape(q), nil)
		_, raw := rawSend(t, req)
		requests++
		answers = append(answers, answer{label, raw, label != "GET with the token"})
	}

	for _, ans := range answers {
		for _, m := range messagesIn(ans.raw) {
			if leaks := zeb.leaks([]byte(m)); len(leaks) > 0 {
				t.Errorf("%s: an error message holds personal data %q: %q", ans.label, leaks, m)
			}
		}
		if leaks := zeb.leaks(ans.raw); ans.refusal && len(leaks) > 0 {
			t.Errorf("%s: a refusal holds personal data %q: %s", ans.label, leaks, ans.raw)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "msg=request"); n < requests {
		t.Fatalf("the log captured %d request lines for %d requests: is the capture working?\n%s", n, requests, out)
	}
	if leaks := zeb.leaks([]byte(out)); len(leaks) > 0 {
		t.Errorf("personal data %q in the server's log:\n%s", leaks, out)
	}
	if strings.Contains(out, token) {
		t.Errorf("a management token in the server's log:\n%s", out)
	}
	t.Logf("captured %d log lines for %d requests", strings.Count(out, "\n"), requests)
}

// TestPrivacyErrorMessagesNeverQuoteTheRequest: the GraphQL layer's own errors (variable
// coercion, validation, parsing) must not quote personal data a client put in the wrong place:
// "Personal data ... never in logs, error messages" (README, "Limits and errors"), as decode errors already do not.
func TestPrivacyErrorMessagesNeverQuoteTheRequest(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, slot := a.bookable("host", 5)
	zeb := zebulon()
	registerWith := func(participant string) string {
		return `mutation { register(input: {slotId: "` + slot + `", participant: {` + participant + `}}) { userErrors { code } } }`
	}
	for name, c := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"phone in an enum variable": {privacyRegisterDoc, map[string]any{"in": map[string]any{"slotId": slot,
			"participant": map[string]any{"firstName": "Zébulon", "lastName": "Sentinelle", "preferredChannel": "06 98 76 54 32",
				"consent": true, "consentVersion": "2026-11"}}}},
		"name in a boolean variable": {privacyRegisterDoc, map[string]any{"in": map[string]any{"slotId": slot,
			"participant": map[string]any{"firstName": "x", "lastName": "y", "phone": "+33612345678", "hasComputer": "Zébulon Sentinelle",
				"consent": true, "consentVersion": "2026-11"}}}},
		"phone as a number literal": {registerWith(`firstName: "x", lastName: "y", phone: 698765432, consent: true, consentVersion: "1"`), nil},
		"name as an enum literal":   {registerWith(`firstName: "x", lastName: "y", phone: "+33612345678", ageBracket: Sentinelle, consent: true, consentVersion: "1"`), nil},
		"syntax error at the name":  {registerWith(`firstName: "x" "Zébulon Sentinelle", lastName: "y", consent: true, consentVersion: "1"`), nil},
	} {
		t.Run(name, func(t *testing.T) {
			r, raw := rawPost(t, a, "", c.query, c.vars)
			if len(r.Errors) == 0 {
				t.Fatalf("want an error, got %s", raw)
			}
			if leaks := zeb.leaks(raw); len(leaks) > 0 {
				t.Errorf("the error quotes personal data %q from the request: %s", leaks, raw)
			}
		})
	}
}

// TestPrivacyHiddenRegistrationsAnswerLikeMissingOnes: a registration the caller may not see
// answers exactly like an id that does not exist: node and nodes give null, the mutations by id
// give the same NOT_FOUND userError (or the same refusal), and nothing changes.
func TestPrivacyHiddenRegistrationsAnswerLikeMissingOnes(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	w := newPrivacyWorld(t, a)
	missing := base64.RawURLEncoding.EncodeToString([]byte("Registration:987654"))
	zeb := zebulon()

	const cancel = `mutation($id: ID!) { cancelRegistration(input: {id: $id, reason: "ANNUL-SECRET-5519"}) {
		registration { id status participant { firstName } } userErrors { field message code } } }`
	operations := map[string]string{
		"node":               `query($id: ID!) { node(id: $id) { id ... on Registration { status participant { firstName phone } } } }`,
		"nodes":              `query($id: ID!) { nodes(ids: [$id]) { id ... on Registration { status participant { firstName phone } } } }`,
		"cancelRegistration": cancel,
		"setRegistrationPriority": `mutation($id: ID!) { setRegistrationPriority(input: {id: $id, priority: true, reason: "PRIO-SECRET-0000"}) {
			registration { id participant { firstName } } userErrors { field message code } } }`,
		"markAttendance": `mutation($id: ID!) { markAttendance(input: {id: $id, attendance: PRESENT}) {
			registration { id participant { firstName } } userErrors { field message code } } }`,
	}
	// Who may not see Zébulon, and what a missing id answers them.
	for _, caller := range []string{"anonymous", "host-catalogue", "other-partner", "admin"} {
		for name, q := range operations {
			if caller == "host-catalogue" && name == "markAttendance" {
				continue // the host's own key is told it lacks ATTENDANCE_WRITE on its own slot: not a leak
			}
			t.Run(caller+"/"+name, func(t *testing.T) {
				hidden, hiddenRaw := rawPost(t, a, w.keys[caller], q, map[string]any{"id": w.regID})
				_, missingRaw := rawPost(t, a, w.keys[caller], q, map[string]any{"id": missing})
				if !bytes.Equal(hiddenRaw, missingRaw) {
					t.Errorf("a hidden registration answers differently from a missing one:\nhidden:  %s\nmissing: %s", hiddenRaw, missingRaw)
				}
				if leaks := zeb.leaks(hiddenRaw); len(leaks) > 0 {
					t.Errorf("personal data %q: %s", leaks, hiddenRaw)
				}
				switch {
				case name == "node" || name == "nodes":
					want := map[string]string{"node": `{"node":null}`, "nodes": `{"nodes":[null]}`}[name]
					if len(hidden.Errors) > 0 || string(hidden.Data) != want {
						t.Errorf("want data %s and no error, got %s", want, hiddenRaw)
					}
				case caller == "anonymous":
					if len(hidden.Errors) == 0 || hidden.Errors[0].Code() != "UNAUTHENTICATED" {
						t.Errorf("want UNAUTHENTICATED before any lookup, got %s", hiddenRaw)
					}
				default:
					var d map[string]struct {
						Registration *json.RawMessage
						UserErrors   []userError
					}
					if len(hidden.Errors) > 0 || json.Unmarshal(hidden.Data, &d) != nil {
						t.Fatalf("want a NOT_FOUND userError, got %s", hiddenRaw)
					}
					p := d[name]
					if p.Registration != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != "NOT_FOUND" {
						t.Errorf("want registration null and one NOT_FOUND userError, got %s", hiddenRaw)
					}
				}
			})
		}
	}

	// Nothing changed: the host still sees Zébulon confirmed, without priority change or attendance.
	var seen struct {
		Node *struct {
			Status             string
			PriorityReason     *string
			CancellationReason *string
			Attendance         *string
		}
	}
	a.query(w.keys["host-read"], `query($id: ID!) { node(id: $id) { ... on Registration { status priorityReason cancellationReason attendance } } }`,
		map[string]any{"id": w.regID}, &seen)
	if seen.Node == nil || seen.Node.Status != "CONFIRMED" || seen.Node.CancellationReason != nil || seen.Node.Attendance != nil ||
		seen.Node.PriorityReason == nil || *seen.Node.PriorityReason != "PRIO-SECRET-7731" {
		t.Errorf("refused mutations changed the registration: %+v", seen.Node)
	}

	// The token is the only way in: neither the confirmation code nor the id open it.
	for _, guess := range []string{w.confirmationCode, w.regID, missing, strings.ToLower(w.confirmationCode)} {
		r, raw := rawPost(t, a, "", `query($t: String!) { registrationByToken(token: $t) { id participant { firstName } } }`, map[string]any{"t": guess})
		if len(r.Errors) > 0 || string(r.Data) != `{"registrationByToken":null}` {
			t.Errorf("registrationByToken(%q) = %s, want null", guess, raw)
		}
	}
}
