package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/calendar"
	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
)

// calendarFeeds serves the public calendar feeds (GET /calendar/{kind}/{id}.ics): the slots
// anyone may see of a venue, a workshop or an organisation, from 30 days ago, cancelled ones
// included (subscribers then see them go), at most feedSlots of them. The id is the API's
// global id. An unknown id, or a workshop nobody outside its organisation may see, is 404.
func calendarFeeds(c config, pool *pgxpool.Pool) http.Handler {
	domain := feedDomain(c)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := strings.CutSuffix(r.PathValue("file"), ".ics")
		if !ok {
			http.NotFound(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), c.RequestTimeout)
		defer cancel()
		name, filter, err := feedOf(ctx, pool, r.PathValue("kind"), id)
		if errors.Is(err, db.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			http.Error(w, "the calendar cannot be read now; try again", http.StatusServiceUnavailable)
			return
		}
		from := time.Now().AddDate(0, 0, -30)
		filter.From = &from
		filter.Statuses = []db.SlotStatus{db.SlotScheduled, db.SlotCancelled}
		slots, err := db.Slots(ctx, pool, db.Caller{}, filter, db.Page{First: feedSlots},
			db.With{Workshop: []string{"Title", "Summary"}, Venue: []string{"Name", "StreetAddress", "PostalCode", "City"}})
		if err != nil {
			http.Error(w, "the calendar cannot be read now; try again", http.StatusServiceUnavailable)
			return
		}
		slots = slots[:min(len(slots), feedSlots)]
		body := calendar.Feed{Name: name, Domain: domain, Now: time.Now(), Slots: slots}.Write()
		serveFeed(w, r, body, "public, max-age=300")
	})
}

// feedDomain is the right-hand side of the events' UIDs: the API's host, from PUBLIC_URL.
func feedDomain(c config) string {
	if u, err := url.Parse(c.PublicURL); err == nil && u.Host != "" {
		return u.Host
	}
	return "ateliers-api"
}

// serveFeed answers with a feed's text, or 304 when the client's If-None-Match names it.
func serveFeed(w http.ResponseWriter, r *http.Request, body, cacheControl string) {
	etag := feedETag(body)
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", cacheControl)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", "text/calendar; charset=utf-8")
	w.Write([]byte(body))
}

// feedSlots is the most slots a feed shows: a year of weekly workshops at twenty venues.
const feedSlots = 1000

// feedOf returns a feed's name and the filter of its slots.
func feedOf(ctx context.Context, q db.Querier, kind, gid string) (string, db.SlotFilter, error) {
	var f db.SlotFilter
	switch kind {
	case "venues":
		id, err := graph.DatabaseID("Venue", gid)
		if err != nil {
			return "", f, db.ErrNotFound
		}
		v, err := db.VenueByID(ctx, q, id)
		f.VenueIDs = []int64{id}
		return "Ateliers — " + v.Name, f, err
	case "workshops":
		id, err := graph.DatabaseID("Workshop", gid)
		if err != nil {
			return "", f, db.ErrNotFound
		}
		ws, err := db.VisibleWorkshop(ctx, q, db.Caller{}, id)
		f.WorkshopIDs = []int64{id}
		return "Ateliers — " + ws.Title, f, err
	case "organisations":
		id, err := graph.DatabaseID("Organisation", gid)
		if err != nil {
			return "", f, db.ErrNotFound
		}
		o, err := db.OrganisationByID(ctx, q, id)
		f.OrganisationIDs = []int64{id}
		return "Ateliers — " + o.Name, f, err
	}
	return "", f, db.ErrNotFound
}

// feedETag names a feed's content: its text but the DTSTAMP lines, which say when it was
// written, so that an unchanged calendar keeps its ETag and a client's If-None-Match gets 304.
func feedETag(body string) string {
	h := sha256.New()
	for line := range strings.SplitSeq(body, "\r\n") {
		if !strings.HasPrefix(line, "DTSTAMP:") {
			h.Write([]byte(line))
			h.Write([]byte{'\n'})
		}
	}
	return `"` + hex.EncodeToString(h.Sum(nil))[:32] + `"`
}
