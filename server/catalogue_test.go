package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
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

func TestCatalogueNetworkAdminCreatesOrganisationsThatEditTheirProfile(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()

	in := map[string]any{
		"name": "Régie de Quartier de Stains", "slug": "regie-quartier-stains", "kind": "REGIE_DE_QUARTIER",
		"siret": "732 829 320 00074", "phone": "06 12 34 56 78", "email": "contact@regie-stains.example",
		"website": "https://regie-stains.example/ateliers", "description": "Ateliers numériques pour tous.",
		"hostsWorkshops": true, "refersPeople": false,
	}
	// The SIRET loses its spaces; the phone, entered in the French national form, becomes E.164.
	want := catMerge(in, map[string]any{"siret": "73282932000074", "phone": "+33612345678", "isSample": false})
	org := catWrite(a, admin, catCreateOrganisation, in)
	catHas(t, "created organisation", org, want)
	if _, err := time.Parse(time.RFC3339, fmt.Sprint(org["createdAt"])); err != nil {
		t.Errorf("createdAt: got %v, want an RFC 3339 instant", org["createdAt"])
	}
	catHas(t, "organisation read back", catNode(a, "", catID(org), "Organisation", catOrganisationFields), want)
	var phone, siret string
	a.Pool.QueryRow(context.Background(), `SELECT phone, siret FROM organisations WHERE slug = $1`, in["slug"]).Scan(&phone, &siret)
	if phone != "+33612345678" || siret != "73282932000074" {
		t.Errorf("stored phone and siret: got %q %q, want +33612345678 73282932000074", phone, siret)
	}

	// The administrator gives the organisation its first key; the organisation edits its profile.
	key := catMutate(a, admin, catCreateAPIKey, map[string]any{
		"organisationId": catID(org), "label": "Back-office", "scopes": []string{"CATALOGUE_WRITE"}})
	if key.Secret == nil {
		t.Fatalf("createApiKey: got userErrors %+v and no secret, want a key", key.UserErrors)
	}
	update := map[string]any{"id": catID(org), "name": "Régie de Quartier de Stains (RQS)",
		"description": "Ateliers numériques, vélo, nettoyage.", "siret": "", "refersPeople": true}
	want = catMerge(want, map[string]any{"name": update["name"], "description": update["description"],
		"siret": nil, "refersPeople": true})
	catHas(t, "updated organisation", catWrite(a, *key.Secret, catUpdateOrganisation, update), want)
	catHas(t, "organisation read back", catNode(a, "", catID(org), "Organisation", catOrganisationFields), want)

	// A network administrator may correct any organisation's profile.
	want["kind"] = "ASSOCIATION"
	catHas(t, "organisation updated by the administrator",
		catWrite(a, admin, catUpdateOrganisation, map[string]any{"id": catID(org), "kind": "ASSOCIATION"}), want)
}

func TestCatalogueHostWritesVenues(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostID, key := a.host("regie-stains")

	in := map[string]any{
		"name": "Espace numérique de la Régie", "streetAddress": "12 avenue George Sand", "postalCode": "93240",
		"city": "Stains", "inseeCode": "93072", "latitude": 48.9536, "longitude": 2.3794,
		"openingHours":  "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
		"accessibility": map[string]any{"wheelchairAccessible": true, "hearingLoop": false, "otherSupport": "accompagnement en langue arabe"},
		"equipment":     map[string]any{"computers": 8, "wifi": true, "printer": true, "scanner": false},
		"phone":         "01.23.45.67.89", "email": "numerique@regie-stains.example",
		"accessInstructions": "Bus 150 arrêt Mairie, rez-de-chaussée, sonner à l'interphone.",
	}
	want := catMerge(in, map[string]any{"phone": "+33123456789", "isArchived": false,
		"organisation": map[string]any{"id": hostID}})
	venue := catWrite(a, key, catCreateVenue, in)
	catHas(t, "created venue", venue, want)
	catHas(t, "venue read back", catNode(a, "", catID(venue), "Venue", catVenueFields), want)

	// Omitted fields stay; an empty string clears an optional text; accessibility is replaced whole.
	update := map[string]any{"id": catID(venue), "name": "Espace numérique", "inseeCode": "",
		"openingHours": "Mo-Sa 09:00-12:00", "accessibility": map[string]any{"hearingLoop": true}}
	want = catMerge(want, map[string]any{"name": "Espace numérique", "inseeCode": nil, "openingHours": "Mo-Sa 09:00-12:00",
		"accessibility": map[string]any{"wheelchairAccessible": false, "hearingLoop": true, "otherSupport": ""}})
	catHas(t, "updated venue", catWrite(a, key, catUpdateVenue, update), want)
	catHas(t, "venue read back", catNode(a, "", catID(venue), "Venue", catVenueFields), want)

	want["isArchived"] = true
	catHas(t, "archived venue", catWrite(a, key, catArchiveVenue, map[string]any{"id": catID(venue)}), want)
	catHas(t, "venue read back", catNode(a, "", catID(venue), "Venue", catVenueFields), want)
	for _, includeArchived := range []bool{false, true} {
		var out struct {
			Venues struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		a.query("", `query($org: ID!, $all: Boolean) { venues(filter: {organisationIds: [$org], includeArchived: $all}) { edges { node { id } } } }`,
			map[string]any{"org": hostID, "all": includeArchived}, &out)
		if got := len(out.Venues.Edges); got != map[bool]int{false: 0, true: 1}[includeArchived] {
			t.Errorf("venues with includeArchived %v: got %d, want the archived venue listed only then", includeArchived, got)
		}
	}
}

func TestCatalogueHostWritesAndPublishesWorkshops(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostID, key := a.host("regie-stains")

	// A workshop is a draft, for beginners, for everyone, in French unless it says otherwise.
	draft := catWrite(a, key, catCreateWorkshop, map[string]any{
		"title": "  Faire son CV  ", "topics": []string{"CV_AND_JOB_SEARCH"}, "durationMinutes": 120})
	catHas(t, "draft", draft, map[string]any{"title": "Faire son CV", "status": "DRAFT", "level": "BEGINNER",
		"audiences": []string{"EVERYONE"}, "languages": []string{"fr"}, "whatToBring": []string{},
		"resources": []any{}, "summary": "", "organisation": map[string]any{"id": hostID}})
	if got := catNode(a, "", catID(draft), "Workshop", "id"); got != nil {
		t.Errorf("draft seen by the public: got %v, want null", got)
	}

	in := map[string]any{
		"title": "Mon espace France Travail", "summary": "Créer et utiliser son espace personnel.",
		"description": "Inscription, actualisation, candidatures.", "topics": []string{"FRANCE_TRAVAIL_PROCEDURES", "CV_AND_JOB_SEARCH"},
		"level": "INTERMEDIATE", "durationMinutes": 90, "audiences": []string{"JOB_SEEKERS", "EMPLOYEES_IN_INSERTION"},
		"whatToBring": []string{"Pièce d'identité", "Identifiants France Travail"}, "languages": []string{"fr", "ar", "en-GB"},
		"prerequisites": "Savoir allumer un téléphone.", "status": "DRAFT",
		"resources": []map[string]any{{"title": "Les Bons Clics : créer son CV", "url": "https://www.lesbonsclics.fr/fr/"}},
	}
	w := catWrite(a, key, catCreateWorkshop, in)
	want := catMerge(in, map[string]any{"organisation": map[string]any{"id": hostID}})
	catHas(t, "created workshop", w, want)

	// Publishing makes it public.
	want = catMerge(want, map[string]any{"status": "PUBLISHED", "durationMinutes": 120, "topics": []string{"FRANCE_TRAVAIL_PROCEDURES"}})
	catHas(t, "published workshop", catWrite(a, key, catUpdateWorkshop, map[string]any{
		"id": catID(w), "status": "PUBLISHED", "durationMinutes": 120, "topics": []string{"FRANCE_TRAVAIL_PROCEDURES"}}), want)
	catHas(t, "published workshop seen by the public", catNode(a, "", catID(w), "Workshop", catWorkshopFields), want)

	// Archiving withdraws it from the public; its organisation still sees it.
	want["status"] = "ARCHIVED"
	catHas(t, "archived workshop", catWrite(a, key, catArchiveWorkshop, map[string]any{"id": catID(w)}), want)
	if got := catNode(a, "", catID(w), "Workshop", "id"); got != nil {
		t.Errorf("archived workshop seen by the public: got %v, want null", got)
	}
	catHas(t, "archived workshop seen by its organisation", catNode(a, key, catID(w), "Workshop", catWorkshopFields), want)
}

func TestCatalogueProgrammeKeepsItsWorkshopsInCourseOrder(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostID, key := a.host("regie-stains")
	cv := a.workshop(key, map[string]any{"title": "Faire son CV"})
	ft := a.workshop(key, map[string]any{"title": "Mon espace France Travail", "topics": []string{"FRANCE_TRAVAIL_PROCEDURES"}})
	scan := a.workshop(key, map[string]any{"title": "Scanner un document", "topics": []string{"SCANNING_DOCUMENTS"}})
	order := func(ids ...string) []map[string]any {
		out := make([]map[string]any, len(ids))
		for i, id := range ids {
			out[i] = map[string]any{"id": id}
		}
		return out
	}

	p := catWrite(a, key, catCreateProgramme, map[string]any{"title": "Parcours numérique vers l'emploi",
		"description": "Quatre ateliers de deux heures.", "workshopIds": []string{scan, cv, ft}})
	want := map[string]any{"title": "Parcours numérique vers l'emploi", "description": "Quatre ateliers de deux heures.",
		"status": "DRAFT", "workshops": order(scan, cv, ft), "organisation": map[string]any{"id": hostID}}
	catHas(t, "created programme", p, want)
	if got := catNode(a, "", catID(p), "Programme", "id"); got != nil {
		t.Errorf("draft programme seen by the public: got %v, want null", got)
	}

	want = catMerge(want, map[string]any{"title": "Parcours emploi", "status": "PUBLISHED", "workshops": order(ft, scan)})
	catHas(t, "updated programme", catWrite(a, key, catUpdateProgramme, map[string]any{"id": catID(p),
		"title": "Parcours emploi", "status": "PUBLISHED", "workshopIds": []string{ft, scan}}), want)
	catHas(t, "programme seen by the public", catNode(a, "", catID(p), "Programme", catProgrammeFields), want)

	want["status"] = "ARCHIVED"
	catHas(t, "archived programme", catWrite(a, key, catArchiveProgramme, map[string]any{"id": catID(p)}), want)
	if got := catNode(a, "", catID(p), "Programme", "id"); got != nil {
		t.Errorf("archived programme seen by the public: got %v, want null", got)
	}
}

func TestCatalogueAPIKeySecretIsShownOnceAndRevocationIsImmediate(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	org := catWrite(a, admin, catCreateOrganisation, map[string]any{"name": "CCAS de Stains", "slug": "ccas-stains", "kind": "CCAS"})
	listKeys := func(key string) []map[string]any {
		t.Helper()
		var out struct {
			APIKeys struct {
				Edges []struct{ Node map[string]any }
			}
		}
		a.query(key, `{ apiKeys { edges { node { `+catAPIKeyFields+` } } } }`, nil, &out)
		nodes := make([]map[string]any, len(out.APIKeys.Edges))
		for i, e := range out.APIKeys.Edges {
			nodes[i] = e.Node
		}
		return nodes
	}

	// An administrator creates the organisation's first key.
	first := catMutate(a, admin, catCreateAPIKey, map[string]any{"organisationId": catID(org),
		"label": "Back-office", "scopes": []string{"KEYS_MANAGE", "CATALOGUE_WRITE"}})
	if first.Secret == nil || len(first.UserErrors) > 0 {
		t.Fatalf("createApiKey: got userErrors %+v, want a key and its secret", first.UserErrors)
	}
	manager := *first.Secret
	catHas(t, "first key", first.O, map[string]any{"label": "Back-office", "scopes": []string{"CATALOGUE_WRITE", "KEYS_MANAGE"},
		"isNetworkAdmin": false, "lastUsedAt": nil, "revokedAt": nil, "organisation": map[string]any{"id": catID(org)}})
	if created, err := time.Parse(time.RFC3339, fmt.Sprint(first.O["createdAt"])); err != nil || time.Since(created) > time.Minute {
		t.Errorf("createdAt: got %v, want now", first.O["createdAt"])
	}
	if prefix := fmt.Sprint(first.O["prefix"]); !strings.HasPrefix(manager, prefix) || len(manager) < len(prefix)+22 {
		t.Errorf("secret %d characters long with prefix %q: want the prefix to start a secret of at least 128 bits", len(manager), prefix)
	}

	// The secret works as a Bearer key at once.
	var viewer struct {
		Viewer struct {
			Organisation struct{ ID string }
			Scopes       []string
		}
	}
	a.query(manager, `{ viewer { organisation { id } scopes } }`, nil, &viewer)
	if viewer.Viewer.Organisation.ID != catID(org) || !slices.Equal(viewer.Viewer.Scopes, []string{"CATALOGUE_WRITE", "KEYS_MANAGE"}) {
		t.Errorf("viewer of the new key: got %+v, want the CCAS with its two scopes", viewer.Viewer)
	}

	// The KEYS_MANAGE key creates a narrower key of its own organisation.
	site := catMutate(a, manager, catCreateAPIKey, map[string]any{"label": "Site public", "scopes": []string{"CATALOGUE_WRITE"}})
	if site.Secret == nil || len(site.UserErrors) > 0 {
		t.Fatalf("createApiKey by the manager: got userErrors %+v, want a key", site.UserErrors)
	}
	keys := listKeys(manager)
	if len(keys) != 2 {
		t.Fatalf("apiKeys: got %d keys, want 2", len(keys))
	}
	catHas(t, "newest key", keys[0], map[string]any{"id": catID(site.O), "label": "Site public",
		"scopes": []string{"CATALOGUE_WRITE"}, "lastUsedAt": nil, "revokedAt": nil})
	catHas(t, "older key", keys[1], map[string]any{"id": catID(first.O), "label": "Back-office", "revokedAt": nil})
	if keys[1]["lastUsedAt"] == nil {
		t.Errorf("lastUsedAt of a key just used: got null, want its last use")
	}

	a.query(*site.Secret, `{ viewer { isAnonymous } }`, nil, nil)
	if got := listKeys(manager)[0]["lastUsedAt"]; got == nil {
		t.Errorf("lastUsedAt after the key's first use: got null, want set")
	}

	// The secret is shown once: no listing, no table holds it.
	for name, secret := range map[string]string{"manager": manager, "site": *site.Secret} {
		if r := a.post(manager, `{ apiKeys { edges { node { `+catAPIKeyFields+` } } } }`, nil); strings.Contains(string(r.Data), secret) {
			t.Errorf("the %s secret appears in apiKeys", name)
		}
		if strings.Contains(strings.Join(catSnapshot(a), "\n"), secret) {
			t.Errorf("the %s secret is stored in clear", name)
		}
	}

	// Revocation is immediate: the next request with the key is refused with 401.
	revoked := catWrite(a, manager, catRevokeAPIKey, map[string]any{"id": catID(site.O)})
	if revoked["revokedAt"] == nil {
		t.Errorf("revokedAt: got null, want the revocation time")
	}
	if r := a.post(*site.Secret, `{ viewer { isAnonymous } }`, nil); r.Status != 401 || len(r.Errors) != 1 || r.Errors[0].Code() != "UNAUTHENTICATED" {
		t.Errorf("revoked key: got status %d errors %+v, want 401 UNAUTHENTICATED", r.Status, r.Errors)
	}
	if got := listKeys(manager)[0]["revokedAt"]; got == nil {
		t.Errorf("revokedAt in apiKeys: got null, want set")
	}

	// An administrator also creates other administrator keys.
	other := catMutate(a, admin, catCreateAPIKey, map[string]any{"label": "Deuxième admin", "scopes": []string{}})
	catHas(t, "administrator key", other.O, map[string]any{"isNetworkAdmin": true, "organisation": nil, "scopes": []string{}})
}

func TestCatalogueWritesNeedCatalogueWriteOnTheObjectsOrganisation(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	hostID, hostKey := a.host("regie-stains")
	_, otherKey := a.host("emmaus-connect")
	sameOrg := catMutate(a, admin, catCreateAPIKey, map[string]any{"organisationId": hostID, "label": "Sans catalogue",
		"scopes": []string{"REGISTRATIONS_WRITE", "REGISTRATIONS_READ", "ATTENDANCE_WRITE", "REPORTS_READ", "KEYS_MANAGE"}})
	if sameOrg.Secret == nil {
		t.Fatalf("createApiKey: %+v", sameOrg.UserErrors)
	}
	venue := a.venue(hostKey, nil)
	workshop := a.workshop(hostKey, nil)
	slot := a.slot(hostKey, workshop, venue, "2032-11-09T14:00", nil)
	programme := catID(catWrite(a, hostKey, catCreateProgramme, map[string]any{"title": "Parcours", "workshopIds": []string{workshop}, "status": "PUBLISHED"}))

	const (
		unauthenticated = "UNAUTHENTICATED"
		forbidden       = "FORBIDDEN"
		allowed         = "" // tested with the mutation's successes
	)
	// One row per mutation, with what each caller gets: anonymous, a key of the same
	// organisation without CATALOGUE_WRITE, a CATALOGUE_WRITE key of another organisation (on
	// this organisation's objects), and a network administrator key, which creates
	// organisations and keys but no catalogue.
	for _, m := range []struct {
		mutation, doc                       string
		in                                  map[string]any
		anonymous, sameOrg, otherOrg, admin string
	}{
		{"createOrganisation", catCreateOrganisation, map[string]any{"name": "Mairie", "slug": "mairie", "kind": "MAIRIE"},
			unauthenticated, forbidden, forbidden, allowed},
		{"updateOrganisation", catUpdateOrganisation, map[string]any{"id": hostID, "name": "Renamed"},
			unauthenticated, forbidden, forbidden, allowed},
		{"createVenue", catCreateVenue, map[string]any{"name": "Lieu", "streetAddress": "1 rue", "postalCode": "93240", "city": "Stains"},
			unauthenticated, forbidden, allowed, forbidden},
		{"updateVenue", catUpdateVenue, map[string]any{"id": venue, "name": "Renamed"},
			unauthenticated, forbidden, forbidden, forbidden},
		{"archiveVenue", catArchiveVenue, map[string]any{"id": venue},
			unauthenticated, forbidden, forbidden, forbidden},
		{"createWorkshop", catCreateWorkshop, map[string]any{"title": "Atelier", "topics": []string{"EMAIL"}, "durationMinutes": 60},
			unauthenticated, forbidden, allowed, forbidden},
		{"updateWorkshop", catUpdateWorkshop, map[string]any{"id": workshop, "status": "DRAFT"},
			unauthenticated, forbidden, forbidden, forbidden},
		{"archiveWorkshop", catArchiveWorkshop, map[string]any{"id": workshop},
			unauthenticated, forbidden, forbidden, forbidden},
		// Another organisation naming this one's workshops gets WRONG_ORGANISATION (see the input tests).
		{"createProgramme", catCreateProgramme, map[string]any{"title": "Parcours", "workshopIds": []string{workshop}},
			unauthenticated, forbidden, allowed, forbidden},
		{"updateProgramme", catUpdateProgramme, map[string]any{"id": programme, "title": "Renamed"},
			unauthenticated, forbidden, forbidden, forbidden},
		{"archiveProgramme", catArchiveProgramme, map[string]any{"id": programme},
			unauthenticated, forbidden, forbidden, forbidden},
		{"scheduleSlot", catScheduleSlot, map[string]any{"workshopId": workshop, "venueId": venue, "startsAt": "2032-11-16T14:00", "capacity": 8},
			unauthenticated, forbidden, forbidden, forbidden},
		{"scheduleSlotSeries", catScheduleSlotSeries, map[string]any{"workshopId": workshop, "venueId": venue,
			"firstStartsAt": "2032-11-23T14:00", "occurrences": 3, "capacity": 8},
			unauthenticated, forbidden, forbidden, forbidden},
		{"updateSlot", catUpdateSlot, map[string]any{"id": slot, "capacity": 12},
			unauthenticated, forbidden, forbidden, forbidden},
		{"cancelSlot", catCancelSlot, map[string]any{"id": slot, "reason": "Médiatrice absente"},
			unauthenticated, forbidden, forbidden, forbidden},
	} {
		for _, c := range []struct{ caller, key, want string }{
			{"anonymous", "", m.anonymous},
			{"same organisation without CATALOGUE_WRITE", *sameOrg.Secret, m.sameOrg},
			{"another organisation with CATALOGUE_WRITE", otherKey, m.otherOrg},
			{"network administrator", admin, m.admin},
		} {
			if c.want == allowed {
				continue
			}
			t.Run(m.mutation+"/"+c.caller, func(t *testing.T) {
				a := a.withT(t)
				before := catSnapshot(a)
				r := a.post(c.key, m.doc, map[string]any{"in": m.in})
				if len(r.Errors) == 0 || r.Errors[0].Code() != c.want {
					t.Errorf("got errors %+v data %s, want %s", r.Errors, r.Data, c.want)
				}
				catUnchanged(t, a, before)
			})
		}
	}

	// A host cannot use another organisation's venue for its own slots either.
	otherVenue := a.venue(otherKey, nil)
	for name, call := range map[string]struct {
		doc string
		in  map[string]any
	}{
		"scheduleSlot at another organisation's venue": {catScheduleSlot, map[string]any{"workshopId": workshop, "venueId": otherVenue,
			"startsAt": "2032-11-16T14:00", "capacity": 8}},
		"updateSlot to another organisation's venue": {catUpdateSlot, map[string]any{"id": slot, "venueId": otherVenue}},
	} {
		t.Run(name, func(t *testing.T) {
			a := a.withT(t)
			before := catSnapshot(a)
			if got := a.errorCode(hostKey, call.doc, map[string]any{"in": call.in}); got != forbidden {
				t.Errorf("got %s, want %s", got, forbidden)
			}
			catUnchanged(t, a, before)
		})
	}
}

func TestCatalogueKeysManageCannotMintStrongerOrForeignKeys(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	hostID, manager := a.org("regie-stains", "KEYS_MANAGE", "CATALOGUE_WRITE")
	otherID, otherManager := a.org("emmaus-connect", "KEYS_MANAGE", "CATALOGUE_WRITE", "REPORTS_READ")
	_, writer := a.host("ccas-stains")
	target := catMutate(a, manager, catCreateAPIKey, map[string]any{"label": "Site public", "scopes": []string{"CATALOGUE_WRITE"}})
	if target.Secret == nil {
		t.Fatalf("createApiKey: %+v", target.UserErrors)
	}
	var adminKeys struct {
		APIKeys struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	a.query(admin, `{ apiKeys { edges { node { id } } } }`, nil, &adminKeys)
	if len(adminKeys.APIKeys.Edges) != 1 {
		t.Fatalf("administrator keys: got %d, want 1", len(adminKeys.APIKeys.Edges))
	}
	adminKeyID := adminKeys.APIKeys.Edges[0].Node.ID

	for _, c := range []struct {
		name, key, doc string
		in             map[string]any
		want           string
	}{
		{"anonymous creates a key", "", catCreateAPIKey,
			map[string]any{"organisationId": hostID, "label": "x", "scopes": []string{"CATALOGUE_WRITE"}}, "UNAUTHENTICATED"},
		{"a key without KEYS_MANAGE creates a key", writer, catCreateAPIKey,
			map[string]any{"label": "x", "scopes": []string{"CATALOGUE_WRITE"}}, "FORBIDDEN"},
		{"KEYS_MANAGE grants a scope it does not hold", manager, catCreateAPIKey,
			map[string]any{"label": "x", "scopes": []string{"CATALOGUE_WRITE", "REPORTS_READ"}}, "FORBIDDEN"},
		{"KEYS_MANAGE creates a key of another organisation", manager, catCreateAPIKey,
			map[string]any{"organisationId": otherID, "label": "x", "scopes": []string{"CATALOGUE_WRITE"}}, "FORBIDDEN"},
		{"anonymous revokes a key", "", catRevokeAPIKey, map[string]any{"id": catID(target.O)}, "UNAUTHENTICATED"},
		{"anonymous lists keys", "", `{ apiKeys { edges { node { id } } } }`, nil, "UNAUTHENTICATED"},
		{"a key without KEYS_MANAGE lists keys", writer, `{ apiKeys { edges { node { id } } } }`, nil, "FORBIDDEN"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			before := catSnapshot(a)
			if got := a.errorCode(c.key, c.doc, map[string]any{"in": c.in}); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
			catUnchanged(t, a, before)
		})
	}
	// Keys a caller may not manage are as invisible to revokeApiKey as to node: NOT_FOUND.
	for name, c := range map[string]struct{ key, id string }{
		"a key without KEYS_MANAGE revokes a key":           {*target.Secret, catID(target.O)},
		"KEYS_MANAGE of another organisation revokes a key": {otherManager, catID(target.O)},
		"KEYS_MANAGE revokes an administrator key":          {manager, adminKeyID},
	} {
		t.Run(name, func(t *testing.T) {
			a := a.withT(t)
			before := catSnapshot(a)
			catRefusedWith(t, catMutate(a, c.key, catRevokeAPIKey, map[string]any{"id": c.id}), "NOT_FOUND", "id")
			catUnchanged(t, a, before)
		})
	}
	a.query(*target.Secret, `{ viewer { isAnonymous } }`, nil, nil) // still works: nobody revoked it

	// An administrator creates any organisation's first key, with any scopes.
	orgID := catID(catWrite(a, admin, catCreateOrganisation, map[string]any{"name": "Médiathèque", "slug": "mediatheque", "kind": "MEDIATHEQUE"}))
	first := catMutate(a, admin, catCreateAPIKey, map[string]any{"organisationId": orgID, "label": "Premier",
		"scopes": []string{"KEYS_MANAGE", "CATALOGUE_WRITE", "REPORTS_READ"}})
	catHas(t, "first key by the administrator", first.O, map[string]any{"organisation": map[string]any{"id": orgID},
		"scopes": []string{"CATALOGUE_WRITE", "KEYS_MANAGE", "REPORTS_READ"}})
}

func TestCatalogueInvalidInputGetsUserErrorsAndChangesNothing(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	hostID, key := a.host("regie-stains")
	_, otherKey := a.host("emmaus-connect")
	venue := a.venue(key, nil)
	workshop := a.workshop(key, nil)
	second := a.workshop(key, map[string]any{"title": "Scanner un document", "topics": []string{"SCANNING_DOCUMENTS"}})
	otherWorkshop := a.workshop(otherKey, nil)
	programme := catID(catWrite(a, key, catCreateProgramme, map[string]any{"title": "Parcours", "workshopIds": []string{workshop}}))

	org := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"name": "Mairie de Stains", "slug": "mairie-stains", "kind": "MAIRIE"}, over)
	}
	newVenue := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"name": "Médiathèque", "streetAddress": "1 rue Carnot", "postalCode": "93240", "city": "Stains"}, over)
	}
	newWorkshop := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"title": "Créer son adresse mail", "topics": []string{"EMAIL"}, "durationMinutes": 60}, over)
	}
	for _, c := range []struct {
		name, key, doc string
		in             map[string]any
		code, field    string
		message        string // part of the message, when it says where the mistake is
	}{
		{"blank organisation name", admin, catCreateOrganisation, org(map[string]any{"name": "   "}), "REQUIRED", "name", ""},
		{"organisation name of 201 characters", admin, catCreateOrganisation, org(map[string]any{"name": strings.Repeat("é", 201)}), "TOO_LONG", "name", ""},
		{"slug with capitals and spaces", admin, catCreateOrganisation, org(map[string]any{"slug": "Mairie Stains"}), "INVALID", "slug", ""},
		{"slug of one character", admin, catCreateOrganisation, org(map[string]any{"slug": "m"}), "INVALID", "slug", ""},
		{"slug with a double dash", admin, catCreateOrganisation, org(map[string]any{"slug": "mairie--stains"}), "INVALID", "slug", ""},
		{"slug already taken", admin, catCreateOrganisation, org(map[string]any{"slug": "regie-stains"}), "TAKEN", "slug", ""},
		{"SIRET failing Luhn", admin, catCreateOrganisation, org(map[string]any{"siret": "73282932000075"}), "INVALID", "siret", ""},
		{"SIRET of 13 digits", admin, catCreateOrganisation, org(map[string]any{"siret": "7328293200007"}), "INVALID", "siret", ""},
		{"SIRET failing Luhn on update", key, catUpdateOrganisation, map[string]any{"id": hostID, "siret": "73282932000075"}, "INVALID", "siret", ""},
		{"blank organisation name on update", key, catUpdateOrganisation, map[string]any{"id": hostID, "name": ""}, "REQUIRED", "name", ""},

		{"blank venue name", key, catCreateVenue, newVenue(map[string]any{"name": " "}), "REQUIRED", "name", ""},
		{"INSEE code of four digits", key, catCreateVenue, newVenue(map[string]any{"inseeCode": "9307"}), "INVALID", "inseeCode", ""},
		{"latitude without longitude", key, catCreateVenue, newVenue(map[string]any{"latitude": 48.9536}), "INVALID", "latitude", ""},
		{"latitude beyond the pole", key, catCreateVenue, newVenue(map[string]any{"latitude": 91, "longitude": 2.3794}), "INVALID", "latitude", ""},
		{"opening hours 9h-12h", key, catCreateVenue, newVenue(map[string]any{"openingHours": "9h-12h"}), "INVALID", "openingHours", "at character 1"},
		{"computers beyond 500", key, catCreateVenue, newVenue(map[string]any{"equipment": map[string]any{"computers": 501}}), "INVALID", "equipment.computers", ""},
		{"INSEE code of four digits on update", key, catUpdateVenue, map[string]any{"id": venue, "inseeCode": "9307"}, "INVALID", "inseeCode", ""},
		{"latitude without longitude on update", key, catUpdateVenue, map[string]any{"id": venue, "latitude": 48.9}, "INVALID", "latitude", ""},
		{"opening hours Mo-Fr 9h-12h on update", key, catUpdateVenue, map[string]any{"id": venue, "openingHours": "Mo-Fr 9h-12h"}, "INVALID", "openingHours", "at character 7"},

		{"blank workshop title", key, catCreateWorkshop, newWorkshop(map[string]any{"title": "  "}), "REQUIRED", "title", ""},
		{"workshop title of 201 characters", key, catCreateWorkshop, newWorkshop(map[string]any{"title": strings.Repeat("é", 201)}), "TOO_LONG", "title", ""},
		{"no topics", key, catCreateWorkshop, newWorkshop(map[string]any{"topics": []string{}}), "INVALID", "topics", ""},
		{"no audiences", key, catCreateWorkshop, newWorkshop(map[string]any{"audiences": []string{}}), "REQUIRED", "audiences", ""},
		{"5-minute workshop", key, catCreateWorkshop, newWorkshop(map[string]any{"durationMinutes": 5}), "INVALID", "durationMinutes", ""},
		{"language that is not a BCP 47 tag", key, catCreateWorkshop, newWorkshop(map[string]any{"languages": []string{"français"}}), "INVALID", "languages", ""},
		{"5-minute workshop on update", key, catUpdateWorkshop, map[string]any{"id": workshop, "durationMinutes": 5}, "INVALID", "durationMinutes", ""},
		{"no topics on update", key, catUpdateWorkshop, map[string]any{"id": workshop, "topics": []string{}}, "INVALID", "topics", ""},

		{"blank programme title", key, catCreateProgramme, map[string]any{"title": " ", "workshopIds": []string{workshop}}, "REQUIRED", "title", ""},
		{"programme with another organisation's workshop", key, catCreateProgramme,
			map[string]any{"title": "Parcours", "workshopIds": []string{workshop, otherWorkshop}}, "WRONG_ORGANISATION", "workshopIds", ""},
		{"programme repeating a workshop", key, catCreateProgramme,
			map[string]any{"title": "Parcours", "workshopIds": []string{workshop, second, workshop}}, "INVALID", "workshopIds", ""},
		{"programme without workshops", key, catCreateProgramme, map[string]any{"title": "Parcours", "workshopIds": []string{}}, "INVALID", "workshopIds", ""},
		{"another organisation's workshop on update", key, catUpdateProgramme,
			map[string]any{"id": programme, "workshopIds": []string{otherWorkshop}}, "WRONG_ORGANISATION", "workshopIds", ""},
		{"repeated workshop on update", key, catUpdateProgramme,
			map[string]any{"id": programme, "workshopIds": []string{second, second}}, "INVALID", "workshopIds", ""},

		{"blank key label", admin, catCreateAPIKey, map[string]any{"organisationId": hostID, "label": " ", "scopes": []string{"CATALOGUE_WRITE"}}, "REQUIRED", "label", ""},
		{"organisation key without scopes", admin, catCreateAPIKey, map[string]any{"organisationId": hostID, "label": "Vide", "scopes": []string{}}, "REQUIRED", "scopes", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			before := catSnapshot(a)
			res := catMutate(a, c.key, c.doc, c.in)
			catRefusedWith(t, res, c.code, strings.Split(c.field, ".")...)
			if len(res.UserErrors) == 1 && !strings.Contains(res.UserErrors[0].Message, c.message) {
				t.Errorf("message: got %q, want it to say %q", res.UserErrors[0].Message, c.message)
			}
			catUnchanged(t, a, before)
		})
	}
}

func TestCatalogueMalformedScalarsAreGraphQLErrors(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	hostID, key := a.host("regie-stains")
	venue := a.venue(key, nil)
	org := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"name": "Mairie de Stains", "slug": "mairie-stains", "kind": "MAIRIE"}, over)
	}
	newVenue := map[string]any{"name": "Médiathèque", "streetAddress": "1 rue Carnot", "city": "Stains"}

	// Scalars are checked while the request is read, before any resolver runs: the client gets
	// a validation error (422) naming the scalar, not a userError, and nothing is written.
	for _, c := range []struct {
		name, key, doc string
		in             map[string]any
		scalar, field  string
	}{
		{"postal code of four digits", key, catCreateVenue, catMerge(newVenue, map[string]any{"postalCode": "9324"}), "PostalCode", "postalCode"},
		{"postal code of four digits on update", key, catUpdateVenue, map[string]any{"id": venue, "postalCode": "9324"}, "PostalCode", "postalCode"},
		{"phone of five digits", admin, catCreateOrganisation, org(map[string]any{"phone": "12345"}), "PhoneNumber", "phone"},
		{"phone of five digits on update", key, catUpdateOrganisation, map[string]any{"id": hostID, "phone": "12345"}, "PhoneNumber", "phone"},
		{"email without an at sign", admin, catCreateOrganisation, org(map[string]any{"email": "not-an-email"}), "Email", "email"},
		{"ftp website", admin, catCreateOrganisation, org(map[string]any{"website": "ftp://x"}), "URL", "website"},
		{"venue phone of five digits", key, catCreateVenue, catMerge(newVenue, map[string]any{"postalCode": "93240", "phone": "12345"}), "PhoneNumber", "phone"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			before := catSnapshot(a)
			r := a.post(c.key, c.doc, map[string]any{"in": c.in})
			if r.Status != http.StatusUnprocessableEntity || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" ||
				!strings.Contains(r.Errors[0].Message, c.scalar) {
				t.Errorf("got status %d, errors %+v, want 422 and one GRAPHQL_VALIDATION_FAILED naming %s", r.Status, r.Errors, c.scalar)
			} else if path := r.Errors[0].Path; len(path) == 0 || path[len(path)-1] != c.field {
				t.Errorf("error path: got %v, want it to end at %s", path, c.field)
			}
			if string(r.Data) != "null" && string(r.Data) != "" {
				t.Errorf("got data %s, want null", r.Data)
			}
			catUnchanged(t, a, before)
		})
	}

	// The same value written inline in the document is refused alike.
	t.Run("postal code of four digits inline", func(t *testing.T) {
		a := a.withT(t)
		before := catSnapshot(a)
		r := a.post(key, `mutation { createVenue(input: {name: "Lieu", streetAddress: "1 rue Carnot", postalCode: "9324", city: "Stains"}) { venue { id } } }`, nil)
		if r.Status != http.StatusUnprocessableEntity || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" ||
			!strings.Contains(r.Errors[0].Message, "PostalCode") {
			t.Errorf("got status %d, errors %+v, want 422 and one GRAPHQL_VALIDATION_FAILED naming PostalCode", r.Status, r.Errors)
		}
		catUnchanged(t, a, before)
	})
}

func TestCatalogueValidIdentifiersAndLongTextsAreAccepted(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	_, key := a.host("regie-stains")

	// SIRETs pass the Luhn check, except La Poste's establishments (SIREN 356000000), whose
	// digits add up to a multiple of 5; La Poste's head office itself follows Luhn.
	for i, c := range []struct{ name, siret, stored string }{
		{"SIRET passing Luhn", "73282932000074", "73282932000074"},
		{"SIRET with spaces", "732 829 320 00074", "73282932000074"},
		{"La Poste establishment, digits adding up to a multiple of 5", "35600000000010", "35600000000010"},
		{"La Poste head office, passing Luhn", "35600000000048", "35600000000048"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			res := catMutate(a, admin, catCreateOrganisation, map[string]any{"name": "Structure", "slug": fmt.Sprintf("structure-%d", i),
				"kind": "OTHER", "siret": c.siret})
			if len(res.UserErrors) > 0 || res.O == nil || res.O["siret"] != c.stored {
				t.Errorf("got siret %v and userErrors %+v, want %s accepted", res.O["siret"], res.UserErrors, c.stored)
			}
		})
	}

	// Lengths are counted in characters, as the schema says, not in bytes: 200 accented
	// letters are a valid title.
	long := strings.Repeat("é", 200)
	for _, c := range []struct {
		name, doc string
		in        map[string]any
	}{
		{"organisation name", catCreateOrganisation, map[string]any{"name": long, "slug": "longue", "kind": "OTHER"}},
		{"venue name", catCreateVenue, map[string]any{"name": long, "streetAddress": "1 rue Carnot", "postalCode": "93240", "city": "Stains"}},
		{"workshop title", catCreateWorkshop, map[string]any{"title": long, "topics": []string{"EMAIL"}, "durationMinutes": 60}},
		{"learning resource title", catCreateWorkshop, map[string]any{"title": "Atelier", "topics": []string{"EMAIL"}, "durationMinutes": 60,
			"resources": []map[string]any{{"title": long, "url": "https://www.lesbonsclics.fr/fr/"}}}},
		{"programme title", catCreateProgramme, map[string]any{"title": long, "workshopIds": []string{a.workshop(key, nil)}}},
	} {
		t.Run(c.name+" of 200 accented letters", func(t *testing.T) {
			a := a.withT(t)
			k := key
			if c.doc == catCreateOrganisation {
				k = admin
			}
			if res := catMutate(a, k, c.doc, c.in); len(res.UserErrors) > 0 || res.O == nil {
				t.Errorf("got userErrors %+v, want the object created", res.UserErrors)
			}
		})
	}
}
