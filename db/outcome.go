package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Outcome is what a workshop led to for a person who came, recorded by the host.
type Outcome struct {
	Kind       OutcomeKind
	Note       *string // personal data: shown only with the registration's personal data
	RecordedAt time.Time
}

// ErrNotPresent refuses an outcome for a person not marked PRESENT (absent, excused, or not
// marked yet, which includes every slot that has not started).
var ErrNotPresent = errors.New("an outcome is recorded for a person marked present")

// RecordOutcome records (or replaces) the outcome of a registration whose person was marked
// PRESENT. Access is checked by the caller. The condition and the write are one statement on
// the row, so an attendance changed meanwhile is judged as it stands; the CHECK
// registrations_outcome_present is the last defence.
func RecordOutcome(ctx context.Context, q Querier, id int64, kind OutcomeKind, note *string) (Registration, error) {
	var reg Registration
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE registrations SET outcome = $2, outcome_note = $3, outcome_recorded_at = now()
			WHERE id = $1 AND attendance = 'PRESENT'`, id, kind, note)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotPresent
		}
		reg, err = RegistrationByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Registration{}, fmt.Errorf("record outcome of registration %d: %w", id, err)
	}
	return reg, nil
}
