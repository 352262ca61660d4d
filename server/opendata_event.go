package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
	"github.com/regiestains/ateliers/schemaorg"
)

// slotEvent serves a public slot as a schema.org Event (GET /slots/{id}/event.jsonld, the
// API's global id): what Slot.structuredData gives an anonymous caller. A slot the public may
// not see (not PUBLIC, or its workshop not published), an unknown id and a malformed one are
// all the same 404.
func slotEvent(c config, pool *pgxpool.Pool) http.Handler {
	links := graph.Links{SlotPage: c.SlotPageBase}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, err := graph.DatabaseID("Slot", r.PathValue("id"))
		if err != nil {
			http.NotFound(w, r)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), c.RequestTimeout)
		defer cancel()
		e, err := publicEvent(ctx, pool, id)
		if errors.Is(err, db.ErrNotFound) {
			http.NotFound(w, r)
			return
		}
		if err != nil {
			openDataUnavailable(w, r, err)
			return
		}
		e.URL, e.Now = links.Slot(id), time.Now()
		serveData(w, r, []byte(e.JSON()), "application/ld+json; charset=utf-8", "public, max-age=300")
	})
}

// publicEvent reads slot id with its workshop, venue and host when the public may see it,
// else ErrNotFound.
func publicEvent(ctx context.Context, q db.Querier, id int64) (schemaorg.Event, error) {
	var e schemaorg.Event
	s, err := db.VisibleSlot(ctx, q, db.Caller{}, id, db.With{})
	if err != nil {
		return e, err
	}
	if s.Visibility != db.VisibilityPublic { // VisibleSlot's rule for anonymous callers, said again
		return e, db.ErrNotFound
	}
	e.Slot = s
	if e.Workshop, err = db.VisibleWorkshop(ctx, q, db.Caller{}, s.WorkshopID); err != nil {
		return e, err
	}
	if e.Venue, err = db.VenueByID(ctx, q, s.VenueID); err != nil {
		return e, err
	}
	e.Organisation, err = db.OrganisationByID(ctx, q, s.OrganisationID)
	return e, err
}

// serveData answers an open-data file with body, or 304 when the client's If-None-Match
// names it.
func serveData(w http.ResponseWriter, r *http.Request, body []byte, contentType, cacheControl string) {
	sum := sha256.Sum256(body)
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	w.Header().Set("ETag", etag)
	w.Header().Set("Cache-Control", cacheControl)
	if r.Header.Get("If-None-Match") == etag {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Write(body)
}

// openDataUnavailable answers a failure to read the open data, and logs its cause.
func openDataUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	slog.ErrorContext(r.Context(), "read open data", "request_id", graph.RequestID(r.Context()), "err", err)
	http.Error(w, "the data cannot be read now; try again", http.StatusServiceUnavailable)
}
