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
