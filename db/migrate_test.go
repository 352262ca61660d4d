package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// Two instances starting at once both migrate the same empty database: each migration runs
// exactly once and both succeed.
func TestMigrateTwiceAtOnce(t *testing.T) {
	ctx := context.Background()
	cfg := emptyDatabase(t, "migrate")

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Go(func() {
			conn, err := pgx.ConnectConfig(ctx, cfg)
			if err != nil {
				errs[i] = err
				return
			}
			defer conn.Close(ctx)
			errs[i] = db.Migrate(ctx, conn)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("instance %d: %v", i, err)
		}
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var version int
	if err := conn.QueryRow(ctx, `SELECT version FROM schema_version`).Scan(&version); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir("migrations")
	if version != len(entries) {
		t.Errorf("schema version = %d, want %d (one per migration file)", version, len(entries))
	}
	// Migrating an up-to-date database is a no-op.
	if err := db.Migrate(ctx, conn); err != nil {
		t.Errorf("migrate again: %v", err)
	}
}

// The capacity rule holds in the database itself, whatever the code above it does.
func TestSeatsTakenCannotExceedCapacity(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	slotID := newSlot(t, pool, "regie")
	_, err := pool.Exec(ctx, `UPDATE slots SET seats_taken = 3 WHERE id = $1`, slotID)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23514" ||
		pgErr.ConstraintName != "slots_seats_taken_within_capacity" && pgErr.ConstraintName != "slots_within_capacity" {
		t.Errorf("seats_taken = 3 on a slot of capacity 2: got %v; want a violation of a capacity CHECK", err)
	}
}

// newSlot inserts an organisation (slug), a workshop, a venue and a public slot of capacity 2
// tomorrow, and returns the slot's id.
func newSlot(t *testing.T, q db.Querier, slug string) int64 {
	t.Helper()
	var slotID int64
	err := q.QueryRow(context.Background(), `
		WITH o AS (INSERT INTO organisations (name, slug, kind) VALUES ('R', $1, 'OTHER') RETURNING id),
		     w AS (INSERT INTO workshops (organisation_id, title, topics, level, duration_minutes, audiences, status)
		           SELECT id, 'CV', '{CV_AND_JOB_SEARCH}', 'BEGINNER', 120, '{EVERYONE}', 'PUBLISHED' FROM o RETURNING id, organisation_id),
		     v AS (INSERT INTO venues (organisation_id, name, street_address, postal_code, city)
		           SELECT id, 'E', '1 rue', '93240', 'Stains' FROM o RETURNING id)
		INSERT INTO slots (organisation_id, workshop_id, venue_id, starts_at, ends_at, capacity, visibility, registration_closes_at)
		SELECT w.organisation_id, w.id, v.id, now() + interval '1 day', now() + interval '1 day 2 hours', 2, 'PUBLIC', now() + interval '1 day'
		FROM w, v RETURNING id`, slug).Scan(&slotID)
	if err != nil {
		t.Fatal(err)
	}
	return slotID
}

// emptyDatabase creates a database with nothing in it, dropped when the test ends, and
// returns how to connect to it: for tests of the migrations themselves.
func emptyDatabase(t *testing.T, prefix string) *pgx.ConnConfig {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dbtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	name := fmt.Sprintf("%s_%d", prefix, os.Getpid())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Exec(context.Background(), "DROP DATABASE "+name+" WITH (FORCE)") })
	cfg := admin.Config().Copy()
	cfg.Database = name
	return cfg
}
