package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
)

// registerDoc asks for everything a booking test looks at.
const registerDoc = `mutation($in: RegisterInput!) { register(input: $in) {
	registration { id status waitlistPosition confirmationCode participant { firstName phone email } }
	manageToken userErrors { field message code } } }`

// registered is a register payload.
type registered struct {
	Registration *struct {
		ID               string
		Status           string
		WaitlistPosition *int
		ConfirmationCode string
		Participant      *struct{ FirstName, Phone, Email *string }
	}
	ManageToken *string
	UserErrors  []userError
}

// person returns a valid participant input, distinct for each n.
func person(n int) map[string]any {
	return map[string]any{
		"firstName": "Awa", "lastName": fmt.Sprintf("Diallo %d", n),
		"phone":   fmt.Sprintf("+336%08d", 10000000+n),
		"consent": true, "consentVersion": "2026-11",
	}
}

// register calls register with input fields over the defaults (slot, person n).
func (a *testAPI) register(key, slotID string, n int, fields map[string]any) registered {
	a.t.Helper()
	in := map[string]any{"slotId": slotID, "participant": person(n)}
	for k, v := range fields {
		in[k] = v
	}
	var out struct{ Register registered }
	a.query(key, registerDoc, map[string]any{"in": in}, &out)
	return out.Register
}

// bookable returns a host key and a public slot of capacity seats, in 2032.
func (a *testAPI) bookable(slug string, seats int) (hostKey, slotID string) {
	a.t.Helper()
	_, key := a.org(slug, "CATALOGUE_WRITE", "REGISTRATIONS_WRITE", "REGISTRATIONS_READ", "ATTENDANCE_WRITE")
	return key, a.slot(key, a.workshop(key, nil), a.venue(key, nil), "2032-06-01T14:00", map[string]any{"capacity": seats})
}

// counts reads a slot's counters and its registrations by status straight from the database.
func (a *testAPI) counts(t *testing.T, slotGID string) (seatsTaken, waitlist, confirmed, waitlisted int) {
	t.Helper()
	id := dbID(t, slotGID)
	err := a.Pool.QueryRow(t.Context(), `SELECT s.seats_taken, s.waitlist_length,
		(SELECT count(*) FROM registrations WHERE slot_id = s.id AND status = 'CONFIRMED'),
		(SELECT count(*) FROM registrations WHERE slot_id = s.id AND status = 'WAITLISTED')
		FROM slots s WHERE s.id = $1`, id).Scan(&seatsTaken, &waitlist, &confirmed, &waitlisted)
	if err != nil {
		t.Fatal(err)
	}
	return
}

// call sends a GraphQL request from any goroutine (it never calls t.Fatal) and decodes data
// into out; it returns the first error code, or an error when the request itself failed.
func (a *testAPI) call(key, idempotencyKey, query string, vars map[string]any, out any) (code string, err error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, a.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []gqlError
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return "", fmt.Errorf("status %d: %w", res.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		return r.Errors[0].Code(), nil
	}
	return "", json.Unmarshal(r.Data, out)
}
