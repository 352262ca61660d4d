package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
	"github.com/regiestains/ateliers/live"
	"github.com/regiestains/ateliers/pagecache"
)

// The helpers the test files of the package share: the server under test, and the ways a test
// talks to it as a client does. What tests arrange through it (organisations, catalogue,
// registrations) and how they observe it (statements, logs) is in fixtures_test.go; each family
// of tests keeps its own words in its *_helpers_test.go.

// testAPI is the real server (handler, middleware, pool settings) on its own database, called
// over real HTTP as clients call it.
type testAPI struct {
	t       *testing.T
	URL     string
	Pool    *pgxpool.Pool
	config  config
	pages   *pagecache.Cache // nil when PAGE_CACHE is off
	hub     *live.Hub        // live seat counts
	standby *db.Standby      // nil without DATABASE_READ_URL
}

// siteOrigin is the origin the test server allows for CORS.
const siteOrigin = "https://ateliers.example"

func newTestAPI(t *testing.T) *testAPI {
	t.Helper()
	return newTestAPIWith(t, nil)
}

// roomyBudgets are the rate budgets of tests: the rate limits stay on, every request draws
// from its buckets, but the many requests of a test, all from 127.0.0.1, are never throttled.
// The rate-limit tests set their own.
var roomyBudgets = map[string]string{
	"COST_BURST_ANONYMOUS": "100000000", "COST_PER_SECOND_ANONYMOUS": "100000000",
	"REGISTRATION_BURST_ANONYMOUS": "100000000", "REGISTRATIONS_PER_HOUR_ANONYMOUS": "100000000",
	"COST_BURST_KEY": "100000000", "COST_PER_SECOND_KEY": "100000000",
	"REGISTRATION_BURST_KEY": "100000000", "REGISTRATIONS_PER_HOUR_KEY": "100000000",
}

// newTestAPIWith starts the server with settings over the test defaults (env variable names).
func newTestAPIWith(t *testing.T, env map[string]string) *testAPI {
	t.Helper()
	return serveAPIOn(t, dbtest.NewDatabase(t), env)
}

// serveAPIOn serves the real handler over HTTP on a given database, with settings over the
// test defaults.
func serveAPIOn(t *testing.T, databaseURL string, env map[string]string) *testAPI {
	t.Helper()
	return serveAPI(t, databaseURL, env, nil)
}

// serveAPI is serveAPIOn with tracer (when not nil) on the server's pool.
func serveAPI(t *testing.T, databaseURL string, env map[string]string, tracer pgx.QueryTracer) *testAPI {
	t.Helper()
	settings := map[string]string{"DATABASE_URL": databaseURL, "CORS_ALLOWED_ORIGINS": siteOrigin}
	for k, v := range roomyBudgets {
		settings[k] = v
	}
	for k, v := range env {
		settings[k] = v
	}
	c, err := loadConfig(func(k string) string { return settings[k] })
	if err != nil {
		t.Fatal(err)
	}
	pool, standby := openPools(t, c, tracer)
	pages, hub := startTestChanges(t, c, pool)
	srv := httptest.NewServer(newHandler(c, pool, standby, pages, hub))
	t.Cleanup(srv.Close)
	return &testAPI{t: t, URL: srv.URL, Pool: pool, config: c, pages: pages, hub: hub, standby: standby}
}

// startTestChanges starts the listener of c as main does, with the page cache (nil when c has
// it off) and the hub of live seat counts it feeds, listening until the test ends, and waits
// until it listens, so that a test's first change is heard.
func startTestChanges(t *testing.T, c config, pool *pgxpool.Pool) (*pagecache.Cache, *live.Hub) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pages, hub, done := startChanges(ctx, c, pool)
	t.Cleanup(func() {
		cancel()
		<-done
	})
	waitFor(t, 10*time.Second, "the change listener to listen", hub.Listens)
	if pages != nil {
		waitFor(t, 10*time.Second, "the page cache's listener to listen", pages.Live)
	}
	return pages, hub
}

// openPools opens the server's pools for c, as main does, closed when the test ends, and the
// standby that routes reads to the replica, checking it until the test ends; standby is nil
// unless c has a DATABASE_READ_URL. tracer, when not nil, traces the main pool.
func openPools(t *testing.T, c config, tracer pgx.QueryTracer) (pool *pgxpool.Pool, standby *db.Standby) {
	t.Helper()
	ctx := context.Background()
	pool, err := openDatabase(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if tracer != nil {
		cfg := pool.Config()
		pool.Close()
		cfg.ConnConfig.Tracer = tracer
		if pool, err = pgxpool.NewWithConfig(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(pool.Close)
	replica, err := openReplica(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if replica == nil {
		return pool, nil
	}
	t.Cleanup(replica.Close)
	checking, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	return pool, startStandby(checking, c, pool, replica)
}

// otherInstance starts a second server, with a pool of its own, on a's database and settings:
// another instance of the API behind the same load balancer.
func (a *testAPI) otherInstance() *testAPI {
	a.t.Helper()
	pool, standby := openPools(a.t, a.config, nil)
	pages, hub := startTestChanges(a.t, a.config, pool)
	srv := httptest.NewServer(newHandler(a.config, pool, standby, pages, hub))
	a.t.Cleanup(srv.Close)
	return &testAPI{t: a.t, URL: srv.URL, Pool: pool, config: a.config, pages: pages, hub: hub}
}

// withT returns a copy of a whose helpers report failures to t, so that a failing helper
// stops the subtest that called it rather than its parent.
func (a *testAPI) withT(t *testing.T) *testAPI {
	c := *a
	c.t = t
	return &c
}

// exec runs a statement that arranges a test's data behind the API's back, then empties the
// page cache at once: PostgreSQL's notice would do it a few milliseconds later, and the test's
// next query may come sooner (pagecache_test.go tests the notices themselves).
func (a *testAPI) exec(sql string, args ...any) {
	a.t.Helper()
	if _, err := a.Pool.Exec(context.Background(), sql, args...); err != nil {
		a.t.Fatalf("%s: %v", sql, err)
	}
	if a.pages != nil {
		a.pages.Changed()
	}
}

// waitFor polls cond until it holds, failing the test after limit.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	// The first polls come quickly, for conditions that hold at once; later ones every 20 ms.
	for wait := time.Millisecond; !cond(); wait = min(2*wait, 20*time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting %v for %s", limit, what)
		}
		time.Sleep(wait)
	}
}

// gqlError is one entry of a response's errors.
type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

// Code returns extensions.code.
func (e gqlError) Code() string { s, _ := e.Extensions["code"].(string); return s }

// response is a decoded GraphQL response with its HTTP status.
type response struct {
	Status     int
	Header     http.Header
	Data       json.RawMessage `json:"data"`
	Errors     []gqlError      `json:"errors"`
	Extensions map[string]any  `json:"extensions"`
}

// userError is a mutation payload's userErrors entry.
type userError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

// graphqlRequest is a GraphQL request as clients send it to the API at baseURL: a JSON body,
// with key as a Bearer token ("" for anonymous).
func graphqlRequest(baseURL, key, query string, vars map[string]any) *http.Request {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, baseURL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return req
}

// post sends a GraphQL request with an optional API key ("" for anonymous).
func (a *testAPI) post(key, query string, vars map[string]any) response {
	a.t.Helper()
	return a.send(graphqlRequest(a.URL, key, query, vars))
}

// send sends req and decodes its response, failing the test if there is none.
func (a *testAPI) send(req *http.Request) response {
	a.t.Helper()
	r, _ := rawSend(a.t, req)
	return r
}

// rawPost sends a GraphQL request and returns the decoded response with the body as written.
func rawPost(t *testing.T, a *testAPI, key, query string, vars map[string]any) (response, []byte) {
	t.Helper()
	return rawSend(t, graphqlRequest(a.URL, key, query, vars))
}

// rawSend reads the whole body (so the server has finished the request, log line included).
func rawSend(t *testing.T, req *http.Request) (response, []byte) {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("request: %v", err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("read response: %v", err)
	}
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("decode response (status %d) %s: %v", res.StatusCode, raw, err)
	}
	r.Status, r.Header = res.StatusCode, res.Header
	return r, raw
}

// unmarshalData decodes data, which is null (or absent) when an error bubbled up to the root.
func unmarshalData(data json.RawMessage, v any) error {
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	return json.Unmarshal(data, v)
}

// query posts and fails the test on any error; it decodes data into out (when not nil).
func (a *testAPI) query(key, query string, vars map[string]any, out any) {
	a.t.Helper()
	r := a.post(key, query, vars)
	if r.Status != http.StatusOK || len(r.Errors) > 0 {
		a.t.Fatalf("query failed: status %d, errors %+v", r.Status, r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			a.t.Fatalf("decode data %s: %v", r.Data, err)
		}
	}
}

// errorCode posts and returns the code of the first error, failing if there is none.
func (a *testAPI) errorCode(key, query string, vars map[string]any) string {
	a.t.Helper()
	r := a.post(key, query, vars)
	if len(r.Errors) == 0 {
		a.t.Fatalf("want an error, got data %s", r.Data)
	}
	return r.Errors[0].Code()
}

// call sends a GraphQL request from any goroutine (it never calls t.Fatal) and decodes data
// into out; it returns the first error code, or an error when the request itself failed.
func (a *testAPI) call(key, idempotencyKey, query string, vars map[string]any, out any) (code string, err error) {
	req := graphqlRequest(a.URL, key, query, vars)
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []gqlError
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return "", fmt.Errorf("status %d: %w", res.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		return r.Errors[0].Code(), nil
	}
	return "", json.Unmarshal(r.Data, out)
}

// patientClient gives a hung server time to show itself as hung, and no more.
var patientClient = &http.Client{Timeout: 30 * time.Second}

// timedPost sends a GraphQL request and says how long the answer took; it never fails the
// test, so that the caller can report timings.
func timedPost(a *testAPI, key, query string, vars map[string]any) (response, time.Duration, error) {
	req := graphqlRequest(a.URL, key, query, vars)
	start := time.Now()
	res, err := patientClient.Do(req)
	if err != nil {
		return response{}, time.Since(start), err
	}
	defer res.Body.Close()
	var r response
	err = json.NewDecoder(res.Body).Decode(&r)
	r.Status, r.Header = res.StatusCode, res.Header
	if err != nil {
		err = fmt.Errorf("decode response (status %d): %w", res.StatusCode, err)
	}
	return r, time.Since(start), err
}

// cost is extensions.cost of a response.
type cost struct {
	RequestedQueryCost         int
	MaximumQueryCost           int
	ThrottleStatus             *throttleStatus
	RegistrationThrottleStatus *throttleStatus
}

type throttleStatus struct {
	MaximumAvailable, CurrentlyAvailable, RestoreRate float64
}

func costOf(t *testing.T, r response) cost {
	t.Helper()
	raw, ok := r.Extensions["cost"]
	if !ok {
		t.Fatalf("no extensions.cost in response: status %d, errors %+v", r.Status, r.Errors)
	}
	b, _ := json.Marshal(raw)
	var c cost
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// nested wraps inner in fields, outermost first.
func nested(inner string, fields ...string) string {
	for i := len(fields) - 1; i >= 0; i-- {
		inner = fields[i] + " { " + inner + " }"
	}
	return inner
}

// deepQuery is a real path of the schema of the given depth (1 to 13): depth+1 fields, root
// fields being at depth 0.
func deepQuery(depth int) string {
	path := []string{"slots(first: 1)", "edges", "node", "venue", "organisation", "workshops(first: 1)",
		"edges", "node", "slots(first: 1)", "edges", "node", "workshop", "organisation"}
	return "{ " + nested("__typename", path[:depth]...) + " }"
}

// driverText returns the first sign of a database, driver or Go runtime message in a
// response body, or "".
func driverText(raw []byte) string {
	body := strings.ToLower(string(raw))
	for _, s := range []string{"sqlstate", "relation", "does not exist", "venues_gone", "pgx", "pgconn", "postgres",
		"select ", " from ", "goroutine", ".go:", "panic", "runtime error", "nil pointer"} {
		if strings.Contains(body, s) {
			return s
		}
	}
	return ""
}
