package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// When PostgreSQL goes away, every request answers at once with a retryable 503
// SERVICE_UNAVAILABLE (never a hang, never a masked internal error), /readyz says 503 and
// /healthz 200; when it comes back, the same server and pool serve again by themselves.
// The test stops and restarts a cluster of its own: the shared test cluster serves the
// parallel tests.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	pg := newPrivateCluster(t)
	url := pg.start(t)
	a := serveAPIOn(t, url, nil)
	hostKey, slot := a.bookable("regie-stains", 100)

	people := 0
	requests := []struct {
		name, key, query string
		vars             func() map[string]any
	}{
		{"anonymous query", "", `{ slots(first: 5) { edges { node { id capacity } } } }`, nil},
		{"keyed query", hostKey, `{ viewer { isAnonymous } workshops(first: 5) { edges { node { id } } } }`, nil},
		{"mutation", "", registerDoc, func() map[string]any {
			people++
			return map[string]any{"in": map[string]any{"slotId": slot, "participant": person(people)}}
		}},
	}
	registered := 0 // successful registrations, to compare with the database's count
	// serves sends every request once and reports the first failure, or "".
	serves := func() string {
		if status, _ := probe(t, a.URL+"/readyz"); status != http.StatusOK {
			return fmt.Sprintf("/readyz: %d", status)
		}
		for _, rq := range requests {
			var vars map[string]any
			if rq.vars != nil {
				vars = rq.vars()
			}
			r, _, err := timedPost(a, rq.key, rq.query, vars)
			if err != nil {
				return fmt.Sprintf("%s: %v", rq.name, err)
			}
			if r.Status != http.StatusOK || len(r.Errors) > 0 {
				return fmt.Sprintf("%s: status %d, errors %+v", rq.name, r.Status, r.Errors)
			}
			if rq.query == registerDoc {
				registered++
			}
		}
		return ""
	}
	if failure := serves(); failure != "" {
		t.Fatalf("before the outage: %s", failure)
	}
	connsBefore := a.Pool.Stat().NewConnsCount()

	pg.stop(t)
	const bound = 5 * time.Second
	var slowest time.Duration
	for round := range 3 { // the first round meets the pool's dead connections, later ones refused connects
		for _, rq := range requests {
			var vars map[string]any
			if rq.vars != nil {
				vars = rq.vars()
			}
			r, took, err := timedPost(a, rq.key, rq.query, vars)
			slowest = max(slowest, took)
			if err != nil {
				t.Fatalf("outage, round %d, %s: %v after %v", round, rq.name, err, took)
			}
			if took > bound {
				t.Errorf("outage, round %d, %s: answered after %v, want under %v", round, rq.name, took, bound)
			}
			if len(r.Errors) == 0 {
				t.Fatalf("outage, round %d, %s: status %d and no error, data %s", round, rq.name, r.Status, r.Data)
			}
			e := r.Errors[0]
			if e.Code() != "SERVICE_UNAVAILABLE" {
				t.Errorf("outage, round %d, %s: code %q (%q), want SERVICE_UNAVAILABLE", round, rq.name, e.Code(), e.Message)
			}
			if r.Status != http.StatusServiceUnavailable {
				t.Errorf("outage, round %d, %s: HTTP %d, want 503", round, rq.name, r.Status)
			}
			for _, leak := range []string{"127.0.0.1", ".s.PGSQL", "connect", "postgres", "ateliers?", "dial", "SQLSTATE"} {
				if strings.Contains(e.Message, leak) {
					t.Errorf("outage, round %d, %s: message %q shows driver text", round, rq.name, e.Message)
				}
			}
		}
		status, took := probe(t, a.URL+"/readyz")
		slowest = max(slowest, took)
		if status != http.StatusServiceUnavailable || took > bound {
			t.Errorf("outage: /readyz answered %d after %v, want 503 under %v", status, took, bound)
		}
		if status, _ := probe(t, a.URL+"/healthz"); status != http.StatusOK {
			t.Errorf("outage: /healthz answered %d, want 200: the process is up", status)
		}
	}
	t.Logf("during the outage the slowest answer took %v", slowest)

	if again := pg.start(t); again != url {
		t.Fatalf("the cluster came back as %s, not %s: the server would be pointed at a cluster that is not there", again, url)
	}
	back := time.Now()
	var failure string
	for time.Since(back) < 15*time.Second {
		if failure = serves(); failure == "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if failure != "" {
		t.Fatalf("15 s after PostgreSQL came back, the API still fails: %s", failure)
	}
	t.Logf("the API served again %v after PostgreSQL was back", time.Since(back).Round(time.Millisecond))
	if a.Pool.Stat().NewConnsCount() == connsBefore {
		t.Errorf("the pool made no new connection: it cannot have recovered by itself")
	}
	if _, _, confirmed, _ := a.counts(t, slot); confirmed != registered {
		t.Errorf("%d registrations in the database, but %d were answered as made", confirmed, registered)
	}
}

// probe GETs a health endpoint and returns its status and how long it took.
func probe(t *testing.T, url string) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	res, err := patientClient.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	res.Body.Close()
	return res.StatusCode, time.Since(start)
}

// privateCluster is a PostgreSQL cluster of one test, run by scripts/postgres.sh, stopped and
// deleted when the test ends.
type privateCluster struct {
	script, dir string
}

// newPrivateCluster prepares an empty directory for a cluster. Its parent is searchable by
// everyone, so that as root the postgres user that runs the server reaches it (t.TempDir is
// private) and postgres.sh keeps the cluster there rather than relocating it.
func newPrivateCluster(t *testing.T) *privateCluster {
	t.Helper()
	script, err := filepath.Abs("../scripts/postgres.sh")
	if err != nil {
		t.Fatal(err)
	}
	parent, err := os.MkdirTemp("/tmp", "ateliers-outage-")
	if err != nil {
		t.Fatal(err)
	}
	pg := &privateCluster{script: script, dir: filepath.Join(parent, "postgres")}
	t.Cleanup(func() {
		if _, err := os.Stat(filepath.Join(pg.dir, "PG_VERSION")); err == nil {
			if out, err := pg.run("stop"); err != nil {
				t.Errorf("stop the test's cluster: %v\n%s", err, out)
			}
		}
		os.RemoveAll(parent)
	})
	if err := os.Chmod(parent, 0o755); err != nil {
		t.Fatal(err)
	}
	return pg
}

// start starts the cluster, creating it the first time, and returns its DATABASE_URL. It fails
// (never skips) without PostgreSQL server binaries: postgres.sh says what to install.
func (pg *privateCluster) start(t *testing.T) string {
	t.Helper()
	out, err := pg.run("start")
	if err != nil {
		t.Fatalf("start a cluster of the test's own with scripts/postgres.sh: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	url := lines[len(lines)-1]
	if !strings.HasPrefix(url, "postgres://") {
		t.Fatalf("scripts/postgres.sh start printed no DATABASE_URL:\n%s", out)
	}
	return url
}

func (pg *privateCluster) stop(t *testing.T) {
	t.Helper()
	if out, err := pg.run("stop"); err != nil {
		t.Fatalf("stop the test's cluster: %v\n%s", err, out)
	}
}

// run runs `postgres.sh CMD DIR [ARGS]` and returns its stdout, and its stderr as well on
// failure.
func (pg *privateCluster) run(cmd string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c := exec.CommandContext(ctx, pg.script, append([]string{cmd, pg.dir}, args...)...)
	var stdout, stderr bytes.Buffer
	c.Stdout, c.Stderr = &stdout, &stderr
	c.WaitDelay = 10 * time.Second // a daemon holding our pipes must not hold us
	if err := c.Run(); err != nil {
		return stdout.String() + stderr.String(), err
	}
	return stdout.String(), nil
}
