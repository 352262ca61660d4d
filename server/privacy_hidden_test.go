package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

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
		"markAttendance": `mutation($id: ID!) { markAttendance(input: {id: $id, attendance: ABSENT}) {
			registration { id participant { firstName } } userErrors { field message code } } }`,
		"recordOutcome": `mutation($id: ID!) { recordOutcome(input: {id: $id, kind: OTHER, note: "OUTCOME-SECRET-0000"}) {
			registration { id outcome { kind note } } userErrors { field message code } } }`,
	}
	// Who may not see Zébulon, and what a missing id answers them.
	for _, caller := range []string{"anonymous", "host-catalogue", "other-partner", "admin"} {
		for name, q := range operations {
			if caller == "host-catalogue" && (name == "markAttendance" || name == "recordOutcome") {
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

	// Nothing changed: the host still sees Zébulon confirmed, without priority, attendance or
	// outcome changed (the world marked them PRESENT with an outcome).
	var seen struct {
		Node *struct {
			Status             string
			PriorityReason     *string
			CancellationReason *string
			Attendance         *string
			Outcome            *struct{ Kind string }
		}
	}
	a.query(w.keys["host-read"], `query($id: ID!) { node(id: $id) { ... on Registration { status priorityReason cancellationReason attendance outcome { kind } } } }`,
		map[string]any{"id": w.regID}, &seen)
	if seen.Node == nil || seen.Node.Status != "CONFIRMED" || seen.Node.CancellationReason != nil ||
		seen.Node.Attendance == nil || *seen.Node.Attendance != "PRESENT" || seen.Node.Outcome == nil || seen.Node.Outcome.Kind != "NEEDS_FOLLOW_UP" ||
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
