package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
)

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
	zeb := func(caller, phase string) sentinel {
		s := zebulon()
		s.referrerOrg = w.referrerOrg
		if phase == "cancelled" {
			s.cancellation = zebulonCancellation
		}
		if caller == "person" {
			s.outcomeNote = "" // the outcome is for the host and the referrer, not on the person's link
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
