// Package schemaorg writes a public slot as a schema.org Event in JSON-LD: the text a web page
// embeds in <script type="application/ld+json"> for search engines to show the workshop in
// their event results (Google's "Event structured data": required name, startDate, location
// with its address; recommended endDate, eventStatus, eventAttendanceMode, offers, organizer,
// description).
//
// Times are ISO 8601 with the Europe/Paris offset of their date (+01:00 in winter, +02:00 in
// summer), so that the page says the wall-clock time people will see on the door.
//
// The package decides nothing about who may see a slot: callers give it public slots only.
package schemaorg

import (
	"encoding/json"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zoneinfo database

	"github.com/regiestains/ateliers/db"
)

// paris is the time zone the events are written in.
var paris = mustLoad("Europe/Paris")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// Event is what an event is written from: a slot with its workshop, venue and host.
type Event struct {
	Slot         db.Slot
	Workshop     db.Workshop
	Venue        db.Venue
	Organisation db.Organisation
	// URL is the public page of the slot, where people register ("" when the API does not
	// know it: the event and its offer then have no url).
	URL string
	// Now decides whether registration has closed (the offer's availability).
	Now time.Time
}

// The schema.org values of the event's status, attendance mode and the offer's availability.
const (
	Scheduled   = "https://schema.org/EventScheduled"
	Cancelled   = "https://schema.org/EventCancelled"
	Rescheduled = "https://schema.org/EventRescheduled"
	Offline     = "https://schema.org/OfflineEventAttendanceMode"
	InStock     = "https://schema.org/InStock"
	SoldOut     = "https://schema.org/SoldOut"
)

type event struct {
	Context                   string        `json:"@context"`
	Type                      string        `json:"@type"`
	Name                      string        `json:"name"`
	Description               string        `json:"description,omitempty"`
	URL                       string        `json:"url,omitempty"`
	StartDate                 string        `json:"startDate"`
	EndDate                   string        `json:"endDate"`
	PreviousStartDate         []string      `json:"previousStartDate,omitempty"`
	EventStatus               string        `json:"eventStatus"`
	EventAttendanceMode       string        `json:"eventAttendanceMode"`
	Location                  place         `json:"location"`
	Organizer                 organization  `json:"organizer"`
	Offers                    offer         `json:"offers"`
	IsAccessibleForFree       bool          `json:"isAccessibleForFree"`
	InLanguage                []string      `json:"inLanguage,omitempty"`
	MaximumAttendeeCapacity   int           `json:"maximumAttendeeCapacity"`
	RemainingAttendeeCapacity int           `json:"remainingAttendeeCapacity"`
	Audience                  []peopleGroup `json:"audience,omitempty"`
}

type place struct {
	Type    string          `json:"@type"`
	Name    string          `json:"name"`
	Address postalAddress   `json:"address"`
	Geo     *geoCoordinates `json:"geo,omitempty"`
}

type postalAddress struct {
	Type            string `json:"@type"`
	StreetAddress   string `json:"streetAddress"`
	PostalCode      string `json:"postalCode"`
	AddressLocality string `json:"addressLocality"`
	AddressCountry  string `json:"addressCountry"`
}

type geoCoordinates struct {
	Type      string  `json:"@type"`
	Latitude  float64 `json:"latitude"`
	Longitude float64 `json:"longitude"`
}

type organization struct {
	Type string `json:"@type"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

type offer struct {
	Type          string `json:"@type"`
	Price         string `json:"price"`
	PriceCurrency string `json:"priceCurrency"`
	Availability  string `json:"availability"`
	URL           string `json:"url,omitempty"`
	ValidFrom     string `json:"validFrom,omitempty"`
}

type peopleGroup struct {
	Type         string `json:"@type"`
	AudienceType string `json:"audienceType"`
}

// audienceNames are the workshops' audiences as a French reader names them.
var audienceNames = map[db.Audience]string{
	db.AudienceEveryone: "Tout public", db.AudienceJobSeekers: "Demandeurs d'emploi",
	db.AudienceYoungPeople: "Jeunes", db.AudienceSeniors: "Seniors",
	db.AudienceEmployeesInInsertion: "Salariés en insertion", db.AudienceFamilies: "Familles",
}

// JSON returns the event as JSON-LD. Its HTML-sensitive characters (<, >, &) are escaped, so
// that a title holding "</script>" cannot end the script element the page puts it in.
func (e Event) JSON() string {
	s, w, v := e.Slot, e.Workshop, e.Venue
	ev := event{
		Context: "https://schema.org", Type: "Event",
		Name:        w.Title,
		Description: Description(w),
		URL:         e.URL,
		StartDate:   Time(s.StartsAt), EndDate: Time(s.EndsAt),
		EventStatus:         Scheduled,
		EventAttendanceMode: Offline,
		Location: place{Type: "Place", Name: v.Name, Address: postalAddress{Type: "PostalAddress",
			StreetAddress: v.StreetAddress, PostalCode: v.PostalCode, AddressLocality: v.City, AddressCountry: "FR"}},
		Organizer:                 organization{Type: "Organization", Name: e.Organisation.Name, URL: deref(e.Organisation.Website)},
		Offers:                    e.offer(),
		IsAccessibleForFree:       true,
		InLanguage:                w.Languages,
		MaximumAttendeeCapacity:   s.Capacity,
		RemainingAttendeeCapacity: s.SeatsLeft(),
	}
	if v.Latitude != nil && v.Longitude != nil {
		ev.Location.Geo = &geoCoordinates{Type: "GeoCoordinates", Latitude: *v.Latitude, Longitude: *v.Longitude}
	}
	for _, a := range w.Audiences {
		if name, ok := audienceNames[a]; ok {
			ev.Audience = append(ev.Audience, peopleGroup{Type: "PeopleAudience", AudienceType: name})
		}
	}
	switch previous := previousStarts(s); {
	case s.Status == db.SlotCancelled:
		// Google: keep the original start, and no previousStartDate with another status.
		ev.EventStatus = Cancelled
	case len(previous) > 0:
		ev.EventStatus, ev.PreviousStartDate = Rescheduled, previous
	}
	b, err := json.Marshal(ev)
	if err != nil {
		panic(err) // strings, numbers and slices of them: it cannot fail
	}
	return string(b)
}

// offer is the seat: free of charge; in stock while a seat is free to anyone and registration
// is open, sold out otherwise. A place on the waiting list is not a seat: a full slot is sold
// out even when its waiting list takes names (the page says so; a search engine cannot).
func (e Event) offer() offer {
	s := e.Slot
	o := offer{Type: "Offer", Price: "0", PriceCurrency: "EUR", Availability: SoldOut, URL: e.URL}
	if s.SeatsLeft() > 0 && e.Now.Before(s.RegistrationClosesAt) {
		o.Availability = InStock
	}
	if s.RegistrationOpensAt != nil {
		o.ValidFrom = Time(*s.RegistrationOpensAt)
	}
	return o
}

// previousStarts are the slot's earlier starts but its current one (a slot moved back to its
// first time is scheduled as announced).
func previousStarts(s db.Slot) []string {
	var out []string
	for _, t := range s.PreviousStartsAt {
		if !t.Equal(s.StartsAt) {
			out = append(out, Time(t))
		}
	}
	return out
}

// Description is what a workshop is: its summary, then its description, one paragraph each;
// the description alone when it begins with the summary (as many do); "" when both are empty.
func Description(w db.Workshop) string {
	summary, text := strings.TrimSpace(w.Summary), strings.TrimSpace(w.Description)
	switch {
	case summary == "" || strings.HasPrefix(text, summary):
		return text
	case text == "":
		return summary
	}
	return summary + "\n\n" + text
}

// Time writes t in ISO 8601 with the Europe/Paris offset of its date, to the second.
func Time(t time.Time) string { return t.In(paris).Format("2006-01-02T15:04:05-07:00") }

// Date writes the Europe/Paris date of t (ISO 8601).
func Date(t time.Time) string { return t.In(paris).Format(time.DateOnly) }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
