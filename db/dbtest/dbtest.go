// Package dbtest gives each test its own migrated PostgreSQL database, so that tests run in
// parallel and own their data. It needs DATABASE_URL to point at a server where it may create
// databases: `make test` starts a throwaway cluster and sets it.
//
// The first test of a run migrates a template database, named after a hash of the migrations;
// every test then gets `CREATE DATABASE ... TEMPLATE`, a file copy that takes milliseconds.
package dbtest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
)

var counter atomic.Int64

// URL returns the server's DATABASE_URL or fails the test.
func URL(t testing.TB) string {
	u := os.Getenv("DATABASE_URL")
	if u == "" {
		t.Fatal("DATABASE_URL is not set: run the tests with `make test`, which starts a throwaway PostgreSQL")
	}
	return u
}

// New returns a pool on a fresh migrated database, dropped when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	url := NewDatabase(t)
	pool, err := pgxpool.New(context.Background(), url)
	if err != nil {
		t.Fatalf("open pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// NewDatabase creates a fresh migrated database and returns its URL; it is dropped when the
// test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, URL(t))
	if err != nil {
		t.Fatalf("connect to test server: %v", err)
	}
	defer admin.Close(ctx)
	tmpl, err := template(ctx, admin)
	if err != nil {
		t.Fatalf("template database: %v", err)
	}
	name := fmt.Sprintf("test_%d_%d", os.Getpid(), counter.Add(1))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name+" TEMPLATE "+tmpl); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), URL(t))
		if err != nil {
			t.Errorf("drop test database: %v", err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	// The same URL (user, password, host, parameters) naming the new database.
	u, err := url.Parse(URL(t))
	if err != nil {
		t.Fatalf("DATABASE_URL must be a postgres:// URL: %v", err)
	}
	u.Path = "/" + name
	return u.String()
}

// template returns the name of the migrated template database, creating it once per schema
// version. The advisory lock serialises test packages, which run as parallel processes.
func template(ctx context.Context, admin *pgx.Conn) (string, error) {
	name, err := templateName()
	if err != nil {
		return "", err
	}
	if _, err := admin.Exec(ctx, `SELECT pg_advisory_lock(hashtext('ateliers dbtest template'))`); err != nil {
		return "", err
	}
	defer admin.Exec(ctx, `SELECT pg_advisory_unlock(hashtext('ateliers dbtest template'))`)
	var exists bool
	if err := admin.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil || exists {
		return name, err
	}
	building := name + "_building"
	admin.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)")
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	cfg := admin.Config().Copy()
	cfg.Database = building
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return "", err
	}
	err = db.Migrate(ctx, conn)
	conn.Close(ctx)
	if err != nil {
		return "", err
	}
	// Renamed only once complete, so that a crash mid-migration leaves no half-built template.
	_, err = admin.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+name)
	return name, err
}

func templateName() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(db.MigrationsFS(), ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.MigrationsFS(), path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	fmt.Fprintf(h, "river %d", db.QueueVersion())
	return "tmpl_" + hex.EncodeToString(h.Sum(nil))[:16], err
}
