// Package calendar writes iCalendar (RFC 5545) feeds of slots, which calendar apps subscribe
// to: one event a slot, with a UID that never changes, its revision as SEQUENCE, Paris times
// with their time zone, and cancelled slots kept as STATUS:CANCELLED so that subscribers see
// them go. github.com/arran4/golang-ical writes the text: escaping, and lines folded at 75
// octets as the RFC asks.
package calendar

import (
	"fmt"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/regiestains/ateliers/db"
)

// Paris is the zone of every slot's local times.
const Paris = "Europe/Paris"

var paris = mustLoad(Paris)

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // time/tzdata is linked in by package graph's scalars; a missing zone is a build error
	}
	return l
}

// Feed is a calendar of slots, each with its workshop and venue read with it (db.With).
type Feed struct {
	Name   string    // the calendar's name, as apps show it
	Domain string    // the right-hand side of the events' UIDs: the API's host
	Now    time.Time // DTSTAMP of every event
	Slots  []db.Slot
	// URL, when not empty, is the page of a slot (its id in %d), for the events' URL.
	URL string
	// Events are the feed's other events, after its slots: bookings (ReferralEvent, OwnEvent).
	Events []Event
}

// Event is one event of a feed: a slot's time and place, with what the calendar says of it.
type Event struct {
	UID         string  // the left-hand side of the UID, unique among the API's events and never reused
	Slot        db.Slot // its times and place (with its workshop and venue)
	Sequence    int     // rises whenever the event changes in a way a calendar must show
	Cancelled   bool    // STATUS:CANCELLED
	Tentative   bool    // STATUS:TENTATIVE (a place on a waiting list), unless cancelled
	Summary     string
	Description string
	URL         string
}

// slotEvent is the event of a slot in a public feed.
func (f Feed) slotEvent(s db.Slot) Event {
	e := Event{UID: fmt.Sprintf("slot-%d", s.ID), Slot: s, Sequence: s.Revision, Cancelled: s.Status == db.SlotCancelled}
	if s.WithWorkshop != nil {
		e.Summary, e.Description = s.WithWorkshop.Title, s.WithWorkshop.Summary
	}
	if f.URL != "" {
		e.URL = fmt.Sprintf(f.URL, s.ID)
	}
	return e
}

// Write returns the feed's text.
func (f Feed) Write() string {
	cal := ics.NewCalendar()
	cal.SetProductId("-//Ateliers numériques//API//FR")
	cal.SetMethod(ics.MethodPublish)
	cal.SetXWRCalName(f.Name)
	cal.SetName(f.Name)
	cal.SetXWRTimezone(Paris)
	cal.SetRefreshInterval("PT1H")
	cal.SetXPublishedTTL("PT1H")
	cal.Components = append(cal.Components, parisZone())
	for _, s := range f.Slots {
		f.add(cal, f.slotEvent(s))
	}
	for _, e := range f.Events {
		f.add(cal, e)
	}
	return cal.Serialize(ics.WithNewLine("\r\n"))
}

// add writes event e into cal.
func (f Feed) add(cal *ics.Calendar, e Event) {
	s := e.Slot
	ev := cal.AddEvent(e.UID + "@" + f.Domain)
	ev.SetDtStampTime(f.Now)
	ev.SetProperty(ics.ComponentPropertyDtStart, s.StartsAt.In(paris).Format("20060102T150405"), ics.WithTZID(Paris))
	ev.SetProperty(ics.ComponentPropertyDtEnd, s.EndsAt.In(paris).Format("20060102T150405"), ics.WithTZID(Paris))
	ev.SetSequence(e.Sequence)
	if e.Summary != "" {
		ev.SetSummary(e.Summary)
	}
	if e.Description != "" {
		ev.SetDescription(e.Description)
	}
	if v := s.WithVenue; v != nil {
		ev.SetLocation(strings.Join([]string{v.Name, v.StreetAddress, v.PostalCode + " " + v.City}, ", "))
	}
	if e.URL != "" {
		ev.SetURL(e.URL)
	}
	switch {
	case e.Cancelled:
		ev.SetStatus(ics.ObjectStatusCancelled)
	case e.Tentative:
		ev.SetStatus(ics.ObjectStatusTentative)
	default:
		ev.SetStatus(ics.ObjectStatusConfirmed)
	}
}

// parisZone is the VTIMEZONE of Europe/Paris since 1996: CET in winter, CEST from the last
// Sunday of March to the last Sunday of October. Apps that know the zone by its name use
// theirs; the others read these rules.
func parisZone() *ics.VTimezone {
	tz := ics.NewTimezone(Paris)
	std := tz.AddStandard()
	std.SetProperty(ics.ComponentProperty(ics.PropertyTzname), "CET")
	std.SetProperty(ics.ComponentPropertyDtStart, "19961027T030000")
	std.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), "+0200")
	std.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), "+0100")
	std.SetProperty(ics.ComponentPropertyRrule, "FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU")
	day := &ics.Daylight{}
	day.SetProperty(ics.ComponentProperty(ics.PropertyTzname), "CEST")
	day.SetProperty(ics.ComponentPropertyDtStart, "19810329T020000")
	day.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetfrom), "+0100")
	day.SetProperty(ics.ComponentProperty(ics.PropertyTzoffsetto), "+0200")
	day.SetProperty(ics.ComponentPropertyRrule, "FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU")
	tz.Components = append(tz.Components, day)
	return tz
}
