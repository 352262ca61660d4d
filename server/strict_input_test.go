package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/graph"
)

// Inputs are taken exactly as the schema says, or refused before any resolver runs: a
// validation error (422) that says where, the data left as it was, and no value of the
// request quoted back.
func TestInputsOutsideTheSchemaAreRefusedBeforeAnythingRuns(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	key, slot := a.bookable("regie-stains", 4)
	workshop := a.workshop(key, nil)
	venue := a.venue(key, nil)
	newWorkshop := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"title": "Créer son adresse mail", "topics": []string{"EMAIL"}, "durationMinutes": 60}, over)
	}
	newSlot := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"workshopId": workshop, "venueId": venue, "startsAt": "2032-06-02T14:00", "capacity": 8}, over)
	}
	register := func(over map[string]any) map[string]any {
		return map[string]any{"slotId": slot, "participant": catMerge(person(1), over)}
	}
	for _, c := range []struct {
		name, key, doc string
		vars           map[string]any
		path           string // where the error points, for variables
		secret         string // a value sent that the message must not quote
	}{
		{"topic in lower case", key, catCreateWorkshop, map[string]any{"in": newWorkshop(map[string]any{"topics": []string{"email"}})}, "variable.in.topics.0", "email"},
		{"level in lower case", key, catCreateWorkshop, map[string]any{"in": newWorkshop(map[string]any{"level": "beginner"})}, "variable.in.level", "beginner"},
		{"status in lower case", key, catCreateWorkshop, map[string]any{"in": newWorkshop(map[string]any{"status": "published"})}, "variable.in.status", "published"},
		{"topic as a number", key, catCreateWorkshop, map[string]any{"in": newWorkshop(map[string]any{"topics": []int{1}})}, "variable.in.topics.0", ""},
		{"organisation kind in lower case", admin, catCreateOrganisation,
			map[string]any{"in": map[string]any{"name": "Assoc", "slug": "assoc", "kind": "association"}}, "variable.in.kind", "association"},
		{"visibility in lower case", key, catScheduleSlot, map[string]any{"in": newSlot(map[string]any{"visibility": "internal"})}, "variable.in.visibility", "internal"},
		{"visibility in lower case on update", key, catUpdateSlot, map[string]any{"in": map[string]any{"id": slot, "visibility": "internal"}}, "variable.in.visibility", "internal"},
		{"age bracket in lower case", "", registerDoc, map[string]any{"in": register(map[string]any{"ageBracket": "under_26"})}, "variable.in.participant.ageBracket", "under_26"},
		{"channel in lower case", "", registerDoc, map[string]any{"in": register(map[string]any{"preferredChannel": "sms"})}, "variable.in.participant.preferredChannel", "sms"},
		{"slot status filter in lower case", "", `query($s: [SlotStatus!]) { slots(filter: {statuses: $s}) { edges { node { id } } } }`,
			map[string]any{"s": []string{"scheduled"}}, "variable.s.0", "scheduled"},
		{"topic in lower case, inline", "", `{ slots(filter: {topics: [email]}) { edges { node { id } } } }`, nil, "", "email"},
		{"NUL in a search", "", `query($s: String) { workshops(filter: {search: $s}) { edges { node { id } } } }`,
			map[string]any{"s": "cv\x00"}, "variable.s", ""},
		{"NUL in a search, inline", "", `{ workshops(filter: {search: "cv\u0000"}) { edges { node { id } } } }`, nil, "", ""},
		{"NUL in whatToBring", key, catCreateWorkshop, map[string]any{"in": newWorkshop(map[string]any{"whatToBring": []string{"Carte\x00 Vitale"}})},
			"variable.in.whatToBring.0", ""},
		{"escape in a resource title", key, catCreateWorkshop, map[string]any{"in": newWorkshop(map[string]any{
			"resources": []map[string]any{{"title": "Les Bons Clics\x1b[31m", "url": "https://www.lesbonsclics.fr"}}})},
			"variable.in.resources.0.title", ""},
		{"NUL in a name", "", registerDoc, map[string]any{"in": register(map[string]any{"firstName": "Awa\x00"})}, "variable.in.participant.firstName", ""},
		{"malformed DateTime", "", `query($f: DateTime) { slots(filter: {from: $f}) { edges { node { id } } } }`,
			map[string]any{"f": "tomorrow"}, "variable.f", "tomorrow"},
		{"malformed DateTime, inline", "", `{ slots(filter: {from: "tomorrow"}) { edges { node { id } } } }`, nil, "", "tomorrow"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			before := catSnapshot(a)
			registrations := a.rowCount("registrations")
			r := a.post(c.key, c.doc, c.vars)
			if r.Status != http.StatusUnprocessableEntity || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" {
				t.Fatalf("got status %d, errors %+v; want 422 and one GRAPHQL_VALIDATION_FAILED", r.Status, r.Errors)
			}
			if got := pathString(r.Errors[0].Path); got != c.path {
				t.Errorf("error path: got %q, want %q", got, c.path)
			}
			if c.secret != "" && strings.Contains(r.Errors[0].Message, c.secret) {
				t.Errorf("the message %q quotes the value sent", r.Errors[0].Message)
			}
			catUnchanged(t, a, before)
			if got := a.rowCount("registrations"); got != registrations {
				t.Errorf("registrations: got %d, want %d", got, registrations)
			}
		})
	}
}

// The API refuses @defer in words, and does not offer it: gqlgen answered it over plain POST
// with null in non-null fields.
func TestDeferIsRefusedAndNotOffered(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	r := a.post("", `{ slots(first: 1) { edges { node { id ... @defer { seatsLeft } } } } }`, nil)
	if r.Status != http.StatusUnprocessableEntity || len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, "@defer is not supported") {
		t.Errorf("got status %d, errors %+v; want 422 saying @defer is not supported", r.Status, r.Errors)
	}
	var out struct {
		Schema struct{ Directives []struct{ Name string } } `json:"__schema"`
	}
	a.query("", `{ __schema { directives { name } } }`, nil, &out)
	for _, d := range out.Schema.Directives {
		if d.Name == "defer" || d.Name == "stream" {
			t.Errorf("the schema offers @%s", d.Name)
		}
	}
}

// Validation errors are capped, as graphql-js caps them: a small document cannot make a
// response of thousands of errors.
func TestValidationErrorsAreCapped(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	r := a.post("", "{ __typename"+strings.Repeat(" @include(if: true)", 400)+" }", nil)
	if r.Status != http.StatusUnprocessableEntity || len(r.Errors) != 100 {
		t.Fatalf("got status %d and %d errors, want 422 and 100", r.Status, len(r.Errors))
	}
	if last := r.Errors[99]; !strings.Contains(last.Message, "more were left out") || last.Code() != "GRAPHQL_VALIDATION_FAILED" {
		t.Errorf("last error: got %+v, want one saying how many were left out", last)
	}
}

// rowCount counts the rows of a table.
func (a *testAPI) rowCount(table string) int {
	a.t.Helper()
	var n int
	if err := a.Pool.QueryRow(a.t.Context(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		a.t.Fatal(err)
	}
	return n
}

// pathString joins an error path with dots: ["variable", "in", "topics", 0] is
// "variable.in.topics.0".
func pathString(path []any) string {
	parts := make([]string, len(path))
	for i, p := range path {
		switch v := p.(type) {
		case string:
			parts[i] = v
		case float64:
			parts[i] = fmt.Sprint(int(v))
		}
	}
	return strings.Join(parts, ".")
}

// A phone number is taken as a person types it, and nothing else is stored in its place: no
// letters read as keypad digits, no extension dropped, no tel: URI, no full-width digits.
// An email needs a domain with a dot; a slot starts at most ten years ahead.
func TestBookingAndSlotInputsTakeOnlyWhatAPersonMeant(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	key, slot := a.bookable("regie-stains", 4)
	workshop, venue := a.workshop(key, nil), a.venue(key, nil)
	for _, c := range []struct {
		name        string
		participant map[string]any
		code        string
	}{
		{"letters read as keypad digits", map[string]any{"phone": "7731-phone"}, "INVALID_PHONE"},
		{"an extension", map[string]any{"phone": "06 12 34 56 78 ext 5"}, "INVALID_PHONE"},
		{"a tel: URI", map[string]any{"phone": "tel:+33612345678"}, "INVALID_PHONE"},
		{"full-width digits", map[string]any{"phone": "０６１２３４５６７８"}, "INVALID_PHONE"},
		{"an email domain without a dot", map[string]any{"phone": nil, "email": "a@b"}, "INVALID_EMAIL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			got := a.register("", slot, 1, map[string]any{"participant": catMerge(person(1), c.participant)})
			if got.Registration != nil || len(got.UserErrors) != 1 || got.UserErrors[0].Code != c.code {
				t.Errorf("got registration %v, userErrors %+v; want one %s", got.Registration, got.UserErrors, c.code)
			}
			if n := a.rowCount("registrations"); n != 0 {
				t.Errorf("got %d registrations, want none", n)
			}
		})
	}
	t.Run("typed French forms", func(t *testing.T) {
		a := a.withT(t)
		for n, phone := range []string{"(06) 12-34-56-78", "0033 6 12 34 56 79", "+33 6.12.34.56.80"} {
			got := a.register("", slot, n+2, map[string]any{"participant": catMerge(person(n+2), map[string]any{"phone": phone})})
			if got.Registration == nil || len(got.UserErrors) > 0 {
				t.Errorf("%q: got userErrors %+v, want a registration", phone, got.UserErrors)
			}
		}
	})
	for _, start := range []string{"9999-12-31T23:00", "2206-01-05T14:00"} {
		t.Run("slot starting "+start, func(t *testing.T) {
			a := a.withT(t)
			res := catMutate(a, key, catScheduleSlot, map[string]any{
				"workshopId": workshop, "venueId": venue, "startsAt": start, "capacity": 8})
			catRefusedWith(t, res, "INVALID_RANGE", "startsAt")
		})
	}
}

// The sample data passes the API's own rules: its phone numbers (ARCEP's range for fiction)
// and emails are what the API would have accepted.
func TestSampleDataPassesTheAPIsRules(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	if err := loadDemo(t.Context(), a.Pool); err != nil {
		t.Fatal(err)
	}
	rows, err := a.Pool.Query(t.Context(), `SELECT phone, 'phone' FROM registrations WHERE phone IS NOT NULL
		UNION ALL SELECT phone, 'phone' FROM organisations WHERE phone IS NOT NULL
		UNION ALL SELECT phone, 'phone' FROM venues WHERE phone IS NOT NULL
		UNION ALL SELECT email, 'email' FROM registrations WHERE email IS NOT NULL
		UNION ALL SELECT email, 'email' FROM organisations WHERE email IS NOT NULL
		UNION ALL SELECT email, 'email' FROM venues WHERE email IS NOT NULL`)
	if err != nil {
		t.Fatal(err)
	}
	values, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Value, Kind string }])
	if err != nil {
		t.Fatal(err)
	}
	if len(values) == 0 {
		t.Fatal("the sample data holds no phone or email")
	}
	for _, v := range values {
		check := graph.UnmarshalPhoneNumber
		if v.Kind == "email" {
			check = graph.UnmarshalEmail
		}
		if got, err := check(v.Value); err != nil || got != v.Value {
			t.Errorf("sample %s %q: the API gives %q, %v", v.Kind, v.Value, got, err)
		}
	}
}
