package main

import (
	"testing"
	"time"
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

	if seats, first := seatsLeftOn(t, a, counter); seats != 10 || first < 2 {
		t.Fatalf("first search: %d seats in %d statements, want 10 read from the database", seats, first)
	}
	if seats := fromMemory(t, a, counter); seats != 10 {
		t.Fatalf("search from memory: %d seats, want 10", seats)
	}

	// A registration on this instance: its caller's next search shows it.
	a.register("", slot, 1, nil)
	if seats, n := seatsLeftOn(t, a, counter); seats != 9 || n == 1 {
		t.Fatalf("after a registration here: %d seats in %d statements, want 9 read from the database", seats, n)
	}

	// A registration on another instance: this one hears of it from PostgreSQL.
	fromMemory(t, a, counter)
	other := a.otherInstance()
	other.register("", slot, 2, nil)
	if seats := eventuallySeats(t, a, counter, 8); seats != 8 {
		t.Fatalf("after a registration on another instance: %d seats, want 8", seats)
	}

	// A change made in SQL, by an operator or a migration, is heard the same way.
	fromMemory(t, a, counter)
	if _, err := a.Pool.Exec(t.Context(), `UPDATE slots SET capacity = 20 WHERE id = $1`, slotDBID(t, slot)); err != nil {
		t.Fatal(err)
	}
	if seats := eventuallySeats(t, a, counter, 18); seats != 18 {
		t.Fatalf("after a change in SQL: %d seats, want 18", seats)
	}
}

// fromMemory searches until the page comes from memory (one statement: the rate budget's
// draw) and returns its seats left. The first searches may read the database: a page read
// while a notice of the test's own setup arrives is not kept.
func fromMemory(t *testing.T, a *testAPI, counter *statementCounter) int {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		seats, n := seatsLeftOn(t, a, counter)
		if n == 1 {
			return seats
		}
		if time.Now().After(deadline) {
			t.Fatalf("searches still read the database after 2 s (%d statements), want the page from memory", n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// eventuallySeats searches until the page shows want seats left, for up to 2 s (a notice
// takes a few milliseconds), and returns the last seats seen.
func eventuallySeats(t *testing.T, a *testAPI, counter *statementCounter, want int) int {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		seats, _ := seatsLeftOn(t, a, counter)
		if seats == want || time.Now().After(deadline) {
			return seats
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Only anonymous catalogue queries are kept: a partner's search, which may show PARTNERS slots,
// and anything holding personal data, always reads the database.
func TestPageCacheKeepsOnlyAnonymousCatalogueQueries(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)
	key, slot := a.bookable("regie-stains", 10)
	r := a.register("", slot, 1, nil)
	for _, c := range []struct {
		name, key, doc string
		vars           map[string]any
	}{
		{"a search with an API key", key, pageDoc, map[string]any{"from": "2032-01-01T00:00:00Z"}},
		{"a registration by its token", "", `query($t: String!) { registrationByToken(token: $t) { status } }`, map[string]any{"t": *r.ManageToken}},
		{"a search beside the viewer", "", `query($from: DateTime!) { viewer { isAnonymous } slots(first: 10, filter: {from: $from}) { edges { node { id } } } }`, map[string]any{"from": "2032-01-01T00:00:00Z"}},
	} {
		var out any
		a.query(c.key, c.doc, c.vars, &out)
		before := counter.n.Load()
		a.query(c.key, c.doc, c.vars, &out)
		if n := counter.n.Load() - before; n < 2 {
			t.Errorf("%s, sent twice: the second ran %d statements, want it read from the database", c.name, n)
		}
	}
}

// While the listener cannot hear changes, nothing is served from memory: when its connection
// is cut, searches read the database until it listens again, then pages are kept again.
func TestPageCacheServesNothingWhileDeaf(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)
	a.bookable("regie-stains", 10)
	fromMemory(t, a, counter)
	if _, err := a.Pool.Exec(t.Context(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name = 'ateliers-api-listener'`); err != nil {
		t.Fatal(err)
	}
	// Until the listener has reconnected (a second later), every search reads the database.
	deaf := 0
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		_, n := seatsLeftOn(t, a, counter)
		if n == 1 && deaf > 0 {
			return // listening again, and serving from memory
		}
		if n > 1 {
			deaf++
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("after the listener's connection was cut: %d searches read the database, and none came from memory again within 5 s", deaf)
}
