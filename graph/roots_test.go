package graph

import (
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// Every root field of the schema is declared in rootFields, and every declaration names one.
func TestEveryRootFieldIsDeclared(t *testing.T) {
	schema := NewExecutableSchema(Config{}).Schema()
	seen := map[string]bool{}
	for _, typ := range []string{"Query", "Mutation", "Subscription"} {
		for _, f := range schema.Types[typ].Fields {
			if strings.HasPrefix(f.Name, "__") {
				continue
			}
			name := typ + "." + f.Name
			seen[name] = true
			if _, ok := rootFields[name]; !ok {
				t.Errorf("%s is not declared in rootFields (graph/roots.go): say whether it reads the catalogue, changes only seats, registers", name)
			}
		}
	}
	for name, d := range rootFields {
		if !seen[name] {
			t.Errorf("rootFields declares %s, which the schema does not have", name)
		}
		if strings.HasPrefix(name, "Query.") && (d.seatsOnly || d.registers) || strings.HasPrefix(name, "Mutation.") && d.catalogue {
			t.Errorf("%s: catalogue is for queries, seatsOnly and registers for mutations", name)
		}
	}
}

func TestOperationLabelsUseTheSchemasWordsOnly(t *testing.T) {
	for doc, want := range map[string]string{
		`{ slots { totalCount } }`:                                       "query slots",
		`query Mine { a: slots { totalCount } b: slots { totalCount } }`: "query slots",
		`{ slots { totalCount } venues { totalCount } }`:                 "query several",
		`{ __schema { queryDescription: description } }`:                 "query __schema",
		`{ __typename }`: "query __typename",
		`mutation { register(input: {}) { manageToken } }`: "mutation register",
		`{ ... on Query { slots { totalCount } } }`:        "query several",
	} {
		q, err := parser.ParseQuery(&ast.Source{Input: doc})
		if err != nil {
			t.Fatal(err)
		}
		if got := operationLabel(q.Operations[0]); got != want {
			t.Errorf("%s: label %q, want %q", doc, got, want)
		}
	}
}
