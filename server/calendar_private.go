package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/calendar"
	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
)

// The private calendars: a secret in the path opens them, so that calendar apps, which send
// no header, can subscribe. Their paths never reach a log line or a trace (secretpaths.go), and
// they are `Cache-Control: private`: no shared cache keeps them. An unknown secret, a revoked
// feed and a malformed path all answer the same 404.

// ownCalendarPath is where a person's own .ics is served: this, their management token, ".ics".
const ownCalendarPath = "/calendar/registrations/"

// privateFeedCache lets the calendar app keep a private feed five minutes, and no one else.
const privateFeedCache = "private, max-age=300"

// bookingWith is what the events of a booking read of its workshop and venue.
var bookingWith = db.With{Workshop: []string{"Title", "Summary", "WhatToBring"}, Venue: []string{"Name", "StreetAddress", "PostalCode", "City"}}

// routeCalendars serves the public feeds and the private ones. The private routes are more
// specific than the public pattern, so ServeMux gives them their paths.
func routeCalendars(mux *http.ServeMux, c config, pool *pgxpool.Pool) {
	cors := corsFor(c.CORSOrigins)
	mux.Handle("GET /calendar/{kind}/{file}", cors.Handler(calendarFeeds(c, pool)))
	mux.Handle("GET "+graph.ReferralsFeedPath+"{file}", cors.Handler(referralsFeed(c, pool)))
	mux.Handle("GET "+ownCalendarPath+"{file}", cors.Handler(ownCalendar(c, pool)))
}

// referralsFeed serves a partner's private feed (GET /calendar/referrals/<secret>.ics): one
// event per registration the feed's organisation referred, on slots from 30 days ago, cancelled
// ones included, at most feedSlots of them (calendar.ReferralEvent says what they show).
func referralsFeed(c config, pool *pgxpool.Pool) http.Handler {
	domain := feedDomain(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := secretOf(r)
		if !ok {
			http.NotFound(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), c.RequestTimeout)
		defer cancel()
		feed, err := db.CalendarFeedByToken(ctx, pool, token)
		if errors.Is(err, db.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		var bookings []db.Booking
		if err == nil {
			bookings, err = db.ReferredBookings(ctx, pool, feed.OrganisationID, time.Now().AddDate(0, 0, -30), feedSlots, bookingWith)
		}
		if err != nil {
			calendarUnavailable(w, r, err)
			return
		}
		events := make([]calendar.Event, len(bookings))
		for i, b := range bookings {
			events[i] = calendar.ReferralEvent(b)
		}
		body := calendar.Feed{Name: "Orientations — " + feed.Label, Domain: domain, Now: time.Now(), Events: events}.Write()
		serveFeed(w, r, body, privateFeedCache)
	})
}

// ownCalendar serves a person's own .ics (GET /calendar/registrations/<token>.ics), opened by
// the management token of their registration as registrationByToken is: one event, their
// slot, whatever its state (calendar.OwnEvent).
func ownCalendar(c config, pool *pgxpool.Pool) http.Handler {
	domain := feedDomain(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		token, ok := secretOf(r)
		if !ok {
			http.NotFound(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), c.RequestTimeout)
		defer cancel()
		reg, err := db.RegistrationByToken(ctx, pool, token)
		if errors.Is(err, db.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		var b db.Booking
		if err == nil {
			b, err = db.BookingOf(ctx, pool, reg, bookingWith)
		}
		if err != nil {
			calendarUnavailable(w, r, err)
			return
		}
		e := calendar.OwnEvent(b)
		body := calendar.Feed{Name: "Atelier — " + e.Summary, Domain: domain, Now: time.Now(), Events: []calendar.Event{e}}.Write()
		serveFeed(w, r, body, privateFeedCache)
	})
}

// secretOf returns the secret of a private calendar's path, "<secret>.ics", when it may be one:
// the secrets this API makes are under 100 characters.
func secretOf(r *http.Request) (string, bool) {
	secret, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
	return secret, ok && secret != "" && len(secret) <= 100
}

// calendarUnavailable answers a failure to read a private calendar, and logs its cause (which
// never holds the secret: statements take its hash as an argument).
func calendarUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	slog.ErrorContext(r.Context(), "read a private calendar", "request_id", graph.RequestID(r.Context()), "err", err)
	http.Error(w, "the calendar cannot be read now; try again", http.StatusServiceUnavailable)
}
