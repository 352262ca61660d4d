package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// The booking rules, each checked through the real HTTP handler: what a register
// call answers, who may register whom, how the waiting list moves, reserved seats, attendance
// and the referral chain, the outbox of booking events, and retries. Every test makes its own
// organisations and slots (in 2032) and checks the database when the rule is about rows.

// rulesRegFields is everything the booking rules look at on a registration.
const rulesRegFields = `id status waitlistPosition confirmationCode priority priorityReason hasReservedSeat
	attendance registeredAt confirmedAt cancelledAt cancellationReason slot { id }
	participant { firstName lastName phone email }
	referral { organisation { id } counsellorName reason partnerReference }`

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
	rulesPriorityDoc   = rulesDoc("setRegistrationPriority", "SetRegistrationPriorityInput", "registration { "+rulesRegFields+" }")
	rulesAttendanceDoc = rulesDoc("markAttendance", "MarkAttendanceInput", "registration { "+rulesRegFields+" }")
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

// rulesPerson is person(n) with some fields replaced (nil sends JSON null).
func rulesPerson(n int, fields map[string]any) map[string]any {
	p := person(n)
	maps.Copy(p, fields)
	return p
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

// rulesNode reads a registration as key sees it; nil when key may not see it.
func rulesNode(t *testing.T, a *testAPI, key, id string) *rulesReg {
	t.Helper()
	var out struct{ Node *rulesReg }
	a.withT(t).query(key, `query($id: ID!) { node(id: $id) { ... on Registration { `+rulesRegFields+` } } }`,
		map[string]any{"id": id}, &out)
	return out.Node
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

// rulesSeatsLeft is seatsLeft as key sees it.
func rulesSeatsLeft(t *testing.T, a *testAPI, key, slot string) int {
	t.Helper()
	return rulesSlotSeenBy(t, a, key, slot).SeatsLeft
}

// rulesHost is a host organisation with a key carrying every booking scope, a workshop and a venue.
type rulesHost struct{ ID, Key, Workshop, Venue string }

func rulesNewHost(t *testing.T, a *testAPI, slug string) rulesHost {
	t.Helper()
	at := a.withT(t)
	id, key := at.org(slug, "CATALOGUE_WRITE", "REGISTRATIONS_WRITE", "REGISTRATIONS_READ", "ATTENDANCE_WRITE")
	return rulesHost{ID: id, Key: key, Workshop: at.workshop(key, nil), Venue: at.venue(key, nil)}
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

var rulesConfirmationCode = regexp.MustCompile(`^[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{8}$`)

// 1. What register answers: a seat, a place in line, or a refusal that leaves nothing behind.
func TestBookingRulesRegisterOutcomes(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	t.Run("a seat left: CONFIRMED with a code to read over the phone and a secret link", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "confirmed")
		slot := h.slot(t, a, 2, nil)
		out := rulesRegister(t, a, "", rulesIn(slot, 1, nil))
		if len(out.UserErrors) != 0 || out.Registration == nil {
			t.Fatalf("got userErrors %+v, want a registration", out.UserErrors)
		}
		r := out.Registration
		if r.Status != "CONFIRMED" || r.WaitlistPosition != nil || r.ConfirmedAt == nil || r.Slot.ID != slot {
			t.Errorf("got status %s, waitlistPosition %v, confirmedAt %v, slot %s; want CONFIRMED, none, set, %s",
				r.Status, r.WaitlistPosition, r.ConfirmedAt, r.Slot.ID, slot)
		}
		if !rulesConfirmationCode.MatchString(r.ConfirmationCode) {
			t.Errorf("confirmation code: got %q, want 8 characters of %s", r.ConfirmationCode, "23456789ABCDEFGHJKMNPQRSTUVWXYZ")
		}
		if out.ManageToken == nil || len(*out.ManageToken) < 22 {
			t.Fatalf("manageToken: got %v, want a secret of at least 128 bits (22 base64 characters)", out.ManageToken)
		}
		token := *out.ManageToken
		mine := rulesByToken(t, a, token)
		if mine == nil || mine.ID != r.ID || mine.Status != "CONFIRMED" || mine.Participant == nil || *mine.Participant.LastName != "Diallo 1" {
			t.Errorf("registrationByToken: got %+v, want registration %s, CONFIRMED, with the person's own data", mine, r.ID)
		}
		var hashed, inClear int
		if err := a.Pool.QueryRow(context.Background(), `SELECT
			count(*) FILTER (WHERE token_hash = sha256(convert_to($1, 'UTF8'))),
			count(*) FILTER (WHERE r::text LIKE '%' || $1 || '%')
			FROM registrations r WHERE slot_id = $2`, token, dbID(t, slot)).Scan(&hashed, &inClear); err != nil {
			t.Fatal(err)
		}
		if hashed != 1 || inClear != 0 {
			t.Errorf("stored token: got %d rows holding its hash and %d holding it in clear, want 1 and 0", hashed, inClear)
		}
		rulesWantCounters(t, a, "after one seat", slot, 1, 0, 0)
	})

	t.Run("no seat left and joinWaitlist: WAITLISTED with a place in line", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "waitlisted")
		slot := h.slot(t, a, 1, nil)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		for _, n := range []int{2, 3} {
			out := rulesRegister(t, a, "", rulesIn(slot, n, map[string]any{"joinWaitlist": true}))
			if len(out.UserErrors) != 0 || out.Registration == nil || out.ManageToken == nil {
				t.Fatalf("person %d: got userErrors %+v, want a place on the waiting list", n, out.UserErrors)
			}
			r := out.Registration
			if r.Status != "WAITLISTED" || r.WaitlistPosition == nil || *r.WaitlistPosition != n-1 || r.ConfirmedAt != nil {
				t.Errorf("person %d: got %s at position %v (confirmedAt %v), want WAITLISTED at position %d", n, r.Status, r.WaitlistPosition, r.ConfirmedAt, n-1)
			}
			if !rulesConfirmationCode.MatchString(r.ConfirmationCode) {
				t.Errorf("person %d: confirmation code %q, want 8 characters of the alphabet", n, r.ConfirmationCode)
			}
		}
		if seen := rulesSlotSeenBy(t, a, "", slot); seen.SeatsLeft != 0 || seen.WaitlistLength != 2 {
			t.Errorf("public view: got seatsLeft %d, waitlistLength %d; want 0 and 2", seen.SeatsLeft, seen.WaitlistLength)
		}
		rulesWantCounters(t, a, "one seat, two waiting", slot, 1, 0, 2)
	})

	t.Run("a phone in French national form is stored and returned in E.164", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "e164")
		slot := h.slot(t, a, 2, nil)
		_, token := rulesBook(t, a, "", rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"phone": "06 12 34 56 78"})}), "CONFIRMED")
		var stored string
		if err := a.Pool.QueryRow(context.Background(), `SELECT phone FROM registrations WHERE slot_id = $1`, dbID(t, slot)).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		if stored != "+33612345678" {
			t.Errorf("stored phone: got %q, want +33612345678", stored)
		}
		if mine := rulesByToken(t, a, token); mine == nil || mine.Participant == nil || mine.Participant.Phone == nil || *mine.Participant.Phone != "+33612345678" {
			t.Errorf("phone seen with the token: got %+v, want +33612345678", mine)
		}
	})

	t.Run("a cancelled registration does not stop the person registering again", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "again")
		slot := h.slot(t, a, 2, nil)
		first, token := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		rulesMustCancel(t, a, "", map[string]any{"token": token})
		again, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		if again.ID == first.ID || again.ConfirmationCode == first.ConfirmationCode {
			t.Errorf("registering again: got the same registration or code (%s, %s), want a new one", again.ID, again.ConfirmationCode)
		}
		if got := rulesStatuses(t, a, slot); got["CONFIRMED"] != 1 || got["CANCELLED"] != 1 {
			t.Errorf("rows: got %v, want 1 CONFIRMED and 1 CANCELLED", got)
		}
	})

	// Each refusal: the code, the field at fault, and nothing left behind (no row, no event).
	for i, tc := range []struct {
		rule  string
		setup func(t *testing.T, h rulesHost) (slot string, in map[string]any)
		code  string
		field []string
	}{
		{"no seat left and no joinWaitlist: SLOT_FULL", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 1, nil)
			rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
			return slot, rulesIn(slot, 2, nil)
		}, "SLOT_FULL", []string{"input", "slotId"}},
		{"registrations closed (closing time passed): REGISTRATION_CLOSED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			slotSQL(t, a, slot, `UPDATE slots SET registration_closes_at = now() - interval '1 hour' WHERE id = $1`)
			return slot, rulesIn(slot, 1, nil)
		}, "REGISTRATION_CLOSED", []string{"input", "slotId"}},
		{"registrations not open yet: REGISTRATION_NOT_OPEN", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, map[string]any{"registrationOpensAt": "2032-05-01T10:00"})
			return slot, rulesIn(slot, 1, nil)
		}, "REGISTRATION_NOT_OPEN", []string{"input", "slotId"}},
		{"a cancelled slot: SLOT_CANCELLED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			slotCancel(t, a.withT(t), h.Key, slot)
			return slot, rulesIn(slot, 1, nil)
		}, "SLOT_CANCELLED", []string{"input", "slotId"}},
		{"the same phone, written another way: ALREADY_REGISTERED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			rulesBook(t, a, "", rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"phone": "+33612345678"})}), "CONFIRMED")
			return slot, rulesIn(slot, 2, map[string]any{"participant": rulesPerson(2, map[string]any{"firstName": "Moussa", "phone": "06 12 34 56 78"})})
		}, "ALREADY_REGISTERED", []string{"input", "slotId"}},
		{"the same email in another case: ALREADY_REGISTERED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			rulesBook(t, a, "", rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"email": "awa.diallo@example.fr"})}), "CONFIRMED")
			return slot, rulesIn(slot, 2, map[string]any{"participant": rulesPerson(2, map[string]any{"phone": nil, "email": "Awa.Diallo@Example.FR"})})
		}, "ALREADY_REGISTERED", []string{"input", "slotId"}},
		{"already on the waiting list: ALREADY_REGISTERED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 1, nil)
			rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
			rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
			return slot, rulesIn(slot, 2, map[string]any{"joinWaitlist": true})
		}, "ALREADY_REGISTERED", []string{"input", "slotId"}},
		{"a phone that is no number: INVALID_PHONE", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			return slot, rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"phone": "06 12"})})
		}, "INVALID_PHONE", []string{"input", "participant", "phone"}},
		{"an email that is no address: INVALID_EMAIL", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			return slot, rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"email": "awa@"})})
		}, "INVALID_EMAIL", []string{"input", "participant", "email"}},
		{"no consent: CONSENT_REQUIRED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			return slot, rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"consent": false})})
		}, "CONSENT_REQUIRED", []string{"input", "participant", "consent"}},
		{"neither phone nor email: CONTACT_REQUIRED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			return slot, rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"phone": nil, "email": nil})})
		}, "CONTACT_REQUIRED", []string{"input", "participant", "phone"}},
		{"a blank phone and no email: CONTACT_REQUIRED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			return slot, rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"phone": "  "})})
		}, "CONTACT_REQUIRED", []string{"input", "participant", "phone"}},
		{"a blank first name: REQUIRED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			return slot, rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"firstName": "   "})})
		}, "REQUIRED", []string{"input", "participant", "firstName"}},
		{"a blank last name: REQUIRED", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, nil)
			return slot, rulesIn(slot, 1, map[string]any{"participant": rulesPerson(1, map[string]any{"lastName": ""})})
		}, "REQUIRED", []string{"input", "participant", "lastName"}},
		{"a partners-only slot, registered anonymously: NOT_FOUND", func(t *testing.T, h rulesHost) (string, map[string]any) {
			slot := h.slot(t, a, 5, map[string]any{"visibility": "PARTNERS"})
			return slot, rulesIn(slot, 1, nil)
		}, "NOT_FOUND", []string{"input", "slotId"}},
	} {
		t.Run(tc.rule, func(t *testing.T) {
			t.Parallel()
			h := rulesNewHost(t, a, fmt.Sprintf("refusal-%d", i))
			slot, in := tc.setup(t, h)
			rowsBefore, eventsBefore := rulesRows(t, a, slot), len(rulesEvents(t, a, slot, nil))
			takenBefore, reservedBefore, waitBefore := rulesCounters(t, a, slot)
			out := rulesRegister(t, a, "", in)
			rulesWantRefusal(t, "register", out.UserErrors, tc.code, tc.field...)
			if out.Registration != nil || out.ManageToken != nil {
				t.Errorf("refused: got registration %+v and token %v, want null", out.Registration, out.ManageToken)
			}
			if rows, events := rulesRows(t, a, slot), len(rulesEvents(t, a, slot, nil)); rows != rowsBefore || events != eventsBefore {
				t.Errorf("refused: got %d registrations and %d events, want %d and %d as before", rows, events, rowsBefore, eventsBefore)
			}
			rulesWantCounters(t, a, "refused", slot, takenBefore, reservedBefore, waitBefore)
		})
	}
}

// 2. Who may register: the public on public slots; partners with REGISTRATIONS_WRITE, recording
// a referral; the host on its own slots, internal ones included; nobody else.
func TestBookingRulesWhoMayRegister(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	t.Run("anonymous on a public slot: a seat, no referral", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "public")
		slot := h.slot(t, a, 3, nil)
		r, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		if r.Participant != nil || r.Referral != nil {
			t.Errorf("the public's view of the registration: got participant %+v, referral %+v; want both null", r.Participant, r.Referral)
		}
		var by, referrer *int64
		if err := a.Pool.QueryRow(context.Background(), `SELECT registered_by_org_id, referring_org_id FROM registrations WHERE slot_id = $1`,
			dbID(t, slot)).Scan(&by, &referrer); err != nil {
			t.Fatal(err)
		}
		if by != nil || referrer != nil {
			t.Errorf("registered by %v, referred by %v; want no organisation", by, referrer)
		}
	})

	t.Run("a partner on a partners-only slot records a referral it then follows", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "partners-host")
		partnerID, partnerKey := rulesPartner(t, a, "ft-stains")
		_, otherKey := rulesPartner(t, a, "ccas-stains")
		slot := h.slot(t, a, 3, map[string]any{"visibility": "PARTNERS"})
		r, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 1, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		wantReferral := func(who string, got *rulesReg) {
			t.Helper()
			if got == nil || got.Referral == nil || got.Participant == nil {
				t.Errorf("%s: got %+v, want the registration with its referral and participant", who, got)
				return
			}
			f := got.Referral
			if f.Organisation.ID != partnerID || f.CounsellorName != "Mme Benali" || f.Reason == nil || *f.Reason != "Recherche d'emploi, pas d'ordinateur à la maison" ||
				f.PartnerReference == nil || *f.PartnerReference != "FT-2032-0042" {
				t.Errorf("%s: got referral %+v, want organisation %s, Mme Benali, the reason and FT-2032-0042", who, *f, partnerID)
			}
			if *got.Participant.LastName != "Diallo 1" {
				t.Errorf("%s: got participant %+v, want Diallo 1", who, *got.Participant)
			}
		}
		wantReferral("the partner's register payload", &r)
		wantReferral("the partner, through node", rulesNode(t, a, partnerKey, r.ID))
		wantReferral("the host, through node", rulesNode(t, a, h.Key, r.ID))
		if got := rulesNode(t, a, "", r.ID); got != nil {
			t.Errorf("the public, through node: got %+v, want null", got)
		}
		if got := rulesNode(t, a, otherKey, r.ID); got != nil {
			t.Errorf("another partner, through node: got %+v, want null", got)
		}
		var referrer int64
		if err := a.Pool.QueryRow(context.Background(), `SELECT referring_org_id FROM registrations WHERE slot_id = $1`, dbID(t, slot)).Scan(&referrer); err != nil {
			t.Fatal(err)
		}
		if referrer != dbID(t, partnerID) {
			t.Errorf("referring_org_id: got %d, want %d", referrer, dbID(t, partnerID))
		}
	})

	t.Run("a partner must name the counsellor: REQUIRED, nothing left behind", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "counsellor-host")
		_, partnerKey := rulesPartner(t, a, "emmaus-connect")
		slot := h.slot(t, a, 3, nil)
		out := rulesRegister(t, a, partnerKey, rulesIn(slot, 1, nil))
		rulesWantRefusal(t, "no referral", out.UserErrors, "REQUIRED", "input", "referral", "counsellorName")
		out = rulesRegister(t, a, partnerKey, rulesIn(slot, 2, map[string]any{"referral": map[string]any{"counsellorName": "  "}}))
		rulesWantRefusal(t, "a blank counsellor name", out.UserErrors, "REQUIRED", "input", "referral", "counsellorName")
		if n := rulesRows(t, a, slot); n != 0 {
			t.Errorf("got %d registrations, want 0", n)
		}
	})

	t.Run("keys that may not register: FORBIDDEN, nothing left behind", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "forbidden-host")
		readerID, _ := rulesPartner(t, a, "reader-only")
		reader := anotherKey(t, a, readerID, db.ScopeRegistrationsRead)
		catalogueOnly := anotherKey(t, a, h.ID, db.ScopeCatalogueWrite)
		slot := h.slot(t, a, 3, nil)
		for who, key := range map[string]string{
			"a partner key without REGISTRATIONS_WRITE":  reader,
			"the host's key without REGISTRATIONS_WRITE": catalogueOnly,
			"a network administrator key":                a.withT(t).adminKey(),
		} {
			rulesWantError(t, a, who, key, rulesRegisterDoc, rulesIn(slot, 1, map[string]any{"referral": rulesReferral()}), "FORBIDDEN")
		}
		if n := rulesRows(t, a, slot); n != 0 {
			t.Errorf("got %d registrations, want 0", n)
		}
	})

	t.Run("the host registers its own staff on an internal slot, without referral", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "internal-host")
		_, partnerKey := rulesPartner(t, a, "internal-outsider")
		slot := h.slot(t, a, 3, map[string]any{"visibility": "INTERNAL"})
		r, _ := rulesBook(t, a, h.Key, rulesIn(slot, 1, nil), "CONFIRMED")
		if r.Referral != nil || r.Participant == nil {
			t.Errorf("the host's own registration: got referral %+v, participant %+v; want no referral, the participant visible", r.Referral, r.Participant)
		}
		out := rulesRegister(t, a, partnerKey, rulesIn(slot, 2, map[string]any{"referral": rulesReferral()}))
		rulesWantRefusal(t, "a partner on another's internal slot", out.UserErrors, "NOT_FOUND", "input", "slotId")
		out = rulesRegister(t, a, "", rulesIn(slot, 3, nil))
		rulesWantRefusal(t, "the public on an internal slot", out.UserErrors, "NOT_FOUND", "input", "slotId")
		if n := rulesRows(t, a, slot); n != 1 {
			t.Errorf("got %d registrations, want the host's 1", n)
		}
	})

	t.Run("the public may not send a referral, a priority or a department: FORBIDDEN", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "anonymous-extras")
		slot := h.slot(t, a, 3, nil)
		for what, extra := range map[string]map[string]any{
			"a referral":         {"referral": rulesReferral()},
			"a priority reason":  {"priorityReason": "Jeune sans équipement"},
			"a department label": {"allocationLabel": "Propreté"},
		} {
			rulesWantError(t, a, "anonymous with "+what, "", rulesRegisterDoc, rulesIn(slot, 1, extra), "FORBIDDEN")
		}
		if n := rulesRows(t, a, slot); n != 0 {
			t.Errorf("got %d registrations, want 0", n)
		}
	})
}

// 3. The waiting list moves by itself, in its order: priority first, then time of joining.
func TestBookingRulesWaitingListMovesByItself(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	t.Run("a cancelled seat goes to the first in line, in the same call", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "cancel-moves")
		slot := h.slot(t, a, 1, nil)
		_, seat := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		first, firstToken := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		second, secondToken := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		cancelled := rulesMustCancel(t, a, "", map[string]any{"token": seat, "reason": "Rendez-vous médical"})
		if cancelled.CancelledAt == nil || cancelled.CancellationReason == nil || *cancelled.CancellationReason != "Rendez-vous médical" {
			t.Errorf("cancelled registration: got cancelledAt %v, reason %v; want both set", cancelled.CancelledAt, cancelled.CancellationReason)
		}
		if got := rulesByToken(t, a, firstToken); got == nil || got.Status != "CONFIRMED" || got.ConfirmedAt == nil || got.WaitlistPosition != nil {
			t.Errorf("first in line, through their link: got %+v, want CONFIRMED with confirmedAt", got)
		}
		if got := rulesByToken(t, a, secondToken); got == nil || got.Status != "WAITLISTED" || got.WaitlistPosition == nil || *got.WaitlistPosition != 1 {
			t.Errorf("second in line, through their link: got %+v, want WAITLISTED at position 1", got)
		}
		rulesWantStatus(t, a, h.Key, "first in line, seen by the host", first.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "second in line, seen by the host", second.ID, "WAITLISTED", 1)
		rulesWantCounters(t, a, "after the cancellation", slot, 1, 0, 1)
	})

	t.Run("a waitlisted person who cancels leaves the line and those behind move up", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "leave-line")
		slot := h.slot(t, a, 1, nil)
		seat, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		_, firstToken := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		second, _ := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		rulesMustCancel(t, a, "", map[string]any{"token": firstToken})
		rulesWantStatus(t, a, h.Key, "the seat", seat.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "second in line", second.ID, "WAITLISTED", 1)
		rulesWantCounters(t, a, "one seat, one waiting", slot, 1, 0, 1)
	})

	t.Run("priority first, then time of joining", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "priority-host")
		_, partnerKey := rulesPartner(t, a, "priority-partner")
		_, strangerKey := rulesPartner(t, a, "priority-stranger")
		slot := h.slot(t, a, 1, nil)
		_, seat := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		wait := map[string]any{"joinWaitlist": true}
		b, _ := rulesBook(t, a, "", rulesIn(slot, 2, wait), "WAITLISTED")
		c, _ := rulesBook(t, a, "", rulesIn(slot, 3, wait), "WAITLISTED")
		d, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 4, map[string]any{"joinWaitlist": true, "referral": rulesReferral()}), "WAITLISTED")
		e, _ := rulesBook(t, a, "", rulesIn(slot, 5, wait), "WAITLISTED")
		for name, reg := range map[string]rulesReg{"b": b, "c": c, "d": d, "e": e} {
			if reg.Priority {
				t.Errorf("%s: got priority at registration, want none", name)
			}
		}

		var out rulesRegPayload
		rulesDo(t, a, h.Key, rulesPriorityDoc, map[string]any{"id": e.ID, "priority": true}, &out)
		rulesWantRefusal(t, "priority without a reason", out.UserErrors, "REQUIRED", "input", "reason")
		rulesWantError(t, a, "the public sets a priority", "", rulesPriorityDoc,
			map[string]any{"id": b.ID, "priority": true, "reason": "Urgence"}, "UNAUTHENTICATED")
		out = rulesRegPayload{}
		rulesDo(t, a, strangerKey, rulesPriorityDoc, map[string]any{"id": d.ID, "priority": true, "reason": "Urgence"}, &out)
		rulesWantRefusal(t, "a partner that did not refer the person", out.UserErrors, "NOT_FOUND", "input", "id")
		rulesWantError(t, a, "the host without REGISTRATIONS_WRITE", anotherKey(t, a, h.ID, db.ScopeRegistrationsRead), rulesPriorityDoc,
			map[string]any{"id": b.ID, "priority": true, "reason": "Urgence"}, "FORBIDDEN")
		rulesWantStatus(t, a, h.Key, "b, after refused priority changes", b.ID, "WAITLISTED", 1)

		// The host puts e first (an employee whose course is mandatory); the referrer puts d first
		// (a young person without equipment). d joined before e, so d goes first.
		out = rulesRegPayload{}
		rulesDo(t, a, h.Key, rulesPriorityDoc, map[string]any{"id": e.ID, "priority": true, "reason": "Parcours obligatoire"}, &out)
		if len(out.UserErrors) > 0 || out.Registration == nil || !out.Registration.Priority || out.Registration.PriorityReason == nil ||
			*out.Registration.PriorityReason != "Parcours obligatoire" {
			t.Errorf("host sets e's priority: got %+v, %+v; want priority with its reason", out.UserErrors, out.Registration)
		}
		out = rulesRegPayload{}
		rulesDo(t, a, partnerKey, rulesPriorityDoc, map[string]any{"id": d.ID, "priority": true, "reason": "Jeune sans équipement"}, &out)
		if len(out.UserErrors) > 0 || out.Registration == nil || !out.Registration.Priority {
			t.Errorf("referrer sets d's priority: got %+v, %+v; want priority", out.UserErrors, out.Registration)
		}
		for _, w := range []struct {
			name, id string
			pos      int
		}{{"d (priority, joined first)", d.ID, 1}, {"e (priority)", e.ID, 2}, {"b", b.ID, 3}, {"c", c.ID, 4}} {
			rulesWantStatus(t, a, h.Key, w.name, w.id, "WAITLISTED", w.pos)
		}

		rulesMustCancel(t, a, "", map[string]any{"token": seat})
		rulesWantStatus(t, a, h.Key, "d, first in line when the seat freed up", d.ID, "CONFIRMED", 0)
		rulesMustCancel(t, a, partnerKey, map[string]any{"id": d.ID})
		rulesWantStatus(t, a, h.Key, "e, next in line", e.ID, "CONFIRMED", 0)

		// Priority given, then taken back: c goes in front of b, then back behind.
		out = rulesRegPayload{}
		rulesDo(t, a, h.Key, rulesPriorityDoc, map[string]any{"id": c.ID, "priority": true, "reason": "Sans ordinateur"}, &out)
		rulesWantStatus(t, a, h.Key, "c with priority", c.ID, "WAITLISTED", 1)
		out = rulesRegPayload{}
		rulesDo(t, a, h.Key, rulesPriorityDoc, map[string]any{"id": c.ID, "priority": false}, &out)
		if out.Registration == nil || out.Registration.Priority || out.Registration.PriorityReason != nil {
			t.Errorf("priority taken back: got %+v, want no priority and no reason", out.Registration)
		}
		rulesWantStatus(t, a, h.Key, "b, first again", b.ID, "WAITLISTED", 1)
		rulesWantStatus(t, a, h.Key, "c, second again", c.ID, "WAITLISTED", 2)
	})

	t.Run("a partner registering with a priority reason puts the person first in line", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "priority-at-once")
		_, partnerKey := rulesPartner(t, a, "mission-locale")
		slot := h.slot(t, a, 1, nil)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		early, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		late, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 3, map[string]any{"joinWaitlist": true, "referral": rulesReferral(),
			"priorityReason": "Jeune sans équipement"}), "WAITLISTED")
		if !late.Priority || late.PriorityReason == nil || *late.PriorityReason != "Jeune sans équipement" {
			t.Errorf("registered with a priority reason: got priority %v, reason %v; want true and the reason", late.Priority, late.PriorityReason)
		}
		rulesWantStatus(t, a, h.Key, "the priority registration", late.ID, "WAITLISTED", 1)
		rulesWantStatus(t, a, h.Key, "the earlier one", early.ID, "WAITLISTED", 2)
	})

	t.Run("seats added to the capacity go to as many people in line", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "more-seats")
		slot := h.slot(t, a, 2, nil)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		rulesBook(t, a, "", rulesIn(slot, 2, nil), "CONFIRMED")
		var line []string
		for n := 3; n <= 5; n++ {
			r, _ := rulesBook(t, a, "", rulesIn(slot, n, map[string]any{"joinWaitlist": true}), "WAITLISTED")
			line = append(line, r.ID)
		}
		var out rulesSlotPayload
		rulesDo(t, a, h.Key, rulesUpdateSlotDoc, map[string]any{"id": slot, "capacity": 4}, &out)
		if len(out.UserErrors) > 0 || out.Slot == nil || out.Slot.Capacity != 4 || out.Slot.SeatsTaken != 4 || out.Slot.WaitlistLength != 1 {
			t.Errorf("updateSlot capacity 4: got %+v, %+v; want capacity 4, 4 seats taken, 1 waiting", out.UserErrors, out.Slot)
		}
		rulesWantStatus(t, a, h.Key, "first in line", line[0], "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "second in line", line[1], "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "third in line", line[2], "WAITLISTED", 1)
		rulesWantCounters(t, a, "after two seats added", slot, 4, 0, 1)
	})

	t.Run("capacity cannot go below the seats taken: CAPACITY_BELOW_SEATS_TAKEN", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "fewer-seats")
		slot := h.slot(t, a, 3, nil)
		for n := 1; n <= 3; n++ {
			rulesBook(t, a, "", rulesIn(slot, n, nil), "CONFIRMED")
		}
		var out rulesSlotPayload
		rulesDo(t, a, h.Key, rulesUpdateSlotDoc, map[string]any{"id": slot, "capacity": 2}, &out)
		rulesWantRefusal(t, "capacity 2 with 3 seats taken", out.UserErrors, "CAPACITY_BELOW_SEATS_TAKEN", "input", "capacity")
		if seen := rulesSlotSeenBy(t, a, h.Key, slot); seen.Capacity != 3 || seen.SeatsTaken != 3 {
			t.Errorf("after the refusal: got capacity %d, %d taken; want 3 and 3", seen.Capacity, seen.SeatsTaken)
		}
		if got := rulesStatuses(t, a, slot); got["CONFIRMED"] != 3 || len(got) != 1 {
			t.Errorf("registrations: got %v, want 3 CONFIRMED", got)
		}
	})

	t.Run("cancelling the slot cancels every registration on it", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "slot-cancelled")
		partnerID, partnerKey := rulesPartner(t, a, "slot-cancelled-partner")
		slot := h.slot(t, a, 3, nil)
		var reserved rulesAllocPayload
		rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 1}, &reserved)
		if reserved.Allocation == nil {
			t.Fatalf("reserveSeats: got %+v, want an allocation", reserved.UserErrors)
		}
		var tokens []string
		for n := 1; n <= 2; n++ {
			_, tok := rulesBook(t, a, "", rulesIn(slot, n, nil), "CONFIRMED")
			tokens = append(tokens, tok)
		}
		_, tok := rulesBook(t, a, partnerKey, rulesIn(slot, 3, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		tokens = append(tokens, tok)
		_, tok = rulesBook(t, a, "", rulesIn(slot, 4, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		tokens = append(tokens, tok)

		slotCancel(t, a.withT(t), h.Key, slot)
		if got := rulesStatuses(t, a, slot); got["CANCELLED"] != 4 || len(got) != 1 {
			t.Errorf("registrations after the slot was cancelled: got %v, want 4 CANCELLED", got)
		}
		rulesWantCounters(t, a, "cancelled slot", slot, 0, 0, 0)
		var allocTaken int
		if err := a.Pool.QueryRow(context.Background(), `SELECT seats_taken FROM slot_allocations WHERE slot_id = $1`, dbID(t, slot)).Scan(&allocTaken); err != nil {
			t.Fatal(err)
		}
		if allocTaken != 0 {
			t.Errorf("allocation seats_taken: got %d, want 0", allocTaken)
		}
		for i, tok := range tokens {
			if got := rulesByToken(t, a, tok); got == nil || got.Status != "CANCELLED" || got.CancelledAt == nil {
				t.Errorf("person %d, through their link: got %+v, want CANCELLED", i+1, got)
			}
		}
		seen := rulesSlotSeenBy(t, a, "", slot)
		if seen.Status != "CANCELLED" || seen.SeatsTaken != 0 || seen.WaitlistLength != 0 {
			t.Errorf("the public's view: got %+v, want CANCELLED with no seat taken and nobody waiting", seen)
		}
	})

	t.Run("a seat cannot be cancelled once the slot has started: SLOT_STARTED", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "started")
		slot := h.slot(t, a, 1, nil)
		r, token := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		w, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		slotMoveToPast(t, a, slot)
		out := rulesCancel(t, a, "", map[string]any{"token": token})
		rulesWantRefusal(t, "cancel by token after the start", out.UserErrors, "SLOT_STARTED", "input", "token")
		if out.Registration != nil {
			t.Errorf("cancel by token after the start: got registration %+v, want null", out.Registration)
		}
		out = rulesCancel(t, a, h.Key, map[string]any{"id": r.ID})
		rulesWantRefusal(t, "cancel by the host after the start", out.UserErrors, "SLOT_STARTED", "input", "id")
		rulesWantStatus(t, a, h.Key, "the seat", r.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "the waiting person", w.ID, "WAITLISTED", 1)
	})

	t.Run("cancelling twice: ALREADY_CANCELLED, and the line moves once", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "twice")
		slot := h.slot(t, a, 1, nil)
		first, token := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		b, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		c, _ := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		rulesMustCancel(t, a, "", map[string]any{"token": token})
		out := rulesCancel(t, a, "", map[string]any{"token": token})
		rulesWantRefusal(t, "cancelling again with the token", out.UserErrors, "ALREADY_CANCELLED", "input", "token")
		out = rulesCancel(t, a, h.Key, map[string]any{"id": first.ID})
		rulesWantRefusal(t, "cancelling again by id", out.UserErrors, "ALREADY_CANCELLED", "input", "id")
		rulesWantStatus(t, a, h.Key, "b", b.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "c", c.ID, "WAITLISTED", 1)
		rulesWantCounters(t, a, "after two cancellations of one seat", slot, 1, 0, 1)
	})

	t.Run("cancel by id: the referrer and the host may, nobody else", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "by-id-host")
		partnerID, partnerKey := rulesPartner(t, a, "by-id-partner")
		_, strangerKey := rulesPartner(t, a, "by-id-stranger")
		slot := h.slot(t, a, 3, nil)
		referred, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 1, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		public, _ := rulesBook(t, a, "", rulesIn(slot, 2, nil), "CONFIRMED")

		rulesWantError(t, a, "the public by id", "", rulesCancelDoc, map[string]any{"id": referred.ID}, "UNAUTHENTICATED")
		out := rulesCancel(t, a, strangerKey, map[string]any{"id": referred.ID})
		rulesWantRefusal(t, "another partner", out.UserErrors, "NOT_FOUND", "input", "id")
		out = rulesCancel(t, a, partnerKey, map[string]any{"id": public.ID})
		rulesWantRefusal(t, "the partner, on someone it did not refer", out.UserErrors, "NOT_FOUND", "input", "id")
		rulesWantError(t, a, "the referrer's key without REGISTRATIONS_WRITE", anotherKey(t, a, partnerID, db.ScopeRegistrationsRead),
			rulesCancelDoc, map[string]any{"id": referred.ID}, "FORBIDDEN")
		rulesWantError(t, a, "the host's key without REGISTRATIONS_WRITE", anotherKey(t, a, h.ID, db.ScopeRegistrationsRead),
			rulesCancelDoc, map[string]any{"id": public.ID}, "FORBIDDEN")
		if got := rulesStatuses(t, a, slot); got["CONFIRMED"] != 2 {
			t.Fatalf("after the refusals: got %v, want 2 CONFIRMED", got)
		}

		byPartner := rulesMustCancel(t, a, partnerKey, map[string]any{"id": referred.ID, "reason": "A trouvé un emploi"})
		if byPartner.ID != referred.ID {
			t.Errorf("the referrer cancelled %s, want %s", byPartner.ID, referred.ID)
		}
		byHost := rulesMustCancel(t, a, h.Key, map[string]any{"id": public.ID})
		if byHost.ID != public.ID {
			t.Errorf("the host cancelled %s, want %s", byHost.ID, public.ID)
		}
		rulesWantCounters(t, a, "both cancelled", slot, 0, 0, 0)
	})
}

// 4. Reserved seats: taken only by the organisation (and department) they are for; released,
// by hand or at their release time, they go to the waiting list first.
func TestBookingRulesReservedSeats(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	t.Run("seats reserved for a partner: the public sees fewer, the partner sees its own", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "reserve-host")
		partnerID, partnerKey := rulesPartner(t, a, "reserve-ft")
		_, strangerKey := rulesPartner(t, a, "reserve-ccas")
		slot := h.slot(t, a, 4, nil)
		var out rulesAllocPayload
		rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 2}, &out)
		if len(out.UserErrors) > 0 || out.Allocation == nil {
			t.Fatalf("reserveSeats: got %+v, want an allocation", out.UserErrors)
		}
		if al := out.Allocation; al.Seats != 2 || al.SeatsTaken != 0 || al.Organisation.ID != partnerID || al.Slot.ID != slot || al.Label != "" || al.ReleaseAt != nil {
			t.Errorf("allocation: got %+v, want 2 seats for %s on %s, none taken, no label, no release time", *al, partnerID, slot)
		}
		again := rulesAllocPayload{}
		rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 1}, &again)
		rulesWantRefusal(t, "a second reservation for the same partner", again.UserErrors, "TAKEN", "input", "label")
		for who, want := range map[string]struct {
			key  string
			left int
		}{"the public": {"", 2}, "the partner": {partnerKey, 4}, "the host": {h.Key, 2}, "another partner": {strangerKey, 2}} {
			if seen := rulesSlotSeenBy(t, a, want.key, slot); seen.SeatsLeft != want.left || seen.SeatsReserved != 2 {
				t.Errorf("%s: got seatsLeft %d, seatsReserved %d; want %d and 2", who, seen.SeatsLeft, seen.SeatsReserved, want.left)
			}
		}

		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		rulesBook(t, a, "", rulesIn(slot, 2, nil), "CONFIRMED")
		full := rulesRegister(t, a, "", rulesIn(slot, 3, nil))
		rulesWantRefusal(t, "the public when only reserved seats remain", full.UserErrors, "SLOT_FULL", "input", "slotId")
		full = rulesRegister(t, a, strangerKey, rulesIn(slot, 4, map[string]any{"referral": rulesReferral()}))
		rulesWantRefusal(t, "another partner when only reserved seats remain", full.UserErrors, "SLOT_FULL", "input", "slotId")
		if left := rulesSeatsLeft(t, a, "", slot); left != 0 {
			t.Errorf("the public's seatsLeft: got %d, want 0", left)
		}
		if left := rulesSeatsLeft(t, a, partnerKey, slot); left != 2 {
			t.Errorf("the partner's seatsLeft: got %d, want 2", left)
		}

		r, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 5, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		if !r.HasReservedSeat {
			t.Errorf("the partner's registration: got hasReservedSeat false, want true")
		}
		if left := rulesSeatsLeft(t, a, partnerKey, slot); left != 1 {
			t.Errorf("the partner's seatsLeft after taking one: got %d, want 1", left)
		}
		host := rulesSlotSeenBy(t, a, h.Key, slot)
		if len(host.Allocations) != 1 || host.Allocations[0].SeatsTaken != 1 || host.SeatsTaken != 3 || host.SeatsReserved != 1 {
			t.Errorf("the host's view: got %d taken, %d reserved, allocations %+v; want 3, 1, one allocation with 1 taken",
				host.SeatsTaken, host.SeatsReserved, host.Allocations)
		}
		if got := rulesSlotSeenBy(t, a, strangerKey, slot).Allocations; len(got) != 0 {
			t.Errorf("another partner sees allocations %+v, want none", got)
		}
		rulesWantCounters(t, a, "3 taken, 1 still reserved", slot, 3, 1, 0)
	})

	t.Run("only the host with CATALOGUE_WRITE reserves seats", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "reserve-rights")
		partnerID, partnerKey := rulesPartner(t, a, "reserve-rights-partner")
		slot := h.slot(t, a, 4, nil)
		in := map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 1}
		rulesWantError(t, a, "the partner itself", partnerKey, rulesReserveDoc, in, "FORBIDDEN")
		rulesWantError(t, a, "the host without CATALOGUE_WRITE", anotherKey(t, a, h.ID, db.ScopeRegistrationsWrite), rulesReserveDoc, in, "FORBIDDEN")
		rulesWantCounters(t, a, "nothing reserved", slot, 0, 0, 0)
	})

	t.Run("a department's reserved seats go to that department only", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "regie-proprete")
		slot := h.slot(t, a, 2, map[string]any{"visibility": "INTERNAL"})
		var out rulesAllocPayload
		rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": h.ID, "label": "Propreté", "seats": 1}, &out)
		if len(out.UserErrors) > 0 || out.Allocation == nil || out.Allocation.Label != "Propreté" || out.Allocation.Organisation.ID != h.ID {
			t.Fatalf("reserveSeats for Propreté: got %+v, %+v; want the host's allocation labelled Propreté", out.UserErrors, out.Allocation)
		}
		rulesBook(t, a, h.Key, rulesIn(slot, 1, nil), "CONFIRMED")
		for what, extra := range map[string]map[string]any{
			"without a department":   nil,
			"for another department": {"allocationLabel": "Bâtiment"},
		} {
			full := rulesRegister(t, a, h.Key, rulesIn(slot, 2, extra))
			rulesWantRefusal(t, "the host's employee "+what, full.UserErrors, "SLOT_FULL", "input", "slotId")
		}
		r, _ := rulesBook(t, a, h.Key, rulesIn(slot, 3, map[string]any{"allocationLabel": "Propreté"}), "CONFIRMED")
		if !r.HasReservedSeat {
			t.Errorf("the Propreté employee: got hasReservedSeat false, want true")
		}
		var label string
		if err := a.Pool.QueryRow(context.Background(), `SELECT allocation_label FROM registrations WHERE id = $1`, dbID(t, r.ID)).Scan(&label); err != nil {
			t.Fatal(err)
		}
		if label != "Propreté" {
			t.Errorf("stored allocation_label: got %q, want Propreté", label)
		}
		rulesWantCounters(t, a, "the public seat and the department's seat taken", slot, 2, 0, 0)
	})

	t.Run("releasing returns the unused seats and moves the waiting list", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "release-host")
		partnerID, partnerKey := rulesPartner(t, a, "release-partner")
		slot := h.slot(t, a, 3, nil)
		var out rulesAllocPayload
		rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 2}, &out)
		if out.Allocation == nil {
			t.Fatalf("reserveSeats: got %+v", out.UserErrors)
		}
		alloc := out.Allocation.ID
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		referred, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 2, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		b, _ := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		c, _ := rulesBook(t, a, "", rulesIn(slot, 4, map[string]any{"joinWaitlist": true}), "WAITLISTED")

		rulesWantError(t, a, "the partner releases", partnerKey, rulesReleaseDoc, map[string]any{"id": alloc}, "FORBIDDEN")
		rulesWantStatus(t, a, h.Key, "b, before the release", b.ID, "WAITLISTED", 1)

		out = rulesAllocPayload{}
		rulesDo(t, a, h.Key, rulesReleaseDoc, map[string]any{"id": alloc}, &out)
		if len(out.UserErrors) > 0 || out.Allocation == nil || out.Allocation.ReleasedAt == nil || out.Allocation.SeatsTaken != 1 {
			t.Fatalf("releaseSeats: got %+v, %+v; want the allocation released with its 1 seat taken", out.UserErrors, out.Allocation)
		}
		rulesWantStatus(t, a, h.Key, "b, first in line", b.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "c, next in line", c.ID, "WAITLISTED", 1)
		rulesWantStatus(t, a, h.Key, "the partner's person keeps their seat", referred.ID, "CONFIRMED", 0)
		rulesWantCounters(t, a, "after the release", slot, 3, 0, 1)
		for who, key := range map[string]string{"the public": "", "the partner": partnerKey} {
			if left := rulesSeatsLeft(t, a, key, slot); left != 0 {
				t.Errorf("%s's seatsLeft after the release: got %d, want 0", who, left)
			}
		}

		// The seat of the released reservation is now everyone's: when its holder cancels, the
		// next in line takes it.
		rulesMustCancel(t, a, partnerKey, map[string]any{"id": referred.ID})
		rulesWantStatus(t, a, h.Key, "c, after the reserved seat's holder cancelled", c.ID, "CONFIRMED", 0)
		rulesWantCounters(t, a, "after the cancellation", slot, 3, 0, 0)
	})

	t.Run("a reserved seat freed by cancellation stays reserved while the reservation holds", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "kept-host")
		partnerID, partnerKey := rulesPartner(t, a, "kept-partner")
		slot := h.slot(t, a, 2, nil)
		var out rulesAllocPayload
		rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 1}, &out)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		referred, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 2, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		waiting, _ := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		rulesMustCancel(t, a, partnerKey, map[string]any{"id": referred.ID})
		rulesWantStatus(t, a, h.Key, "the public's person in line", waiting.ID, "WAITLISTED", 1)
		rulesWantCounters(t, a, "the reserved seat back in the reserve", slot, 1, 1, 1)
		if left := rulesSeatsLeft(t, a, partnerKey, slot); left != 1 {
			t.Errorf("the partner's seatsLeft: got %d, want its reserved seat back (1)", left)
		}
		// The partner's next person takes it at once, and the public's person keeps their place.
		next, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 4, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		if !next.HasReservedSeat {
			t.Errorf("the partner's next person: got hasReservedSeat false, want true")
		}
		rulesWantStatus(t, a, h.Key, "the public's person in line", waiting.ID, "WAITLISTED", 1)
		rulesWantCounters(t, a, "the reserved seat taken again", slot, 2, 0, 1)
	})

	t.Run("a reserved seat freed while the partner's person waits goes to them, past the public's line", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "skip-host")
		partnerID, partnerKey := rulesPartner(t, a, "skip-partner")
		slot := h.slot(t, a, 2, nil)
		var out rulesAllocPayload
		rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 1}, &out)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		referred, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 2, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		public, _ := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		partners, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 4, map[string]any{"joinWaitlist": true, "referral": rulesReferral()}), "WAITLISTED")
		rulesMustCancel(t, a, partnerKey, map[string]any{"id": referred.ID})
		rulesWantStatus(t, a, h.Key, "the partner's person, second in line", partners.ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "the public's person, first in line", public.ID, "WAITLISTED", 1)
		if got := rulesNode(t, a, partnerKey, partners.ID); got == nil || !got.HasReservedSeat {
			t.Errorf("the partner's person: got %+v, want a reserved seat", got)
		}
		rulesWantCounters(t, a, "the reserved seat went to the partner's person", slot, 2, 0, 1)
	})

	t.Run("more seats than are free for everyone: NOT_ENOUGH_FREE_SEATS", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "not-enough")
		partnerID, _ := rulesPartner(t, a, "not-enough-partner")
		slot := h.slot(t, a, 3, nil)
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		rulesBook(t, a, "", rulesIn(slot, 2, nil), "CONFIRMED")
		var out rulesAllocPayload
		rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 2}, &out)
		rulesWantRefusal(t, "2 seats with 1 free", out.UserErrors, "NOT_ENOUGH_FREE_SEATS", "input", "seats")
		if out.Allocation != nil {
			t.Errorf("refused: got allocation %+v, want null", out.Allocation)
		}
		var n int
		if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM slot_allocations WHERE slot_id = $1`, dbID(t, slot)).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("got %d allocations, want 0", n)
		}
		rulesWantCounters(t, a, "nothing reserved", slot, 2, 0, 0)
	})

	t.Run("at their release time reserved seats return: the next booking serves the line first", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "release-time")
		partnerID, partnerKey := rulesPartner(t, a, "release-time-partner")
		slot := h.slot(t, a, 2, nil)
		var out rulesAllocPayload
		rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 1, "releaseAt": "2032-05-01T10:00"}, &out)
		if out.Allocation == nil || out.Allocation.ReleaseAt == nil || *out.Allocation.ReleaseAt != "2032-05-01T10:00:00+02:00" {
			t.Fatalf("reserveSeats with a release time: got %+v, %+v; want releaseAt 2032-05-01T10:00:00+02:00", out.UserErrors, out.Allocation)
		}
		rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		b, bToken := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		a.exec(`UPDATE slot_allocations SET release_at = now() - interval '1 minute' WHERE id = $1`, dbID(t, out.Allocation.ID))

		c, _ := rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		if got := rulesByToken(t, a, bToken); got == nil || got.Status != "CONFIRMED" {
			t.Errorf("b, first in line when the reservation ran out: got %+v, want CONFIRMED", got)
		}
		rulesWantStatus(t, a, h.Key, "c, who came after", c.ID, "WAITLISTED", 1)
		rulesWantStatus(t, a, h.Key, "b", b.ID, "CONFIRMED", 0)
		rulesWantCounters(t, a, "after the release time", slot, 2, 0, 1)
		host := rulesSlotSeenBy(t, a, h.Key, slot)
		if len(host.Allocations) != 1 || host.Allocations[0].ReleasedAt == nil {
			t.Errorf("the host's allocations: got %+v, want one, released", host.Allocations)
		}
		if left := rulesSeatsLeft(t, a, partnerKey, slot); left != 0 {
			t.Errorf("the partner's seatsLeft after its reservation ran out: got %d, want 0", left)
		}
	})
}

// The booking worker releases reserved seats whose time has come on slots nobody touches.
func TestBookingRulesReservedSeatsReturnThroughTheWorker(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "worker-host")
	partnerID, _ := rulesPartner(t, a, "worker-partner")
	slot := h.slot(t, a, 2, nil)
	var out rulesAllocPayload
	rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 1, "releaseAt": "2032-05-01T10:00"}, &out)
	if out.Allocation == nil {
		t.Fatalf("reserveSeats: got %+v", out.UserErrors)
	}
	a1, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
	b, bToken := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")

	if n, err := db.ReleaseDueAllocations(context.Background(), a.Pool); err != nil || n != 0 {
		t.Fatalf("worker before the release time: got %d slots, %v; want 0, nil", n, err)
	}
	rulesWantStatus(t, a, h.Key, "b, before the release time", b.ID, "WAITLISTED", 1)

	a.exec(`UPDATE slot_allocations SET release_at = now() - interval '1 minute' WHERE id = $1`, dbID(t, out.Allocation.ID))
	if n, err := db.ReleaseDueAllocations(context.Background(), a.Pool); err != nil || n != 1 {
		t.Fatalf("worker: got %d slots, %v; want 1, nil", n, err)
	}
	if got := rulesByToken(t, a, bToken); got == nil || got.Status != "CONFIRMED" {
		t.Errorf("b after the worker ran: got %+v, want CONFIRMED", got)
	}
	rulesWantCounters(t, a, "after the worker", slot, 2, 0, 0)
	if got := rulesEvents(t, a, slot, map[string]string{a1.ID: "a", b.ID: "b"}); !slices.Equal(got, []string{"SEATS_RESERVED", "REGISTERED a", "WAITLISTED b", "PROMOTED b"}) {
		t.Errorf("events: got %q, want SEATS_RESERVED, REGISTERED a, WAITLISTED b, PROMOTED b", got)
	}
	if n, err := db.ReleaseDueAllocations(context.Background(), a.Pool); err != nil || n != 0 {
		t.Errorf("worker again: got %d slots, %v; want 0, nil (nothing left to release)", n, err)
	}
}

// 6. Attendance, once the slot has started, by the host; the referrer follows its referrals
// from orientation to attendance.
func TestBookingRulesAttendanceAndTheReferralChain(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "attendance-host")
	partnerID, partnerKey := rulesPartner(t, a, "attendance-partner")
	slot := h.slot(t, a, 1, nil)
	referred, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 1, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
	waiting, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
	present := map[string]any{"id": referred.ID, "attendance": "PRESENT"}

	var out rulesRegPayload
	rulesDo(t, a, h.Key, rulesAttendanceDoc, present, &out)
	rulesWantRefusal(t, "before the start", out.UserErrors, "SLOT_NOT_STARTED", "input", "id")

	slotMoveToPast(t, a, slot)
	rulesWantError(t, a, "the public", "", rulesAttendanceDoc, present, "UNAUTHENTICATED")
	rulesWantError(t, a, "the host's key without ATTENDANCE_WRITE", anotherKey(t, a, h.ID, db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite),
		rulesAttendanceDoc, present, "FORBIDDEN")
	rulesWantError(t, a, "the referring partner", partnerKey, rulesAttendanceDoc, present, "FORBIDDEN")
	_, strangerKey := rulesPartner(t, a, "attendance-stranger")
	out = rulesRegPayload{}
	rulesDo(t, a, strangerKey, rulesAttendanceDoc, present, &out)
	rulesWantRefusal(t, "another partner", out.UserErrors, "NOT_FOUND", "input", "id")
	if got := rulesNode(t, a, h.Key, referred.ID); got == nil || got.Attendance != nil {
		t.Errorf("after the refusals: got %+v, want no attendance", got)
	}

	out = rulesRegPayload{}
	rulesDo(t, a, h.Key, rulesAttendanceDoc, map[string]any{"id": waiting.ID, "attendance": "PRESENT"}, &out)
	rulesWantRefusal(t, "a waitlisted registration", out.UserErrors, "NOT_CONFIRMED", "input", "id")

	out = rulesRegPayload{}
	rulesDo(t, a, h.Key, rulesAttendanceDoc, present, &out)
	if len(out.UserErrors) > 0 || out.Registration == nil || out.Registration.Attendance == nil || *out.Registration.Attendance != "PRESENT" {
		t.Fatalf("host marks PRESENT: got %+v, %+v; want attendance PRESENT", out.UserErrors, out.Registration)
	}

	// The referrer's end of the chain.
	var refs struct {
		Referrals struct{ Edges []struct{ Node rulesReg } }
	}
	a.withT(t).query(partnerKey, `{ referrals { edges { node { `+rulesRegFields+` } } } }`, nil, &refs)
	if len(refs.Referrals.Edges) != 1 {
		t.Fatalf("the partner's referrals: got %d, want 1 (only the person it sent)", len(refs.Referrals.Edges))
	}
	r := refs.Referrals.Edges[0].Node
	if r.ID != referred.ID || r.Slot.ID != slot || r.Status != "CONFIRMED" || r.Attendance == nil || *r.Attendance != "PRESENT" ||
		r.Referral == nil || r.Referral.CounsellorName != "Mme Benali" || r.Participant == nil || *r.Participant.LastName != "Diallo 1" {
		t.Errorf("the partner's referral: got %+v, want %s on %s, CONFIRMED, PRESENT, with its referral and participant", r, referred.ID, slot)
	}
	// The host's end of the chain.
	var seen struct {
		Node struct {
			Registrations struct{ Edges []struct{ Node rulesReg } }
		}
	}
	a.withT(t).query(h.Key, `query($id: ID!) { node(id: $id) { ... on Slot { registrations(statuses: [CONFIRMED]) { edges { node { `+rulesRegFields+` } } } } } }`,
		map[string]any{"id": slot}, &seen)
	if e := seen.Node.Registrations.Edges; len(e) != 1 || e[0].Node.Attendance == nil || *e[0].Node.Attendance != "PRESENT" ||
		e[0].Node.Referral == nil || e[0].Node.Referral.Organisation.ID != partnerID {
		t.Errorf("the host's confirmed registrations: got %+v, want the referred person, PRESENT, referred by %s", e, partnerID)
	}
	// Referrals are for keys that handle registrations.
	r2 := a.withT(t).post(anotherKey(t, a, partnerID, db.ScopeCatalogueWrite), `{ referrals { edges { node { id } } } }`, nil)
	if len(r2.Errors) == 0 || r2.Errors[0].Code() != "FORBIDDEN" {
		t.Errorf("referrals with a key without a registrations scope: got %s %+v, want FORBIDDEN", r2.Data, r2.Errors)
	}
	r2 = a.withT(t).post("", `{ referrals { edges { node { id } } } }`, nil)
	if len(r2.Errors) == 0 || r2.Errors[0].Code() != "UNAUTHENTICATED" {
		t.Errorf("referrals asked by the public: got %s %+v, want UNAUTHENTICATED", r2.Data, r2.Errors)
	}
}

// 7. The outbox: every change of a registration or slot writes an event row in the same
// transaction, with ids and no personal data; a refusal writes none.
func TestBookingRulesOutbox(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	t.Run("the events of a registration's life, in order", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "outbox-life")
		slot := h.slot(t, a, 1, nil)
		first, token := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		second, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		if full := rulesRegister(t, a, "", rulesIn(slot, 3, nil)); len(full.UserErrors) != 1 {
			t.Fatalf("third person: got %+v, want SLOT_FULL", full.UserErrors)
		}
		rulesMustCancel(t, a, "", map[string]any{"token": token})
		slotMoveToPast(t, a, slot)
		var out rulesRegPayload
		rulesDo(t, a, h.Key, rulesAttendanceDoc, map[string]any{"id": second.ID, "attendance": "ABSENT"}, &out)
		if len(out.UserErrors) > 0 {
			t.Fatalf("markAttendance: %+v", out.UserErrors)
		}
		got := rulesEvents(t, a, slot, map[string]string{first.ID: "first", second.ID: "second"})
		want := []string{"REGISTERED first", "WAITLISTED second", "CANCELLED first", "PROMOTED second", "ATTENDANCE_MARKED second"}
		if !slices.Equal(got, want) {
			t.Errorf("events: got %q, want %q", got, want)
		}
	})

	t.Run("a cancelled slot: one event per registration, then the slot's", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "outbox-slot")
		slot := h.slot(t, a, 1, nil)
		first, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		second, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		slotCancel(t, a.withT(t), h.Key, slot)
		got := rulesEvents(t, a, slot, map[string]string{first.ID: "first", second.ID: "second"})
		if len(got) != 5 {
			t.Fatalf("events: got %q, want 5", got)
		}
		cancels := slices.Clone(got[2:4])
		slices.Sort(cancels)
		if !slices.Equal(got[:2], []string{"REGISTERED first", "WAITLISTED second"}) ||
			!slices.Equal(cancels, []string{"CANCELLED first", "CANCELLED second"}) || got[4] != "SLOT_CANCELLED" {
			t.Errorf("events: got %q, want REGISTERED first, WAITLISTED second, CANCELLED of both, then SLOT_CANCELLED without a registration", got)
		}
	})

	t.Run("seats added: the slot's update, then each promotion", func(t *testing.T) {
		t.Parallel()
		h := rulesNewHost(t, a, "outbox-capacity")
		slot := h.slot(t, a, 1, nil)
		first, _ := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		second, _ := rulesBook(t, a, "", rulesIn(slot, 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
		var out rulesSlotPayload
		rulesDo(t, a, h.Key, rulesUpdateSlotDoc, map[string]any{"id": slot, "capacity": 2}, &out)
		got := rulesEvents(t, a, slot, map[string]string{first.ID: "first", second.ID: "second"})
		if want := []string{"REGISTERED first", "WAITLISTED second", "SLOT_UPDATED", "PROMOTED second"}; !slices.Equal(got, want) {
			t.Errorf("events: got %q, want %q", got, want)
		}
	})

	t.Run("events hold ids, no personal data", func(t *testing.T) {
		t.Parallel()
		rows, err := a.Pool.Query(context.Background(), `SELECT column_name FROM information_schema.columns
			WHERE table_name = 'booking_events' AND data_type NOT IN ('bigint', 'integer', 'timestamp with time zone')
			ORDER BY column_name`)
		if err != nil {
			t.Fatal(err)
		}
		var cols []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				t.Fatal(err)
			}
			cols = append(cols, c)
		}
		rows.Close()
		if !slices.Equal(cols, []string{"kind"}) {
			t.Errorf("booking_events columns that could hold text: got %q, want only kind", cols)
		}
	})
}

// 8. Retries are safe: a replayed cancellation returns the first answer and cancels nothing more.
func TestBookingRulesRetriedCancellations(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	// setup makes a slot of one seat, its holder's token, and two people in line.
	setup := func(t *testing.T, slug string) (h rulesHost, slot string, token string, line []rulesReg) {
		h = rulesNewHost(t, a, slug)
		slot = h.slot(t, a, 1, nil)
		_, token = rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
		for n := 2; n <= 3; n++ {
			r, _ := rulesBook(t, a, "", rulesIn(slot, n, map[string]any{"joinWaitlist": true}), "WAITLISTED")
			line = append(line, r)
		}
		return
	}
	// raw cancels (idem: the Idempotency-Key header) and returns the whole answer as sent.
	raw := func(t *testing.T, key, idem string, in map[string]any) json.RawMessage {
		t.Helper()
		var data json.RawMessage
		if code, err := a.call(key, idem, rulesCancelDoc, map[string]any{"in": in}, &data); err != nil || code != "" {
			t.Fatalf("cancelRegistration: %v %s", err, code)
		}
		return data
	}

	t.Run("a replayed cancellation cancels nothing more and moves the line once", func(t *testing.T) {
		t.Parallel()
		h, slot, token, line := setup(t, "replay-cancel")
		in := map[string]any{"token": token, "reason": "Malade", "idempotencyKey": "cancel-replay-key-0001"}
		var first, again rulesRegPayload
		rulesDo(t, a, "", rulesCancelDoc, in, &first)
		rulesDo(t, a, "", rulesCancelDoc, in, &again)
		if len(first.UserErrors) > 0 || first.Registration == nil || first.Registration.Status != "CANCELLED" {
			t.Fatalf("first call: got %+v, %+v; want CANCELLED", first.UserErrors, first.Registration)
		}
		if len(again.UserErrors) > 0 || again.Registration == nil || again.Registration.ID != first.Registration.ID ||
			again.Registration.Status != "CANCELLED" || *again.Registration.CancelledAt != *first.Registration.CancelledAt {
			t.Errorf("replay: got %+v, %+v; want the first answer (no ALREADY_CANCELLED)", again.UserErrors, again.Registration)
		}
		rulesWantStatus(t, a, h.Key, "first in line", line[0].ID, "CONFIRMED", 0)
		rulesWantStatus(t, a, h.Key, "second in line", line[1].ID, "WAITLISTED", 1)
		events := rulesEvents(t, a, slot, nil)
		count := map[string]int{}
		for _, e := range events {
			kind, _, _ := strings.Cut(e, " ")
			count[kind]++
		}
		if count["CANCELLED"] != 1 || count["PROMOTED"] != 1 {
			t.Errorf("events: got %q, want one CANCELLED and one PROMOTED", events)
		}
		rulesWantCounters(t, a, "after a replayed cancellation", slot, 1, 0, 1)
	})

	t.Run("a replayed cancellation answers exactly what the first call answered", func(t *testing.T) {
		t.Parallel()
		_, _, token, _ := setup(t, "replay-same-answer")
		in := map[string]any{"token": token, "reason": "Malade", "idempotencyKey": "cancel-replay-key-0002"}
		first, again := raw(t, "", "", in), raw(t, "", "", in)
		if string(first) != string(again) {
			t.Errorf("replay with the token's holder:\n got %s\nwant %s", again, first)
		}
	})

	t.Run("a replayed cancellation by id with the Idempotency-Key header", func(t *testing.T) {
		t.Parallel()
		h, slot, _, line := setup(t, "replay-header")
		in := map[string]any{"id": line[1].ID, "reason": "Doublon"}
		first, again := raw(t, h.Key, "cancel-header-key-0001", in), raw(t, h.Key, "cancel-header-key-0001", in)
		if string(first) != string(again) {
			t.Errorf("replay by the host:\n got %s\nwant %s", again, first)
		}
		var other struct{ CancelRegistration rulesRegPayload }
		if code, err := a.call(h.Key, "cancel-header-key-0001", rulesCancelDoc, map[string]any{"in": map[string]any{"id": line[0].ID}},
			&other); err != nil || code != "" {
			t.Fatalf("reused key: %v %s", err, code)
		}
		rulesWantRefusal(t, "the same key for another registration", other.CancelRegistration.UserErrors, "IDEMPOTENCY_KEY_REUSED", "input", "idempotencyKey")
		if got := rulesStatuses(t, a, slot); got["CANCELLED"] != 1 || got["WAITLISTED"] != 1 || got["CONFIRMED"] != 1 {
			t.Errorf("registrations: got %v, want 1 CONFIRMED, 1 WAITLISTED, 1 CANCELLED", got)
		}
	})
}

// A cancelled slot's reservations end with it: their release time passing later moves nothing
// and breaks nothing, neither the worker (which goes on to other slots) nor the host's calls.
func TestBookingRulesCancelledSlotsReservationsEndWithIt(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "cancelled-reserve-host")
	partnerID, partnerKey := rulesPartner(t, a, "cancelled-reserve-partner")
	reserve := func(slot string) string {
		t.Helper()
		var out rulesAllocPayload
		rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": partnerID, "seats": 1, "releaseAt": "2032-05-01T10:00"}, &out)
		if out.Allocation == nil {
			t.Fatalf("reserveSeats: got %+v", out.UserErrors)
		}
		return out.Allocation.ID
	}
	cancelled := h.slot(t, a, 2, nil)
	cancelledAlloc := reserve(cancelled)
	rulesBook(t, a, partnerKey, rulesIn(cancelled, 1, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
	slotCancel(t, a.withT(t), h.Key, cancelled)
	if seen := rulesSlotSeenBy(t, a, partnerKey, cancelled); seen.SeatsLeft > seen.Capacity {
		t.Errorf("the partner's seatsLeft on the cancelled slot: got %d, want at most the capacity %d", seen.SeatsLeft, seen.Capacity)
	}

	open := h.slot(t, a, 2, map[string]any{"startsAt": "2032-06-08T14:00"})
	reserve(open)
	rulesBook(t, a, "", rulesIn(open, 2, nil), "CONFIRMED")
	waiting, _ := rulesBook(t, a, "", rulesIn(open, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")

	a.exec(`UPDATE slot_allocations SET release_at = now() - interval '1 minute' WHERE organisation_id = $1`, dbID(t, partnerID))
	if _, err := db.ReleaseDueAllocations(context.Background(), a.Pool); err != nil {
		t.Errorf("worker: got error %v, want none", err)
	}
	rulesWantStatus(t, a, h.Key, "the person in line on the open slot", waiting.ID, "CONFIRMED", 0)

	r := a.withT(t).post(h.Key, rulesReleaseDoc, map[string]any{"in": map[string]any{"id": cancelledAlloc}})
	if len(r.Errors) > 0 {
		t.Errorf("releaseSeats on the cancelled slot: got error %s %q, want the allocation or a SLOT_CANCELLED userError", r.Errors[0].Code(), r.Errors[0].Message)
	}
	var out rulesRegistered
	if code, err := a.call("", "", rulesRegisterDoc, map[string]any{"in": rulesIn(cancelled, 4, nil)}, &struct{ Register *rulesRegistered }{&out}); err != nil || code != "" {
		t.Errorf("registering on the cancelled slot: got error %v %s, want a SLOT_CANCELLED userError", err, code)
	} else {
		rulesWantRefusal(t, "registering on the cancelled slot", out.UserErrors, "SLOT_CANCELLED", "input", "slotId")
	}
	rulesWantCounters(t, a, "the cancelled slot", cancelled, 0, 0, 0)
}

// Releasing reserved seats while the partner books them: every booking transaction takes the
// slot's lock first, so the release and the bookings queue one after the other and nobody is
// told to retry. 5 rounds of 30 partner registrations with a release in their midst.
func TestBookingRulesReleasingSeatsWhilePartnersBook(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "release-race-host")
	partnerID, partnerKey := rulesPartner(t, a, "release-race-partner")
	const rounds, people = 5, 30
	for round := range rounds {
		slot := h.slot(t, a, 40, map[string]any{"startsAt": fmt.Sprintf("2032-06-%02dT14:00", round+1)})
		var reserved rulesAllocPayload
		rulesDo(t, a, h.Key, rulesReserveDoc, map[string]any{"slotId": slot, "organisationId": partnerID, "seats": people}, &reserved)
		if reserved.Allocation == nil {
			t.Fatalf("reserveSeats: got %+v", reserved.UserErrors)
		}
		var mu sync.Mutex
		outcomes := map[string]int{}
		var wg sync.WaitGroup
		for n := range people {
			wg.Go(func() {
				var out struct{ Register rulesRegistered }
				in := rulesIn(slot, round*100+n, map[string]any{"referral": rulesReferral()})
				code, err := a.call(partnerKey, "", rulesRegisterDoc, map[string]any{"in": in}, &out)
				outcome := code
				switch {
				case err != nil:
					outcome = "request failed: " + err.Error()
				case code != "":
				case len(out.Register.UserErrors) > 0:
					outcome = out.Register.UserErrors[0].Code
				default:
					outcome = out.Register.Registration.Status
				}
				mu.Lock()
				outcomes["register: "+outcome]++
				mu.Unlock()
			})
			if n == people/2 {
				wg.Go(func() {
					var out struct{ ReleaseSeats rulesAllocPayload }
					code, err := a.call(h.Key, "", rulesReleaseDoc, map[string]any{"in": map[string]any{"id": reserved.Allocation.ID}}, &out)
					outcome := "released"
					switch {
					case err != nil:
						outcome = "request failed: " + err.Error()
					case code != "":
						outcome = code
					case out.ReleaseSeats.Allocation == nil || out.ReleaseSeats.Allocation.ReleasedAt == nil:
						outcome = fmt.Sprint(out.ReleaseSeats.UserErrors)
					}
					mu.Lock()
					outcomes["release: "+outcome]++
					mu.Unlock()
				})
			}
		}
		wg.Wait()
		if outcomes["register: CONFIRMED"] != people || outcomes["release: released"] != 1 {
			t.Errorf("round %d: got %v, want %d registrations CONFIRMED and the release done", round, outcomes, people)
		}
		rulesWantCounters(t, a, fmt.Sprintf("round %d", round), slot, outcomes["register: CONFIRMED"], 0, 0)
	}
}
