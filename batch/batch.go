// Package batch loads values by key for one GraphQL request, batching the keys that the
// resolvers at one place of the query ask for, so that a page of parents costs one statement
// per nested field, however busy the machine: it counts the resolvers it expects (siblings in
// a list, cousins in the lists a batch produced) rather than waiting a fixed time.
package batch

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// A Loader fetches values by key for one request: it keeps them for the request's life and
// batches the keys that the resolvers at one place of the query ask for. A place is a field at
// a path with the list indices left out (venues/edges/node/slots): its resolvers are the
// elements of one list (siblings), or of the lists one batch produced (cousins: the slots of
// every venue of a page), which gqlgen runs concurrently.
//
// A batch leaves as soon as every resolver expected at its place has asked: one without a list
// on its path, the length of the list above it, or the edges of the connections the batch above
// produced. Counting them, rather than waiting a fixed time, keeps a page of parents at one
// statement however busy the machine, and a complete batch leaves at once. When the number is
// not known (a list inside lists that no loader produced, a loader asked for some elements
// only) the batch leaves once no resolver asked for batchWait; when it is not reached (a
// resolver that does not ask after all: a null on its path, another type in a list of nodes),
// after expectedWait.
type Loader[K comparable, V any] struct {
	fetch  func(context.Context, []K) (map[K]V, error)
	places *Places
	// Edges, when set, says how many elements the value of k brings to the list below it (the
	// edges of a connection), so that the loaders there know how many resolvers to wait for.
	Edges func(K, V) int
	// Sometimes says that resolvers ask for some elements of a list only, so that a batch never
	// knows how many to wait for.
	Sometimes bool

	mu      sync.Mutex
	cache   map[K]*result[V]
	pending map[string]*batch[K, V] // by place
}

// batchWait is how long a batch waits for another resolver when it does not know how many
// will ask: resolvers of one page run concurrently and ask within microseconds of each other.
const batchWait = 500 * time.Microsecond

// expectedWait is how long a batch waits for the next of the resolvers it expects. They do
// come, unless a resolver does not ask after all (a null on its path, an element of another
// type), which costs this wait; on a machine so busy that a sibling comes later still, the
// batch leaves without it and the late one makes a second batch (a statement more, never a
// wrong answer).
const expectedWait = 10 * time.Millisecond

// ErrNotLoaded: the fetch returned no value for a key.
var ErrNotLoaded = errors.New("not found by its loader")

type result[V any] struct {
	ready chan struct{}
	value V
	err   error
}

type batch[K comparable, V any] struct {
	ctx     context.Context // the first resolver's: the request's
	place   string
	list    *graphql.FieldContext // the list the resolvers are elements of, nil for none
	want    int                   // resolvers expected, 0 while not known
	calls   [][]K                 // the keys of each resolver
	keys    []K                   // the keys no earlier batch fetches, and their results
	results []*result[V]
	timer   *time.Timer
}

func New[K comparable, V any](p *Places, fetch func(context.Context, []K) (map[K]V, error)) *Loader[K, V] {
	return &Loader[K, V]{fetch: fetch, places: p, cache: map[K]*result[V]{}, pending: map[string]*batch[K, V]{}}
}

// Load returns the value of key.
func (l *Loader[K, V]) Load(ctx context.Context, key K) (V, error) {
	vs, err := l.LoadAll(ctx, []K{key})
	if err != nil {
		var zero V
		return zero, err
	}
	return vs[0], nil
}

// LoadAll returns the values of keys, in order: one resolver's keys, fetched in one batch.
func (l *Loader[K, V]) LoadAll(ctx context.Context, keys []K) ([]V, error) {
	place, list := placeOf(ctx)
	rs := make([]*result[V], len(keys))
	l.mu.Lock()
	b := l.pending[place]
	if b == nil {
		b = &batch[K, V]{ctx: ctx, place: place, list: list}
		l.pending[place] = b
	}
	for i, k := range keys {
		r := l.cache[k]
		if r == nil {
			r = &result[V]{ready: make(chan struct{})}
			l.cache[k] = r
			b.keys = append(b.keys, k)
			b.results = append(b.results, r)
		}
		rs[i] = r
	}
	b.calls = append(b.calls, keys)
	if b.want == 0 && !l.Sometimes {
		b.want = l.places.expected(b.list)
	}
	complete := b.want > 0 && len(b.calls) >= b.want
	switch {
	case complete:
		delete(l.pending, place)
		if b.timer != nil {
			b.timer.Stop()
		}
	case b.timer == nil:
		b.timer = time.AfterFunc(l.wait(b), func() { l.flush(b) })
	default:
		b.timer.Reset(l.wait(b))
	}
	l.mu.Unlock()
	if complete {
		l.run(b, true)
	}
	vs := make([]V, len(rs))
	for i, r := range rs {
		select {
		case <-r.ready:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if r.err != nil {
			return nil, r.err
		}
		vs[i] = r.value
	}
	return vs, nil
}

// wait is how long b waits for another resolver: long when it knows more will come, in
// case the machine is busy.
func (l *Loader[K, V]) wait(b *batch[K, V]) time.Duration {
	if b.want > 0 {
		return l.places.expectedWait
	}
	return batchWait
}

// flush sends b when its wait is over, unless it has already left.
func (l *Loader[K, V]) flush(b *batch[K, V]) {
	l.mu.Lock()
	if l.pending[b.place] != b {
		l.mu.Unlock()
		return
	}
	delete(l.pending, b.place)
	l.mu.Unlock()
	l.run(b, false)
}

// run fetches b's keys and hands out the results; complete says that every resolver expected
// at b's place asked, so that b's values are all that the place brings to the lists below.
func (l *Loader[K, V]) run(b *batch[K, V], complete bool) {
	var values map[K]V
	var err error
	if len(b.keys) > 0 {
		values, err = l.safeFetch(b.ctx, b.keys)
	}
	for i, k := range b.keys {
		r := b.results[i]
		v, ok := values[k]
		switch {
		case err != nil:
			r.err = err
		case !ok:
			r.err = fmt.Errorf("key %v: %w", k, ErrNotLoaded)
		default:
			r.value = v
		}
	}
	// Hand out b's results before counting the edges: the count may wait for keys that a
	// batch at another place fetches (the same venues asked at two places of one query), and
	// that batch may be counting too, waiting for b's.
	for _, r := range b.results {
		close(r.ready)
	}
	if complete && err == nil && l.Edges != nil {
		if n, ok := l.countEdges(b); ok {
			l.places.record(b.place+"/edges", n)
		}
	}
}

// countEdges adds up the elements that b's values bring to the list below, values of other
// batches included (they may still be on their way). It gives up (false) when the request
// ends first.
func (l *Loader[K, V]) countEdges(b *batch[K, V]) (int, bool) {
	n := 0
	for _, keys := range b.calls {
		for _, k := range keys {
			l.mu.Lock()
			r := l.cache[k]
			l.mu.Unlock()
			select {
			case <-r.ready: // at once for b's own keys, handed out already
			case <-b.ctx.Done():
				return 0, false
			}
			if r.err == nil {
				n += l.Edges(k, r.value)
			}
		}
	}
	return n, true
}

func (l *Loader[K, V]) safeFetch(ctx context.Context, keys []K) (values map[K]V, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("panic in a loader's fetch: %v", p)
		}
	}()
	return l.fetch(ctx, keys)
}

// Places knows, for the lists that loaders produced, how many elements they hold in all: the
// number of resolvers to expect at the places below them.
type Places struct {
	mu    sync.Mutex
	edges map[string]int // by list place
	// expectedWait is the package's, but in tests that count statements under -race on a
	// loaded machine, where a sibling may come later than any wait a request should pay.
	expectedWait time.Duration
}

func NewPlaces() *Places { return &Places{edges: map[string]int{}, expectedWait: expectedWait} }

func (p *Places) record(list string, n int) {
	p.mu.Lock()
	p.edges[list] = n
	p.mu.Unlock()
}

// expected returns how many resolvers will ask at a place whose nearest list is list (nil for
// none), or 0 when it is not known.
func (p *Places) expected(list *graphql.FieldContext) int {
	if list == nil {
		return 1
	}
	p.mu.Lock()
	n, ok := p.edges[pathOf(list)]
	p.mu.Unlock()
	if ok {
		return n
	}
	for f := list.Parent; f != nil; f = f.Parent {
		if f.Index != nil {
			return 0 // one of many lists at that place, which no loader counted
		}
	}
	if v := reflect.ValueOf(list.Result); v.Kind() == reflect.Slice {
		return v.Len()
	}
	return 0
}

// placeOf returns the place of the field being resolved and the list it is in, if any.
func placeOf(ctx context.Context) (string, *graphql.FieldContext) {
	fc := graphql.GetFieldContext(ctx)
	var list *graphql.FieldContext
	for f := fc; f != nil; f = f.Parent {
		if f.Index != nil {
			list = f.Parent
			break
		}
	}
	return pathOf(fc), list
}

// pathOf is the path of a field with the list indices left out.
func pathOf(fc *graphql.FieldContext) string {
	var names []string
	for f := fc; f != nil; f = f.Parent {
		if f.Index == nil && f.Field.Field != nil {
			names = append(names, f.Field.Alias)
		}
	}
	slices.Reverse(names)
	return strings.Join(names, "/")
}
