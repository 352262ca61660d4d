package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db/dbtest"
)

// serverProcessEnv makes TestServerProcess run the server: the shutdown test starts the test
// binary again as a real server process, to send it a real SIGTERM.
const serverProcessEnv = "ATELIERS_TEST_SERVER"

// mainReturned is what TestServerProcess prints once main has returned without an error.
const mainReturned = "test server: main returned"

// TestServerProcess is the server itself (main: configuration from the environment, signals,
// shutdown) when the shutdown test runs it; otherwise it does nothing. Once main has returned
// (main exits 1 on an error), the process says so and lives on until its stdin closes, so that
// the test can look at PostgreSQL before the exit closes whatever main left open.
func TestServerProcess(t *testing.T) {
	if os.Getenv(serverProcessEnv) != "1" {
		return
	}
	os.Args = os.Args[:1] // the -test flags are not the server's arguments
	main()
	fmt.Fprintln(os.Stderr, mainReturned)
	io.Copy(io.Discard, os.Stdin)
}

// On SIGTERM the server stops accepting connections at once, lets the request in flight finish
// with its real answer, closes its pool (its sessions end before the process does), and
// exits 0.
func TestShutdownOnSIGTERM(t *testing.T) {
	t.Parallel()
	url := dbtest.NewDatabase(t)
	port := freePort(t)
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	base := "http://" + addr
	logs := &lockedBuffer{}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServerProcess$")
	cmd.Env = append(os.Environ(), serverProcessEnv+"=1", "DATABASE_URL="+url, "PORT="+strconv.Itoa(port),
		"LISTEN_HOST=127.0.0.1", "DEMO_DATA=", "REQUEST_TIMEOUT=30s", "STATEMENT_TIMEOUT=30s", "LOCK_TIMEOUT=30s")
	for k, v := range roomyBudgets {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Stdout, cmd.Stderr = logs, logs
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// exited is closed when the process has exited, with waitErr set.
	exited, waitErr := make(chan struct{}), error(nil)
	go func() { waitErr = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill() // if still running
		<-exited
		if t.Failed() {
			t.Logf("server output:\n%s", logs)
		}
	})
	waitFor(t, 30*time.Second, "the server to answer /healthz", func() bool {
		select {
		case <-exited:
			t.Fatalf("the server exited before serving: %v", waitErr)
		default:
		}
		res, err := http.Get(base + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	})

	pool, err := pgxpool.New(t.Context(), url) // for the set-up and for looking at PostgreSQL
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	a := &testAPI{t: t, URL: base, Pool: pool}
	_, slot := a.bookable("regie-stains", 10)

	// A request kept in flight for real: its registration waits on the slot's row, which
	// another transaction holds until the test lets go.
	locker, err := pgx.Connect(t.Context(), url)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close(context.Background())
	tx := lockSlot(t, locker, slot)
	defer tx.Rollback(context.Background())
	type answer struct {
		status int
		body   []byte
		err    error
	}
	inFlight := make(chan answer, 1)
	go func() {
		body, _ := json.Marshal(map[string]any{"query": registerDoc,
			"variables": map[string]any{"in": map[string]any{"slotId": slot, "participant": person(1)}}})
		res, err := (&http.Client{Timeout: time.Minute}).Post(base+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			inFlight <- answer{err: err}
			return
		}
		defer res.Body.Close()
		var buf bytes.Buffer
		_, err = buf.ReadFrom(res.Body)
		inFlight <- answer{status: res.StatusCode, body: buf.Bytes(), err: err}
	}()
	apiBackends := func(extra string) int {
		var n int
		if err := pool.QueryRow(t.Context(), `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND application_name = 'ateliers-api'`+extra).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, 10*time.Second, "the registration to wait on the slot's lock", func() bool {
		return apiBackends(` AND wait_event_type = 'Lock'`) == 1
	})

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	signalled := time.Now()
	waitFor(t, 5*time.Second, "new connections to be refused", func() bool {
		conn, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			conn.Close()
			return false
		}
		// A connection that reached the accept queue as the listener closed is reset, not
		// refused: it was not served either, and the next one is refused.
		if errors.Is(err, syscall.ECONNRESET) {
			return false
		}
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("connecting after SIGTERM: %v, want connection refused", err)
		}
		return true
	})
	refusedAfter := time.Since(signalled)
	select {
	case a := <-inFlight:
		t.Fatalf("the request in flight ended before the lock was released: %d %s %v", a.status, a.body, a.err)
	case <-exited:
		t.Fatalf("the server exited with a request in flight: %v", waitErr)
	default:
	}

	if err := tx.Rollback(t.Context()); err != nil {
		t.Fatal(err)
	}
	released := time.Now()
	var got answer
	select {
	case got = <-inFlight:
	case <-time.After(15 * time.Second):
		t.Fatal("the request in flight got no answer 15 s after the lock was released")
	}
	var out struct {
		Data   struct{ Register registered }
		Errors []gqlError
	}
	if got.err != nil || got.status != http.StatusOK || json.Unmarshal(got.body, &out) != nil || len(out.Errors) > 0 ||
		out.Data.Register.Registration == nil || out.Data.Register.Registration.Status != "CONFIRMED" {
		t.Fatalf("the request in flight: status %d, body %s, error %v; want a confirmed registration", got.status, got.body, got.err)
	}
	waitFor(t, 15*time.Second, "main to return after its last request", func() bool {
		select {
		case <-exited:
			t.Fatalf("the server exited with %v before main returned", waitErr)
		default:
		}
		return strings.Contains(logs.String(), mainReturned)
	})
	t.Logf("SIGTERM: connections refused after %v; main returned %v after the last request was let go, %v after the signal",
		refusedAfter.Round(time.Millisecond), time.Since(released).Round(time.Millisecond), time.Since(signalled).Round(time.Millisecond))
	// The pool was closed: the process still lives, and none of its sessions does.
	waitFor(t, 5*time.Second, "the server's sessions to end", func() bool { return apiBackends("") == 0 })
	select {
	case <-exited:
		t.Fatalf("the server exited (%v) before its sessions were seen closed: that proves nothing", waitErr)
	default:
	}
	stdin.Close()
	select {
	case <-exited:
		if waitErr != nil {
			t.Fatalf("the server exited with %v, want status 0", waitErr)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("the server had not exited 15 s after main returned")
	}
	if _, _, confirmed, _ := a.counts(t, slot); confirmed != 1 {
		t.Errorf("%d registrations in the database, want the one made during the shutdown", confirmed)
	}
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
