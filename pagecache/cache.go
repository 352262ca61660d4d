// Package pagecache keeps the answers to the queries whose answer is the same for every caller
// (the anonymous catalogue searches of the public website) until what they show changes: a
// popular search then costs no SQL.
//
// It is exact, across instances: every commit that writes what a page can show sends a notice
// (migrations 005 and 006) to every instance's listener, which calls Changed or SeatsChanged. A
// notice that a slot's seats changed forgets the pages that show that slot (Shows) and those
// whose slots were chosen by free seats; any other forgets every page. A mutation on this
// instance forgets before it answers (Extension), so that its caller reads its own write
// without waiting for the notice. A page read while a change that concerns it was announced is
// not kept. While no listener listens, nothing is served or stored: a change could go unheard.
// What the clock changes (a slot that has started) may lag by up to maxAge.
//
// The package knows nothing of the schema: which operations may be kept and which mutations
// change only seats are the Extension's Cacheable and SeatsOnly, given by the GraphQL layer.
package pagecache

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"sync"
	"time"

	lru "github.com/hashicorp/golang-lru/v2"
)

// Cache holds the pages and what each shows. Its zero value is not usable: call New.
type Cache struct {
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
	// maxEntries and maxPage bound the pages to 32 MB (a page of 50 slots with their workshop
	// and venue is about 17 kB).
	maxEntries = 1000
	maxPage    = 32 << 10
	maxAge     = 10 * time.Second
	// maxSlots bounds the index: a page that read more slots than this (many lists, or lists
	// asked only for pageInfo) is not kept. The availability page reads at most 51.
	maxSlots = 200
	// recentChanges is how many changes a page being read can be checked against; a read that
	// saw more changes go by is not kept.
	recentChanges = 256
)

// New returns an empty cache that serves nothing until Listening(true).
func New() *Cache {
	c := &Cache{bySlot: map[int64]map[pageID]struct{}{}, bySeats: map[pageID]struct{}{}}
	pages, err := lru.NewWithEvict(maxEntries, c.unindex)
	if err != nil {
		panic(err) // only for a size below 1
	}
	c.pages = pages
	return c
}

// Changed forgets every page: anything may have changed.
func (c *Cache) Changed() { c.change(0) }

// SeatsChanged forgets the pages that show slot or were chosen by free seats.
func (c *Cache) SeatsChanged(slot int64) { c.change(slot) }

// Listening says whether changes are being heard; either way, what was kept is forgotten.
func (c *Cache) Listening(live bool) {
	c.mu.Lock()
	c.live = live
	c.mu.Unlock()
	c.change(0)
}

func (c *Cache) change(slot int64) {
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
func (c *Cache) unindex(id pageID, p page) {
	for slot := range p.shows.slots {
		delete(c.bySlot[slot], id)
		if len(c.bySlot[slot]) == 0 {
			delete(c.bySlot, slot)
		}
	}
	delete(c.bySeats, id)
}

// Live tells whether a listener listens, and so whether the cache serves.
func (c *Cache) Live() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.live
}

func (c *Cache) get(id pageID) (json.RawMessage, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live {
		return nil, false
	}
	p, ok := c.pages.Get(id)
	if !ok {
		return nil, false
	}
	if time.Since(p.at) > maxAge {
		c.pages.Remove(id) // with its index
		return nil, false
	}
	return p.data, true
}

// now returns the count of changes a page starts being read at, and whether it may be kept.
func (c *Cache) now() (seq uint64, live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.seq, c.live
}

// put keeps a page read since the change since, unless a change that concerns it came since.
func (c *Cache) put(id pageID, data json.RawMessage, since uint64, shows *shown) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.seq-since >= recentChanges || len(shows.slots) > maxSlots {
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
