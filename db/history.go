package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// PersonSearch names a person by any of their contacts or their name; at least one is set.
type PersonSearch struct {
	Phone *string // E.164, as stored
	Email *string // compared without case
	Name  *string // first and last name in either order, compared without accents or case
}

// MaxHistory is the most registrations a history returns.
const MaxHistory = 200

// PersonHistory returns the registrations on the slots of the caller's organisation that match
// s, the latest slot first, and records the search for the audit (the key, the operation, the
// registrations returned) in the same transaction: a search that returned data is always on
// record.
func PersonHistory(ctx context.Context, q Querier, c Caller, s PersonSearch) ([]Registration, error) {
	var regs []Registration
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+registrationColumns+registrationsFrom+`
			WHERE s.organisation_id = $1
			  AND ($2::text IS NULL OR r.phone = $2)
			  AND ($3::text IS NULL OR lower(r.email) = lower($3))
			  AND ($4::text IS NULL OR lower(unaccent($4)) IN (
				lower(unaccent(coalesce(r.first_name, '') || ' ' || coalesce(r.last_name, ''))),
				lower(unaccent(coalesce(r.last_name, '') || ' ' || coalesce(r.first_name, '')))))
			ORDER BY s.starts_at DESC, r.id DESC LIMIT $5`, c.OrganisationID, s.Phone, s.Email, s.Name, MaxHistory)
		var err error
		if regs, err = pgx.CollectRows(rows, scanRegistration); err != nil {
			return err
		}
		ids := make([]int64, len(regs))
		for i, r := range regs {
			ids[i] = r.ID
		}
		_, err = tx.Exec(ctx, `INSERT INTO personal_data_reads (api_key_id, organisation_id, operation, registration_ids)
			VALUES ($1, $2, 'personHistory', $3)`, c.KeyID, c.OrganisationID, ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("person history: %w", err)
	}
	return regs, nil
}
