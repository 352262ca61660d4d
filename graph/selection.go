package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/regiestains/ateliers/db"
)

// slotParents says which of a slot's parents (workshop, venue) the query selects on the slots
// under the current field, at path below it ("edges", "node" for a connection): the read of
// the slots then returns them in its own statement, where loaders would send one more
// statement each. A slot read elsewhere (a nested list, a mutation's payload) keeps the loaders.
func slotParents(ctx context.Context, path ...string) db.With {
	oc := graphql.GetOperationContext(ctx)
	fc := graphql.GetFieldContext(ctx)
	if oc == nil || fc == nil {
		return db.With{}
	}
	sel := fc.Field.Selections
	for _, name := range path {
		sel = below(oc, sel, name)
	}
	var with db.With
	for _, f := range graphql.CollectFields(oc, sel, []string{"Slot", "Node"}) {
		switch f.Name {
		case "workshop":
			with.Workshop = true
		case "venue":
			with.Venue = true
		}
	}
	return with
}

// below is the selection of the fields called name in sel, whatever their aliases, with
// fragments spread and @skip/@include applied.
func below(oc *graphql.OperationContext, sel ast.SelectionSet, name string) ast.SelectionSet {
	var out ast.SelectionSet
	for _, f := range graphql.CollectFields(oc, sel, nil) {
		if f.Name == name {
			out = append(out, f.Selections...)
		}
	}
	return out
}
