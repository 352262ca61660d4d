package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// WebhookMessage is one event for one endpoint, and where its delivery stands.
type WebhookMessage struct {
	ID             int64
	EndpointID     int64
	EventType      WebhookEventType
	SlotID         *int64
	RegistrationID *int64
	Data           map[string]any
	CreatedAt      time.Time
	Status         WebhookMessageStatus
	StatusReason   *string
	Attempts       int
	NextAttemptAt  *time.Time
	DeliveredAt    *time.Time
}

const webhookMessageColumns = `id, endpoint_id, type, slot_id, registration_id, data, created_at, status,
	status_reason, attempts, next_attempt_at, delivered_at`

func scanWebhookMessage(row pgx.CollectableRow) (WebhookMessage, error) {
	var m WebhookMessage
	err := row.Scan(&m.ID, &m.EndpointID, &m.EventType, &m.SlotID, &m.RegistrationID, &m.Data, &m.CreatedAt,
		&m.Status, &m.StatusReason, &m.Attempts, &m.NextAttemptAt, &m.DeliveredAt)
	return m, err
}

// WebhookMessageByID returns one message.
func WebhookMessageByID(ctx context.Context, q Querier, id int64) (WebhookMessage, error) {
	return queryOne(ctx, q, fmt.Sprintf("webhook message %d", id), scanWebhookMessage,
		`SELECT `+webhookMessageColumns+` FROM webhook_messages WHERE id = $1`, id)
}

// WebhookMessages lists an endpoint's messages, newest first, of one status if status is set.
func WebhookMessages(ctx context.Context, q Querier, endpointID int64, status WebhookMessageStatus, p Page) ([]WebhookMessage, error) {
	_, afterID := p.after()
	rows, _ := q.Query(ctx, `SELECT `+webhookMessageColumns+` FROM webhook_messages
		WHERE endpoint_id = $1 AND ($2 = '' OR status = $2) AND ($3 = 0 OR id < $3)
		ORDER BY id DESC LIMIT $4`, endpointID, status, afterID, p.limit())
	ms, err := pgx.CollectRows(rows, scanWebhookMessage)
	if err != nil {
		return nil, fmt.Errorf("list webhook messages: %w", err)
	}
	return ms, nil
}

// PingWebhookEndpoint queues a test message to the endpoint, enabled or not: a receiver
// being set up (or mended, before it is enabled again) is tried this way.
func PingWebhookEndpoint(ctx context.Context, q Querier, endpointID int64) (WebhookMessage, error) {
	var m WebhookMessage
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `INSERT INTO webhook_messages (endpoint_id, type, data)
			SELECT id, $2, '{}' FROM webhook_endpoints WHERE id = $1 RETURNING `+webhookMessageColumns,
			endpointID, WebhookPing)
		var err error
		if m, err = pgx.CollectExactlyOneRow(rows, scanWebhookMessage); err != nil {
			return notFound(err, "webhook endpoint")
		}
		return enqueueDeliveries(ctx, tx, []int64{m.ID})
	})
	if err != nil {
		return WebhookMessage{}, fmt.Errorf("ping webhook endpoint %d: %w", endpointID, err)
	}
	return m, nil
}

// ReplayWebhookMessage sends a message again, with a new series of retries, whatever became
// of it: a receiver that lost or mishandled it asks for it again. It keeps its id, so that a
// receiver that did process it recognises it (webhook-id).
func ReplayWebhookMessage(ctx context.Context, q Querier, id int64) (WebhookMessage, error) {
	var m WebhookMessage
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `UPDATE webhook_messages SET status = 'PENDING', status_reason = NULL,
			tries = 0, next_attempt_at = now() WHERE id = $1 RETURNING `+webhookMessageColumns, id)
		var err error
		if m, err = pgx.CollectExactlyOneRow(rows, scanWebhookMessage); err != nil {
			return notFound(err, "webhook message")
		}
		return enqueueDeliveries(ctx, tx, []int64{m.ID})
	})
	if err != nil {
		return WebhookMessage{}, fmt.Errorf("replay webhook message %d: %w", id, err)
	}
	return m, nil
}

// WebhookAttempt is one line of the delivery log.
type WebhookAttempt struct {
	MessageID      int64
	Attempt        int
	AttemptedAt    time.Time
	DurationMs     int
	ResponseStatus *int
	Error          *string
	Succeeded      bool
}

// WebhookAttemptsOf returns the delivery log of messages, by message id, oldest first.
func WebhookAttemptsOf(ctx context.Context, q Querier, messageIDs []int64) (map[int64][]WebhookAttempt, error) {
	rows, _ := q.Query(ctx, `SELECT message_id, attempt, attempted_at, duration_ms, response_code, error, succeeded
		FROM webhook_attempts WHERE message_id = ANY ($1) ORDER BY message_id, attempt`, messageIDs)
	out := make(map[int64][]WebhookAttempt, len(messageIDs))
	var a WebhookAttempt
	_, err := pgx.ForEachRow(rows, []any{&a.MessageID, &a.Attempt, &a.AttemptedAt, &a.DurationMs, &a.ResponseStatus, &a.Error, &a.Succeeded}, func() error {
		out[a.MessageID] = append(out[a.MessageID], a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("webhook attempts: %w", err)
	}
	for _, id := range messageIDs {
		if out[id] == nil {
			out[id] = []WebhookAttempt{}
		}
	}
	return out, nil
}

// WebhookDelivery is what a delivery job needs for one attempt.
type WebhookDelivery struct {
	Message WebhookMessage
	URL     string
	Secrets [][]byte // as stored: the current secret, then the previous one during a rotation's overlap
	Try     int      // in the current series, from 1
}

// ClaimWebhookMessage takes message id for one attempt of at most hold. It is not ok when
// there is nothing to send now: the message is delivered, failed or deleted; or it waits for
// an earlier message of its slot to the same endpoint (receivers see a slot's events in
// order), whose end passes the turn on to it (passOn); or another job is sending it, or it is
// not due yet: wait then says for how long.
func ClaimWebhookMessage(ctx context.Context, q Querier, id int64, hold time.Duration) (d WebhookDelivery, ok bool, wait time.Duration, err error) {
	err = pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		var status WebhookMessageStatus
		var typ WebhookEventType
		var endpointStatus WebhookEndpointStatus
		var endpointID int64
		var slotID *int64
		var sendingFor, dueIn *float64
		err := tx.QueryRow(ctx, `
			SELECT m.status, m.type, m.endpoint_id, m.slot_id, e.status, e.url,
				CASE WHEN e.previous_secret_until > now() THEN ARRAY[e.secret, e.previous_secret] ELSE ARRAY[e.secret] END,
				extract(epoch FROM m.sending_until - now())::float8,
				extract(epoch FROM m.next_attempt_at - now())::float8
			FROM webhook_messages m JOIN webhook_endpoints e ON e.id = m.endpoint_id
			WHERE m.id = $1 FOR UPDATE OF m`, id).Scan(&status, &typ, &endpointID, &slotID, &endpointStatus, &d.URL, &d.Secrets, &sendingFor, &dueIn)
		if errors.Is(err, pgx.ErrNoRows) || err == nil && status != WebhookPending {
			return nil // deleted with its endpoint, or done
		}
		if err != nil {
			return err
		}
		if endpointStatus != WebhookEnabled && typ != WebhookPing { // a ping tries a receiver before it is enabled
			if _, err := tx.Exec(ctx, `UPDATE webhook_messages SET status = 'FAILED', status_reason = 'endpoint disabled',
				next_attempt_at = NULL WHERE id = $1`, id); err != nil {
				return err
			}
			return passOn(ctx, tx, id) // the messages waiting behind it fail in turn
		}
		if sendingFor != nil && *sendingFor > 0 { // a replay's job, while this one is under way
			wait = time.Duration(*sendingFor * float64(time.Second))
			return nil
		}
		if dueIn != nil && *dueIn > 0.5 { // a replay's job came first, or this one woke early
			wait = time.Duration(*dueIn * float64(time.Second))
			return nil
		}
		if slotID != nil {
			waiting, err := waitsForTurn(ctx, tx, endpointID, *slotID, id)
			if err != nil || waiting {
				return err
			}
		}
		rows, _ := tx.Query(ctx, `UPDATE webhook_messages SET attempts = attempts + 1, tries = tries + 1,
			sending_until = clock_timestamp() + make_interval(secs => $2), next_attempt_at = NULL
			WHERE id = $1 RETURNING `+webhookMessageColumns+`, tries`, id, hold.Seconds())
		d.Message, err = pgx.CollectExactlyOneRow(rows, func(row pgx.CollectableRow) (WebhookMessage, error) {
			var m WebhookMessage
			err := row.Scan(&m.ID, &m.EndpointID, &m.EventType, &m.SlotID, &m.RegistrationID, &m.Data, &m.CreatedAt,
				&m.Status, &m.StatusReason, &m.Attempts, &m.NextAttemptAt, &m.DeliveredAt, &d.Try)
			return m, err
		})
		ok = err == nil
		return err
	})
	if err != nil {
		return WebhookDelivery{}, false, 0, fmt.Errorf("claim webhook message %d: %w", id, err)
	}
	return d, ok, wait, nil
}

// The messages of one slot to one endpoint form a queue: a message is sent once the earlier
// ones are delivered or failed. A message that finds an earlier one pending leaves without
// its turn, and the earlier one, when it ends, passes the turn on to the next (passOn). Both
// sides take the queue's lock first, so that a message never leaves just as the one it waits
// for ends without seeing it.
func lockQueue(ctx context.Context, tx pgx.Tx, endpointID, slotID int64) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('webhook queue ' || $1::bigint || ' ' || $2::bigint, 0))`, endpointID, slotID)
	return err
}

// waitsForTurn reports whether an earlier message of the queue is pending.
func waitsForTurn(ctx context.Context, tx pgx.Tx, endpointID, slotID, id int64) (bool, error) {
	if err := lockQueue(ctx, tx, endpointID, slotID); err != nil {
		return false, err
	}
	var waiting bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM webhook_messages WHERE endpoint_id = $1 AND slot_id = $2
		AND status = 'PENDING' AND id < $3)`, endpointID, slotID, id).Scan(&waiting)
	return waiting, err
}

// passOn gives the turn of message id's queue, which it leaves, to the next pending message.
func passOn(ctx context.Context, tx pgx.Tx, id int64) error {
	var endpointID int64
	var slotID *int64
	if err := tx.QueryRow(ctx, `SELECT endpoint_id, slot_id FROM webhook_messages WHERE id = $1`, id).Scan(&endpointID, &slotID); err != nil || slotID == nil {
		return err
	}
	if err := lockQueue(ctx, tx, endpointID, *slotID); err != nil {
		return err
	}
	var next []int64
	rows, _ := tx.Query(ctx, `SELECT id FROM webhook_messages WHERE endpoint_id = $1 AND slot_id = $2
		AND status = 'PENDING' AND id <> $3 ORDER BY id LIMIT 1`, endpointID, *slotID, id)
	next, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	return enqueueDeliveries(ctx, tx, next)
}

// WebhookOutcome is the result of one attempt.
type WebhookOutcome struct {
	Attempt      int
	Try          int // in the series of retries the attempt belongs to (WebhookDelivery.Try)
	Duration     time.Duration
	ResponseCode int    // 0: no response
	Error        string // why it failed, without the receiver's words beyond the status line
	Succeeded    bool
	// RetryIn is when to try again after a failure; 0 means the retries are exhausted: the
	// message fails, and so does the endpoint unless another message got through since this
	// one was written (a receiver that refuses one message is not a dead receiver).
	RetryIn time.Duration
}

// RecordWebhookAttempt writes an attempt in the delivery log and moves the message on.
func RecordWebhookAttempt(ctx context.Context, q Querier, id int64, o WebhookOutcome) (disabled bool, err error) {
	err = pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		var code *int
		if o.ResponseCode != 0 {
			code = &o.ResponseCode
		}
		var errText *string
		if o.Error != "" {
			s := truncate(o.Error, 500)
			errText = &s
		}
		// A replay during the attempt started a new series: its job sends the message, and
		// this attempt's outcome decides nothing more than its line in the log.
		var tries int
		if err := tx.QueryRow(ctx, `SELECT tries FROM webhook_messages WHERE id = $1 FOR UPDATE`, id).Scan(&tries); err != nil {
			if errors.Is(err, pgx.ErrNoRows) {
				return nil // deleted with its endpoint meanwhile: nothing to record
			}
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO webhook_attempts (message_id, attempt, duration_ms, response_code, error, succeeded)
			VALUES ($1, $2, $3, $4, $5, $6)`, id, o.Attempt, o.Duration.Milliseconds(), code, errText, o.Succeeded); err != nil {
			return err
		}
		if tries != o.Try {
			_, err := tx.Exec(ctx, `UPDATE webhook_messages SET sending_until = NULL WHERE id = $1`, id)
			return err
		}
		switch {
		case o.Succeeded:
			if _, err := tx.Exec(ctx, `UPDATE webhook_messages SET status = 'DELIVERED', status_reason = NULL,
				delivered_at = now(), sending_until = NULL, next_attempt_at = NULL WHERE id = $1`, id); err != nil {
				return err
			}
			return passOn(ctx, tx, id)
		case o.RetryIn > 0:
			_, err := tx.Exec(ctx, `UPDATE webhook_messages SET status_reason = $2, sending_until = NULL,
				next_attempt_at = now() + make_interval(secs => $3) WHERE id = $1`, id, errText, o.RetryIn.Seconds())
			return err
		}
		// A ping that fails says so and no more: it tries a receiver, often before it works.
		var endpointID int64
		var alive bool
		if err := tx.QueryRow(ctx, `UPDATE webhook_messages m SET status = 'FAILED', status_reason = $2,
				sending_until = NULL, next_attempt_at = NULL WHERE m.id = $1
			RETURNING m.endpoint_id, m.type = 'WEBHOOK_PING' OR EXISTS (SELECT FROM webhook_messages d
				WHERE d.endpoint_id = m.endpoint_id AND d.delivered_at > m.created_at)`, id, errText).Scan(&endpointID, &alive); err != nil {
			return err
		}
		if alive {
			return passOn(ctx, tx, id)
		}
		tag, err := tx.Exec(ctx, `UPDATE webhook_endpoints SET status = 'DISABLED', disabled_at = now(), updated_at = now(),
			disabled_reason = 'every delivery failed since ' || to_char((SELECT created_at FROM webhook_messages WHERE id = $2)
				AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') || ', last: ' || coalesce($3, 'no answer')
			WHERE id = $1 AND status = 'ENABLED'`, endpointID, id, errText)
		if err != nil {
			return err
		}
		if disabled = tag.RowsAffected() == 1; !disabled { // it was disabled already (this was a ping)
			return passOn(ctx, tx, id)
		}
		_, err = tx.Exec(ctx, `UPDATE webhook_messages SET status = 'FAILED', status_reason = 'endpoint disabled',
			next_attempt_at = NULL WHERE endpoint_id = $1 AND status = 'PENDING' AND sending_until IS NULL`, endpointID)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("record webhook attempt %d: %w", id, err)
	}
	return disabled, nil
}

// WebhookLogRetention is how long delivered and failed messages, and their delivery log, are
// kept: long enough for an organisation to find and replay what its receiver missed over a
// holiday. They hold no personal data, but they grow with every booking.
const WebhookLogRetention = "30 days"

// PurgeWebhookMessages deletes the messages past WebhookLogRetention that are done with.
func PurgeWebhookMessages(ctx context.Context, q Querier) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM webhook_messages WHERE status <> 'PENDING'
		AND created_at < now() - $1::interval`, WebhookLogRetention)
	if err != nil {
		return 0, fmt.Errorf("purge webhook messages: %w", err)
	}
	return tag.RowsAffected(), nil
}

// RescueWebhookMessages gives a job back to the messages that are due and first in their
// queue but have none: their job was lost (discarded after failing in the database, cancelled
// by hand), and nothing else would ever send them or the messages behind them.
func RescueWebhookMessages(ctx context.Context, q Querier) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `
			SELECT m.id FROM webhook_messages m
			WHERE m.status = 'PENDING' AND m.created_at < now() - interval '1 minute'
			  AND coalesce(m.sending_until, m.next_attempt_at, '-infinity') < now() - interval '1 minute'
			  AND NOT EXISTS (SELECT FROM webhook_messages p WHERE p.endpoint_id = m.endpoint_id
				AND p.slot_id = m.slot_id AND p.status = 'PENDING' AND p.id < m.id)
			  AND NOT EXISTS (SELECT FROM river_job j WHERE j.kind = 'webhook_delivery'
				AND j.state IN ('available', 'scheduled', 'running', 'retryable', 'pending')
				AND (j.args->>'message_id')::bigint = m.id)
			ORDER BY m.id LIMIT 1000`)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		n = int64(len(ids))
		return enqueueDeliveries(ctx, tx, ids)
	})
	if err != nil {
		return 0, fmt.Errorf("rescue webhook messages: %w", err)
	}
	return n, nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}
