package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// A stored response is replayed for 24 hours, then forgotten, and purged after 48.
func TestIdempotencyKeysLastADayThenGo(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	for key, age := range map[string]string{"fresh": "1 hour", "stale": "25 hours", "old": "49 hours"} {
		if err := db.StoreResponse(ctx, pool, []byte(key), []byte("request"), []byte("sealed")); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `UPDATE idempotency_keys SET created_at = now() - $2::interval WHERE key_hash = $1`, []byte(key), age); err != nil {
			t.Fatal(err)
		}
	}
	if _, sealed, err := db.StoredResponse(ctx, pool, []byte("fresh")); err != nil || string(sealed) != "sealed" {
		t.Errorf("an hour-old response: got %q, %v; want it replayed", sealed, err)
	}
	if _, _, err := db.StoredResponse(ctx, pool, []byte("stale")); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("a 25-hour-old response: got %v, want ErrNotFound", err)
	}
	// A key reused after its window stores the new response.
	if err := db.StoreResponse(ctx, pool, []byte("stale"), []byte("other"), []byte("new")); err != nil {
		t.Fatal(err)
	}
	if _, sealed, err := db.StoredResponse(ctx, pool, []byte("stale")); err != nil || string(sealed) != "new" {
		t.Errorf("a key reused after a day: got %q, %v; want the new response", sealed, err)
	}
	if n, err := db.PurgeIdempotencyKeys(ctx, pool); err != nil || n != 1 {
		t.Errorf("purge: got %d, %v; want 1 (the 49-hour-old one)", n, err)
	}
}

// Once runs a mutation at most once per key: its writes and its answer commit together; the
// same request replays the answer and runs nothing; another request under the key is refused;
// a refusal (nil answer) is not kept; a key held by a running transaction answers ErrInFlight.
func TestOnceRunsAMutationAtMostOncePerKey(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE runs (n int)`); err != nil {
		t.Fatal(err)
	}
	runs := 0
	write := func(q db.Querier) ([]byte, error) {
		runs++
		_, err := q.Exec(ctx, `INSERT INTO runs VALUES (1)`)
		return []byte("answer"), err
	}
	count := func() (n int) {
		pool.QueryRow(ctx, `SELECT count(*) FROM runs`).Scan(&n)
		return n
	}

	for i, want := range []bool{false, true, true} {
		answer, replayed, err := db.Once(ctx, pool, []byte("key"), []byte("request"), write)
		if err != nil || string(answer) != "answer" || replayed != want {
			t.Fatalf("call %d: got %q, replayed %t, %v; want the answer, replayed %t", i+1, answer, replayed, err, want)
		}
	}
	if runs != 1 || count() != 1 {
		t.Errorf("ran %d times, %d rows; want once", runs, count())
	}
	if _, _, err := db.Once(ctx, pool, []byte("key"), []byte("another request"), write); !errors.Is(err, db.ErrKeyReused) {
		t.Errorf("another request under the key: got %v, want ErrKeyReused", err)
	}

	refuse := func(db.Querier) ([]byte, error) { runs++; return nil, nil }
	for range 2 {
		if answer, replayed, err := db.Once(ctx, pool, []byte("refused"), []byte("request"), refuse); err != nil || answer != nil || replayed {
			t.Errorf("a refusal: got %q, replayed %t, %v; want nothing kept", answer, replayed, err)
		}
	}
	if runs != 3 {
		t.Errorf("a refusal ran %d times in two calls, want 2: it is not kept", runs-1)
	}

	fail := errors.New("boom")
	if _, _, err := db.Once(ctx, pool, []byte("failed"), []byte("request"), func(q db.Querier) ([]byte, error) {
		q.Exec(ctx, `INSERT INTO runs VALUES (2)`)
		return []byte("lost"), fail
	}); !errors.Is(err, fail) || count() != 1 {
		t.Errorf("a failing mutation: got %v and %d rows; want its error and its write rolled back", err, count())
	}

	entered, release := make(chan struct{}), make(chan struct{})
	done := make(chan error)
	go func() {
		_, _, err := db.Once(ctx, pool, []byte("slow"), []byte("request"), func(db.Querier) ([]byte, error) {
			close(entered)
			<-release
			return []byte("answer"), nil
		})
		done <- err
	}()
	<-entered
	if _, _, err := db.Once(ctx, pool, []byte("slow"), []byte("request"), write); !errors.Is(err, db.ErrInFlight) {
		t.Errorf("while the first call runs: got %v, want ErrInFlight", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
