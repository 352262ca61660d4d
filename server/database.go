package main

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
)

// openDatabase migrates the database on a connection of its own (no statement timeout: a
// migration may take longer than a request), then opens the pool the API uses, whose every
// session has a statement and a lock timeout so that no request waits forever on PostgreSQL.
func openDatabase(ctx context.Context, c config) (*pgxpool.Pool, error) {
	conn, err := pgx.Connect(ctx, c.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("connect for migrations: %w", err)
	}
	err = db.Migrate(ctx, conn)
	conn.Close(ctx)
	if err != nil {
		return nil, err
	}
	pc, err := pgxpool.ParseConfig(c.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	pc.MaxConns = c.MaxConns
	pc.ConnConfig.RuntimeParams["statement_timeout"] = strconv.FormatInt(c.StatementTimeout.Milliseconds(), 10)
	pc.ConnConfig.RuntimeParams["lock_timeout"] = strconv.FormatInt(c.LockTimeout.Milliseconds(), 10)
	pc.ConnConfig.RuntimeParams["application_name"] = "ateliers-api"
	pool, err := pgxpool.NewWithConfig(ctx, pc)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	return pool, nil
}
