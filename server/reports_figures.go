package main

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
	"github.com/regiestains/ateliers/spreadsheet"
)

// The report's figures as a file (GET /reports/figures.csv|xlsx): the report query's rows,
// one table.

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
		q := r.URL.Query()
		referred := q.Get("referred")
		if referred != "" && referred != "true" && referred != "false" {
			exportRefused(w, r, http.StatusBadRequest, "referred: true or false")
			return
		}
		of, err := graph.ReportScope(e.caller, q.Get("organisation"), referred == "true")
		if err != nil {
			exportFailed(w, r, err)
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), c.RequestTimeout)
		defer cancel()
		rep, err := db.MakeReport(ctx, pool, of, e.start, e.end, time.Now())
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

// stringKeys turns a count by enum into a count by its name.
func stringKeys[K ~string](m map[K]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, n := range m {
		out[string(k)] = n
	}
	return out
}
