// Package live pushes the seats of slots to the clients that follow them (GraphQL
// subscriptions), as the database announces changes.
//
// Each instance of the API has one listener of the database's change notices (the server's,
// shared with the page cache), which tells its Hub. The hub reads a changed slot once, with
// its allocations, for all of its subscribers on this instance, whoever they are, and hands
// each the same value; what a subscriber may see was checked when it subscribed, and is checked
// again, once per kind of caller, whenever a notice says that anything may have changed. A
// subscriber that does not take its values as fast as they come is dropped, never buffered
// without bound.
package live

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"sync"
	"sync/atomic"
	"time"

	"github.com/regiestains/ateliers/db"
)

// ErrNotVisible: a subscription names a slot that does not exist or that the caller may not
// see (the two are not told apart, as node(id) does not).
var ErrNotVisible = errors.New("no slot with this id that you may see")

// Hub fans the changes of slots out to their subscribers on this instance. Its zero value is
// not usable: see New.
type Hub struct {
	q        db.Querier // the primary: a replica could lag behind a notice
	buffer   int
	keyCheck time.Duration

	wake      chan struct{} // a round is due
	done      chan struct{} // closed when Run has ended
	listening atomic.Bool

	mu     sync.Mutex
	bySlot map[int64]map[*subscriber]struct{}
	last   map[int64]*db.Slot // what was last sent of each followed slot
	dirty  map[int64]struct{} // slots to read in the next round
	all    bool               // anything may have changed: check visibility, read every slot
	stats  Stats
}

// Stats count what a hub does, for tests, metrics and the load command.
type Stats struct {
	Subscribers int    // subscribers now
	Slots       int    // slots followed now
	Rounds      uint64 // reads of changed slots
	Sent        uint64 // values handed to subscribers
	Dropped     uint64 // subscribers dropped because their buffer was full
	Revoked     uint64 // subscribers dropped because their API key was revoked
}

type subscriber struct {
	caller db.Caller
	slots  map[int64]bool // followed; true while its first value is still owed
	out    chan *db.Slot
	drop   func() // closes the subscriber's connection when it is too slow
	closed bool
}

// New returns a hub reading from q; buffer is how many values a subscriber may have waiting
// beyond the first state of its slots before it is dropped; every keyCheck, the subscribers
// whose API key was revoked are dropped. Run must run for it to deliver.
func New(q db.Querier, buffer int, keyCheck time.Duration) *Hub {
	return &Hub{
		q: q, buffer: buffer, keyCheck: keyCheck, wake: make(chan struct{}, 1), done: make(chan struct{}),
		bySlot: map[int64]map[*subscriber]struct{}{}, last: map[int64]*db.Slot{}, dirty: map[int64]struct{}{},
	}
}

// Changed tells the hub of a change notice: the slot whose seats changed, or 0 when anything
// may have changed (a slot's time or visibility, a workshop unpublished, ...).
func (h *Hub) Changed(slot int64) {
	h.mu.Lock()
	if slot == 0 {
		h.all = true
	} else if _, ok := h.bySlot[slot]; ok {
		h.dirty[slot] = struct{}{}
	}
	h.mu.Unlock()
	h.poke()
}

// Listening is told when the listener starts listening, again after an outage too: changes
// may have gone unheard meanwhile, so everything is read again.
func (h *Hub) Listening(on bool) {
	h.listening.Store(on)
	if on {
		h.Changed(0)
	}
}

// Listens tells whether the listener that feeds the hub listens.
func (h *Hub) Listens() bool { return h.listening.Load() }

func (h *Hub) poke() {
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// Watch subscribes caller to the slots of ids until ctx ends: the returned channel gets each
// slot as it is now, then again each time it changes, and is closed when the subscription ends
// (ctx, the hub stopping, no slot left that the caller may see, or too slow). drop is called,
// once, when the subscriber is dropped for being too slow: it should close its connection.
// The values are shared by all subscribers: never change them.
func (h *Hub) Watch(ctx context.Context, caller db.Caller, ids []int64, drop func()) (<-chan *db.Slot, error) {
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	visible, err := db.VisibleSlotIDs(ctx, h.q, caller, ids)
	if err != nil {
		return nil, err
	}
	if len(visible) < len(want) {
		for _, id := range visible {
			delete(want, id)
		}
		for id := range want {
			return nil, fmt.Errorf("slot %d: %w", id, ErrNotVisible)
		}
	}
	s := &subscriber{caller: caller, slots: want, out: make(chan *db.Slot, len(want)+h.buffer), drop: drop}
	h.mu.Lock()
	for id := range want {
		subs := h.bySlot[id]
		if subs == nil {
			subs = map[*subscriber]struct{}{}
			h.bySlot[id] = subs
		}
		subs[s] = struct{}{}
		h.dirty[id] = struct{}{}
	}
	h.stats.Subscribers++
	h.stats.Slots = len(h.bySlot)
	h.mu.Unlock()
	h.poke()
	context.AfterFunc(ctx, func() {
		h.mu.Lock()
		h.removeLocked(s)
		h.mu.Unlock()
	})
	return s.out, nil
}

// Done is closed when Run has ended, and with it every subscription: the server is stopping,
// and closes the connections that carried them.
func (h *Hub) Done() <-chan struct{} { return h.done }

// Stats returns the hub's counts.
func (h *Hub) Stats() Stats {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.stats
}

// Run delivers changes until ctx ends, then ends every subscription. Notices that come while
// a round reads are gathered into the next round: one read per slot however many notices.
func (h *Hub) Run(ctx context.Context) {
	defer close(h.done)
	defer h.closeAll()
	keys := time.NewTicker(h.keyCheck)
	defer keys.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-keys.C:
			if err := h.checkKeys(ctx); err != nil && ctx.Err() == nil {
				slog.Warn("live seat counts: cannot check the subscribers' API keys; trying at the next check", "err", err)
			}
			continue
		case <-h.wake:
		}
		if err := h.round(ctx); err != nil && ctx.Err() == nil {
			slog.Warn("live seat counts: cannot read the changed slots; trying again", "err", err)
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
				h.poke()
			}
		}
	}
}

// round reads what changed once for every subscriber and hands it out. When it cannot read,
// what it was to read is left for the next round.
func (h *Hub) round(ctx context.Context) error {
	h.mu.Lock()
	all, dirty := h.all, h.dirty
	h.all, h.dirty = false, map[int64]struct{}{}
	if all {
		for id := range h.bySlot {
			dirty[id] = struct{}{}
		}
	}
	h.mu.Unlock()
	if len(dirty) == 0 {
		return nil
	}
	slots, err := h.read(ctx, all, dirty)
	if err != nil {
		h.mu.Lock()
		h.all = h.all || all
		for id := range dirty {
			h.dirty[id] = struct{}{}
		}
		h.mu.Unlock()
		return err
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.stats.Rounds++
	for i := range slots {
		s := &slots[i]
		subs, ok := h.bySlot[s.ID]
		if !ok {
			continue // no longer followed
		}
		changed := h.last[s.ID] == nil || !reflect.DeepEqual(*h.last[s.ID], *s)
		h.last[s.ID] = s
		for sub := range subs {
			if owed := sub.slots[s.ID]; owed || changed {
				sub.slots[s.ID] = false
				h.sendLocked(sub, s)
			}
		}
	}
	return nil
}

// read checks, when anything may have changed, what each subscriber may still see, then
// reads the slots of ids with their allocations.
func (h *Hub) read(ctx context.Context, all bool, ids map[int64]struct{}) ([]db.Slot, error) {
	if all {
		if err := h.recheck(ctx); err != nil {
			return nil, err
		}
	}
	list := make([]int64, 0, len(ids))
	for id := range ids {
		list = append(list, id)
	}
	return db.SlotsWithAllocations(ctx, h.q, list)
}

// recheck asks, once per kind of caller (visibility depends on the caller's organisation and
// whether it holds a key), which of the slots they follow they may still see, and stops
// sending the others.
func (h *Hub) recheck(ctx context.Context) error {
	type kind struct {
		org     int64
		partner bool
	}
	h.mu.Lock()
	callers := map[kind]db.Caller{}
	followed := map[kind]map[int64]bool{}
	for id, subs := range h.bySlot {
		for s := range subs {
			k := kind{s.caller.OrganisationID, s.caller.Partner()}
			if followed[k] == nil {
				callers[k], followed[k] = s.caller, map[int64]bool{}
			}
			followed[k][id] = true
		}
	}
	h.mu.Unlock()
	visible := map[kind]map[int64]bool{}
	for k, slots := range followed {
		ids := make([]int64, 0, len(slots))
		for id := range slots {
			ids = append(ids, id)
		}
		seen, err := db.VisibleSlotIDs(ctx, h.q, callers[k], ids)
		if err != nil {
			return err
		}
		visible[k] = map[int64]bool{}
		for _, id := range seen {
			visible[k][id] = true
		}
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for id, subs := range h.bySlot {
		for s := range subs {
			k := kind{s.caller.OrganisationID, s.caller.Partner()}
			if seen, checked := visible[k]; checked && !seen[id] {
				h.unfollowLocked(s, id)
			}
		}
	}
	return nil
}

// checkKeys drops the subscribers whose API key was revoked since they subscribed, and closes
// their connections: a key's revocation must not wait for its client to hang up.
func (h *Hub) checkKeys(ctx context.Context) error {
	h.mu.Lock()
	keys := map[int64]bool{}
	for _, subs := range h.bySlot {
		for s := range subs {
			if s.caller.KeyID != 0 {
				keys[s.caller.KeyID] = false
			}
		}
	}
	h.mu.Unlock()
	if len(keys) == 0 {
		return nil
	}
	ids := make([]int64, 0, len(keys))
	for id := range keys {
		ids = append(ids, id)
	}
	active, err := db.ActiveKeyIDs(ctx, h.q, ids)
	if err != nil {
		return err
	}
	for _, id := range active {
		keys[id] = true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.bySlot {
		for s := range subs {
			if active, checked := keys[s.caller.KeyID]; checked && !active {
				h.stats.Revoked++
				h.removeLocked(s)
				if s.drop != nil {
					go s.drop()
				}
			}
		}
	}
	return nil
}

// sendLocked hands v to s, or drops s when its buffer is full: a client that cannot keep up
// must not make the server hold an ever longer queue for it.
func (h *Hub) sendLocked(s *subscriber, v *db.Slot) {
	select {
	case s.out <- v:
		h.stats.Sent++
	default:
		h.stats.Dropped++
		h.removeLocked(s)
		if s.drop != nil {
			go s.drop()
		}
	}
}

// unfollowLocked stops sending slot id to s, and ends s when it follows nothing else.
func (h *Hub) unfollowLocked(s *subscriber, id int64) {
	delete(s.slots, id)
	h.forgetLocked(s, id)
	if len(s.slots) == 0 {
		h.removeLocked(s)
	}
}

// removeLocked ends s: no more values, and its channel closed.
func (h *Hub) removeLocked(s *subscriber) {
	if s.closed {
		return
	}
	s.closed = true
	for id := range s.slots {
		h.forgetLocked(s, id)
	}
	close(s.out)
	h.stats.Subscribers--
}

func (h *Hub) forgetLocked(s *subscriber, id int64) {
	subs := h.bySlot[id]
	delete(subs, s)
	if len(subs) == 0 {
		delete(h.bySlot, id)
		delete(h.last, id)
		delete(h.dirty, id)
	}
	h.stats.Slots = len(h.bySlot)
}

// closeAll ends every subscription: the server is stopping.
func (h *Hub) closeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.bySlot {
		for s := range subs {
			h.removeLocked(s)
		}
	}
}
