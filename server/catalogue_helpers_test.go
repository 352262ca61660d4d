package main

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"
)

// The catalogue tests speak to the API as a host organisation's back-office does: they write
// organisations, venues, workshops, programmes, slots and keys, then read them back. Their
// helpers are prefixed `cat` so that they cannot clash with other test files of the package.

// What each test reads back of an object.
const (
	catOrganisationFields = `id name slug kind siret phone email website description hostsWorkshops refersPeople isSample createdAt`
	catVenueFields        = `id organisation { id } name streetAddress postalCode city inseeCode latitude longitude openingHours
		accessibility { wheelchairAccessible hearingLoop otherSupport } equipment { computers wifi printer scanner }
		phone email accessInstructions isArchived`
	catWorkshopFields = `id organisation { id } title summary description topics level durationMinutes audiences
		whatToBring languages prerequisites resources { title url } status`
	catProgrammeFields = `id organisation { id } title description status workshops { id }`
	catSlotFields      = `id workshop { id } venue { id } startsAt endsAt capacity status cancellationReason visibility
		registrationOpensAt registrationClosesAt facilitatorName seatsTaken seatsLeft waitlistLength isOpenForRegistration`
	catAPIKeyFields = `id organisation { id } label prefix scopes isNetworkAdmin createdAt lastUsedAt revokedAt`
)

// catDoc builds a mutation document whose payload is aliased `p` and its object `o`, so that
// every payload decodes into catResult.
func catDoc(mutation, inputType, object, fields string) string {
	return fmt.Sprintf(`mutation($in: %s!) { p: %s(input: $in) { o: %s { %s } userErrors { field message code } } }`,
		inputType, mutation, object, fields)
}

var (
	catCreateOrganisation = catDoc("createOrganisation", "CreateOrganisationInput", "organisation", catOrganisationFields)
	catUpdateOrganisation = catDoc("updateOrganisation", "UpdateOrganisationInput", "organisation", catOrganisationFields)
	catCreateVenue        = catDoc("createVenue", "CreateVenueInput", "venue", catVenueFields)
	catUpdateVenue        = catDoc("updateVenue", "UpdateVenueInput", "venue", catVenueFields)
	catArchiveVenue       = catDoc("archiveVenue", "ArchiveInput", "venue", catVenueFields)
	catCreateWorkshop     = catDoc("createWorkshop", "CreateWorkshopInput", "workshop", catWorkshopFields)
	catUpdateWorkshop     = catDoc("updateWorkshop", "UpdateWorkshopInput", "workshop", catWorkshopFields)
	catArchiveWorkshop    = catDoc("archiveWorkshop", "ArchiveInput", "workshop", catWorkshopFields)
	catCreateProgramme    = catDoc("createProgramme", "CreateProgrammeInput", "programme", catProgrammeFields)
	catUpdateProgramme    = catDoc("updateProgramme", "UpdateProgrammeInput", "programme", catProgrammeFields)
	catArchiveProgramme   = catDoc("archiveProgramme", "ArchiveInput", "programme", catProgrammeFields)
	catScheduleSlot       = catDoc("scheduleSlot", "ScheduleSlotInput", "slot", catSlotFields)
	catUpdateSlot         = catDoc("updateSlot", "UpdateSlotInput", "slot", catSlotFields)
	catCancelSlot         = catDoc("cancelSlot", "CancelSlotInput", "slot", catSlotFields)
	catRevokeAPIKey       = catDoc("revokeApiKey", "RevokeApiKeyInput", "apiKey", catAPIKeyFields)

	catScheduleSlotSeries = `mutation($in: ScheduleSlotSeriesInput!) { p: scheduleSlotSeries(input: $in) {
		slots { ` + catSlotFields + ` } userErrors { field message code } } }`
	catCreateAPIKey = `mutation($in: CreateApiKeyInput!) { p: createApiKey(input: $in) {
		o: apiKey { ` + catAPIKeyFields + ` } secret userErrors { field message code } } }`
)

// catResult is any payload of the documents above.
type catResult struct {
	O          map[string]any
	Slots      []map[string]any
	Secret     *string
	UserErrors []userError
}

// catMutate runs a mutation document with `in` as its input; GraphQL errors fail the test.
func catMutate(a *testAPI, key, doc string, in map[string]any) catResult {
	a.t.Helper()
	var out struct{ P catResult }
	a.query(key, doc, map[string]any{"in": in}, &out)
	return out.P
}

// catWrite runs a mutation that must succeed and returns the object written.
func catWrite(a *testAPI, key, doc string, in map[string]any) map[string]any {
	a.t.Helper()
	res := catMutate(a, key, doc, in)
	if len(res.UserErrors) > 0 || res.O == nil {
		a.t.Fatalf("got userErrors %+v and object %v, want the object written", res.UserErrors, res.O)
	}
	return res.O
}

// catNode reads an object back as key sees it; nil when key may not see it.
func catNode(a *testAPI, key, id, typ, fields string) map[string]any {
	a.t.Helper()
	var out struct{ Node map[string]any }
	a.query(key, fmt.Sprintf(`query($id: ID!) { node(id: $id) { ... on %s { %s } } }`, typ, fields),
		map[string]any{"id": id}, &out)
	return out.Node
}

// catHas checks that got holds every value of want (nested objects compared the same way,
// lists whole). want is written like a GraphQL input or result.
func catHas(t *testing.T, what string, got, want map[string]any) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: got null, want %s", what, catJSON(want))
		return
	}
	var norm map[string]any
	b, _ := json.Marshal(want)
	json.Unmarshal(b, &norm)
	for k, w := range norm {
		if wm, ok := w.(map[string]any); ok {
			gm, _ := got[k].(map[string]any)
			catHas(t, what+"."+k, gm, wm)
			continue
		}
		if !reflect.DeepEqual(got[k], w) {
			t.Errorf("%s.%s: got %s, want %s", what, k, catJSON(got[k]), catJSON(w))
		}
	}
}

func catJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// catMerge returns a copy of base with over's values set.
func catMerge(base, over map[string]any) map[string]any {
	out := make(map[string]any, len(base)+len(over))
	for k, v := range base {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// catID returns the id of an object read from the API.
func catID(o map[string]any) string {
	id, _ := o["id"].(string)
	return id
}

// catTables hold everything a catalogue mutation may write.
var catTables = []string{"organisations", "venues", "workshops", "programmes", "programme_workshops", "slots", "api_keys"}

// catSnapshot dumps the catalogue tables, one line each, so that a test can check that a refused
// call changed nothing. last_used_at is left out: a key records its use whatever the answer.
func catSnapshot(a *testAPI) []string {
	a.t.Helper()
	lines := make([]string, len(catTables))
	for i, table := range catTables {
		var rows string
		err := a.Pool.QueryRow(context.Background(), `SELECT coalesce(jsonb_agg(to_jsonb(t) - 'last_used_at'
			ORDER BY to_jsonb(t)::text), '[]')::text FROM `+table+` t`).Scan(&rows)
		if err != nil {
			a.t.Fatalf("snapshot %s: %v", table, err)
		}
		lines[i] = table + ": " + rows
	}
	return lines
}

// catUnchanged fails t if the catalogue differs from the snapshot before.
func catUnchanged(t *testing.T, a *testAPI, before []string) {
	t.Helper()
	after := catSnapshot(a.withT(t))
	for i := range before {
		if after[i] != before[i] {
			t.Errorf("the refused call changed the data:\n got %s\nwant %s", after[i], before[i])
		}
	}
}

// catChangesNothing runs call in a subtest named name, with the harness bound to the subtest,
// and fails it if the catalogue differs afterwards.
func catChangesNothing(t *testing.T, a *testAPI, name string, call func(t *testing.T, a *testAPI)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		a := a.withT(t)
		before := catSnapshot(a)
		call(t, a)
		catUnchanged(t, a, before)
	})
}

// catRefusedWith checks that a payload was refused with exactly one userError.
func catRefusedWith(t *testing.T, res catResult, code string, field ...string) {
	t.Helper()
	want := append([]string{"input"}, field...)
	if len(field) == 0 {
		want = nil
	}
	if len(res.UserErrors) != 1 || res.UserErrors[0].Code != code || !slices.Equal(res.UserErrors[0].Field, want) {
		t.Errorf("got userErrors %+v, want one %s on %q", res.UserErrors, code, want)
	}
	if res.O != nil || len(res.Slots) > 0 || res.Secret != nil {
		t.Errorf("got object %v, slots %v, secret %v with a refusal, want none", res.O, res.Slots, res.Secret)
	}
}
