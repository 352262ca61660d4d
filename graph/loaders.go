package graph

import (
	"context"
	"net/http"
	"time"

	"github.com/vikstrous/dataloadgen"

	"github.com/regiestains/ateliers/db"
)

// loaders batch the lookups of nested objects within one request, so that a page of 100 slots
// costs one query for their workshops and one for their venues, not 200.
type loaders struct {
	organisation *dataloadgen.Loader[int64, db.Organisation]
	venue        *dataloadgen.Loader[int64, db.Venue]
	workshop     *dataloadgen.Loader[int64, db.Workshop]
	slot         *dataloadgen.Loader[int64, db.Slot]
	allocations  *dataloadgen.Loader[int64, []db.Allocation] // by slot id
}

// batchWait is how long a loader waits for more keys before querying: resolvers of one page
// run concurrently and ask within microseconds of each other.
const batchWait = 500 * time.Microsecond

func newLoaders(q db.Querier) *loaders {
	opt := dataloadgen.WithWait(batchWait)
	return &loaders{
		organisation: dataloadgen.NewMappedLoader(byID(q, db.OrganisationsByID, func(o db.Organisation) int64 { return o.ID }), opt),
		venue:        dataloadgen.NewMappedLoader(byID(q, db.VenuesByID, func(v db.Venue) int64 { return v.ID }), opt),
		workshop:     dataloadgen.NewMappedLoader(byID(q, db.WorkshopsByID, func(w db.Workshop) int64 { return w.ID }), opt),
		slot:         dataloadgen.NewMappedLoader(byID(q, db.SlotsByID, func(s db.Slot) int64 { return s.ID }), opt),
		allocations:  dataloadgen.NewMappedLoader(allocationsBySlot(q), opt),
	}
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

// withLoaders gives each request its own loaders: their cache lives as long as the request,
// so no caller ever reads another's data or a stale row.
func withLoaders(q db.Querier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := context.WithValue(r.Context(), loadersKey, newLoaders(q))
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

func loadersFrom(ctx context.Context) *loaders {
	return ctx.Value(loadersKey).(*loaders)
}
