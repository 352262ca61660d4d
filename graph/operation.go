package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// Metrics count requests by operation, and what a client names its operations is theirs to
// choose: the label is made of the schema's words only, the operation type and its root field
// ("query slots", "mutation register"; "query several" when it asks more than one root field,
// "query __schema" for introspection), so that the series stay few whatever clients send.

type operationLabelKey struct{}

// WithOperationLabel returns ctx with a place where the GraphQL handler writes the label of the
// operation it runs (OperationLabel), for the HTTP layer's metrics; "" until it does.
func WithOperationLabel(ctx context.Context) (context.Context, *string) {
	label := new(string)
	return context.WithValue(ctx, operationLabelKey{}, label), label
}

// labelOperation writes the label of the operation of ctx where WithOperationLabel made room.
func labelOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if label, ok := ctx.Value(operationLabelKey{}).(*string); ok && graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil {
			*label = operationLabel(op)
		}
	}
	return next(ctx)
}

func operationLabel(op *ast.OperationDefinition) string {
	kind := string(op.Operation)
	field := ""
	for _, s := range op.SelectionSet {
		f, ok := s.(*ast.Field)
		if !ok {
			return kind + " several"
		}
		name := f.Name
		switch {
		case name == "__typename":
			continue
		case name == "__schema" || name == "__type":
			name = "__schema"
		case !declared(op.Operation, name):
			name = "unknown" // validation refuses it before this runs; for safety alone
		}
		if field != "" && field != name {
			return kind + " several"
		}
		field = name
	}
	if field == "" {
		field = "__typename"
	}
	return kind + " " + field
}

// declared tells whether name is a root field of the schema's operation type op.
func declared(op ast.Operation, name string) bool {
	prefix := "Query."
	switch op {
	case ast.Mutation:
		prefix = "Mutation."
	case ast.Subscription:
		prefix = "Subscription."
	}
	_, ok := rootFields[prefix+name]
	return ok
}
