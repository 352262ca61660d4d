package db

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
	_ "time/tzdata" // Europe/Paris must resolve on machines without a zoneinfo database.

	"github.com/jackc/pgx/v5"
)

// EquipmentRules are an organisation's weights for ranking the open requests of its stock.
// Version 0 is the defaults, for an organisation that never set its own.
type EquipmentRules struct {
	OrganisationID       int64
	Version              int
	YoungWithoutComputer int // under 26 and no computer at home
	SeniorityPerMonth    int // per full month in the structure, for its employees
	SeniorityMaxMonths   int // months beyond this count no more
	NoComputer           int
	NoInternet           int
	NoSmartphone         int
	AttendedWorkshop     int        // the request's registration was marked present
	SetAt                *time.Time // nil for the defaults
}

// DefaultEquipmentRules are the Régie's: young people without equipment first, then seniority
// in the structure, then need. The weights make that order strict: being young without a
// computer (10,000) outweighs any seniority (at most 60 months × 20 = 1,200), and one month of
// seniority (20) outweighs every need together (5 + 3 + 1 + 1 = 10).
var DefaultEquipmentRules = EquipmentRules{YoungWithoutComputer: 10000, SeniorityPerMonth: 20, SeniorityMaxMonths: 60,
	NoComputer: 5, NoInternet: 3, NoSmartphone: 1, AttendedWorkshop: 1}

const equipmentRulesColumns = `organisation_id, version, young_without_computer, seniority_per_month,
	seniority_max_months, no_computer, no_internet, no_smartphone, attended_workshop, created_at`

func scanEquipmentRules(row pgx.CollectableRow) (EquipmentRules, error) {
	var r EquipmentRules
	err := row.Scan(&r.OrganisationID, &r.Version, &r.YoungWithoutComputer, &r.SeniorityPerMonth,
		&r.SeniorityMaxMonths, &r.NoComputer, &r.NoInternet, &r.NoSmartphone, &r.AttendedWorkshop, &r.SetAt)
	return r, err
}

// CurrentEquipmentRules returns an organisation's latest rules, or the defaults (version 0).
func CurrentEquipmentRules(ctx context.Context, q Querier, orgID int64) (EquipmentRules, error) {
	r, err := queryOne(ctx, q, fmt.Sprintf("equipment rules of organisation %d", orgID), scanEquipmentRules,
		`SELECT `+equipmentRulesColumns+` FROM equipment_rules WHERE organisation_id = $1 ORDER BY version DESC LIMIT 1`, orgID)
	if errors.Is(err, ErrNotFound) {
		d := DefaultEquipmentRules
		d.OrganisationID = orgID
		return d, nil
	}
	return r, err
}

// SetEquipmentRules records a new version of an organisation's rules. Two at once get two
// versions, one after the other (an advisory lock per organisation).
func SetEquipmentRules(ctx context.Context, q Querier, r EquipmentRules) (EquipmentRules, error) {
	var out EquipmentRules
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('equipment rules ' || $1::bigint::text, 0))`, r.OrganisationID); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `INSERT INTO equipment_rules (organisation_id, version, young_without_computer,
				seniority_per_month, seniority_max_months, no_computer, no_internet, no_smartphone, attended_workshop)
			SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4, $5, $6, $7, $8 FROM equipment_rules WHERE organisation_id = $1
			RETURNING `+equipmentRulesColumns, r.OrganisationID, r.YoungWithoutComputer, r.SeniorityPerMonth,
			r.SeniorityMaxMonths, r.NoComputer, r.NoInternet, r.NoSmartphone, r.AttendedWorkshop)
		var err error
		out, err = pgx.CollectExactlyOneRow(rows, scanEquipmentRules)
		return err
	})
	if err != nil {
		return EquipmentRules{}, fmt.Errorf("set equipment rules of organisation %d: %w", r.OrganisationID, err)
	}
	return out, nil
}

// PriorityReason is one line of a request's score: the rule, its points and why, in words.
type PriorityReason struct {
	Rule   PriorityRule `json:"rule"`
	Points int          `json:"points"`
	Detail string       `json:"detail"`
}

// RankedRequest is an open request with its place in the ranking.
type RankedRequest struct {
	Rank    int
	Score   int
	Reasons []PriorityReason
	Request EquipmentRequest
}

// Score tells how many points the rules give a request on day today, and why.
func (r EquipmentRules) Score(q EquipmentRequest, today time.Time) (int, []PriorityReason) {
	reasons := []PriorityReason{}
	add := func(rule PriorityRule, points int, detail string, args ...any) {
		if points != 0 {
			reasons = append(reasons, PriorityReason{rule, points, fmt.Sprintf(detail, args...) + fmt.Sprintf(": +%d", points)})
		}
	}
	if q.AgeBracket == AgeUnder26 && !q.HasComputer {
		add(RuleYoungWithoutComputer, r.YoungWithoutComputer, "under 26 without a computer")
	}
	if months := monthsBetween(q.EmployeeSince, today); months > 0 {
		counted := min(months, r.SeniorityMaxMonths)
		if counted < months {
			add(RuleSeniority, counted*r.SeniorityPerMonth, "%d months in the structure (at most %d count)", months, counted)
		} else {
			add(RuleSeniority, counted*r.SeniorityPerMonth, "%d months in the structure", months)
		}
	}
	if !q.HasComputer {
		add(RuleNoComputer, r.NoComputer, "no computer at home")
	}
	if !q.HasInternet {
		add(RuleNoInternet, r.NoInternet, "no internet at home")
	}
	if !q.HasSmartphone {
		add(RuleNoSmartphone, r.NoSmartphone, "no smartphone")
	}
	if q.AttendedWorkshop {
		add(RuleAttendedWorkshop, r.AttendedWorkshop, "came to a workshop")
	}
	total := 0
	for _, x := range reasons {
		total += x.Points
	}
	return total, reasons
}

// monthsBetween counts the full months from since to today (0 without a date): a month is
// full on the same day of the next month, so a start on 31 January makes a month on 1 March.
func monthsBetween(since *time.Time, today time.Time) int {
	if since == nil || since.After(today) {
		return 0
	}
	m := (today.Year()-since.Year())*12 + int(today.Month()-since.Month())
	if today.Day() < since.Day() {
		m--
	}
	return max(m, 0)
}

// Rank orders open requests by score, the highest first; ties go to the earlier request.
func (r EquipmentRules) Rank(requests []EquipmentRequest, today time.Time) []RankedRequest {
	out := make([]RankedRequest, len(requests))
	for i, q := range requests {
		score, reasons := r.Score(q, today)
		out[i] = RankedRequest{Score: score, Reasons: reasons, Request: q}
	}
	slices.SortStableFunc(out, func(a, b RankedRequest) int {
		return cmp.Or(cmp.Compare(b.Score, a.Score), a.Request.CreatedAt.Compare(b.Request.CreatedAt), cmp.Compare(a.Request.ID, b.Request.ID))
	})
	for i := range out {
		out[i].Rank = i + 1
	}
	return out
}

// Ranking ranks an organisation's open requests by its current rules, on today's date.
func Ranking(ctx context.Context, q Querier, orgID int64) (EquipmentRules, []RankedRequest, error) {
	return ranking(ctx, q, orgID, "")
}

// ranking is Ranking, with a lock on the open requests (" FOR UPDATE OF e", for a proposal: a
// request closed meanwhile then waits, and is not chosen closed).
func ranking(ctx context.Context, q Querier, orgID int64, lock string) (EquipmentRules, []RankedRequest, error) {
	rules, err := CurrentEquipmentRules(ctx, q, orgID)
	if err != nil {
		return EquipmentRules{}, nil, err
	}
	open, err := queryAll(ctx, q, fmt.Sprintf("open equipment requests of organisation %d", orgID), scanEquipmentRequest,
		`SELECT `+equipmentRequestColumns+` FROM equipment_requests e WHERE e.organisation_id = $1 AND e.status = 'OPEN'`+lock, orgID)
	if err != nil {
		return EquipmentRules{}, nil, err
	}
	return rules, rules.Rank(open, ParisToday()), nil
}

// ParisToday is today's date in Paris, where seniority is counted, at midnight UTC as dates
// are kept.
func ParisToday() time.Time {
	y, m, d := time.Now().In(paris).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// paris is the time zone of the network's days (the embedded tzdata makes it load anywhere).
var paris = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return loc
}()
