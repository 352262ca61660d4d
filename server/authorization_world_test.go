package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// The world of TestAuthorization: the callers of the table's columns, with their keys, and the
// objects of its rows, made through the API as their organisations make them.

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
	authzCreateFeedDoc     = `mutation($in: CreateCalendarFeedInput!) { createCalendarFeed(input: $in) { calendarFeed { id } userErrors { code message } } }`
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

// room adds a room to venue:open.
func (w *authzWorld) room(t *testing.T, name string) string {
	t.Helper()
	return w.must(t, w.keys["host"], `mutation($in: CreateRoomInput!) { createRoom(input: $in) { room { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"venueId": w.ids["venue:open"], "name": name}}, "createRoom", "room", "id")
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

// feed creates a calendar feed of the host organisation.
func (w *authzWorld) feed(t *testing.T, label string) string {
	t.Helper()
	return w.must(t, w.keys["host"], authzCreateFeedDoc, map[string]any{"in": map[string]any{"label": label}},
		"createCalendarFeed", "calendarFeed", "id")
}

// authzWebhookURL is where the world's endpoints point: a port nothing listens on, on loopback,
// which the test server allows (no job runs to deliver there anyway).
const authzWebhookURL = "http://127.0.0.1:9/hooks"

// webhook registers an endpoint of the host organisation.
func (w *authzWorld) webhook(t *testing.T) string {
	t.Helper()
	return w.must(t, w.keys["host"], `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) {
		endpoint { id } userErrors { code message } } }`, map[string]any{"in": map[string]any{
		"url": authzWebhookURL, "eventTypes": []string{"SLOT_CHANGED"}}}, "createWebhookEndpoint", "endpoint", "id")
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
		db.ScopeAttendanceWrite, db.ScopeReportsRead, db.ScopeKeysManage, db.ScopeWebhooksManage, db.ScopeEquipmentManage}
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
	// The hosts' consent text, the version the world's people register with (person(n)): the
	// publishConsentText rows add others, whatever the order the rows run in.
	a.exec(`INSERT INTO consent_texts (organisation_id, version, text) SELECT id, '2026-11', 'Texte de consentement'
		FROM organisations WHERE slug IN ('regie-stains', 'emmaus-connect')`)
	w.keys["admin"] = a.adminKey()
	_, w.keys["host-read"] = w.apiKey(t, "host-read", db.ScopeRegistrationsRead, db.ScopeReportsRead)
	w.ids["key:host"], _ = w.apiKey(t, "Outil CIP", db.ScopeReportsRead)
	w.ids["feed:host"] = w.feed(t, "Agenda des orientations")
	w.ids["webhook:host"] = w.webhook(t)
	w.ids["webhook-message:host"] = w.must(t, w.keys["host"], `mutation($id: ID!) { pingWebhookEndpoint(input: {id: $id}) {
		message { id } userErrors { code message } } }`, map[string]any{"id": w.ids["webhook:host"]}, "pingWebhookEndpoint", "message", "id")
	var revokedID string
	revokedID, w.keys["revoked"] = w.apiKey(t, "revoked", all...)
	w.must(t, w.keys["host"], `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id } userErrors { code message } } }`,
		map[string]any{"id": revokedID})

	// The catalogue: names start with "A" and slots are in 2031, so that the objects made by
	// the rows ("Z...", 2033) sort after them in every list.
	w.ids["venue:open"] = w.venue(t, "A Espace numérique")
	w.ids["venue:archived"] = w.venue(t, "A Ancienne salle")
	w.ids["room:open"] = w.room(t, "A Salle informatique")
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
	w.ids["slot:started"] = started
	slotUnderWay(t, a, started)
	w.ids["orientation:partner"] = w.must(t, w.keys["partner"], `mutation($in: ReorientInput!) { reorient(input: $in) { orientation { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"registrationId": w.ids["registration:waitlisted"], "toOrganisationId": w.ids["org:other"],
			"reason": "Accompagnement à poursuivre"}}, "reorient", "orientation", "id")
	// Enrolments take seats of a slot of their own, so as to leave slot:public's for the others.
	w.ids["slot:course"] = w.slot(t, w.ids["workshop:published"], "2031-06-09T14:00", "PUBLIC", 500)
	w.ids["enrolment:partner"] = w.freshEnrolment(t)
	// The host's stock, and a need the partner recorded there.
	w.ids["device:host"] = w.freshDevice(t)
	w.ids["equipment-request:partner"] = w.freshEquipmentRequest(t)
	w.ids["device:proposed"], w.ids["equipment-request:proposed"] = w.freshDevice(t), w.freshEquipmentRequest(t)
	w.ids["handover:host"] = w.must(t, w.keys["host"], `mutation($in: ProposeDeviceInput!) { proposeDevice(input: $in) { handover { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"deviceId": w.ids["device:proposed"], "requestId": w.ids["equipment-request:proposed"], "overrideReason": "Test"}},
		"proposeDevice", "handover", "id")
	// Marked PRESENT, so that it may have an outcome (recordOutcome).
	w.must(t, w.keys["host"], `mutation($in: MarkAttendanceInput!) { markAttendance(input: $in) { registration { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"id": w.ids["registration:started"], "attendance": "PRESENT"}}, "markAttendance", "registration", "id")
	return w
}

// Fresh objects, one per cell of a destructive mutation.

func (w *authzWorld) freshVenue(t *testing.T) string {
	return w.venue(t, fmt.Sprintf("Z lieu %d", w.next()))
}

func (w *authzWorld) freshRoom(t *testing.T) string {
	return w.room(t, fmt.Sprintf("Z salle %d", w.next()))
}

func (w *authzWorld) freshWorkshop(t *testing.T) string {
	return w.workshop(t, fmt.Sprintf("Z atelier %d", w.next()), "PUBLISHED")
}

func (w *authzWorld) freshProgramme(t *testing.T) string {
	return w.programme(t, fmt.Sprintf("Z parcours %d", w.next()), "PUBLISHED", w.ids["workshop:published"])
}

// freshSlot: every cell's slot at the same time and place, allowed to overlap the others.
func (w *authzWorld) freshSlot(t *testing.T) string {
	t.Helper()
	return w.must(t, w.keys["host"], authzScheduleDoc, map[string]any{"in": map[string]any{
		"workshopId": w.ids["workshop:published"], "venueId": w.ids["venue:open"], "startsAt": "2033-01-10T10:00",
		"capacity": 5, "allowOverlap": true}}, "scheduleSlot", "slot", "id")
}

func (w *authzWorld) freshAllocation(t *testing.T) string { return w.reserve(t, w.ids["slot:public"]) }

func (w *authzWorld) freshKey(t *testing.T) string {
	id, _ := w.apiKey(t, fmt.Sprintf("Z clé %d", w.next()), db.ScopeReportsRead)
	return id
}

func (w *authzWorld) freshWebhook(t *testing.T) string { return w.webhook(t) }

func (w *authzWorld) freshFeed(t *testing.T) string {
	return w.feed(t, fmt.Sprintf("Z agenda %d", w.next()))
}

func (w *authzWorld) freshRegistration(t *testing.T) string {
	return w.referred(t, w.ids["slot:public"], false)
}

// freshEnrolment is a person enrolled by the partner in programme:course, on slot:course.
func (w *authzWorld) freshEnrolment(t *testing.T) string {
	t.Helper()
	return w.must(t, w.keys["partner"], `mutation($in: EnrolInput!) { enrol(input: $in) { enrolment { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"programmeId": w.ids["programme:course"], "slotIds": []string{w.ids["slot:course"]},
			"participant": person(int(w.next())), "referral": map[string]any{"counsellorName": "Conseillère France Travail"}}},
		"enrol", "enrolment", "id")
}

// freshDevice is a laptop added to the host's stock.
func (w *authzWorld) freshDevice(t *testing.T) string {
	t.Helper()
	return w.must(t, w.keys["host"], `mutation($in: AddDeviceInput!) { addDevice(input: $in) { device { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"kind": "LAPTOP", "donor": "Ecodair", "condition": "GOOD"}}, "addDevice", "device", "id")
}

// freshEquipmentRequest is a need the partner recorded at the host for a new person.
func (w *authzWorld) freshEquipmentRequest(t *testing.T) string {
	t.Helper()
	p := person(int(w.next()))
	p["ageBracket"], p["hasComputer"], p["hasInternet"], p["hasSmartphone"] = "UNDER_26", false, true, true
	return w.must(t, w.keys["partner"], `mutation($in: RequestEquipmentInput!) { requestEquipment(input: $in) { request { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"organisationId": w.ids["org:host"], "participant": p, "situation": "RESIDENT"}},
		"requestEquipment", "request", "id")
}

// freshHandover is a fresh device proposed by the host to a fresh request (named, with a
// reason, whatever its rank).
func (w *authzWorld) freshHandover(t *testing.T) string {
	t.Helper()
	return w.must(t, w.keys["host"], `mutation($in: ProposeDeviceInput!) { proposeDevice(input: $in) { handover { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"deviceId": w.freshDevice(t), "requestId": w.freshEquipmentRequest(t), "overrideReason": "Test"}},
		"proposeDevice", "handover", "id")
}

// freshGivenHandover is a fresh handover, given.
func (w *authzWorld) freshGivenHandover(t *testing.T) string {
	t.Helper()
	return w.must(t, w.keys["host"], `mutation($in: GiveDeviceInput!) { giveDevice(input: $in) { handover { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"id": w.freshHandover(t), "givenBy": "Samia", "acknowledgement": "Signé"}},
		"giveDevice", "handover", "id")
}

// freshOrientation is a fresh registration's person re-oriented by the partner to Emmaüs
// Connect (other-host), which alone may decline it.
func (w *authzWorld) freshOrientation(t *testing.T) string {
	t.Helper()
	return w.must(t, w.keys["partner"], `mutation($in: ReorientInput!) { reorient(input: $in) { orientation { id } userErrors { code message } } }`,
		map[string]any{"in": map[string]any{"registrationId": w.freshRegistration(t), "toOrganisationId": w.ids["org:other"],
			"reason": "Suite du parcours"}}, "reorient", "orientation", "id")
}

// freshMessage is a confirmation sent for a fresh registration: the host and the partner that
// referred the person may send it again.
func (w *authzWorld) freshMessage(t *testing.T) string {
	t.Helper()
	var id int64
	err := w.a.Pool.QueryRow(context.Background(), `INSERT INTO messages (registration_id, kind, channel, status, sent_at)
		VALUES ($1, 'CONFIRMATION', 'SMS', 'SENT', now()) RETURNING id`, dbID(t, w.freshRegistration(t))).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	return globalID("Message", id)
}
