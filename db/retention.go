package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Retention is how long each kind of personal data is kept, by purpose. Past its period, the
// retention job (Anonymise) removes it and keeps what the statistics need: age bracket, postal
// code, equipment, attendance, outcome, the organisations involved and the dates. The defaults
// and their reasons are those of the register of processing (docs/registre-des-traitements.md).
type Retention struct {
	// Contact: a participant's name, phone and email, free-text reasons of their seat, and the
	// management link, after the end of their slot: long enough to follow the person up (a
	// missed workshop booked again, a re-orientation answered), not longer.
	Contact time.Duration
	// FollowUp: the referral (counsellor, reason, reference), the outcome's note and an
	// orientation's reason, after the end of the slot: the funder's report for a year is made
	// in the spring after it, with the referrers' follow-up.
	FollowUp time.Duration
	// Equipment: the person of an equipment request once it is answered (given or closed), and
	// the handover's notes: a device may come back within a year.
	Equipment time.Duration
	// Audit: the record of who read personal data (personal_data_reads) and of who changed
	// what (audit_log).
	Audit time.Duration
}

// DefaultRetention: six months of contact after the slot, eighteen months of follow-up, a
// year for equipment requests answered and for the record of reads.
var DefaultRetention = Retention{
	Contact:   183 * 24 * time.Hour,
	FollowUp:  548 * 24 * time.Hour,
	Equipment: 365 * 24 * time.Hour,
	Audit:     365 * 24 * time.Hour,
}

// RetentionArgs is the periodic job that runs Anonymise (the server enqueues it every hour).
type RetentionArgs struct{}

// Kind names the job in river_job; it must not change once jobs of that kind exist.
func (RetentionArgs) Kind() string { return "retention" }

// Anonymised counts what one run of Anonymise removed.
type Anonymised struct {
	Registrations     int64 // names, contacts and links removed
	FollowUps         int64 // registrations whose referral and notes were removed
	Orientations      int64 // orientations whose person was removed
	OrientationNotes  int64 // orientations whose reason was removed
	EquipmentRequests int64
	HandoverNotes     int64
	Reads             int64 // records of reads deleted
	Changes           int64 // entries of the audit log deleted
}

// What anonymisation clears, shared by retention (Anonymise) and erasure (ErasePerson).
const (
	// clearContact: a registration's names, contacts and free-text reasons, and its management
	// token made unusable (a 16-byte value no SHA-256 equals); anonymised_at is the caller's.
	clearContact = `first_name = NULL, last_name = NULL, phone = NULL, email = NULL,
		priority_reason = NULL, cancellation_reason = NULL, over_capacity_reason = NULL,
		token_hash = decode(md5('anonymised registration ' || r.id), 'hex')`
	// clearFollowUp: a registration's referral and the outcome's note.
	clearFollowUp = `counsellor_name = NULL, referral_reason = NULL, partner_reference = NULL, outcome_note = NULL`
	// clearOrientedPerson: an orientation's copy of the person.
	clearOrientedPerson = `first_name = NULL, last_name = NULL, phone = NULL, email = NULL`
	// clearRequestPerson: an equipment request's person and reasons.
	clearRequestPerson = `first_name = NULL, last_name = NULL, phone = NULL, email = NULL, reason = '', closed_reason = NULL`
	// clearHandoverNotes: a handover's free-text notes.
	clearHandoverNotes = `acknowledgement = NULL, decline_reason = NULL, return_note = NULL, override_reason = NULL`
)

// Anonymise removes the personal data past its period at instant now, in one transaction per
// kind (each statement is idempotent: a second run, or two at once, finds nothing more).
func Anonymise(ctx context.Context, q Querier, now time.Time, r Retention) (Anonymised, error) {
	var a Anonymised
	steps := []struct {
		n   *int64
		sql string
		arg time.Time
	}{
		// Names, contacts, free-text reasons; the management token made unusable (a 16-byte
		// value no SHA-256 equals) and the links of messages deleted.
		{&a.Registrations, `WITH due AS (
				UPDATE registrations r SET ` + clearContact + `, anonymised_at = $2
				FROM slots s WHERE s.id = r.slot_id AND r.anonymised_at IS NULL AND s.ends_at < $1
				RETURNING r.id),
			links AS (DELETE FROM registration_links l USING due WHERE l.registration_id = due.id)
			SELECT count(*) FROM due`, now.Add(-r.Contact)},
		{&a.FollowUps, `WITH due AS (
				UPDATE registrations r SET ` + clearFollowUp + `, follow_up_removed_at = $2
				FROM slots s WHERE s.id = r.slot_id AND r.follow_up_removed_at IS NULL AND s.ends_at < $1
				  AND r.anonymised_at IS NOT NULL
				RETURNING r.id)
			SELECT count(*) FROM due`, now.Add(-r.FollowUp)},
		{&a.Orientations, `WITH due AS (
				UPDATE orientations SET ` + clearOrientedPerson + `, anonymised_at = $2
				WHERE anonymised_at IS NULL AND created_at < $1 RETURNING id)
			SELECT count(*) FROM due`, now.Add(-r.Contact)},
		{&a.OrientationNotes, `WITH due AS (
				UPDATE orientations SET reason = NULL, decline_reason = NULL
				WHERE anonymised_at IS NOT NULL AND reason IS NOT NULL AND created_at < $1 AND anonymised_at <= $2 RETURNING id)
			SELECT count(*) FROM due`, now.Add(-r.FollowUp)},
		// An answered request: its last handover's end, or its creation (closed without one).
		{&a.EquipmentRequests, `WITH due AS (
				UPDATE equipment_requests e SET ` + clearRequestPerson + `, anonymised_at = $2
				WHERE e.anonymised_at IS NULL AND e.status IN ('GIVEN', 'CLOSED')
				  AND greatest(e.created_at, (SELECT max(greatest(h.proposed_at, h.given_at, h.declined_at, h.returned_at))
					FROM equipment_handovers h WHERE h.request_id = e.id)) < $1
				RETURNING e.id)
			SELECT count(*) FROM due`, now.Add(-r.Equipment)},
		{&a.HandoverNotes, `WITH due AS (
				UPDATE equipment_handovers h SET ` + clearHandoverNotes + `, notes_removed_at = $2
				FROM equipment_requests e WHERE e.id = h.request_id AND e.anonymised_at IS NOT NULL AND h.notes_removed_at IS NULL
				  AND $1::timestamptz IS NOT NULL -- with the request's person
				RETURNING h.id)
			SELECT count(*) FROM due`, now.Add(-r.Equipment)},
		{&a.Reads, `WITH due AS (DELETE FROM personal_data_reads WHERE read_at < $1 AND $2::timestamptz IS NOT NULL RETURNING id)
			SELECT count(*) FROM due`, now.Add(-r.Audit)},
	}
	for _, s := range steps {
		err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, s.sql, s.arg, now).Scan(s.n)
		})
		if err != nil {
			return a, fmt.Errorf("anonymise: %w", err)
		}
	}
	// The audit log refuses deletes but the retention job's, which says so in its transaction.
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT set_config('ateliers.retention', 'on', true)`); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `DELETE FROM audit_log WHERE at < $1`, now.Add(-r.Audit))
		a.Changes = tag.RowsAffected()
		return err
	})
	if err != nil {
		return a, fmt.Errorf("anonymise: audit log: %w", err)
	}
	return a, nil
}
