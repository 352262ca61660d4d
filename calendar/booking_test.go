package calendar

import (
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/regiestains/ateliers/db"
)

func ptr[T any](v T) *T { return &v }

// A referred person's booking reads back, through the independent parser, as the workshop and
// "Zoé É.": no last name, phone, email, reason or partner reference in the text; the person's
// own event has no name at all but their code and what to bring. Every state has its STATUS,
// and the SEQUENCE rises from waitlisted to confirmed to cancelled.
func TestBookingEventsCarryOnlyWhatTheirCalendarNeeds(t *testing.T) {
	start := time.Date(2027, 3, 30, 14, 0, 0, 0, paris)
	w := &db.Workshop{Title: "Démarches CAF, France Travail; et le reste", Summary: "Créer son espace, déposer ses pièces.",
		WhatToBring: []string{"pièce d'identité", "téléphone chargé"}}
	v := &db.Venue{Name: "Espace numérique de la Régie", StreetAddress: "12, rue Carnot", PostalCode: "93240", City: "Stains"}
	slot := db.Slot{ID: 7, StartsAt: start, EndsAt: start.Add(2 * time.Hour), Revision: 3, Status: db.SlotScheduled, WithWorkshop: w, WithVenue: v}
	reg := db.Registration{ID: 41, SlotID: 7, Status: db.RegistrationWaitlisted, ConfirmationCode: "K7M4QXRA",
		Participant: db.Participant{FirstName: ptr("Zoé"), LastName: ptr("éléonore-Sentinelle"), Phone: ptr("+33698765432"), Email: ptr("zoe@example.fr")},
		Referral:    db.Referral{CounsellorName: ptr("Nadia Benali"), Reason: ptr("RSA, santé fragile"), PartnerReference: ptr("FT-1234567")}}
	secrets := []string{"Sentinelle", "éléonore", "33698765432", "zoe@example.fr", "RSA", "FT-1234567"}

	states := []struct {
		name      string
		reg       db.RegistrationStatus
		slot      db.SlotStatus
		status    string
		sequence  string
		ownPhrase string
	}{
		{"waitlisted", db.RegistrationWaitlisted, db.SlotScheduled, "TENTATIVE", "3", "liste d'attente"},
		{"confirmed", db.RegistrationConfirmed, db.SlotScheduled, "CONFIRMED", "4", "Votre place est confirmée."},
		{"cancelled", db.RegistrationCancelled, db.SlotScheduled, "CANCELLED", "5", "Votre inscription est annulée."},
		{"slot cancelled", db.RegistrationCancelled, db.SlotCancelled, "CANCELLED", "6", "Cet atelier est annulé."},
	}
	for _, st := range states {
		t.Run(st.name, func(t *testing.T) {
			b := db.Booking{Registration: reg, Slot: slot}
			b.Registration.Status, b.Slot.Status = st.reg, st.slot
			if st.slot == db.SlotCancelled {
				b.Slot.Revision++ // cancelling a slot raises its revision (migration 010)
			}
			referral := readOne(t, Feed{Name: "Orientations", Domain: "api.example.fr", Now: start, Events: []Event{ReferralEvent(b)}})
			own := readOne(t, Feed{Name: "Mon atelier", Domain: "api.example.fr", Now: start, Events: []Event{OwnEvent(b)}})
			for label, e := range map[string]ical.Event{"referral": referral, "own": own} {
				if uid, _ := e.Props.Text(ical.PropUID); uid != "registration-41@api.example.fr" {
					t.Errorf("%s: UID %q", label, uid)
				}
				if s, _ := e.Props.Text(ical.PropStatus); s != st.status {
					t.Errorf("%s: STATUS %q, want %s", label, s, st.status)
				}
				if seq := e.Props.Get(ical.PropSequence).Value; seq != st.sequence {
					t.Errorf("%s: SEQUENCE %q, want %s", label, seq, st.sequence)
				}
				if got, _ := e.Props.Text(ical.PropLocation); got != "Espace numérique de la Régie, 12, rue Carnot, 93240 Stains" {
					t.Errorf("%s: LOCATION %q", label, got)
				}
				if got, err := e.DateTimeStart(nil); err != nil || !got.Equal(start) {
					t.Errorf("%s: starts %v (%v), want %v", label, got, err, start)
				}
			}
			summary, _ := referral.Props.Text(ical.PropSummary)
			if !strings.HasPrefix(summary, w.Title+" — Zoé É.") {
				t.Errorf("referral: SUMMARY %q, want the workshop and Zoé É.", summary)
			}
			description, _ := referral.Props.Text(ical.PropDescription)
			if !strings.Contains(description, "Orientation : Nadia Benali.") {
				t.Errorf("referral: DESCRIPTION %q, want the counsellor", description)
			}
			ownSummary, _ := own.Props.Text(ical.PropSummary)
			ownDescription, _ := own.Props.Text(ical.PropDescription)
			if !strings.HasPrefix(ownSummary, w.Title) || strings.Contains(ownSummary+ownDescription, "Zoé") {
				t.Errorf("own: SUMMARY %q, DESCRIPTION %q: want the workshop and no name", ownSummary, ownDescription)
			}
			for _, want := range []string{st.ownPhrase, "K7M4QXRA", "À apporter : pièce d'identité, téléphone chargé."} {
				if !strings.Contains(ownDescription, want) {
					t.Errorf("own: DESCRIPTION %q, want %q", ownDescription, want)
				}
			}
			for _, secret := range secrets {
				if strings.Contains(summary+description+ownSummary+ownDescription, secret) {
					t.Errorf("%q is in an event: %q %q / %q %q", secret, summary, description, ownSummary, ownDescription)
				}
			}
		})
	}
}

// An anonymised registration keeps its event, with no name.
func TestAnAnonymisedReferralHasNoName(t *testing.T) {
	b := db.Booking{Registration: db.Registration{ID: 1, Status: db.RegistrationConfirmed}, Slot: db.Slot{ID: 2}}
	if got := ReferralEvent(b).Summary; got != "Atelier numérique — personne orientée" {
		t.Errorf("SUMMARY %q", got)
	}
}

// readOne writes f, checks its lines are folded, and parses its one event.
func readOne(t *testing.T, f Feed) ical.Event {
	t.Helper()
	text := f.Write()
	for _, line := range strings.Split(text, "\r\n") {
		if len(line) > 75 {
			t.Errorf("a line of %d octets: %q", len(line), line)
		}
	}
	cal, err := ical.NewDecoder(strings.NewReader(text)).Decode()
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, text)
	}
	if len(cal.Events()) != 1 {
		t.Fatalf("%d events, want 1", len(cal.Events()))
	}
	return cal.Events()[0]
}
