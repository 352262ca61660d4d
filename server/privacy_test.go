package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// privacyMatrix is the expected outcome of each caller (rows) on each path (columns) for the
// sentinel registration: a person referred by the partner "referrer" to a public slot of "host",
// with a referral, a priority reason, an outcome with its note and, once cancelled, a
// cancellation reason. Cells:
//
//	personal         the registration with its personal data: participant, referral,
//	                 priorityReason, cancellationReason and outcome hold the sentinel values
//	object           the registration, with participant, referral, priorityReason,
//	                 cancellationReason and outcome all null
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
		if got.Participant != nil || got.Referral != nil || got.PriorityReason != nil || got.CancellationReason != nil ||
			len(got.Messages) > 0 || got.RemindersStopped != nil || got.Outcome != nil {
			t.Errorf("want participant, referral, priorityReason, cancellationReason, remindersStopped and outcome null, no messages, got %s", raw)
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
	switch o := got.Outcome; {
	case s.outcomeNote == "" && o != nil:
		t.Errorf("want no outcome, got %+v", *o)
	case s.outcomeNote != "" && (o == nil || o.Note == nil || *o.Note != s.outcomeNote):
		t.Errorf("outcome = %+v, want its note %q: %s", o, s.outcomeNote, raw)
	}
	if got.RemindersStopped == nil {
		t.Errorf("remindersStopped is null: %s", raw)
	}
	if s.message != "" && (len(got.Messages) != 1 || !strings.Contains(str(got.Messages[0].Text), s.message)) {
		t.Errorf("messages = %+v, want the confirmation saying %q", got.Messages, s.message)
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
