package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"testing"
)

// The words of the booking tests (booking_*_test.go), each rule checked through the real HTTP
// handler: the documents they send, the registrations and slots they read back, the hosts,
// partners and courses they make. Every test makes its own organisations and slots (in 2032).
// What they check of the answers and the database is in booking_checks_test.go.

// rulesRegFields is everything the booking rules look at on a registration.
const rulesRegFields = `id status waitlistPosition confirmationCode priority priorityReason hasReservedSeat
	attendance registeredAt confirmedAt cancelledAt cancellationReason slot { id }
	participant { firstName lastName phone email }
	referral { organisation { id } counsellorName reason partnerReference }
	outcome { kind note recordedAt }`

// rulesReg is a registration as a client reads it.
type rulesReg struct {
	ID                 string
	Status             string
	WaitlistPosition   *int
	ConfirmationCode   string
	Priority           bool
	PriorityReason     *string
	HasReservedSeat    bool
	Attendance         *string
	RegisteredAt       string
	ConfirmedAt        *string
	CancelledAt        *string
	CancellationReason *string
	Slot               struct{ ID string }
	Participant        *struct{ FirstName, LastName, Phone, Email *string }
	Referral           *struct {
		Organisation     struct{ ID string }
		CounsellorName   string
		Reason           *string
		PartnerReference *string
	}
	Outcome *struct {
		Kind       string
		Note       *string
		RecordedAt string
	}
}

// rulesAllocFields and rulesAlloc: a reservation of seats.
const rulesAllocFields = `id label seats seatsTaken releaseAt releasedAt organisation { id } slot { id }`

type rulesAlloc struct {
	ID           string
	Label        string
	Seats        int
	SeatsTaken   int
	ReleaseAt    *string
	ReleasedAt   *string
	Organisation struct{ ID string }
	Slot         struct{ ID string }
}

// Payloads of the booking mutations.
type (
	rulesRegistered struct {
		Registration *rulesReg
		ManageToken  *string
		UserErrors   []userError
	}
	rulesRegPayload struct {
		Registration *rulesReg
		UserErrors   []userError
	}
	rulesAllocPayload struct {
		Allocation *rulesAlloc
		UserErrors []userError
	}
	rulesSlotPayload struct {
		Slot *struct {
			Capacity, SeatsTaken, WaitlistLength int
			Status                               string
		}
		UserErrors []userError
	}
)

// rulesDoc writes a mutation that takes one input and selects fields of its payload.
func rulesDoc(name, inputType, selection string) string {
	return fmt.Sprintf(`mutation($in: %s!) { %s(input: $in) { %s userErrors { field message code } } }`, inputType, name, selection)
}

var (
	rulesRegisterDoc   = rulesDoc("register", "RegisterInput", "registration { "+rulesRegFields+" } manageToken")
	rulesCancelDoc     = rulesDoc("cancelRegistration", "CancelRegistrationInput", "registration { "+rulesRegFields+" }")
	rulesAttendanceDoc = rulesDoc("markAttendance", "MarkAttendanceInput", "registration { "+rulesRegFields+" }")
	rulesOutcomeDoc    = rulesDoc("recordOutcome", "RecordOutcomeInput", "registration { "+rulesRegFields+" }")
	rulesReserveDoc    = rulesDoc("reserveSeats", "ReserveSeatsInput", "allocation { "+rulesAllocFields+" }")
	rulesReleaseDoc    = rulesDoc("releaseSeats", "ReleaseSeatsInput", "allocation { "+rulesAllocFields+" }")
	rulesUpdateSlotDoc = rulesDoc("updateSlot", "UpdateSlotInput", "slot { capacity seatsTaken waitlistLength status }")
)

// rulesDo sends a one-input mutation, fails the test on a GraphQL error, and decodes the payload.
func rulesDo(t *testing.T, a *testAPI, key, doc string, in map[string]any, out any) {
	t.Helper()
	var data map[string]json.RawMessage
	a.withT(t).query(key, doc, map[string]any{"in": in}, &data)
	for _, payload := range data {
		if err := json.Unmarshal(payload, out); err != nil {
			t.Fatalf("decode payload %s: %v", payload, err)
		}
	}
}

// rulesIn is a register input for person n on slot, with extra fields.
func rulesIn(slot string, n int, extra map[string]any) map[string]any {
	in := map[string]any{"slotId": slot, "participant": person(n)}
	maps.Copy(in, extra)
	return in
}

// rulesReferral is what a partner's counsellor records when sending someone.
func rulesReferral() map[string]any {
	return map[string]any{"counsellorName": "Mme Benali", "reason": "Recherche d'emploi, pas d'ordinateur à la maison",
		"partnerReference": "FT-2032-0042"}
}

// rulesRegister calls register and returns its payload, whatever it says.
func rulesRegister(t *testing.T, a *testAPI, key string, in map[string]any) rulesRegistered {
	t.Helper()
	var out rulesRegistered
	rulesDo(t, a, key, rulesRegisterDoc, in, &out)
	return out
}

// rulesBook registers and fails the test unless the registration has the status want.
func rulesBook(t *testing.T, a *testAPI, key string, in map[string]any, want string) (rulesReg, string) {
	t.Helper()
	out := rulesRegister(t, a, key, in)
	if len(out.UserErrors) > 0 || out.Registration == nil || out.ManageToken == nil {
		t.Fatalf("register: got userErrors %+v, registration %+v, want a %s registration", out.UserErrors, out.Registration, want)
	}
	if out.Registration.Status != want {
		t.Fatalf("register: got status %s, want %s", out.Registration.Status, want)
	}
	return *out.Registration, *out.ManageToken
}

// rulesCancel calls cancelRegistration.
func rulesCancel(t *testing.T, a *testAPI, key string, in map[string]any) rulesRegPayload {
	t.Helper()
	var out rulesRegPayload
	rulesDo(t, a, key, rulesCancelDoc, in, &out)
	return out
}

// rulesMustCancel cancels and fails the test unless the registration comes back cancelled.
func rulesMustCancel(t *testing.T, a *testAPI, key string, in map[string]any) rulesReg {
	t.Helper()
	out := rulesCancel(t, a, key, in)
	if len(out.UserErrors) > 0 || out.Registration == nil || out.Registration.Status != "CANCELLED" {
		t.Fatalf("cancelRegistration %v: got %+v, registration %+v, want it CANCELLED", in, out.UserErrors, out.Registration)
	}
	return *out.Registration
}

// rulesByToken opens a registration with its management token, as the person's link does.
func rulesByToken(t *testing.T, a *testAPI, token string) *rulesReg {
	t.Helper()
	var out struct{ RegistrationByToken *rulesReg }
	a.withT(t).query("", `query($t: String!) { registrationByToken(token: $t) { `+rulesRegFields+` } }`,
		map[string]any{"t": token}, &out)
	return out.RegistrationByToken
}

// rulesStatusByToken is the status the person's link shows ("" when it opens nothing).
func rulesStatusByToken(t *testing.T, a *testAPI, token string) string {
	t.Helper()
	if r := rulesByToken(t, a, token); r != nil {
		return r.Status
	}
	return ""
}

// rulesNode reads a registration as key sees it; nil when key may not see it.
func rulesNode(t *testing.T, a *testAPI, key, id string) *rulesReg {
	t.Helper()
	var out struct{ Node *rulesReg }
	a.withT(t).query(key, `query($id: ID!) { node(id: $id) { ... on Registration { `+rulesRegFields+` } } }`,
		map[string]any{"id": id}, &out)
	return out.Node
}

// rulesSlotView is a slot's counters as a caller sees them.
type rulesSlotView struct {
	Capacity, SeatsTaken, SeatsReserved, SeatsLeft, WaitlistLength int
	Status                                                         string
	Allocations                                                    []rulesAlloc
}

func rulesSlotSeenBy(t *testing.T, a *testAPI, key, slot string) rulesSlotView {
	t.Helper()
	var out struct{ Node *rulesSlotView }
	a.withT(t).query(key, `query($id: ID!) { node(id: $id) { ... on Slot {
		capacity seatsTaken seatsReserved seatsLeft waitlistLength status allocations { `+rulesAllocFields+` } } } }`,
		map[string]any{"id": slot}, &out)
	if out.Node == nil {
		t.Fatalf("node(%s): got null, want the slot", slot)
	}
	return *out.Node
}

// rulesHost is a host organisation with a key carrying every booking scope, a workshop and a venue.
type rulesHost struct{ ID, Key, Workshop, Venue string }

func rulesNewHost(t *testing.T, a *testAPI, slug string) rulesHost {
	t.Helper()
	at := a.withT(t)
	id, key := at.org(slug, "CATALOGUE_WRITE", "REGISTRATIONS_WRITE", "REGISTRATIONS_READ", "ATTENDANCE_WRITE")
	return rulesHost{ID: id, Key: key, Workshop: at.workshop(key, nil), Venue: at.venue(key, nil)}
}

// rulesRun checks rule in a parallel subtest, on a host of its own named slug.
func rulesRun(t *testing.T, a *testAPI, rule, slug string, check func(t *testing.T, h rulesHost)) {
	t.Helper()
	t.Run(rule, func(t *testing.T) {
		t.Parallel()
		check(t, rulesNewHost(t, a, slug))
	})
}

// slot schedules a slot of seats on 1 June 2032 at 14:00; fields override (startsAt too).
func (h rulesHost) slot(t *testing.T, a *testAPI, seats int, fields map[string]any) string {
	t.Helper()
	f := map[string]any{"capacity": seats}
	maps.Copy(f, fields)
	return a.withT(t).slot(h.Key, h.Workshop, h.Venue, "2032-06-01T14:00", f)
}

// rulesPartner is a partner organisation (a France Travail agency, a CCAS) whose key registers
// people and reads what became of them.
func rulesPartner(t *testing.T, a *testAPI, slug string) (id, key string) {
	t.Helper()
	return a.withT(t).org(slug, "REGISTRATIONS_WRITE", "REGISTRATIONS_READ")
}

// rulesReserve reserves seats of slot for the organisation org (global id), as the host with
// hostKey, with extra input fields (a label, a release time); it returns the payload.
func rulesReserve(t *testing.T, a *testAPI, hostKey, slot, org string, seats int, extra map[string]any) rulesAllocPayload {
	t.Helper()
	in := map[string]any{"slotId": slot, "organisationId": org, "seats": seats}
	maps.Copy(in, extra)
	var out rulesAllocPayload
	rulesDo(t, a, hostKey, rulesReserveDoc, in, &out)
	return out
}

// rulesReserved is rulesReserve where the reservation must be made; it returns its id.
func rulesReserved(t *testing.T, a *testAPI, hostKey, slot, org string, seats int, extra map[string]any) string {
	t.Helper()
	out := rulesReserve(t, a, hostKey, slot, org, seats, extra)
	if len(out.UserErrors) > 0 || out.Allocation == nil {
		t.Fatalf("reserveSeats: got %+v, want an allocation", out.UserErrors)
	}
	return out.Allocation.ID
}

// rulesCourse is a host's programme like the demo's four-workshop course, with one slot of
// each workshop (in course order) and a second slot of the first workshop.
type rulesCourse struct {
	Host      rulesHost
	Programme string
	Slots     []string // one per workshop, in course order
	Another   string   // another slot of the first workshop
	Outside   string   // a slot of a workshop of the host that is not in the programme
}

// rulesNewCourse creates the course with one slot of capacity seats[i] for workshop i.
func rulesNewCourse(t *testing.T, a *testAPI, slug string, seats ...int) rulesCourse {
	t.Helper()
	at := a.withT(t)
	h := rulesNewHost(t, a, slug)
	titles := []struct{ title, topic string }{
		{"Faire son CV", "CV_AND_JOB_SEARCH"},
		{"Démarches France Travail", "FRANCE_TRAVAIL_PROCEDURES"},
		{"Démarches CAF", "CAF_PROCEDURES"},
		{"Scanner et envoyer un document avec son téléphone", "SCANNING_DOCUMENTS"},
	}
	var c rulesCourse
	c.Host = h
	var workshops []string
	for i, capacity := range seats {
		w := at.workshop(h.Key, map[string]any{"title": titles[i].title, "topics": []string{titles[i].topic}})
		workshops = append(workshops, w)
		c.Slots = append(c.Slots, at.slot(h.Key, w, h.Venue, fmt.Sprintf("2032-09-%02dT14:00", 7*i+7), map[string]any{"capacity": capacity}))
	}
	c.Another = at.slot(h.Key, workshops[0], h.Venue, "2032-10-05T14:00", map[string]any{"capacity": 5})
	c.Outside = at.slot(h.Key, h.Workshop, h.Venue, "2032-10-12T14:00", map[string]any{"capacity": 5})
	var out struct {
		CreateProgramme struct {
			Programme  *struct{ ID string }
			UserErrors []userError
		}
	}
	at.query(h.Key, `mutation($in: CreateProgrammeInput!) { createProgramme(input: $in) { programme { id } userErrors { field message code } } }`,
		map[string]any{"in": map[string]any{"title": "Parcours numérique vers l'emploi", "workshopIds": workshops, "status": "PUBLISHED"}}, &out)
	if out.CreateProgramme.Programme == nil {
		t.Fatalf("createProgramme: %+v", out.CreateProgramme.UserErrors)
	}
	c.Programme = out.CreateProgramme.Programme.ID
	return c
}
