package pagecache

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// seatWrites collects the slots whose seats a mutation changed (WroteSeats).
type seatWrites struct {
	mu    sync.Mutex
	slots []int64
}

type seatWritesKey struct{}

// WroteSeats records, for the mutation of ctx if any, that it changed the seats of slots.
func WroteSeats(ctx context.Context, slots ...int64) {
	if w, _ := ctx.Value(seatWritesKey{}).(*seatWrites); w != nil {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.slots = append(w.slots, slots...)
	}
}

// shown is what a page shows that a change of one slot's seats can alter: the slots it lists,
// and whether free seats chose them. The resolvers that list slots fill it in (Shows),
// concurrently.
type shown struct {
	mu      sync.Mutex
	slots   map[int64]struct{}
	bySeats bool
}

type shownKey struct{}

func (s *shown) has(slot int64) bool {
	_, ok := s.slots[slot]
	return ok
}

// Shows records, for the page being read in ctx if any, the slots it lists, and whether a
// filter on free seats chose them (then the page changes when any seat frees or is taken,
// even while it lists no slot).
func Shows(ctx context.Context, bySeats bool, slots ...int64) {
	s, _ := ctx.Value(shownKey{}).(*shown)
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bySeats = s.bySeats || bySeats
	for _, slot := range slots {
		s.slots[slot] = struct{}{}
	}
}

// Extension is the cache in a gqlgen server: it answers the operations Cacheable allows from
// the cache, or runs them and keeps their answer, and forgets what each mutation changed.
type Extension struct {
	Cache *Cache
	// Cacheable tells whether the operation of ctx, a query, has the same answer for every
	// caller who may send it, so that one caller's answer may serve another.
	Cacheable func(ctx context.Context) bool
	// SeatsOnly tells whether a mutation changes nothing a page shows but the seats of the
	// slots it records with WroteSeats: then only those slots' pages are forgotten.
	SeatsOnly func(op *ast.OperationDefinition) bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = Extension{}

func (Extension) ExtensionName() string                   { return "PageCache" }
func (Extension) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse answers a cacheable operation from the cache, or runs it and keeps its
// answer when it has no error; after a mutation it forgets the pages it changed. Installed
// after the limits and the rate budgets, a page from the cache still draws from them.
func (e Extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	// A request refused before it ran (unparsable, over a limit, throttled) comes here with its
	// errors already: it gets them, never a page.
	if !graphql.HasOperationContext(ctx) || len(graphql.GetErrors(ctx)) > 0 {
		return next(ctx)
	}
	c := e.Cache
	opCtx := graphql.GetOperationContext(ctx)
	if op := opCtx.Operation; op != nil && op.Operation == ast.Mutation {
		w := &seatWrites{}
		resp := next(context.WithValue(ctx, seatWritesKey{}, w))
		if !e.SeatsOnly(op) {
			c.Changed()
			return resp
		}
		for _, slot := range w.slots {
			c.SeatsChanged(slot)
		}
		return resp
	}
	if !e.Cacheable(ctx) {
		return next(ctx)
	}
	id, err := pageKey(opCtx)
	if err != nil {
		return next(ctx)
	}
	if data, ok := c.get(id); ok {
		return &graphql.Response{Data: data}
	}
	since, live := c.now()
	shows := &shown{slots: map[int64]struct{}{}}
	resp := next(context.WithValue(ctx, shownKey{}, shows))
	// Not a first part of an answer still to come (@defer), nor one with errors.
	if live && resp != nil && resp.HasNext == nil && len(resp.Errors) == 0 && len(resp.Data) <= maxPage {
		c.put(id, resp.Data, since, shows)
	}
	return resp
}

// pageKey is what makes two operations the same page: the document, the operation chosen and
// the variables after coercion (defaults included; encoding/json sorts map keys).
func pageKey(opCtx *graphql.OperationContext) (pageID, error) {
	vars, err := json.Marshal(opCtx.Variables)
	if err != nil {
		return pageID{}, err
	}
	h := sha256.New()
	h.Write([]byte(opCtx.RawQuery))
	h.Write([]byte{0})
	h.Write([]byte(opCtx.OperationName))
	h.Write([]byte{0})
	h.Write(vars)
	var id pageID
	h.Sum(id[:0])
	return id, nil
}
