package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/regiestains/ateliers/db"
)

// slotParents says which of a slot's parents (workshop, venue) the query selects on the slots
// under the current field, at path below it ("edges", "node" for a connection), and which of
// their fields: the read of the slots then returns them in its own statement, with those
// fields only, where loaders would send one more statement each and read every column. A slot
// read elsewhere (a nested list, a mutation's payload) keeps the loaders.
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
			with.Workshop = goFields(oc, f.Selections, "Workshop", with.Workshop)
		case "venue":
			with.Venue = goFields(oc, f.Selections, "Venue", with.Venue)
		}
	}
	return with
}

// fieldOf names the Go field behind a GraphQL field of a workshop or a venue where it is not
// the GraphQL name with a capital (gqlgen binds those by name). A name missing here that the
// Go type does not have makes db read every column: never a wrong answer.
var fieldOf = map[string]string{
	"id": "ID", "__typename": "ID", "organisation": "OrganisationID", "isArchived": "ArchivedAt", "slots": "ID",
	"openDataId": "OpenDataID", "accesLibreUrl": "AccesLibreURL", "bookingUrl": "BookingURL",
}

// goFields appends to names the Go fields behind the fields of sel on type typ; the result is
// never nil, so that a parent selected for its __typename alone is still read (its id).
func goFields(oc *graphql.OperationContext, sel ast.SelectionSet, typ string, names []string) []string {
	if names == nil {
		names = []string{}
	}
	for _, f := range graphql.CollectFields(oc, sel, []string{typ}) {
		name, ok := fieldOf[f.Name]
		if !ok {
			name = strings.ToUpper(f.Name[:1]) + f.Name[1:]
		}
		names = append(names, name)
	}
	return names
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
