package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db/dbtest"
)

// A registration that waits on a locked slot ends with TIMEOUT at the request's deadline, or at
// statement_timeout, whichever comes first; either way its statement is cancelled in
// PostgreSQL (no backend of the API is left waiting on the lock, or running) and nothing is
// written.
func TestSlowStatementsTimeOutAndAreCancelled(t *testing.T) {
	t.Parallel()
	url := dbtest.NewDatabase(t)
	setup := serveAPIOn(t, url, nil) // the default deadline, for the set-up
	_, slot := setup.bookable("regie-stains", 10)

	connect := func(name string) *pgx.Conn {
		cfg, err := pgx.ParseConfig(url)
		if err != nil {
			t.Fatal(err)
		}
		cfg.RuntimeParams["application_name"] = name
		conn, err := pgx.ConnectConfig(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close(context.Background()) })
		return conn
	}
	// The observer is outside any transaction: pg_stat_activity is read afresh every time.
	locker, observer := connect("ateliers-test-locker"), connect("ateliers-test-observer")
	tx := lockSlot(t, locker, slot)
	defer tx.Rollback(context.Background())

	for _, tc := range []struct {
		name  string
		env   map[string]string
		limit time.Duration
	}{
		{"request deadline", map[string]string{"REQUEST_TIMEOUT": "300ms", "STATEMENT_TIMEOUT": "30s", "LOCK_TIMEOUT": "30s"}, 300 * time.Millisecond},
		{"statement_timeout", map[string]string{"REQUEST_TIMEOUT": "30s", "STATEMENT_TIMEOUT": "300ms", "LOCK_TIMEOUT": "30s"}, 300 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := serveAPIOn(t, url, tc.env)
			r, took, err := timedPost(a, "", registerDoc, map[string]any{"in": map[string]any{"slotId": slot, "participant": person(1)}})
			if err != nil {
				t.Fatalf("register on a locked slot: %v after %v", err, took)
			}
			if len(r.Errors) == 0 || r.Errors[0].Code() != "TIMEOUT" || r.Status != http.StatusOK {
				t.Errorf("register on a locked slot: status %d, errors %+v, want TIMEOUT", r.Status, r.Errors)
			}
			if took < tc.limit || took > tc.limit+2500*time.Millisecond {
				t.Errorf("register on a locked slot answered after %v, want just over %v", took, tc.limit)
			}
			// The statement must be gone from PostgreSQL, not left waiting on the lock until
			// lock_timeout (30 s) after the client gave up on it.
			answered := time.Now()
			var busy int
			for {
				err := observer.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
					WHERE datname = current_database() AND application_name = 'ateliers-api' AND state <> 'idle'`).Scan(&busy)
				if err != nil {
					t.Fatal(err)
				}
				if busy == 0 || time.Since(answered) > 2*time.Second {
					break
				}
				time.Sleep(20 * time.Millisecond)
			}
			if busy != 0 {
				t.Errorf("2 s after the TIMEOUT answer, %d backends of the API still run or wait: the statement was abandoned, not cancelled", busy)
			} else {
				t.Logf("answered TIMEOUT after %v; no backend of the API busy %v later", took.Round(time.Millisecond), time.Since(answered).Round(time.Millisecond))
			}
			var waiting int
			if err := observer.QueryRow(t.Context(), `SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
				WHERE a.datname = current_database() AND NOT l.granted`).Scan(&waiting); err != nil {
				t.Fatal(err)
			}
			if waiting != 0 {
				t.Errorf("%d lock requests still wait on the slot", waiting)
			}
		})
	}
	tx.Rollback(t.Context())
	var rows int
	if err := observer.QueryRow(t.Context(), `SELECT count(*) FROM registrations`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if taken, _, _, _ := setup.counts(t, slot); taken != 0 || rows != 0 {
		t.Errorf("after two timeouts: %d registrations, %d seats taken; want none", rows, taken)
	}
}
