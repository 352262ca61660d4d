package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/lmn"
)

// openDataPath is where the venues are published in the national standard of the "lieux de
// médiation numérique", as .json and .csv.
const openDataPath = "/open-data/lieux-mediation-numerique"

// routeVenueOpenData serves the open data of the venues: public, no key, CORS like the calendars.
func routeVenueOpenData(mux *http.ServeMux, c config, pool *pgxpool.Pool) {
	cors := corsFor(c.CORSOrigins)
	mux.Handle("GET "+openDataPath+".json", cors.Handler(openDataVenues(c, pool, lmn.WriteJSON, "application/json; charset=utf-8")))
	mux.Handle("GET "+openDataPath+".csv", cors.Handler(openDataVenues(c, pool, lmn.WriteCSV, "text/csv; charset=utf-8; header=present")))
}

// openDataVenues serves every published venue (lmn.Export) in one file.
func openDataVenues(c config, pool *pgxpool.Pool, write func(io.Writer, []lmn.Record) error, contentType string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), c.RequestTimeout)
		defer cancel()
		records, err := lmn.Export(ctx, pool)
		var body bytes.Buffer
		if err == nil {
			err = write(&body, records)
		}
		if err != nil {
			openDataUnavailable(w, r, err)
			return
		}
		serveData(w, r, body.Bytes(), contentType, "public, max-age=300")
	})
}

// importLieux imports the venues of a file in the LMN standard (server import-lieux FILE):
// JSON when its name ends in .json, CSV otherwise. Nothing is written if any record is
// rejected; the rejected records are listed, and the command fails.
func importLieux(ctx context.Context, c config, file string) error {
	content, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	format := lmn.CSV
	if strings.HasSuffix(file, ".json") {
		format = lmn.JSON
	}
	pool, err := openDatabase(ctx, c)
	if err != nil {
		return err
	}
	defer pool.Close()
	report, err := lmn.Import(ctx, pool, format, content)
	if err != nil {
		return err
	}
	for _, x := range report.Rejected {
		fmt.Printf("record %d (id %q): %s: %s\n", x.Row, x.RecordID, x.Field, x.Reason)
	}
	if len(report.Rejected) > 0 {
		return fmt.Errorf("%d problem(s) in %s: nothing was imported", len(report.Rejected), file)
	}
	fmt.Printf("Imported %s: %d created, %d updated, %d unchanged, %d skipped (managed or archived here).\n",
		file, report.Created, report.Updated, report.Unchanged, report.Skipped)
	return nil
}
