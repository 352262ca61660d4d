// Package db is the PostgreSQL side of the API: migrations, one file per concept (its type and
// its queries), and the transactions that keep the rules true under concurrency.
//
// Reads are nouns (SlotByID, Slots), writes are verbs (ScheduleSlots). Every function takes a
// Querier, satisfied by *pgxpool.Pool and by pgx.Tx, so that one function can run alone or
// inside a caller's transaction. Transactions and the driver stay here: callers test sentinel
// errors (ErrNotFound, ErrSlotStarted...), Failure tells a busy, cancelled or unreachable
// database apart, and Once runs a mutation at most once per idempotency key.
package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier runs SQL: a pool, a connection or a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Sentinel errors; callers test them with errors.Is.
var (
	// ErrNotFound: no such row, or not visible to the caller.
	ErrNotFound = errors.New("not found")
	// ErrTaken: a unique value (such as an organisation slug) is already used.
	ErrTaken = errors.New("already taken")
	// ErrCapacityBelowSeatsTaken: a slot's capacity would fall below its confirmed seats.
	ErrCapacityBelowSeatsTaken = errors.New("capacity below seats taken")
	// ErrSlotStarted: the slot has started, it can no longer change.
	ErrSlotStarted = errors.New("slot has started")
	// ErrSlotNotStarted: the slot has not started yet (attendance is marked once it has).
	ErrSlotNotStarted = errors.New("slot has not started")
	// ErrSlotCancelled: the slot is cancelled, it can no longer change.
	ErrSlotCancelled = errors.New("slot is cancelled")
)

// notFound turns pgx.ErrNoRows into ErrNotFound and wraps other errors with what was done.
func notFound(err error, what string) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// isUniqueViolation reports whether err is a unique violation of the named constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint
}

// queryOne runs sql, which returns one row, scanned by scan; no row is ErrNotFound. Errors name
// what was asked.
func queryOne[T any](ctx context.Context, q Querier, what string, scan pgx.RowToFunc[T], sql string, args ...any) (T, error) {
	rows, _ := q.Query(ctx, sql, args...) // CollectExactlyOneRow reports the query's error
	v, err := pgx.CollectExactlyOneRow(rows, scan)
	if err != nil {
		return v, notFound(err, what)
	}
	return v, nil
}

// forValues makes a search's arguments ask PostgreSQL to plan its statement for these values,
// each time it runs. A statement prepared once is planned once for all values after five runs
// (the generic plan), which is right for a lookup by key and wrong for a search: at 1,000,000
// slots the generic plan of the availability search walked the slots of every workshop of a
// topic (59 ms) where the plan for the values reads the 30 venues of a postal code (0.4 ms).
// pgx then sends the statement unnamed, which PostgreSQL plans at each run (about 0.3 ms), and
// keeps its description, so that it still costs one round trip. Lookups by key keep their
// prepared statement and its generic plan: no planning at all.
func forValues(args []any) []any {
	return append([]any{pgx.QueryExecModeCacheDescribe}, args...)
}

// queryAll runs sql and scans every row with scan. Errors name what was asked.
func queryAll[T any](ctx context.Context, q Querier, what string, scan pgx.RowToFunc[T], sql string, args ...any) ([]T, error) {
	rows, _ := q.Query(ctx, sql, args...) // CollectRows reports the query's error
	vs, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return vs, nil
}
