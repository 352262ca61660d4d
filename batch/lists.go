package batch

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
)

// Lists loads a nested list field (Venue.slots, Organisation.venues, ...) for the parents of a
// page: the parents asked with the same arguments share one statement. Each parent could in
// principle be asked with its own arguments (a cursor), but clients page one parent at a time,
// so a request has one group per nested field in practice.
type Lists[A, T any] struct {
	args   sync.Map // canonical encoding of the arguments → A
	loader *Loader[listKey, []T]
}

// listKey names one parent's list: its id and the canonical encoding of its arguments.
type listKey struct {
	parent int64
	args   string
}

// NewLists makes the loader of a nested list field: fetch lists the rows of many parents for
// the same arguments (first+1 rows at most), first says how many rows the connection shows.
func NewLists[A, T any](p *Places, fetch func(context.Context, A, []int64) (map[int64][]T, error), first func(A) int) *Lists[A, T] {
	l := &Lists[A, T]{}
	l.loader = New(p, func(ctx context.Context, keys []listKey) (map[listKey][]T, error) {
		groups := map[string][]int64{}
		for _, k := range keys {
			groups[k.args] = append(groups[k.args], k.parent)
		}
		m := make(map[listKey][]T, len(keys))
		for enc, parents := range groups {
			rows, err := fetch(ctx, l.argsOf(enc), parents)
			if err != nil {
				return nil, err
			}
			for _, p := range parents {
				m[listKey{p, enc}] = rows[p] // nil for a parent without rows: an empty list
			}
		}
		return m, nil
	})
	// The edges of the connections of a batch are the elements of the lists below: the
	// loaders there know how many resolvers to wait for.
	l.loader.Edges = func(k listKey, rows []T) int { return min(len(rows), first(l.argsOf(k.args))) }
	return l
}

func (l *Lists[A, T]) argsOf(enc string) A {
	a, _ := l.args.Load(enc)
	return a.(A)
}

// Load returns parent's list for args.
func (l *Lists[A, T]) Load(ctx context.Context, parent int64, args A) ([]T, error) {
	// JSON is a faithful key: different arguments never encode alike (equal ones may differ,
	// such as one instant in two time zones, which costs a statement, not a wrong answer).
	enc, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("encode list arguments: %w", err)
	}
	l.args.LoadOrStore(string(enc), args)
	return l.loader.Load(ctx, listKey{parent, string(enc)})
}
