package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/regiestains/ateliers/db"
)

// Resolver holds what every resolver needs: the databases.
type Resolver struct {
	// Pool is the primary: every write, and every read that must see the latest writes.
	Pool *pgxpool.Pool
	// Replica, when set (DATABASE_READ_URL), is a read-only copy of the primary that serves the
	// catalogue reads of queries: see reader.
	Replica *pgxpool.Pool
}

// reader is where the operation of ctx reads the catalogue (organisations, venues, workshops,
// programmes, slots and their seats): a query reads from the replica when there is one, which
// takes the heaviest traffic, the availability searches, off the primary. A mutation reads
// from the primary what it has just written, and personal data (a registration by its token,
// referrals, a slot's participants, API keys) always comes from the primary, so that whoever
// has just registered finds the registration even if the replica lags. The replica's lag is
// the price: a search may show a seat taken a moment ago as free, which register then refuses
// (SLOT_FULL), as it would for a seat taken between the search and the click.
func (r *Resolver) reader(ctx context.Context) db.Querier {
	if r.Replica != nil && isQuery(ctx) {
		return r.Replica
	}
	return r.Pool
}

// isQuery tells whether ctx belongs to a query operation (not a mutation).
func isQuery(ctx context.Context) bool {
	if !graphql.HasOperationContext(ctx) {
		return false
	}
	op := graphql.GetOperationContext(ctx).Operation
	return op != nil && op.Operation == ast.Query
}
