package pagecache

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// read stands for a resolver run: it starts a read of page id at the cache's present count of
// changes, and returns the function that ends it, keeping the page if nothing concerning it
// was announced in between.
func read(c *Cache, id byte, bySeats bool, slots ...int64) (end func()) {
	since, _ := c.now()
	s := &shown{slots: map[int64]struct{}{}, bySeats: bySeats}
	for _, slot := range slots {
		s.slots[slot] = struct{}{}
	}
	return func() { c.put(pageID{id}, json.RawMessage(`{"page":1}`), since, s) }
}

func served(c *Cache, id byte) bool {
	_, ok := c.get(pageID{id})
	return ok
}

func TestNothingIsServedOrKeptWhileNoListenerListens(t *testing.T) {
	c := New()
	read(c, 1, false, 10)()
	if served(c, 1) {
		t.Fatal("a page was kept before any listener listened: a change could have gone unheard")
	}
	c.Listening(true)
	read(c, 1, false, 10)()
	if !served(c, 1) {
		t.Fatal("a page read while a listener listens is not served")
	}
	c.Listening(false)
	if served(c, 1) {
		t.Fatal("a page is served after the listener stopped")
	}
	c.Listening(true)
	if served(c, 1) {
		t.Fatal("a page kept before the listener stopped is served after it listens again")
	}
}

func TestASeatChangeForgetsOnlyThePagesItCanAlter(t *testing.T) {
	c := New()
	c.Listening(true)
	read(c, 1, false, 10, 11)() // shows slot 10
	read(c, 2, false, 20)()     // shows another slot
	read(c, 3, true)()          // chosen by free seats, empty today
	c.SeatsChanged(10)
	if served(c, 1) {
		t.Error("the page that shows slot 10 outlived a change of its seats")
	}
	if !served(c, 2) {
		t.Error("a page of another slot was forgotten")
	}
	if served(c, 3) {
		t.Error("a page chosen by free seats outlived a change of seats: a freed seat could join it")
	}
	c.Changed()
	if served(c, 2) {
		t.Error("a page outlived a change of anything")
	}
}

func TestAPageReadWhileItsSlotChangedIsNotKept(t *testing.T) {
	c := New()
	c.Listening(true)
	endStale := read(c, 1, false, 10)
	endFresh := read(c, 2, false, 20)
	c.SeatsChanged(10) // announced while both pages are being read
	endStale()
	endFresh()
	if served(c, 1) {
		t.Error("a page read across a change of its slot was kept: it may show the old seats")
	}
	if !served(c, 2) {
		t.Error("a page read across the change of another slot was not kept")
	}

	endMany := read(c, 3, false, 30)
	for range recentChanges {
		c.SeatsChanged(99)
	}
	endMany()
	if served(c, 3) {
		t.Error("a page read across more changes than the cache remembers was kept")
	}
}

func TestAPageOverItsMaximumsIsNotKept(t *testing.T) {
	c := New()
	c.Listening(true)
	slots := make([]int64, maxSlots+1)
	for i := range slots {
		slots[i] = int64(i + 1)
	}
	read(c, 1, false, slots...)()
	if served(c, 1) {
		t.Errorf("a page showing %d slots was kept; the index keeps at most %d", len(slots), maxSlots)
	}
}

func TestAnOldPageIsNotServed(t *testing.T) {
	c := New()
	c.Listening(true)
	read(c, 1, false, 10)()
	p, _ := c.pages.Peek(pageID{1})
	p.at = p.at.Add(-maxAge - time.Second)
	c.pages.Add(pageID{1}, p)
	if served(c, 1) {
		t.Errorf("a page older than %v was served: a slot that has started would still show as open", maxAge)
	}
	if len(c.bySlot) != 0 {
		t.Errorf("the index still lists the old page: %v", c.bySlot)
	}
}

// operation returns a context as gqlgen gives an extension: an operation, and a response
// context to collect errors.
func operation(kind ast.Operation, query string) context.Context {
	ctx := graphql.WithOperationContext(context.Background(), &graphql.OperationContext{
		RawQuery:  query,
		Operation: &ast.OperationDefinition{Operation: kind},
		Variables: map[string]any{},
	})
	return graphql.WithResponseContext(ctx, graphql.DefaultErrorPresenter, graphql.DefaultRecover)
}

func TestTheExtensionServesCacheableQueriesAndForgetsWhatMutationsWrote(t *testing.T) {
	c := New()
	c.Listening(true)
	seatsOnly := true
	e := Extension{
		Cache:     c,
		Cacheable: func(context.Context) bool { return true },
		SeatsOnly: func(*ast.OperationDefinition) bool { return seatsOnly },
	}
	runs := 0
	search := func(slot int64) *graphql.Response {
		return e.InterceptResponse(operation(ast.Query, "{ search }"), func(ctx context.Context) *graphql.Response {
			runs++
			Shows(ctx, false, slot)
			return &graphql.Response{Data: json.RawMessage(`{"search":[]}`)}
		})
	}
	register := func(slot int64) {
		e.InterceptResponse(operation(ast.Mutation, "mutation { register }"), func(ctx context.Context) *graphql.Response {
			WroteSeats(ctx, slot)
			return &graphql.Response{Data: json.RawMessage(`{}`)}
		})
	}

	search(10)
	search(10)
	if runs != 1 {
		t.Fatalf("the same query ran %d times; want once, then from the cache", runs)
	}
	register(20)
	search(10)
	if runs != 1 {
		t.Errorf("a mutation on another slot's seats emptied the cache (%d runs)", runs)
	}
	register(10)
	search(10)
	if runs != 2 {
		t.Errorf("after a mutation on its slot's seats the page came from the cache (%d runs)", runs)
	}
	seatsOnly = false
	register(20)
	search(10)
	if runs != 3 {
		t.Errorf("after a mutation that may change anything the page came from the cache (%d runs)", runs)
	}
}

func TestTheExtensionKeepsNoAnswerWithErrors(t *testing.T) {
	c := New()
	c.Listening(true)
	e := Extension{Cache: c, Cacheable: func(context.Context) bool { return true }}
	failing := 0
	for range 2 {
		ctx := operation(ast.Query, "{ failing }")
		e.InterceptResponse(ctx, func(ctx context.Context) *graphql.Response {
			failing++
			graphql.AddErrorf(ctx, "database unavailable")
			return &graphql.Response{Errors: graphql.GetErrors(ctx)}
		})
	}
	if failing != 2 {
		t.Errorf("an answer with errors was kept: the failing query ran %d times, want 2", failing)
	}
}
