package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
	"github.com/regiestains/ateliers/pagecache"
)

// testAPI is the real server (handler, middleware, pool settings) on its own database, called
// over real HTTP as clients call it.
type testAPI struct {
	t      *testing.T
	URL    string
	Pool   *pgxpool.Pool
	config config
	pages  *pagecache.Cache // nil when PAGE_CACHE is off
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
	pool, replica := openPools(t, c)
	pages := startTestPageCache(t, c)
	srv := httptest.NewServer(newHandler(c, pool, replica, pages))
	t.Cleanup(srv.Close)
	return &testAPI{t: t, URL: srv.URL, Pool: pool, config: c, pages: pages}
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

// startTestPageCache starts the page cache of c as main does, listening until the test ends,
// and waits until it listens, so that a test's first change is heard; nil when c has it off.
func startTestPageCache(t *testing.T, c config) *pagecache.Cache {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pages, done := startPageCache(ctx, c)
	t.Cleanup(func() {
		cancel()
		if done != nil {
			<-done
		}
	})
	if pages != nil {
		deadline := time.Now().Add(10 * time.Second)
		for !pages.Live() {
			if time.Now().After(deadline) {
				t.Fatal("the page cache's listener does not listen")
			}
			time.Sleep(time.Millisecond)
		}
	}
	return pages
}

// openPools opens the server's pools for c, as main does, closed when the test ends; replica
// is nil unless c has a DATABASE_READ_URL.
func openPools(t *testing.T, c config) (pool, replica *pgxpool.Pool) {
	t.Helper()
	pool, err := openDatabase(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	replica, err = openReplica(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if replica != nil {
		t.Cleanup(replica.Close)
	}
	return pool, replica
}

// otherInstance starts a second server, with a pool of its own, on a's database and settings:
// another instance of the API behind the same load balancer.
func (a *testAPI) otherInstance() *testAPI {
	a.t.Helper()
	pool, replica := openPools(a.t, a.config)
	pages := startTestPageCache(a.t, a.config)
	srv := httptest.NewServer(newHandler(a.config, pool, replica, pages))
	a.t.Cleanup(srv.Close)
	return &testAPI{t: a.t, URL: srv.URL, Pool: pool, config: a.config, pages: pages}
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

// post sends a GraphQL request with an optional API key ("" for anonymous).
func (a *testAPI) post(key, query string, vars map[string]any) response {
	a.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	return a.send(req)
}

func (a *testAPI) send(req *http.Request) response {
	a.t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatalf("request: %v", err)
	}
	defer res.Body.Close()
	var r response
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		a.t.Fatalf("decode response (status %d): %v", res.StatusCode, err)
	}
	r.Status, r.Header = res.StatusCode, res.Header
	return r
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

// userError is a mutation payload's userErrors entry.
type userError struct {
	Field   []string `json:"field"`
	Message string   `json:"message"`
	Code    string   `json:"code"`
}

// adminKey creates a network administrator key.
func (a *testAPI) adminKey() string {
	a.t.Helper()
	_, secret, err := db.CreateAPIKey(context.Background(), a.Pool, db.NewAPIKey{Label: "admin", NetworkAdmin: true})
	if err != nil {
		a.t.Fatal(err)
	}
	return secret
}

// org creates an organisation with a key carrying scopes; it returns the organisation's
// global id and the key's secret.
func (a *testAPI) org(slug string, scopes ...db.Scope) (id, key string) {
	a.t.Helper()
	ctx := context.Background()
	o, err := db.CreateOrganisation(ctx, a.Pool, db.Organisation{Name: "Org " + slug, Slug: slug, Kind: db.KindAssociation, HostsWorkshops: true})
	if err != nil {
		a.t.Fatal(err)
	}
	_, secret, err := db.CreateAPIKey(ctx, a.Pool, db.NewAPIKey{OrganisationID: &o.ID, Label: "test", Scopes: scopes})
	if err != nil {
		a.t.Fatal(err)
	}
	var out struct {
		Viewer struct{ Organisation struct{ ID string } }
	}
	a.query(secret, `{ viewer { organisation { id } } }`, nil, &out)
	return out.Viewer.Organisation.ID, secret
}

// host creates a host organisation with a CATALOGUE_WRITE key.
func (a *testAPI) host(slug string) (id, key string) {
	return a.org(slug, db.ScopeCatalogueWrite)
}

// venue creates a venue through the API; fields override the defaults (a venue in Stains).
func (a *testAPI) venue(key string, fields map[string]any) string {
	a.t.Helper()
	in := map[string]any{"name": "Espace numérique", "streetAddress": "6 avenue George Sand",
		"postalCode": "93240", "city": "Stains", "latitude": 48.9536, "longitude": 2.3794}
	for k, v := range fields {
		in[k] = v
	}
	var out struct {
		CreateVenue struct {
			Venue      struct{ ID string }
			UserErrors []userError
		}
	}
	a.query(key, `mutation($in: CreateVenueInput!) { createVenue(input: $in) { venue { id } userErrors { field message code } } }`,
		map[string]any{"in": in}, &out)
	if len(out.CreateVenue.UserErrors) > 0 {
		a.t.Fatalf("createVenue: %+v", out.CreateVenue.UserErrors)
	}
	return out.CreateVenue.Venue.ID
}

// workshop creates a published workshop through the API; fields override the defaults.
func (a *testAPI) workshop(key string, fields map[string]any) string {
	a.t.Helper()
	in := map[string]any{"title": "Faire son CV", "topics": []string{"CV_AND_JOB_SEARCH"},
		"durationMinutes": 120, "status": "PUBLISHED"}
	for k, v := range fields {
		in[k] = v
	}
	var out struct {
		CreateWorkshop struct {
			Workshop   struct{ ID string }
			UserErrors []userError
		}
	}
	a.query(key, `mutation($in: CreateWorkshopInput!) { createWorkshop(input: $in) { workshop { id } userErrors { field message code } } }`,
		map[string]any{"in": in}, &out)
	if len(out.CreateWorkshop.UserErrors) > 0 {
		a.t.Fatalf("createWorkshop: %+v", out.CreateWorkshop.UserErrors)
	}
	return out.CreateWorkshop.Workshop.ID
}

// slot schedules a slot through the API at a Paris wall-clock time; fields override defaults.
func (a *testAPI) slot(key, workshopID, venueID, startsAt string, fields map[string]any) string {
	a.t.Helper()
	in := map[string]any{"workshopId": workshopID, "venueId": venueID, "startsAt": startsAt, "capacity": 8}
	for k, v := range fields {
		in[k] = v
	}
	var out struct {
		ScheduleSlot struct {
			Slot       struct{ ID string }
			UserErrors []userError
		}
	}
	a.query(key, `mutation($in: ScheduleSlotInput!) { scheduleSlot(input: $in) { slot { id } userErrors { field message code } } }`,
		map[string]any{"in": in}, &out)
	if len(out.ScheduleSlot.UserErrors) > 0 {
		a.t.Fatalf("scheduleSlot: %+v", out.ScheduleSlot.UserErrors)
	}
	return out.ScheduleSlot.Slot.ID
}

// dbID returns the database id behind a global id. Clients must treat ids as opaque; tests
// look inside only to arrange, with SQL, states the API refuses to create (a slot that has
// started, seats taken without bookings).
func dbID(t *testing.T, gid string) int64 {
	t.Helper()
	raw, err := base64.RawURLEncoding.DecodeString(gid)
	_, num, ok := strings.Cut(string(raw), ":")
	id, err2 := strconv.ParseInt(num, 10, 64)
	if err != nil || !ok || err2 != nil {
		t.Fatalf("global id %q does not decode", gid)
	}
	return id
}
