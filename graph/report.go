package graph

import (
	"errors"
	"time"

	"github.com/regiestains/ateliers/db"
)

// The funder's report is read two ways: the report query, and the CSV and XLSX exports the
// server streams (server/reports.go). Both take who may see what, the period, and the rows'
// keys from here, so their numbers and keys cannot disagree.

// reportMaxDays bounds a report's period: three years, enough to compare a year with the two
// before it.
const reportMaxDays = 1096

// errNoSuchOrganisation answers a report of an organisation id that names none.
var errNoSuchOrganisation = errBadInput("organisationId: no such organisation")

// ReportLine is one row of a report's breakdown as clients read it.
type ReportLine struct {
	Key     string
	Label   string
	Figures db.ReportFigures
}

// ReportRows returns the rows of one breakdown of r, workshops, venues and organisations keyed
// by their global ids.
func ReportRows(r db.Report, dim db.ReportDimension) []ReportLine {
	kinds := map[db.ReportDimension]kind{db.ByWorkshop: kindWorkshop, db.ByVenue: kindVenue,
		db.ByOrganisation: kindOrganisation, db.ByReferrer: kindOrganisation}
	rows := r.Rows[dim]
	lines := make([]ReportLine, len(rows))
	for i, row := range rows {
		lines[i] = ReportLine{Key: row.Key, Label: row.Label, Figures: row.Figures}
		if row.ID != 0 {
			lines[i].Key = globalID(kinds[dim], row.ID)
		}
	}
	return lines
}

// ReportScope authorizes caller c to read the report of organisationID (a global id, or "" for
// the caller's own, or for a network administrator the whole network), of the slots it hosts or,
// referred, of the registrations it referred.
func ReportScope(c db.Caller, organisationID string, referred bool) (db.ReportOf, error) {
	if err := requireKey(c); err != nil {
		return db.ReportOf{}, err
	}
	of := db.ReportOf{Referred: referred}
	if organisationID != "" {
		id, err := idOf(kindOrganisation, organisationID)
		if err != nil {
			return of, errBadInput("organisationId is not an organisation id")
		}
		of.OrganisationID = id
	}
	if c.NetworkAdmin {
		if referred && of.OrganisationID == 0 {
			return of, errBadInput("referred: name the organisation (organisationId) whose referrals to count")
		}
		return of, nil
	}
	if !c.Has(db.ScopeReportsRead) {
		return of, errForbidden("your API key lacks the " + string(db.ScopeReportsRead) + " scope")
	}
	if of.OrganisationID != 0 && !c.MemberOf(of.OrganisationID) {
		return of, errForbidden("an organisation's key reports on its own organisation only")
	}
	of.OrganisationID = c.OrganisationID
	return of, nil
}

// HostListScope authorizes caller c to read its organisation's lists of registrations (the
// exports of server/reports_registrations.go), as the registrations of its slots: with
// REGISTRATIONS_READ. It returns the organisation's id.
func HostListScope(c db.Caller) (int64, error) {
	return requireOwnScope(c, db.ScopeRegistrationsRead)
}

// ReportPeriod turns the days from and to (both included, Paris) into the instants
// [start, end) a report counts.
func ReportPeriod(from, to time.Time) (start, end time.Time, err error) {
	start = time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, paris)
	end = time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, paris)
	if end.Before(start.AddDate(0, 0, 1)) || to.Sub(from) > reportMaxDays*24*time.Hour {
		return start, end, errBadInput("to must be on or after from, at most 1096 days later")
	}
	return start, end, nil
}

// dateOf is the Paris day of instant t, as the Date scalar keeps days: midnight UTC.
func dateOf(t time.Time) time.Time {
	y, m, d := t.In(paris).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// ErrorCode returns the code a client is shown for err (UNAUTHENTICATED, FORBIDDEN,
// BAD_USER_INPUT...), or "" for an error the client is not shown.
func ErrorCode(err error) string {
	if errors.Is(err, db.ErrNotFound) {
		err = errNoSuchOrganisation // the only not-found of a report
	}
	var coded *codedError
	if errors.As(err, &coded) {
		return coded.code
	}
	return ""
}
