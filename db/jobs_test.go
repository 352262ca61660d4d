package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db"
)

// jobsOfEvents returns the event ids that booking_event jobs point at, and the events written.
func jobsOfEvents(t *testing.T, q db.Querier) (jobs, events []int64) {
	t.Helper()
	ctx := context.Background()
	rows, err := q.Query(ctx, `SELECT (args->>'event_id')::bigint FROM river_job WHERE kind = 'booking_event' ORDER BY 1`)
	if err == nil {
		jobs, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	}
	if err == nil {
		rows, err = q.Query(ctx, `SELECT id FROM booking_events ORDER BY id`)
	}
	if err == nil {
		events, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	}
	if err != nil {
		t.Fatal(err)
	}
	return jobs, events
}

// Every committed booking event has exactly one job to follow it up, and a booking that rolls
// back, or is refused, leaves neither event nor job.
func TestEveryCommittedEventHasItsJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newBooker(t)

	first := b.mustRegister(1, false, db.RegistrationConfirmed)
	b.mustRegister(2, false, db.RegistrationConfirmed)
	b.mustRegister(3, true, db.RegistrationWaitlisted)
	if _, err := b.register(4, false); !errors.Is(err, db.ErrSlotFull) {
		t.Fatalf("a fourth on a full slot: got %v, want ErrSlotFull", err)
	}
	if _, err := db.CancelRegistration(ctx, b.pool, first.ID, "", db.CancelledByPerson); err != nil {
		t.Fatal(err) // CANCELLED, and PROMOTED for the waiting person
	}
	rolledBack := errors.New("the caller gives up")
	err := pgx.BeginFunc(ctx, b.pool, func(tx pgx.Tx) error {
		if _, _, err := db.Register(ctx, tx, b.request(5, true)); err != nil {
			return err
		}
		return rolledBack
	})
	if !errors.Is(err, rolledBack) {
		t.Fatalf("the rolled-back registration: %v", err)
	}

	jobs, events := jobsOfEvents(t, b.pool)
	if len(events) != 5 {
		t.Errorf("%d events, want 5 (3 registered or waitlisted, 1 cancelled, 1 promoted)", len(events))
	}
	if len(jobs) != len(events) {
		t.Fatalf("%d jobs for %d events: %v, %v", len(jobs), len(events), jobs, events)
	}
	for i := range jobs {
		if jobs[i] != events[i] {
			t.Errorf("jobs point at events %v; want one job per event %v", jobs, events)
			break
		}
	}
}
