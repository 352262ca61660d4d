package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log"
	"log/slog"
	"maps"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// What the tests of the package arrange through the server of api_test.go (organisations
// and their keys, the catalogue, registrations, states only SQL reaches) and how they observe
// what it does (the statements it sends PostgreSQL, its log).

// statementCounter counts every statement the server sends PostgreSQL through its pool:
// queries and execs (transaction control included), batches and copies. Deterministic, unlike
// PostgreSQL's statistics, which are flushed late.
type statementCounter struct{ n atomic.Int64 }

func (c *statementCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *statementCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
func (c *statementCounter) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *statementCounter) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}
func (c *statementCounter) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData)     {}
func (c *statementCounter) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromStartData) context.Context {
	c.n.Add(1)
	return ctx
}
func (c *statementCounter) TraceCopyFromEnd(context.Context, *pgx.Conn, pgx.TraceCopyFromEndData) {}

// newCountingAPI is newTestAPI with a pool that counts statements: the server's own pool
// settings (openDatabase), plus the counter.
func newCountingAPI(t *testing.T) (*testAPI, *statementCounter) {
	t.Helper()
	return newCountingAPIWith(t, nil)
}

// newCountingAPIWith is newCountingAPI with settings over the test defaults.
func newCountingAPIWith(t *testing.T, env map[string]string) (*testAPI, *statementCounter) {
	t.Helper()
	counter := &statementCounter{}
	return serveAPI(t, dbtest.NewDatabase(t), env, counter), counter
}

// refused posts an anonymous query (no key lookup) and checks that it is refused with code
// and that no statement reached PostgreSQL.
func (a *testAPI) refused(counter *statementCounter, query, code string) response {
	a.t.Helper()
	before := counter.n.Load()
	r := a.post("", query, nil)
	if len(r.Errors) == 0 || r.Errors[0].Code() != code {
		a.t.Fatalf("want %s, got status %d, errors %+v, data %s", code, r.Status, r.Errors, r.Data)
	}
	if len(r.Data) > 0 && string(r.Data) != "null" {
		a.t.Errorf("refused query has data %s", r.Data)
	}
	if n := counter.n.Load() - before; n != 0 {
		a.t.Errorf("%d statements ran for a refused query", n)
	}
	return r
}

// lockedBuffer collects log output written from the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// captureLogs sends the default slog logger (and the log package, which it feeds) to a buffer
// until the test ends. Not for parallel tests: the default logger is process-wide; top-level
// parallel tests only start once the sequential ones are done.
func captureLogs(t testing.TB) *lockedBuffer {
	logs := &lockedBuffer{}
	oldLogger, oldWriter, oldFlags := slog.Default(), log.Writer(), log.Flags()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() {
		// SetDefault with the built-in logger leaves the log package's output alone: restore it too.
		slog.SetDefault(oldLogger)
		log.SetOutput(oldWriter)
		log.SetFlags(oldFlags)
	})
	return logs
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

// orgID returns the database id of the organisation a test made with slug.
func orgID(t *testing.T, a *testAPI, slug string) int64 {
	t.Helper()
	var id int64
	if err := a.Pool.QueryRow(context.Background(), `SELECT id FROM organisations WHERE slug = $1`, slug).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// anotherKey creates one more key of the organisation with global id orgGID, with scopes.
func anotherKey(t *testing.T, a *testAPI, orgGID string, scopes ...db.Scope) string {
	t.Helper()
	org := dbID(t, orgGID)
	_, secret, err := db.CreateAPIKey(context.Background(), a.Pool, db.NewAPIKey{OrganisationID: &org, Label: "another", Scopes: scopes})
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// create runs one of the catalogue's create mutations through the API, fails the test on a
// userError, and returns the new object's id.
func (a *testAPI) create(key, mutation, inputType, object string, in map[string]any) string {
	a.t.Helper()
	var out struct {
		P struct {
			O          struct{ ID string }
			UserErrors []userError
		}
	}
	a.query(key, fmt.Sprintf(`mutation($in: %s!) { p: %s(input: $in) { o: %s { id } userErrors { field message code } } }`,
		inputType, mutation, object), map[string]any{"in": in}, &out)
	if len(out.P.UserErrors) > 0 {
		a.t.Fatalf("%s: %+v", mutation, out.P.UserErrors)
	}
	return out.P.O.ID
}

// venue creates a venue through the API; fields override the defaults (a venue in Stains).
func (a *testAPI) venue(key string, fields map[string]any) string {
	a.t.Helper()
	in := map[string]any{"name": "Espace numérique", "streetAddress": "6 avenue George Sand",
		"postalCode": "93240", "city": "Stains", "latitude": 48.9536, "longitude": 2.3794}
	maps.Copy(in, fields)
	return a.create(key, "createVenue", "CreateVenueInput", "venue", in)
}

// workshop creates a published workshop through the API; fields override the defaults.
func (a *testAPI) workshop(key string, fields map[string]any) string {
	a.t.Helper()
	in := map[string]any{"title": "Faire son CV", "topics": []string{"CV_AND_JOB_SEARCH"},
		"durationMinutes": 120, "status": "PUBLISHED"}
	maps.Copy(in, fields)
	return a.create(key, "createWorkshop", "CreateWorkshopInput", "workshop", in)
}

// slot schedules a slot through the API at a Paris wall-clock time; fields override defaults.
func (a *testAPI) slot(key, workshopID, venueID, startsAt string, fields map[string]any) string {
	a.t.Helper()
	in := map[string]any{"workshopId": workshopID, "venueId": venueID, "startsAt": startsAt, "capacity": 8}
	maps.Copy(in, fields)
	return a.create(key, "scheduleSlot", "ScheduleSlotInput", "slot", in)
}

// dbVenue creates a venue of the organisation with database id org straight in the database,
// archived or not: for worlds of many objects.
func dbVenue(t *testing.T, a *testAPI, org int64, name string, archived bool) db.Venue {
	t.Helper()
	ctx := context.Background()
	v, err := db.CreateVenue(ctx, a.Pool, db.Venue{OrganisationID: org, Name: name, StreetAddress: "6 avenue George Sand",
		PostalCode: "93240", City: "Stains"})
	if err == nil && archived {
		v, err = db.ArchiveVenue(ctx, a.Pool, v.ID)
	}
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// dbWorkshop creates a workshop of the organisation with database id org straight in the
// database.
func dbWorkshop(t *testing.T, a *testAPI, org int64, title string, status db.WorkshopStatus) db.Workshop {
	t.Helper()
	w, err := db.CreateWorkshop(context.Background(), a.Pool, db.Workshop{OrganisationID: org, Title: title,
		Topics: []db.Topic{db.TopicSmartphone}, Level: db.LevelBeginner, DurationMinutes: 60,
		Audiences: []db.Audience{db.AudienceEveryone}, Status: status})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// apiCaller is a caller of the API; org is the global id of its organisation ("" for none).
type apiCaller struct{ name, key, org string }

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

// globalID is the global id of the object of kind (a GraphQL type) with database id id.
func globalID(kind string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.FormatInt(id, 10)))
}

// slotSQL runs a statement on the slot with global id gid, for states the API cannot reach
// yet (a past slot, seats taken without bookings).
func slotSQL(t *testing.T, a *testAPI, gid, sql string) {
	t.Helper()
	a.exec(sql, dbID(t, gid))
}

func slotMoveToPast(t *testing.T, a *testAPI, gid string) {
	t.Helper()
	slotSQL(t, a, gid, `UPDATE slots SET starts_at = now() - interval '2 days',
		ends_at = now() - interval '2 days' + interval '2 hours', registration_closes_at = now() - interval '2 days'
		WHERE id = $1`)
}

// slotUnderWay makes a slot one that started an hour ago and ends in an hour.
func slotUnderWay(t *testing.T, a *testAPI, gid string) {
	t.Helper()
	slotSQL(t, a, gid, `UPDATE slots SET starts_at = now() - interval '1 hour', ends_at = now() + interval '1 hour',
		registration_closes_at = now() - interval '1 hour' WHERE id = $1`)
}

// slotCancel cancels a slot through the API.
func slotCancel(t *testing.T, a *testAPI, key, gid string) {
	t.Helper()
	var out struct {
		CancelSlot struct {
			Slot       *struct{ Status string }
			UserErrors []userError
		}
	}
	a.query(key, `mutation($in: CancelSlotInput!) { cancelSlot(input: $in) { slot { status } userErrors { field message code } } }`,
		map[string]any{"in": map[string]any{"id": gid, "reason": "Médiatrice absente"}}, &out)
	if p := out.CancelSlot; len(p.UserErrors) > 0 || p.Slot == nil || p.Slot.Status != "CANCELLED" {
		t.Fatalf("cancelSlot: got %+v, want a cancelled slot", p)
	}
}

// lockSlot takes the slot's row lock in a transaction of conn, as a booking does, and holds
// it until the caller rolls the transaction back: a booking of the slot waits meanwhile.
func lockSlot(t *testing.T, conn interface {
	Begin(context.Context) (pgx.Tx, error)
}, gid string) pgx.Tx {
	t.Helper()
	tx, err := conn.Begin(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(t.Context(), `SELECT id FROM slots WHERE id = $1 FOR UPDATE`, dbID(t, gid)); err != nil {
		tx.Rollback(context.Background())
		t.Fatal(err)
	}
	return tx
}

// registerDoc asks for everything a booking test looks at.
const registerDoc = `mutation($in: RegisterInput!) { register(input: $in) {
	registration { id status waitlistPosition confirmationCode participant { firstName phone email } }
	manageToken userErrors { field message code } } }`

// registered is a register payload.
type registered struct {
	Registration *struct {
		ID               string
		Status           string
		WaitlistPosition *int
		ConfirmationCode string
		Participant      *struct{ FirstName, Phone, Email *string }
	}
	ManageToken *string
	UserErrors  []userError
}

// person returns a valid participant input, distinct for each n.
func person(n int) map[string]any {
	return map[string]any{
		"firstName": "Awa", "lastName": fmt.Sprintf("Diallo %d", n),
		"phone":   fmt.Sprintf("+336%08d", 10000000+n),
		"consent": true, "consentVersion": "2026-11",
	}
}

// register calls register with input fields over the defaults (slot, person n).
func (a *testAPI) register(key, slotID string, n int, fields map[string]any) registered {
	a.t.Helper()
	in := map[string]any{"slotId": slotID, "participant": person(n)}
	maps.Copy(in, fields)
	var out struct{ Register registered }
	a.query(key, registerDoc, map[string]any{"in": in}, &out)
	return out.Register
}

// bookable returns a host key and a public slot of capacity seats, in 2032.
func (a *testAPI) bookable(slug string, seats int) (hostKey, slotID string) {
	a.t.Helper()
	_, key := a.org(slug, "CATALOGUE_WRITE", "REGISTRATIONS_WRITE", "REGISTRATIONS_READ", "ATTENDANCE_WRITE")
	return key, a.slot(key, a.workshop(key, nil), a.venue(key, nil), "2032-06-01T14:00", map[string]any{"capacity": seats})
}

// counts reads a slot's counters and its registrations by status straight from the database.
func (a *testAPI) counts(t *testing.T, slotGID string) (seatsTaken, waitlist, confirmed, waitlisted int) {
	t.Helper()
	id := dbID(t, slotGID)
	err := a.Pool.QueryRow(t.Context(), `SELECT s.seats_taken, s.waitlist_length,
		(SELECT count(*) FROM registrations WHERE slot_id = s.id AND status = 'CONFIRMED'),
		(SELECT count(*) FROM registrations WHERE slot_id = s.id AND status = 'WAITLISTED')
		FROM slots s WHERE s.id = $1`, id).Scan(&seatsTaken, &waitlist, &confirmed, &waitlisted)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// dropVenues renames the venues table of a test API's database away, so that any query on
// venues fails inside the driver with a PostgreSQL error (42P01): a real internal error.
func dropVenues(t *testing.T, a *testAPI) {
	t.Helper()
	if _, err := a.Pool.Exec(t.Context(), `ALTER TABLE venues RENAME TO venues_gone`); err != nil {
		t.Fatal(err)
	}
}
