package lmn

import (
	"context"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/openinghours"
	"github.com/regiestains/ateliers/tableschema"
)

// Format is the form of a file of records.
type Format string

// Formats of files.
const (
	JSON Format = "JSON"
	CSV  Format = "CSV"
)

// Rejected is a record an import refuses, and why.
type Rejected struct {
	Row      int    // the record's position in the file, from 1 (in a CSV, the line after the header)
	RecordID string // its `id`, "" when it has none
	Field    string // the field at fault, "" when the record as a whole is
	Reason   string
}

// Report says what an import did, or would have done but for its rejected records: with any
// rejected record, nothing is written and the counts are zero.
type Report struct {
	Created, Updated, Unchanged int
	Skipped                     int // venues managed or archived here (db.ImportCounts)
	Rejected                    []Rejected
}

// Import reads content in format, checks every record against the standard and the
// database's rules, and when all pass upserts them (db.ImportVenues), all or nothing. An
// error is a file that cannot be read at all, or a failure of the database.
func Import(ctx context.Context, q db.Querier, format Format, content []byte) (Report, error) {
	records, err := Decode(format, content)
	if err != nil {
		return Report{}, err
	}
	var report Report
	venues := make([]db.ImportedVenue, 0, len(records))
	maps := make([]map[string]any, len(records))
	for i, r := range records {
		maps[i] = r
		if _, ok := r["id"]; ok { // " x " is x: their uniqueness as the import reads them
			maps[i] = Record{}
			for k, v := range r {
				maps[i][k] = v
			}
			maps[i]["id"] = r.text("id")
		}
	}
	duplicates := Schema.Duplicates(maps)
	for i, r := range records {
		problems := append(Schema.Check(r), duplicates[i]...)
		v, more := r.venue()
		if len(problems) == 0 { // the database's rules, once the standard's hold
			problems = more
		}
		for _, p := range problems {
			report.Rejected = append(report.Rejected, Rejected{Row: i + 1, RecordID: r.text("id"), Field: p.Field, Reason: p.Message})
		}
		venues = append(venues, v)
	}
	if len(report.Rejected) > 0 {
		return report, nil
	}
	counts, err := db.ImportVenues(ctx, q, venues)
	if err != nil {
		return Report{}, err
	}
	report.Created, report.Updated, report.Unchanged, report.Skipped = counts.Created, counts.Updated, counts.Unchanged, counts.Skipped
	return report, nil
}

// venue reads a record the schema accepts into a venue, with the problems the database's own
// rules (db/migrations) would have with it.
func (r Record) venue() (db.ImportedVenue, []tableschema.Problem) {
	var problems []tableschema.Problem
	bad := func(field, format string, args ...any) {
		problems = append(problems, tableschema.Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	text := func(field string, max int) string {
		s := r.text(field)
		if strings.ContainsFunc(s, func(c rune) bool { return c < ' ' && c != '\n' && c != '\t' || c == 0x7f }) {
			bad(field, "must not contain control characters")
		} else if n := utf8.RuneCountInString(s); n > max {
			bad(field, "must be at most %d characters, has %d", max, n)
		}
		return s
	}
	// Required fields made of spaces pass the schema (they are present) but name nothing.
	for _, field := range []string{"id", "pivot", "nom", "commune", "adresse"} {
		if _, given := r[field]; given && r.text(field) == "" {
			bad(field, "must not be blank")
		}
	}
	v := db.ImportedVenue{PivotGiven: r.text("pivot")}
	v.OpenDataID = text("id", 200)
	v.Name = text("nom", 200)
	v.OrganisationName = v.Name
	v.City = text("commune", 100)
	v.PostalCode = r.text("code_postal")
	v.StreetAddress = text("adresse", 300)
	v.InseeCode = r.optional("code_insee")
	v.Latitude, v.Longitude = r.number("latitude"), r.number("longitude")
	if (v.Latitude == nil) != (v.Longitude == nil) {
		bad("latitude", "give both latitude and longitude, or neither")
	} else if v.Latitude != nil && (*v.Latitude < -90 || *v.Latitude > 90 || *v.Longitude < -180 || *v.Longitude > 180) {
		bad("latitude", "latitude must be between -90 and 90 and longitude between -180 and 180")
	}
	// Fourteen zeros is the placeholder of partners who have no SIRET: taken, naming no one.
	if len(v.PivotGiven) == 14 && strings.Trim(v.PivotGiven, "0123456789") == "" && strings.Trim(v.PivotGiven, "0") != "" &&
		!db.ValidSiret(v.PivotGiven) {
		bad("pivot", "14 digits but not a SIRET: its check digit (Luhn) is wrong")
	}
	v.Phone = r.optional("telephone") // the schema's pattern is stricter than the column's
	if s := text("courriels", 2000); s != "" {
		v.Email = first(s) // a venue has one address: the first one given
		if a, err := mail.ParseAddress(*v.Email); err != nil || a.Address != *v.Email || len(*v.Email) > 254 {
			bad("courriels", "%q is not an email address", *v.Email)
		}
	}
	v.Website = r.url("site_web", true, bad)
	if s := text("horaires", 1000); s != "" {
		if err := openinghours.Validate(s); err != nil {
			bad("horaires", "not in OpenStreetMap opening_hours syntax: %v", err)
		}
		v.OpeningHours = &s
	}
	v.Summary = text("presentation_resume", 280)
	v.Description = text("presentation_detail", 5000)
	if s := text("source", 200); s != "" {
		v.OpenDataSource = &s
	}
	if d, err := time.Parse(time.DateOnly, r.text("date_maj")); err == nil {
		v.SourceUpdatedOn = &d
	}
	v.Mobility = mobilities.values(r.text("itinerance"))
	v.Services = services.values(r.text("services"))
	v.SpecificAudiences = audiences.values(r.text("publics_specifiquement_adresses"))
	v.SpecificSupport = supports.values(r.text("prise_en_charge_specifique"))
	v.Fees = fees.values(r.text("frais_a_charge"))
	v.AccessModes = accessModes.values(r.text("modalites_acces"))
	v.SupportModes = supportModes.values(r.text("modalites_accompagnement"))
	v.AccesLibreURL = r.url("fiche_acces_libre", false, bad)
	v.BookingURL = r.url("prise_rdv", false, bad)
	return v, problems
}

// url reads an http(s) URL of at most 2,000 characters; several (joined by "|") only where
// the standard allows them, of which the venue keeps the first.
func (r Record) url(field string, several bool, bad func(field, format string, args ...any)) *string {
	s := r.text(field)
	if s == "" {
		return nil
	}
	if several {
		s = *first(s)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(s) > 2000 {
		bad(field, "%q is not an http(s) URL of at most 2,000 characters", s)
	}
	return &s
}

func first(list string) *string {
	s, _, _ := strings.Cut(list, separator)
	s = strings.TrimSpace(s)
	return &s
}
