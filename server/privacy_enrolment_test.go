package main

import (
	"slices"
	"strings"
	"testing"
)

// An enrolment is a person's course: its steps lead to their registrations, so only those who
// see the registrations' personal data see it (the host's REGISTRATIONS_READ keys, the
// referrer's keys); everyone else gets null, absent or an error, and no personal data.
func TestPrivacyEnrolments(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	w := newPrivacyWorld(t, a)
	at := a.withT(t)
	var slot struct {
		Node struct{ Workshop, Venue struct{ ID string } }
	}
	at.query("", `query($id: ID!) { node(id: $id) { ... on Slot { workshop { id } venue { id } } } }`, map[string]any{"id": w.slotID}, &slot)
	catalogue := w.keys["host-catalogue"]
	programme := at.create(catalogue, "createProgramme", "CreateProgrammeInput", "programme", map[string]any{
		"title": "Parcours", "workshopIds": []string{slot.Node.Workshop.ID}, "status": "PUBLISHED"})
	second := at.slot(catalogue, slot.Node.Workshop.ID, slot.Node.Venue.ID, "2032-03-02T14:00", nil)
	r, raw := rawPost(t, a, w.keys["referrer-write"], `mutation($in: EnrolInput!) { enrol(input: $in) { enrolment { id } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"programmeId": programme, "slotIds": []string{second}, "participant": zebulonInput(), "referral": zebulonReferral()}})
	var out struct {
		Enrol struct{ Enrolment *struct{ ID string } }
	}
	if len(r.Errors) > 0 || unmarshalData(r.Data, &out) != nil || out.Enrol.Enrolment == nil {
		t.Fatalf("the referrer enrols Zébulon: %s", raw)
	}
	id := out.Enrol.Enrolment.ID
	zeb := zebulon()
	const steps = `steps { registration { participant { firstName lastName phone email } referral { counsellorName } } registrations { participant { phone } } }`
	readers := []string{"host-read", "referrer-write", "referrer-read"}
	paths := map[string]string{
		"node":       `query($id: ID!) { node(id: $id) { ... on Enrolment { id ` + steps + ` } } }`,
		"nodes":      `query($id: ID!) { nodes(ids: [$id]) { ... on Enrolment { id ` + steps + ` } } }`,
		"enrolments": `{ enrolments { edges { node { id ` + steps + ` } } } }`,
	}
	for name, doc := range paths {
		for caller, key := range w.keys {
			t.Run(name+"/"+caller, func(t *testing.T) {
				vars := map[string]any{}
				if strings.Contains(doc, "$id") {
					vars["id"] = id
				}
				r, raw := rawPost(t, a, key, doc, vars)
				for _, e := range r.Errors {
					if c := e.Code(); c != "FORBIDDEN" && c != "UNAUTHENTICATED" {
						t.Fatalf("want data, FORBIDDEN or UNAUTHENTICATED, got %s", raw)
					}
				}
				body := string(raw)
				if slices.Contains(readers, caller) {
					if !strings.Contains(body, id) || !strings.Contains(body, "+33698765432") || !strings.Contains(body, "Ysolde Marchetti") {
						t.Errorf("want the enrolment with Zébulon's phone and referral, got %s", raw)
					}
					return
				}
				if strings.Contains(body, id) {
					t.Errorf("the enrolment in the answer: %s", raw)
				}
				if leaks := zeb.leaks(raw); len(leaks) > 0 {
					t.Errorf("personal data %q: %s", leaks, raw)
				}
			})
		}
	}
}
