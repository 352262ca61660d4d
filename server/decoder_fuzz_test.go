package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/regiestains/ateliers/db/dbtest"
)

// fuzzMarker replaces "MARKER" in a fuzzed body: it stands for a value a client sends (a phone
// number, a name) and must never come back, in the response or in the log. It cannot be a
// GraphQL name (the dashes), so no field or alias of a valid query can legitimately echo it.
const fuzzMarker = "zq-5e1f-0612-qz"

// FuzzRequestBody sends raw POST bodies, under several content types, through the real
// handler (middleware, limits, gqlgen, resolvers, error presenter, on a real database): the
// answer is never a 5xx nor a panic, always a JSON object with `errors` or `data`, and no value
// from the request is ever quoted back, in the response or the log.
func FuzzRequestBody(f *testing.F) {
	url := dbtest.NewDatabase(f)
	settings := map[string]string{"DATABASE_URL": url}
	for k, v := range roomyBudgets {
		settings[k] = v
	}
	c, err := loadConfig(func(k string) string { return settings[k] })
	if err != nil {
		f.Fatal(err)
	}
	pool, err := openDatabase(context.Background(), c)
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(pool.Close)
	h := newHandler(c, pool, nil, nil, nil) // called directly: no socket, one handler for every input

	logs := captureLogs(f)

	const js = "application/json"
	for _, seed := range []struct{ contentType, body string }{
		{js, `{"query": "{ __typename }"}`},
		{js, `{"query": "query($p: PhoneNumber) { __typename }", "variables": {"p": "MARKER"}}`},
		{js, `{"query": "{ venues(after: \"MARKER\") { edges { cursor node { name } } } }"}`},
		{js, `{"query": "{ node(id: \"MARKER\") { id } }"}`},
		{js, `{"query": "query A { __typename }", "operationName": "MARKER"}`},
		{js, `{"query": "{ slots(first: 99999999999999999999) { edges { cursor } } }"}`},
		{js, `{"query": "query($n: Int) { slots(first: $n) { edges { cursor } } }", "variables": {"n": 1e400}}`},
		{js, `{"query": "query($n: Int) { slots(first: $n) { edges { cursor } } }", "variables": {"n": -9223372036854775809}}`},
		{js, `{"query": "mutation($in: RegisterInput!) { register(input: $in) { userErrors { code } } }",
			"variables": {"in": {"slotId": "MARKER", "participant": {"firstName": "MARKER", "lastName": {"a": [1, {"b": "MARKER"}]},
			"phone": "MARKER", "consent": "MARKER", "consentVersion": ["MARKER"]}}}}`},
		{js, `{"query": "mutation { cancelRegistration(input: {token: \"MARKER\"}) { userErrors { code } } }"}`},
		{js, `{"query": "{ slots(filter: {postalCode: \"MARKER\"}) { edges { cursor } } }"}`},
		{js, `{"query": "{ __typename }", "variables": {"MARKER": "MARKER"}, "extensions": {"persistedQuery": {"version": 1, "sha256Hash": "MARKER"}}}`},
		{js, `{"query": "{ __typename }", "variables": ` + strings.Repeat(`{"a": [`, 300) + `"MARKER"` + strings.Repeat(`]}`, 300) + `}`},
		{js, `{"query": "{ __typename`},
		{js, `{"query": "MARKER`},
		{js, `{"query": "{ __typename }", "variables": "MARKER"}`},
		{js, `[{"query": "{ __typename }"}, {"query": "MARKER"}]`},
		{js, "{\"query\": \"{ __typename } \xff\xfe MARKER\"}"},
		{js, "{\"query\": \"{ venues(after: \\\"\xc3\x28MARKER\\\") { edges { cursor } } }\"}"},
		{js, `{"query": "{ __typename }", "query": "MARKER"}`},
		{js, `{"query": {"MARKER": 1}}`},
		{js, `null`},
		{js, ``},
		{js, `MARKER`},
		{"application/json; charset=utf-8", `{"query": "query { viewer { isAnonymous } }"}`},
		{"application/graphql", `{ __typename } MARKER`},
		{"application/x-www-form-urlencoded", `query=%7B__typename%7D&variables=MARKER`},
		{"multipart/form-data; boundary=b", "--b\r\nContent-Disposition: form-data; name=\"operations\"\r\n\r\n{\"query\": \"MARKER\"}\r\n--b--\r\n"},
		{"text/plain", `{"query": "{ __typename }", "variables": {"p": "MARKER"}}`},
		{"", `{"query": "{ __typename }"}`},
	} {
		f.Add(seed.contentType, []byte(seed.body))
	}

	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		body = bytes.ReplaceAll(body, []byte("MARKER"), []byte(fuzzMarker))
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		logs.mu.Lock()
		logs.buf.Reset()
		logs.mu.Unlock()
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)

		out := rec.Body.Bytes()
		if rec.Code >= 500 {
			t.Errorf("status %d: %s", rec.Code, out)
		}
		var r map[string]json.RawMessage
		if err := json.Unmarshal(out, &r); err != nil {
			t.Fatalf("status %d, not a JSON object (%v): %q", rec.Code, err, out)
		}
		if _, ok := r["errors"]; !ok {
			if _, ok := r["data"]; !ok {
				t.Errorf("status %d, neither errors nor data: %s", rec.Code, out)
			}
		}
		if bytes.Contains(body, []byte(fuzzMarker)) {
			if bytes.Contains(out, []byte(fuzzMarker)) {
				t.Errorf("the response quotes the request: %s", out)
			}
			if strings.Contains(logs.String(), fuzzMarker) {
				t.Errorf("the log quotes the request:\n%s", logs.String())
			}
		}
	})
}
