package db_test

import (
	"context"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// Receivers read types as registration.created: the object, then what happened to it.
func TestWebhookTypesOnTheWire(t *testing.T) {
	for typ, want := range map[db.WebhookEventType]string{
		db.WebhookRegistrationCreated: "registration.created",
		db.WebhookAttendanceMarked:    "attendance.marked",
		db.WebhookSeatsChanged:        "slot.seats_changed",
		db.WebhookPing:                "webhook.ping",
	} {
		if got := typ.Wire(); got != want {
			t.Errorf("%s on the wire: %q, want %q", typ, got, want)
		}
	}
}

// A booking event and its webhook messages are one: a registration that rolls back leaves
// neither; a committed one has a message for each endpoint that wants it. The delivery log
// is kept 30 days, then what was delivered or failed goes; what is still on its way stays.
func TestWebhookMessagesComeWithTheirEventAndGoAfterTheirRetention(t *testing.T) {
	b := newBooker(t)
	ctx := context.Background()
	e := hostEndpoint(t, b, db.WebhookRegistrationConfirmed)
	count := func(sql string) int {
		t.Helper()
		var n int
		if err := b.pool.QueryRow(ctx, sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	tx, err := b.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.Register(ctx, tx, b.request(1, false)); err != nil {
		t.Fatal(err)
	}
	tx.Rollback(ctx)
	if n := count(`SELECT count(*) FROM webhook_messages`); n != 0 {
		t.Errorf("after a rolled-back registration: %d messages, want none", n)
	}
	b.mustRegister(2, false, db.RegistrationConfirmed)
	if n := count(`SELECT count(*) FROM webhook_messages WHERE type = 'REGISTRATION_CONFIRMED'`); n != 1 {
		t.Errorf("after a registration: %d messages, want 1", n)
	}
	if n := count(`SELECT count(*) FROM river_job WHERE kind = 'webhook_delivery' AND queue = 'webhooks'`); n != 1 {
		t.Errorf("after a registration: %d delivery jobs, want 1 in the webhooks queue", n)
	}

	// Two old messages, one delivered and one still trying, and a recent delivered one.
	if _, err := b.pool.Exec(ctx, `INSERT INTO webhook_messages (endpoint_id, type, status, created_at) VALUES
		($1, 'WEBHOOK_PING', 'DELIVERED', now() - interval '31 days'),
		($1, 'WEBHOOK_PING', 'PENDING', now() - interval '31 days'),
		($1, 'WEBHOOK_PING', 'DELIVERED', now() - interval '29 days')`, e.ID); err != nil {
		t.Fatal(err)
	}
	n, err := db.PurgeWebhookMessages(ctx, b.pool)
	if err != nil || n != 1 {
		t.Errorf("purge: %d, %v; want the old delivered message only", n, err)
	}
	if n := count(`SELECT count(*) FROM webhook_messages`); n != 3 {
		t.Errorf("after the purge: %d messages, want 3", n)
	}
}

// A message first in its queue whose job was lost is given a new one; a message with a job,
// or waiting behind another, is left alone.
func TestLostWebhookMessagesGetAJobAgain(t *testing.T) {
	b := newBooker(t)
	ctx := context.Background()
	e := hostEndpoint(t, b, db.WebhookSlotChanged)
	// Two messages of the slot without a job, written two minutes ago: the first is rescued,
	// the second waits for its turn.
	if _, err := b.pool.Exec(ctx, `INSERT INTO webhook_messages (endpoint_id, type, slot_id, created_at) VALUES
		($1, 'SLOT_CHANGED', $2, now() - interval '2 minutes'), ($1, 'SLOT_CHANGED', $2, now() - interval '2 minutes')`,
		e.ID, b.slotID); err != nil {
		t.Fatal(err)
	}
	for i, want := range []int64{1, 0} {
		n, err := db.RescueWebhookMessages(ctx, b.pool)
		if err != nil || n != want {
			t.Errorf("rescue %d: %d, %v; want %d", i+1, n, err, want)
		}
	}
}

// hostEndpoint registers an endpoint of the booker's slot's host for typ.
func hostEndpoint(t *testing.T, b booker, typ db.WebhookEventType) db.WebhookEndpoint {
	t.Helper()
	ctx := context.Background()
	var host int64
	if err := b.pool.QueryRow(ctx, `SELECT organisation_id FROM slots WHERE id = $1`, b.slotID).Scan(&host); err != nil {
		t.Fatal(err)
	}
	e, err := db.CreateWebhookEndpoint(ctx, b.pool, db.NewWebhookEndpoint{OrganisationID: host, Secret: []byte("k"),
		URL: "https://hooks.example/regie", EventTypes: []db.WebhookEventType{typ}})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
