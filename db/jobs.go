package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

// The job queue is River, in the project's own database: a job is a row of river_job, so a
// job inserted in a booking's transaction exists exactly when the booking does (a rolled-back
// booking leaves no job; a committed one always has its job), and every instance's workers
// take jobs from the same table, each job once at a time.

// EventArgs is the job that follows up one booking event (a row of booking_events): telling
// the people concerned. The event is the source; the job only points at it.
type EventArgs struct {
	EventID int64 `json:"event_id"`
}

// Kind names the job in river_job; it must not change once jobs of that kind exist.
func (EventArgs) Kind() string { return "booking_event" }

// enqueuer inserts jobs in a caller's transaction. It is an insert-only River client (no pool,
// no workers): it holds no state but its configuration, and the transaction is the caller's.
var enqueuer = func() *river.Client[pgx.Tx] {
	c, err := river.NewClient(riverpgxv5.New(nil), &river.Config{})
	if err != nil {
		panic(err) // only for an invalid configuration, which is fixed above
	}
	return c
}()

// enqueue inserts a job in tx: it runs once tx has committed, and never if tx rolls back.
func enqueue(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) error {
	if _, err := enqueuer.InsertTx(ctx, tx, args, opts); err != nil {
		return fmt.Errorf("enqueue %s: %w", args.Kind(), err)
	}
	return nil
}

// migrateQueue brings River's tables to the version this build knows, one migration per
// transaction (some add an enum value that the next uses, which PostgreSQL allows only after
// a commit), each under an advisory lock so that instances starting at once take turns.
func migrateQueue(ctx context.Context, conn *pgx.Conn) error {
	m, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		return err
	}
	for {
		var applied int
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('ateliers river migrations'))`); err != nil {
				return err
			}
			res, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, &rivermigrate.MigrateOpts{MaxSteps: 1})
			if err == nil {
				applied = len(res.Versions)
			}
			return err
		})
		if err != nil || applied == 0 {
			return err
		}
	}
}

// QueueVersion is the version of River's tables this build migrates to (the test helper's
// template database is named after it, with the project's migrations).
func QueueVersion() int {
	m, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		return 0
	}
	all := m.AllVersions()
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Version
}
