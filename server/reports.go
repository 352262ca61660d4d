package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
	"github.com/regiestains/ateliers/spreadsheet"
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
	var err error
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

// figureHeader names the columns of the figures, in French for the funder's spreadsheet.
var figureHeader = []any{"rubrique", "clé", "libellé", "créneaux tenus", "créneaux annulés", "places offertes",
	"inscriptions", "confirmées", "restées en liste d'attente", "annulées", "présents", "absents", "excusés",
	"non pointés", "venus sans inscription", "taux de présence", "participants uniques", "nouveaux participants",
	"appareils remis"}

// dimensionNames are the report's breakdowns as the file names them (column "rubrique").
var dimensionNames = map[db.ReportDimension]string{db.ByWorkshop: "atelier", db.ByTopic: "thème",
	db.ByMonth: "mois", db.ByVenue: "lieu", db.ByOrganisation: "structure", db.ByAgeBracket: "tranche d'âge",
	db.ByPostalCode: "code postal", db.ByReferrer: "orienté par", db.ByOutcome: "suite donnée"}

// figureCells are the cells of a row's figures, devices given last.
func figureCells(f db.ReportFigures, devices *int) []any {
	return []any{f.SlotsHeld, f.SlotsCancelled, f.SeatsOffered, f.Registrations, f.Confirmed, f.Waitlisted,
		f.Cancelled, f.Attended, f.Absent, f.Excused, f.Unmarked, f.WalkIns, f.AttendanceRate(),
		f.UniqueParticipants, f.FirstTimeParticipants, devices}
}

// writeFigures writes the report as one table: the totals, each breakdown's rows, then the
// devices given by kind, age bracket and situation.
func writeFigures(t spreadsheet.Table, rep db.Report) error {
	if err := t.Row(figureHeader...); err != nil {
		return err
	}
	if err := t.Row(append([]any{"total", "", "total"}, figureCells(rep.Totals, &rep.Devices.Given)...)...); err != nil {
		return err
	}
	for _, dim := range db.ReportDimensions {
		for _, l := range graph.ReportRows(rep, dim) {
			if err := t.Row(append([]any{dimensionNames[dim], l.Key, l.Label}, figureCells(l.Figures, nil)...)...); err != nil {
				return err
			}
		}
	}
	devices := func(name string, counts map[string]int) error {
		for _, k := range slices.Sorted(maps.Keys(counts)) {
			n := counts[k]
			cells := append([]any{name, k, k}, make([]any, len(figureHeader)-4)...)
			if err := t.Row(append(cells, n)...); err != nil {
				return err
			}
		}
		return nil
	}
	d := rep.Devices
	return errors.Join(devices("appareils par type", stringKeys(d.ByKind)),
		devices("appareils par tranche d'âge", stringKeys(d.ByAgeBracket)),
		devices("appareils par situation", stringKeys(d.BySituation)))
}

// figuresExport serves the report's figures (GET /reports/figures.csv|xlsx).
func figuresExport(c config, pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, ok := readExport(w, r, pool)
		if !ok {
			return
		}
		orgID, err := graph.ReportScope(e.caller, r.URL.Query().Get("organisation"))
		if err != nil {
			exportFailed(w, r, err)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), c.RequestTimeout)
		defer cancel()
		rep, err := db.MakeReport(ctx, pool, orgID, e.start, e.end, time.Now())
		if err != nil {
			exportFailed(w, r, err)
			return
		}
		startFile(w, e, "rapport")
		if e.format == "csv" {
			t, err := spreadsheet.NewCSV(w)
			if err == nil {
				err = writeFigures(t, rep)
			}
			if err == nil {
				err = t.Flush()
			}
			abortOn(r, err)
			return
		}
		abortOn(r, writeFiguresWorkbook(w, rep))
	})
}

// writeFiguresWorkbook writes the figures as a workbook: the table, and the months with a
// chart of attendance.
func writeFiguresWorkbook(w http.ResponseWriter, rep db.Report) error {
	b := spreadsheet.NewWorkbook()
	defer b.Close()
	all, err := b.Sheet("Chiffres")
	if err != nil {
		return err
	}
	if err := writeFigures(all, rep); err != nil {
		return err
	}
	if err := all.Flush(); err != nil {
		return err
	}
	months, err := b.Sheet("Par mois")
	if err != nil {
		return err
	}
	if err := months.Row("mois", "présents", "inscriptions", "confirmées", "absents", "excusés", "participants uniques"); err != nil {
		return err
	}
	for _, l := range graph.ReportRows(rep, db.ByMonth) {
		f := l.Figures
		if err := months.Row(l.Key, f.Attended, f.Registrations, f.Confirmed, f.Absent, f.Excused, f.UniqueParticipants); err != nil {
			return err
		}
	}
	if err := months.Flush(); err != nil {
		return err
	}
	if err := b.ColumnChart(months, "Présents par mois", "A", "B", "I2"); err != nil {
		return err
	}
	_, err = b.WriteTo(w)
	return err
}

// abortOn ends a response whose body is under way when err is not nil: the client sees a
// broken transfer, never a file that looks whole but is not.
func abortOn(r *http.Request, err error) {
	if err != nil {
		slog.ErrorContext(r.Context(), "export interrupted", "request_id", graph.RequestID(r.Context()), "err", err)
		panic(http.ErrAbortHandler)
	}
}

// stringKeys turns a count by enum into a count by its name.
func stringKeys[K ~string](m map[K]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, n := range m {
		out[string(k)] = n
	}
	return out
}
