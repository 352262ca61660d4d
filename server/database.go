package main

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
)

// openDatabase migrates the database on a connection of its own (no statement timeout: a
// migration may take longer than a request), then opens the pool the API uses, whose every
// session has a statement and a lock timeout so that no request waits forever on PostgreSQL.
func openDatabase(ctx context.Context, c config) (*pgxpool.Pool, error) {
	cc, err := pgx.ParseConfig(c.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	setConnectTimeout(&cc.Config, c)
	conn, err := pgx.ConnectConfig(ctx, cc)
	if err != nil {
		return nil, fmt.Errorf("connect for migrations: %w", err)
	}
	err = db.Migrate(ctx, conn)
	conn.Close(ctx)
	if err != nil {
		return nil, err
	}
	return openPool(ctx, c, c.DatabaseURL, "DATABASE_URL", false)
}

// openReplica opens the pool of DATABASE_READ_URL, nil when it is not set. Its sessions are
// read-only (default_transaction_read_only), so that a write sent there by mistake fails
// loudly even on a database that would accept it. Migrations run on the primary only: a
// streaming replica receives them from there.
func openReplica(ctx context.Context, c config) (*pgxpool.Pool, error) {
	if c.DatabaseReadURL == "" {
		return nil, nil
	}
	return openPool(ctx, c, c.DatabaseReadURL, "DATABASE_READ_URL", true)
}

// startStandby routes the catalogue reads between the primary and the replica of
// DATABASE_READ_URL (nil when it is not set), checking the replica until ctx ends. The first
// check runs before it returns, so that the log says at start whether the replica is used.
func startStandby(ctx context.Context, c config, pool, replica *pgxpool.Pool) *db.Standby {
	if replica == nil {
		return nil
	}
	s := db.NewStandby(pool, replica)
	s.Budget, s.MaxLag = c.ReadTimeout, c.ReadMaxLag
	if problem := s.Identify(ctx); problem != "" {
		slog.Warn("DATABASE_READ_URL is not a streaming replica of DATABASE_URL", "problem", problem)
	} else {
		slog.Info("DATABASE_READ_URL is a streaming replica of DATABASE_URL")
	}
	s.Check(ctx)
	go s.Run(ctx)
	return s
}

// openPool opens a pool on url (named by the variable it comes from, for errors) with the
// server's session settings, read-only ones if readOnly.
func openPool(ctx context.Context, c config, url, variable string, readOnly bool) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", variable, err)
	}
	pc.MaxConns = c.MaxConns
	if readOnly {
		pc.ConnConfig.RuntimeParams["default_transaction_read_only"] = "on"
		pc.MaxConns = c.ReadMaxConns
	}
	pc.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(c.StatementTimeout.Milliseconds(), 10)
	pc.ConnConfig.RuntimeParams["lock_timeout"] = strconv.FormatInt(c.LockTimeout.Milliseconds(), 10)
	pc.ConnConfig.RuntimeParams["application_name"] = "ateliers-api"
	// Plans: PostgreSQL's default (plan_cache_mode auto). Lookups by key reuse their prepared
	// statement's plan; searches ask for a plan for their values at each run (db.forValues).
	setConnectTimeout(&pc.ConnConfig.Config, c)
	if t := newSQLTracer(c); t != nil {
		pc.ConnConfig.Tracer = t
	}
	// pgx's defaults do the rest. When a request's deadline passes, pgx answers at once, drops
	// the connection and sends PostgreSQL a cancel request for its statement, so that nothing
	// stays waiting on a lock or running for a client that has gone (timeout_test.go checks
	// it). Connections PostgreSQL dropped (a restart, a failover) are replaced by themselves:
	// pgxpool pings a connection idle for over a second before handing it out, and discards
	// one whose statement failed on a broken socket (outage_test.go checks it).
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	return pool, nil
}

// setConnectTimeout bounds a connection attempt, unless DATABASE_URL sets connect_timeout:
// without it, a database host that drops packets holds each attempt for minutes, and requests
// end on their deadline with TIMEOUT instead of a prompt SERVICE_UNAVAILABLE.
func setConnectTimeout(pc *pgconn.Config, c config) {
	if pc.ConnectTimeout == 0 {
		pc.ConnectTimeout = min(5*time.Second, c.RequestTimeout)
	}
}
