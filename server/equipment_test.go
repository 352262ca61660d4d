package main

import (
	"slices"
	"sync"
	"testing"
	"time"
)

// Donated devices through the API, as a médiatrice and a partner use them: the stock, the
// needs, the ranking with its reasons, the handover and the return, who sees what, and
// proposals at once.

const (
	equipmentRequestFields  = `id status firstName phone ageBracket situation hasComputer registration { id } requestedBy { id }`
	equipmentHandoverFields = `id status rank score rulesVersion overrideReason reasons { rule points detail } deviceKind device { id status }
		request { id status } givenBy acknowledgement returnNote`
)

type equipmentPayload struct {
	Device *struct {
		ID, Status string
	}
	Request *struct {
		ID, Status, FirstName, Phone, AgeBracket, Situation string
		HasComputer                                         bool
		Registration                                        *struct{ ID string }
		RequestedBy                                         struct{ ID string }
	}
	Handover *struct {
		ID, Status                string
		Rank, Score, RulesVersion int
		OverrideReason            *string
		Reasons                   []struct{ Rule, Detail string }
		DeviceKind                string
		Device                    *struct{ ID, Status string }
		Request                   struct{ ID, Status string }
		GivenBy, Acknowledgement  *string
		ReturnNote                *string
	}
	UserErrors []userError
}

var (
	addDeviceDoc        = rulesDoc("addDevice", "AddDeviceInput", "device { id status }")
	updateDeviceDoc     = rulesDoc("updateDevice", "UpdateDeviceInput", "device { id status }")
	requestEquipmentDoc = rulesDoc("requestEquipment", "RequestEquipmentInput", "request { "+equipmentRequestFields+" }")
	proposeDeviceDoc    = rulesDoc("proposeDevice", "ProposeDeviceInput", "handover { "+equipmentHandoverFields+" }")
	giveDeviceDoc       = rulesDoc("giveDevice", "GiveDeviceInput", "handover { "+equipmentHandoverFields+" }")
	returnDeviceDoc     = rulesDoc("returnDevice", "ReturnDeviceInput", "handover { "+equipmentHandoverFields+" }")
)

// equipmentDo runs a mutation and returns its payload.
func equipmentDo(t *testing.T, a *testAPI, key, doc string, in map[string]any) equipmentPayload {
	t.Helper()
	var out equipmentPayload
	rulesDo(t, a, key, doc, in, &out)
	return out
}

// equipmentPerson is a person as requestEquipment takes them.
func equipmentPerson(n int, age string, hasComputer bool) map[string]any {
	p := person(n)
	p["ageBracket"], p["hasComputer"], p["hasInternet"], p["hasSmartphone"] = age, hasComputer, true, true
	return p
}

func TestEquipmentFromStockToHandover(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	at := a.withT(t)
	hostID, hostKey := at.org("equipment-regie", "EQUIPMENT_MANAGE", "REGISTRATIONS_WRITE", "REGISTRATIONS_READ", "CATALOGUE_WRITE", "REPORTS_READ")
	partnerID, partnerKey := rulesPartner(t, a, "equipment-ft")
	_, otherKey := at.org("equipment-other", "EQUIPMENT_MANAGE", "REGISTRATIONS_WRITE", "REGISTRATIONS_READ")

	// The stock.
	laptop := equipmentDo(t, a, hostKey, addDeviceDoc, map[string]any{"kind": "LAPTOP", "donor": "Ecodair", "condition": "GOOD",
		"inventoryNumber": "ECO-001", "installed": "Linux Mint 22", "receivedOn": "2026-11-02"})
	if laptop.Device == nil || laptop.Device.Status != "IN_STOCK" {
		t.Fatalf("addDevice: %+v", laptop.UserErrors)
	}
	again := equipmentDo(t, a, hostKey, addDeviceDoc, map[string]any{"kind": "LAPTOP", "donor": "Ecodair", "condition": "GOOD", "inventoryNumber": "ECO-001"})
	rulesWantRefusal(t, "the same inventory number", again.UserErrors, "TAKEN", "input", "inventoryNumber")
	future := equipmentDo(t, a, hostKey, addDeviceDoc, map[string]any{"kind": "TABLET", "donor": "Ecodair", "condition": "GOOD", "receivedOn": "2099-01-01"})
	rulesWantRefusal(t, "received in 2099", future.UserErrors, "INVALID_RANGE", "input", "receivedOn")
	rulesWantError(t, a, "the partner adds a device", partnerKey, addDeviceDoc, map[string]any{"kind": "LAPTOP", "donor": "X", "condition": "GOOD"}, "FORBIDDEN")

	// The needs: a partner's person, the host's young person, and one from a registration.
	older := equipmentDo(t, a, partnerKey, requestEquipmentDoc, map[string]any{"organisationId": hostID,
		"participant": equipmentPerson(1, "SIXTY_AND_OVER", false), "situation": "RESIDENT", "reason": "Démarches en ligne"})
	young := equipmentDo(t, a, hostKey, requestEquipmentDoc, map[string]any{"organisationId": hostID,
		"participant": equipmentPerson(2, "UNDER_26", false), "situation": "EMPLOYEE_IN_INSERTION", "employeeSince": "2026-01-05"})
	slot := a.withT(t).slot(hostKey, at.workshop(hostKey, nil), at.venue(hostKey, nil), "2032-05-04T14:00", nil)
	reg, _ := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"participant": equipmentPerson(3, "FROM_26_TO_59", false)}), "CONFIRMED")
	noConsent := equipmentDo(t, a, hostKey, requestEquipmentDoc, map[string]any{"organisationId": hostID, "registrationId": reg.ID, "situation": "JOB_SEEKER"})
	if len(noConsent.UserErrors) == 0 || noConsent.UserErrors[0].Code != "CONSENT_REQUIRED" {
		t.Errorf("a request from a registration without the person's consent to it: %+v, want CONSENT_REQUIRED", noConsent.UserErrors)
	}
	fromReg := equipmentDo(t, a, hostKey, requestEquipmentDoc, map[string]any{"organisationId": hostID, "registrationId": reg.ID,
		"situation": "JOB_SEEKER", "consent": true, "consentVersion": "2026-12"})
	for what, p := range map[string]equipmentPayload{"older": older, "young": young, "from a registration": fromReg} {
		if p.Request == nil || p.Request.Status != "OPEN" {
			t.Fatalf("request %s: %+v", what, p.UserErrors)
		}
	}
	if r := fromReg.Request; r.Registration == nil || r.Registration.ID != reg.ID || r.AgeBracket != "FROM_26_TO_59" || r.HasComputer || r.FirstName != "Awa" {
		t.Errorf("a request from a registration: %+v; want the person and their equipment from it", r)
	}
	if r := older.Request; r.RequestedBy.ID != partnerID {
		t.Errorf("the partner's request: requested by %s, want %s", r.RequestedBy.ID, partnerID)
	}
	twice := equipmentDo(t, a, partnerKey, requestEquipmentDoc, map[string]any{"organisationId": hostID,
		"participant": equipmentPerson(1, "SIXTY_AND_OVER", false), "situation": "RESIDENT"})
	rulesWantRefusal(t, "the same person twice", twice.UserErrors, "ALREADY_REQUESTED", "input", "participant")
	noAge := equipmentDo(t, a, partnerKey, requestEquipmentDoc, map[string]any{"organisationId": hostID,
		"participant": person(9), "situation": "RESIDENT"})
	if len(noAge.UserErrors) != 4 || noAge.UserErrors[0].Code != "REQUIRED" {
		t.Errorf("a person without age bracket nor equipment: %+v, want REQUIRED", noAge.UserErrors)
	}
	notEmployee := equipmentDo(t, a, hostKey, requestEquipmentDoc, map[string]any{"organisationId": hostID,
		"participant": equipmentPerson(8, "UNDER_26", false), "situation": "RESIDENT", "employeeSince": "2026-01-05"})
	rulesWantRefusal(t, "a start date for a resident", notEmployee.UserErrors, "INVALID", "input", "employeeSince")

	// The ranking, with its reasons, for the holder only.
	var ranking struct {
		EquipmentRanking struct {
			Rules    struct{ Version int }
			Requests []struct {
				Rank    int
				Reasons []struct{ Rule, Detail string }
				Request struct{ ID string }
			}
		}
	}
	at.query(hostKey, `{ equipmentRanking { rules { version } requests { rank reasons { rule detail } request { id } } } }`, nil, &ranking)
	var order []string
	for _, r := range ranking.EquipmentRanking.Requests {
		order = append(order, r.Request.ID)
	}
	if want := []string{young.Request.ID, older.Request.ID, fromReg.Request.ID}; !slices.Equal(order, want) {
		t.Fatalf("ranking %v, want young, then the partner's (need, earlier), then the registration's", order)
	}
	if r := ranking.EquipmentRanking.Requests[0]; r.Reasons[0].Rule != "YOUNG_WITHOUT_COMPUTER" || r.Reasons[0].Detail != "under 26 without a computer: +10000" {
		t.Errorf("the first's reasons: %+v", r.Reasons)
	}
	rulesWantError(t, a, "the partner reads the ranking", partnerKey, `query($in: Int) { equipmentRanking(first: $in) { requests { rank } } }`, nil, "FORBIDDEN")

	// Proposed to the first, then given; not to the second without a reason.
	notFirst := equipmentDo(t, a, hostKey, proposeDeviceDoc, map[string]any{"deviceId": laptop.Device.ID, "requestId": older.Request.ID})
	rulesWantRefusal(t, "to the second without a reason", notFirst.UserErrors, "NOT_FIRST", "input", "overrideReason")
	foreign := equipmentDo(t, a, otherKey, proposeDeviceDoc, map[string]any{"deviceId": laptop.Device.ID})
	rulesWantRefusal(t, "another organisation's device", foreign.UserErrors, "NOT_FOUND", "input", "deviceId")
	proposed := equipmentDo(t, a, hostKey, proposeDeviceDoc, map[string]any{"deviceId": laptop.Device.ID})
	h := proposed.Handover
	// Young without a computer (10,000), months since January 2026 (20 each), no computer (5).
	if h == nil || h.Request.ID != young.Request.ID || h.Rank != 1 || h.Score <= 10005 || len(h.Reasons) != 3 ||
		h.Reasons[1].Rule != "SENIORITY" || h.Device.Status != "RESERVED" || h.Request.Status != "PROPOSED" {
		t.Fatalf("proposed to the first: %+v %+v", proposed.UserErrors, h)
	}
	given := equipmentDo(t, a, hostKey, giveDeviceDoc, map[string]any{"id": h.ID, "givenBy": "Samia", "acknowledgement": "Signature sur la fiche"})
	if g := given.Handover; g == nil || g.Status != "GIVEN" || g.Device.Status != "GIVEN" || *g.Acknowledgement != "Signature sur la fiche" {
		t.Fatalf("given: %+v %+v", given.UserErrors, g)
	}
	twiceGiven := equipmentDo(t, a, hostKey, giveDeviceDoc, map[string]any{"id": h.ID, "givenBy": "Samia", "acknowledgement": "encore"})
	rulesWantRefusal(t, "given twice", twiceGiven.UserErrors, "NOT_PROPOSED", "input", "id")

	// The figures, then the return and the device back in stock once checked.
	var figures struct {
		EquipmentFigures struct {
			Given        int
			ByAgeBracket []struct {
				Key   string
				Count int
			}
		}
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	today := time.Now().In(paris).Format(time.DateOnly)
	at.query(hostKey, `query($d: Date!) { equipmentFigures(from: $d, to: $d) { given byAgeBracket { key count } } }`, map[string]any{"d": today}, &figures)
	if f := figures.EquipmentFigures; f.Given != 1 || len(f.ByAgeBracket) != 1 || f.ByAgeBracket[0].Key != "UNDER_26" || f.ByAgeBracket[0].Count != 1 {
		t.Errorf("today's figures: %+v, want one device given to someone under 26", f)
	}
	returned := equipmentDo(t, a, hostKey, returnDeviceDoc, map[string]any{"id": h.ID, "note": "Clavier abîmé"})
	if r := returned.Handover; r == nil || r.Status != "RETURNED" || r.Device.Status != "RETURNED" {
		t.Fatalf("returned: %+v %+v", returned.UserErrors, r)
	}
	back := equipmentDo(t, a, hostKey, updateDeviceDoc, map[string]any{"id": laptop.Device.ID, "status": "IN_STOCK", "description": "Clavier changé, disque effacé"})
	if back.Device == nil || back.Device.Status != "IN_STOCK" {
		t.Errorf("back in stock after the check: %+v", back.UserErrors)
	}
	reserved := equipmentDo(t, a, hostKey, updateDeviceDoc, map[string]any{"id": laptop.Device.ID, "status": "GIVEN"})
	rulesWantRefusal(t, "given by updateDevice", reserved.UserErrors, "INVALID", "input", "status")

	// Who sees what: the partner its own request, the handover's device kind, not the device.
	var seen struct {
		EquipmentRequests struct {
			Edges []struct {
				Node struct {
					ID        string
					Handovers []struct{ ID string }
				}
			}
		}
	}
	at.query(partnerKey, `{ equipmentRequests { edges { node { id handovers { id } } } } }`, nil, &seen)
	if len(seen.EquipmentRequests.Edges) != 1 || seen.EquipmentRequests.Edges[0].Node.ID != older.Request.ID {
		t.Errorf("the partner's requests: %+v, want its own only", seen.EquipmentRequests.Edges)
	}
	for who, key := range map[string]string{"the partner": partnerKey, "another organisation": otherKey, "the public": ""} {
		var n struct {
			Device  *struct{ ID string }
			Request *struct{ ID string }
		}
		at.query(key, `query($d: ID!, $r: ID!) { device: node(id: $d) { id } request: node(id: $r) { id } }`,
			map[string]any{"d": laptop.Device.ID, "r": young.Request.ID}, &n)
		if n.Device != nil || n.Request != nil {
			t.Errorf("%s reads the host's device or request: %+v", who, n)
		}
	}
}

// Proposals at once through the API: as many handovers as requests, never a device twice.
func TestEquipmentProposalsAtOnce(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	at := a.withT(t)
	hostID, hostKey := at.org("equipment-race", "EQUIPMENT_MANAGE")
	for n := range 2 {
		if p := equipmentDo(t, a, hostKey, requestEquipmentDoc, map[string]any{"organisationId": hostID,
			"participant": equipmentPerson(n+1, "UNDER_26", false), "situation": "RESIDENT"}); p.Request == nil {
			t.Fatalf("request %d: %+v", n, p.UserErrors)
		}
	}
	var devices []string
	for range 3 {
		devices = append(devices, equipmentDo(t, a, hostKey, addDeviceDoc, map[string]any{"kind": "LAPTOP", "donor": "Ecodair", "condition": "GOOD"}).Device.ID)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var made []string
	for i := range 30 {
		wg.Go(func() {
			var out struct{ ProposeDevice equipmentPayload }
			if code, err := a.call(hostKey, "", proposeDeviceDoc, map[string]any{"in": map[string]any{"deviceId": devices[i%3]}}, &out); err != nil || code != "" {
				t.Errorf("proposal %d: %v %s", i, err, code)
				return
			}
			if h := out.ProposeDevice.Handover; h != nil {
				mu.Lock()
				made = append(made, h.Request.ID)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	slices.Sort(made)
	if len(made) != 2 || made[0] == made[1] {
		t.Errorf("30 proposals at once: handovers for %v, want one for each of the 2 requests", made)
	}
	var perDevice, perRequest int
	a.Pool.QueryRow(t.Context(), `SELECT (SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM equipment_handovers GROUP BY device_id) x),
		(SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM equipment_handovers GROUP BY request_id) y)`).Scan(&perDevice, &perRequest)
	if perDevice != 1 || perRequest != 1 {
		t.Errorf("30 proposals at once: at most %d handovers per device and %d per request, want 1 and 1", perDevice, perRequest)
	}
}

// The rest of a device's life through the API: a refusal sends it back to stock and the person
// back to the ranking (or closes their request), a device proposed is not scrapped, a closed
// request leaves the ranking, the host's own weights are followed and kept with the decision,
// coming to a workshop counts, and the partner reads what became of its request, not the stock.
func TestEquipmentDeclinesRulesAndWhatThePartnerSees(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	at := a.withT(t)
	hostID, hostKey := at.org("equipment-life", "EQUIPMENT_MANAGE", "REGISTRATIONS_WRITE", "REGISTRATIONS_READ", "CATALOGUE_WRITE", "ATTENDANCE_WRITE")
	_, partnerKey := rulesPartner(t, a, "equipment-life-ft")
	laptop := equipmentDo(t, a, hostKey, addDeviceDoc, map[string]any{"kind": "LAPTOP", "donor": "Ecodair", "condition": "GOOD"}).Device.ID
	partners := equipmentDo(t, a, partnerKey, requestEquipmentDoc, map[string]any{"organisationId": hostID,
		"participant": equipmentPerson(1, "UNDER_26", false), "situation": "JOB_SEEKER"}).Request
	// Someone who came to a workshop: marked present, then a request from that registration.
	slot := at.slot(hostKey, at.workshop(hostKey, nil), at.venue(hostKey, nil), "2032-05-04T14:00", nil)
	came, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"participant": equipmentPerson(2, "FROM_26_TO_59", false)}), "CONFIRMED")
	slotMoveToPast(t, a, slot)
	rulesDo(t, a, hostKey, rulesAttendanceDoc, map[string]any{"id": came.ID, "attendance": "PRESENT"}, &rulesRegPayload{})
	attended := equipmentDo(t, a, hostKey, requestEquipmentDoc, map[string]any{"organisationId": hostID, "registrationId": came.ID,
		"situation": "RESIDENT", "consent": true, "consentVersion": "2026-12", "hasInternet": false}).Request
	closing := equipmentDo(t, a, hostKey, requestEquipmentDoc, map[string]any{"organisationId": hostID,
		"participant": equipmentPerson(3, "UNDER_26", false), "situation": "RESIDENT"}).Request
	if partners == nil || attended == nil || closing == nil {
		t.Fatal("the three requests were not recorded")
	}

	// Closed: out of the ranking; a closed request is not closed twice.
	var closed struct{ CloseEquipmentRequest equipmentPayload }
	closeDoc := rulesDoc("closeEquipmentRequest", "CloseEquipmentRequestInput", "request { id status }")
	at.query(hostKey, closeDoc, map[string]any{"in": map[string]any{"id": closing.ID, "reason": "Équipée par sa famille"}}, &closed)
	if r := closed.CloseEquipmentRequest.Request; r == nil || r.Status != "CLOSED" {
		t.Fatalf("closed: %+v", closed.CloseEquipmentRequest)
	}
	closed = struct{ CloseEquipmentRequest equipmentPayload }{}
	at.query(hostKey, closeDoc, map[string]any{"in": map[string]any{"id": closing.ID, "reason": "encore"}}, &closed)
	rulesWantRefusal(t, "closed twice", closed.CloseEquipmentRequest.UserErrors, "NOT_OPEN", "input", "id")

	// The ranking: the partner's young person first; the one who came to a workshop has its point.
	var ranking struct {
		EquipmentRanking struct {
			Requests []struct {
				Reasons []struct{ Rule string }
				Request struct{ ID string }
			}
		}
	}
	at.query(hostKey, `{ equipmentRanking { requests { reasons { rule } request { id } } } }`, nil, &ranking)
	reqs := ranking.EquipmentRanking.Requests
	if len(reqs) != 2 || reqs[0].Request.ID != partners.ID || reqs[1].Request.ID != attended.ID ||
		!slices.ContainsFunc(reqs[1].Reasons, func(r struct{ Rule string }) bool { return r.Rule == "ATTENDED_WORKSHOP" }) {
		t.Fatalf("ranking: %+v; want the partner's young person, then the one who came (ATTENDED_WORKSHOP)", reqs)
	}

	// Proposed, not scrapped meanwhile, declined: the device back in stock, the person back first.
	h := equipmentDo(t, a, hostKey, proposeDeviceDoc, map[string]any{"deviceId": laptop}).Handover
	scrap := equipmentDo(t, a, hostKey, updateDeviceDoc, map[string]any{"id": laptop, "status": "SCRAPPED"})
	rulesWantRefusal(t, "a proposed device scrapped", scrap.UserErrors, "INVALID", "input", "status")
	declineDoc := rulesDoc("declineDevice", "DeclineDeviceInput", "handover { "+equipmentHandoverFields+" }")
	declined := equipmentDo(t, a, hostKey, declineDoc, map[string]any{"id": h.ID, "reason": "Préfère attendre une tablette"})
	if d := declined.Handover; d == nil || d.Status != "DECLINED" || d.Device.Status != "IN_STOCK" || d.Request.Status != "OPEN" {
		t.Fatalf("declined: %+v %+v", declined.UserErrors, d)
	}

	// The host's own weights: coming to a workshop first. The next decision keeps them.
	var set struct {
		SetEquipmentRules struct {
			Rules      *struct{ Version int }
			UserErrors []userError
		}
	}
	at.query(hostKey, `mutation { setEquipmentRules(input: {youngWithoutComputer: 0, seniorityPerMonth: 0, seniorityMaxMonths: 0,
		noComputer: 1, noInternet: 1, noSmartphone: 1, attendedWorkshop: 100}) { rules { version } userErrors { field code message } } }`, nil, &set)
	if r := set.SetEquipmentRules.Rules; r == nil || r.Version != 1 {
		t.Fatalf("setEquipmentRules: %+v", set.SetEquipmentRules)
	}
	var second struct {
		ProposeDevice struct {
			Handover *struct {
				ID           string
				RulesVersion int
				Rules        struct{ AttendedWorkshop int }
				Request      struct{ ID string }
			}
		}
	}
	at.query(hostKey, `mutation($d: ID!) { proposeDevice(input: {deviceId: $d}) { handover { id rulesVersion rules { attendedWorkshop } request { id } } } }`,
		map[string]any{"d": laptop}, &second)
	if h := second.ProposeDevice.Handover; h == nil || h.Request.ID != attended.ID || h.RulesVersion != 1 || h.Rules.AttendedWorkshop != 100 {
		t.Fatalf("the next proposal under version 1: %+v; want the one who came, with the weights kept", h)
	}
	declined = equipmentDo(t, a, hostKey, declineDoc, map[string]any{"id": second.ProposeDevice.Handover.ID, "reason": "Déménage", "closeRequest": true})
	if d := declined.Handover; d == nil || d.Request.Status != "CLOSED" {
		t.Errorf("declined for good: %+v %+v, want the request closed", declined.UserErrors, d)
	}

	// The partner reads its request and what became of it: the kind of device, not the device.
	var seen struct {
		Node *struct {
			Status    string
			Handovers []struct {
				Status, DeviceKind string
				Device             *struct{ ID string }
			}
		}
	}
	at.query(partnerKey, `query($id: ID!) { node(id: $id) { ... on EquipmentRequest { status handovers { status deviceKind device { id } } } } }`,
		map[string]any{"id": partners.ID}, &seen)
	if n := seen.Node; n == nil || len(n.Handovers) != 1 || n.Handovers[0].DeviceKind != "LAPTOP" || n.Handovers[0].Device != nil || n.Handovers[0].Status != "DECLINED" {
		t.Errorf("the partner's request: %+v; want its declined handover, the kind of device and no device", n)
	}
}
