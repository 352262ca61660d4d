package db_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// A bucket grants draws while it holds enough, refuses without taking anything, and refills
// with time up to its burst.
func TestRateBucketGrantsUpToItsBurstThenRefills(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	b := db.Bucket{Burst: 10, PerSecond: 1}
	steps := []struct {
		cost      float64
		granted   bool
		available float64
	}{
		{4, true, 6}, // a new bucket starts full
		{6, true, 0},
		{3, false, 0}, // refused, nothing taken
	}
	for i, s := range steps {
		d, err := db.TakeTokens(ctx, pool, "caller", b, s.cost)
		if err != nil {
			t.Fatal(err)
		}
		if d.Granted != s.granted || d.Available < s.available || d.Available > s.available+0.5 {
			t.Errorf("draw %d of %g: got %+v, want granted=%v with about %g left", i, s.cost, d, s.granted, s.available)
		}
	}
	// Five seconds later, five points are back; a minute later, no more than the burst.
	if _, err := pool.Exec(ctx, `UPDATE rate_buckets SET updated_at = updated_at - interval '5 seconds'`); err != nil {
		t.Fatal(err)
	}
	if d, err := db.TakeTokens(ctx, pool, "caller", b, 5); err != nil || !d.Granted || d.Available > 0.5 {
		t.Errorf("after 5 s: got %+v, %v; want 5 granted and nothing left", d, err)
	}
	if _, err := pool.Exec(ctx, `UPDATE rate_buckets SET updated_at = updated_at - interval '1 minute'`); err != nil {
		t.Fatal(err)
	}
	if d, err := db.TakeTokens(ctx, pool, "caller", b, 1); err != nil || !d.Granted || d.Available != 9 {
		t.Errorf("after a minute: got %+v, %v; want 1 granted and 9 left (the burst caps the refill)", d, err)
	}
	// Other callers have buckets of their own.
	if d, err := db.TakeTokens(ctx, pool, "other", b, 10); err != nil || !d.Granted {
		t.Errorf("another caller: got %+v, %v; want a full bucket", d, err)
	}
	// A draw larger than the burst is refused on a new bucket too.
	if d, err := db.TakeTokens(ctx, pool, "greedy", b, 11); err != nil || d.Granted || d.Available != 10 {
		t.Errorf("more than the burst: got %+v, %v; want refused with 10 left", d, err)
	}
}

// Concurrent draws never grant more than the bucket holds: the limit holds across
// instances because it is one row.
func TestRateBucketHoldsUnderConcurrentDraws(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	b := db.Bucket{Burst: 25, PerSecond: 0}
	var granted atomic.Int64
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			d, err := db.TakeTokens(ctx, pool, "crowd", b, 1)
			if err != nil {
				t.Error(err)
				return
			}
			if d.Granted {
				granted.Add(1)
			}
		})
	}
	wg.Wait()
	if n := granted.Load(); n != 25 {
		t.Errorf("100 draws of 1 on a bucket of 25: %d granted, want 25", n)
	}
}

// Buckets idle for an hour are purged.
func TestIdleRateBucketsArePurged(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	for _, k := range []string{"idle", "busy"} {
		if _, err := db.TakeTokens(ctx, pool, k, db.Bucket{Burst: 1, PerSecond: 1}, 1); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE rate_buckets SET updated_at = now() - interval '61 minutes'
		WHERE key = sha256('idle'::bytea)`); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PurgeRateBuckets(ctx, pool); err != nil || n != 1 {
		t.Errorf("purge: got %d, %v; want 1", n, err)
	}
}
