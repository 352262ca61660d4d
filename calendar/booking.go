package calendar

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/regiestains/ateliers/db"
)

// A booking's event has one UID whoever's calendar holds it (the referrer's, the person's own):
// registration-<id>. Its SEQUENCE is the slot's revision plus the step the registration has
// reached (waitlisted 0, confirmed 1, cancelled 2): a registration only moves forward
// (waitlisted to confirmed, either to cancelled; db/booking.go never moves one back), and a
// slot's revision only rises, so the sum rises at every change a calendar must show.

// bookingSequence is the SEQUENCE of a booking's event.
func bookingSequence(b db.Booking) int {
	step := 0
	switch b.Registration.Status {
	case db.RegistrationConfirmed:
		step = 1
	case db.RegistrationCancelled:
		step = 2
	}
	return b.Slot.Revision + step
}

// bookingEvent is what both calendars of a booking share: UID, time, place, sequence, status.
func bookingEvent(b db.Booking) Event {
	return Event{
		UID:       fmt.Sprintf("registration-%d", b.Registration.ID),
		Slot:      b.Slot,
		Sequence:  bookingSequence(b),
		Cancelled: b.Registration.Status == db.RegistrationCancelled || b.Slot.Status == db.SlotCancelled,
		Tentative: b.Registration.Status == db.RegistrationWaitlisted,
	}
}

// ReferralEvent is a booking as the calendar of the organisation that referred the person
// shows it: the workshop, and the person as "Awa D.", nothing more of them.
//
// Such a calendar syncs to the counsellor's calendar provider (Google, Microsoft, Apple) and is
// read by whoever holds its address, often shared in an agency. A first name and an initial
// are what a counsellor needs to recognise their beneficiary among a few; the last name, the
// phone, the email, the reason for the referral (it may tell a person's situation: benefits,
// health) and the partner's own reference (often the person's France Travail identifier) stay
// in the API, behind a key. The counsellor's name is the partner's own staff, and tells in a
// shared calendar whose person it is.
func ReferralEvent(b db.Booking) Event {
	e := bookingEvent(b)
	title := workshopTitle(b.Slot)
	e.Summary = title + " — " + shortName(b.Registration.Participant)
	var lines []string
	switch {
	case b.Slot.Status == db.SlotCancelled:
		lines = append(lines, "Créneau annulé par l'organisateur.")
	case b.Registration.Status == db.RegistrationCancelled:
		lines = append(lines, "Inscription annulée.")
	case b.Registration.Status == db.RegistrationWaitlisted:
		e.Summary = title + " — " + shortName(b.Registration.Participant) + " (liste d'attente)"
		lines = append(lines, "Sur la liste d'attente : la place est confirmée automatiquement si une place se libère.")
	default:
		lines = append(lines, "Inscription confirmée.")
	}
	if c := b.Registration.Referral.CounsellorName; c != nil && *c != "" {
		lines = append(lines, "Orientation : "+*c+".")
	}
	e.Description = strings.Join(lines, "\n")
	return e
}

// OwnEvent is a booking as the person's own calendar shows it (the .ics of their management
// link): the workshop, where the person stands, the code to read over the phone, and what to
// bring. Nothing of the person: it is their calendar, and may sync to a provider's cloud.
func OwnEvent(b db.Booking) Event {
	e := bookingEvent(b)
	e.Summary = workshopTitle(b.Slot)
	var lines []string
	switch {
	case b.Slot.Status == db.SlotCancelled:
		lines = append(lines, "Cet atelier est annulé.")
	case b.Registration.Status == db.RegistrationCancelled:
		lines = append(lines, "Votre inscription est annulée.")
	case b.Registration.Status == db.RegistrationWaitlisted:
		e.Summary += " (liste d'attente)"
		lines = append(lines, "Vous êtes sur la liste d'attente : si une place se libère, elle est pour vous et vous êtes prévenu·e.")
	default:
		lines = append(lines, "Votre place est confirmée.")
	}
	if b.Registration.ConfirmationCode != "" {
		lines = append(lines, "Code d'inscription : "+b.Registration.ConfirmationCode+".")
	}
	if w := b.Slot.WithWorkshop; w != nil {
		if len(w.WhatToBring) > 0 {
			lines = append(lines, "À apporter : "+strings.Join(w.WhatToBring, ", ")+".")
		}
		if w.Summary != "" {
			lines = append(lines, w.Summary)
		}
	}
	e.Description = strings.Join(lines, "\n")
	return e
}

func workshopTitle(s db.Slot) string {
	if s.WithWorkshop != nil && s.WithWorkshop.Title != "" {
		return s.WithWorkshop.Title
	}
	return "Atelier numérique"
}

// shortName is a first name and the initial of the last name ("Awa D."), or "personne
// orientée" once the registration is anonymised.
func shortName(p db.Participant) string {
	if p.FirstName == nil || *p.FirstName == "" {
		return "personne orientée"
	}
	name := *p.FirstName
	if p.LastName != nil {
		if r, _ := utf8.DecodeRuneInString(strings.TrimSpace(*p.LastName)); r != utf8.RuneError {
			name += " " + string(unicode.ToUpper(r)) + "."
		}
	}
	return name
}
