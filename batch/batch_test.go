package batch

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// fetchLog is a loader's fetch that records each batch of keys and returns key*10.
type fetchLog struct {
	mu      sync.Mutex
	batches [][]int64
}

func (f *fetchLog) fetch(_ context.Context, keys []int64) (map[int64]int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.batches = append(f.batches, slices.Sorted(slices.Values(keys)))
	m := map[int64]int64{}
	for _, k := range keys {
		if k >= 0 {
			m[k] = k * 10
		}
	}
	return m, nil
}

// elementCtx is the context of field name of element i of the list in ctx, as gqlgen makes it.
func elementCtx(ctx context.Context, i int, name string) context.Context {
	ctx = graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: name}}})
}

// listCtx is the context of a list field of n elements under ctx.
func listCtx(ctx context.Context, name string, n int) context.Context {
	return graphql.WithFieldContext(ctx, &graphql.FieldContext{Field: graphql.CollectedField{Field: &ast.Field{Alias: name}}, Result: make([]int, n)})
}

// loadAll runs one resolver per element of list that asks for its key, concurrently as gqlgen
// does, and returns their values.
func loadAll(t *testing.T, l *Loader[int64, int64], list context.Context, keys []int64) []int64 {
	t.Helper()
	got := make([]int64, len(keys))
	var wg sync.WaitGroup
	for i, k := range keys {
		wg.Go(func() {
			v, err := l.Load(elementCtx(list, i, "slots"), k)
			if err != nil {
				t.Error(err)
			}
			got[i] = v
		})
	}
	wg.Wait()
	return got
}

func TestLoaderBatchesSiblings(t *testing.T) {
	for _, c := range []struct {
		name  string
		list  int // elements of the list
		keys  []int64
		fetch [][]int64
		wait  time.Duration // for the next expected resolver
	}{
		// Every sibling is awaited as long as it takes: the count, not the clock, completes
		// the batch (a loaded CI machine once split it at the 10 ms of expectedWait).
		{"every element asks: one batch", 20, []int64{5, 3, 3, 9, 1, 7, 2, 8, 4, 6, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19},
			[][]int64{{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19}}, time.Minute},
		{"some do not ask: one batch after the wait", 3, []int64{1, 2}, [][]int64{{1, 2}}, expectedWait},
	} {
		t.Run(c.name, func(t *testing.T) {
			var f fetchLog
			p := NewPlaces()
			p.expectedWait = c.wait
			l := New(p, f.fetch)
			got := loadAll(t, l, listCtx(context.Background(), "venues", c.list), c.keys)
			for i, k := range c.keys {
				if got[i] != k*10 {
					t.Errorf("key %d: got %d, want %d", k, got[i], k*10)
				}
			}
			if !slices.EqualFunc(f.batches, c.fetch, slices.Equal) {
				t.Errorf("got batches %v, want %v", f.batches, c.fetch)
			}
			// Cached for the request: no second fetch.
			if v, err := l.Load(context.Background(), c.keys[0]); err != nil || v != c.keys[0]*10 || len(f.batches) != len(c.fetch) {
				t.Errorf("again: got %d, %v after %d batches", v, err, len(f.batches))
			}
		})
	}
}

// The lists a batch of connections produced tell the loaders below how many resolvers to wait
// for: the slots of every venue of a page, then the workshops of all those slots, in one batch
// each.
func TestLoaderBatchesCousins(t *testing.T) {
	p := NewPlaces()
	p.expectedWait = time.Minute // every cousin asks: the count completes each batch
	lists := NewLists(p, func(_ context.Context, first int, ids []int64) (map[int64][]int64, error) {
		m := map[int64][]int64{}
		for _, id := range ids {
			for j := range id % 4 { // venue id has id%4 slots, first+1 at most
				if j <= int64(first) {
					m[id] = append(m[id], id*100+j)
				}
			}
		}
		return m, nil
	}, func(first int) int { return first })
	var f fetchLog
	workshops := New(p, f.fetch)
	venues := listCtx(context.Background(), "venues", 8)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			ctx := elementCtx(venues, i, "slots")
			slots, err := lists.Load(ctx, int64(i), 2)
			if err != nil {
				t.Error(err)
			}
			slots = slots[:min(len(slots), 2)]
			// The connection's edges, then each slot's workshop.
			edges := listCtx(ctx, "edges", len(slots))
			for j, s := range slots {
				wg.Go(func() {
					if _, err := workshops.Load(elementCtx(edges, j, "workshop"), s%100); err != nil {
						t.Error(err)
					}
				})
			}
		})
	}
	wg.Wait()
	if want := [][]int64{{0, 1}}; !slices.EqualFunc(f.batches, want, slices.Equal) {
		t.Errorf("got workshop batches %v, want %v", f.batches, want)
	}
}

func TestLoaderErrors(t *testing.T) {
	var f fetchLog
	l := New(NewPlaces(), f.fetch)
	if _, err := l.Load(context.Background(), -1); !errors.Is(err, ErrNotLoaded) {
		t.Errorf("missing key: got %v, want ErrNotLoaded", err)
	}
	failing := New(NewPlaces(), func(context.Context, []int64) (map[int64]int64, error) { panic("boom") })
	if _, err := failing.LoadAll(context.Background(), []int64{1, 2}); err == nil {
		t.Error("a fetch that panics: got no error")
	}
}
