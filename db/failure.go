package db

import (
	"errors"
	"io"
	"net"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/puddle/v2"
)

// Failures of the database itself, rather than refusals of a statement: callers test them with
// errors.Is on what Failure returns, and never look at the driver.
var (
	// ErrBusy: a lock was not granted in time (lock_timeout), or a serialization failure or a
	// deadlock aborted the transaction. The same request may succeed in a moment.
	ErrBusy = errors.New("database object busy")
	// ErrCanceled: PostgreSQL cancelled the statement (statement_timeout, or the request's
	// deadline passed and the driver cancelled it).
	ErrCanceled = errors.New("statement canceled")
	// ErrUnavailable: PostgreSQL could not be reached or went away (refused or failed
	// connection, broken socket, server shutting down or starting up, pool closed). The same
	// request may succeed once it is back.
	ErrUnavailable = errors.New("database unavailable")
)

// Failure classifies an error of this package by SQLSTATE and the driver's types, once for
// every caller: ErrBusy, ErrCanceled, ErrUnavailable, or nil when err is none of these (a
// refusal, a bug).
func Failure(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case slices.Contains([]string{"55P03", "40001", "40P01"}, pgErr.Code): // lock_not_available, serialization_failure, deadlock_detected
			return ErrBusy
		case pgErr.Code == "57014": // query_canceled
			return ErrCanceled
		case strings.HasPrefix(pgErr.Code, "08") || slices.Contains([]string{"57P01", "57P02", "57P03"}, pgErr.Code):
			// Class 08: connection exception; 57P01/57P02: the server shut down (admin,
			// crash); 57P03: it cannot accept connections yet (starting, recovering).
			return ErrUnavailable
		}
		return nil
	}
	var connectErr *pgconn.ConnectError
	var netErr *net.OpError // not the net.Error interface, which context.DeadlineExceeded satisfies
	switch {
	case errors.As(err, &connectErr), // whatever the cause: refused, unreachable, too many clients
		errors.As(err, &netErr),
		errors.Is(err, pgconn.ErrConnClosed), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, puddle.ErrClosedPool), // the pool is closed: the process is stopping
		pgconn.SafeToRetry(err):              // nothing reached the server
		return ErrUnavailable
	}
	return nil
}
