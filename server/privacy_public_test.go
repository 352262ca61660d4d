package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/regiestains/ateliers/db"
)

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
