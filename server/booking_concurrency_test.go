package main

import (
	"fmt"
	"sync"
	"testing"
)

// patientTimeouts are the deadlines of the tests below, which prove what contention does to
// the data, not how long it takes: with the race detector on a shared machine, 200 requests
// queued on one slot's lock can wait longer than the production deadlines, which then answer
// TIMEOUT by design (timeout_test.go proves that).
var patientTimeouts = map[string]string{"REQUEST_TIMEOUT": "2m", "STATEMENT_TIMEOUT": "2m", "LOCK_TIMEOUT": "2m"}

// callOutcome names what a call made from a goroutine came to: the request's failure, its error
// code, its first userError, or else what made says it made.
func callOutcome(code string, err error, userErrors []userError, made func() string) string {
	switch {
	case err != nil:
		return "request failed: " + err.Error()
	case code != "":
		return code
	case len(userErrors) > 0:
		return userErrors[0].Code
	}
	return made()
}

// A slot never holds more confirmed participants than its capacity, whatever the concurrency:
// 200 people ask at once for 10 seats, half of them ready to wait; exactly 10 get a seat, the
// ones who asked join the waiting list, the others are told the slot is full, and the database
// agrees. Repeated on 20 slots.
func TestBookingNeverOverbooks(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, patientTimeouts)
	_, hostKey := a.org("regie-stains", "CATALOGUE_WRITE")
	workshop, venue := a.workshop(hostKey, nil), a.venue(hostKey, nil)
	const rounds, people, seats = 20, 200, 10
	for round := range rounds {
		slot := a.slot(hostKey, workshop, venue, fmt.Sprintf("2032-06-%02dT14:00", round+1), map[string]any{"capacity": seats})
		var mu sync.Mutex
		outcomes := map[string]int{}
		var wg sync.WaitGroup
		for n := range people {
			wg.Go(func() {
				in := map[string]any{"slotId": slot, "participant": person(round*1000 + n), "joinWaitlist": n%2 == 0}
				var out struct{ Register registered }
				code, err := a.call("", "", registerDoc, map[string]any{"in": in}, &out)
				outcome := callOutcome(code, err, out.Register.UserErrors, func() string { return out.Register.Registration.Status })
				// Each gets what they asked for: a seat, else a place in line or a refusal.
				asked := outcome == "CONFIRMED" || (n%2 == 0 && outcome == "WAITLISTED") || (n%2 == 1 && outcome == "SLOT_FULL")
				mu.Lock()
				outcomes[outcome]++
				if !asked {
					outcomes["not as asked: "+outcome]++
				}
				mu.Unlock()
			})
		}
		wg.Wait()
		if outcomes["CONFIRMED"] != seats || outcomes["CONFIRMED"]+outcomes["WAITLISTED"]+outcomes["SLOT_FULL"] != people || len(outcomes) > 3 {
			t.Fatalf("round %d: outcomes %v, want %d CONFIRMED and the rest WAITLISTED or SLOT_FULL as asked", round, outcomes, seats)
		}
		taken, waitlist, confirmed, waitlisted := a.counts(t, slot)
		if taken != seats || confirmed != seats || waitlist != outcomes["WAITLISTED"] || waitlisted != waitlist {
			t.Fatalf("round %d: database says seats_taken %d, confirmed rows %d, waitlist_length %d, waitlisted rows %d; API said %v",
				round, taken, confirmed, waitlist, waitlisted, outcomes)
		}
	}
}

// Cancellations racing registrations: 200 requests at once on a full slot with a waiting list,
// 10 cancellations (seat holders and waiting people alike) among 190 registrations, 20 times:
// every freed seat goes to the waiting list or a newcomer, never beyond capacity, and the
// counters match the rows.
func TestBookingCancellationsRaceRegistrations(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, patientTimeouts)
	_, hostKey := a.org("regie-stains", "CATALOGUE_WRITE")
	workshop, venue := a.workshop(hostKey, nil), a.venue(hostKey, nil)
	const rounds, seats, cancels, newcomers = 20, 10, 10, 190
	for round := range rounds {
		slot := a.slot(hostKey, workshop, venue, fmt.Sprintf("2032-07-%02dT14:00", round+1), map[string]any{"capacity": seats})
		var tokens []string
		for n := range 2 * seats { // 10 seats taken, 10 waiting
			r := a.register("", slot, round*1000+n, map[string]any{"joinWaitlist": true})
			tokens = append(tokens, *r.ManageToken)
		}
		var wg sync.WaitGroup
		errs := make(chan error, cancels+newcomers)
		for i := range cancels {
			wg.Go(func() {
				var out struct {
					CancelRegistration struct{ UserErrors []userError }
				}
				code, err := a.call("", "", `mutation($in: CancelRegistrationInput!) { cancelRegistration(input: $in) { userErrors { code } } }`,
					map[string]any{"in": map[string]any{"token": tokens[i*2]}}, &out)
				if err != nil || code != "" || len(out.CancelRegistration.UserErrors) > 0 {
					errs <- fmt.Errorf("cancel: %v %s %v", err, code, out.CancelRegistration.UserErrors)
				}
			})
		}
		for n := range newcomers {
			wg.Go(func() {
				var out struct{ Register registered }
				in := map[string]any{"slotId": slot, "participant": person(round*1000 + 100 + n), "joinWaitlist": n%3 == 0}
				if code, err := a.call("", "", registerDoc, map[string]any{"in": in}, &out); err != nil || code != "" {
					errs <- fmt.Errorf("register: %v %s", err, code)
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		taken, waitlist, confirmed, waitlisted := a.counts(t, slot)
		if taken != seats || confirmed != seats || waitlist != waitlisted {
			t.Fatalf("round %d: seats_taken %d, confirmed rows %d, waitlist_length %d, waitlisted rows %d; want %d seats taken and counters matching rows",
				round, taken, confirmed, waitlist, waitlisted, seats)
		}
	}
}

// A retried request never creates a second registration: 50 identical calls at once with one
// idempotency key make one row; each answer is the first response or a retryable CONFLICT, and
// a later replay returns the very same registration and token.
func TestBookingRetriesWithOneKeyCreateOneRow(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, patientTimeouts)
	_, slot := a.bookable("regie-stains", 10)
	in := map[string]any{"slotId": slot, "participant": person(1)}
	var wg sync.WaitGroup
	var mu sync.Mutex
	answers := map[string]int{}
	var first registered
	for range 50 {
		wg.Go(func() {
			var out struct{ Register registered }
			code, err := a.call("", "5f0c3a9e-retry-key-1", registerDoc, map[string]any{"in": in}, &out)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err != nil:
				answers["failed: "+err.Error()]++
			case code != "":
				answers[code]++
			case out.Register.Registration != nil:
				answers["registered"]++
				if first.Registration == nil {
					first = out.Register
				} else if out.Register.Registration.ID != first.Registration.ID || *out.Register.ManageToken != *first.ManageToken {
					answers["a different registration"]++
				}
			default:
				answers[fmt.Sprint(out.Register.UserErrors)]++
			}
		})
	}
	wg.Wait()
	if answers["registered"] < 1 || answers["registered"]+answers["CONFLICT"] != 50 {
		t.Errorf("answers %v, want the same registration or CONFLICT, 50 in all", answers)
	}
	if _, _, confirmed, _ := a.counts(t, slot); confirmed != 1 {
		t.Errorf("%d registrations in the database, want 1", confirmed)
	}
	var again struct{ Register registered }
	if code, err := a.call("", "5f0c3a9e-retry-key-1", registerDoc, map[string]any{"in": in}, &again); err != nil || code != "" {
		t.Fatalf("replay: %v %s", err, code)
	}
	if again.Register.Registration.ID != first.Registration.ID || *again.Register.ManageToken != *first.ManageToken {
		t.Errorf("replay returned another registration or token")
	}
	// The same key with another request is refused and creates nothing.
	other := map[string]any{"slotId": slot, "participant": person(2)}
	var reused struct{ Register registered }
	if code, err := a.call("", "5f0c3a9e-retry-key-1", registerDoc, map[string]any{"in": other}, &reused); err != nil || code != "" {
		t.Fatalf("reuse: %v %s", err, code)
	}
	if len(reused.Register.UserErrors) != 1 || reused.Register.UserErrors[0].Code != "IDEMPOTENCY_KEY_REUSED" {
		t.Errorf("reused key: got %+v, want IDEMPOTENCY_KEY_REUSED", reused.Register.UserErrors)
	}
	if _, _, confirmed, _ := a.counts(t, slot); confirmed != 1 {
		t.Errorf("%d registrations after a reused key, want 1", confirmed)
	}
}

// A booking that waits too long for a busy slot answers a retryable CONFLICT, never hangs, and
// leaves nothing behind.
func TestBookingLockWaitsAreBounded(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"LOCK_TIMEOUT": "200ms"})
	_, slot := a.bookable("regie-stains", 10)
	tx := lockSlot(t, a.Pool, slot)
	defer tx.Rollback(t.Context())
	var out struct{ Register registered }
	// Without lock_timeout the request would wait for its 10 s deadline and answer TIMEOUT.
	code, err := a.call("", "", registerDoc, map[string]any{"in": map[string]any{"slotId": slot, "participant": person(1)}}, &out)
	if err != nil || code != "CONFLICT" {
		t.Errorf("register on a locked slot: got %q (%v), want CONFLICT", code, err)
	}
	tx.Rollback(t.Context())
	if _, _, confirmed, waitlisted := a.counts(t, slot); confirmed+waitlisted != 0 {
		t.Errorf("%d registrations after a conflict, want none", confirmed+waitlisted)
	}
}

// Enrolments racing for the same course: 20 people at once ask for the last seat of each of two
// workshops, all or none. Exactly one gets both seats; nobody holds one seat without the other.
func TestBookingEnrolmentsRaceAllOrNone(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, patientTimeouts)
	_, key := a.org("regie-stains", "CATALOGUE_WRITE")
	venue := a.venue(key, nil)
	w1, w2 := a.workshop(key, map[string]any{"title": "CV"}), a.workshop(key, map[string]any{"title": "CAF"})
	var prog struct {
		CreateProgramme struct{ Programme struct{ ID string } }
	}
	a.query(key, `mutation($w: [ID!]!) { createProgramme(input: {title: "Parcours", workshopIds: $w, status: PUBLISHED}) { programme { id } } }`,
		map[string]any{"w": []string{w1, w2}}, &prog)
	s1 := a.slot(key, w1, venue, "2032-06-01T14:00", map[string]any{"capacity": 1})
	s2 := a.slot(key, w2, venue, "2032-06-08T14:00", map[string]any{"capacity": 1})
	var wg sync.WaitGroup
	var mu sync.Mutex
	outcomes := map[string]int{}
	for n := range 20 {
		wg.Go(func() {
			var out struct {
				Enrol struct {
					Registrations []struct{ Status string }
					UserErrors    []userError
				}
			}
			slots := []string{s1, s2}
			if n%2 == 1 {
				slots = []string{s2, s1} // the other order: locks are still taken in one order
			}
			code, err := a.call("", "", `mutation($in: EnrolInput!) { enrol(input: $in) { registrations { status } userErrors { code } } }`,
				map[string]any{"in": map[string]any{"programmeId": prog.CreateProgramme.Programme.ID, "slotIds": slots, "participant": person(n)}}, &out)
			outcome := callOutcome(code, err, out.Enrol.UserErrors, func() string { return fmt.Sprint(len(out.Enrol.Registrations), " seats") })
			mu.Lock()
			outcomes[outcome]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if outcomes["2 seats"] != 1 || outcomes["SLOT_FULL"] != 19 {
		t.Errorf("outcomes %v, want one enrolment with 2 seats and 19 SLOT_FULL", outcomes)
	}
	_, _, c1, _ := a.counts(t, s1)
	_, _, c2, _ := a.counts(t, s2)
	var people int
	a.Pool.QueryRow(t.Context(), `SELECT count(DISTINCT phone) FROM registrations WHERE status = 'CONFIRMED'`).Scan(&people)
	if c1 != 1 || c2 != 1 || people != 1 {
		t.Errorf("confirmed: %d and %d seats held by %d people, want 1, 1 and the same person", c1, c2, people)
	}
}

// Releasing reserved seats while the partner books them: every booking transaction takes the
// slot's lock first, so the release and the bookings queue one after the other and nobody is
// told to retry. 5 rounds of 30 partner registrations with a release in their midst.
func TestBookingRulesReleasingSeatsWhilePartnersBook(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "release-race-host")
	partnerID, partnerKey := rulesPartner(t, a, "release-race-partner")
	const rounds, people = 5, 30
	for round := range rounds {
		slot := h.slot(t, a, 40, map[string]any{"startsAt": fmt.Sprintf("2032-06-%02dT14:00", round+1)})
		allocation := rulesReserved(t, a, h.Key, slot, partnerID, people, nil)
		var mu sync.Mutex
		outcomes := map[string]int{}
		var wg sync.WaitGroup
		for n := range people {
			wg.Go(func() {
				var out struct{ Register rulesRegistered }
				in := rulesIn(slot, round*100+n, map[string]any{"referral": rulesReferral()})
				code, err := a.call(partnerKey, "", rulesRegisterDoc, map[string]any{"in": in}, &out)
				outcome := callOutcome(code, err, out.Register.UserErrors, func() string { return out.Register.Registration.Status })
				mu.Lock()
				outcomes["register: "+outcome]++
				mu.Unlock()
			})
			if n == people/2 {
				wg.Go(func() {
					var out struct{ ReleaseSeats rulesAllocPayload }
					code, err := a.call(h.Key, "", rulesReleaseDoc, map[string]any{"in": map[string]any{"id": allocation}}, &out)
					outcome := callOutcome(code, err, out.ReleaseSeats.UserErrors, func() string {
						if al := out.ReleaseSeats.Allocation; al == nil || al.ReleasedAt == nil {
							return fmt.Sprint("not released: ", al)
						}
						return "released"
					})
					mu.Lock()
					outcomes["release: "+outcome]++
					mu.Unlock()
				})
			}
		}
		wg.Wait()
		if outcomes["register: CONFIRMED"] != people || outcomes["release: released"] != 1 {
			t.Errorf("round %d: got %v, want %d registrations CONFIRMED and the release done", round, outcomes, people)
		}
		rulesWantCounters(t, a, fmt.Sprintf("round %d", round), slot, outcomes["register: CONFIRMED"], 0, 0)
	}
}
