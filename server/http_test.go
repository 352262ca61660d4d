package main

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// What the HTTP layer owes every client: bodies are bounded (413, declared or chunked), a body
// that is not one JSON operation gets a clear error that never quotes it back, and CORS allows
// only the configured origins.
func TestHTTPRequestBodies(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	post := func(body io.Reader, chunked bool) response {
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", body)
		req.Header.Set("Content-Type", "application/json")
		if chunked {
			req.ContentLength = -1 // sent with Transfer-Encoding: chunked
		}
		return a.send(req)
	}
	big := `{"query": "{ viewer { isAnonymous } }", "pad": "` + strings.Repeat("x", 70<<10) + `"}`
	for name, chunked := range map[string]bool{"declared length": false, "chunked": true} {
		if r := post(strings.NewReader(big), chunked); r.Status != http.StatusRequestEntityTooLarge {
			t.Errorf("%s body of 70 KiB: got status %d, want 413", name, r.Status)
		}
	}
	secret := "0612345678-secret"
	for name, body := range map[string]string{
		"truncated JSON": `{"query": "` + secret,
		"JSON array":     `[{"query": "{ viewer { isAnonymous } }"}, {"query": "` + secret + `"}]`,
	} {
		r := post(strings.NewReader(body), false)
		if r.Status != http.StatusBadRequest || len(r.Errors) != 1 || r.Errors[0].Code() != "BAD_REQUEST" {
			t.Errorf("%s: got status %d errors %+v, want 400 BAD_REQUEST", name, r.Status, r.Errors)
		}
		if len(r.Errors) > 0 && strings.Contains(r.Errors[0].Message, secret) {
			t.Errorf("%s: the error quotes the request body: %q", name, r.Errors[0].Message)
		}
	}
}

// GET may run queries, never mutations: a GET whose selected operation is a mutation answers
// 405 with `Allow: POST` (GraphQL over HTTP) and changes nothing, whoever calls.
func TestHTTPGETMutationsAnswer405(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	get := func(key string, params url.Values) response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, a.URL+"/graphql?"+params.Encode(), nil)
		if key != "" {
			req.Header.Set("Authorization", "Bearer "+key)
		}
		return a.send(req)
	}
	create := `mutation Create { createWorkshop(input: {title: "CV", topics: [CV_AND_JOB_SEARCH], durationMinutes: 60}) { workshop { id } userErrors { code } } }`
	cancel := `mutation { cancelRegistration(input: {token: "x"}) { userErrors { code } } }`
	both := `query Viewer { viewer { isAnonymous } } ` + create
	for name, params := range map[string]url.Values{
		"the only operation":        {"query": {cancel}},
		"selected by operationName": {"query": {both}, "operationName": {"Create"}},
		"with variables":            {"query": {cancel}, "variables": {`{}`}},
	} {
		for _, k := range []string{"", key} {
			r := get(k, params)
			if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != "POST" ||
				len(r.Errors) != 1 || r.Errors[0].Code() != "METHOD_NOT_ALLOWED" {
				t.Errorf("GET mutation, %s (key %t): got status %d, Allow %q, errors %+v; want 405, POST, METHOD_NOT_ALLOWED",
					name, k != "", r.Status, r.Header.Get("Allow"), r.Errors)
			}
		}
	}
	var out struct{ Workshops struct{ Edges []any } }
	a.query(key, `{ workshops { edges { node { id } } } }`, nil, &out)
	if len(out.Workshops.Edges) != 0 {
		t.Errorf("a refused GET mutation created %d workshops", len(out.Workshops.Edges))
	}

	for name, params := range map[string]url.Values{
		"a query":                      {"query": {`{ viewer { isAnonymous } }`}},
		"a query selected by its name": {"query": {both}, "operationName": {"Viewer"}},
	} {
		r := get("", params)
		if r.Status != http.StatusOK || len(r.Errors) != 0 || string(r.Data) != `{"viewer":{"isAnonymous":true}}` {
			t.Errorf("GET %s: got status %d, data %s, errors %+v; want 200 with data", name, r.Status, r.Data, r.Errors)
		}
	}
	// What does not parse is gqlgen's to answer (a parse error), whatever word it starts with.
	r := get("", url.Values{"query": {`mutation { cancelRegistration(`}})
	if r.Status == http.StatusMethodNotAllowed || len(r.Errors) == 0 || r.Errors[0].Code() != "GRAPHQL_PARSE_FAILED" {
		t.Errorf("GET with a query that does not parse: got status %d, errors %+v; want gqlgen's GRAPHQL_PARSE_FAILED", r.Status, r.Errors)
	}
}

func TestHTTPCORSAllowsOnlyConfiguredOrigins(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	for origin, allowed := range map[string]bool{siteOrigin: true, "https://evil.example": false} {
		req, _ := http.NewRequest(http.MethodOptions, a.URL+"/graphql", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		// As browsers send it (Fetch spec): lowercased, sorted, no spaces.
		req.Header.Set("Access-Control-Request-Headers", "authorization,content-type,idempotency-key")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		got := res.Header.Get("Access-Control-Allow-Origin")
		if allowed && got != origin || !allowed && got != "" {
			t.Errorf("preflight from %s: Access-Control-Allow-Origin %q", origin, got)
		}
		if res.Header.Get("Access-Control-Allow-Credentials") != "" {
			t.Errorf("preflight from %s allows credentials", origin)
		}
	}
}

// A field with a default in the schema may still be sent as an explicit null: it then takes
// its default rather than failing.
func TestCatalogueExplicitNullsTakeTheDefault(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	var out struct {
		CreateWorkshop struct {
			Workshop struct {
				Level, Status string
				Languages     []string
			}
			UserErrors []userError
		}
	}
	a.query(key, `mutation { createWorkshop(input: {title: "CV", topics: [CV_AND_JOB_SEARCH], durationMinutes: 60,
		level: null, status: null, languages: null}) { workshop { level status languages } userErrors { code } } }`, nil, &out)
	w := out.CreateWorkshop.Workshop
	if w.Level != "BEGINNER" || w.Status != "DRAFT" || len(w.Languages) != 1 || w.Languages[0] != "fr" {
		t.Errorf("got %+v (userErrors %v), want BEGINNER, DRAFT, [fr]", w, out.CreateWorkshop.UserErrors)
	}
}

// Cursors of every list are checked before they reach SQL.
func TestTamperedCursorsAreRefusedOnEveryList(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	nul := "VmVudWV8MXwA" // base64url of "Venue|1|\x00"
	for list, cursor := range map[string]string{"venues": nul, "workshops": "V29ya3Nob3B8MXz_", "organisations": "garbage", "programmes": nul} {
		if got := a.errorCode("", `query($c: String) { `+list+`(after: $c) { edges { cursor } } }`, map[string]any{"c": cursor}); got != "BAD_USER_INPUT" {
			t.Errorf("%s with a tampered cursor: got %s, want BAD_USER_INPUT", list, got)
		}
	}
}

// A small query that would nest connections into millions of rows is refused before it runs.
func TestNestedConnectionsAreCostedByPageSize(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	deep := `{ venues(first: 100) { edges { node { slots(first: 100) { edges { node { venue { slots(first: 100) { edges { node { id } } } } } } } } } } }`
	if got := a.errorCode("", deep, nil); got != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("got %s, want COMPLEXITY_LIMIT_EXCEEDED", got)
	}
	a.query("", `{ slots(first: 100) { edges { node { id seatsLeft workshop { title } venue { name } } } } }`, nil, nil)
}
