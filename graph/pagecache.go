package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/regiestains/ateliers/db"
)

// PageCache keeps the answers to anonymous catalogue queries (catalogueOperation), the searches
// of the public website, until what they show changes: a popular search then costs no SQL.
//
// It is exact, across instances: every commit that writes what a page can show sends a notice
// (migrations 005 and 006) to every instance's listener (server/pagecache.go). A notice that a
// slot's seats changed (SeatsChanged) forgets the pages that show that slot and those whose
// slots were chosen by free seats (availableOnly); any other (Changed) forgets every page. A
// mutation on this instance calls Changed before it answers, so that its caller reads its own
// write without waiting for the notice. A page read while a change that concerns it was
// announced is not kept. While no listener listens, nothing is served or stored: a change could
// go unheard. What the clock changes (a slot that has started, isOpenForRegistration) may lag
// by up to pageCacheMaxAge.
type PageCache struct {
	mu      sync.Mutex
	live    bool                  // a listener listens
	seq     uint64                // counts the changes
	recent  [recentChanges]change // the last changes, at seq % recentChanges
	pages   *lru.Cache[pageID, page]
	bySlot  map[int64]map[pageID]struct{} // the pages that show each slot
	bySeats map[pageID]struct{}           // the pages whose slots free seats chose
}

type pageID = [sha256.Size]byte

type page struct {
	data  json.RawMessage
	at    time.Time
	shows *shown
}

// change is one announced change: of a slot's seats, or of anything (slot 0).
type change struct {
	seq  uint64
	slot int64
}

const (
	// pageCacheEntries and pageCacheMaxPage bound the pages to 32 MB (a page of 50 slots with
	// their workshop and venue is about 17 kB), and pageCacheMaxSlots their index.
	pageCacheEntries = 1000
	pageCacheMaxPage = 32 << 10
	pageCacheMaxAge  = 10 * time.Second
	// pageCacheMaxSlots bounds the index: a page that read more slots than this (many lists,
	// or lists asked only for pageInfo) is not kept. The availability page reads at most 51.
	pageCacheMaxSlots = 200
	// recentChanges is how many changes a page being read can be checked against; a read that
	// saw more changes go by is not kept.
	recentChanges = 256
)

// NewPageCache returns an empty cache that serves nothing until Listening(true).
func NewPageCache() *PageCache {
	c := &PageCache{bySlot: map[int64]map[pageID]struct{}{}, bySeats: map[pageID]struct{}{}}
	pages, err := lru.NewWithEvict(pageCacheEntries, c.unindex)
	if err != nil {
		panic(err) // only for a size below 1
	}
	c.pages = pages
	return c
}

// Changed forgets every page: anything may have changed.
func (c *PageCache) Changed() { c.change(0) }

// SeatsChanged forgets the pages that show slot or were chosen by free seats.
func (c *PageCache) SeatsChanged(slot int64) { c.change(slot) }

// Listening says whether changes are being heard; either way, what was kept is forgotten.
func (c *PageCache) Listening(live bool) {
	c.mu.Lock()
	c.live = live
	c.mu.Unlock()
	c.change(0)
}

func (c *PageCache) change(slot int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	c.recent[c.seq%recentChanges] = change{seq: c.seq, slot: slot}
	if slot == 0 {
		c.pages.Purge()
		return
	}
	var gone []pageID
	for id := range c.bySlot[slot] {
		gone = append(gone, id)
	}
	for id := range c.bySeats {
		gone = append(gone, id)
	}
	for _, id := range gone {
		c.pages.Remove(id) // unindex follows
	}
}

// unindex forgets where a page leaving the cache was listed. The cache calls it with c.mu held.
func (c *PageCache) unindex(id pageID, p page) {
	for slot := range p.shows.slots {
		delete(c.bySlot[slot], id)
		if len(c.bySlot[slot]) == 0 {
			delete(c.bySlot, slot)
		}
	}
	delete(c.bySeats, id)
}

// Live tells whether a listener listens, and so whether the cache serves.
func (c *PageCache) Live() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}

func (c *PageCache) get(id pageID) (json.RawMessage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live {
		return nil, false
	}
	p, ok := c.pages.Get(id)
	if !ok {
		return nil, false
	}
	if time.Since(p.at) > pageCacheMaxAge {
		c.pages.Remove(id) // with its index
		return nil, false
	}
	return p.data, true
}

// now returns the count of changes a page starts being read at, and whether it may be kept.
func (c *PageCache) now() (seq uint64, live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq, c.live
}

// put keeps a page read since the change since, unless a change that concerns it came since.
func (c *PageCache) put(id pageID, data json.RawMessage, since uint64, shows *shown) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.seq-since >= recentChanges || len(shows.slots) > pageCacheMaxSlots {
		return
	}
	for seq := since + 1; seq <= c.seq; seq++ {
		ch := c.recent[seq%recentChanges]
		if ch.slot == 0 || shows.bySeats || shows.has(ch.slot) {
			return
		}
	}
	c.pages.Remove(id) // a page read twice at once: the first one's index goes
	// A copy: the response's buffer may have twice the capacity it uses.
	c.pages.Add(id, page{data: bytes.Clone(data), at: time.Now(), shows: shows})
	for slot := range shows.slots {
		if c.bySlot[slot] == nil {
			c.bySlot[slot] = map[pageID]struct{}{}
		}
		c.bySlot[slot][id] = struct{}{}
	}
	if shows.bySeats {
		c.bySeats[id] = struct{}{}
	}
}

// seatWrites collects the slots whose seats a mutation changed (wroteSeats).
type seatWrites struct {
	mu    sync.Mutex
	slots []int64
}

type seatWritesKey struct{}

// wroteSeats records, for the mutation of ctx if any, that it changed the seats of slots.
func wroteSeats(ctx context.Context, slots ...int64) {
	if w, _ := ctx.Value(seatWritesKey{}).(*seatWrites); w != nil {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.slots = append(w.slots, slots...)
	}
}

// seatsOnly tells whether every root field of a mutation changes seats and nothing else a page
// shows, and records the slots it changes (wroteSeats): then this instance forgets only the
// pages of those slots, as the notices make the others do.
func seatsOnly(op *ast.OperationDefinition) bool {
	for _, s := range op.SelectionSet {
		f, ok := s.(*ast.Field)
		if !ok || !rootOf("Mutation", f.Name).seatsOnly {
			return false
		}
	}
	return true
}

// shown is what a page shows that a change of one slot's seats can alter: the slots it lists,
// and whether free seats chose them (availableOnly). The resolvers that list slots fill it in
// (showSlots), concurrently.
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

// showSlots records, for the page being read in ctx if any, the slots it lists and whether a
// filter on free seats chose them.
func showSlots(ctx context.Context, f *db.SlotFilter, slots ...db.Slot) {
	s, _ := ctx.Value(shownKey{}).(*shown)
	if s == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if f != nil && f.AvailableOnly {
		s.bySeats = true
	}
	for _, slot := range slots {
		s.slots[slot.ID] = struct{}{}
	}
}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = &PageCache{}

func (*PageCache) ExtensionName() string                   { return "PageCache" }
func (*PageCache) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptResponse answers a catalogue operation from the cache, or runs it and keeps its
// answer when it has no error; after a mutation it forgets every page. It runs after the
// limits and the rate budgets (handler.go), which a page from the cache still draws from.
func (c *PageCache) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	// A request refused before it ran (unparsable, over a limit, throttled) comes here with its
	// errors already: it gets them, never a page.
	if !graphql.HasOperationContext(ctx) || len(graphql.GetErrors(ctx)) > 0 {
		return next(ctx)
	}
	opCtx := graphql.GetOperationContext(ctx)
	if op := opCtx.Operation; op != nil && op.Operation == ast.Mutation {
		w := &seatWrites{}
		resp := next(context.WithValue(ctx, seatWritesKey{}, w))
		if !seatsOnly(op) {
			c.Changed()
			return resp
		}
		for _, slot := range w.slots {
			c.SeatsChanged(slot)
		}
		return resp
	}
	if !catalogueOperation(ctx) {
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
	if live && resp != nil && resp.HasNext == nil && len(resp.Errors) == 0 && len(resp.Data) <= pageCacheMaxPage {
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
