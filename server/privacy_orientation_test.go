package main

import (
	"slices"
	"strings"
	"testing"
)

// A re-orientation holds the person's name and contact: only its sender (the referrer here)
// and its receiver see it, on every path; everyone else reads nothing of it, not even its
// reason, and gets null, absent or an error.
func TestPrivacyOrientations(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	w := newPrivacyWorld(t, a)
	const reason = "REORIENT-SECRET-9911"
	r, raw := rawPost(t, a, w.keys["referrer-write"], reorientDoc, map[string]any{"in": map[string]any{
		"registrationId": w.regID, "toOrganisationId": w.otherOrg, "reason": reason}})
	var out struct {
		Reorient struct{ Orientation *orientationView }
	}
	if len(r.Errors) > 0 || unmarshalData(r.Data, &out) != nil || out.Reorient.Orientation == nil {
		t.Fatalf("the referrer re-orients Zébulon: %s", raw)
	}
	id := out.Reorient.Orientation.ID
	zeb := zebulon()
	paths := map[string]struct {
		doc  string
		sees []string // the callers who read the orientation on this path
	}{
		"node":                      {`query($id: ID!) { node(id: $id) { ... on Orientation { reason person { firstName lastName phone email } } } }`, []string{"referrer-write", "referrer-read", "other-partner"}},
		"nodes":                     {`query($id: ID!) { nodes(ids: [$id]) { ... on Orientation { reason person { firstName lastName phone email } } } }`, []string{"referrer-write", "referrer-read", "other-partner"}},
		"incomingOrientations":      {`{ incomingOrientations { edges { node { reason person { firstName lastName phone email } } } } }`, []string{"other-partner"}},
		"Registration.orientations": {`query($r: ID!) { node(id: $r) { ... on Registration { orientations { reason person { firstName phone } } } } }`, []string{"referrer-write", "referrer-read"}},
	}
	for name, p := range paths {
		for caller, key := range w.keys {
			t.Run(name+"/"+caller, func(t *testing.T) {
				vars := map[string]any{}
				if strings.Contains(p.doc, "$id") {
					vars["id"] = id
				}
				if strings.Contains(p.doc, "$r") {
					vars["r"] = w.regID
				}
				r, raw := rawPost(t, a, key, p.doc, vars)
				body := string(raw)
				for _, e := range r.Errors {
					if c := e.Code(); c != "FORBIDDEN" && c != "UNAUTHENTICATED" {
						t.Fatalf("want data, FORBIDDEN or UNAUTHENTICATED, got %s", raw)
					}
				}
				switch {
				case slices.Contains(p.sees, caller):
					if !strings.Contains(body, reason) || !strings.Contains(body, "+33698765432") {
						t.Errorf("want the orientation with its reason and Zébulon's phone, got %s", raw)
					}
				case strings.Contains(body, reason):
					t.Errorf("the orientation's reason in the answer: %s", raw)
				case name != "Registration.orientations" || !strings.HasPrefix(caller, "host"):
					// The host's keys see Zébulon's registration itself, not the orientation.
					if leaks := zeb.leaks(raw); len(leaks) > 0 {
						t.Errorf("personal data %q: %s", leaks, raw)
					}
				}
			})
		}
	}
}
