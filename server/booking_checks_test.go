package main

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"testing"
)

// What the booking tests (booking_*_test.go) check: refusals, a registration's place, and the
// rows, counters and events of a slot in the database.

// rulesWantError sends a one-input mutation that must fail as a whole with the GraphQL error code.
func rulesWantError(t *testing.T, a *testAPI, what, key, doc string, in map[string]any, code string) {
	t.Helper()
	r := a.withT(t).post(key, doc, map[string]any{"in": in})
	if len(r.Errors) == 0 {
		t.Errorf("%s: got data %s, want error %s", what, r.Data, code)
		return
	}
	if got := r.Errors[0].Code(); got != code {
		t.Errorf("%s: got error %s (%q), want %s", what, got, r.Errors[0].Message, code)
	}
}

// rulesWantRefusal checks that a payload holds exactly one userError, of code on field.
func rulesWantRefusal(t *testing.T, what string, got []userError, code string, field ...string) {
	t.Helper()
	if len(got) != 1 || got[0].Code != code || !slices.Equal(got[0].Field, field) {
		t.Errorf("%s: got userErrors %+v, want one %s on %q", what, got, code, field)
	}
}

// rulesStatusOf reads a registration's status and place in line as the host sees it.
func rulesStatusOf(t *testing.T, a *testAPI, hostKey, id string) (string, *int) {
	t.Helper()
	r := rulesNode(t, a, hostKey, id)
	if r == nil {
		t.Fatalf("node(%s) as the host: got null, want the registration", id)
	}
	return r.Status, r.WaitlistPosition
}

// rulesWantStatus checks a registration's status and waiting-list position (0: none).
func rulesWantStatus(t *testing.T, a *testAPI, hostKey, who, id, status string, position int) {
	t.Helper()
	got, pos := rulesStatusOf(t, a, hostKey, id)
	gotPos := 0
	if pos != nil {
		gotPos = *pos
	}
	if got != status || gotPos != position {
		t.Errorf("%s: got %s at waitlist position %d, want %s at position %d (0: none)", who, got, gotPos, status, position)
	}
}

// rulesRows counts a slot's registrations in the database, whatever their status.
func rulesRows(t *testing.T, a *testAPI, slot string) int {
	t.Helper()
	var n int
	if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM registrations WHERE slot_id = $1`,
		dbID(t, slot)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// rulesStatuses counts a slot's registrations by status in the database.
func rulesStatuses(t *testing.T, a *testAPI, slot string) map[string]int {
	t.Helper()
	rows, err := a.Pool.Query(context.Background(), `SELECT status, count(*)::int FROM registrations WHERE slot_id = $1 GROUP BY status`,
		dbID(t, slot))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			t.Fatal(err)
		}
		out[s] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rulesCounters reads a slot's counters in the database.
func rulesCounters(t *testing.T, a *testAPI, slot string) (taken, reserved, waitlist int) {
	t.Helper()
	if err := a.Pool.QueryRow(context.Background(), `SELECT seats_taken, seats_reserved, waitlist_length FROM slots WHERE id = $1`,
		dbID(t, slot)).Scan(&taken, &reserved, &waitlist); err != nil {
		t.Fatal(err)
	}
	return
}

// rulesWantCounters checks a slot's counters in the database.
func rulesWantCounters(t *testing.T, a *testAPI, what, slot string, taken, reserved, waitlist int) {
	t.Helper()
	gt, gr, gw := rulesCounters(t, a, slot)
	if gt != taken || gr != reserved || gw != waitlist {
		t.Errorf("%s: got seats_taken %d, seats_reserved %d, waitlist_length %d; want %d, %d, %d", what, gt, gr, gw, taken, reserved, waitlist)
	}
}

// rulesEvents lists a slot's outbox rows in order, as "KIND" or "KIND name", where names maps
// registration ids to names for messages.
func rulesEvents(t *testing.T, a *testAPI, slot string, names map[string]string) []string {
	t.Helper()
	rows, err := a.Pool.Query(context.Background(), `SELECT kind, registration_id FROM booking_events WHERE slot_id = $1 ORDER BY id`,
		dbID(t, slot))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	byDBID := map[int64]string{}
	for gid, name := range names {
		byDBID[dbID(t, gid)] = name
	}
	var out []string
	for rows.Next() {
		var kind string
		var reg *int64
		if err := rows.Scan(&kind, &reg); err != nil {
			t.Fatal(err)
		}
		if reg != nil {
			name, ok := byDBID[*reg]
			if !ok {
				name = fmt.Sprintf("registration %d", *reg)
			}
			kind += " " + name
		}
		out = append(out, kind)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// rulesConfirmationCode is what a confirmation code looks like: 8 characters without those a
// person reading it over the phone could confuse (0 and O, 1, I and L).
var rulesConfirmationCode = regexp.MustCompile(`^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$`)
