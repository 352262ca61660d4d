package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ConsentText is what a person reads and agrees to before an organisation registers them.
type ConsentText struct {
	ID             int64
	OrganisationID int64
	Version        string
	Text           string
	PublishedAt    time.Time
}

// Consent refusals.
var (
	ErrConsentVersionTaken   = errors.New("this version of the consent text is already published")
	ErrUnknownConsentVersion = errors.New("not a version of the host's consent texts")
)

const consentColumns = `c.id, c.organisation_id, c.version, c.text, c.published_at`

func scanConsentText(row pgx.CollectableRow) (ConsentText, error) {
	var c ConsentText
	err := row.Scan(&c.ID, &c.OrganisationID, &c.Version, &c.Text, &c.PublishedAt)
	return c, err
}

// PublishConsentText publishes a new version of an organisation's consent text; a version is
// published once and never changes.
func PublishConsentText(ctx context.Context, q Querier, c ConsentText) (ConsentText, error) {
	rows, _ := q.Query(ctx, `INSERT INTO consent_texts AS c (organisation_id, version, text) VALUES ($1, $2, $3)
		RETURNING `+consentColumns, c.OrganisationID, c.Version, c.Text)
	out, err := pgx.CollectExactlyOneRow(rows, scanConsentText)
	if isUniqueViolation(err, "consent_texts_version") {
		return ConsentText{}, ErrConsentVersionTaken
	}
	if err != nil {
		return ConsentText{}, fmt.Errorf("publish consent text: %w", err)
	}
	return out, nil
}

// checkConsentVersion refuses a consent version that is not one of the host's texts, once the
// host has published any (before that, any version is taken, as it always was).
func checkConsentVersion(ctx context.Context, tx pgx.Tx, hostID int64, version string) error {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT NOT EXISTS (SELECT FROM consent_texts WHERE organisation_id = $1)
		OR EXISTS (SELECT FROM consent_texts WHERE organisation_id = $1 AND version = $2)`, hostID, version).Scan(&ok)
	if err != nil {
		return err
	}
	if !ok {
		return ErrUnknownConsentVersion
	}
	return nil
}

// ConsentTextsOf lists the consent texts of organisations, by organisation, the latest first.
func ConsentTextsOf(ctx context.Context, q Querier, orgIDs []int64) (map[int64][]ConsentText, error) {
	texts, err := queryAll(ctx, q, "consent texts of organisations", scanConsentText,
		`SELECT `+consentColumns+` FROM consent_texts c WHERE c.organisation_id = ANY($1) ORDER BY c.published_at DESC, c.id DESC`, orgIDs)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]ConsentText, len(orgIDs))
	for _, id := range orgIDs {
		out[id] = []ConsentText{}
	}
	for _, t := range texts {
		out[t.OrganisationID] = append(out[t.OrganisationID], t)
	}
	return out, nil
}
