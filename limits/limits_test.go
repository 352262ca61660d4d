package limits

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// contract is the API's schema, read from its files: this package cannot import graph, which
// imports it.
var contract = sync.OnceValue(func() *ast.Schema {
	files, err := filepath.Glob("../graph/schema/*.graphqls")
	if err != nil || len(files) == 0 {
		panic(fmt.Sprintf("no schema files: %v", err))
	}
	var sources []*ast.Source
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			panic(err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	return gqlparser.MustLoadSchema(sources...)
})

// loadQuery parses and validates q against the real schema, as the handler does before the
// depth limit runs.
func loadQuery(t *testing.T, q string) *ast.QueryDocument {
	t.Helper()
	doc, errs := gqlparser.LoadQuery(contract(), q)
	if len(errs) > 0 {
		t.Fatalf("query does not validate: %v\n%s", errs, q)
	}
	return doc
}

// nest wraps inner in fields, outermost first: nest("x", "a", "b") is "a { b { x } }".
func nest(inner string, fields ...string) string {
	for i := len(fields) - 1; i >= 0; i-- {
		inner = fields[i] + " { " + inner + " }"
	}
	return inner
}

// deepQuery is a real path of the schema of the given depth (1 to 13): depth+1 fields.
func deepQuery(depth int) string {
	path := []string{"slots(first: 1)", "edges", "node", "venue", "organisation", "workshops(first: 1)",
		"edges", "node", "slots(first: 1)", "edges", "node", "workshop", "organisation"}
	return "{ " + nest("__typename", path[:depth]...) + " }"
}

func TestOperationDepth(t *testing.T) {
	tests := []struct {
		name  string
		query string
		depth int
	}{
		{"one field", `{ __typename }`, 0},
		{"a field's depth is the fields above it", `{ viewer { scopes } }`, 1},
		{"a host's registrations through its workshops is within the limit",
			`{ workshops { edges { node { slots { edges { node { registrations { edges { node { participant { firstName } } } } } } } } } } }`, 10},
		{"longest path wins", `{ viewer { isAnonymous organisation { workshops { edges { node { id } } } } } }`, 5},
		{"10 deep", deepQuery(10), 10},
		{"12 deep", deepQuery(12), 12},
		{"named fragments count where spread",
			`{ slots { ...S } } fragment S on SlotConnection { edges { node { ...N } } } fragment N on Slot { venue { name } }`, 4},
		{"inline fragments add no level", `{ node(id: "x") { ... on Slot { venue { ... on Venue { name } } } } }`, 2},
		{"fragment spread in an inline fragment",
			`{ node(id: "x") { ... on Workshop { ...W } } } fragment W on Workshop { slots { edges { node { id } } } }`, 4},
		{"a fragment spread at two depths",
			`{ viewer { organisation { ...O } } organisations { edges { node { ...O } } } } fragment O on Organisation { venues { edges { node { id } } } }`, 6},
		{"aliases are fields like any", `{ a: viewer { b: organisation { c: name } } }`, 2},
		{"mutation", `mutation { cancelRegistration(input: {token: "t"}) { registration { slot { venue { name } } } } }`, 4},
		{"ofType is free in a short chain", `{ __type(name: "Slot") { ofType { ofType { ofType { name } } } } }`, 1},
		{"ofType is counted past 9 levels", `{ __type(name: "Slot") { ` + strings.Repeat("ofType { ", 12) + "name" + strings.Repeat(" }", 12) + ` } }`, 4},
		{"ofType under fields and type", `{ __type(name: "Slot") { fields { type { ofType { name } } } } }`, 3},
		{"introspection fields count", `{ __schema { types { fields { type { fields { name } } } } } }`, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := loadQuery(t, tt.query)
			if got := operationDepth(doc, doc.Operations[0]); got != tt.depth {
				t.Errorf("depth %d, want %d", got, tt.depth)
			}
		})
	}
}

// The introspection query GraphiQL sends (graphql-js 16.15, every option on) nests 15 fields
// (depth 14); with `ofType` chains free its depth is 5, under the limit.
func TestIntrospectionQueryDepth(t *testing.T) {
	doc := loadQuery(t, fullIntrospectionQuery)
	if got := measureDepth(doc, doc.Operations[0], 0); got != 14 {
		t.Errorf("raw depth %d, want 14", got)
	}
	if got := operationDepth(doc, doc.Operations[0]); got != 5 {
		t.Errorf("depth %d, want 5", got)
	}
}

// Validation refuses fragment cycles, but the walker must end on them anyway.
func TestOperationDepthFragmentCycles(t *testing.T) {
	for _, q := range []string{
		`{ viewer { ...A } } fragment A on Viewer { organisation { ...B } } fragment B on Organisation { venues { edges { node { organisation { ...B } } } } }`,
		`{ ...Q } fragment Q on Query { viewer { isAnonymous } ...Q }`,
		`{ viewer { ...Missing } }`,
	} {
		doc, err := parser.ParseQuery(&ast.Source{Input: q})
		if err != nil {
			t.Fatal(err)
		}
		if got := operationDepth(doc, doc.Operations[0]); got < 0 || got > 8 {
			t.Errorf("depth %d for %s", got, q)
		}
	}
}

// A fragment spread twice in each of n nested fragments would be walked 2^n times without the
// memo: 60 levels would not finish.
func TestOperationDepthIsLinear(t *testing.T) {
	var b strings.Builder
	b.WriteString("{ ...F0 }\n")
	const n = 60
	for i := range n {
		fmt.Fprintf(&b, "fragment F%d on Query { viewer { isAnonymous } ...F%d ...F%d }\n", i, i+1, i+1)
	}
	fmt.Fprintf(&b, "fragment F%d on Query { __typename }\n", n)
	doc := loadQuery(t, b.String())
	if got := operationDepth(doc, doc.Operations[0]); got != 1 {
		t.Errorf("depth %d, want 1", got)
	}
}

func TestDepthLimitExtension(t *testing.T) {
	ext := DepthLimit{Limit: depthLimit}
	for depth := 8; depth <= 13; depth++ {
		doc := loadQuery(t, deepQuery(depth))
		err := ext.MutateOperationContext(context.Background(), &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]})
		switch {
		case depth <= depthLimit && err != nil:
			t.Errorf("depth %d refused: %v", depth, err)
		case depth > depthLimit && (err == nil || err.Extensions["code"] != CodeDepthLimit):
			t.Errorf("depth %d: want %s, got %v", depth, CodeDepthLimit, err)
		}
	}
}

// fullIntrospectionQuery is graphql-js 16.15's getIntrospectionQuery() with every option on
// (descriptions, specifiedByUrl, directiveIsRepeatable, schemaDescription,
// inputValueDeprecation, oneOf): the largest query GraphiQL may send.
const fullIntrospectionQuery = `
query IntrospectionQuery {
  __schema {
    description
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types {
      ...FullType
    }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) {
        ...InputValue
      }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  isOneOf
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) {
      ...InputValue
    }
    type {
      ...TypeRef
    }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) {
    ...InputValue
  }
  interfaces {
    ...TypeRef
  }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes {
    ...TypeRef
  }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType {
    name
    kind
    ofType {
      name
      kind
      ofType {
        name
        kind
        ofType {
          name
          kind
          ofType {
            name
            kind
            ofType {
              name
              kind
              ofType {
                name
                kind
                ofType {
                  name
                  kind
                  ofType {
                    name
                    kind
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
`

func TestCountSelections(t *testing.T) {
	tests := []struct {
		name  string
		query string
		n     int
	}{
		{"one field", `{ __typename }`, 1},
		{"nested fields", `{ viewer { isAnonymous scopes } }`, 3},
		{"aliases and repeated fields count one by one", `{ a: __typename a: __typename __typename __typename }`, 4},
		{"spreads and inline fragments count, fragments once",
			`{ ...Q ...Q ... on Query { viewer { ...V } } } fragment Q on Query { __typename } fragment V on Viewer { isAnonymous }`, 7},
		{"directives count one by one, wherever they are",
			`query @a { x: __typename @skip(if: false) @include(if: true) ...F @b } fragment F on Query @c { __typename }`, 8},
		{"directives on variable definitions count too (graphql-cop's run found them uncounted)",
			`query($v: Int @a @b) { __typename }`, 3},
		{"every operation and fragment, used or not",
			`query A { __typename } query B { viewer { isAnonymous } } fragment Unused on Viewer { scopes isAnonymous }`, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := parser.ParseQuery(&ast.Source{Input: tt.query})
			if err != nil {
				t.Fatal(err)
			}
			n, over := countSelections(doc, tt.n)
			if n != tt.n || over != nil {
				t.Errorf("%d selections (over: %v), want %d", n, over, tt.n)
			}
			if _, over := countSelections(doc, tt.n-1); over == nil {
				t.Errorf("limit %d: no selection over it", tt.n-1)
			}
		})
	}
}

// GraphiQL's introspection query, every option on, is far under the limit.
func TestIntrospectionQuerySelections(t *testing.T) {
	doc := loadQuery(t, fullIntrospectionQuery)
	if n, _ := countSelections(doc, fieldLimit); n != 81 || n > fieldLimit {
		t.Errorf("%d selections, want 81", n)
	}
}

// duplicates is graphql-cop's field duplication: n copies of `a: __typename`.
func duplicates(n int) string {
	return "{" + strings.Repeat(" a: __typename", n) + " }"
}

func TestFieldLimitExtension(t *testing.T) {
	ctx := context.Background()
	ext := FieldLimit{Limit: fieldLimit, TokenLimit: parserTokenLimit, Cache: lru.New[*ast.QueryDocument](10)}
	for _, q := range []string{duplicates(fieldLimit), fullIntrospectionQuery, `{ ...F } fragment F on Query { __typename }`} {
		if err := ext.MutateOperationParameters(ctx, &graphql.RawParams{Query: q}); err != nil {
			t.Errorf("refused: %v", err)
		}
	}
	for _, q := range []string{
		duplicates(fieldLimit + 1),
		duplicates(3332), // 10,000 tokens
		"{" + strings.Repeat(" ...F", fieldLimit) + " } fragment F on Query { __typename }",
		"{ viewer {" + strings.Repeat(" isAnonymous", 300) + " } } fragment F on Viewer {" + strings.Repeat(" scopes", 300) + " }",
	} {
		err := ext.MutateOperationParameters(ctx, &graphql.RawParams{Query: q})
		if err == nil || err.Extensions["code"] != CodeFieldLimit {
			t.Errorf("want %s, got %v", CodeFieldLimit, err)
			continue
		}
		if want := fmt.Sprintf("which exceeds the limit of %d", fieldLimit); !strings.Contains(err.Message, want) || len(err.Locations) != 1 {
			t.Errorf("message %q, locations %v", err.Message, err.Locations)
		}
	}
	// Documents that do not parse are left to gqlgen, which refuses them with its own code.
	for _, q := range []string{"{", "{" + strings.Repeat(" a", parserTokenLimit+1) + " }"} {
		if err := ext.MutateOperationParameters(ctx, &graphql.RawParams{Query: q}); err != nil {
			t.Errorf("%.20q: %v", q, err)
		}
	}
	// A query in gqlgen's cache has passed the check and been validated: it is not parsed again.
	over := duplicates(fieldLimit + 1)
	ext.Cache.Add(ctx, over, &ast.QueryDocument{})
	if err := ext.MutateOperationParameters(ctx, &graphql.RawParams{Query: over}); err != nil {
		t.Errorf("cached query parsed again: %v", err)
	}
}

// BenchmarkValidateAtFieldLimit measures gqlparser's validation of the worst document the
// field limit lets through (fieldLimit copies of one field): tens of milliseconds, where the
// same attack at the token limit took a second (go test -bench ValidateAtFieldLimit ./graph).
func BenchmarkValidateAtFieldLimit(b *testing.B) {
	schema := contract()
	for _, n := range []int{fieldLimit, 3332} {
		q := duplicates(n)
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			for b.Loop() {
				if _, errs := gqlparser.LoadQuery(schema, q); len(errs) > 0 {
					b.Fatal(errs)
				}
			}
		})
	}
}
