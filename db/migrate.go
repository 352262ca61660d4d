package db

import (
	"context"
	"embed"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate applies the embedded migrations in order, then River's (the job queue, jobs.go).
// tern holds a PostgreSQL advisory lock while it migrates, and each of River's migrations runs
// in a transaction under another, so two instances starting at once apply each migration once.
func Migrate(ctx context.Context, conn *pgx.Conn) error {
	m, err := migrate.NewMigrator(ctx, conn, "schema_version")
	if err != nil {
		return fmt.Errorf("new migrator: %w", err)
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return fmt.Errorf("migrations folder: %w", err)
	}
	if err := m.LoadMigrations(sub); err != nil {
		return fmt.Errorf("load migrations: %w", err)
	}
	if err := m.Migrate(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := migrateQueue(ctx, conn); err != nil {
		return fmt.Errorf("migrate the job queue: %w", err)
	}
	return nil
}

// MigrationsFS returns the embedded migration files, for tools that need to know the schema's
// version (the test helper names its template database after their hash).
func MigrationsFS() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}
