package main

import (
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
)

// The funder's report and a host's lists as files for spreadsheet users: CSV (UTF-8 with BOM,
// `;`) and XLSX, authenticated by an API key like the GraphQL API. The figures are the report
// query's (the same db.MakeReport and graph.ReportRows), so the three cannot disagree.
//
//	GET /reports/figures.csv|xlsx?from=2026-01-01&to=2026-12-31[&organisation=<id>]
//	GET /reports/registrations.csv|xlsx?from=...&to=...

// routeReports serves the exports.
func routeReports(mux *http.ServeMux, c config, pool *pgxpool.Pool) {
	cors := corsFor(c.CORSOrigins)
	exports := map[string]http.Handler{"figures": figuresExport(c, pool), "registrations": registrationsExport(pool)}
	mux.Handle("GET /reports/{file}", cors.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, _, _ := strings.Cut(r.PathValue("file"), ".")
		if h, ok := exports[name]; ok {
			h.ServeHTTP(w, r)
			return
		}
		http.NotFound(w, r)
	})))
}

// exportBudget bounds a key's exports: ten at once, then one every two minutes.
var exportBudget = db.Bucket{Burst: 10, PerSecond: 1.0 / 120}

// exportRequest is what every export reads from its request: the caller, the format and the
// period.
type exportRequest struct {
	caller     db.Caller
	format     string // csv or xlsx
	from, to   time.Time
	start, end time.Time // [start, end) instants of the days from and to
}

// readExport reads and checks an export's request, or answers the refusal and returns false.
func readExport(w http.ResponseWriter, r *http.Request, pool *pgxpool.Pool) (exportRequest, bool) {
	_, format, _ := strings.Cut(r.PathValue("file"), ".")
	e := exportRequest{format: format}
	if e.format != "csv" && e.format != "xlsx" {
		http.NotFound(w, r)
		return e, false
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		exportRefused(w, r, http.StatusUnauthorized, "this export needs an API key: send Authorization: Bearer <key>")
		return e, false
	}
	caller, refusal := callerOf(r.Context(), pool, h)
	if refusal != nil {
		exportRefused(w, r, refusal.status, refusal.message)
		return e, false
	}
	e.caller = caller
	// Each export is a heavy read (three years of figures, a year's list): a key's exports
	// draw from a budget of their own, shared by the instances like the API's.
	draw, err := db.TakeTokens(r.Context(), pool, fmt.Sprintf("exports|key:%d", caller.KeyID), exportBudget, 1)
	if err != nil {
		exportFailed(w, r, err)
		return e, false
	}
	if !draw.Granted {
		w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil((1-draw.Available)/exportBudget.PerSecond))))
		exportRefused(w, r, http.StatusTooManyRequests, "too many exports with this key: retry after the number of seconds Retry-After says")
		return e, false
	}
	q := r.URL.Query()
	if e.from, err = graph.UnmarshalDate(q.Get("from")); err != nil {
		exportRefused(w, r, http.StatusBadRequest, "from: "+err.Error())
		return e, false
	}
	if e.to, err = graph.UnmarshalDate(q.Get("to")); err != nil {
		exportRefused(w, r, http.StatusBadRequest, "to: "+err.Error())
		return e, false
	}
	if e.start, e.end, err = graph.ReportPeriod(e.from, e.to); err != nil {
		exportRefused(w, r, http.StatusBadRequest, err.Error())
		return e, false
	}
	return e, true
}

// exportRefused answers a refused export in plain text.
func exportRefused(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintln(w, msg)
}

// exportFailed answers an export refused by graph's checks (with their status) or failed.
func exportFailed(w http.ResponseWriter, r *http.Request, err error) {
	status := map[string]int{"UNAUTHENTICATED": http.StatusUnauthorized, "FORBIDDEN": http.StatusForbidden,
		"BAD_USER_INPUT": http.StatusBadRequest}[graph.ErrorCode(err)]
	if status != 0 {
		exportRefused(w, r, status, err.Error())
		return
	}
	slog.ErrorContext(r.Context(), "export", "request_id", graph.RequestID(r.Context()), "err", err)
	exportRefused(w, r, http.StatusServiceUnavailable, "the export cannot be made now; try again")
}

// startFile sets the headers of an export file: a download, kept by no cache (figures change,
// lists hold personal data).
func startFile(w http.ResponseWriter, e exportRequest, name string) {
	types := map[string]string{"csv": "text/csv; charset=utf-8",
		"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
	w.Header().Set("Content-Type", types[e.format])
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-%s-%s.%s"`,
		name, e.from.Format(time.DateOnly), e.to.Format(time.DateOnly), e.format))
	w.Header().Set("Cache-Control", "no-store")
}

// abortOn ends a response whose body is under way when err is not nil: the client sees a
// broken transfer, never a file that looks whole but is not.
func abortOn(r *http.Request, err error) {
	if err != nil {
		slog.ErrorContext(r.Context(), "export interrupted", "request_id", graph.RequestID(r.Context()), "err", err)
		panic(http.ErrAbortHandler)
	}
}
