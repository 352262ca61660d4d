package main

import (
	"io"
	"mime"
	"net/http"
	neturl "net/url"
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
	get := func(key string, params neturl.Values) response {
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
	for name, params := range map[string]neturl.Values{
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

	for name, params := range map[string]neturl.Values{
		"a query":                      {"query": {`{ viewer { isAnonymous } }`}},
		"a query selected by its name": {"query": {both}, "operationName": {"Viewer"}},
	} {
		r := get("", params)
		if r.Status != http.StatusOK || len(r.Errors) != 0 || string(r.Data) != `{"viewer":{"isAnonymous":true}}` {
			t.Errorf("GET %s: got status %d, data %s, errors %+v; want 200 with data", name, r.Status, r.Data, r.Errors)
		}
	}
	// What does not parse is gqlgen's to answer (a parse error), whatever word it starts with.
	r := get("", neturl.Values{"query": {`mutation { cancelRegistration(`}})
	if r.Status == http.StatusMethodNotAllowed || len(r.Errors) == 0 || r.Errors[0].Code() != "GRAPHQL_PARSE_FAILED" {
		t.Errorf("GET with a query that does not parse: got status %d, errors %+v; want gqlgen's GRAPHQL_PARSE_FAILED", r.Status, r.Errors)
	}
}

func TestHTTPCORSAllowsOnlyConfiguredOrigins(t *testing.T) {
	t.Parallel()
	configured := newTestAPI(t)
	unset := newTestAPIWith(t, map[string]string{"CORS_ALLOWED_ORIGINS": ""}) // the default: no browser origin
	for _, c := range []struct {
		name    string
		a       *testAPI
		origin  string
		allowed bool
	}{
		{"configured", configured, siteOrigin, true},
		{"configured", configured, "https://evil.example", false},
		{"unset", unset, siteOrigin, false},
		{"unset", unset, "https://evil.example", false},
	} {
		preflight, _ := http.NewRequest(http.MethodOptions, c.a.URL+"/graphql", nil)
		preflight.Header.Set("Access-Control-Request-Method", "POST")
		// As browsers send it (Fetch spec): lowercased, sorted, no spaces.
		preflight.Header.Set("Access-Control-Request-Headers", "authorization,content-type,idempotency-key")
		simple, _ := http.NewRequest(http.MethodGet, c.a.URL+"/graphql?query=%7B__typename%7D", nil)
		for kind, req := range map[string]*http.Request{"preflight": preflight, "GET": simple} {
			req.Header.Set("Origin", c.origin)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			got := res.Header.Get("Access-Control-Allow-Origin")
			if c.allowed && got != c.origin || !c.allowed && got != "" {
				t.Errorf("origins %s, %s from %s: Access-Control-Allow-Origin %q", c.name, kind, c.origin, got)
			}
			if res.Header.Get("Access-Control-Allow-Credentials") != "" {
				t.Errorf("origins %s, %s from %s allows credentials", c.name, kind, c.origin)
			}
		}
	}
}

// Every refusal the server makes itself has one shape: a GraphQL error body with a code, in
// the media type the client accepts, like gqlgen's own answers.
func TestHTTPEveryRefusalHasACodeAndHonoursAccept(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	query := `{"query": "{ __typename }"}`
	for _, c := range []struct {
		name, method, contentType, auth, body string
		status                                int
		code                                  string
	}{
		{"PUT", http.MethodPut, "application/json", "", query, 405, "METHOD_NOT_ALLOWED"},
		{"DELETE", http.MethodDelete, "", "", "", 405, "METHOD_NOT_ALLOWED"},
		{"PATCH", http.MethodPatch, "application/json", "", query, 405, "METHOD_NOT_ALLOWED"},
		{"unknown key", http.MethodPost, "application/json", "Bearer ateliers_not-a-key", query, 401, "UNAUTHENTICATED"},
		{"malformed Authorization", http.MethodPost, "application/json", "Basic eDp5", query, 401, "UNAUTHENTICATED"},
		{"form body", http.MethodPost, "application/x-www-form-urlencoded", "", "query=%7B__typename%7D", 415, "UNSUPPORTED_MEDIA_TYPE"},
		{"body over the limit", http.MethodPost, "application/json", "", `{"query": "` + strings.Repeat(" ", 70<<10) + `{ __typename }"}`, 413, "REQUEST_TOO_LARGE"},
		{"GET mutation", http.MethodGet, "", "", "", 405, "METHOD_NOT_ALLOWED"},
		{"document that does not parse", http.MethodPost, "application/json", "", `{"query": "{"}`, 0, "GRAPHQL_PARSE_FAILED"},
	} {
		for _, accept := range []string{"", "application/json", "application/graphql-response+json", "application/graphql-response+json, application/json;q=0.9"} {
			url := a.URL + "/graphql"
			if c.name == "GET mutation" {
				url += "?query=" + neturl.QueryEscape(`mutation { cancelRegistration(input: {token: "x"}) { userErrors { code } } }`)
			}
			req, _ := http.NewRequest(c.method, url, strings.NewReader(c.body))
			if c.contentType != "" {
				req.Header.Set("Content-Type", c.contentType)
			}
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			if accept != "" {
				req.Header.Set("Accept", accept)
			}
			r := a.send(req)
			wantType := "application/json"
			if strings.HasPrefix(accept, "application/graphql-response+json") {
				wantType = "application/graphql-response+json"
			}
			if got, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); got != wantType {
				t.Errorf("%s, Accept %q: Content-Type %q, want %s", c.name, accept, got, wantType)
			}
			if c.status != 0 && r.Status != c.status || len(r.Errors) != 1 || r.Errors[0].Code() != c.code {
				t.Errorf("%s, Accept %q: got status %d, errors %+v; want %d and %s", c.name, accept, r.Status, r.Errors, c.status, c.code)
			}
			if r.Status == http.StatusMethodNotAllowed && r.Header.Get("Allow") == "" {
				t.Errorf("%s: 405 without Allow", c.name)
			}
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
