package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
	"github.com/regiestains/ateliers/spreadsheet"
)

// registrationHeader names the columns of a host's list of registrations.
var registrationHeader = []any{"créneau", "début", "fin", "état du créneau", "atelier", "lieu", "inscription",
	"code", "statut", "présence", "venu sans inscription", "prénom", "nom", "téléphone", "courriel", "code postal",
	"tranche d'âge", "orienté par", "conseiller", "suite donnée", "anonymisée le"}

// exportPage is how many rows a list export reads from the database at a time, and a CSV
// export sends at a time.
const exportPage = 500

// exportWindow is how long a client has to take each batch of an export: the server's
// WriteTimeout, meant for answers of a few kilobytes, is pushed back by as much before each
// one, so a long list keeps streaming to a slow client while a stalled one is let go.
const exportWindow = 30 * time.Second

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
		// No deadline but the client's: a list of years streams for as long as it takes, each
		// page of rows a statement of its own, each batch within exportWindow.
		ctx := r.Context()
		rc := http.NewResponseController(w)
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
		out, err := newListFile(w, rc, e.format)
		if err == nil {
			defer out.Close()
			err = out.Row(registrationHeader...)
		}
		rows := 0
		if err == nil {
			err = db.EachRegistrationOfHost(ctx, pool, orgID, e.start, e.end, exportPage, func(l db.RegistrationLine) error {
				if err := out.Row(registrationCells(l)...); err != nil {
					return err
				}
				if l.RegistrationID != 0 && l.AnonymisedAt == nil {
					sent = append(sent, l.RegistrationID)
				}
				if rows++; rows%exportPage == 0 {
					return out.Batch()
				}
				return nil
			})
		}
		if err == nil {
			err = out.Finish(rows)
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

// listFile is a list export being written: rows, a batch sent now and then, the end.
type listFile interface {
	spreadsheet.Table
	Batch() error          // send what is written so far, if the format can
	Finish(rows int) error // end the file and send the rest
	Close() error          // remove temporary files
}

// newListFile starts a list export in format csv or xlsx on w.
func newListFile(w http.ResponseWriter, rc *http.ResponseController, format string) (listFile, error) {
	if format == "csv" {
		c, err := spreadsheet.NewCSV(w)
		return csvList{c, rc}, err
	}
	book := spreadsheet.NewWorkbook()
	sheet, err := book.Sheet("Inscriptions")
	if err != nil {
		book.Close()
	}
	return xlsxList{sheet, book, w, rc}, err
}

// csvList streams: each batch goes to the client at once, within exportWindow.
type csvList struct {
	*spreadsheet.CSV
	rc *http.ResponseController
}

func (c csvList) Batch() error {
	if err := c.CSV.Flush(); err != nil {
		return err
	}
	if err := c.rc.Flush(); err != nil {
		return err
	}
	return writeWindow(c.rc, exportWindow)
}

func (c csvList) Finish(int) error { return c.CSV.Flush() }
func (c csvList) Close() error     { return nil }

// xlsxList keeps its rows (in a temporary file past 16 MB) and sends the workbook at the end:
// the format zips each part whole.
type xlsxList struct {
	*spreadsheet.Sheet
	book *spreadsheet.Workbook
	w    http.ResponseWriter
	rc   *http.ResponseController
}

func (x xlsxList) Batch() error { return nil }

func (x xlsxList) Finish(rows int) error {
	if err := x.Sheet.Flush(); err != nil {
		return err
	}
	// A window per 5,000 rows (about a megabyte) for the client to take the file.
	if err := writeWindow(x.rc, exportWindow*time.Duration(1+rows/5000)); err != nil {
		return err
	}
	_, err := x.book.WriteTo(x.w)
	return err
}

func (x xlsxList) Close() error { return x.book.Close() }

// writeWindow gives the client d more to take what is sent next.
func writeWindow(rc *http.ResponseController, d time.Duration) error {
	if err := rc.SetWriteDeadline(time.Now().Add(d)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		return err
	}
	return nil
}
