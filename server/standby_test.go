package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db/dbtest"
)

// The replica is an optimisation, never a dependency: down or hung, the catalogue reads go to
// the primary within the replica's budget, the search that meets the fault included (every
// search answers), /readyz stays 200 and says so, and once the replica
// answers again the reads go back to it, without a restart. The replica is a second database
// without the primary's rows (as in TestReplicaServesTheCatalogueOfQueries), reached through a
// proxy that the test turns off (connections refused and cut) or hangs (bytes held, as a
// stopped process would).
func TestTheReplicaIsNeverADependency(t *testing.T) {
	t.Parallel()
	px := newFaultProxy(t, dbtest.NewDatabase(t))
	a := newTestAPIWith(t, map[string]string{"DATABASE_READ_URL": px.url, "DATABASE_READ_TIMEOUT": "300ms"})
	_, slot := a.bookable("regie-stains", 10)

	// from says where an anonymous search read: the replica has no slots, the primary has one.
	from := func() (string, time.Duration) {
		t.Helper()
		start := time.Now()
		r := a.post("", `{ slots(first: 5) { edges { node { id } } } }`, nil)
		took := time.Since(start)
		if r.Status != http.StatusOK || len(r.Errors) > 0 {
			return "error " + strings.Join(codesOf(r), ","), took
		}
		if strings.Contains(string(r.Data), slot) {
			return "primary", took
		}
		return "replica", took
	}
	// settles waits until searches read from want, and says how long it took.
	settles := func(want string) time.Duration {
		t.Helper()
		start := time.Now()
		waitFor(t, 10*time.Second, "searches to read from the "+want, func() bool {
			got, took := from()
			if took > 2*time.Second {
				t.Errorf("a search took %v while the replica was %s: more than its budget allows", took, px.mode())
			}
			if strings.HasPrefix(got, "error") {
				t.Errorf("a search while the replica was %s: %s, want an answer from the primary", px.mode(), got)
			}
			return got == want
		})
		return time.Since(start)
	}

	settles("replica")
	if got := readyz(t, a); !strings.Contains(got, "read replica: in use") {
		t.Errorf("/readyz with the replica up: %q", got)
	}
	for _, fault := range []string{"down", "hung"} {
		px.set(fault)
		took := settles("primary")
		t.Logf("replica %s: searches read from the primary after %v", fault, took)
		if got := readyz(t, a); !strings.Contains(got, "read replica: not used") {
			t.Errorf("/readyz with the replica %s: %q", fault, got)
		}
		px.set("up")
		took = settles("replica")
		t.Logf("replica back: searches read from it again after %v", took)
	}
}

// codesOf lists the error codes of r.
func codesOf(r response) []string {
	var codes []string
	for _, e := range r.Errors {
		codes = append(codes, e.Code())
	}
	return codes
}

// readyz returns /readyz's body, failing the test unless it says ready: in these tests the
// primary is up, whatever the replica.
func readyz(t *testing.T, a *testAPI) string {
	t.Helper()
	res, err := patientClient.Get(a.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Errorf("/readyz: %d %q, want 200: the primary is up", res.StatusCode, body)
	}
	return string(body)
}

// faultProxy forwards TCP connections to a PostgreSQL server's socket, until it is set down
// (connections cut and refused) or hung (connections accepted, bytes held).
type faultProxy struct {
	url    string
	target string

	mu    sync.Mutex
	state string
	conns []net.Conn
}

func newFaultProxy(t *testing.T, databaseURL string) *faultProxy {
	t.Helper()
	u, err := url.Parse(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	if port == "" {
		port = "5432"
	}
	socket := filepath.Join(u.Query().Get("host"), ".s.PGSQL."+port)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	q := u.Query()
	q.Del("host")
	u.Host = ln.Addr().String()
	u.RawQuery = q.Encode()
	p := &faultProxy{url: u.String(), target: socket, state: "up"}
	go p.serve(ln)
	t.Cleanup(func() { p.set("down") })
	return p
}

func (p *faultProxy) mode() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.state
}

// set changes the proxy's state; down cuts the connections it holds.
func (p *faultProxy) set(state string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = state
	if state == "down" {
		for _, c := range p.conns {
			c.Close()
		}
		p.conns = nil
	}
}

func (p *faultProxy) serve(ln net.Listener) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		if p.mode() == "down" {
			c.Close()
			continue
		}
		s, err := net.Dial("unix", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go p.pipe(c, s)
		go p.pipe(s, c)
	}
}

// pipe copies from src to dst, holding the bytes while the proxy is hung.
func (p *faultProxy) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		for p.mode() == "hung" {
			time.Sleep(10 * time.Millisecond)
		}
		if n > 0 {
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			if !errors.Is(err, io.EOF) {
				src.Close()
			}
			return
		}
	}
}

// A hung primary gives every request a coded error within the request's deadline: never a
// bare `null`, never a wait past the deadline.
func TestAHungPrimaryAnswersWithACode(t *testing.T) {
	t.Parallel()
	px := newFaultProxy(t, dbtest.NewDatabase(t))
	a := newTestAPIWith(t, map[string]string{"DATABASE_URL": px.url, "REQUEST_TIMEOUT": "1s", "PAGE_CACHE": "off"})
	hostKey, slot := a.bookable("regie-stains", 10)
	px.set("hung")
	for name, rq := range map[string]struct {
		key, query string
		vars       map[string]any
	}{
		"anonymous search": {"", `{ slots(first: 5) { edges { node { id } } } }`, nil},
		"anonymous node":   {"", `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": slot}},
		"keyed query":      {hostKey, `{ viewer { isAnonymous } }`, nil},
		"mutation":         {"", registerDoc, map[string]any{"in": map[string]any{"slotId": slot, "participant": person(1)}}},
	} {
		r, took, err := timedPost(a, rq.key, rq.query, rq.vars)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		codes := codesOf(r)
		t.Logf("%s: %d %v after %v", name, r.Status, codes, took.Round(time.Millisecond))
		if len(codes) == 0 || (codes[0] != "TIMEOUT" && codes[0] != "SERVICE_UNAVAILABLE") {
			t.Errorf("%s: status %d, data %s, errors %+v: want TIMEOUT or SERVICE_UNAVAILABLE", name, r.Status, r.Data, r.Errors)
		}
		if took > 3*time.Second {
			t.Errorf("%s: answered after %v, past the 1 s deadline", name, took)
		}
	}
	px.set("up")
}

// Budgets hold in every fault: with the primary down, the replica still serves anonymous
// searches, and the cost budget that lives on the primary is applied from this instance's
// memory, with the same burst and rate.
func TestBudgetsHoldWhenThePrimaryIsDown(t *testing.T) {
	t.Parallel()
	primary := newFaultProxy(t, dbtest.NewDatabase(t))
	a := newTestAPIWith(t, map[string]string{"DATABASE_URL": primary.url, "DATABASE_READ_URL": dbtest.NewDatabase(t),
		"COST_BURST_ANONYMOUS": "4000", "COST_PER_SECOND_ANONYMOUS": "1"})
	const search = `{ slots(first: 100) { edges { node { id startsAt workshop { title } venue { name city } } } } }`
	r := a.post("", search, nil)
	cost, _ := r.Extensions["cost"].(map[string]any)["requestedQueryCost"].(float64)
	if r.Status != http.StatusOK || cost < 500 {
		t.Fatalf("a search with the primary up: status %d, cost %v; want 200 and a cost over 500", r.Status, cost)
	}
	primary.set("down")
	statuses := map[int]int{}
	for range 30 {
		r, took, err := timedPost(a, "", search, nil)
		if err != nil {
			t.Fatal(err)
		}
		if took > time.Second {
			t.Errorf("a search with the primary down took %v", took)
		}
		statuses[r.Status]++
	}
	want := int(4000 / cost) // a new budget in memory: it starts full
	t.Logf("cost %v: %v", cost, statuses)
	if statuses[http.StatusOK] != want || statuses[http.StatusTooManyRequests] != 30-want {
		t.Errorf("30 searches of cost %v with the primary down: %v, want %d answered and the rest 429", cost, statuses, want)
	}
}
