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
)

// PageCache keeps the answers to anonymous catalogue queries (catalogueOperation), the searches
// of the public website, until the catalogue changes: a popular search then costs no SQL.
//
// It is exact, across instances: every commit that writes what a page can show sends a notice
// (migration 005) to every instance's listener (server/pagecache.go), which calls Changed, and a
// mutation on this instance calls it too before it answers, so that its caller reads its own
// write. A page read before a change is never stored after it (epoch). While no listener
// listens, nothing is served or stored: a change could go unheard. What the clock changes (a
// slot that has started, isOpenForRegistration) may lag by up to pageCacheMaxAge.
type PageCache struct {
	mu    sync.Mutex
	live  bool   // a listener listens
	epoch uint64 // counts the changes
	pages *lru.Cache[[sha256.Size]byte, page]
}

type page struct {
	data json.RawMessage
	at   time.Time
}

const (
	// pageCacheEntries and pageCacheMaxPage bound the cache's memory to 32 MB; a page of 50
	// slots with their workshop and venue is about 17 kB.
	pageCacheEntries = 1000
	pageCacheMaxPage = 32 << 10
	pageCacheMaxAge  = 10 * time.Second
)

// NewPageCache returns an empty cache that serves nothing until Listening(true).
func NewPageCache() *PageCache {
	pages, err := lru.New[[sha256.Size]byte, page](pageCacheEntries)
	if err != nil {
		panic(err) // only for a size below 1
	}
	return &PageCache{pages: pages}
}

// Changed forgets every page: the catalogue changed.
func (c *PageCache) Changed() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	c.pages.Purge()
}

// Listening says whether changes are being heard; either way, what was kept is forgotten.
func (c *PageCache) Listening(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	c.epoch++
	c.pages.Purge()
}

// Live tells whether a listener listens, and so whether the cache serves.
func (c *PageCache) Live() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}

func (c *PageCache) get(key [sha256.Size]byte) (json.RawMessage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live {
		return nil, false
	}
	p, ok := c.pages.Get(key)
	if !ok || time.Since(p.at) > pageCacheMaxAge {
		return nil, false
	}
	return p.data, true
}

// now returns the epoch a page is read in, and whether it may be kept at all.
func (c *PageCache) now() (epoch uint64, live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.epoch, c.live
}

// put keeps a page read in epoch, unless the catalogue changed since.
func (c *PageCache) put(key [sha256.Size]byte, data json.RawMessage, epoch uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.live && c.epoch == epoch {
		// A copy: the response's buffer may have twice the capacity it uses.
		c.pages.Add(key, page{data: bytes.Clone(data), at: time.Now()})
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
		defer c.Changed()
		return next(ctx)
	}
	if !catalogueOperation(ctx) {
		return next(ctx)
	}
	key, err := pageKey(opCtx)
	if err != nil {
		return next(ctx)
	}
	if data, ok := c.get(key); ok {
		return &graphql.Response{Data: data}
	}
	epoch, live := c.now()
	resp := next(ctx)
	// Not a first part of an answer still to come (@defer), nor one with errors.
	if live && resp != nil && resp.HasNext == nil && len(resp.Errors) == 0 && len(resp.Data) <= pageCacheMaxPage {
		c.put(key, resp.Data, epoch)
	}
	return resp
}

// pageKey is what makes two operations the same page: the document, the operation chosen and
// the variables after coercion (defaults included; encoding/json sorts map keys).
func pageKey(opCtx *graphql.OperationContext) ([sha256.Size]byte, error) {
	vars, err := json.Marshal(opCtx.Variables)
	if err != nil {
		return [sha256.Size]byte{}, err
	}
	h := sha256.New()
	h.Write([]byte(opCtx.RawQuery))
	h.Write([]byte{0})
	h.Write([]byte(opCtx.OperationName))
	h.Write([]byte{0})
	h.Write(vars)
	var key [sha256.Size]byte
	h.Sum(key[:0])
	return key, nil
}
