package main

import (
	"context"
	"encoding/json"
	"io"
	"strings"
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
	a := serveAPIOn(t, primaryURL, map[string]string{"DATABASE_READ_URL": replicaURL, "DATABASE_READ_MAX_LAG": "1s"})
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
	state := func() string {
		t.Helper()
		res, err := patientClient.Get(a.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Errorf("/readyz: %d %q, want 200: the primary is up", res.StatusCode, body)
		}
		return string(body)
	}
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
