package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// With a real streaming replica (scripts/postgres.sh start --replica-of: pg_basebackup, then
// the replica follows the primary): a replica whose replay is paused falls behind as the
// primary writes, and past DATABASE_READ_MAX_LAG the searches read the primary, with the
// latest seats; replay resumed, they go back to the replica. A replica stopped sends them to
// the primary too, and started again, back. No restart of the API, every search answered.
func TestAStreamingReplicaThatFallsBehindIsNotRead(t *testing.T) {
	t.Parallel()
	primary := newPrivateCluster(t)
	primaryURL := primary.start(t)
	standby := newPrivateCluster(t)
	replicaURL := standby.startReplicaOf(t, primary)
	a := serveAPIOn(t, primaryURL, map[string]string{"DATABASE_READ_URL": replicaURL, "DATABASE_READ_MAX_LAG": "1s", "DATABASE_READ_TIMEOUT": "500ms"})
	_, slot := a.bookable("regie-stains", 10)
	replica, err := pgx.Connect(t.Context(), replicaURL)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close(context.Background())

	seatsLeft := func() int {
		t.Helper()
		r := a.post("", `query($id: ID!) { slots(first: 5) { edges { node { id seatsLeft } } } node(id: $id) { id } }`, map[string]any{"id": slot})
		if r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("a search: status %d, errors %+v; want an answer whatever the replica", r.Status, r.Errors)
		}
		var page struct {
			Slots struct {
				Edges []struct{ Node struct{ SeatsLeft int } }
			}
		}
		if err := json.Unmarshal(r.Data, &page); err != nil || len(page.Slots.Edges) == 0 {
			return -1 // the replica has not replayed the slot yet
		}
		return page.Slots.Edges[0].Node.SeatsLeft
	}
	state := func() string { t.Helper(); return readyz(t, a) }
	waitFor(t, 10*time.Second, "the replica in use, with the slot", func() bool {
		return strings.Contains(state(), "read replica: in use") && seatsLeft() == 10
	})

	// Replay paused: the primary's writes wait on the replica.
	if _, err := replica.Exec(t.Context(), `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	a.register("", slot, 1, nil)
	start := time.Now()
	stale := 0
	waitFor(t, 10*time.Second, "searches with the latest seats", func() bool {
		if seatsLeft() == 9 {
			return true
		}
		stale++
		return false
	})
	t.Logf("replay paused: %d searches showed the old seats, the latest after %v; /readyz: %q",
		stale, time.Since(start).Round(time.Millisecond), strings.TrimSpace(state()))
	if got := state(); !strings.Contains(got, "not used (lagging") {
		t.Errorf("/readyz with replay paused: %q, want the replica not used for its lag", got)
	}
	if inUse, lag := replicaGauges(t, a); inUse != 0 || lag < 1 {
		t.Errorf("metrics with replay paused: in use %v, lag %v s; want 0 and over 1", inUse, lag)
	}
	if _, err := replica.Exec(t.Context(), `SELECT pg_wal_replay_resume()`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the replica in use again", func() bool { return strings.Contains(state(), "read replica: in use") })
	if inUse, _ := replicaGauges(t, a); inUse != 1 {
		t.Errorf("metrics with replay resumed: in use %v, want 1", inUse)
	}

	// Hung (every process of the replica stopped by SIGSTOP), then continued: searches answered
	// from the primary within the budget meanwhile.
	signalCluster(t, standby, syscall.SIGSTOP)
	t.Cleanup(func() { signalCluster(t, standby, syscall.SIGCONT) }) // else stopping it at the end would wait for good
	hung := time.Now()
	waitFor(t, 10*time.Second, "the replica not used once hung", func() bool {
		start := time.Now()
		left := seatsLeft()
		if took := time.Since(start); took > 1500*time.Millisecond {
			t.Errorf("a search took %v with the replica hung (budget 500ms)", took)
		}
		return left == 9 && strings.Contains(state(), "not used")
	})
	t.Logf("replica hung: not used after %v", time.Since(hung).Round(time.Millisecond))
	signalCluster(t, standby, syscall.SIGCONT)
	waitFor(t, 10*time.Second, "the replica in use again once continued", func() bool {
		return strings.Contains(state(), "read replica: in use")
	})

	// Stopped, then started again.
	replica.Close(context.Background())
	standby.stop(t)
	waitFor(t, 10*time.Second, "the replica not used once stopped", func() bool {
		return seatsLeft() == 9 && strings.Contains(state(), "not used")
	})
	standby.start(t)
	waitFor(t, 15*time.Second, "the replica in use again once started", func() bool {
		return seatsLeft() == 9 && strings.Contains(state(), "read replica: in use")
	})
}

// signalCluster sends sig to the postmaster of pg's cluster and to every process it started.
func signalCluster(t *testing.T, pg *privateCluster, sig syscall.Signal) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(pg.dir, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	postmaster, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	entries, _ := os.ReadDir("/proc")
	pids := []int{postmaster}
	for _, e := range entries {
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: the fields after the last ')'.
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(postmaster) {
			pid, _ := strconv.Atoi(e.Name())
			pids = append(pids, pid)
		}
	}
	for _, pid := range pids {
		if err := syscall.Kill(pid, sig); err != nil {
			t.Fatalf("signal %v to %d: %v", sig, pid, err)
		}
	}
}

// startReplicaOf creates the cluster as a streaming replica of primary's, starts it, and
// returns its DATABASE_URL.
func (pg *privateCluster) startReplicaOf(t *testing.T, primary *privateCluster) string {
	t.Helper()
	out, err := pg.run("start", "--replica-of", primary.dir)
	if err != nil {
		t.Fatalf("start a replica with scripts/postgres.sh: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	return lines[len(lines)-1]
}

// replicaGauges reads the replica's metrics as /metrics (METRICS_ADDR) shows them.
func replicaGauges(t *testing.T, a *testAPI) (inUse, lag float64) {
	t.Helper()
	families, err := metricsRegistry(a.Pool, a.standby).Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		switch f.GetName() {
		case "ateliers_read_replica_in_use":
			inUse = f.GetMetric()[0].GetGauge().GetValue()
		case "ateliers_read_replica_lag_seconds":
			lag = f.GetMetric()[0].GetGauge().GetValue()
		}
	}
	return inUse, lag
}

// With the primary hung (SIGSTOP), then stopped, and a real replica up: anonymous searches go
// on from the replica, metered from memory, each within a second; keyed calls and mutations
// answer a code within the deadline; once the primary is back, all of it works again, without
// a restart of the API.
func TestThePrimaryHungOrStoppedWithAReplicaUp(t *testing.T) {
	t.Parallel()
	primary := newPrivateCluster(t)
	primaryURL := primary.start(t)
	standby := newPrivateCluster(t)
	replicaURL := standby.startReplicaOf(t, primary)
	a := serveAPIOn(t, primaryURL, map[string]string{"DATABASE_READ_URL": replicaURL, "REQUEST_TIMEOUT": "2s",
		"COST_BURST_ANONYMOUS": "4000", "COST_PER_SECOND_ANONYMOUS": "1", "TRUSTED_PROXIES": "127.0.0.1/32"})
	hostKey, slot := a.bookable("regie-stains", 10)
	waitFor(t, 10*time.Second, "the replica to show the slot", func() bool {
		r := a.post("", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": slot})
		return r.Status == 200 && strings.Contains(string(r.Data), slot)
	})
	const search = `{ slots(first: 100) { edges { node { id startsAt workshop { title } venue { name city } } } } }`
	for i, name := range []string{"hung", "stopped"} {
		if name == "hung" {
			signalCluster(t, primary, syscall.SIGSTOP)
		} else {
			primary.stop(t)
		}
		if name == "hung" {
			t.Cleanup(func() { signalCluster(t, primary, syscall.SIGCONT) })
		}
		statuses := map[int]int{}
		for range 10 {
			// A client of its own for each fault (behind the trusted proxy): a budget of its own.
			req := graphqlRequest(a.URL, "", search, nil)
			req.Header.Set("X-Forwarded-For", fmt.Sprintf("203.0.113.%d", i+1))
			start := time.Now()
			res, err := patientClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			took := time.Since(start)
			var r response
			json.NewDecoder(res.Body).Decode(&r)
			res.Body.Close()
			r.Status = res.StatusCode
			if took > 1500*time.Millisecond {
				t.Errorf("primary %s: a search took %v", name, took)
			}
			if r.Status == 200 && len(r.Errors) > 0 {
				t.Errorf("primary %s: a search answered errors %+v", name, r.Errors)
			}
			statuses[r.Status]++
		}
		t.Logf("primary %s: 10 searches: %v", name, statuses)
		if statuses[http.StatusOK] == 0 || statuses[http.StatusTooManyRequests] == 0 {
			t.Errorf("primary %s: 10 searches %v, want some answered from the replica and the rest refused by the budget in memory", name, statuses)
		}
		for what, rq := range map[string]struct{ key, query string }{
			"keyed query": {hostKey, `{ viewer { isAnonymous } }`},
			"mutation":    {"", `mutation($in: RegisterInput!) { register(input: $in) { registration { id } } }`},
		} {
			vars := map[string]any{"in": map[string]any{"slotId": slot, "participant": person(7)}}
			r, took, err := timedPost(a, rq.key, rq.query, vars)
			if err != nil {
				t.Fatal(err)
			}
			if codes := codesOf(r); len(codes) == 0 || (codes[0] != "TIMEOUT" && codes[0] != "SERVICE_UNAVAILABLE") || took > 3*time.Second {
				t.Errorf("primary %s: %s answered %d %v after %v, want TIMEOUT or SERVICE_UNAVAILABLE within the 2 s deadline", name, what, r.Status, codes, took)
			}
		}
		if name == "hung" {
			signalCluster(t, primary, syscall.SIGCONT)
		} else {
			primary.start(t)
		}
		waitFor(t, 15*time.Second, "the primary serving again", func() bool {
			r := a.post(hostKey, `{ viewer { isAnonymous } }`, nil)
			return r.Status == 200 && len(r.Errors) == 0
		})
	}
}
