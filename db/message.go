package db

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
)

// Message is one entry of the delivery log: what a person was told, or is about to be, about
// their registration.
type Message struct {
	ID                int64
	RegistrationID    int64
	EventID           *int64
	Kind              MessageKind
	Channel           *MessageChannel
	Status            MessageStatus
	StatusReason      *string
	Attempts          int
	ProviderMessageID *string
	Body              *string
	ReminderFor       *time.Time
	ResendOf          *int64
	QueuedAt          time.Time
	SentAt            *time.Time
	DeliveredAt       *time.Time
	FailedAt          *time.Time
}

// SendArgs is the job that sends one message.
type SendArgs struct {
	MessageID int64 `json:"message_id"`
}

func (SendArgs) Kind() string { return "send_message" }

// ReminderArgs is the job that reminds a person of a slot starting at StartsAt. Scheduled when
// the seat is given, it checks at its time that the seat and the start still hold.
type ReminderArgs struct {
	RegistrationID int64     `json:"registration_id" river:"unique"`
	StartsAt       time.Time `json:"starts_at" river:"unique"`
}

func (ReminderArgs) Kind() string { return "reminder" }

// reminderOpts makes a reminder unique per registration and start: an event followed up twice
// (a worker that died after its commit) schedules one reminder.
var reminderOpts = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true}}

const messageColumns = `m.id, m.registration_id, m.event_id, m.kind, m.channel, m.status,
	m.status_reason, m.attempts, m.provider_message_id, m.body, m.reminder_for, m.resend_of,
	m.queued_at, m.sent_at, m.delivered_at, m.failed_at`

func scanMessage(row pgx.CollectableRow) (Message, error) {
	var m Message
	err := row.Scan(&m.ID, &m.RegistrationID, &m.EventID, &m.Kind, &m.Channel, &m.Status,
		&m.StatusReason, &m.Attempts, &m.ProviderMessageID, &m.Body, &m.ReminderFor, &m.ResendOf,
		&m.QueuedAt, &m.SentAt, &m.DeliveredAt, &m.FailedAt)
	return m, err
}

// MessagesOf returns the delivery log of the registrations ids, by registration.
func MessagesOf(ctx context.Context, q Querier, ids []int64) (map[int64][]Message, error) {
	// In the order of what caused them: an event's messages at the event's time (their jobs
	// may run in any order), a reminder at its own.
	rows, err := q.Query(ctx, `SELECT `+messageColumns+` FROM messages m
		LEFT JOIN booking_events e ON e.id = m.event_id
		WHERE m.registration_id = ANY($1) ORDER BY coalesce(e.occurred_at, m.queued_at), m.event_id, m.id`, ids)
	if err != nil {
		return nil, err
	}
	all, err := pgx.CollectRows(rows, scanMessage)
	if err != nil {
		return nil, err
	}
	out := map[int64][]Message{}
	for _, m := range all {
		out[m.RegistrationID] = append(out[m.RegistrationID], m)
	}
	return out, nil
}

// FollowEvent writes the messages a booking event causes, each with the job that sends it, and
// schedules the reminders of the seats it gives, at remindAt(start), in one transaction. Run
// again for the same event, it writes nothing more (messages_one_per_event, unique reminders).
func FollowEvent(ctx context.Context, q Querier, eventID int64, remindAt func(time.Time) time.Time) error {
	return pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		var kind string
		var cause *string
		var slotID int64
		var regID *int64
		err := tx.QueryRow(ctx, `SELECT kind, cause, slot_id, registration_id FROM booking_events WHERE id = $1`,
			eventID).Scan(&kind, &cause, &slotID, &regID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // an event of a test database reset since; nothing to tell
		}
		if err != nil {
			return err
		}
		var msg MessageKind
		remind := false
		switch {
		case kind == "REGISTERED":
			msg, remind = MessageConfirmation, true
		case kind == "WAITLISTED":
			msg = MessageWaitlisted
		case kind == "PROMOTED":
			msg, remind = MessagePromoted, true
		case kind == "CANCELLED" && cause != nil && *cause == string(CancelledWithSlot):
			msg = MessageSlotCancelled
		case kind == "CANCELLED":
			msg = MessageCancelled
		case kind == "SLOT_MOVED":
			msg, remind = MessageSlotMoved, true
		default:
			return nil // nothing a participant is told about
		}
		// The people concerned: the event's registration, or everyone holding or awaiting a
		// seat on a slot that moved.
		rows, err := tx.Query(ctx, `
			INSERT INTO messages (registration_id, event_id, kind)
			SELECT r.id, $1, $2 FROM registrations r
			WHERE CASE WHEN $3::bigint IS NULL THEN r.slot_id = $4 AND r.status <> 'CANCELLED' ELSE r.id = $3 END
			ON CONFLICT ON CONSTRAINT messages_one_per_event DO NOTHING
			RETURNING id`, eventID, msg, regID, slotID)
		if err != nil {
			return err
		}
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, id := range ids {
			if err := enqueue(ctx, tx, SendArgs{MessageID: id}, nil); err != nil {
				return err
			}
		}
		if !remind {
			return nil
		}
		return scheduleReminders(ctx, tx, slotID, regID, remindAt)
	})
}

// scheduleReminders schedules the reminder of each confirmed registration concerned (one, or
// all of the slot's) for the slot's present start, unless that time has passed.
func scheduleReminders(ctx context.Context, tx pgx.Tx, slotID int64, regID *int64, remindAt func(time.Time) time.Time) error {
	rows, err := tx.Query(ctx, `
		SELECT r.id, s.starts_at FROM registrations r JOIN slots s ON s.id = r.slot_id
		WHERE r.status = 'CONFIRMED' AND s.status = 'SCHEDULED'
		  AND CASE WHEN $1::bigint IS NULL THEN r.slot_id = $2 ELSE r.id = $1 END`, regID, slotID)
	if err != nil {
		return err
	}
	type due struct {
		Reg    int64
		Starts time.Time
	}
	dues, err := pgx.CollectRows(rows, pgx.RowToStructByPos[due])
	if err != nil {
		return err
	}
	now := time.Now()
	for _, d := range dues {
		at := remindAt(d.Starts)
		if !at.After(now) || !d.Starts.After(now) {
			continue // too late for a reminder: the confirmation says it all
		}
		opts := *reminderOpts
		opts.ScheduledAt = at
		if err := enqueue(ctx, tx, ReminderArgs{RegistrationID: d.Reg, StartsAt: d.Starts.UTC()}, &opts); err != nil {
			return err
		}
	}
	return nil
}

// RemindIfStillDue writes the reminder of a registration and the job that sends it, if the
// registration still holds its seat, its slot still starts at startsAt (a moved slot has a
// reminder of its own) and has not started, and the person has not stopped reminders. It
// reports whether it wrote one.
func RemindIfStillDue(ctx context.Context, q Querier, regID int64, startsAt time.Time) (bool, error) {
	written := false
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO messages (registration_id, kind, reminder_for)
			SELECT r.id, 'REMINDER', s.starts_at FROM registrations r JOIN slots s ON s.id = r.slot_id
			WHERE r.id = $1 AND r.status = 'CONFIRMED' AND r.reminders_stopped_at IS NULL
			  AND s.status = 'SCHEDULED' AND s.starts_at = $2 AND s.starts_at > now()
			ON CONFLICT DO NOTHING
			RETURNING id`, regID, startsAt).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		written = true
		return enqueue(ctx, tx, SendArgs{MessageID: id}, nil)
	})
	if err != nil {
		return false, fmt.Errorf("remind registration %d: %w", regID, err)
	}
	return written, nil
}

// Outgoing is a message claimed for sending, with what its text says, read as it is sent.
type Outgoing struct {
	Message
	Registration       Registration
	SlotStartsAt       time.Time
	SlotStatus         SlotStatus
	SlotCancelReason   *string
	Workshop           string
	WhatToBring        []string
	Venue              string
	Address            string
	AccessInstructions string
	Organisation       string
	OrganisationPhone  *string
	OrganisationEmail  *string
	Cause              *CancelCause // of the event, for a cancellation
	RemindersStopped   bool
}

// ClaimMessage takes a message for sending: it must be QUEUED, or SENDING since longer than
// stale (its sender died without recording what the provider answered). The claim commits
// before anything is sent, so that two workers never send one message at once. ok is false
// when the message is not there to send: sent, failed or suppressed (wait 0), or claimed less
// than stale ago (wait is how long until it may be claimed again).
func ClaimMessage(ctx context.Context, q Querier, id int64, stale time.Duration) (out Outgoing, ok bool, wait time.Duration, err error) {
	err = pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		// A person is told in order: not before their earlier messages (of this registration,
		// or to the same phone or email) have gone or failed, earlier meaning in the order of
		// what caused them, as the delivery log lists them (events' jobs may write their
		// messages in any order). One that has waited a day no longer holds the others back.
		var behind bool
		err := tx.QueryRow(ctx, `
			SELECT EXISTS (
				SELECT 1 FROM messages o JOIN registrations ro ON ro.id = o.registration_id
					LEFT JOIN booking_events oe ON oe.id = o.event_id,
					messages m JOIN registrations r ON r.id = m.registration_id
					LEFT JOIN booking_events me ON me.id = m.event_id
				WHERE m.id = $1 AND o.id <> m.id AND o.status IN ('QUEUED', 'SENDING')
				  AND o.queued_at > now() - interval '1 day'
				  AND (coalesce(oe.occurred_at, o.queued_at), coalesce(o.event_id, 0), o.id)
				    < (coalesce(me.occurred_at, m.queued_at), coalesce(m.event_id, 0), m.id)
				  AND (o.registration_id = m.registration_id OR ro.phone = r.phone OR ro.email = r.email))`, id).Scan(&behind)
		if err != nil {
			return err
		}
		if behind {
			wait = 5 * time.Second
			return nil
		}
		rows, err := tx.Query(ctx, `
			UPDATE messages m SET status = 'SENDING', claimed_at = now(), attempts = attempts + 1
			WHERE id = $1 AND (status = 'QUEUED' OR status = 'SENDING' AND claimed_at < now() - $2::interval)
			RETURNING `+messageColumns, id, stale)
		if err != nil {
			return err
		}
		m, err := pgx.CollectExactlyOneRow(rows, scanMessage)
		if errors.Is(err, pgx.ErrNoRows) {
			var left float64 // seconds
			err := tx.QueryRow(ctx, `SELECT extract(epoch FROM claimed_at + $2::interval - now())::float8
				FROM messages WHERE id = $1 AND status = 'SENDING'`, id, stale).Scan(&left)
			if err == nil {
				wait = max(time.Duration(left*float64(time.Second)), time.Second)
			}
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			return err
		}
		if err != nil {
			return err
		}
		out.Message, ok = m, true
		if out.Registration, err = RegistrationByID(ctx, tx, m.RegistrationID); err != nil {
			return err
		}
		var street, postal, city string
		err = tx.QueryRow(ctx, `
			SELECT s.starts_at, s.status, s.cancellation_reason, w.title, w.what_to_bring,
				v.name, v.street_address, v.postal_code, v.city, v.access_instructions,
				o.name, o.phone, o.email, e.cause, r.reminders_stopped_at IS NOT NULL
			FROM registrations r JOIN slots s ON s.id = r.slot_id
			JOIN workshops w ON w.id = s.workshop_id JOIN venues v ON v.id = s.venue_id
			JOIN organisations o ON o.id = s.organisation_id
			LEFT JOIN booking_events e ON e.id = $2
			WHERE r.id = $1`, m.RegistrationID, m.EventID).Scan(
			&out.SlotStartsAt, &out.SlotStatus, &out.SlotCancelReason, &out.Workshop, &out.WhatToBring,
			&out.Venue, &street, &postal, &city, &out.AccessInstructions,
			&out.Organisation, &out.OrganisationPhone, &out.OrganisationEmail, &out.Cause, &out.RemindersStopped)
		out.Address = fmt.Sprintf("%s, %s %s", street, postal, city)
		return err
	})
	if err != nil {
		return Outgoing{}, false, 0, fmt.Errorf("claim message %d: %w", id, err)
	}
	return out, ok, wait, nil
}

// RecordSent records that the provider took the message, by channel, with its id there.
func RecordSent(ctx context.Context, q Querier, id int64, channel MessageChannel, providerID, body string) error {
	_, err := q.Exec(ctx, `UPDATE messages SET status = 'SENT', channel = $2, provider_message_id = nullif($3, ''),
		body = $4, sent_at = now(), status_reason = NULL WHERE id = $1 AND status = 'SENDING'`, id, channel, providerID, body)
	return err
}

// RecordNotSent records that the message was not sent: FAILED (it cannot be) or SUPPRESSED (it
// should not be), with the reason, in words a host reads.
func RecordNotSent(ctx context.Context, q Querier, id int64, status MessageStatus, channel *MessageChannel, reason string) error {
	_, err := q.Exec(ctx, `UPDATE messages SET status = $2, channel = coalesce($3, channel), status_reason = left($4, 500),
		failed_at = CASE WHEN $2 = 'FAILED' THEN now() END WHERE id = $1`, id, status, channel, reason)
	return err
}

// Unclaim gives a message back to its queue after a temporary failure, for its job's retry.
func Unclaim(ctx context.Context, q Querier, id int64, reason string) error {
	_, err := q.Exec(ctx, `UPDATE messages SET status = 'QUEUED', claimed_at = NULL, status_reason = left($2, 500)
		WHERE id = $1 AND status = 'SENDING'`, id, reason)
	return err
}

// StopReminders records that the person wants no more reminders of registration id; the
// reminders already due are then not sent (RemindIfStillDue, and the sender's last check).
func StopReminders(ctx context.Context, q Querier, id int64) (Registration, error) {
	if _, err := q.Exec(ctx, `UPDATE registrations SET reminders_stopped_at = coalesce(reminders_stopped_at, now())
		WHERE id = $1`, id); err != nil {
		return Registration{}, fmt.Errorf("stop reminders of registration %d: %w", id, err)
	}
	return RegistrationByID(ctx, q, id)
}

// RecordReceipt applies a provider's delivery receipt for message id (providerID being the
// provider's id for it). A message only moves forward (receipts may come in any order, or
// twice): SENDING or SENT to DELIVERED or FAILED; SENDING to SENT, which settles a send whose
// answer was lost. A receipt naming another provider id than the one recorded is ignored. An
// SMS that failed is sent again by email when the person gave an email address.
func RecordReceipt(ctx context.Context, q Querier, id int64, providerID string, status MessageStatus, reason string) error {
	from := []MessageStatus{MessageSending}
	if status != MessageSent {
		from = append(from, MessageSent)
	}
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
		UPDATE messages SET status = $3, provider_message_id = $2,
			sent_at = coalesce(sent_at, now()),
			delivered_at = CASE WHEN $3 = 'DELIVERED' THEN now() END,
			failed_at = CASE WHEN $3 = 'FAILED' THEN now() END,
			status_reason = CASE WHEN $3 = 'FAILED' THEN left($5, 500) END
		WHERE id = $1 AND status = ANY($4) AND coalesce(provider_message_id, $2) = $2`,
			id, providerID, status, from, reason)
		if err != nil || tag.RowsAffected() == 0 || status != MessageFailed {
			return err
		}
		var byEmail bool
		err = tx.QueryRow(ctx, `SELECT m.channel = 'SMS' AND r.email IS NOT NULL
			AND NOT EXISTS (SELECT 1 FROM messages o WHERE o.resend_of = m.id)
			FROM messages m JOIN registrations r ON r.id = m.registration_id WHERE m.id = $1`, id).Scan(&byEmail)
		if err != nil || !byEmail {
			return err
		}
		email := ChannelOfEmail
		_, err = resend(ctx, tx, id, &email)
		return err
	})
	if err != nil {
		return fmt.Errorf("receipt of message %d: %w", id, err)
	}
	return nil
}

// MessageByID returns one message.
func MessageByID(ctx context.Context, q Querier, id int64) (Message, error) {
	return queryOne(ctx, q, fmt.Sprintf("message %d", id), scanMessage, `SELECT `+messageColumns+` FROM messages m WHERE m.id = $1`, id)
}

// ErrMessagePending: the message is still on its way; it cannot be sent again yet.
var ErrMessagePending = errors.New("message still on its way")

// Resend writes message id again, by channel if not nil (else as the person prefers), with
// the job that sends it; the copy names its original (resend_of). A message still on its way
// is refused (ErrMessagePending).
func Resend(ctx context.Context, q Querier, id int64, channel *MessageChannel) (Message, error) {
	var m Message
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		var err error
		m, err = resend(ctx, tx, id, channel)
		return err
	})
	if err != nil {
		return Message{}, fmt.Errorf("resend message %d: %w", id, err)
	}
	return m, nil
}

func resend(ctx context.Context, tx pgx.Tx, id int64, channel *MessageChannel) (Message, error) {
	rows, err := tx.Query(ctx, `
		INSERT INTO messages (registration_id, kind, reminder_for, resend_of, channel)
		SELECT registration_id, kind, reminder_for, id, $2 FROM messages
		WHERE id = $1 AND status NOT IN ('QUEUED', 'SENDING')
		RETURNING `+strings.ReplaceAll(messageColumns, "m.", ""), id, channel)
	if err != nil {
		return Message{}, err
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanMessage)
	if errors.Is(err, pgx.ErrNoRows) {
		if _, err := MessageByID(ctx, tx, id); err != nil {
			return Message{}, err
		}
		return Message{}, ErrMessagePending
	}
	if err != nil {
		return Message{}, err
	}
	return m, enqueue(ctx, tx, SendArgs{MessageID: m.ID}, nil)
}

// MessageBodyRetention is how long the text of a sent message is kept in the delivery log: it
// holds a person's name, a workshop and a place, and past it the log's other columns say what
// was sent and what became of it.
const MessageBodyRetention = 90 * 24 * time.Hour

// PurgeMessageBodies clears the text of messages queued longer ago than MessageBodyRetention.
func PurgeMessageBodies(ctx context.Context, q Querier) (int64, error) {
	tag, err := q.Exec(ctx, `UPDATE messages SET body = NULL
		WHERE body IS NOT NULL AND queued_at < now() - $1::interval`, MessageBodyRetention)
	if err != nil {
		return 0, fmt.Errorf("purge message texts: %w", err)
	}
	return tag.RowsAffected(), nil
}
