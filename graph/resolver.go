package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/pagecache"
	"github.com/regiestains/ateliers/webhooks"
)

// Resolver holds what every resolver needs: the databases.
type Resolver struct {
	// Pool is the primary: every write, and every read that must see the latest writes.
	Pool db.Querier
	// Standby, when set (DATABASE_READ_URL), sends the catalogue reads of queries to a
	// read-only copy of the primary while it is healthy: see reader.
	Standby *db.Standby
	// Webhooks says where webhook endpoints may point, and keeps their secrets.
	Webhooks webhooks.Endpoints
	// Live, when set, serves subscriptions (live.go).
	Live *LiveConfig
	// Retention is how long personal data is kept, for the dates the API shows.
	Retention db.Retention
	// Links are the public website's pages the API links to.
	Links Links
}

// Links are the public website's pages the API links to; an empty base links nowhere.
type Links struct {
	// SlotPage is the page of a slot, followed by its global id (SLOT_PAGE_BASE).
	SlotPage string
}

// Slot is the website's page of the slot with id, or "" when there is none.
func (l Links) Slot(id int64) string {
	if l.SlotPage == "" {
		return ""
	}
	return l.SlotPage + globalID(kindSlot, id)
}

// reader is where the operation of ctx reads: the replica, when there is one, for a catalogue
// operation (an anonymous query of the public catalogue, the availability searches of the
// public website, the heaviest traffic); the primary for everything else. A mutation reads
// back from the primary what it has just written, a partner's back office sees its own edits
// at once, and personal data (a registration by its token, with its slot and waiting list) is
// never mixed with the replica's older view. The replica's lag is the price: a search may
// show as free a seat taken a moment ago, which register then refuses (SLOT_FULL), as it would
// for a seat taken between the search and the click.
func (r *Resolver) reader(ctx context.Context) db.Querier {
	if r.Standby != nil && catalogueOperation(ctx) {
		return r.Standby.Querier()
	}
	return r.Pool
}

// catalogueOperation tells whether the operation of ctx is a query from an anonymous caller
// whose root fields all read the public catalogue: what such a caller sees is the same for
// all of them and holds no personal data, so it may come from a replica or the page cache.
func catalogueOperation(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) || !callerFrom(ctx).Anonymous() {
		return false
	}
	op := graphql.GetOperationContext(ctx).Operation
	if op == nil || op.Operation != ast.Query {
		return false
	}
	for _, s := range op.SelectionSet {
		f, ok := s.(*ast.Field)
		if !ok || !rootOf("Query", f.Name).catalogue {
			return false
		}
	}
	return true
}

// showSlots records, for the page cache, the slots a page lists and whether a filter on free
// seats chose them.
func showSlots(ctx context.Context, f *db.SlotFilter, slots ...db.Slot) {
	ids := make([]int64, len(slots))
	for i, s := range slots {
		ids[i] = s.ID
	}
	pagecache.Shows(ctx, f != nil && f.AvailableOnly, ids...)
}
