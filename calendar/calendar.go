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
		e := cal.AddEvent(fmt.Sprintf("slot-%d@%s", s.ID, f.Domain))
		e.SetDtStampTime(f.Now)
		e.SetProperty(ics.ComponentPropertyDtStart, s.StartsAt.In(paris).Format("20060102T150405"), ics.WithTZID(Paris))
		e.SetProperty(ics.ComponentPropertyDtEnd, s.EndsAt.In(paris).Format("20060102T150405"), ics.WithTZID(Paris))
		e.SetSequence(s.Revision)
		if s.WithWorkshop != nil {
			e.SetSummary(s.WithWorkshop.Title)
			if s.WithWorkshop.Summary != "" {
				e.SetDescription(s.WithWorkshop.Summary)
			}
		}
		if v := s.WithVenue; v != nil {
			e.SetLocation(strings.Join([]string{v.Name, v.StreetAddress, v.PostalCode + " " + v.City}, ", "))
		}
		if f.URL != "" {
			e.SetURL(fmt.Sprintf(f.URL, s.ID))
		}
		if s.Status == db.SlotCancelled {
			e.SetStatus(ics.ObjectStatusCancelled)
		} else {
			e.SetStatus(ics.ObjectStatusConfirmed)
		}
	}
	return cal.Serialize(ics.WithNewLine("\r\n"))
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
