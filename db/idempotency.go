package db

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// ErrInFlight: a request with the same idempotency key is being processed right now.
var ErrInFlight = errors.New("a request with this idempotency key is in flight")

// ErrKeyReused: the idempotency key holds the answer to a different request.
var ErrKeyReused = errors.New("idempotency key used with a different request")

// Once runs fn at most once per idempotency key, in one transaction that claims the key first:
// when the key holds an answer to the same request (requestHash), it returns that answer with
// replayed true and runs nothing; to a different request, ErrKeyReused; when another
// transaction holds the key, ErrInFlight. Otherwise it runs fn in the transaction and stores
// the answer fn returns, in the same commit as fn's writes; an answer of nil is not kept (a
// refusal: the client may fix its input and retry with the same key). Answers are opaque
// bytes: the caller encodes (and seals) them.
func Once(ctx context.Context, q Querier, keyHash, requestHash []byte, fn func(Querier) ([]byte, error)) (answer []byte, replayed bool, err error) {
	err = pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		if err := ClaimIdempotencyKey(ctx, tx, keyHash); err != nil {
			return err
		}
		storedHash, stored, err := StoredResponse(ctx, tx, keyHash)
		switch {
		case err == nil && subtle.ConstantTimeCompare(storedHash, requestHash) != 1:
			return ErrKeyReused
		case err == nil:
			answer, replayed = stored, true
			return nil
		case !errors.Is(err, ErrNotFound):
			return err
		}
		if answer, err = fn(tx); err != nil || answer == nil {
			return err
		}
		return StoreResponse(ctx, tx, keyHash, requestHash, answer)
	})
	return answer, replayed, err
}

// ClaimIdempotencyKey takes the key for the length of tx, or answers ErrInFlight when another
// transaction holds it. An advisory lock, not a row lock, so that the second request answers
// at once instead of queueing behind the first.
func ClaimIdempotencyKey(ctx context.Context, tx pgx.Tx, keyHash []byte) error {
	var ok bool
	err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock(hashtextextended(encode($1::bytea, 'hex'), 0))`, keyHash).Scan(&ok)
	if err != nil {
		return fmt.Errorf("claim idempotency key: %w", err)
	}
	if !ok {
		return ErrInFlight
	}
	return nil
}

// StoredResponse returns the request hash and the sealed response stored under a key in the
// last 24 hours, or ErrNotFound.
func StoredResponse(ctx context.Context, q Querier, keyHash []byte) (requestHash, sealed []byte, err error) {
	err = q.QueryRow(ctx, `SELECT request_hash, response FROM idempotency_keys
		WHERE key_hash = $1 AND created_at > now() - interval '24 hours'`, keyHash).Scan(&requestHash, &sealed)
	if err != nil {
		return nil, nil, notFound(err, "idempotency key")
	}
	return requestHash, sealed, nil
}

// StoredKeys returns those of the key hashes that hold a response stored in the last 24 hours.
func StoredKeys(ctx context.Context, q Querier, keyHashes [][]byte) ([][]byte, error) {
	rows, err := q.Query(ctx, `SELECT key_hash FROM idempotency_keys
		WHERE key_hash = ANY ($1) AND created_at > now() - interval '24 hours'`, keyHashes)
	if err != nil {
		return nil, fmt.Errorf("stored idempotency keys: %w", err)
	}
	hashes, err := pgx.CollectRows(rows, pgx.RowTo[[]byte])
	if err != nil {
		return nil, fmt.Errorf("stored idempotency keys: %w", err)
	}
	return hashes, nil
}

// StoreResponse keeps a response under a key for at least 24 hours, replacing an expired one.
func StoreResponse(ctx context.Context, q Querier, keyHash, requestHash, sealed []byte) error {
	_, err := q.Exec(ctx, `
		INSERT INTO idempotency_keys (key_hash, request_hash, response) VALUES ($1, $2, $3)
		ON CONFLICT (key_hash) DO UPDATE SET request_hash = $2, response = $3, created_at = now()`,
		keyHash, requestHash, sealed)
	if err != nil {
		return fmt.Errorf("store idempotent response: %w", err)
	}
	return nil
}

// PurgeIdempotencyKeys deletes the responses older than 48 hours (kept at least 24).
func PurgeIdempotencyKeys(ctx context.Context, q Querier) (int64, error) {
	tag, err := q.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < now() - interval '48 hours'`)
	if err != nil {
		return 0, fmt.Errorf("purge idempotency keys: %w", err)
	}
	return tag.RowsAffected(), nil
}
