package db_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// A listener hears every committed change of the catalogue, and only committed ones, and
// stays listening through quiet spells by hearing its own heartbeat.
func TestListenCatalogueHearsCommitsAndKeepsAlive(t *testing.T) {
	t.Parallel()
	url := dbtest.NewDatabase(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	listener, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(context.Background())
	notices := make(chan int64, 16)
	listening := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		// A beat of 250 ms: the listener gives up after three missed beats, and a loaded
		// machine (the suite with -race on two cores) stalled 50 ms beats past that.
		done <- db.ListenCatalogue(ctx, listener, 250*time.Millisecond, func() { close(listening) }, func(slot int64) { notices <- slot })
	}()
	<-listening

	writer, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close(context.Background())
	// Rolled back: no notice. Committed, with three statements: one notice.
	tx, _ := writer.Begin(ctx)
	tx.Exec(ctx, `INSERT INTO organisations (slug, name, kind) VALUES ('rolled-back', 'Rolled back', 'OTHER')`)
	tx.Rollback(ctx)
	tx, _ = writer.Begin(ctx)
	for _, slug := range []string{"org-a", "org-b", "org-c"} {
		if _, err := tx.Exec(ctx, `INSERT INTO organisations (slug, name, kind) VALUES ($1, 'Structure', 'OTHER')`, slug); err != nil {
			t.Fatal(err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// Then a new slot (one notice) and a change of its seats, whose notice names it: notices
	// arrive in commit order, so once that one is heard, every earlier one has been.
	slot := newSlot(t, writer, "marker")
	if _, err := writer.Exec(ctx, `UPDATE slots SET seats_taken = 1 WHERE id = $1`, slot); err != nil {
		t.Fatal(err)
	}
	var before []int64
	for heard := false; !heard; {
		select {
		case n := <-notices:
			if heard = n == slot; !heard {
				before = append(before, n)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no notice of the seat change; heard %v", before)
		}
	}
	if len(before) != 2 {
		t.Errorf("notices before the seat change: %v, want two (the committed transaction, the new slot)", before)
	}
	// Quiet for ten beats: the heartbeat keeps the listener going.
	time.Sleep(2500 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("the listener stopped during a quiet spell: %v", err)
	default:
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("after its context ended the listener returned %v, want context.Canceled", err)
	}
}

// A listener that stops hearing (here its channels are unlistened behind its back, as when a
// pooler hands its session to someone else) gives up within three beats instead of believing
// that nothing changes.
func TestListenCatalogueGivesUpWhenDeaf(t *testing.T) {
	t.Parallel()
	url := dbtest.NewDatabase(t)
	ctx := t.Context()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	start := time.Now()
	err = db.ListenCatalogue(ctx, conn, 50*time.Millisecond, func() {
		if _, err := conn.Exec(ctx, "UNLISTEN *"); err != nil {
			t.Error(err)
		}
	}, func(int64) {})
	if !errors.Is(err, db.ErrDeaf) || time.Since(start) > 2*time.Second {
		t.Fatalf("deaf listener: %v after %v, want ErrDeaf within about 150 ms", err, time.Since(start))
	}
}

// A notice names the slot when only its seats changed (a booking, an allocation), so that
// caches forget only the pages showing it; any other change of a slot names none.
func TestListenCatalogueNamesTheSlotOfASeatChange(t *testing.T) {
	t.Parallel()
	url := dbtest.NewDatabase(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	writer, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer writer.Close(context.Background())
	slot := newSlot(t, writer, "regie")
	listener, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer listener.Close(context.Background())
	heard := make(chan int64, 10)
	listening, done := make(chan struct{}), make(chan error, 1)
	go func() {
		done <- db.ListenCatalogue(ctx, listener, time.Second, func() { close(listening) }, func(s int64) { heard <- s })
	}()
	defer func() { cancel(); <-done }() // before the connection closes
	<-listening
	for _, c := range []struct {
		sql  string
		want int64
	}{
		{`UPDATE slots SET seats_taken = seats_taken + 1, waitlist_length = 1 WHERE id = $1`, slot},
		{`INSERT INTO slot_allocations (slot_id, organisation_id, seats) VALUES ($1, (SELECT organisation_id FROM slots WHERE id = $1), 1)`, slot},
		{`UPDATE slots SET capacity = 3 WHERE id = $1`, 0},
		{`UPDATE slots SET seats_taken = 0, facilitator_name = 'Awa' WHERE id = $1`, 0},
	} {
		if _, err := writer.Exec(ctx, c.sql, slot); err != nil {
			t.Fatalf("%s: %v", c.sql, err)
		}
		select {
		case got := <-heard:
			if got != c.want {
				t.Errorf("%s: notice names slot %d, want %d", c.sql, got, c.want)
			}
		case <-time.After(2 * time.Second):
			t.Fatalf("%s: no notice", c.sql)
		}
	}
}
