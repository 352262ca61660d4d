package main

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
	"github.com/regiestains/ateliers/spreadsheet"
)

// registrationHeader names the columns of a host's list of registrations.
var registrationHeader = []any{"créneau", "début", "fin", "état du créneau", "atelier", "lieu", "inscription",
	"code", "statut", "présence", "venu sans inscription", "prénom", "nom", "téléphone", "courriel", "code postal",
	"tranche d'âge", "orienté par", "conseiller", "suite donnée", "anonymisée le"}

// flushEvery is how many rows a CSV export sends at a time.
const flushEvery = 200

// registrationsExport serves a host's slots with their registrations (GET
// /reports/registrations.csv|xlsx): the list its REGISTRATIONS_READ keys may see, personal
// data included until anonymised. Rows stream from the database to the client; the read is
// recorded, with the registrations sent, as the API's reads are (personalDataReads).
func registrationsExport(pool *pgxpool.Pool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, ok := readExport(w, r, pool)
		if !ok {
			return
		}
		orgID, err := graph.HostListScope(e.caller)
		if err != nil {
			exportFailed(w, r, err)
			return
		}
		// No deadline but the client's: a list of years streams for as long as it takes.
		ctx := r.Context()
		var sent []int64
		defer func() {
			// Recorded even when the client went away half way: what was sent was read. A
			// fresh context, as the request's may be cancelled.
			if len(sent) > 0 {
				if err := db.RecordRead(context.WithoutCancel(ctx), pool, e.caller, "export registrations", sent); err != nil {
					slog.ErrorContext(ctx, "record an export's read", "request_id", graph.RequestID(ctx), "err", err)
				}
			}
		}()
		startFile(w, e, "inscriptions") // before the first byte of the body
		var t spreadsheet.Table
		var csv *spreadsheet.CSV
		var sheet *spreadsheet.Sheet
		var book *spreadsheet.Workbook
		if e.format == "csv" {
			csv, err = spreadsheet.NewCSV(w)
			t = csv
		} else {
			book = spreadsheet.NewWorkbook()
			defer book.Close()
			sheet, err = book.Sheet("Inscriptions")
			t = sheet
		}
		if err == nil {
			err = t.Row(registrationHeader...)
		}
		rows := 0
		if err == nil {
			err = db.EachRegistrationOfHost(ctx, pool, orgID, e.start, e.end, func(l db.RegistrationLine) error {
				if err := t.Row(registrationCells(l)...); err != nil {
					return err
				}
				if l.RegistrationID != 0 && l.AnonymisedAt == nil {
					sent = append(sent, l.RegistrationID)
				}
				if rows++; csv != nil && rows%flushEvery == 0 {
					if err := csv.Flush(); err != nil {
						return err
					}
					return http.NewResponseController(w).Flush()
				}
				return nil
			})
		}
		if err == nil && csv != nil {
			err = csv.Flush()
		}
		if err == nil && sheet != nil {
			if err = sheet.Flush(); err == nil {
				_, err = book.WriteTo(w)
			}
		}
		abortOn(r, err)
	})
}

// registrationCells are the cells of one line of the list.
func registrationCells(l db.RegistrationLine) []any {
	cells := []any{graph.GlobalID("Slot", l.SlotID), l.StartsAt, l.EndsAt, string(l.SlotStatus), l.Workshop, l.Venue}
	if l.RegistrationID == 0 {
		return append(cells, make([]any, len(registrationHeader)-len(cells))...)
	}
	var anonymised any
	if l.AnonymisedAt != nil {
		anonymised = *l.AnonymisedAt
	}
	return append(cells, graph.GlobalID("Registration", l.RegistrationID), l.Code, string(l.Status),
		enumText(l.Attendance), l.WalkIn, l.FirstName, l.LastName, l.Phone, l.Email, l.PostalCode,
		enumText(l.AgeBracket), l.Referrer, l.Counsellor, enumText(l.Outcome), anonymised)
}

// enumText is an optional enum's name, or an empty cell.
func enumText[E ~string](v *E) any {
	if v == nil {
		return nil
	}
	return string(*v)
}
