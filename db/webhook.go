package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// MaxWebhookEndpoints is how many endpoints an organisation may have: enough for a few systems
// and their test copies; every booking event is offered to each.
const MaxWebhookEndpoints = 10

// webhookTypes are the webhook events a booking event causes. A new registration is "created"
// and also "confirmed" or "waitlisted", so that a receiver subscribes to what it cares about.
// Seats change with every registration, cancellation and reservation (and capacity: UpdateSlot); the
// cancellations of a cancelled slot say it once, with slot.cancelled.
func webhookTypes(kind string, cause CancelCause) []WebhookEventType {
	switch kind {
	case "REGISTERED":
		return []WebhookEventType{WebhookRegistrationCreated, WebhookRegistrationConfirmed, WebhookSeatsChanged}
	case "WAITLISTED":
		return []WebhookEventType{WebhookRegistrationCreated, WebhookRegistrationWaitlisted, WebhookSeatsChanged}
	case "PROMOTED":
		return []WebhookEventType{WebhookRegistrationPromoted, WebhookSeatsChanged}
	case "CANCELLED":
		if cause == CancelledWithSlot {
			return []WebhookEventType{WebhookRegistrationCancelled}
		}
		return []WebhookEventType{WebhookRegistrationCancelled, WebhookSeatsChanged}
	case "ATTENDANCE_MARKED":
		return []WebhookEventType{WebhookAttendanceMarked}
	case "SLOT_UPDATED", "SLOT_MOVED": // and SLOT_SEATS_CHANGED when the capacity changed (UpdateSlot)
		return []WebhookEventType{WebhookSlotChanged}
	case "SLOT_CANCELLED":
		return []WebhookEventType{WebhookSlotCancelled, WebhookSeatsChanged}
	case "SEATS_RESERVED", "SEATS_RELEASED":
		return []WebhookEventType{WebhookSeatsChanged}
	}
	return nil // PRIORITY_CHANGED: the waiting list's order is the host's own business
}

// WebhookArgs is the job that delivers one webhook message.
type WebhookArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind names the job in river_job; it must not change once jobs of that kind exist.
func (WebhookArgs) Kind() string { return "webhook_delivery" }

// WebhookQueue is the queue of deliveries, apart from the messages to people.
const WebhookQueue = "webhooks"

// InsertOpts puts deliveries in their queue.
func (WebhookArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{Queue: WebhookQueue} }

// recordEvent inserts a booking event and, in the same statement, its webhook messages: one
// per endpoint that wants one of its types and may know of it. The host of the slot hears
// of everything on its slots; a referring organisation hears of its registrations, and of
// changes to a slot where one of them holds (or has just lost, with the slot) a seat. The
// data is the event's figures as they stand in this transaction; no names or contacts.
func recordEvent(ctx context.Context, tx pgx.Tx, kind string, cause CancelCause, slotID int64, registrationID *int64, types []WebhookEventType) (eventID int64, messages []int64, err error) {
	err = tx.QueryRow(ctx, `
		WITH e AS (
			INSERT INTO booking_events (kind, cause, slot_id, registration_id)
			VALUES ($1, nullif($2, ''), $3, $4) RETURNING id, occurred_at
		), w AS (
			INSERT INTO webhook_messages (endpoint_id, event_id, type, slot_id, registration_id, data, created_at)
			SELECT ep.id, e.id, t.type, s.id, r.id,
				CASE WHEN t.type = 'SLOT_SEATS_CHANGED' THEN jsonb_build_object('status', s.status,
						'capacity', s.capacity, 'seatsTaken', s.seats_taken, 'seatsReserved', s.seats_reserved,
						'seatsLeft', CASE WHEN s.status = 'CANCELLED' THEN 0
							ELSE greatest(s.capacity - s.seats_taken - s.seats_reserved, 0) END,
						'waitlistLength', s.waitlist_length)
					WHEN t.type LIKE 'SLOT\_%' THEN jsonb_build_object('status', s.status)
					ELSE jsonb_strip_nulls(jsonb_build_object('status', r.status,
						'cause', nullif($2, ''), 'attendance', r.attendance))
				END,
				e.occurred_at
			FROM e
			CROSS JOIN unnest($5::text[]) WITH ORDINALITY AS t (type, ord)
			JOIN slots s ON s.id = $3
			LEFT JOIN registrations r ON r.id = $4
			JOIN webhook_endpoints ep ON ep.status = 'ENABLED' AND t.type = ANY (ep.event_types)
			WHERE ep.organisation_id = s.organisation_id
				OR (t.type LIKE 'REGISTRATION\_%' OR t.type = 'ATTENDANCE_MARKED')
					AND ep.organisation_id = r.referring_org_id
				OR t.type IN ('SLOT_CHANGED', 'SLOT_CANCELLED') AND ep.organisation_id IN (
					SELECT x.referring_org_id FROM registrations x
					WHERE x.slot_id = s.id AND (x.status <> 'CANCELLED' OR x.cancelled_at = now()))
			ORDER BY t.ord, ep.id
			RETURNING id
		)
		SELECT e.id, coalesce((SELECT array_agg(id ORDER BY id) FROM w), '{}') FROM e`,
		kind, cause, slotID, registrationID, types).Scan(&eventID, &messages)
	return eventID, messages, err
}

// enqueueDeliveries inserts the delivery jobs of messages in tx.
func enqueueDeliveries(ctx context.Context, tx pgx.Tx, messages []int64) error {
	if len(messages) == 0 {
		return nil
	}
	params := make([]river.InsertManyParams, len(messages))
	for i, id := range messages {
		params[i] = river.InsertManyParams{Args: WebhookArgs{MessageID: id}}
	}
	if _, err := enqueuer.InsertManyTx(ctx, tx, params); err != nil {
		return fmt.Errorf("enqueue webhook deliveries: %w", err)
	}
	return nil
}
