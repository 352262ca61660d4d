package main

import (
	"fmt"
	"net/http"
	"strconv"
	"testing"
)

// postFrom posts as an anonymous client that a trusted proxy names in X-Forwarded-For.
func (a *testAPI) postFrom(forwardedFor, query string, vars map[string]any) response {
	a.t.Helper()
	req := graphqlRequest(a.URL, "", query, vars)
	req.Header.Set("X-Forwarded-For", forwardedFor)
	return a.send(req)
}

// throttled checks that r is a 429 THROTTLED with Retry-After within [min, max] seconds.
func throttled(t *testing.T, r response, minWait, maxWait int) {
	t.Helper()
	if r.Status != http.StatusTooManyRequests || len(r.Errors) == 0 || r.Errors[0].Code() != "THROTTLED" {
		t.Fatalf("want 429 THROTTLED, got status %d, errors %+v", r.Status, r.Errors)
	}
	if len(r.Data) > 0 && string(r.Data) != "null" {
		t.Errorf("a throttled request ran: data %s", r.Data)
	}
	wait, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || wait < minWait || wait > maxWait {
		t.Errorf("Retry-After %q, want %d to %d seconds", r.Header.Get("Retry-After"), minWait, maxWait)
	}
}

// Every response tells the client what its operation cost and what is left of its budget;
// once the budget is spent the API answers 429 THROTTLED with Retry-After, and the budget
// comes back with time.
func TestRateLimitCostBudget(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{
		"QUERY_COST_LIMIT_ANONYMOUS": "50", "COST_BURST_ANONYMOUS": "150", "COST_PER_SECOND_ANONYMOUS": "2",
	})
	const q = `{ slots(first: 5) { edges { node { id } } } }` // 10 a root field + 1 + 5 × (1 + 1 + 1) = 26
	first := a.post("", q, nil)
	c := costOf(t, first)
	if first.Status != 200 || c.RequestedQueryCost != 26 || c.MaximumQueryCost != 50 || c.ThrottleStatus == nil ||
		c.ThrottleStatus.MaximumAvailable != 150 || c.ThrottleStatus.CurrentlyAvailable != 124 || c.ThrottleStatus.RestoreRate != 2 {
		t.Fatalf("first query: status %d, cost %+v %+v; want cost 26 of 50, 124 of 150 left, 2 a second back", first.Status, c, c.ThrottleStatus)
	}
	var last response
	for range 4 { // 124 - 4 × 26 = 20 left
		if last = a.post("", q, nil); last.Status != 200 {
			t.Fatalf("query within the budget: status %d, errors %+v", last.Status, last.Errors)
		}
	}
	if left := costOf(t, last).ThrottleStatus.CurrentlyAvailable; left < 20 || left > 22 {
		t.Errorf("after 5 queries of 26: %g left, want about 20", left)
	}
	r := a.post("", q, nil)
	throttled(t, r, 2, 3) // 6 points missing at 2 a second
	if c := costOf(t, r); c.ThrottleStatus == nil || c.ThrottleStatus.CurrentlyAvailable > 22 {
		t.Errorf("a throttled response reports %+v, want the budget that refused it", c.ThrottleStatus)
	}
	// A refused request takes nothing: a cheaper one still fits.
	if r := a.post("", `{ __typename }`, nil); r.Status != 200 {
		t.Errorf("a query of cost 1 with ~20 left: status %d, errors %+v", r.Status, r.Errors)
	}
	// Keys have budgets of their own.
	_, key := a.org("cle", "CATALOGUE_WRITE")
	if r := a.post(key, q, nil); r.Status != 200 {
		t.Errorf("an API key while the public is throttled: status %d, errors %+v", r.Status, r.Errors)
	}
	// The budget comes back: 26 points take 13 s at 2 a second; pretend they passed.
	if _, err := a.Pool.Exec(t.Context(), `UPDATE rate_buckets SET updated_at = updated_at - interval '15 seconds'`); err != nil {
		t.Fatal(err)
	}
	if r := a.post("", q, nil); r.Status != 200 {
		t.Errorf("after 15 s: status %d, errors %+v; want the budget back", r.Status, r.Errors)
	}
}

// The limit of one operation's cost depends on the caller: lower for the anonymous public than
// for an API key.
func TestQueryCostLimitPerKindOfCaller(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t) // the default limits: 2,000 anonymous, 5,000 with a key
	_, key := a.org("partenaire", "REGISTRATIONS_WRITE")
	// 10 + 1 + 50 × edges (1 + cursor 1 + node (1 + 3 + workshop 2 + venue 7)) = 761: under
	// both limits.
	page := `{ slots(first: %d) { edges { cursor node { id startsAt seatsLeft
		workshop { title } venue { name streetAddress postalCode city latitude longitude } } } } }`
	big := `{ a: slots(first: 100) { edges { cursor node { id startsAt } } } b: slots(first: 100) { edges { cursor node { id startsAt seatsLeft
		workshop { title } venue { name streetAddress postalCode city latitude longitude } } } } }` // 511 + 1,511
	if r := a.post("", fmt.Sprintf(page, 50), nil); r.Status != 200 || costOf(t, r).RequestedQueryCost != 761 {
		t.Errorf("a page of 50 slots, anonymous: status %d, cost %+v; want it within the public limit", r.Status, costOf(t, r))
	}
	r := a.post("", big, nil)
	if r.Status != http.StatusUnprocessableEntity || len(r.Errors) == 0 || r.Errors[0].Code() != "COMPLEXITY_LIMIT_EXCEEDED" {
		t.Errorf("two pages of 100, anonymous: status %d, errors %+v; want 422 COMPLEXITY_LIMIT_EXCEEDED", r.Status, r.Errors)
	}
	if c := costOf(t, r); c.MaximumQueryCost != 2000 || c.RequestedQueryCost != 2022 {
		t.Errorf("the refusal reports %+v, want the cost of 2022 and the limit of 2000", c)
	}
	if r := a.post(key, big, nil); r.Status != 200 || len(r.Errors) > 0 || costOf(t, r).MaximumQueryCost != 5000 {
		t.Errorf("two pages of 100 with a key: status %d, errors %+v", r.Status, r.Errors)
	}
}

// Registrations have their own, lower budget, counted one by one: aliases of register do not
// multiply it, and a refused operation registers nobody.
func TestRateLimitRegistrations(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{
		"REGISTRATION_BURST_ANONYMOUS": "3", "REGISTRATIONS_PER_HOUR_ANONYMOUS": "60",
	})
	_, slot := a.bookable("regie", 20)
	three := `mutation($a: RegisterInput!, $b: RegisterInput!) {
		a: register(input: $a) { registration { id } userErrors { code } }
		b: register(input: $b) { registration { id } userErrors { code } } }`
	two := func(n int) map[string]any {
		return map[string]any{"a": map[string]any{"slotId": slot, "participant": person(n)},
			"b": map[string]any{"slotId": slot, "participant": person(n + 1)}}
	}
	r := a.post("", three, two(1))
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("two registrations with three allowed: status %d, errors %+v", r.Status, r.Errors)
	}
	if s := costOf(t, r).RegistrationThrottleStatus; s == nil || s.CurrentlyAvailable != 1 || s.MaximumAvailable != 3 {
		t.Errorf("registration budget reported %+v, want 1 of 3 left", s)
	}
	// Two more in one operation, with one left: throttled, nobody registered.
	throttled(t, a.post("", three, two(3)), 55, 61) // one missing at one a minute
	if taken, _, _, _ := a.counts(t, slot); taken != 2 {
		t.Errorf("seats taken: %d, want 2 (the throttled operation registered nobody)", taken)
	}
	// Queries still run: the cost budget is another one.
	if r := a.post("", `{ slots(first: 1) { edges { node { id } } } }`, nil); r.Status != 200 {
		t.Errorf("a query while registrations are throttled: status %d", r.Status)
	}
	// More registrations at once than the burst can never pass: said, without Retry-After.
	many := `mutation($a: RegisterInput!) { a: register(input: $a) { registration { id } }
		b: register(input: $a) { registration { id } } c: register(input: $a) { registration { id } }
		d: register(input: $a) { registration { id } } }`
	r = a.post("", many, map[string]any{"a": map[string]any{"slotId": slot, "participant": person(9)}})
	if r.Status != http.StatusTooManyRequests || len(r.Errors) == 0 || r.Errors[0].Code() != "THROTTLED" || r.Header.Get("Retry-After") != "" {
		t.Errorf("4 registrations with a burst of 3: status %d, Retry-After %q, errors %+v; want 429 THROTTLED without Retry-After",
			r.Status, r.Header.Get("Retry-After"), r.Errors)
	}
}

// A request refused by one budget takes nothing from the other: refused on registrations, it
// keeps its cost points; refused on cost, its registrations go back.
func TestRateLimitRefusedRequestsTakeNothing(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{
		"QUERY_COST_LIMIT_ANONYMOUS": "250", "COST_BURST_ANONYMOUS": "250", "COST_PER_SECOND_ANONYMOUS": "1",
		"REGISTRATION_BURST_ANONYMOUS": "5", "REGISTRATIONS_PER_HOUR_ANONYMOUS": "1",
	})
	_, slot := a.bookable("regie", 20)
	reg := func(n int) response {
		return a.post("", `mutation($in: RegisterInput!) { register(input: $in) { registration { id } } }`,
			map[string]any{"in": map[string]any{"slotId": slot, "participant": person(n)}})
	}
	first := reg(1) // register 50 + registration (1 + id 1) = 52 points, one registration
	c := costOf(t, first)
	if first.Status != 200 || c.RequestedQueryCost != 52 || c.RegistrationThrottleStatus == nil || c.RegistrationThrottleStatus.CurrentlyAvailable != 4 {
		t.Fatalf("first registration: status %d, cost %+v %+v", first.Status, c, c.RegistrationThrottleStatus)
	}
	// A page of 50 slots (10 + 1 + 50 × 3 = 161) leaves 37 points: the next registration is
	// refused on cost, and gives its registration back.
	if r := a.post("", `{ slots(first: 50) { edges { node { id } } } }`, nil); r.Status != 200 {
		t.Fatalf("a page of slots: status %d", r.Status)
	}
	throttled(t, reg(2), 15, 16)
	if _, err := a.Pool.Exec(t.Context(), `UPDATE rate_buckets SET updated_at = updated_at - interval '1 minute'
		WHERE key = sha256('cost|net:127.0.0.1'::bytea)`); err != nil {
		t.Fatal(err)
	}
	c = costOf(t, reg(3))
	if c.RegistrationThrottleStatus == nil || c.RegistrationThrottleStatus.CurrentlyAvailable != 3 {
		t.Errorf("after a registration refused on cost: %+v, want 3 of 5 registrations left (one given back)", c.RegistrationThrottleStatus)
	}
	// Four registrations with three left: refused on registrations, the cost budget untouched.
	before := c.ThrottleStatus.CurrentlyAvailable
	four := `mutation($in: RegisterInput!) { a: register(input: $in) { registration { id } } b: register(input: $in) { registration { id } }
		c: register(input: $in) { registration { id } } d: register(input: $in) { registration { id } } }`
	r := a.post("", four, map[string]any{"in": map[string]any{"slotId": slot, "participant": person(9)}})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("four registrations with 3 left: status %d, errors %+v", r.Status, r.Errors)
	}
	if c := costOf(t, r); c.ThrottleStatus != nil {
		t.Errorf("a request refused on registrations drew %+v from its cost budget", c.ThrottleStatus)
	}
	q := costOf(t, a.post("", `{ __typename }`, nil))
	if q.ThrottleStatus.CurrentlyAvailable < before-1 {
		t.Errorf("cost left %g after the refusal, want about %g (nothing taken)", q.ThrottleStatus.CurrentlyAvailable, before-1)
	}
}

// Anonymous calls are counted per client address: behind a trusted proxy, the address it
// forwards; from anyone else, X-Forwarded-For is ignored, so a client cannot take a new budget
// by writing the header.
func TestRateLimitPerClientAddress(t *testing.T) {
	t.Parallel()
	q := `{ __typename }`
	limits := map[string]string{"QUERY_COST_LIMIT_ANONYMOUS": "1", "COST_BURST_ANONYMOUS": "2", "COST_PER_SECOND_ANONYMOUS": "1"}
	t.Run("behind a trusted proxy", func(t *testing.T) {
		t.Parallel()
		limits := map[string]string{"TRUSTED_PROXIES": "127.0.0.1,::1"}
		for k, v := range map[string]string{"QUERY_COST_LIMIT_ANONYMOUS": "1", "COST_BURST_ANONYMOUS": "2", "COST_PER_SECOND_ANONYMOUS": "1"} {
			limits[k] = v
		}
		a := newTestAPIWith(t, limits)
		for range 2 {
			if r := a.postFrom("203.0.113.7", q, nil); r.Status != 200 {
				t.Fatalf("status %d", r.Status)
			}
		}
		throttled(t, a.postFrom("198.51.100.1, 203.0.113.7", q, nil), 1, 2) // the left is the client's to write
		if r := a.postFrom("203.0.113.8", q, nil); r.Status != 200 {
			t.Errorf("another client behind the proxy: status %d, want its own budget", r.Status)
		}
		// IPv6 clients are counted per /64.
		a.postFrom("2001:db8:1:2::1", q, nil)
		a.postFrom("2001:db8:1:2::2", q, nil)
		throttled(t, a.postFrom("2001:db8:1:2:ffff::3", q, nil), 1, 2)
	})
	t.Run("from anyone else", func(t *testing.T) {
		t.Parallel()
		a := newTestAPIWith(t, limits)
		a.postFrom("203.0.113.1", q, nil)
		a.postFrom("203.0.113.2", q, nil)
		throttled(t, a.postFrom("203.0.113.3", q, nil), 1, 2)
	})
}

// The budgets live in PostgreSQL: two instances of the API behind one load balancer share
// them.
func TestRateLimitHoldsAcrossInstances(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"QUERY_COST_LIMIT_ANONYMOUS": "1", "COST_BURST_ANONYMOUS": "3", "COST_PER_SECOND_ANONYMOUS": "1"})
	b := a.otherInstance()
	for i, api := range []*testAPI{a, b, a} {
		if r := api.post("", `{ __typename }`, nil); r.Status != 200 {
			t.Fatalf("query %d: status %d", i, r.Status)
		}
	}
	throttled(t, b.post("", `{ __typename }`, nil), 1, 2)
}

// With RATE_LIMITS=off only the per-operation limits apply, and responses still report the cost.
func TestRateLimitsOff(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"RATE_LIMITS": "off", "QUERY_COST_LIMIT_ANONYMOUS": "1", "COST_BURST_ANONYMOUS": "1"})
	for range 5 {
		r := a.post("", `{ __typename }`, nil)
		if c := costOf(t, r); r.Status != 200 || c.RequestedQueryCost != 1 || c.ThrottleStatus != nil {
			t.Fatalf("status %d, cost %+v; want served, cost 1, no budget", r.Status, c)
		}
	}
	var n int
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM rate_buckets`).Scan(&n); err != nil || n != 0 {
		t.Errorf("rate buckets: %d, %v; want none drawn", n, err)
	}
}

// An enrolment counts one registration per slot, whether its slots come inline or in a
// variable.
func TestRateLimitEnrolCountsEachSlot(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"REGISTRATION_BURST_ANONYMOUS": "10", "REGISTRATIONS_PER_HOUR_ANONYMOUS": "1"})
	c := rulesNewCourse(t, a, "regie", 5, 5, 5, 5)
	in := map[string]any{"programmeId": c.Programme, "slotIds": c.Slots, "participant": person(1)}
	r := a.post("", `mutation($in: EnrolInput!) { enrol(input: $in) { registrations { id } userErrors { code } } }`, map[string]any{"in": in})
	if s := costOf(t, r).RegistrationThrottleStatus; r.Status != 200 || s == nil || s.CurrentlyAvailable != 6 {
		t.Fatalf("an enrolment on 4 slots: status %d, registration budget %+v; want 6 of 10 left", r.Status, s)
	}
	// Three slots inline, the programme in a variable: 3 more.
	inline := fmt.Sprintf(`mutation($p: ID!) { enrol(input: {programmeId: $p, slotIds: [%q, %q, %q],
		participant: {firstName: "Awa", lastName: "Diallo 2", phone: "+33610000002", consent: true, consentVersion: "2026-11"}}) {
		registrations { id } userErrors { code } } }`, c.Slots[0], c.Slots[1], c.Slots[2])
	r = a.post("", inline, map[string]any{"p": c.Programme})
	if s := costOf(t, r).RegistrationThrottleStatus; s == nil || s.CurrentlyAvailable != 3 {
		t.Errorf("an inline enrolment on 3 slots: status %d, budget %+v, errors %+v; want 3 left", r.Status, s, r.Errors)
	}
}

// A replay (the same idempotency key and request) registers no one and takes nothing from
// the registration budget: a retry over a bad network is answered even when the budget is
// spent. A new registration is still throttled, and so is a failed attempt's next try: an
// attempt refused for its input (an invalid phone) spends the budget like a success.
func TestRateLimitReplaysAreFreeOfTheRegistrationBudget(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"REGISTRATION_BURST_ANONYMOUS": "2", "REGISTRATIONS_PER_HOUR_ANONYMOUS": "1"})
	_, slot := a.bookable("regie", 20)
	const key = "5f0c3a9e-website-retry-1"
	var first struct{ Register registered }
	if code, err := a.call("", key, registerDoc, map[string]any{"in": map[string]any{"slotId": slot, "participant": person(1)}}, &first); code != "" || err != nil {
		t.Fatalf("first registration: %s %v", code, err)
	}
	bad := a.register("", slot, 2, map[string]any{"participant": catMerge(person(2), map[string]any{"phone": "7731-phone"})})
	if len(bad.UserErrors) != 1 || bad.UserErrors[0].Code != "INVALID_PHONE" {
		t.Fatalf("invalid phone: got %+v", bad.UserErrors)
	}
	// The budget of two is spent: one success, one refusal.
	throttled(t, a.post("", registerDoc, map[string]any{"in": map[string]any{"slotId": slot, "participant": person(3)}}), 3000, 3601)
	for range 3 {
		var again struct{ Register registered }
		code, err := a.call("", key, registerDoc, map[string]any{"in": map[string]any{"slotId": slot, "participant": person(1)}}, &again)
		if code != "" || err != nil || again.Register.Registration == nil || again.Register.Registration.ID != first.Register.Registration.ID {
			t.Fatalf("replay with the budget spent: code %q, err %v, registration %+v; want the first answer", code, err, again.Register.Registration)
		}
	}
	if taken, _, _, _ := a.counts(t, slot); taken != 1 {
		t.Errorf("seats taken: %d, want 1", taken)
	}
}
