package db_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// Failures of the database are told apart from refusals by SQLSTATE and the driver's types,
// here only: a busy lock, a cancelled statement, an unreachable server, each as PostgreSQL
// really produces it.
func TestFailureClassifiesRealDriverErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)

	_, canceled := pool.Exec(ctx, `SET statement_timeout = '10ms'; SELECT pg_sleep(1)`)
	_, refused := pool.Exec(ctx, `SELECT 1/0`)

	if _, err := pool.Exec(ctx, `CREATE TABLE locked (id int)`); err != nil {
		t.Fatal(err)
	}
	holder, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(ctx, `LOCK TABLE locked`); err != nil {
		t.Fatal(err)
	}
	_, busy := pool.Exec(ctx, `SET lock_timeout = '10ms'; LOCK TABLE locked`)
	holder.Rollback(ctx)

	closed := dbtest.New(t)
	closed.Close()
	_, afterClose := closed.Exec(ctx, `SELECT 1`)

	for _, c := range []struct {
		name string
		err  error
		want error
	}{
		{"statement_timeout", canceled, db.ErrCanceled},
		{"lock not granted", busy, db.ErrBusy},
		{"closed pool", afterClose, db.ErrUnavailable},
		{"server shutting down", &pgconn.PgError{Code: "57P01"}, db.ErrUnavailable},
		{"connection exception, wrapped", fmt.Errorf("register: %w", &pgconn.PgError{Code: "08006"}), db.ErrUnavailable},
		{"deadlock", &pgconn.PgError{Code: "40P01"}, db.ErrBusy},
		{"socket closed", fmt.Errorf("read: %w", io.ErrUnexpectedEOF), db.ErrUnavailable},
		{"division by zero: a refusal", refused, nil},
		{"unique violation: a refusal", &pgconn.PgError{Code: "23505"}, nil},
		{"not found: a refusal", db.ErrNotFound, nil},
		{"the caller's deadline: not the database's", context.DeadlineExceeded, nil},
	} {
		if c.err == nil {
			t.Errorf("%s: the statement did not fail", c.name)
			continue
		}
		if got := db.Failure(c.err); !errors.Is(got, c.want) || (c.want == nil) != (got == nil) {
			t.Errorf("%s (%v): got %v, want %v", c.name, c.err, got, c.want)
		}
	}
}
