package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// WebhookEndpoint is where an organisation receives webhook messages.
type WebhookEndpoint struct {
	ID                       int64
	OrganisationID           int64
	URL                      string
	Description              string
	EventTypes               []WebhookEventType
	Status                   WebhookEndpointStatus
	DisabledReason           *string
	DisabledAt               *time.Time
	PreviousSecretValidUntil *time.Time // a rotation's previous secret signs too until then
	CreatedAt                time.Time
	UpdatedAt                time.Time
}

const webhookEndpointColumns = `id, organisation_id, url, description, event_types, status, disabled_reason,
	disabled_at, CASE WHEN previous_secret_until > now() THEN previous_secret_until END, created_at, updated_at`

func scanWebhookEndpoint(row pgx.CollectableRow) (WebhookEndpoint, error) {
	var e WebhookEndpoint
	err := row.Scan(&e.ID, &e.OrganisationID, &e.URL, &e.Description, &e.EventTypes, &e.Status,
		&e.DisabledReason, &e.DisabledAt, &e.PreviousSecretValidUntil, &e.CreatedAt, &e.UpdatedAt)
	return e, err
}

// ErrTooManyEndpoints: the organisation has MaxWebhookEndpoints already.
var ErrTooManyEndpoints = errors.New("too many webhook endpoints")

// NewWebhookEndpoint describes an endpoint to create.
type NewWebhookEndpoint struct {
	OrganisationID int64
	URL            string
	Description    string
	EventTypes     []WebhookEventType
	Secret         []byte // as stored (webhooks.Vault): db keeps it and gives it back, opaque
}

// CreateWebhookEndpoint stores an endpoint.
func CreateWebhookEndpoint(ctx context.Context, q Querier, n NewWebhookEndpoint) (WebhookEndpoint, error) {
	var e WebhookEndpoint
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		// The organisation's row is the lock that makes the count exact under concurrency.
		var n64 int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM webhook_endpoints WHERE organisation_id = o.id)
			FROM organisations o WHERE o.id = $1 FOR NO KEY UPDATE`, n.OrganisationID).Scan(&n64); err != nil {
			return notFound(err, "organisation")
		}
		if n64 >= MaxWebhookEndpoints {
			return ErrTooManyEndpoints
		}
		rows, _ := tx.Query(ctx, `INSERT INTO webhook_endpoints (organisation_id, url, description, event_types, secret)
			VALUES ($1, $2, $3, $4, $5) RETURNING `+webhookEndpointColumns,
			n.OrganisationID, n.URL, n.Description, n.EventTypes, n.Secret)
		var err error
		e, err = pgx.CollectExactlyOneRow(rows, scanWebhookEndpoint)
		return err
	})
	if err != nil {
		return WebhookEndpoint{}, fmt.Errorf("create webhook endpoint: %w", err)
	}
	return e, nil
}

// WebhookEndpointByID returns one endpoint.
func WebhookEndpointByID(ctx context.Context, q Querier, id int64) (WebhookEndpoint, error) {
	return queryOne(ctx, q, fmt.Sprintf("webhook endpoint %d", id), scanWebhookEndpoint,
		`SELECT `+webhookEndpointColumns+` FROM webhook_endpoints WHERE id = $1`, id)
}

// WebhookEndpoints lists an organisation's endpoints, newest first.
func WebhookEndpoints(ctx context.Context, q Querier, orgID int64, p Page) ([]WebhookEndpoint, error) {
	_, afterID := p.after()
	rows, _ := q.Query(ctx, `SELECT `+webhookEndpointColumns+` FROM webhook_endpoints
		WHERE organisation_id = $1 AND ($2 = 0 OR id < $2) ORDER BY id DESC LIMIT $3`, orgID, afterID, p.limit())
	es, err := pgx.CollectRows(rows, scanWebhookEndpoint)
	if err != nil {
		return nil, fmt.Errorf("list webhook endpoints: %w", err)
	}
	return es, nil
}

// WebhookEndpointPatch is what updateWebhookEndpoint changes; nil fields stay.
type WebhookEndpointPatch struct {
	URL         *string
	Description *string
	EventTypes  []WebhookEventType
	Enabled     *bool
}

// UpdateWebhookEndpoint applies p. Enabling an endpoint clears why it was disabled; its
// failed messages stay failed (the organisation replays those it wants).
func UpdateWebhookEndpoint(ctx context.Context, q Querier, id int64, p WebhookEndpointPatch) (WebhookEndpoint, error) {
	return queryOne(ctx, q, fmt.Sprintf("update webhook endpoint %d", id), scanWebhookEndpoint, `
		UPDATE webhook_endpoints SET
			url = coalesce($2, url),
			description = coalesce($3, description),
			event_types = coalesce($4, event_types),
			status = CASE WHEN $5::boolean THEN 'ENABLED' WHEN NOT $5::boolean THEN 'DISABLED' ELSE status END,
			disabled_at = CASE WHEN $5::boolean THEN NULL WHEN NOT $5::boolean THEN coalesce(disabled_at, now()) ELSE disabled_at END,
			disabled_reason = CASE WHEN $5::boolean THEN NULL WHEN NOT $5::boolean THEN coalesce(disabled_reason, 'disabled by the organisation') ELSE disabled_reason END,
			updated_at = now()
		WHERE id = $1 RETURNING `+webhookEndpointColumns, id, p.URL, p.Description, p.EventTypes, p.Enabled)
}

// RotateWebhookSecret gives the endpoint a new secret (as stored); the current one keeps
// signing beside it for overlap, so that the receiver can switch without losing a message.
func RotateWebhookSecret(ctx context.Context, q Querier, id int64, secret []byte, overlap time.Duration) (WebhookEndpoint, error) {
	return queryOne(ctx, q, fmt.Sprintf("rotate webhook secret %d", id), scanWebhookEndpoint, `
		UPDATE webhook_endpoints SET previous_secret = secret, secret = $2,
			previous_secret_until = now() + make_interval(secs => $3), updated_at = now()
		WHERE id = $1 RETURNING `+webhookEndpointColumns, id, secret, overlap.Seconds())
}

// DeleteWebhookEndpoint deletes an endpoint with its messages and their log; jobs still
// queued for them find nothing and end.
func DeleteWebhookEndpoint(ctx context.Context, q Querier, id int64) error {
	tag, err := q.Exec(ctx, `DELETE FROM webhook_endpoints WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete webhook endpoint %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete webhook endpoint %d: %w", id, ErrNotFound)
	}
	return nil
}
