package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDepthLimit(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)

	// The counter sees the statements of a query that runs: the proofs below are not vacuous.
	before := counter.n.Load()
	a.query("", deepQuery(10), nil, nil)
	if counter.n.Load() == before {
		t.Fatal("the statement counter saw no statement for a query that reads slots")
	}

	for _, depth := range []int{11, 12} {
		r := a.refused(counter, deepQuery(depth), "DEPTH_LIMIT_EXCEEDED")
		if !strings.Contains(r.Errors[0].Message, "exceeds the limit of 10") {
			t.Errorf("message %q", r.Errors[0].Message)
		}
	}

	// Through fragments and inline fragments too.
	a.refused(counter, `{ ...Q } fragment Q on Query { slots(first: 1) { edges { node { ...S } } } }
		fragment S on Slot { venue { ... on Venue { organisation { workshops(first: 1) { edges { node {
		slots(first: 1) { edges { node { id } } } } } } } } } }`, "DEPTH_LIMIT_EXCEEDED")
}

func TestIntrospectionUnderTheLimits(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)

	// GraphiQL, our documentation, loads the schema with this query.
	var out struct {
		Schema struct {
			QueryType struct{ Name string }
			Types     []struct {
				Name   string
				Fields []struct {
					Name string
					Type json.RawMessage
				}
			}
		} `json:"__schema"`
	}
	r := a.post("", graphiqlIntrospectionQuery, nil)
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("introspection: status %d, errors %+v", r.Status, r.Errors)
	}
	if err := json.Unmarshal(r.Data, &out); err != nil {
		t.Fatal(err)
	}
	if out.Schema.QueryType.Name != "Query" || len(out.Schema.Types) < 20 {
		t.Fatalf("introspection data: %s", r.Data[:min(len(r.Data), 300)])
	}

	// Circular introspection: gqlparser's validation refuses it before the depth limit, with
	// the same code.
	deep := "{ __schema { " + nested("name", "types", "fields", "type", "fields", "type", "fields", "type", "fields", "type") + " } }"
	r = a.refused(counter, deep, "DEPTH_LIMIT_EXCEEDED")
	if r.Errors[0].Message != "Maximum introspection depth exceeded" {
		t.Errorf("message %q", r.Errors[0].Message)
	}
	// What that rule lets through (two list levels) but nests past the limit: refused by the
	// depth limit, `ofType` counted past its first 9 levels.
	deep = `{ __schema { types { fields { args { type { inputFields { type { ` + strings.Repeat("ofType { ", 12) +
		`enumValues { name }` + strings.Repeat(" }", 12) + ` } } } } } } } }`
	r = a.refused(counter, deep, "DEPTH_LIMIT_EXCEEDED")
	if !strings.Contains(r.Errors[0].Message, "depth 11") {
		t.Errorf("message %q", r.Errors[0].Message)
	}
	// __type counts like any field.
	a.refused(counter, `{ __type(name: "Slot") { `+nested("name", "fields", "type", "inputFields", "type", "enumValues")+
		` ... on __Type { `+strings.Repeat("ofType { ", 20)+"name"+strings.Repeat(" }", 20)+` } } }`, "DEPTH_LIMIT_EXCEEDED")
}

// tokens returns a valid query of exactly n parser tokens (n >= 36), under the body limit and
// the cost limit (its 966 selections and directives are over the selection limit, which
// TestParserTokenLimit raises): each field, `aX: __typename @skip(if: $sX) @include(if: $iX)` (19 tokens),
// has two variables of its own, `$sX: Boolean = false $iX: Boolean = true` (12 tokens), so
// 10,000 tokens hold 322 fields; the rest is plain `__typename` fields (1 token each).
// Aliases are distinct: fields of one response name are compared pair by pair during
// validation.
func tokens(n int) string {
	rest := n - 5 // query ( ) { }
	var defs, fields strings.Builder
	for i := range rest / 31 {
		id := strconv.FormatInt(int64(i), 36)
		fmt.Fprintf(&defs, " $s%s: Boolean = false $i%s: Boolean = true", id, id)
		fmt.Fprintf(&fields, " a%s: __typename @skip(if: $s%s) @include(if: $i%s)", id, id, id)
	}
	fields.WriteString(strings.Repeat(" __typename", rest%31))
	return "query (" + defs.String() + " ) {" + fields.String() + " }"
}

func TestParserTokenLimit(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPIWith(t, map[string]string{"SELECTION_LIMIT": "1000"})
	a.query("", tokens(10000), nil, nil)
	r := a.refused(counter, tokens(10001), "GRAPHQL_PARSE_FAILED")
	if r.Errors[0].Message != "exceeded token limit of 10000" {
		t.Errorf("message %q", r.Errors[0].Message)
	}
	// Far past the limit, parsing stops there, before anything looks at the fields.
	a.refused(counter, "{"+strings.Repeat(" a", 30000)+" }", "GRAPHQL_PARSE_FAILED")
}

// graphql-cop's field duplication (alias overloading): thousands of copies of one field under
// the token limit, which gqlparser's validation compares pair by pair (a second of CPU), are
// refused before validation. GraphiQL's introspection query passes: TestIntrospectionUnderTheLimits.
func TestFieldLimit(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)
	dup := func(n int) string { return "{" + strings.Repeat(" a: __typename", n) + " }" }

	a.query("", dup(500), nil, nil)
	for _, q := range []string{
		dup(501),
		dup(3332), // 10,000 tokens
		"{" + strings.Repeat(" __typename", 3000) + " }",
		// Spreads count: validation compares them pair by pair too.
		"{" + strings.Repeat(" ...F", 4990) + " } fragment F on Query { __typename }",
		// So do the fields of fragments, used or not, and of every operation.
		"query A { __typename } query B {" + strings.Repeat(" a: __typename", 300) + " } fragment F on Query {" + strings.Repeat(" a: __typename", 300) + " }",
	} {
		start := time.Now()
		r := a.refused(counter, q, "FIELD_LIMIT_EXCEEDED")
		if !strings.Contains(r.Errors[0].Message, "which exceeds the limit of 500") {
			t.Errorf("message %q", r.Errors[0].Message)
		}
		// Refused before validation: milliseconds (validating dup(3332) took 9 s under -race).
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("refused in %v", d)
		}
	}
}

// graphiqlIntrospectionQuery is graphql-js 16.15's getIntrospectionQuery(), what GraphiQL
// sends to load the schema.
const graphiqlIntrospectionQuery = `
query IntrospectionQuery {
  __schema {
    queryType { name kind }
    mutationType { name kind }
    subscriptionType { name kind }
    types {
      ...FullType
    }
    directives {
      name
      description
      locations
      args {
        ...InputValue
      }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  fields(includeDeprecated: true) {
    name
    description
    args {
      ...InputValue
    }
    type {
      ...TypeRef
    }
    isDeprecated
    deprecationReason
  }
  inputFields {
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

// Introspection is on by default; a deployment that turns it off turns field suggestions off
// too, or "Did you mean ...?" would spell the schema out one guess at a time.
func TestIntrospectionOffTurnsSuggestionsOff(t *testing.T) {
	t.Parallel()
	on, off := newTestAPI(t), newTestAPIWith(t, map[string]string{"INTROSPECTION": "off"})
	if r := on.post("", `{ slot }`, nil); len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Message, "Did you mean") {
		t.Errorf("introspection on: errors %+v, want a suggestion", r.Errors)
	}
	if r := on.post("", `{ __schema { queryType { name } } }`, nil); len(r.Errors) > 0 {
		t.Errorf("introspection on: errors %+v", r.Errors)
	}
	r := off.post("", `{ slot }`, nil)
	if len(r.Errors) == 0 || strings.Contains(r.Errors[0].Message, "Did you mean") || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("introspection off: errors %+v, want GRAPHQL_VALIDATION_FAILED without a suggestion", r.Errors)
	}
	if r := off.post("", `{ __schema { queryType { name } } }`, nil); len(r.Errors) == 0 || r.Errors[0].Code() != "FORBIDDEN" ||
		strings.Contains(string(r.Data), "Query") {
		t.Errorf("introspection off: data %s, errors %+v; want it refused with FORBIDDEN", r.Data, r.Errors)
	}
}

// A mutation field costs 10 more than a read of the same fields; a registration 50.
func TestMutationsCostMore(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie")
	r := a.post(key, `mutation { createVenue(input: {name: "Lieu", streetAddress: "1 rue Carnot", postalCode: "93240", city: "Stains"}) {
		venue { id } userErrors { code } } }`, nil)
	// 10 + createVenue 1 + venue (1 + 1) + userErrors (1 + 1) = 15
	if c := costOf(t, r); c.RequestedQueryCost != 15 {
		t.Errorf("createVenue: cost %d, want 15", c.RequestedQueryCost)
	}
}

// Introspection has a price: a `__schema` costs what a large page does, so that aliases of
// it cannot multiply a 150 kB answer for free, and the point budget paces a client that loops
// on it. GraphiQL's own query stays well under one operation's limit.
func TestIntrospectionIsPricedAndMeetsTheBudgets(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"COST_BURST_ANONYMOUS": "4000", "COST_PER_SECOND_ANONYMOUS": "100"})
	r := a.post("", graphiqlIntrospectionQuery, nil)
	if c := costOf(t, r); r.Status != 200 || c.RequestedQueryCost < 500 || c.RequestedQueryCost > 1000 {
		t.Fatalf("GraphiQL's introspection: status %d, cost %d; want 200 at 500 to 1,000 points", r.Status, c.RequestedQueryCost)
	}
	var aliases strings.Builder
	for i := range 12 {
		fmt.Fprintf(&aliases, "s%d: __schema { types { name fields { name } } } ", i)
	}
	r = a.post("", "{ "+aliases.String()+"}", nil)
	if r.Status != http.StatusUnprocessableEntity || len(r.Errors) != 1 || r.Errors[0].Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("twelve aliased __schema: status %d, errors %+v; want 422 COMPLEXITY_LIMIT_EXCEEDED", r.Status, r.Errors)
	}
	// A client looping on introspection spends its burst, then is throttled.
	for i := 0; ; i++ {
		r := a.post("", graphiqlIntrospectionQuery, nil)
		if r.Status == http.StatusTooManyRequests {
			break
		}
		if i == 10 {
			t.Fatal("eleven introspections in a row were never throttled")
		}
	}
}
