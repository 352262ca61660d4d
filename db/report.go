package db

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// The funder's report: what the workshops of an organisation (or of the whole network) did over
// a period. Every figure comes from what anonymisation keeps (slots, statuses, attendance, age
// bracket, postal code, the referring organisation, the outcome, the person key), so a report
// made after the retention job gives the same numbers as one made before.

// ReportDimension is one way the report breaks its figures down.
type ReportDimension string

// The report's breakdowns. The first five group slots and their registrations; the others
// group registrations by the person's data, where slots do not apply.
const (
	ByWorkshop     ReportDimension = "workshop"
	ByTopic        ReportDimension = "topic" // a slot counts under each of its workshop's topics
	ByMonth        ReportDimension = "month" // the month of the slot's start, in Paris, 2026-11
	ByVenue        ReportDimension = "venue"
	ByOrganisation ReportDimension = "organisation" // the host, for the network's report
	ByAgeBracket   ReportDimension = "age_bracket"
	ByPostalCode   ReportDimension = "postal_code"
	ByReferrer     ReportDimension = "referrer" // the organisation that referred the person
	ByOutcome      ReportDimension = "outcome"
)

// ReportDimensions lists the breakdowns in the order reports show them.
var ReportDimensions = []ReportDimension{ByWorkshop, ByTopic, ByMonth, ByVenue, ByOrganisation,
	ByAgeBracket, ByPostalCode, ByReferrer, ByOutcome}

// slotDimension reports whether a breakdown groups slots (so slots and seats apply to it).
func (d ReportDimension) slotDimension() bool {
	switch d {
	case ByWorkshop, ByTopic, ByMonth, ByVenue, ByOrganisation:
		return true
	}
	return false
}

// ReportFigures are the counts of one row of the report.
type ReportFigures struct {
	// Slots of the period that started by the time of the report: held (not cancelled) and
	// cancelled, and the seats the held ones offered (their capacity). Nil where the row
	// groups people rather than slots (age bracket, postal code, referrer, outcome).
	SlotsHeld      *int
	SlotsCancelled *int
	SeatsOffered   *int
	// Registrations on the held slots, whatever became of them, and their status at the
	// time of the report.
	Registrations int
	Confirmed     int
	Waitlisted    int // still on the waiting list when the slot started: never had a seat
	Cancelled     int
	// Attendance as marked, and confirmed seats left unmarked.
	Attended int
	Absent   int
	Excused  int
	Unmarked int
	WalkIns  int // people recorded at the door (confirmed, among Registrations)
	// People: distinct persons who attended at least once, and those among them who had never
	// attended a workshop of the organisation (of the network) before the period.
	UniqueParticipants    int
	FirstTimeParticipants int
}

// AttendanceRate is attended over confirmed seats, rounded to four decimals (0.6667: the
// same number in the API, in CSV and in a spreadsheet's 15 digits), or nil with no confirmed
// seat.
func (f ReportFigures) AttendanceRate() *float64 {
	if f.Confirmed == 0 {
		return nil
	}
	r := math.Round(float64(f.Attended)/float64(f.Confirmed)*10000) / 10000
	return &r
}

// ReportRow is one group of a breakdown: an organisation's, venue's or workshop's row has its
// ID; a topic, month, age bracket, postal code or outcome its Key ("" where the person's data
// does not say, or for the referrer: came without a referral).
type ReportRow struct {
	ID      int64
	Key     string
	Label   string
	Figures ReportFigures
}

// ReportOf is whose activity a report counts: the slots organisation OrganisationID hosts (0:
// the whole network), or, Referred, the registrations it referred to any host.
type ReportOf struct {
	OrganisationID int64
	Referred       bool
}

// Report is the report of one organisation's activity (or of the network's) over [Start, End).
type Report struct {
	ReportOf
	Start, End  time.Time
	GeneratedAt time.Time
	Totals      ReportFigures
	Rows        map[ReportDimension][]ReportRow
	Devices     EquipmentTotals // handed over in the period
}

// reportPeople counts the registrations of the period's held slots, once for the totals and
// once per breakdown. $1 is the organisation (0: the network),
// [$2, $3) the period, $4 the time of the report.
const reportPeople = `
WITH r AS (
	SELECT s.organisation_id, s.workshop_id, s.venue_id, w.topics,
		to_char(s.starts_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM') AS month,
		r.status, r.attendance, r.walk_in, r.person_key, r.age_bracket, r.postal_code,
		r.referring_org_id, r.outcome
	FROM slots s JOIN workshops w ON w.id = s.workshop_id JOIN registrations r ON r.slot_id = s.id
	WHERE {scope} AND s.starts_at >= $2 AND s.starts_at < $3
	  AND s.starts_at <= $4 AND s.status = 'SCHEDULED'),
-- The people who came in the period and had come before it, in the scope: not first-timers.
came_before AS (
	SELECT DISTINCT r.person_key
	FROM registrations r JOIN slots s ON s.id = r.slot_id
	WHERE r.attendance = 'PRESENT' AND {scope} AND s.starts_at < $2
	  AND r.person_key IN (SELECT person_key FROM r WHERE attendance = 'PRESENT')),
-- came is the person's key when present; first, when also new.
p AS (
	SELECT r.*, CASE WHEN r.attendance = 'PRESENT' THEN r.person_key END AS came,
		CASE WHEN r.attendance = 'PRESENT' AND x.person_key IS NULL THEN r.person_key END AS first
	FROM r LEFT JOIN came_before x ON x.person_key = r.person_key)
-- The totals and a group per value of each breakdown, in one pass (grouping sets); a group's
-- value is '' where the person's data does not say.
SELECT CASE WHEN grouping(workshop_id) = 0 THEN 'workshop' WHEN grouping(month) = 0 THEN 'month'
		WHEN grouping(venue_id) = 0 THEN 'venue' WHEN grouping(organisation_id) = 0 THEN 'organisation'
		WHEN grouping(age_bracket) = 0 THEN 'age_bracket' WHEN grouping(postal_code) = 0 THEN 'postal_code'
		WHEN grouping(referring_org_id) = 0 THEN 'referrer' WHEN grouping(outcome) = 0 THEN 'outcome' ELSE '' END,
	coalesce(CASE WHEN grouping(workshop_id) = 0 THEN workshop_id::text WHEN grouping(month) = 0 THEN month
		WHEN grouping(venue_id) = 0 THEN venue_id::text WHEN grouping(organisation_id) = 0 THEN organisation_id::text
		WHEN grouping(age_bracket) = 0 THEN age_bracket WHEN grouping(postal_code) = 0 THEN postal_code
		WHEN grouping(referring_org_id) = 0 THEN referring_org_id::text WHEN grouping(outcome) = 0 THEN outcome END, ''),
	` + peopleCounts + `
FROM p GROUP BY GROUPING SETS ((), (workshop_id), (month), (venue_id), (organisation_id), (age_bracket),
	(postal_code), (referring_org_id), (outcome))
UNION ALL
SELECT 'topic', t, ` + peopleCounts + ` FROM p CROSS JOIN LATERAL unnest(p.topics) t GROUP BY t`

// The registrations a report counts ({scope} in reportPeople): those of the slots an
// organisation hosts (0: every slot), or those an organisation referred, at every host.
const (
	scopeHosted   = `($1 = 0 OR s.organisation_id = $1)`
	scopeReferred = `r.referring_org_id = $1`
)

// peopleCounts are the counts of a group of registrations, in ReportFigures' order.
const peopleCounts = `count(*),
	count(*) FILTER (WHERE status = 'CONFIRMED'),
	count(*) FILTER (WHERE status = 'WAITLISTED'),
	count(*) FILTER (WHERE status = 'CANCELLED'),
	count(*) FILTER (WHERE attendance = 'PRESENT'),
	count(*) FILTER (WHERE attendance = 'ABSENT'),
	count(*) FILTER (WHERE attendance = 'EXCUSED'),
	count(*) FILTER (WHERE status = 'CONFIRMED' AND attendance IS NULL),
	count(*) FILTER (WHERE walk_in),
	count(DISTINCT came),
	count(DISTINCT first)`

// reportSlots counts the period's slots that started, per slot breakdown.
const reportSlots = `
WITH s AS (
	SELECT s.id, s.organisation_id, s.workshop_id, s.venue_id, s.capacity, s.status,
		to_char(s.starts_at AT TIME ZONE 'Europe/Paris', 'YYYY-MM') AS month, w.topics
	FROM slots s JOIN workshops w ON w.id = s.workshop_id
	WHERE ($1 = 0 OR s.organisation_id = $1) AND s.starts_at >= $2 AND s.starts_at < $3 AND s.starts_at <= $4),
g AS (
	SELECT d.dim, d.key, s.status, s.capacity FROM s
	CROSS JOIN LATERAL (VALUES ('', ''), ('workshop', s.workshop_id::text), ('month', s.month),
		('venue', s.venue_id::text), ('organisation', s.organisation_id::text)) d(dim, key)
	UNION ALL
	SELECT 'topic', t, s.status, s.capacity FROM s CROSS JOIN LATERAL unnest(s.topics) t)
SELECT dim, key, count(*) FILTER (WHERE status = 'SCHEDULED'), count(*) FILTER (WHERE status = 'CANCELLED'),
	coalesce(sum(capacity) FILTER (WHERE status = 'SCHEDULED'), 0)::int
FROM g GROUP BY dim, key`

// reportLabels names the organisations, venues and workshops the rows refer to.
const reportLabels = `
SELECT 'organisation', id, name FROM organisations WHERE id = ANY($1)
UNION ALL SELECT 'venue', id, name FROM venues WHERE id = ANY($2)
UNION ALL SELECT 'workshop', id, title FROM workshops WHERE id = ANY($3)`

// MakeReport computes the report of of's activity for the slots that start in [from, to) and
// have started by now; ErrNotFound if there is no such organisation.
func MakeReport(ctx context.Context, q Querier, of ReportOf, from, to, now time.Time) (Report, error) {
	if of.OrganisationID != 0 {
		var known bool
		if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisations WHERE id = $1)`, of.OrganisationID).Scan(&known); err != nil {
			return Report{}, fmt.Errorf("report of organisation %d: %w", of.OrganisationID, err)
		} else if !known {
			return Report{}, fmt.Errorf("report of organisation %d: %w", of.OrganisationID, ErrNotFound)
		}
	}
	counts := reportCounts{slots: !of.Referred, figures: map[reportGroup]*ReportFigures{}}
	counts.at(reportGroup{}) // the totals, even of a period without slots
	rep := Report{ReportOf: of, Start: from, End: to, GeneratedAt: now}
	var err error
	if rep.Devices, err = counts.read(ctx, q, of, from, to, now); err != nil {
		return Report{}, fmt.Errorf("report of organisation %d: %w", of.OrganisationID, err)
	}
	rep.Totals = *counts.figures[reportGroup{}]
	if rep.Rows, err = counts.rows(); err != nil {
		return Report{}, err
	}
	if err := nameReportRows(ctx, q, rep.Rows); err != nil {
		return Report{}, err
	}
	for dim, rows := range rep.Rows {
		sortReportRows(dim, rows)
	}
	return rep, nil
}

// reportGroup is one group of the counts: a breakdown and the group's value as SQL gives it
// ("" and "" for the totals).
type reportGroup struct {
	dim ReportDimension
	key string
}

// reportCounts are the figures of each group, as the statements give them; slots is whether
// slots and seats apply (not to the registrations an organisation referred to others' slots).
type reportCounts struct {
	slots   bool
	figures map[reportGroup]*ReportFigures
}

// at returns the figures of group g, new ones the first time (with slots and seats where they
// apply).
func (c reportCounts) at(g reportGroup) *ReportFigures {
	f, ok := c.figures[g]
	if !ok {
		f = &ReportFigures{}
		if c.slots && (g.dim == "" || g.dim.slotDimension()) {
			f.SlotsHeld, f.SlotsCancelled, f.SeatsOffered = new(int), new(int), new(int)
		}
		c.figures[g] = f
	}
	return f
}

// read counts slots, registrations and devices in one read-only snapshot, so that they agree.
func (c reportCounts) read(ctx context.Context, q Querier, of ReportOf, from, to, now time.Time) (devices EquipmentTotals, err error) {
	orgID, scope := of.OrganisationID, scopeHosted
	if of.Referred {
		scope = scopeReferred
	}
	err = pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`); err != nil {
			return err
		}
		// A report sorts its registrations once per breakdown: in memory rather than on disk
		// (the default 4 MB spills a year of 50,000), and without JIT compiling, which costs
		// more than it saves here (BenchmarkReportOfAYear).
		if _, err := tx.Exec(ctx, `SET LOCAL jit = off; SET LOCAL work_mem = '64MB'`); err != nil {
			return err
		}
		var g reportGroup
		var held, cancelled, seats int
		if c.slots {
			rows, _ := tx.Query(ctx, reportSlots, orgID, from, to, now)
			if _, err := pgx.ForEachRow(rows, []any{&g.dim, &g.key, &held, &cancelled, &seats}, func() error {
				f := c.at(g)
				*f.SlotsHeld, *f.SlotsCancelled, *f.SeatsOffered = held, cancelled, seats
				return nil
			}); err != nil {
				return err
			}
		}
		var p ReportFigures
		rows, _ := tx.Query(ctx, strings.ReplaceAll(reportPeople, "{scope}", scope), orgID, from, to, now)
		if _, err := pgx.ForEachRow(rows, []any{&g.dim, &g.key, &p.Registrations, &p.Confirmed, &p.Waitlisted,
			&p.Cancelled, &p.Attended, &p.Absent, &p.Excused, &p.Unmarked, &p.WalkIns,
			&p.UniqueParticipants, &p.FirstTimeParticipants}, func() error {
			f := c.at(g)
			p.SlotsHeld, p.SlotsCancelled, p.SeatsOffered = f.SlotsHeld, f.SlotsCancelled, f.SeatsOffered
			*f = p
			return nil
		}); err != nil {
			return err
		}
		devices, err = EquipmentGiven(ctx, tx, of, from, to)
		return err
	})
	return devices, err
}

// rows turns the groups into the report's rows: organisations, venues, workshops and referrers
// by id (named by nameReportRows), and the groups of people whose data does not say as
// UNKNOWN, or NONE (no referral, no outcome).
func (c reportCounts) rows() (map[ReportDimension][]ReportRow, error) {
	out := map[ReportDimension][]ReportRow{}
	for g, f := range c.figures {
		row := ReportRow{Key: g.key, Label: g.key, Figures: *f}
		switch {
		case g.dim == "":
			continue
		case g.dim == ByReferrer && g.key == "":
			row.Key, row.Label = "NONE", "NONE"
		case g.dim == ByWorkshop || g.dim == ByVenue || g.dim == ByOrganisation || g.dim == ByReferrer:
			id, err := strconv.ParseInt(g.key, 10, 64)
			if err != nil {
				return nil, fmt.Errorf("report: %s %q: %w", g.dim, g.key, err)
			}
			row.ID, row.Key, row.Label = id, "", ""
		case (g.dim == ByAgeBracket || g.dim == ByPostalCode) && g.key == "":
			row.Key, row.Label = "UNKNOWN", "UNKNOWN"
		case g.dim == ByOutcome && g.key == "":
			row.Key, row.Label = "NONE", "NONE"
		}
		out[g.dim] = append(out[g.dim], row)
	}
	return out, nil
}

// nameReportRows labels the rows of organisations, venues, workshops and referrers with their
// current names.
func nameReportRows(ctx context.Context, q Querier, rows map[ReportDimension][]ReportRow) error {
	table := map[ReportDimension]ReportDimension{ByWorkshop: ByWorkshop, ByVenue: ByVenue,
		ByOrganisation: ByOrganisation, ByReferrer: ByOrganisation} // whose names a breakdown shows
	ids := map[ReportDimension][]int64{}
	for dim, rs := range rows {
		for _, r := range rs {
			if r.ID != 0 {
				ids[table[dim]] = append(ids[table[dim]], r.ID)
			}
		}
	}
	names := map[ReportDimension]map[int64]string{ByOrganisation: {}, ByVenue: {}, ByWorkshop: {}}
	var dim ReportDimension
	var id int64
	var name string
	res, _ := q.Query(ctx, reportLabels, ids[ByOrganisation], ids[ByVenue], ids[ByWorkshop])
	if _, err := pgx.ForEachRow(res, []any{&dim, &id, &name}, func() error {
		names[dim][id] = name
		return nil
	}); err != nil {
		return fmt.Errorf("report: names: %w", err)
	}
	for dim, rs := range rows {
		for i, r := range rs {
			if r.ID != 0 {
				rs[i].Label = names[table[dim]][r.ID]
			}
		}
	}
	return nil
}

// sortReportRows orders months in time, and the other breakdowns from the most registrations,
// then by name: the largest groups first, in the same order on every call.
func sortReportRows(dim ReportDimension, rows []ReportRow) {
	slices.SortFunc(rows, func(a, b ReportRow) int {
		if dim == ByMonth {
			return strings.Compare(a.Key, b.Key)
		}
		if c := cmp.Compare(b.Figures.Registrations, a.Figures.Registrations); c != 0 {
			return c
		}
		if c := strings.Compare(a.Label, b.Label); c != 0 {
			return c
		}
		return cmp.Or(strings.Compare(a.Key, b.Key), cmp.Compare(a.ID, b.ID))
	})
}
