package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestGraphQLCop runs the checks of graphql-cop (github.com/dolevf/graphql-cop, lib/tests/*.py)
// with its own payloads, as a client sees them through real HTTP, and asserts what makes each
// harmless here. Where graphql-cop's heuristic would still flag us (alias overloading, field
// duplication, the timing ladder of directive overloading, introspection, GET queries), the
// comment says why and the subtest asserts the bound that matters instead.
func TestGraphQLCop(t *testing.T) {
	t.Parallel()
	api, counter := newCountingAPI(t)
	// each gives a subtest the test API, failing that subtest.
	each := api.withT

	// statements runs f and returns how many SQL statements the server sent meanwhile.
	statements := func(f func()) int64 {
		before := counter.n.Load()
		f()
		return counter.n.Load() - before
	}
	// What any answered query costs (the database's first connection aside), however small:
	// `{ __typename }` resolves in memory.
	api.query("", "{ __typename }", nil, nil)
	perRequest := statements(func() { api.query("", "{ __typename }", nil, nil) })
	aliases := func(n int, field string) string {
		var b strings.Builder
		b.WriteString("query cop {")
		for i := range n {
			fmt.Fprintf(&b, " alias%d: %s", i, field)
		}
		return b.String() + " }"
	}

	// graphql-cop flags any server answering `alias100` of 101 aliases of __typename. We answer:
	// __typename resolves in memory, and aliases of real fields are bounded by the cost limit
	// (each alias is costed) and the field limit (each alias is a selection).
	t.Run("alias overloading", func(t *testing.T) {
		a := each(t)
		var out map[string]string
		if n := statements(func() { a.query("", aliases(101, "__typename"), nil, &out) }); n != perRequest {
			t.Errorf("101 aliases of __typename ran %d SQL statements, want %d like one", n, perRequest)
		}
		if out["alias100"] != "Query" {
			t.Errorf("alias100 = %q, want Query", out["alias100"])
		}
		// 101 pages of 100 slots: 30,401 > 5,000.
		a.refused(counter, aliases(101, "slots(first: 100) { edges { node { id } } }"), "COMPLEXITY_LIMIT_EXCEEDED")
		// Registrations cost 50 each, so aliases cannot multiply the scarce resource.
		a.refused(counter, "mutation"+strings.TrimPrefix(aliases(100, `register(input: {slotId: "x",
			participant: {firstName: "a", lastName: "b", consent: true, consentVersion: "1"}}) { userErrors { code } }`), "query"),
			"COMPLEXITY_LIMIT_EXCEEDED")
		a.refused(counter, aliases(501, "__typename"), "FIELD_LIMIT_EXCEEDED")
		// The most SQL aliases buy: one statement per aliased root field, each costing 10 more
		// than its fields (a round trip), so 250 of them (3,000) are refused and at most 166
		// (1,992) fit in the anonymous limit of 2,000.
		a.refused(counter, aliases(250, "venues(first: 1) { __typename }"), "COMPLEXITY_LIMIT_EXCEEDED")
		n := statements(func() { a.query("", aliases(166, "venues(first: 1) { __typename }"), nil, nil) }) - perRequest
		if n > 166 {
			t.Errorf("166 aliased root lists ran %d SQL statements, want at most one each", n)
		}
		t.Logf("166 aliases of venues(first: 1): %d SQL statements (and %d for any request)", n, perRequest)
	})

	// graphql-cop sends a JSON array of 11 operations and flags a response of 10+ entries.
	t.Run("batch queries", func(t *testing.T) {
		batch := "[" + strings.Repeat(`{"query": "query cop { __typename }"},`, 10) + `{"query": "query cop { __typename }"}]`
		req, _ := http.NewRequest(http.MethodPost, api.URL+"/graphql", strings.NewReader(batch))
		req.Header.Set("Content-Type", "application/json")
		r, raw := rawSend(t, req) // fails on anything but a JSON object
		if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_REQUEST" || string(r.Data) != "null" {
			t.Errorf("batch: got status %d, %s; want 400 BAD_REQUEST and no data", r.Status, raw)
		}
	})

	// graphql-cop sends `__typename @aa` ten times (flagged at exactly 10 errors), and lately a
	// ladder of 0 to 1,000 `@skip(if:true)` (flagged on a 5xx, or when a rung is 10 times
	// slower than none). Directives count towards the selection limit of 500, so a flood of
	// them is refused before validation (FIELD_LIMIT_EXCEEDED), where each would add an error:
	// before they counted, 4,997 `@aa` in 15 KB got ~10,000 errors and 1.4 MB. A few repeated
	// or unknown directives are validation errors, at most two each, never a 5xx.
	t.Run("directive overloading", func(t *testing.T) {
		a := each(t)
		for q, code := range map[string]string{
			"query cop { __typename" + strings.Repeat(" @aa", 10) + " }":              "GRAPHQL_VALIDATION_FAILED",
			"query cop { __typename" + strings.Repeat(" @skip(if:true)", 499) + " }":  "GRAPHQL_VALIDATION_FAILED",
			"query cop { __typename" + strings.Repeat(" @skip(if:true)", 1000) + " }": "FIELD_LIMIT_EXCEEDED",
			"query cop { __typename" + strings.Repeat(" @aa", 4997) + " }":            "FIELD_LIMIT_EXCEEDED", // 9,999 tokens
		} {
			n := strings.Count(q, "@")
			start := time.Now()
			r := a.refused(counter, q, code)
			if d := time.Since(start); d > 15*time.Second {
				t.Errorf("%d directives refused in %v", n, d)
			}
			if r.Status >= 500 || len(r.Errors) > 2*n {
				t.Errorf("%d directives: status %d, %d errors; want no 5xx and at most 2 errors each", n, r.Status, len(r.Errors))
			}
		}
		a.refused(counter, "query cop { __typename"+strings.Repeat(" @aa", 4998)+" }", "GRAPHQL_PARSE_FAILED")
	})

	// graphql-cop sends 500 copies of `__typename` and flags any answer. 500 is exactly our
	// field limit, which allows up to 500 selections, so it is answered (validating 500 merges
	// costs tens of milliseconds: TestFieldLimitExtension and fieldLimit in limits/limits.go); one more
	// is refused before validation.
	t.Run("field duplication", func(t *testing.T) {
		a := each(t)
		dup := func(n int) string { return "query cop {" + strings.Repeat(" __typename\n", n) + "}" }
		start := time.Now()
		if n := statements(func() { a.query("", dup(500), nil, nil) }); n != perRequest {
			t.Errorf("500 duplicated fields ran %d SQL statements, want %d like one", n, perRequest)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("500 duplicated fields answered in %v", d)
		}
		a.refused(counter, dup(501), "FIELD_LIMIT_EXCEEDED")
		a.refused(counter, dup(1000), "FIELD_LIMIT_EXCEEDED") // its README's "1000+"
	})

	// graphql-cop's circular introspection query, and its circular fragments.
	t.Run("circular introspection", func(t *testing.T) {
		a := each(t)
		a.refused(counter, `query cop { __schema { types { fields { type { fields { type { fields { type { fields { type { name } } } } } } } } } } }`,
			"DEPTH_LIMIT_EXCEEDED")
		a.refused(counter, `query cop { __schema { ...A } } fragment A on __Schema { __typename ...B } fragment B on __Schema { ...A }`,
			"GRAPHQL_VALIDATION_FAILED")
	})

	get := func(t *testing.T, params url.Values, header http.Header) (response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, api.URL+"/graphql?"+params.Encode(), nil)
		for k, v := range header {
			req.Header[k] = v
		}
		return rawSend(t, req)
	}

	// graphql-cop's `mutation {__typename}` over GET (TestHTTPGETMutationsAnswer405 for real
	// mutations).
	t.Run("GET-based mutation", func(t *testing.T) {
		r, raw := get(t, url.Values{"query": {"mutation cop { __typename }"}}, nil)
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" || len(r.Data) != 0 {
			t.Errorf("got status %d, Allow %q, %s; want 405, POST, no data", r.Status, r.Header.Get("Allow"), raw)
		}
	})

	// graphql-cop flags GET queries as a possible CSRF. Allowed on purpose (cacheable reads, the
	// GraphQL over HTTP spec): a GET runs no mutation (above), and there is no ambient
	// credential to forge, since callers authenticate with an Authorization header a
	// cross-site form or link cannot set, and CORS allows no credentials.
	t.Run("GET-based query", func(t *testing.T) {
		r, raw := get(t, url.Values{"query": {"{__typename}"}}, nil)
		if r.Status != http.StatusOK || string(r.Data) != `{"__typename":"Query"}` {
			t.Errorf("got status %d, %s; want 200 with data", r.Status, raw)
		}
	})

	// graphql-cop POSTs `query={__typename}` url-encoded. What a cross-site page can send
	// without a CORS preflight (a form: url-encoded or multipart; fetch: text/plain) is
	// refused before anything runs, a mutation included.
	t.Run("POST url-encoded and multipart (CSRF)", func(t *testing.T) {
		mutation := `mutation { cancelRegistration(input: {token: "x"}) { userErrors { code } } }`
		for name, c := range map[string]struct{ contentType, body string }{
			"url-encoded query":    {"application/x-www-form-urlencoded", url.Values{"query": {"query cop {__typename}"}}.Encode()},
			"url-encoded mutation": {"application/x-www-form-urlencoded", url.Values{"query": {mutation}}.Encode()},
			"multipart":            {"multipart/form-data; boundary=cop", "--cop\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\": \"" + mutation + "\"}\r\n--cop--\r\n"},
			"text/plain JSON":      {"text/plain", `{"query": "` + mutation + `"}`},
		} {
			req, _ := http.NewRequest(http.MethodPost, api.URL+"/graphql", strings.NewReader(c.body))
			req.Header.Set("Content-Type", c.contentType)
			var r response
			var raw []byte
			if n := statements(func() { r, raw = rawSend(t, req) }); n != 0 {
				t.Errorf("%s: %d SQL statements ran", name, n)
			}
			if r.Status != http.StatusUnsupportedMediaType || len(r.Errors) == 0 || r.Errors[0].Code() != "UNSUPPORTED_MEDIA_TYPE" ||
				len(r.Data) > 0 && string(r.Data) != "null" {
				t.Errorf("%s: got status %d, %s; want 415 UNSUPPORTED_MEDIA_TYPE and no data", name, r.Status, raw)
			}
		}
	})

	// graphql-cop's trace mode: `tracing` (Apollo tracing), `exception` or a stack trace in a
	// response, with its debug header set, and the switches servers commonly read. Errors
	// carry only their code (and the request id when masked); the response's own extensions
	// only the query cost.
	t.Run("trace and debug mode", func(t *testing.T) {
		debug := http.Header{"X-Graphql-Cop-Test": {"Trace Mode"}, "X-Debug": {"1"}, "X-Apollo-Tracing": {"1"}}
		leaks := func(what string, r response, raw []byte) {
			t.Helper()
			body := strings.ToLower(string(raw))
			for _, s := range []string{`"tracing"`, `"exception"`, "stacktrace", "goroutine", ".go:", `"debug"`, `"ftv1"`} {
				if strings.Contains(body, s) {
					t.Errorf("%s: the response holds %s: %s", what, s, raw)
				}
			}
			var top struct{ Extensions map[string]any }
			if err := json.Unmarshal(raw, &top); err != nil {
				t.Fatal(err)
			}
			for k := range top.Extensions {
				if k != "cost" {
					t.Errorf("%s: response extension %q: %s", what, k, raw)
				}
			}
			for _, e := range r.Errors {
				for k := range e.Extensions {
					if k != "code" && k != "requestId" {
						t.Errorf("%s: error extension %q: %s", what, k, raw)
					}
				}
			}
		}
		r, raw := get(t, url.Values{"query": {"query cop { __typename }"}, "debug": {"true"}, "trace": {"1"}}, debug)
		leaks("GET with debug switches", r, raw)
		body := `{"query": "query cop { __typename }", "extensions": {"tracing": true, "debug": true}}`
		for _, q := range []string{body, `{"query": "qwerty cop { abc }"}`, `{"query": "query cop { abc }"}`} {
			req, _ := http.NewRequest(http.MethodPost, api.URL+"/graphql?debug=true", strings.NewReader(q))
			req.Header = debug.Clone()
			req.Header.Set("Content-Type", "application/json")
			r, raw := rawSend(t, req)
			leaks(q, r, raw)
		}
	})

	// graphql-cop's unhandled error detection (`qwerty cop { abc }`: no `exception`), and the
	// errors it cannot see: a resolver's database error is masked, with no SQL, driver text or
	// stack (the cases of TestErrorCodes, on a database whose venues table is gone).
	t.Run("exception leaks", func(t *testing.T) {
		r, raw := rawPost(t, api, "", "qwerty cop { abc }", nil)
		if len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_PARSE_FAILED" || strings.Contains(string(raw), "exception") {
			t.Errorf("got %s, want GRAPHQL_PARSE_FAILED alone", raw)
		}
		broken := newTestAPI(t)
		dropVenues(t, broken)
		r, raw = rawPost(t, broken, "", `{ venues { edges { node { name } } } }`, nil)
		if len(r.Errors) != 1 || r.Errors[0].Code() != "INTERNAL_SERVER_ERROR" {
			t.Fatalf("got %s, want INTERNAL_SERVER_ERROR", raw)
		}
		if leak := driverText(raw); leak != "" {
			t.Errorf("the masked error holds %q: %s", leak, raw)
		}
	})

	// graphql-cop flags `Did you mean` suggestions as an information leak. The API turns them
	// off only when introspection is off: here introspection is on (the schema is the public
	// contract, GraphiQL its documentation), so a suggestion reveals nothing introspection does
	// not. If introspection is ever turned off, this fails: turn suggestions off with it.
	t.Run("field suggestions follow introspection", func(t *testing.T) {
		a := each(t)
		var schema struct {
			Schema struct{ QueryType struct{ Name string } } `json:"__schema"`
		}
		introspection := statements(func() { a.query("", `{ __schema { queryType { name } } }`, nil, &schema) })
		r := a.refused(counter, `query cop { __schema { directive } }`, "GRAPHQL_VALIDATION_FAILED")
		suggests := strings.Contains(r.Errors[0].Message, "Did you mean")
		if on := schema.Schema.QueryType.Name == "Query"; suggests != on {
			t.Errorf("suggestions %t (%q) while introspection is %t: want both on or both off", suggests, r.Errors[0].Message, on)
		}
		if introspection != perRequest {
			t.Errorf("introspection ran %d SQL statements, want %d like any query", introspection, perRequest)
		}
	})

	// graphql-cop looks for an IDE at /graphiql, /playground, /console and /graphql. Ours is
	// GraphiQL at / on purpose (the documentation of a public schema): nothing else serves one.
	t.Run("GraphQL IDE", func(t *testing.T) {
		for _, path := range []string{"/graphiql", "/playground", "/console", "/graphql"} {
			req, _ := http.NewRequest(http.MethodGet, api.URL+path, nil)
			req.Header.Set("Accept", "text/html")
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			page, err := io.ReadAll(res.Body)
			res.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			for _, word := range []string{"graphiql.min.css", "GraphQL Playground", "GraphiQL", "graphql-playground"} {
				if strings.Contains(string(page), word) {
					t.Errorf("GET %s serves an IDE (%q)", path, word)
				}
			}
		}
	})
}
