package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/regiestains/ateliers/db"
)

// loaders batch the lookups of nested objects and lists within one request, so that a page of
// 100 slots costs one query for their workshops and one for their venues, not 200, and a page
// of venues one query for all their slots (see batch.go for when a batch leaves).
type loaders struct {
	organisation *loader[int64, db.Organisation]
	venue        *loader[int64, db.Venue]
	workshop     *loader[int64, db.Workshop]
	slot         *loader[int64, db.Slot]
	allocations  *loader[int64, []db.Allocation] // by slot id

	// The nested connections, by parent id.
	venueSlots            *lists[slotArgs, db.Slot]
	workshopSlots         *lists[slotArgs, db.Slot]
	organisationVenues    *lists[db.Page, db.Venue]
	organisationWorkshops *lists[db.Page, db.Workshop]
}

// showLists records the slots of nested lists for the page cache (showSlots), and their filter
// even when every list is empty: an empty list chosen by free seats changes when a seat frees.
func showLists(ctx context.Context, f db.SlotFilter, lists map[int64][]db.Slot) {
	showSlots(ctx, &f)
	for _, slots := range lists {
		showSlots(ctx, &f, slots...)
	}
}

// slotArgs are the arguments of Venue.slots and Workshop.slots.
type slotArgs struct {
	Filter db.SlotFilter
	Page   db.Page
}

func newLoaders(q db.Querier) *loaders {
	p := newPlaces()
	l := &loaders{
		organisation: newLoader(p, byID(q, db.OrganisationsByID, func(o db.Organisation) int64 { return o.ID })),
		venue:        newLoader(p, byID(q, db.VenuesByID, func(v db.Venue) int64 { return v.ID })),
		workshop:     newLoader(p, byID(q, db.WorkshopsByID, func(w db.Workshop) int64 { return w.ID })),
		slot:         newLoader(p, byID(q, db.SlotsByID, func(s db.Slot) int64 { return s.ID })),
		allocations:  newLoader(p, allocationsBySlot(q)),
		venueSlots: newLists(p, func(ctx context.Context, a slotArgs, ids []int64) (map[int64][]db.Slot, error) {
			lists, err := db.SlotsOfVenues(ctx, q, callerFrom(ctx), ids, a.Filter, a.Page)
			showLists(ctx, a.Filter, lists)
			return lists, err
		}, func(a slotArgs) int { return a.Page.First }),
		workshopSlots: newLists(p, func(ctx context.Context, a slotArgs, ids []int64) (map[int64][]db.Slot, error) {
			lists, err := db.SlotsOfWorkshops(ctx, q, callerFrom(ctx), ids, a.Filter, a.Page)
			showLists(ctx, a.Filter, lists)
			return lists, err
		}, func(a slotArgs) int { return a.Page.First }),
		organisationVenues: newLists(p, func(ctx context.Context, pg db.Page, ids []int64) (map[int64][]db.Venue, error) {
			return db.VenuesOfOrganisations(ctx, q, ids, pg)
		}, func(pg db.Page) int { return pg.First }),
		organisationWorkshops: newLists(p, func(ctx context.Context, pg db.Page, ids []int64) (map[int64][]db.Workshop, error) {
			return db.WorkshopsOfOrganisations(ctx, q, callerFrom(ctx), ids, pg)
		}, func(pg db.Page) int { return pg.First }),
	}
	// Only the slots with reserved seats need their allocations (seatsLeft).
	l.allocations.sometimes = true
	return l
}

// allocationsBySlot groups the allocations of a batch of slots; a slot without any gets an
// empty list.
func allocationsBySlot(q db.Querier) func(context.Context, []int64) (map[int64][]db.Allocation, error) {
	return func(ctx context.Context, slotIDs []int64) (map[int64][]db.Allocation, error) {
		as, err := db.AllocationsOfSlots(ctx, q, slotIDs)
		if err != nil {
			return nil, err
		}
		m := make(map[int64][]db.Allocation, len(slotIDs))
		for _, id := range slotIDs {
			m[id] = []db.Allocation{}
		}
		for _, a := range as {
			m[a.SlotID] = append(m[a.SlotID], a)
		}
		return m, nil
	}
}

// byID adapts a db "by ids" query to a mapped fetch.
func byID[T any](q db.Querier, fetch func(context.Context, db.Querier, []int64) ([]T, error), id func(T) int64) func(context.Context, []int64) (map[int64]T, error) {
	return func(ctx context.Context, ids []int64) (map[int64]T, error) {
		rows, err := fetch(ctx, q, ids)
		if err != nil {
			return nil, err
		}
		m := make(map[int64]T, len(rows))
		for _, r := range rows {
			m[id(r)] = r
		}
		return m, nil
	}
}

// lists loads a nested list field (Venue.slots, Organisation.venues, ...) for the parents of a
// page: the parents asked with the same arguments share one statement. Each parent could in
// principle be asked with its own arguments (a cursor), but clients page one parent at a time,
// so a request has one group per nested field in practice.
type lists[A, T any] struct {
	args   sync.Map // canonical encoding of the arguments → A
	loader *loader[listKey, []T]
}

// listKey names one parent's list: its id and the canonical encoding of its arguments.
type listKey struct {
	parent int64
	args   string
}

// newLists makes the loader of a nested list field: fetch lists the rows of many parents for
// the same arguments (first+1 rows at most, see db.Page), first says how many rows the
// connection shows.
func newLists[A, T any](p *places, fetch func(context.Context, A, []int64) (map[int64][]T, error), first func(A) int) *lists[A, T] {
	l := &lists[A, T]{}
	l.loader = newLoader(p, func(ctx context.Context, keys []listKey) (map[listKey][]T, error) {
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
	l.loader.edges = func(k listKey, rows []T) int { return min(len(rows), first(l.argsOf(k.args))) }
	return l
}

func (l *lists[A, T]) argsOf(enc string) A {
	a, _ := l.args.Load(enc)
	return a.(A)
}

// load returns parent's list for args.
func (l *lists[A, T]) load(ctx context.Context, parent int64, args A) ([]T, error) {
	// JSON is a faithful key: different arguments never encode alike (equal ones may differ,
	// such as one instant in two time zones, which costs a statement, not a wrong answer).
	enc, err := json.Marshal(args)
	if err != nil {
		return nil, fmt.Errorf("encode list arguments: %w", err)
	}
	l.args.LoadOrStore(string(enc), args)
	return l.loader.Load(ctx, listKey{parent, string(enc)})
}

// withLoaders gives each operation its own loaders, reading where the operation reads the
// catalogue (Resolver.reader): their cache lives as long as the operation, so no caller ever
// reads another's data or a stale row.
func withLoaders(r *Resolver) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(context.WithValue(ctx, loadersKey, newLoaders(r.reader(ctx))))
	}
}

func loadersFrom(ctx context.Context) *loaders {
	return ctx.Value(loadersKey).(*loaders)
}
