package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
)

// Who may do what (README, "Who sees what"): "Authorization is checked on every path to an object: direct
// fields, node, nodes, nested connections. A test enumerates callers × operations against an
// expected table." This is that test for the catalogue and the administration; the personal
// data of registrations has its own matrix in privacy_test.go.
//
// The expected table is testdata/authorization.txt, written for a human reviewer: one row per
// operation and object, one column per caller. TestAuthorization builds one small world, runs
// every row as every caller over real HTTP, derives a short outcome word from each answer and
// compares the observed table with the file. On a mismatch it prints the observed table; run
// with -update (after the package: go test flags end at the first unknown one) or with
// UPDATE_AUTHORIZATION=1 to write it into the file, then review the diff:
//
//	UPDATE_AUTHORIZATION=1 make test PKGS=./server/ TESTFLAGS='-run TestAuthorization'
//	go test ./server/ -run TestAuthorization -update   (with DATABASE_URL or a running cluster)

var updateAuthorization = flag.Bool("update", false, "TestAuthorization: write the observed outcomes to "+authzFile)

// authzUpdate reports whether to write the table: -update, or UPDATE_AUTHORIZATION=1.
func authzUpdate() bool { return *updateAuthorization || os.Getenv("UPDATE_AUTHORIZATION") == "1" }

const authzFile = "testdata/authorization.txt"

// authzCallers are the columns of the table, in order.
var authzCallers = []string{"anonymous", "host", "host-read", "other-host", "partner", "admin", "revoked"}

// authzPreamble heads the table file; -update writes it again from here.
const authzPreamble = `# Who may do what: the outcome of every operation (rows) for every caller (columns), checked
# by TestAuthorization (server/authorization_test.go) over real HTTP. Authorization is
# checked on every path to an object (direct fields, node, nodes, nested connections). The
# personal data of registrations has its own matrix in server/privacy_test.go.
#
# This file is the expected table. When behaviour changes on purpose, run
#     UPDATE_AUTHORIZATION=1 make test PKGS=./server/ TESTFLAGS='-run TestAuthorization'
# and review the diff. Comment lines (# ...) right above a row are kept by -update;
# "# BUG?:" marks an observed outcome that looks wrong against the README's rules.
#
# Callers:
#   anonymous   no API key (the public website)
#   host        a key of the host organisation (Régie de Quartier de Stains) with every scope
#   host-read   a key of the same organisation with REGISTRATIONS_READ and REPORTS_READ only
#   other-host  a key of another host organisation (Emmaüs Connect) with every scope
#   partner     a France Travail key with REGISTRATIONS_WRITE only; it referred the registrations
#   admin       a network administrator key
#   revoked     a key of the host organisation with every scope, revoked
#
# Objects, all of the host organisation:
#   org:host            the organisation
#   venue:open          a venue; venue:archived an archived one
#   workshop:published  a published workshop; workshop:draft, workshop:archived likewise
#   programme:published published, holding workshop:published then workshop:draft
#   programme:draft     a draft programme of workshop:published
#   programme:course    published, workshop:published only (for enrol)
#   slot:public         a public slot of workshop:published at venue:open, in 2031;
#                       slot:partners, slot:internal likewise with that visibility
#   slot:draft-workshop a public slot of workshop:draft
#   slot:full           a public slot of one seat, taken
#   allocation:partner  seats of slot:public reserved for the partner;
#                       allocation:internal the same on slot:internal, reserved while it
#                       was for partners (reserveSeats refuses internal slots for others)
#   key:host            an API key of the host organisation
#   registration:waitlisted  referred by the partner, on the waiting list of slot:full
#   registration:started     referred by the partner, confirmed, on a slot that has started
#   <kind>:fresh        an object made for the cell alone (destructive mutations)
#   -                   none (creations, viewer)
#
# Queries reach the object through the operation: node(id), nodes([id]), a Query list (every
# status of workshops and programmes, archived venues included), or a field of its parent
# fetched with node(id): Organisation.* of org:host, Venue.slots of venue:open, Workshop.slots
# of the slot's workshop, Programme.workshops of programme:published, Slot.allocations of
# slot:public, Slot.registrations of slot:full, Allocation.slot of allocation:internal.
# Mutations act on the object (or, for creations, with it: createProgramme and scheduleSlot
# name the workshop they use; scheduleSlot uses venue:open; reserveSeats reserves for the partner).
#
# Cells:
#   ok          the object is in the answer; the mutation answered its object
#   null        node / nodes, or the parent reached with node(id), is null
#   absent      the list answered, without the object
#   UPPER_CASE  a GraphQL error, HTTP 200: the code (extensions.code) of the first error
#   lower_case  the mutation's first userError code, e.g. not_found
#   401         the HTTP status, when not 200
`

// authzWorld is what the rows act on: the callers' keys and the objects' global ids.
type authzWorld struct {
	a    *testAPI
	keys map[string]string // caller → secret; "" for anonymous
	ids  map[string]string // object label → global id
	seq  atomic.Int64      // makes names, people and labels unique
}

func (w *authzWorld) next() int64 { return w.seq.Add(1) }

// authzResult is one answer: HTTP status, data and errors.
type authzResult struct {
	status int
	data   map[string]any
	errors []gqlError
	raw    []byte
}

func (r authzResult) code() string {
	if len(r.errors) == 0 {
		return ""
	}
	return cmp.Or(r.errors[0].Code(), "NO_CODE")
}

// authzPost sends one GraphQL request as clients do (key "" for anonymous).
func authzPost(t *testing.T, a *testAPI, key, doc string, vars map[string]any) authzResult {
	t.Helper()
	r, raw := rawPost(t, a, key, doc, vars)
	res := authzResult{status: r.Status, errors: r.Errors, raw: raw}
	if err := unmarshalData(r.Data, &res.data); err != nil {
		t.Fatalf("decode data %s: %v", raw, err)
	}
	return res
}

// must runs a request that arranges the world: it fails the test on any error or userError and
// returns the string at path in data.
func (w *authzWorld) must(t *testing.T, key, doc string, vars map[string]any, path ...string) string {
	t.Helper()
	r := authzPost(t, w.a, key, doc, vars)
	if r.status != http.StatusOK || len(r.errors) > 0 {
		t.Fatalf("arranging the world: status %d: %s\n%s", r.status, r.raw, doc)
	}
	for _, v := range r.data {
		if p, ok := v.(map[string]any); ok {
			if ue, _ := p["userErrors"].([]any); len(ue) > 0 {
				t.Fatalf("arranging the world: userErrors %s\n%s", r.raw, doc)
			}
		}
	}
	var v any = r.data
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	if s == "" && len(path) > 0 {
		t.Fatalf("arranging the world: no %s in %s", strings.Join(path, "."), r.raw)
	}
	return s
}

// Documents that arrange the world and make fresh objects.
const (
	authzCreateVenueDoc    = `mutation($in: CreateVenueInput!) { createVenue(input: $in) { venue { id } userErrors { code message } } }`
	authzCreateWorkshopDoc = `mutation($in: CreateWorkshopInput!) { createWorkshop(input: $in) { workshop { id } userErrors { code message } } }`
	authzCreateProgDoc     = `mutation($in: CreateProgrammeInput!) { createProgramme(input: $in) { programme { id } userErrors { code message } } }`
	authzScheduleDoc       = `mutation($in: ScheduleSlotInput!) { scheduleSlot(input: $in) { slot { id } userErrors { code message } } }`
	authzReserveDoc        = `mutation($in: ReserveSeatsInput!) { reserveSeats(input: $in) { allocation { id } userErrors { code message } } }`
	authzCreateKeyDoc      = `mutation($in: CreateApiKeyInput!) { createApiKey(input: $in) { apiKey { id } secret userErrors { code message } } }`
	authzRegisterDoc       = `mutation($in: RegisterInput!) { register(input: $in) { registration { id status } userErrors { code message } } }`
)

func authzVenueIn(name string) map[string]any {
	return map[string]any{"name": name, "streetAddress": "6 avenue George Sand", "postalCode": "93240", "city": "Stains"}
}

func authzWorkshopIn(title, status string) map[string]any {
	return map[string]any{"title": title, "topics": []string{"CV_AND_JOB_SEARCH"}, "durationMinutes": 120, "status": status}
}

func (w *authzWorld) venue(t *testing.T, name string) string {
	t.Helper()
	return w.must(t, w.keys["host"], authzCreateVenueDoc, map[string]any{"in": authzVenueIn(name)}, "createVenue", "venue", "id")
}

func (w *authzWorld) workshop(t *testing.T, title, status string) string {
	t.Helper()
	return w.must(t, w.keys["host"], authzCreateWorkshopDoc, map[string]any{"in": authzWorkshopIn(title, status)}, "createWorkshop", "workshop", "id")
}

func (w *authzWorld) programme(t *testing.T, title, status string, workshops ...string) string {
	t.Helper()
	return w.must(t, w.keys["host"], authzCreateProgDoc, map[string]any{"in": map[string]any{
		"title": title, "status": status, "workshopIds": workshops}}, "createProgramme", "programme", "id")
}

func (w *authzWorld) slot(t *testing.T, workshop, startsAt, visibility string, capacity int) string {
	t.Helper()
	return w.must(t, w.keys["host"], authzScheduleDoc, map[string]any{"in": map[string]any{
		"workshopId": workshop, "venueId": w.ids["venue:open"], "startsAt": startsAt,
		"capacity": capacity, "visibility": visibility}}, "scheduleSlot", "slot", "id")
}

// reserve reserves seats of a slot for the partner, under a label of its own.
func (w *authzWorld) reserve(t *testing.T, slot string) string {
	t.Helper()
	return w.must(t, w.keys["host"], authzReserveDoc, map[string]any{"in": map[string]any{
		"slotId": slot, "organisationId": w.ids["org:partner"], "label": fmt.Sprintf("Agence %d", w.next()), "seats": 1}},
		"reserveSeats", "allocation", "id")
}

// apiKey creates a key of the host organisation; it returns its id and secret.
func (w *authzWorld) apiKey(t *testing.T, label string, scopes ...db.Scope) (id, secret string) {
	t.Helper()
	r := authzPost(t, w.a, w.keys["host"], authzCreateKeyDoc, map[string]any{"in": map[string]any{"label": label, "scopes": scopes}})
	var out struct {
		CreateAPIKey struct {
			APIKey *struct{ ID string }
			Secret string
		} `json:"createApiKey"`
	}
	b, _ := json.Marshal(r.data)
	if len(r.errors) > 0 || json.Unmarshal(b, &out) != nil || out.CreateAPIKey.APIKey == nil {
		t.Fatalf("createApiKey %s: %s", label, r.raw)
	}
	return out.CreateAPIKey.APIKey.ID, out.CreateAPIKey.Secret
}

// referred registers a new person on slot through the partner, with a referral.
func (w *authzWorld) referred(t *testing.T, slot string, waitlist bool) string {
	t.Helper()
	return w.must(t, w.keys["partner"], authzRegisterDoc, map[string]any{"in": map[string]any{
		"slotId": slot, "participant": person(int(w.next())), "joinWaitlist": waitlist,
		"referral": map[string]any{"counsellorName": "Conseillère France Travail"}}}, "register", "registration", "id")
}

func newAuthzWorld(t *testing.T, a *testAPI) *authzWorld {
	t.Helper()
	ctx := context.Background()
	w := &authzWorld{a: a, keys: map[string]string{"anonymous": ""}, ids: map[string]string{}}
	w.seq.Store(100)
	all := []db.Scope{db.ScopeCatalogueWrite, db.ScopeRegistrationsWrite, db.ScopeRegistrationsRead,
		db.ScopeAttendanceWrite, db.ScopeReportsRead, db.ScopeKeysManage}
	organisation := func(label, caller string, o db.Organisation, scopes ...db.Scope) {
		created, err := db.CreateOrganisation(ctx, a.Pool, o)
		if err != nil {
			t.Fatal(err)
		}
		_, secret, err := db.CreateAPIKey(ctx, a.Pool, db.NewAPIKey{OrganisationID: &created.ID, Label: caller, Scopes: scopes})
		if err != nil {
			t.Fatal(err)
		}
		w.keys[caller] = secret
		w.ids[label] = w.must(t, secret, `{ viewer { organisation { id } } }`, nil, "viewer", "organisation", "id")
	}
	organisation("org:host", "host", db.Organisation{Name: "Régie de Quartier de Stains", Slug: "regie-stains",
		Kind: db.KindRegieDeQuartier, HostsWorkshops: true, RefersPeople: true}, all...)
	organisation("org:other", "other-host", db.Organisation{Name: "Emmaüs Connect", Slug: "emmaus-connect",
		Kind: db.KindAssociation, HostsWorkshops: true, RefersPeople: true}, all...)
	organisation("org:partner", "partner", db.Organisation{Name: "France Travail Stains", Slug: "france-travail-stains",
		Kind: db.KindFranceTravail, RefersPeople: true}, db.ScopeRegistrationsWrite)
	w.keys["admin"] = a.adminKey()
	_, w.keys["host-read"] = w.apiKey(t, "host-read", db.ScopeRegistrationsRead, db.ScopeReportsRead)
	w.ids["key:host"], _ = w.apiKey(t, "Outil CIP", db.ScopeReportsRead)
	var revokedID string
	revokedID, w.keys["revoked"] = w.apiKey(t, "revoked", all...)
	w.must(t, w.keys["host"], `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id } userErrors { code message } } }`,
		map[string]any{"id": revokedID})

	// The catalogue: names start with "A" and slots are in 2031, so that the objects made by
	// the rows ("Z...", 2033) sort after them in every list.
	w.ids["venue:open"] = w.venue(t, "A Espace numérique")
	w.ids["venue:archived"] = w.venue(t, "A Ancienne salle")
	w.must(t, w.keys["host"], `mutation($id: ID!) { archiveVenue(input: {id: $id}) { venue { id } userErrors { code message } } }`,
		map[string]any{"id": w.ids["venue:archived"]})
	w.ids["workshop:published"] = w.workshop(t, "A Faire son CV", "PUBLISHED")
	w.ids["workshop:draft"] = w.workshop(t, "A Démarches CAF", "DRAFT")
	w.ids["workshop:archived"] = w.workshop(t, "A Ancien atelier", "PUBLISHED")
	w.must(t, w.keys["host"], `mutation($id: ID!) { archiveWorkshop(input: {id: $id}) { workshop { id } userErrors { code message } } }`,
		map[string]any{"id": w.ids["workshop:archived"]})
	w.ids["programme:published"] = w.programme(t, "A Parcours emploi", "PUBLISHED", w.ids["workshop:published"], w.ids["workshop:draft"])
	w.ids["programme:draft"] = w.programme(t, "A Parcours en préparation", "DRAFT", w.ids["workshop:published"])
	w.ids["programme:course"] = w.programme(t, "A Parcours court", "PUBLISHED", w.ids["workshop:published"])
	w.ids["slot:public"] = w.slot(t, w.ids["workshop:published"], "2031-06-03T14:00", "PUBLIC", 60)
	w.ids["slot:partners"] = w.slot(t, w.ids["workshop:published"], "2031-06-04T14:00", "PARTNERS", 20)
	// Seats reserved for the partner while the slot was for partners, then the slot made
	// internal: reserveSeats refuses an internal slot for another organisation.
	w.ids["slot:internal"] = w.slot(t, w.ids["workshop:published"], "2031-06-05T14:00", "PARTNERS", 20)
	w.ids["slot:draft-workshop"] = w.slot(t, w.ids["workshop:draft"], "2031-06-06T14:00", "PUBLIC", 20)
	w.ids["slot:full"] = w.slot(t, w.ids["workshop:published"], "2031-06-07T14:00", "PUBLIC", 1)
	started := w.slot(t, w.ids["workshop:published"], "2031-06-08T14:00", "PUBLIC", 5)
	w.ids["allocation:partner"] = w.reserve(t, w.ids["slot:public"])
	w.ids["allocation:internal"] = w.reserve(t, w.ids["slot:internal"])
	w.must(t, w.keys["host"], `mutation($in: UpdateSlotInput!) { updateSlot(input: $in) { slot { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"id": w.ids["slot:internal"], "visibility": "INTERNAL"}}, "updateSlot", "slot", "id")

	// Registrations referred by the partner.
	w.must(t, w.keys["host"], authzRegisterDoc, map[string]any{"in": map[string]any{
		"slotId": w.ids["slot:full"], "participant": person(int(w.next()))}}, "register", "registration", "id")
	w.ids["registration:waitlisted"] = w.referred(t, w.ids["slot:full"], true)
	w.ids["registration:started"] = w.referred(t, started, false)
	slotUnderWay(t, a, started)
	return w
}

// Fresh objects, one per cell of a destructive mutation.

func (w *authzWorld) freshVenue(t *testing.T) string {
	return w.venue(t, fmt.Sprintf("Z lieu %d", w.next()))
}

func (w *authzWorld) freshWorkshop(t *testing.T) string {
	return w.workshop(t, fmt.Sprintf("Z atelier %d", w.next()), "PUBLISHED")
}

func (w *authzWorld) freshProgramme(t *testing.T) string {
	return w.programme(t, fmt.Sprintf("Z parcours %d", w.next()), "PUBLISHED", w.ids["workshop:published"])
}

func (w *authzWorld) freshSlot(t *testing.T) string {
	return w.slot(t, w.ids["workshop:published"], "2033-01-10T10:00", "PUBLIC", 5)
}

func (w *authzWorld) freshAllocation(t *testing.T) string { return w.reserve(t, w.ids["slot:public"]) }

func (w *authzWorld) freshKey(t *testing.T) string {
	id, _ := w.apiKey(t, fmt.Sprintf("Z clé %d", w.next()), db.ScopeReportsRead)
	return id
}

func (w *authzWorld) freshRegistration(t *testing.T) string {
	return w.referred(t, w.ids["slot:public"], false)
}

// authzRow is one row of the table: an operation on an object, run as every caller.
type authzRow struct {
	section    string
	op, object string
	doc        string
	// vars gives the request's variables for a caller; it may make a fresh object first.
	vars func(t *testing.T, w *authzWorld, caller string) map[string]any
	// target is the label of the object whose id in the data means "ok" (queries); "" when
	// any answer without errors is ok.
	target string
	// payload is the mutation's field; "" for queries.
	payload string
}

func (r authzRow) key() [2]string { return [2]string{r.op, r.object} }

// authzIDs gives each named variable the id of an object.
func authzIDs(pairs ...string) func(*testing.T, *authzWorld, string) map[string]any {
	return func(_ *testing.T, w *authzWorld, _ string) map[string]any {
		v := map[string]any{}
		for i := 0; i < len(pairs); i += 2 {
			v[pairs[i]] = w.ids[pairs[i+1]]
		}
		return v
	}
}

// authzPaths are the rows reaching object: node, nodes, and each list (a document using $p for
// the parent, and the parent's label, "" for a Query list).
func authzPaths(section, object string, lists ...[3]string) []authzRow {
	rows := []authzRow{
		{section: section, op: "node", object: object, doc: `query($id: ID!) { node(id: $id) { id } }`, vars: authzIDs("id", object), target: object},
		{section: section, op: "nodes", object: object, doc: `query($id: ID!) { nodes(ids: [$id]) { id } }`, vars: authzIDs("id", object), target: object},
	}
	for _, l := range lists {
		row := authzRow{section: section, op: l[0], object: object, doc: l[1], vars: authzIDs(), target: object}
		if l[2] != "" {
			row.vars = authzIDs("p", l[2])
		}
		rows = append(rows, row)
	}
	return rows
}

// Lists and nested connections; first: 50 holds the whole small world.
var (
	authzQueryOrganisations = [3]string{"Query.organisations", `{ organisations(first: 50) { edges { node { id } } } }`, ""}
	authzQueryVenues        = [3]string{"Query.venues", `{ venues(first: 50, filter: {includeArchived: true}) { edges { node { id } } } }`, ""}
	authzOrgVenues          = [3]string{"Organisation.venues", `query($p: ID!) { node(id: $p) { ... on Organisation { venues(first: 50) { edges { node { id } } } } } }`, "org:host"}
	authzQueryWorkshops     = [3]string{"Query.workshops", `{ workshops(first: 50, filter: {statuses: [PUBLISHED, DRAFT, ARCHIVED]}) { edges { node { id } } } }`, ""}
	authzOrgWorkshops       = [3]string{"Organisation.workshops", `query($p: ID!) { node(id: $p) { ... on Organisation { workshops(first: 50) { edges { node { id } } } } } }`, "org:host"}
	authzProgWorkshops      = [3]string{"Programme.workshops", `query($p: ID!) { node(id: $p) { ... on Programme { workshops { id } } } }`, "programme:published"}
	authzQueryProgrammes    = [3]string{"Query.programmes", `{ programmes(first: 50, filter: {statuses: [PUBLISHED, DRAFT, ARCHIVED]}) { edges { node { id } } } }`, ""}
	authzQuerySlots         = [3]string{"Query.slots", `{ slots(first: 50) { edges { node { id } } } }`, ""}
	authzVenueSlots         = [3]string{"Venue.slots", `query($p: ID!) { node(id: $p) { ... on Venue { slots(first: 50) { edges { node { id } } } } } }`, "venue:open"}
	authzWorkshopSlotsDoc   = `query($p: ID!) { node(id: $p) { ... on Workshop { slots(first: 50) { edges { node { id } } } } } }`
	authzAllocationSlot     = [3]string{"Allocation.slot", `query($p: ID!) { node(id: $p) { ... on Allocation { slot { id } } } }`, "allocation:internal"}
	authzSlotAllocations    = [3]string{"Slot.allocations", `query($p: ID!) { node(id: $p) { ... on Slot { allocations { id } } } }`, "slot:public"}
	authzSlotRegistrations  = [3]string{"Slot.registrations", `query($p: ID!) { node(id: $p) { ... on Slot { registrations(first: 50) { edges { node { id } } } } } }`, "slot:full"}
	authzQueryReferrals     = [3]string{"Query.referrals", `{ referrals(first: 50) { edges { node { id } } } }`, ""}
	authzQueryAPIKeys       = [3]string{"Query.apiKeys", `{ apiKeys(first: 50) { edges { node { id } } } }`, ""}
)

// authzMutation is a row running op with input built by in; selection picks the payload's object.
func authzMutation(section, op, object, inputType, selection string, in func(t *testing.T, w *authzWorld, caller string) map[string]any) authzRow {
	return authzRow{section: section, op: op, object: object, payload: op,
		doc: fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { %s userErrors { code message } } }`, inputType, op, selection),
		vars: func(t *testing.T, w *authzWorld, caller string) map[string]any {
			return map[string]any{"in": in(t, w, caller)}
		}}
}

// authzWith gives an input holding the ids of objects (label → field) and fixed values.
func authzWith(fields map[string]any, idFields ...string) func(*testing.T, *authzWorld, string) map[string]any {
	return func(_ *testing.T, w *authzWorld, caller string) map[string]any {
		in := map[string]any{}
		for k, v := range fields {
			if s, ok := v.(string); ok {
				v = strings.ReplaceAll(s, "{caller}", caller)
			}
			in[k] = v
		}
		for i := 0; i < len(idFields); i += 2 {
			in[idFields[i]] = w.ids[idFields[i+1]]
		}
		return in
	}
}

// authzRegistration is a register input for a new person on slot; keys record a referral, which
// the host's own keys do not need (and which is ignored for them).
func authzRegistration(slot string) func(*testing.T, *authzWorld, string) map[string]any {
	return func(_ *testing.T, w *authzWorld, caller string) map[string]any {
		in := map[string]any{"slotId": w.ids[slot], "participant": person(int(w.next()))}
		if caller != "anonymous" {
			in["referral"] = map[string]any{"counsellorName": "Conseillère " + caller}
		}
		return in
	}
}

func authzRows() []authzRow {
	var rows []authzRow
	add := func(r ...authzRow) { rows = append(rows, r...) }

	add(authzRow{section: "Query: who is calling", op: "Query.viewer", object: "-",
		doc: `{ viewer { isAnonymous isNetworkAdmin scopes organisation { id } } }`, vars: authzIDs()})

	s := "Query: organisations"
	add(authzPaths(s, "org:host", authzQueryOrganisations)...)

	s = "Query: venues"
	add(authzPaths(s, "venue:open", authzQueryVenues, authzOrgVenues)...)
	add(authzPaths(s, "venue:archived", authzQueryVenues)...)

	s = "Query: workshops"
	for _, o := range []string{"workshop:published", "workshop:draft", "workshop:archived"} {
		lists := [][3]string{authzQueryWorkshops, authzOrgWorkshops}
		if o != "workshop:archived" {
			lists = append(lists, authzProgWorkshops)
		}
		add(authzPaths(s, o, lists...)...)
	}

	s = "Query: programmes"
	add(authzPaths(s, "programme:published", authzQueryProgrammes)...)
	add(authzPaths(s, "programme:draft", authzQueryProgrammes)...)

	s = "Query: slots"
	for _, o := range []string{"slot:public", "slot:partners", "slot:internal", "slot:draft-workshop"} {
		workshop := "workshop:published"
		if o == "slot:draft-workshop" {
			workshop = "workshop:draft"
		}
		add(authzPaths(s, o, authzQuerySlots, authzVenueSlots, [3]string{"Workshop.slots", authzWorkshopSlotsDoc, workshop})...)
	}
	add(authzPaths(s, "slot:internal", authzAllocationSlot)[2:]...)

	s = "Query: allocations"
	add(authzPaths(s, "allocation:partner", authzSlotAllocations)...)

	s = "Query: registrations (personal data: privacy_test.go)"
	add(authzPaths(s, "registration:waitlisted", authzSlotRegistrations, authzQueryReferrals)...)

	s = "Query: API keys"
	add(authzPaths(s, "key:host", authzQueryAPIKeys)...)

	s = "Mutation: organisations"
	add(authzMutation(s, "createOrganisation", "-", "CreateOrganisationInput", "organisation { id }",
		func(_ *testing.T, w *authzWorld, _ string) map[string]any {
			n := w.next()
			return map[string]any{"name": fmt.Sprintf("Z structure %d", n), "slug": fmt.Sprintf("z-structure-%d", n), "kind": "OTHER"}
		}))
	add(authzMutation(s, "updateOrganisation", "org:host", "UpdateOrganisationInput", "organisation { id }",
		authzWith(map[string]any{"description": "Régie de quartier ({caller})"}, "id", "org:host")))

	s = "Mutation: venues"
	add(authzMutation(s, "createVenue", "-", "CreateVenueInput", "venue { id }",
		func(_ *testing.T, w *authzWorld, _ string) map[string]any {
			return authzVenueIn(fmt.Sprintf("Z lieu %d", w.next()))
		}))
	for _, o := range []string{"venue:open", "venue:archived"} {
		add(authzMutation(s, "updateVenue", o, "UpdateVenueInput", "venue { id }",
			authzWith(map[string]any{"accessInstructions": "Interphone ({caller})"}, "id", o)))
	}
	add(authzMutation(s, "archiveVenue", "venue:fresh", "ArchiveInput", "venue { id }",
		func(t *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"id": w.freshVenue(t)}
		}))

	s = "Mutation: workshops"
	add(authzMutation(s, "createWorkshop", "-", "CreateWorkshopInput", "workshop { id }",
		func(_ *testing.T, w *authzWorld, _ string) map[string]any {
			return authzWorkshopIn(fmt.Sprintf("Z atelier %d", w.next()), "DRAFT")
		}))
	for _, o := range []string{"workshop:published", "workshop:draft"} {
		add(authzMutation(s, "updateWorkshop", o, "UpdateWorkshopInput", "workshop { id }",
			authzWith(map[string]any{"summary": "Résumé ({caller})"}, "id", o)))
	}
	add(authzMutation(s, "archiveWorkshop", "workshop:fresh", "ArchiveInput", "workshop { id }",
		func(t *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"id": w.freshWorkshop(t)}
		}))

	s = "Mutation: programmes"
	for _, o := range []string{"workshop:published", "workshop:draft"} {
		add(authzMutation(s, "createProgramme", o, "CreateProgrammeInput", "programme { id }",
			func(_ *testing.T, w *authzWorld, _ string) map[string]any {
				return map[string]any{"title": fmt.Sprintf("Z parcours %d", w.next()), "workshopIds": []string{w.ids[o]}}
			}))
	}
	for _, o := range []string{"programme:published", "programme:draft"} {
		add(authzMutation(s, "updateProgramme", o, "UpdateProgrammeInput", "programme { id }",
			authzWith(map[string]any{"description": "Parcours ({caller})"}, "id", o)))
	}
	add(authzMutation(s, "archiveProgramme", "programme:fresh", "ArchiveInput", "programme { id }",
		func(t *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"id": w.freshProgramme(t)}
		}))

	s = "Mutation: slots"
	for _, o := range []string{"workshop:published", "workshop:draft"} {
		add(authzMutation(s, "scheduleSlot", o, "ScheduleSlotInput", "slot { id }",
			authzWith(map[string]any{"startsAt": "2033-02-01T10:00", "capacity": 5}, "workshopId", o, "venueId", "venue:open")))
	}
	add(authzMutation(s, "scheduleSlotSeries", "workshop:published", "ScheduleSlotSeriesInput", "slots { id }",
		authzWith(map[string]any{"firstStartsAt": "2033-03-01T10:00", "occurrences": 2, "capacity": 5},
			"workshopId", "workshop:published", "venueId", "venue:open")))
	for _, o := range []string{"slot:public", "slot:partners", "slot:internal", "slot:draft-workshop"} {
		add(authzMutation(s, "updateSlot", o, "UpdateSlotInput", "slot { id }",
			authzWith(map[string]any{"facilitatorName": "Nadia ({caller})"}, "id", o)))
	}
	add(authzMutation(s, "cancelSlot", "slot:fresh", "CancelSlotInput", "slot { id }",
		func(t *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"id": w.freshSlot(t), "reason": "Salle indisponible"}
		}))
	for _, o := range []string{"slot:public", "slot:partners", "slot:internal"} {
		add(authzMutation(s, "reserveSeats", o, "ReserveSeatsInput", "allocation { id }",
			func(_ *testing.T, w *authzWorld, _ string) map[string]any {
				return map[string]any{"slotId": w.ids[o], "organisationId": w.ids["org:partner"],
					"label": fmt.Sprintf("Service %d", w.next()), "seats": 1}
			}))
	}
	add(authzMutation(s, "releaseSeats", "allocation:fresh", "ReleaseSeatsInput", "allocation { id }",
		func(t *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"id": w.freshAllocation(t)}
		}))

	s = "Mutation: API keys"
	add(authzMutation(s, "createApiKey", "-", "CreateApiKeyInput", "apiKey { id } secret",
		authzWith(map[string]any{"label": "Clé ({caller})", "scopes": []string{"REPORTS_READ"}})))
	add(authzMutation(s, "createApiKey", "org:host", "CreateApiKeyInput", "apiKey { id } secret",
		authzWith(map[string]any{"label": "Clé ({caller})", "scopes": []string{"REPORTS_READ"}}, "organisationId", "org:host")))
	add(authzMutation(s, "revokeApiKey", "key:fresh", "RevokeApiKeyInput", "apiKey { id }",
		func(t *testing.T, w *authzWorld, _ string) map[string]any { return map[string]any{"id": w.freshKey(t)} }))

	s = "Mutation: bookings"
	for _, o := range []string{"slot:public", "slot:partners", "slot:internal", "slot:draft-workshop"} {
		add(authzMutation(s, "register", o, "RegisterInput", "registration { id }", authzRegistration(o)))
	}
	add(authzMutation(s, "enrol", "programme:course", "EnrolInput", "registrations { id }",
		func(t *testing.T, w *authzWorld, caller string) map[string]any {
			in := authzRegistration("slot:public")(t, w, caller)
			delete(in, "slotId")
			in["programmeId"], in["slotIds"] = w.ids["programme:course"], []string{w.ids["slot:public"]}
			return in
		}))
	add(authzMutation(s, "cancelRegistration", "registration:fresh", "CancelRegistrationInput", "registration { id }",
		func(t *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"id": w.freshRegistration(t), "reason": "Empêchement"}
		}))
	add(authzMutation(s, "setRegistrationPriority", "registration:waitlisted", "SetRegistrationPriorityInput", "registration { id }",
		authzWith(map[string]any{"priority": true, "reason": "Jeune sans équipement"}, "id", "registration:waitlisted")))
	add(authzMutation(s, "markAttendance", "registration:started", "MarkAttendanceInput", "registration { id }",
		authzWith(map[string]any{"attendance": "PRESENT"}, "id", "registration:started")))
	return rows
}

// outcome derives the cell of an answer (see the legend in authzPreamble).
func (w *authzWorld) outcome(r authzRow, res authzResult) string {
	if res.status != http.StatusOK {
		return strconv.Itoa(res.status)
	}
	found := r.target != "" && holdsID(res.data, w.ids[r.target])
	if len(res.errors) > 0 {
		if found {
			return res.code() + "+ok" // refused, yet the object is in the data
		}
		return res.code()
	}
	if r.payload != "" {
		p, _ := res.data[r.payload].(map[string]any)
		if ue, _ := p["userErrors"].([]any); len(ue) > 0 {
			e, _ := ue[0].(map[string]any)
			c, _ := e["code"].(string)
			return strings.ToLower(c)
		}
		for k, v := range p {
			if l, isList := v.([]any); k != "userErrors" && v != nil && (!isList || len(l) > 0) {
				return "ok"
			}
		}
		return "empty"
	}
	switch {
	case r.target == "" || found:
		return "ok"
	case rootNull(res.data):
		return "null"
	}
	return "absent"
}

// holdsID reports whether an "id" field anywhere in v equals id.
func holdsID(v any, id string) bool {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if s, ok := x.(string); ok && k == "id" && s == id {
				return true
			}
			if holdsID(x, id) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if holdsID(x, id) {
				return true
			}
		}
	}
	return false
}

// rootNull reports whether the root field answered null (or a list of nulls, for nodes).
func rootNull(data map[string]any) bool {
	for _, v := range data {
		if v == nil {
			return true
		}
		if l, ok := v.([]any); ok && len(l) > 0 && !slices.ContainsFunc(l, func(x any) bool { return x != nil }) {
			return true
		}
	}
	return false
}

// authzTable is the table file as read: callers, cells by row, and the comment lines above
// each row.
type authzTable struct {
	callers []string
	cells   map[[2]string]map[string]string
	notes   map[[2]string][]string
}

func readAuthzTable(path string) (authzTable, error) {
	tab := authzTable{cells: map[[2]string]map[string]string{}, notes: map[[2]string][]string{}}
	b, err := os.ReadFile(path)
	if err != nil {
		return tab, err
	}
	var notes []string
	for i, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case trimmed == "" || strings.HasPrefix(trimmed, "##"):
			notes = nil
			continue
		case strings.HasPrefix(trimmed, "#"):
			notes = append(notes, trimmed)
			continue
		}
		f := strings.Fields(trimmed)
		if tab.callers == nil {
			if len(f) < 3 || f[0] != "operation" || f[1] != "object" {
				return tab, fmt.Errorf("%s:%d: want the header `operation object <callers...>`, got %q", path, i+1, line)
			}
			tab.callers = f[2:]
			notes = nil
			continue
		}
		if len(f) != 2+len(tab.callers) {
			return tab, fmt.Errorf("%s:%d: %d cells, want %d (one per caller)", path, i+1, len(f)-2, len(tab.callers))
		}
		k := [2]string{f[0], f[1]}
		if _, dup := tab.cells[k]; dup {
			return tab, fmt.Errorf("%s:%d: row %s %s appears twice", path, i+1, f[0], f[1])
		}
		tab.cells[k] = map[string]string{}
		for j, c := range tab.callers {
			tab.cells[k][c] = f[2+j]
		}
		if len(notes) > 0 {
			tab.notes[k] = notes
		}
		notes = nil
	}
	if tab.callers == nil {
		return tab, fmt.Errorf("%s: no header line", path)
	}
	return tab, nil
}

// formatAuthzTable writes the observed table in the file's format, keeping the notes.
func formatAuthzTable(rows []authzRow, observed map[[2]string][]string, notes map[[2]string][]string) string {
	widths := make([]int, 2+len(authzCallers))
	widths[0], widths[1] = len("operation"), len("object")
	for i, c := range authzCallers {
		widths[2+i] = len(c)
	}
	for _, r := range rows {
		widths[0], widths[1] = max(widths[0], len(r.op)), max(widths[1], len(r.object))
		for i, c := range observed[r.key()] {
			widths[2+i] = max(widths[2+i], len(c))
		}
	}
	var b strings.Builder
	line := func(cells ...string) {
		for i, c := range cells {
			if i == len(cells)-1 {
				b.WriteString(c)
			} else {
				fmt.Fprintf(&b, "%-*s  ", widths[i], c)
			}
		}
		b.WriteString("\n")
	}
	b.WriteString(authzPreamble + "\n")
	line(append([]string{"operation", "object"}, authzCallers...)...)
	section := ""
	for _, r := range rows {
		if r.section != section {
			section = r.section
			fmt.Fprintf(&b, "\n## %s\n", section)
		}
		for _, n := range notes[r.key()] {
			b.WriteString(n + "\n")
		}
		line(append([]string{r.op, r.object}, observed[r.key()]...)...)
	}
	return b.String()
}

// TestAuthorization runs every row of the table as every caller and compares the outcomes with
// testdata/authorization.txt.
func TestAuthorization(t *testing.T) {
	t.Parallel()
	start := time.Now()
	a := newTestAPI(t)
	w := newAuthzWorld(t, a)
	rows := authzRows()
	seen := map[[2]string]bool{}
	for _, r := range rows {
		if seen[r.key()] {
			t.Fatalf("row %s %s is defined twice", r.op, r.object)
		}
		seen[r.key()] = true
	}
	built := time.Since(start)

	var mu sync.Mutex
	observed := map[[2]string][]string{}
	t.Run("rows", func(t *testing.T) {
		for _, r := range rows {
			t.Run(r.op+"_"+r.object, func(t *testing.T) {
				t.Parallel()
				cells := make([]string, len(authzCallers))
				for i, c := range authzCallers {
					res := authzPost(t, a, w.keys[c], r.doc, r.vars(t, w, c))
					cells[i] = w.outcome(r, res)
				}
				mu.Lock()
				observed[r.key()] = cells
				mu.Unlock()
			})
		}
	})
	if t.Failed() {
		return // a row could not be arranged: its failure says why
	}

	want, err := readAuthzTable(authzFile)
	if err != nil && !(authzUpdate() && errors.Is(err, fs.ErrNotExist)) {
		t.Fatalf("%v (run with -update to write the observed table)", err)
	}
	text := formatAuthzTable(rows, observed, want.notes)
	t.Logf("%d callers × %d rows = %d cells; world built in %s, all done in %s",
		len(authzCallers), len(rows), len(authzCallers)*len(rows), built.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))
	if authzUpdate() {
		if err := os.WriteFile(authzFile, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: review the diff", authzFile)
		return
	}

	var diffs []string
	if !slices.Equal(want.callers, authzCallers) {
		diffs = append(diffs, fmt.Sprintf("callers in the file: %v, in the test: %v", want.callers, authzCallers))
	}
	for _, r := range rows {
		cells, ok := want.cells[r.key()]
		if !ok {
			diffs = append(diffs, fmt.Sprintf("%s %s: not in the file", r.op, r.object))
			continue
		}
		for i, c := range authzCallers {
			if got := observed[r.key()][i]; cells[c] != got {
				diffs = append(diffs, fmt.Sprintf("%s %s as %s: want %s, got %s", r.op, r.object, c, cells[c], got))
			}
		}
	}
	for k := range want.cells {
		if !seen[k] {
			diffs = append(diffs, fmt.Sprintf("%s %s: in the file, but the test has no such row", k[0], k[1]))
		}
	}
	if len(diffs) > 0 {
		slices.Sort(diffs)
		t.Errorf("%d differences with %s:\n%s\n\nobserved table (UPDATE_AUTHORIZATION=1 or -update writes it; review the diff):\n%s",
			len(diffs), authzFile, strings.Join(diffs, "\n"), text)
	}
}
