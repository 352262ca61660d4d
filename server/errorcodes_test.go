package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestErrorCodes: every stable code of the README's error table, one case each, as a client gets it through
// real HTTP, with the HTTP status it comes with today. THROTTLED, TIMEOUT and
// SERVICE_UNAVAILABLE have tests of their own. Not parallel: it captures the server's log.
func TestErrorCodes(t *testing.T) {
	logs := captureLogs(t)
	a := newTestAPI(t)
	_, hostKey := a.host("regie-stains")
	_, partnerKey := a.org("partenaire") // no scope
	broken := newTestAPI(t)
	dropVenues(t, broken)

	post := func(a *testAPI, key, query string, vars map[string]any) func() *http.Request {
		return func() *http.Request { return graphqlRequest(a.URL, key, query, vars) }
	}
	createVenue := `mutation { createVenue(input: {name: "Lieu", streetAddress: "1 rue Carnot", postalCode: "93240", city: "Stains"}) { venue { id } } }`
	deepVenues := `{ venues(first: 100) { edges { node { slots(first: 100) { edges { node { venue { slots(first: 100) { edges { node { id } } } } } } } } } } }`

	for _, c := range []struct {
		code      string
		status    int  // what the API answers today
		userError bool // a userError in the payload rather than an entry of errors
		req       func() *http.Request
	}{
		{"GRAPHQL_PARSE_FAILED", 422, false, post(a, "", `{ viewer {`, nil)},
		{"GRAPHQL_VALIDATION_FAILED", 422, false, post(a, "", `{ nope }`, nil)},
		{"DEPTH_LIMIT_EXCEEDED", 422, false, post(a, "", deepQuery(11), nil)},
		{"COMPLEXITY_LIMIT_EXCEEDED", 422, false, post(a, "", deepVenues, nil)},
		{"FIELD_LIMIT_EXCEEDED", 422, false, post(a, "", "{"+strings.Repeat(" __typename", 501)+" }", nil)},
		{"UNAUTHENTICATED", 200, false, post(a, "", createVenue, nil)}, // anonymous where a key is needed
		{"FORBIDDEN", 200, false, post(a, partnerKey, createVenue, nil)},
		// Not found is a business answer: a userError, never an error, for every mutation.
		{"NOT_FOUND", 200, true, post(a, "", `mutation { cancelRegistration(input: {token: "nope"}) { userErrors { field message code } } }`, nil)},
		{"BAD_USER_INPUT", 200, false, post(a, "", `{ venues(after: "garbage") { edges { cursor } } }`, nil)},
		// A scalar refused while its variable is coerced: a validation error, like any other
		// coercion failure, before anything runs.
		{"GRAPHQL_VALIDATION_FAILED", 422, false, post(a, hostKey, `mutation($p: PhoneNumber) { createVenue(input: {name: "Lieu",
			streetAddress: "1 rue Carnot", postalCode: "93240", city: "Stains", phone: $p}) { venue { id } } }`, map[string]any{"p": "12345"})},
		{"INTERNAL_SERVER_ERROR", 200, false, func() *http.Request {
			req := post(broken, "", `{ venues { edges { node { name } } } }`, nil)()
			req.Header.Set("X-Request-Id", "errorcodes-internal-1")
			return req
		}},
		// Refused by the HTTP layer, before GraphQL.
		{"UNAUTHENTICATED", 401, false, post(a, "ateliers_unknown", `{ viewer { isAnonymous } }`, nil)},
		{"REQUEST_TOO_LARGE", 413, false, post(a, "", `{ viewer { isAnonymous } }`+strings.Repeat(" ", 70<<10), nil)},
		{"BAD_REQUEST", 400, false, func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", strings.NewReader(`[{"query": "{ __typename }"}]`))
			req.Header.Set("Content-Type", "application/json")
			return req
		}},
		{"UNSUPPORTED_MEDIA_TYPE", 415, false, func() *http.Request {
			req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", strings.NewReader(`query={__typename}`))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			return req
		}},
		{"METHOD_NOT_ALLOWED", 405, false, func() *http.Request {
			req, _ := http.NewRequest(http.MethodGet, a.URL+"/graphql?"+url.Values{"query": {createVenue}}.Encode(), nil)
			return req
		}},
	} {
		r, raw := rawSend(t, c.req())
		got := ""
		if c.userError {
			var data map[string]struct{ UserErrors []userError }
			if err := json.Unmarshal(r.Data, &data); err != nil {
				t.Fatalf("%s: decode data %s: %v", c.code, r.Data, err)
			}
			for _, payload := range data {
				if len(payload.UserErrors) > 0 {
					got = payload.UserErrors[0].Code
				}
			}
			if len(r.Errors) > 0 {
				t.Errorf("%s: want no errors beside the userError, got %s", c.code, raw)
			}
		} else if len(r.Errors) > 0 {
			got = r.Errors[0].Code()
		}
		if got != c.code || r.Status != c.status {
			t.Errorf("%s: got status %d, code %q (%s); want status %d, code %s", c.code, r.Status, got, raw, c.status, c.code)
		}
		if leak := driverText(raw); leak != "" {
			t.Errorf("%s: the response holds %q: %s", c.code, leak, raw)
		}
	}

	// The internal error is masked, named by its request id, and logged with its cause under
	// the same id.
	r, raw := rawSend(t, post(broken, "", `{ venues { edges { node { name } } } }`, nil)())
	id := r.Header.Get("X-Request-Id")
	if len(r.Errors) != 1 || r.Errors[0].Message != "internal error (request "+id+")" || r.Errors[0].Extensions["requestId"] != id {
		t.Errorf("internal error: got %s with X-Request-Id %q; want the masked message and requestId naming it", raw, id)
	}
	out := logs.String()
	for _, want := range []string{
		`msg="internal error" request_id=` + id + ` err=`, // the cause, logged
		`msg=request request_id=` + id + ` method=POST path=/graphql status=200`,
		`msg="internal error" request_id=errorcodes-internal-1 `, // a client's sane X-Request-Id is kept
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the log has no line with %q:\n%s", want, out)
		}
	}
	if !strings.Contains(out, "venues") {
		t.Errorf("the logged cause does not name the failing relation:\n%s", out)
	}
}

// A partner's key that lacks a scope is told which one, whoever owns the object it names:
// "belongs to another organisation" sent partners looking for the wrong mistake.
func TestForbiddenNamesTheMissingScopeFirst(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostKey, slot := a.bookable("regie-stains", 4)
	workshop, venue := a.workshop(hostKey, nil), a.venue(hostKey, nil)
	_, partnerKey := a.org("france-travail", "REGISTRATIONS_WRITE")
	for name, c := range map[string]struct {
		doc string
		in  map[string]any
	}{
		"scheduleSlot on the host's workshop": {catScheduleSlot, map[string]any{"workshopId": workshop, "venueId": venue, "startsAt": "2032-06-03T14:00", "capacity": 8}},
		"updateSlot on the host's slot":       {catUpdateSlot, map[string]any{"id": slot, "capacity": 9}},
	} {
		r := a.post(partnerKey, c.doc, map[string]any{"in": c.in})
		if len(r.Errors) != 1 || r.Errors[0].Code() != "FORBIDDEN" || !strings.Contains(r.Errors[0].Message, "lacks the CATALOGUE_WRITE scope") {
			t.Errorf("%s: got errors %+v, want FORBIDDEN naming CATALOGUE_WRITE", name, r.Errors)
		}
	}
}
