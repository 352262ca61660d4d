package main

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/regiestains/ateliers/pagecache"
)

// pageDoc is an anonymous availability search, as the public website sends it.
const pageDoc = `query($from: DateTime!) { slots(first: 10, filter: {from: $from}) {
	edges { node { id seatsLeft workshop { title } venue { name } } } } }`

type page struct {
	Slots struct {
		Edges []struct {
			Node struct {
				ID        string
				SeatsLeft int
				Workshop  struct{ Title string }
				Venue     struct{ Name string }
			}
		}
	}
}

// seatsLeftOn searches anonymously and returns the seats left on the only slot found, and the
// statements the search ran.
func seatsLeftOn(t *testing.T, a *testAPI, counter *statementCounter) (seats int, statements int64) {
	t.Helper()
	before := counter.n.Load()
	var p page
	a.query("", pageDoc, map[string]any{"from": "2032-01-01T00:00:00Z"}, &p)
	if len(p.Slots.Edges) != 1 {
		t.Fatalf("search found %d slots, want 1", len(p.Slots.Edges))
	}
	return p.Slots.Edges[0].Node.SeatsLeft, counter.n.Load() - before
}

// A popular search is answered from memory, with no SQL but the rate budget's draw, until a
// seat changes: then the very next search shows it, on this instance at once and on another
// as soon as PostgreSQL's notice arrives.
func TestPageCacheServesSearchesUntilASeatChanges(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)
	_, slot := a.bookable("regie-stains", 10)
	search := func() (int, int64) { return seatsLeftOn(t, a, counter) }

	if seats, first := search(); seats != 10 || first < 2 {
		t.Fatalf("first search: %d seats in %d statements, want 10 read from the database", seats, first)
	}
	if seats := fromMemory(t, search); seats != 10 {
		t.Fatalf("search from memory: %d seats, want 10", seats)
	}

	// A registration on this instance: its caller's next search shows it.
	a.register("", slot, 1, nil)
	if seats, n := seatsLeftOn(t, a, counter); seats != 9 || n == 1 {
		t.Fatalf("after a registration here: %d seats in %d statements, want 9 read from the database", seats, n)
	}

	// A registration on another instance: this one hears of it from PostgreSQL.
	fromMemory(t, search)
	other := a.otherInstance()
	other.register("", slot, 2, nil)
	if seats := eventually(8, search); seats != 8 {
		t.Fatalf("after a registration on another instance: %d seats, want 8", seats)
	}

	// A change made in SQL, by an operator or a migration, is heard the same way.
	fromMemory(t, search)
	if _, err := a.Pool.Exec(t.Context(), `UPDATE slots SET capacity = 20 WHERE id = $1`, dbID(t, slot)); err != nil {
		t.Fatal(err)
	}
	if seats := eventually(18, search); seats != 18 {
		t.Fatalf("after a change in SQL: %d seats, want 18", seats)
	}
}

// fromMemory reads a page until it comes from memory (one statement: the rate budget's draw),
// for up to 2 s, and returns what it showed. The first reads may go to the database: a page
// read while a notice of the test's own setup arrives is not kept.
func fromMemory(t *testing.T, read func() (shown int, statements int64)) int {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		shown, n := read()
		if n == 1 {
			return shown
		}
		if time.Now().After(deadline) {
			t.Fatalf("reads still go to the database after 2 s (%d statements), want the page from memory", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// eventually reads a page until it shows want, for up to 2 s (a notice takes a few
// milliseconds), and returns the last value it showed.
func eventually(want int, read func() (shown int, statements int64)) int {
	deadline := time.Now().Add(2 * time.Second)
	for {
		shown, _ := read()
		if shown == want || time.Now().After(deadline) {
			return shown
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// A mutation empties its own instance's cache before it answers, without waiting for
// PostgreSQL's notice: here the cache is live but nothing listens, so only the mutation can.
func TestPageCacheMutationEmptiesItsOwnInstanceAtOnce(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)
	_, slot := a.bookable("regie-stains", 10)
	pages := pagecache.New()
	pages.Listening(true) // no listener: notices go unheard
	srv := httptest.NewServer(newHandler(a.config, a.Pool, nil, pages, nil))
	t.Cleanup(srv.Close)
	deaf := &testAPI{t: t, URL: srv.URL, Pool: a.Pool, config: a.config}
	fromMemory(t, func() (int, int64) { return seatsLeftOn(t, deaf, counter) })
	deaf.register("", slot, 1, nil)
	if seats, n := seatsLeftOn(t, deaf, counter); seats != 9 || n == 1 {
		t.Fatalf("after a registration on the same instance: %d seats in %d statements, want 9 read from the database", seats, n)
	}
}

// Only anonymous catalogue queries are kept: a partner's search, which shows PARTNERS slots,
// never reaches an anonymous caller, and nothing that holds personal data is kept.
func TestPageCacheKeepsOnlyAnonymousCatalogueQueries(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)
	hostKey, slot := a.bookable("regie-stains", 10)
	_, partnerKey := a.org("france-travail")
	var ids struct {
		Node struct{ Workshop, Venue struct{ ID string } }
	}
	a.query(hostKey, `query($id: ID!) { node(id: $id) { ... on Slot { workshop { id } venue { id } } } }`, map[string]any{"id": slot}, &ids)
	a.slot(hostKey, ids.Node.Workshop.ID, ids.Node.Venue.ID, "2032-06-08T14:00", map[string]any{"visibility": "PARTNERS"})

	count := func(key string) int {
		var p page
		a.query(key, pageDoc, map[string]any{"from": "2032-01-01T00:00:00Z"}, &p)
		return len(p.Slots.Edges)
	}
	if n := count(partnerKey); n != 2 {
		t.Fatalf("the partner's search found %d slots, want 2 (PUBLIC and PARTNERS)", n)
	}
	if n := count(partnerKey); n != 2 {
		t.Fatalf("the partner's search again found %d slots, want 2", n)
	}
	for range 3 {
		if n := count(""); n != 1 {
			t.Fatalf("an anonymous search after the partner's found %d slots, want 1: the PUBLIC one", n)
		}
	}

	r := a.register("", slot, 1, nil)
	for _, c := range []struct {
		name, doc string
		vars      map[string]any
	}{
		{"a registration by its token", `query($t: String!) { registrationByToken(token: $t) { status } }`, map[string]any{"t": *r.ManageToken}},
		{"a search beside the viewer", `query($from: DateTime!) { viewer { isAnonymous } slots(first: 10, filter: {from: $from}) { edges { node { id } } } }`, map[string]any{"from": "2032-01-01T00:00:00Z"}},
	} {
		var out any
		a.query("", c.doc, c.vars, &out)
		before := counter.n.Load()
		a.query("", c.doc, c.vars, &out)
		if n := counter.n.Load() - before; n < 2 {
			t.Errorf("%s, sent twice: the second ran %d statements, want it read from the database", c.name, n)
		}
	}
}

// While the listener cannot hear changes, nothing is served from memory and nothing is kept;
// a change made meanwhile is seen once it listens again.
func TestPageCacheServesNothingWhileDeaf(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)
	_, slot := a.bookable("regie-stains", 10)
	search := func() (int, int64) { return seatsLeftOn(t, a, counter) }
	fromMemory(t, search)
	if _, err := a.Pool.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'ateliers-api-listener'`); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 2*time.Second, "the listener to notice that its connection was cut", func() bool { return !a.pages.Live() })
	// Deaf for a second (the listener's first retry): a change now goes unheard.
	if _, err := a.Pool.Exec(t.Context(), `UPDATE slots SET capacity = 20 WHERE id = $1`, dbID(t, slot)); err != nil {
		t.Fatal(err)
	}
	searches := 0
	for !a.pages.Live() && searches < 5 {
		seats, n := seatsLeftOn(t, a, counter)
		if a.pages.Live() {
			break // it listens again: this search may have been kept
		}
		searches++
		if n == 1 || seats != 20 {
			t.Fatalf("while deaf: %d seats in %d statements, want 20 read from the database", seats, n)
		}
	}
	if searches < 2 {
		t.Fatalf("only %d searches while deaf: the test did not exercise it", searches)
	}
	if seats := fromMemory(t, search); seats != 20 {
		t.Fatalf("listening again: %d seats, want 20", seats)
	}
}

// windowDoc searches one month, so that two slots a month apart are on two pages.
const windowDoc = `query($from: DateTime!, $to: DateTime!, $free: Boolean) {
	slots(first: 10, filter: {from: $from, to: $to, availableOnly: $free}) { edges { node { id seatsLeft } } } }`

// monthPage searches the month from from (free: slots with seats left only) and returns the
// seats left of the first slot found (-1 for none) and the statements the search ran.
func monthPage(t *testing.T, a *testAPI, counter *statementCounter, from string, free bool) (seats int, statements int64) {
	t.Helper()
	before := counter.n.Load()
	var p page
	start, _ := time.Parse(time.RFC3339, from)
	a.query("", windowDoc, map[string]any{"from": from, "to": start.AddDate(0, 1, 0).Format(time.RFC3339), "free": free}, &p)
	seats = -1
	if len(p.Slots.Edges) > 0 {
		seats = p.Slots.Edges[0].Node.SeatsLeft
	}
	return seats, counter.n.Load() - before
}

// A registration forgets only the pages that show its slot, and those that free seats chose
// (availableOnly), on this instance at once and on the others when the notice arrives: the
// pages of other slots stay in memory, however many registrations flow elsewhere.
func TestPageCacheForgetsOnlyThePagesOfTheSlotWhoseSeatsChanged(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)
	hostKey, june := a.bookable("regie-stains", 10)
	var ids struct {
		Node struct{ Workshop, Venue struct{ ID string } }
	}
	a.query(hostKey, `query($id: ID!) { node(id: $id) { ... on Slot { workshop { id } venue { id } } } }`, map[string]any{"id": june}, &ids)
	a.slot(hostKey, ids.Node.Workshop.ID, ids.Node.Venue.ID, "2032-07-01T14:00", map[string]any{"capacity": 10})
	const junePage, julyPage = "2032-05-25T00:00:00Z", "2032-06-25T00:00:00Z"
	page := func(from string, free bool) func() (int, int64) {
		return func() (int, int64) { return monthPage(t, a, counter, from, free) }
	}
	cache := func() {
		t.Helper()
		for _, from := range []string{junePage, julyPage} {
			for _, free := range []bool{false, true} {
				fromMemory(t, page(from, free))
			}
		}
	}
	cache()

	// Here: the June page and the pages chosen by free seats are read again, July's is not.
	a.register("", june, 1, nil)
	for _, c := range []struct {
		from       string
		free       bool
		seats      int
		fromMemory bool
	}{
		{junePage, false, 9, false}, {junePage, true, 9, false}, {julyPage, true, 10, false}, {julyPage, false, 10, true},
	} {
		if seats, n := monthPage(t, a, counter, c.from, c.free); seats != c.seats || (n == 1) != c.fromMemory {
			t.Errorf("after a registration in June here, page of %s (free only: %v): %d seats in %d statements, want %d seats, from memory: %v",
				c.from, c.free, seats, n, c.seats, c.fromMemory)
		}
	}

	// On another instance: this one forgets the June page when the notice arrives; July's stays.
	cache()
	a.otherInstance().register("", june, 2, nil)
	if seats := eventually(8, page(junePage, false)); seats != 8 {
		t.Fatalf("after a registration in June on another instance: %d seats, want 8", seats)
	}
	if seats, n := monthPage(t, a, counter, julyPage, false); seats != 10 || n != 1 {
		t.Errorf("July's page after a registration in June elsewhere: %d seats in %d statements, want 10 from memory", seats, n)
	}
}

// A nested list chosen by free seats that finds none is forgotten when a seat frees: "no free
// slot" is a page of its own, showing no slot.
func TestPageCacheForgetsAnEmptyListOfFreeSlotsWhenASeatFrees(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)
	hostKey, slot := a.bookable("regie-stains", 1)
	var ids struct {
		Node struct{ Workshop struct{ ID string } }
	}
	a.query(hostKey, `query($id: ID!) { node(id: $id) { ... on Slot { workshop { id } } } }`, map[string]any{"id": slot}, &ids)
	r := a.register("", slot, 1, nil) // the only seat
	const doc = `query($id: ID!) { node(id: $id) { ... on Workshop {
		slots(filter: {from: "2032-01-01T00:00:00Z", availableOnly: true}) { edges { node { id } } } } } }`
	free := func() (slots int, statements int64) {
		before := counter.n.Load()
		var out struct {
			Node struct {
				Slots struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
		}
		a.query("", doc, map[string]any{"id": ids.Node.Workshop.ID}, &out)
		return len(out.Node.Slots.Edges), counter.n.Load() - before
	}
	if n := fromMemory(t, free); n != 0 {
		t.Fatalf("the page of free slots from memory shows %d, want none", n)
	}
	var out any
	a.query("", `mutation($t: String!) { cancelRegistration(input: {token: $t}) { userErrors { code } } }`, map[string]any{"t": *r.ManageToken}, &out)
	if n, statements := free(); n != 1 || statements == 1 {
		t.Fatalf("after the seat was freed: %d free slots in %d statements, want 1 read from the database", n, statements)
	}
}
