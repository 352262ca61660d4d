package db

import (
	"context"
	"fmt"
	"time"
)

// RegistrationLine is one registration of a host's slot as the host's export lists it, or a
// slot without registrations (RegistrationID 0). Personal data is nil once anonymised.
type RegistrationLine struct {
	SlotID         int64
	StartsAt       time.Time
	EndsAt         time.Time
	SlotStatus     SlotStatus
	Workshop       string
	Venue          string
	RegistrationID int64
	Code           string // the confirmation code
	Status         RegistrationStatus
	Attendance     *Attendance
	WalkIn         bool
	FirstName      *string
	LastName       *string
	Phone          *string
	Email          *string
	PostalCode     *string
	AgeBracket     *AgeBracket
	Referrer       string // the referring organisation's name, "" without referral
	Counsellor     *string
	Outcome        *OutcomeKind
	AnonymisedAt   *time.Time
}

// EachRegistrationOfHost calls fn for each registration of the slots organisation orgID hosts
// that start in [from, to), cancelled ones included, in the order of the slots' start, then
// of the registrations. It reads page rows at a time, each page a short statement after the
// last row of the one before (keyset), so that a year of a large host is never held in memory
// and a slow client never holds a statement open past its timeout; each page is read as it is
// then. fn's error stops the walk and is returned as is.
func EachRegistrationOfHost(ctx context.Context, q Querier, orgID int64, from, to time.Time, page int, fn func(RegistrationLine) error) error {
	var after struct {
		startsAt      time.Time
		slotID, regID int64
	}
	after.startsAt = from // before the first slot's (from, id, ...)
	for {
		rows, err := q.Query(ctx, `
			SELECT s.id, s.starts_at, s.ends_at, s.status, w.title, v.name, coalesce(r.id, 0), coalesce(r.confirmation_code, ''),
				coalesce(r.status, ''), r.attendance, coalesce(r.walk_in, false), r.first_name, r.last_name, r.phone, r.email,
				r.postal_code, r.age_bracket, coalesce(ro.name, ''), r.counsellor_name, r.outcome, r.anonymised_at
			FROM slots s JOIN workshops w ON w.id = s.workshop_id JOIN venues v ON v.id = s.venue_id
			LEFT JOIN registrations r ON r.slot_id = s.id
			LEFT JOIN organisations ro ON ro.id = r.referring_org_id
			WHERE s.organisation_id = $1 AND s.starts_at >= $2 AND s.starts_at < $3
			  AND (s.starts_at, s.id, coalesce(r.id, 0)) > ($4, $5, $6)
			ORDER BY s.starts_at, s.id, coalesce(r.id, 0)
			LIMIT $7`, orgID, from, to, after.startsAt, after.slotID, after.regID, page)
		if err != nil {
			return fmt.Errorf("registrations of organisation %d: %w", orgID, err)
		}
		var lines []RegistrationLine
		var l RegistrationLine
		for rows.Next() {
			if err := rows.Scan(&l.SlotID, &l.StartsAt, &l.EndsAt, &l.SlotStatus, &l.Workshop, &l.Venue, &l.RegistrationID,
				&l.Code, &l.Status, &l.Attendance, &l.WalkIn, &l.FirstName, &l.LastName, &l.Phone, &l.Email, &l.PostalCode,
				&l.AgeBracket, &l.Referrer, &l.Counsellor, &l.Outcome, &l.AnonymisedAt); err != nil {
				rows.Close()
				return fmt.Errorf("registrations of organisation %d: %w", orgID, err)
			}
			lines = append(lines, l)
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("registrations of organisation %d: %w", orgID, err)
		}
		// The page is read and its statement done before fn writes to a client, however slow.
		for _, l := range lines {
			if err := fn(l); err != nil {
				return err
			}
		}
		if len(lines) < page {
			return nil
		}
		last := lines[len(lines)-1]
		after.startsAt, after.slotID, after.regID = last.StartsAt, last.SlotID, last.RegistrationID
	}
}
