package main

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The rows of TestAuthorization: each operation on each object, the request it sends for a
// caller, and the outcome word derived from the answer (the legend is in authzPreamble).

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
	authzVenueRooms         = [3]string{"Venue.rooms", `query($p: ID!) { node(id: $p) { ... on Venue { rooms { id } } } }`, "venue:open"}
	authzVenueSlots         = [3]string{"Venue.slots", `query($p: ID!) { node(id: $p) { ... on Venue { slots(first: 50) { edges { node { id } } } } } }`, "venue:open"}
	authzWorkshopSlotsDoc   = `query($p: ID!) { node(id: $p) { ... on Workshop { slots(first: 50) { edges { node { id } } } } } }`
	authzAllocationSlot     = [3]string{"Allocation.slot", `query($p: ID!) { node(id: $p) { ... on Allocation { slot { id } } } }`, "allocation:internal"}
	authzSlotAllocations    = [3]string{"Slot.allocations", `query($p: ID!) { node(id: $p) { ... on Slot { allocations { id } } } }`, "slot:public"}
	authzSlotRegistrations  = [3]string{"Slot.registrations", `query($p: ID!) { node(id: $p) { ... on Slot { registrations(first: 50) { edges { node { id } } } } } }`, "slot:full"}
	authzQueryReferrals     = [3]string{"Query.referrals", `{ referrals(first: 100) { edges { node { id } } } }`, ""}
	authzQueryAPIKeys       = [3]string{"Query.apiKeys", `{ apiKeys(first: 50) { edges { node { id } } } }`, ""}
	authzQueryFeeds         = [3]string{"Query.calendarFeeds", `{ calendarFeeds(first: 50) { edges { node { id } } } }`, ""}
	authzQueryIncoming      = [3]string{"Query.incomingOrientations", `{ incomingOrientations(first: 50) { edges { node { id } } } }`, ""}
	authzQueryEnrolments    = [3]string{"Query.enrolments", `{ enrolments(first: 50) { edges { node { id } } } }`, ""}
	authzQueryDevices       = [3]string{"Query.devices", `{ devices(first: 50) { edges { node { id } } } }`, ""}
	authzQueryEquipment     = [3]string{"Query.equipmentRequests", `{ equipmentRequests(first: 50) { edges { node { id } } } }`, ""}
	authzQueryRanking       = [3]string{"Query.equipmentRanking", `{ equipmentRanking(first: 50) { requests { request { id } } } }`, ""}
	authzRegOrientations    = [3]string{"Registration.orientations", `query($p: ID!) { node(id: $p) { ... on Registration { orientations { id } } } }`, "registration:waitlisted"}
	authzQueryWebhooks      = [3]string{"Query.webhookEndpoints", `{ webhookEndpoints(first: 50) { edges { node { id } } } }`, ""}
	authzWebhookMessages    = [3]string{"WebhookEndpoint.messages", `query($p: ID!) { node(id: $p) { ... on WebhookEndpoint { messages(first: 50) { edges { node { id } } } } } }`, "webhook:host"}
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

// authzOnFresh gives an input naming a fresh object, made by fresh for the cell alone, with
// fixed values.
func authzOnFresh(fresh func(*authzWorld, *testing.T) string, fields map[string]any) func(*testing.T, *authzWorld, string) map[string]any {
	return func(t *testing.T, w *authzWorld, _ string) map[string]any {
		in := map[string]any{"id": fresh(w, t)}
		maps.Copy(in, fields)
		return in
	}
}

// authzRegistration is a register input for a new person on slot; keys record a referral, which
// the host's own keys do not need (for them it is a colleague's internal orientation).
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
	add(authzPaths(s, "room:open", authzVenueRooms)...)

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

	add(authzRow{section: s, op: "Query.personalData", object: "registration:waitlisted",
		doc: `query($p: ID!) { personalData(registrationId: $p) { registrations { id } } }`, vars: authzIDs("p", "registration:waitlisted"), target: "registration:waitlisted"})

	s = "Query: re-orientations (sender and receiver only)"
	add(authzPaths(s, "orientation:partner", authzQueryIncoming, authzRegOrientations)...)

	s = "Query: enrolments (host and referrer)"
	add(authzPaths(s, "enrolment:partner", authzQueryEnrolments)...)

	s = "Query: equipment (the holder's stock; a request to its holder and its requester)"
	add(authzPaths(s, "device:host", authzQueryDevices)...)
	add(authzPaths(s, "equipment-request:partner", authzQueryEquipment, authzQueryRanking)...)
	add(authzPaths(s, "handover:host",
		[3]string{"Device.handovers", `query($p: ID!) { node(id: $p) { ... on Device { handovers { id } } } }`, "device:proposed"},
		[3]string{"EquipmentRequest.handovers", `query($p: ID!) { node(id: $p) { ... on EquipmentRequest { handovers { id } } } }`, "equipment-request:proposed"})...)
	add(authzPaths(s, "device:proposed",
		[3]string{"EquipmentHandover.device", `query($p: ID!) { node(id: $p) { ... on EquipmentHandover { device { id } } } }`, "handover:host"})[2:]...)
	add(authzRow{section: s, op: "Query.equipmentRules", object: "-", doc: `{ equipmentRules { version } }`, vars: authzIDs()})
	add(authzRow{section: s, op: "Query.equipmentFigures", object: "-", doc: `{ equipmentFigures(from: "2026-01-01", to: "2026-12-31") { given } }`, vars: authzIDs()})

	s = "Query: reports"
	add(authzRow{section: s, op: "Query.report", object: "-", doc: `{ report(from: "2026-01-01", to: "2026-12-31") { totals { registrations } } }`, vars: authzIDs()})
	add(authzRow{section: s, op: "Query.report", object: "referred", doc: `query($p: ID!) { report(from: "2026-01-01", to: "2026-12-31", organisationId: $p, referred: true) { totals { registrations } } }`, vars: authzIDs("p", "org:partner")})
	add(authzRow{section: s, op: "Query.report", object: "org:other", doc: `query($p: ID!) { report(from: "2026-01-01", to: "2026-12-31", organisationId: $p) { totals { registrations } } }`, vars: authzIDs("p", "org:other")})

	s = "Query: audit"
	add(authzRow{section: s, op: "Query.auditLog", object: "-", doc: `{ auditLog(first: 1) { edges { node { operation } } } }`, vars: authzIDs()})
	add(authzRow{section: s, op: "Query.personalDataReads", object: "-", doc: `{ personalDataReads(first: 1) { edges { node { operation } } } }`, vars: authzIDs()})

	s = "Query: API keys"
	add(authzPaths(s, "key:host", authzQueryAPIKeys)...)

	s = "Query: calendar feeds"
	add(authzPaths(s, "feed:host", authzQueryFeeds)...)

	s = "Query: webhooks"
	add(authzPaths(s, "webhook:host", authzQueryWebhooks)...)
	add(authzPaths(s, "webhook-message:host", authzWebhookMessages)...)

	s = "Mutation: organisations"
	add(authzMutation(s, "createOrganisation", "-", "CreateOrganisationInput", "organisation { id }",
		func(_ *testing.T, w *authzWorld, _ string) map[string]any {
			n := w.next()
			return map[string]any{"name": fmt.Sprintf("Z structure %d", n), "slug": fmt.Sprintf("z-structure-%d", n), "kind": "OTHER"}
		}))
	add(authzMutation(s, "updateOrganisation", "org:host", "UpdateOrganisationInput", "organisation { id }",
		authzWith(map[string]any{"description": "Régie de quartier ({caller})"}, "id", "org:host")))

	add(authzMutation(s, "publishConsentText", "-", "PublishConsentTextInput", "consentText { version }",
		authzWith(map[string]any{"version": "v-{caller}", "text": "Texte de consentement ({caller})"})))

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
		authzOnFresh((*authzWorld).freshVenue, nil)))
	add(authzMutation(s, "createRoom", "venue:open", "CreateRoomInput", "room { id }",
		authzWith(map[string]any{"name": "Z salle ({caller})"}, "venueId", "venue:open")))
	add(authzMutation(s, "updateRoom", "room:open", "UpdateRoomInput", "room { id }",
		authzWith(map[string]any{"description": "Au fond ({caller})"}, "id", "room:open")))
	add(authzMutation(s, "archiveRoom", "room:fresh", "ArchiveInput", "room { id }",
		authzOnFresh((*authzWorld).freshRoom, nil)))
	add(authzMutation(s, "importVenues", "-", "ImportVenuesInput", "report { applied created }",
		func(_ *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"format": "CSV", "content": fmt.Sprintf("id,pivot,nom,commune,code_postal,adresse,date_maj\n"+
				"authz-%d,43493312300029,Z lieu importé,Stains,93240,1 rue Carnot,2024-04-02\n", w.next())}
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
		authzOnFresh((*authzWorld).freshWorkshop, nil)))

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
		authzOnFresh((*authzWorld).freshProgramme, nil)))

	s = "Mutation: slots"
	for _, o := range []string{"workshop:published", "workshop:draft"} {
		add(authzMutation(s, "scheduleSlot", o, "ScheduleSlotInput", "slot { id }",
			authzWith(map[string]any{"startsAt": "2033-02-01T10:00", "capacity": 5, "allowOverlap": true}, "workshopId", o, "venueId", "venue:open")))
	}
	add(authzMutation(s, "scheduleSlotSeries", "workshop:published", "ScheduleSlotSeriesInput", "slots { id }",
		authzWith(map[string]any{"firstStartsAt": "2033-03-01T10:00", "occurrences": 2, "capacity": 5},
			"workshopId", "workshop:published", "venueId", "venue:open")))
	for _, o := range []string{"slot:public", "slot:partners", "slot:internal", "slot:draft-workshop"} {
		add(authzMutation(s, "updateSlot", o, "UpdateSlotInput", "slot { id }",
			authzWith(map[string]any{"facilitatorName": "Nadia ({caller})"}, "id", o)))
	}
	add(authzMutation(s, "cancelSlot", "slot:fresh", "CancelSlotInput", "slot { id }",
		authzOnFresh((*authzWorld).freshSlot, map[string]any{"reason": "Salle indisponible"})))
	for _, o := range []string{"slot:public", "slot:partners", "slot:internal"} {
		add(authzMutation(s, "reserveSeats", o, "ReserveSeatsInput", "allocation { id }",
			func(_ *testing.T, w *authzWorld, _ string) map[string]any {
				return map[string]any{"slotId": w.ids[o], "organisationId": w.ids["org:partner"],
					"label": fmt.Sprintf("Service %d", w.next()), "seats": 1}
			}))
	}
	add(authzMutation(s, "releaseSeats", "allocation:fresh", "ReleaseSeatsInput", "allocation { id }",
		authzOnFresh((*authzWorld).freshAllocation, nil)))

	s = "Mutation: API keys"
	add(authzMutation(s, "createApiKey", "-", "CreateApiKeyInput", "apiKey { id } secret",
		authzWith(map[string]any{"label": "Clé ({caller})", "scopes": []string{"REPORTS_READ"}})))
	add(authzMutation(s, "createApiKey", "org:host", "CreateApiKeyInput", "apiKey { id } secret",
		authzWith(map[string]any{"label": "Clé ({caller})", "scopes": []string{"REPORTS_READ"}}, "organisationId", "org:host")))
	add(authzMutation(s, "revokeApiKey", "key:fresh", "RevokeApiKeyInput", "apiKey { id }",
		authzOnFresh((*authzWorld).freshKey, nil)))

	s = "Mutation: calendar feeds"
	add(authzMutation(s, "createCalendarFeed", "-", "CreateCalendarFeedInput", "calendarFeed { id } path",
		authzWith(map[string]any{"label": "Agenda ({caller})"})))
	add(authzMutation(s, "revokeCalendarFeed", "feed:fresh", "RevokeCalendarFeedInput", "calendarFeed { id }",
		authzOnFresh((*authzWorld).freshFeed, nil)))

	s = "Mutation: webhooks"
	add(authzMutation(s, "createWebhookEndpoint", "-", "CreateWebhookEndpointInput", "endpoint { id } secret",
		authzWith(map[string]any{"url": authzWebhookURL, "eventTypes": []string{"SLOT_CHANGED"}, "description": "Outil ({caller})"})))
	// An organisation has at most ten endpoints: only the deletion takes a fresh one per caller.
	add(authzMutation(s, "updateWebhookEndpoint", "webhook:host", "UpdateWebhookEndpointInput", "endpoint { id }",
		authzWith(map[string]any{"description": "Outil CIP ({caller})"}, "id", "webhook:host")))
	add(authzMutation(s, "rotateWebhookSecret", "webhook:host", "RotateWebhookSecretInput", "endpoint { id } secret",
		authzWith(nil, "id", "webhook:host")))
	add(authzMutation(s, "deleteWebhookEndpoint", "webhook:fresh", "WebhookEndpointInput", "deletedId",
		authzOnFresh((*authzWorld).freshWebhook, nil)))
	add(authzMutation(s, "pingWebhookEndpoint", "webhook:host", "WebhookEndpointInput", "message { id }",
		authzWith(nil, "id", "webhook:host")))
	add(authzMutation(s, "replayWebhookMessage", "webhook-message:host", "ReplayWebhookMessageInput", "message { id }",
		authzWith(nil, "id", "webhook-message:host")))

	s = "Mutation: equipment"
	add(authzMutation(s, "addDevice", "-", "AddDeviceInput", "device { id }",
		authzWith(map[string]any{"kind": "TABLET", "donor": "Ecodair ({caller})", "condition": "GOOD"})))
	add(authzMutation(s, "updateDevice", "device:host", "UpdateDeviceInput", "device { id }",
		authzWith(map[string]any{"description": "Vérifié ({caller})"}, "id", "device:host")))
	add(authzMutation(s, "requestEquipment", "org:host", "RequestEquipmentInput", "request { id }",
		func(_ *testing.T, w *authzWorld, _ string) map[string]any {
			p := person(int(w.next()))
			p["ageBracket"], p["hasComputer"], p["hasInternet"], p["hasSmartphone"] = "UNDER_26", false, true, true
			return map[string]any{"organisationId": w.ids["org:host"], "participant": p, "situation": "RESIDENT"}
		}))
	add(authzMutation(s, "closeEquipmentRequest", "equipment-request:fresh", "CloseEquipmentRequestInput", "request { id }",
		authzOnFresh((*authzWorld).freshEquipmentRequest, map[string]any{"reason": "Équipé par sa famille"})))
	add(authzMutation(s, "setEquipmentRules", "-", "EquipmentRulesInput", "rules { version }",
		authzWith(map[string]any{"youngWithoutComputer": 10000, "seniorityPerMonth": 20, "seniorityMaxMonths": 60,
			"noComputer": 5, "noInternet": 3, "noSmartphone": 1, "attendedWorkshop": 1})))
	add(authzMutation(s, "proposeDevice", "device:fresh", "ProposeDeviceInput", "handover { id }",
		func(t *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"deviceId": w.freshDevice(t), "requestId": w.freshEquipmentRequest(t), "overrideReason": "Test"}
		}))
	add(authzMutation(s, "giveDevice", "handover:fresh", "GiveDeviceInput", "handover { id }",
		authzOnFresh((*authzWorld).freshHandover, map[string]any{"givenBy": "Samia", "acknowledgement": "Signé"})))
	add(authzMutation(s, "declineDevice", "handover:fresh", "DeclineDeviceInput", "handover { id }",
		authzOnFresh((*authzWorld).freshHandover, map[string]any{"reason": "Préfère une tablette"})))
	add(authzMutation(s, "returnDevice", "handover:given", "ReturnDeviceInput", "handover { id }",
		authzOnFresh((*authzWorld).freshGivenHandover, map[string]any{"note": "Rendu"})))

	s = "Mutation: bookings"
	for _, o := range []string{"slot:public", "slot:partners", "slot:internal", "slot:draft-workshop"} {
		add(authzMutation(s, "register", o, "RegisterInput", "registration { id }", authzRegistration(o)))
	}
	add(authzMutation(s, "registerHousehold", "slot:public", "RegisterHouseholdInput", "registrations { id }",
		func(t *testing.T, w *authzWorld, caller string) map[string]any {
			in := authzRegistration("slot:public")(t, w, caller)
			second := person(int(w.next()))
			delete(second, "phone")
			in["people"] = []any{in["participant"], second}
			delete(in, "participant")
			return in
		}))
	add(authzMutation(s, "enrol", "programme:course", "EnrolInput", "registrations { id }",
		func(t *testing.T, w *authzWorld, caller string) map[string]any {
			in := authzRegistration("slot:public")(t, w, caller)
			delete(in, "slotId")
			in["programmeId"], in["slotIds"] = w.ids["programme:course"], []string{w.ids["slot:public"]}
			return in
		}))
	add(authzMutation(s, "rescheduleEnrolment", "enrolment:fresh", "RescheduleEnrolmentInput", "registration { id }",
		func(t *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"enrolmentId": w.freshEnrolment(t), "slotId": w.ids["slot:partners"]}
		}))
	add(authzMutation(s, "cancelEnrolment", "enrolment:fresh", "CancelEnrolmentInput", "enrolment { id }",
		authzOnFresh((*authzWorld).freshEnrolment, map[string]any{"reason": "Quitte le parcours"})))
	add(authzMutation(s, "erasePersonalData", "registration:fresh", "ErasePersonalDataInput", "erasure { registrations }",
		func(t *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"registrationId": w.freshRegistration(t)}
		}))
	add(authzMutation(s, "cancelRegistration", "registration:fresh", "CancelRegistrationInput", "registration { id }",
		authzOnFresh((*authzWorld).freshRegistration, map[string]any{"reason": "Empêchement"})))
	add(authzMutation(s, "setRegistrationPriority", "registration:waitlisted", "SetRegistrationPriorityInput", "registration { id }",
		authzWith(map[string]any{"priority": true, "reason": "Jeune sans équipement"}, "id", "registration:waitlisted")))
	add(authzMutation(s, "recordWalkIn", "slot:started", "RecordWalkInInput", "registration { id }",
		func(_ *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"slotId": w.ids["slot:started"], "participant": person(int(w.next()))}
		}))
	add(authzMutation(s, "markAttendance", "registration:started", "MarkAttendanceInput", "registration { id }",
		authzWith(map[string]any{"attendance": "PRESENT"}, "id", "registration:started")))
	add(authzMutation(s, "reorient", "registration:fresh", "ReorientInput", "orientation { id }",
		func(t *testing.T, w *authzWorld, _ string) map[string]any {
			return map[string]any{"registrationId": w.freshRegistration(t), "toOrganisationId": w.ids["org:other"], "reason": "Suite du parcours"}
		}))
	add(authzMutation(s, "declineOrientation", "orientation:fresh", "DeclineOrientationInput", "orientation { id }",
		authzOnFresh((*authzWorld).freshOrientation, map[string]any{"reason": "Plus de place"})))
	add(authzMutation(s, "recordOutcome", "registration:started", "RecordOutcomeInput", "registration { id }",
		authzWith(map[string]any{"kind": "CV_WRITTEN", "note": "CV écrit"}, "id", "registration:started")))
	add(authzMutation(s, "resendMessage", "message:fresh", "ResendMessageInput", "message { id }",
		authzOnFresh((*authzWorld).freshMessage, nil)))
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
