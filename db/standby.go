package db

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Standby routes the reads that may come from a read replica: to the replica while it answers
// and is close enough behind the primary, else to the primary. The replica is an
// optimisation, never a dependency: a replica down, hung or lagging sends those reads back to
// the primary, and they return to the replica when it is healthy again, without a restart.
//
// Its health comes from two sources: a check every Interval (a round trip within Budget, and
// the replica's lag at most MaxLag), and every statement sent to it, which has Budget to
// answer (a hung replica costs a request that budget, not the request's whole deadline) and
// whose failure to reach the replica marks it down at once.
type Standby struct {
	primary, replica Querier
	// Budget is how long a statement on the replica, or a check, may take; MaxLag how far
	// behind the primary the replica may be; Interval how often it is checked.
	Budget, MaxLag, Interval time.Duration

	mu    sync.Mutex
	state StandbyState
}

// StandbyState is the replica's state as the last check or statement left it.
type StandbyState struct {
	InUse   bool          // reads go to the replica
	Reason  string        // why not, when not
	Lag     time.Duration // at the last check
	Checked time.Time     // when it was last checked
}

// NewStandby routes reads between primary and replica; the replica is used once a check says
// it is healthy (Run).
func NewStandby(primary, replica Querier) *Standby {
	return &Standby{primary: primary, replica: replica, Budget: 2 * time.Second, MaxLag: 5 * time.Second,
		Interval: time.Second, state: StandbyState{Reason: "not checked yet"}}
}

// Querier is where a read that may come from the replica goes now.
func (s *Standby) Querier() Querier {
	if s.State().InUse {
		return budgeted{s}
	}
	return s.primary
}

// State is the replica's state.
func (s *Standby) State() StandbyState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state
}

// Identify says, for the log at start, whether the replica is a streaming replica of the
// primary: in recovery, with the primary's system identifier. "" when it is, else what is
// wrong; the reads still use it while it is healthy (a copy restored by hand is a choice).
func (s *Standby) Identify(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, s.Budget)
	defer cancel()
	var recovering bool
	var replicaID, primaryID int64
	if err := s.replica.QueryRow(ctx, `SELECT pg_is_in_recovery(), (SELECT system_identifier FROM pg_control_system())`).Scan(&recovering, &replicaID); err != nil {
		return "cannot be checked: " + brief(err)
	}
	if err := s.primary.QueryRow(ctx, `SELECT system_identifier FROM pg_control_system()`).Scan(&primaryID); err != nil {
		return "cannot be compared with the primary: " + brief(err)
	}
	switch {
	case !recovering:
		return "it is not in recovery: not a streaming replica, its data may be anything"
	case replicaID != primaryID:
		return "it is the replica of another cluster (another system identifier)"
	}
	return ""
}

// Run checks the replica every Interval until ctx ends.
func (s *Standby) Run(ctx context.Context) {
	for {
		s.Check(ctx)
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.Interval):
		}
	}
}

// Check checks the replica once: reachable within Budget, in recovery, and at most MaxLag
// behind. The lag is 0 when the replica has replayed all it has received, else the time since
// the last transaction it replayed: a replica whose replay is paused, or that cannot keep up,
// falls behind while the primary writes.
func (s *Standby) Check(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, s.Budget)
	defer cancel()
	var recovering bool
	var lag float64
	err := s.replica.QueryRow(ctx, `SELECT pg_is_in_recovery(),
		CASE WHEN NOT pg_is_in_recovery() OR pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
		ELSE coalesce(extract(epoch FROM now() - pg_last_xact_replay_timestamp()), 0) END`).Scan(&recovering, &lag)
	lagged := time.Duration(lag * float64(time.Second))
	switch {
	case ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled):
		return // the server is stopping
	case err != nil:
		s.set(false, fmt.Sprintf("unreachable: %s", brief(err)), 0)
	case lagged > s.MaxLag:
		s.set(false, fmt.Sprintf("lagging %s behind the primary (at most %s)", lagged.Round(time.Millisecond), s.MaxLag), lagged)
	default:
		s.set(true, "", lagged)
	}
}

// failed is told that a statement on the replica ended with err: a replica that cannot be
// reached, or did not answer within its budget, is not used until a check says it is back.
// A refusal of the statement (a PostgreSQL error about the statement itself) is not a fault of
// the replica, nor is a client that went away.
func (s *Standby) failed(err error) {
	if s.fault(err) {
		s.set(false, fmt.Sprintf("a statement failed: %s", brief(err)), s.State().Lag)
	}
}

// fault tells whether err, from a statement on the replica, is the replica's fault.
func (s *Standby) fault(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	f := Failure(err)
	return f == ErrUnavailable || f == ErrCanceled || errors.Is(err, context.DeadlineExceeded)
}

// set records the state and says it in the log when reads change sides.
func (s *Standby) set(inUse bool, reason string, lag time.Duration) {
	s.mu.Lock()
	was := s.state
	s.state = StandbyState{InUse: inUse, Reason: reason, Lag: lag, Checked: time.Now()}
	s.mu.Unlock()
	switch {
	case inUse && !was.InUse:
		slog.Info("read replica in use", "lag_ms", lag.Milliseconds())
	case !inUse && (was.InUse || was.Checked.IsZero()):
		slog.Warn("read replica not used: reads go to the primary", "reason", reason)
	}
}

// brief is err's message without what a caller may not want in a log: the driver's messages
// name hosts and errors, never values.
func brief(err error) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return "no answer in time"
	}
	return err.Error()
}

// budgeted sends statements to the replica with the standby's Budget, and tells it of failures.
type budgeted struct{ s *Standby }

func (b budgeted) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	ctx, cancel := context.WithTimeout(ctx, b.s.Budget)
	defer cancel()
	tag, err := b.s.replica.Exec(ctx, sql, args...)
	b.s.failed(err)
	return tag, err
}

// Query runs sql on the replica within the budget. When the replica fails before the first
// row (refused, cut, or no answer within the budget), the statement runs on the primary
// instead: the request that met the fault is answered too. A failure after the first row is
// the request's (rows.Err).
func (b budgeted) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	rctx, cancel := context.WithTimeout(ctx, b.s.Budget)
	rows, err := b.s.replica.Query(rctx, sql, args...)
	if err == nil {
		has := rows.Next()
		if has || !b.s.fault(rows.Err()) {
			return &budgetedRows{Rows: rows, cancel: cancel, s: b.s, first: true, has: has}, nil
		}
		err = rows.Err()
		rows.Close()
	}
	cancel()
	if !b.s.fault(err) || ctx.Err() != nil {
		return rows, err
	}
	b.s.failed(err)
	return b.s.primary.Query(ctx, sql, args...)
}

func (b budgeted) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	rows, err := b.Query(ctx, sql, args...)
	return budgetedRow{rows, err}
}

func (b budgeted) Begin(ctx context.Context) (pgx.Tx, error) {
	return nil, errors.New("no transaction on the read replica")
}

// budgetedRows ends the statement's budget when its rows are closed. Query has read the first
// row already (first: Next has not given it yet; has: there was one).
type budgetedRows struct {
	pgx.Rows
	cancel     context.CancelFunc
	s          *Standby
	once       sync.Once
	first, has bool
}

func (r *budgetedRows) Next() bool {
	if r.first {
		r.first = false
		if r.has {
			return true
		}
	} else if r.Rows.Next() {
		return true
	}
	r.Close()
	return false
}

func (r *budgetedRows) Close() {
	r.Rows.Close()
	r.once.Do(func() {
		r.s.failed(r.Rows.Err())
		r.cancel()
	})
}

// budgetedRow is QueryRow's row: pgx's own reads the rows of Query the same way.
type budgetedRow struct {
	rows pgx.Rows
	err  error
}

func (r budgetedRow) Scan(dest ...any) error {
	if r.err != nil {
		return r.err
	}
	defer r.rows.Close()
	if !r.rows.Next() {
		if err := r.rows.Err(); err != nil {
			return err
		}
		return pgx.ErrNoRows
	}
	if err := r.rows.Scan(dest...); err != nil {
		return err
	}
	r.rows.Close()
	return r.rows.Err()
}
