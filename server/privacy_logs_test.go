package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// messagesIn returns every "message" string of a JSON body: errors and userErrors alike.
func messagesIn(raw []byte) []string {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return []string{string(raw)}
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "message" {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// TestPrivacyNeverInLogsOrErrorMessages runs a scenario full of personal data, refusals and
// errors, with the server's log captured; no sentinel may appear in the log, in any error
// message, or anywhere in the body of a refusal. Not parallel: it swaps the default logger.
func TestPrivacyNeverInLogsOrErrorMessages(t *testing.T) {
	logs := captureLogs(t)
	a := newTestAPI(t)
	hostKey, slot := a.bookable("host", 1)
	catalogueOnly := anotherKey(t, a, globalID("Organisation", orgID(t, a, "host")), db.ScopeCatalogueWrite)
	_, referrer := a.org("referrer", db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite)
	_, other := a.org("other", db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite)
	zeb := zebulon()

	requests := 0
	// refusal: the whole body must be free of personal data; any body: its messages must be.
	type answer struct {
		label   string
		raw     []byte
		refusal bool
	}
	var answers []answer
	call := func(label, key, query string, vars map[string]any, refusal bool) (response, []byte) {
		t.Helper()
		r, raw := rawPost(t, a, key, query, vars)
		requests++
		answers = append(answers, answer{label, raw, refusal})
		return r, raw
	}
	register := func(label, key string, in map[string]any, refusal bool) privacyRegistered {
		t.Helper()
		r, raw := call(label, key, privacyRegisterDoc, map[string]any{"in": in}, refusal)
		var out privacyRegistered
		if len(r.Errors) > 0 || unmarshalData(r.Data, &out) != nil {
			t.Fatalf("%s: %s", label, raw)
		}
		return out
	}
	wantCode := func(label string, got privacyRegistered, code string) {
		t.Helper()
		if len(got.Register.UserErrors) == 0 || got.Register.UserErrors[0].Code != code {
			t.Errorf("%s: want %s, got %+v", label, code, got.Register.UserErrors)
		}
	}
	withParticipant := func(changes map[string]any) map[string]any {
		p := zebulonInput()
		for k, v := range changes {
			p[k] = v
		}
		return map[string]any{"slotId": slot, "participant": p}
	}

	// A partner's referral: Zébulon takes the only seat.
	in := withParticipant(nil)
	in["referral"], in["priorityReason"] = zebulonReferral(), "PRIO-SECRET-7731"
	first := register("referral", referrer, in, false)
	if first.Register.Registration == nil || first.Register.ManageToken == nil {
		t.Fatalf("the referral is refused: %+v", first.Register.UserErrors)
	}
	token, regID := *first.Register.ManageToken, first.Register.Registration.ID

	// Refusals with the person's data in the input.
	// The slot is full: joinWaitlist takes the requests to the insert, where the person is found.
	in["idempotencyKey"], in["joinWaitlist"] = "privacy-retry-key-0001", true
	wantCode("the same person again, by the partner", register("again by the partner", referrer, in, true), "ALREADY_REGISTERED")
	again := withParticipant(map[string]any{"email": nil})
	again["joinWaitlist"] = true
	wantCode("the same person again, by the public", register("again by the public", "", again, true), "ALREADY_REGISTERED")
	wantCode("phone with a digit too many", register("invalid phone", "", withParticipant(map[string]any{"phone": "06 98 76 54 32 1"}), true), "INVALID_PHONE")
	wantCode("phone with letters", register("invalid phone letters", "", withParticipant(map[string]any{"phone": "0698765432zebulon"}), true), "INVALID_PHONE")
	wantCode("invalid email", register("invalid email", "", withParticipant(map[string]any{"email": "zebulon.sentinelle@@example.fr"}), true), "INVALID_EMAIL")
	wantCode("no consent", register("no consent", "", withParticipant(map[string]any{"consent": false, "phone": "06 98 76 54 33", "email": nil}), true), "CONSENT_REQUIRED")
	wantCode("full slot", register("full", "", withParticipant(map[string]any{"phone": "06 98 76 54 34", "email": nil}), true), "SLOT_FULL")
	// A name PostgreSQL cannot store (a NUL byte): whatever the answer, the log must not quote it.
	nul := withParticipant(map[string]any{"firstName": "Zébulon\x00", "phone": "06 98 76 54 35", "email": nil})
	nul["joinWaitlist"] = true
	call("NUL in the name", "", privacyRegisterDoc, map[string]any{"in": nul}, true)
	// Forbidden and unauthenticated paths to the person.
	call("node by another partner", other, `query($id: ID!) { node(id: $id) { ...R } } `+regFields, map[string]any{"id": regID}, true)
	call("slot registrations by a catalogue key", catalogueOnly,
		`query($s: ID!) { node(id: $s) { ... on Slot { registrations { edges { node { ...R } } } } } } `+regFields, map[string]any{"s": slot}, true)
	call("referrals by the public", "", `{ referrals { edges { node { ...R } } } } `+regFields, nil, true)
	call("cancel by another partner", other, `mutation($in: CancelRegistrationInput!) { cancelRegistration(input: $in) {
		registration { ...R } userErrors { field message code } } } `+regFields,
		map[string]any{"in": map[string]any{"id": regID, "reason": zebulonCancellation}}, true)
	// Reads allowed to see the person: their data is in the body, never in the log.
	call("the host reads the slot", hostKey,
		`query($s: ID!) { node(id: $s) { ... on Slot { registrations { edges { node { ...R } } } } } } `+regFields, map[string]any{"s": slot}, false)
	call("the partner lists its referrals", referrer, `{ referrals { edges { node { ...R } } } } `+regFields, nil, false)
	// The person cancels with the token, then uses the cancelled token again.
	cancel := `mutation($in: CancelRegistrationInput!) { cancelRegistration(input: $in) {
		registration { ...R } userErrors { field message code } } } ` + regFields
	call("cancel by token", "", cancel, map[string]any{"in": map[string]any{"token": token, "reason": zebulonCancellation}}, false)
	r, raw := call("cancel again with the cancelled token", "", cancel,
		map[string]any{"in": map[string]any{"token": token, "reason": zebulonCancellation}}, true)
	if !strings.Contains(string(raw), "ALREADY_CANCELLED") {
		t.Errorf("a cancelled token cancels again: %s (%+v)", raw, r.Errors)
	}
	call("the cancelled token opens the registration", "", `query($t: String!) { registrationByToken(token: $t) { ...R } } `+regFields,
		map[string]any{"t": token}, false)
	call("cancel with a wrong token", "", cancel, map[string]any{"in": map[string]any{"token": token + "x", "reason": zebulonCancellation}}, true)

	// The private calendars hold their secret in the path: the person's own .ics (the management
	// token) and the partner's feed of its referrals. The log line has the path without it, for
	// the paths that serve them and for those that do not: redirected, mistyped, misplaced.
	var feed struct{ CreateCalendarFeed struct{ Path *string } }
	r, raw = call("the partner creates a calendar feed", referrer,
		`mutation { createCalendarFeed(input: {label: "Agence"}) { path userErrors { code } } }`, nil, false)
	if unmarshalData(r.Data, &feed) != nil || feed.CreateCalendarFeed.Path == nil {
		t.Fatalf("createCalendarFeed: %s", raw)
	}
	feedPath := *feed.CreateCalendarFeed.Path
	feedSecret := strings.TrimSuffix(strings.TrimPrefix(feedPath, "/calendar/referrals/"), ".ics")
	for p, want := range map[string]int{
		"/calendar/registrations/" + token + ".ics": http.StatusOK,
		feedPath: http.StatusOK,
		"/calendar//registrations/" + token + ".ics":              http.StatusOK, // redirected to the clean path
		"/calendar/referrals/../referrals/" + feedSecret + ".ics": http.StatusOK,
		"/calendar/referrals/" + feedSecret:                       http.StatusNotFound,
		"/Calendar/Referrals/" + feedSecret + ".ics":              http.StatusNotFound,
		"/calendar/venues/" + feedSecret + ".ics":                 http.StatusNotFound,
		"/calendar/" + token + ".ics":                             http.StatusNotFound,
	} {
		status, _, _ := calendarGet(t, a, p, "")
		requests++
		if status != want {
			t.Errorf("GET %s: %d, want %d", loggedPath(p), status, want)
		}
	}

	// Bodies that are not one JSON operation, holding the person's data.
	vars, _ := json.Marshal(map[string]any{"in": withParticipant(nil)})
	for label, body := range map[string]string{
		"truncated JSON":  `{"query": "mutation($in: RegisterInput!) { register(input: $in) { userErrors { code } } }", "variables": ` + string(vars[:len(vars)-3]),
		"JSON array":      `[{"query": "{ viewer { isAnonymous } }", "variables": ` + string(vars) + `}]`,
		"variables array": `{"query": "mutation($in: RegisterInput!) { register(input: $in) { userErrors { code } } }", "variables": [` + string(vars) + `]}`,
		"not JSON":        `query=Zébulon Sentinelle 06 98 76 54 32`,
	} {
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		_, raw := rawSend(t, req)
		requests++
		answers = append(answers, answer{label, raw, true})
	}
	// GET: the query string holds the token and the phone; the log line has only the path.
	for label, q := range map[string]string{
		"GET with the token":   `{ registrationByToken(token: "` + token + `") { id participant { firstName } } }`,
		"GET with a mutation":  `mutation { register(input: {slotId: "` + slot + `", participant: {firstName: "Zébulon", lastName: "Sentinelle", phone: "06 98 76 54 32", consent: true, consentVersion: "1"}}) { userErrors { code } } }`,
		"GET with a bad query": `{ registrationByToken(token: "06 98 76 54 32 Zébulon") { id }`,
	} {
		req, _ := http.NewRequest(http.MethodGet, a.URL+"/graphql?query="+url.QueryEscape(q), nil)
		_, raw := rawSend(t, req)
		requests++
		answers = append(answers, answer{label, raw, label != "GET with the token"})
	}

	for _, ans := range answers {
		for _, m := range messagesIn(ans.raw) {
			if leaks := zeb.leaks([]byte(m)); len(leaks) > 0 {
				t.Errorf("%s: an error message holds personal data %q: %q", ans.label, leaks, m)
			}
		}
		if leaks := zeb.leaks(ans.raw); ans.refusal && len(leaks) > 0 {
			t.Errorf("%s: a refusal holds personal data %q: %s", ans.label, leaks, ans.raw)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "msg=request"); n < requests {
		t.Fatalf("the log captured %d request lines for %d requests: is the capture working?\n%s", n, requests, out)
	}
	if leaks := zeb.leaks([]byte(out)); len(leaks) > 0 {
		t.Errorf("personal data %q in the server's log:\n%s", leaks, out)
	}
	if strings.Contains(out, token) {
		t.Errorf("a management token in the server's log:\n%s", out)
	}
	if strings.Contains(out, feedSecret) || strings.Contains(out, feedSecret[len("ateliers_"):]) {
		t.Errorf("a calendar feed's secret in the server's log:\n%s", out)
	}
	t.Logf("captured %d log lines for %d requests", strings.Count(out, "\n"), requests)
}

// TestPrivacyErrorMessagesNeverQuoteTheRequest: the GraphQL layer's own errors (variable
// coercion, validation, parsing) must not quote personal data a client put in the wrong place:
// "Personal data ... never in logs, error messages" (README, "Limits and errors"), as decode errors already do not.
func TestPrivacyErrorMessagesNeverQuoteTheRequest(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, slot := a.bookable("host", 5)
	zeb := zebulon()
	registerWith := func(participant string) string {
		return `mutation { register(input: {slotId: "` + slot + `", participant: {` + participant + `}}) { userErrors { code } } }`
	}
	for name, c := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"phone in an enum variable": {privacyRegisterDoc, map[string]any{"in": map[string]any{"slotId": slot,
			"participant": map[string]any{"firstName": "Zébulon", "lastName": "Sentinelle", "preferredChannel": "06 98 76 54 32",
				"consent": true, "consentVersion": "2026-11"}}}},
		"name in a boolean variable": {privacyRegisterDoc, map[string]any{"in": map[string]any{"slotId": slot,
			"participant": map[string]any{"firstName": "x", "lastName": "y", "phone": "+33612345678", "hasComputer": "Zébulon Sentinelle",
				"consent": true, "consentVersion": "2026-11"}}}},
		"phone as a number literal": {registerWith(`firstName: "x", lastName: "y", phone: 698765432, consent: true, consentVersion: "1"`), nil},
		"name as an enum literal":   {registerWith(`firstName: "x", lastName: "y", phone: "+33612345678", ageBracket: Sentinelle, consent: true, consentVersion: "1"`), nil},
		"syntax error at the name":  {registerWith(`firstName: "x" "Zébulon Sentinelle", lastName: "y", consent: true, consentVersion: "1"`), nil},
	} {
		t.Run(name, func(t *testing.T) {
			r, raw := rawPost(t, a, "", c.query, c.vars)
			if len(r.Errors) == 0 {
				t.Fatalf("want an error, got %s", raw)
			}
			if leaks := zeb.leaks(raw); len(leaks) > 0 {
				t.Errorf("the error quotes personal data %q from the request: %s", leaks, raw)
			}
		})
	}
}
