package db

import (
	"context"
	"crypto/sha256"
	"fmt"
)

// Bucket is a token bucket of a rate limit: it holds at most Burst points and refills at
// PerSecond points a second.
type Bucket struct {
	Burst     float64
	PerSecond float64
}

// Draw is the outcome of taking points from a bucket: Granted, and the points Available
// afterwards.
type Draw struct {
	Granted   bool
	Available float64
}

// TakeTokens takes cost points from the bucket named key (created full on first use) if it
// holds that many, in one statement: the row lock of the upsert orders concurrent draws, so
// the limit holds however many instances draw at once. A refused draw takes nothing.
//
// now() is the start of the drawing statement, which may be earlier than the updated_at of a
// draw that committed while this one waited for the row: elapsed time is never negative and
// updated_at never goes back.
func TakeTokens(ctx context.Context, q Querier, key string, b Bucket, cost float64) (Draw, error) {
	h := sha256.Sum256([]byte(key))
	var d Draw
	err := q.QueryRow(ctx, `
		WITH arg AS (SELECT $2::float8 AS burst, $3::float8 AS rate, $4::float8 AS cost)
		INSERT INTO rate_buckets AS b (key, available, updated_at, granted)
		SELECT $1, CASE WHEN cost <= burst THEN burst - cost ELSE burst END, now(), cost <= burst FROM arg
		ON CONFLICT (key) DO UPDATE SET
			granted = (SELECT least(burst, b.available + rate * greatest(0, extract(epoch FROM now() - b.updated_at))) >= cost FROM arg),
			available = (SELECT level - CASE WHEN level >= cost THEN cost ELSE 0 END
				FROM arg, LATERAL (SELECT least(burst, b.available + rate * greatest(0, extract(epoch FROM now() - b.updated_at))) AS level) l),
			updated_at = greatest(b.updated_at, now())
		RETURNING granted, available`,
		h[:], b.Burst, b.PerSecond, cost).Scan(&d.Granted, &d.Available)
	if err != nil {
		return Draw{}, fmt.Errorf("take %g from rate bucket: %w", cost, err)
	}
	return d, nil
}

// ReturnTokens gives back points a request drew and did not use (another budget refused it),
// up to the bucket's burst.
func ReturnTokens(ctx context.Context, q Querier, key string, b Bucket, points float64) error {
	h := sha256.Sum256([]byte(key))
	if _, err := q.Exec(ctx, `UPDATE rate_buckets SET available = least($2::float8, available + $3::float8) WHERE key = $1`,
		h[:], b.Burst, points); err != nil {
		return fmt.Errorf("return %g to rate bucket: %w", points, err)
	}
	return nil
}

// PurgeRateBuckets deletes the buckets untouched for an hour: full again by then for any
// sensible rate, so forgetting them changes nothing but the table's size.
func PurgeRateBuckets(ctx context.Context, q Querier) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM rate_buckets WHERE updated_at < now() - interval '1 hour'`)
	if err != nil {
		return 0, fmt.Errorf("purge rate buckets: %w", err)
	}
	return tag.RowsAffected(), nil
}
