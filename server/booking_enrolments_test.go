package main

import (
	"slices"
	"testing"
)

// A course (parcours) as the person lives it, through the API: enrolled in order, followed by
// the host, the referrer and the person; one workshop moved, one missed and booked again, the
// course completed, or left.

const rulesEnrolmentFields = `id status attended missed remaining enrolledAt cancelledAt cancellationReason
	programme { id orderRule } referringOrganisation { id }
	steps { position state workshop { id } registration { id slot { id } participant { firstName } }
		registrations { id status attendance } }`

var (
	rulesEnrolWithEnrolmentDoc = rulesDoc("enrol", "EnrolInput", "enrolment { "+rulesEnrolmentFields+" } registrations { id } manageTokens")
	rulesRescheduleDoc         = rulesDoc("rescheduleEnrolment", "RescheduleEnrolmentInput",
		"enrolment { "+rulesEnrolmentFields+" } registration { id status slot { id } } manageToken")
	rulesCancelEnrolmentDoc = rulesDoc("cancelEnrolment", "CancelEnrolmentInput", "enrolment { "+rulesEnrolmentFields+" }")
)

// rulesEnrolment is an enrolment as a client reads it.
type rulesEnrolment struct {
	ID, Status                  string
	Attended, Missed, Remaining int
	EnrolledAt                  string
	CancelledAt                 *string
	CancellationReason          *string
	Programme                   struct{ ID, OrderRule string }
	ReferringOrganisation       *struct{ ID string }
	Steps                       []struct {
		Position     int
		State        string
		Workshop     struct{ ID string }
		Registration *struct {
			ID          string
			Slot        struct{ ID string }
			Participant struct{ FirstName *string }
		}
		Registrations []struct {
			ID, Status string
			Attendance *string
		}
	}
}

func (e rulesEnrolment) states() []string {
	var out []string
	for _, s := range e.Steps {
		out = append(out, s.State)
	}
	return out
}

type rulesEnrolmentPayload struct {
	Enrolment     *rulesEnrolment
	Registrations []struct{ ID string }
	ManageTokens  []string
	Registration  *struct {
		ID, Status string
		Slot       struct{ ID string }
	}
	ManageToken *string
	UserErrors  []userError
}

// rulesWorkshopOf returns the workshop of a slot.
func rulesWorkshopOf(t *testing.T, a *testAPI, slot string) string {
	t.Helper()
	var out struct {
		Node struct{ Workshop struct{ ID string } }
	}
	a.withT(t).query("", `query($id: ID!) { node(id: $id) { ... on Slot { workshop { id } } } }`, map[string]any{"id": slot}, &out)
	return out.Node.Workshop.ID
}

// rulesSeeEnrolment reads an enrolment with node(id) as key; nil when not visible.
func rulesSeeEnrolment(t *testing.T, a *testAPI, key, id string) *rulesEnrolment {
	t.Helper()
	var out struct{ Node *rulesEnrolment }
	a.withT(t).query(key, `query($id: ID!) { node(id: $id) { ... on Enrolment { `+rulesEnrolmentFields+` } } }`, map[string]any{"id": id}, &out)
	return out.Node
}

func TestBookingRulesACourseFollowsThePerson(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	at := a.withT(t)
	c := rulesNewCourse(t, a, "course-flow", 2, 2) // CV on 7 September 2032, France Travail on 14 September
	h := c.Host
	cv, ft := c.Slots[0], c.Slots[1]
	ftWorkshop := rulesWorkshopOf(t, a, ft)
	ft21 := at.slot(h.Key, ftWorkshop, h.Venue, "2032-09-21T14:00", map[string]any{"capacity": 2})
	ft28 := at.slot(h.Key, ftWorkshop, h.Venue, "2032-09-28T14:00", map[string]any{"capacity": 2})
	ftBefore := at.slot(h.Key, ftWorkshop, h.Venue, "2032-09-01T14:00", map[string]any{"capacity": 2})
	partnerID, partnerKey := rulesPartner(t, a, "course-flow-ft")
	_, strangerKey := rulesPartner(t, a, "course-flow-stranger")

	// In order by default: the France Travail slot before the CV slot is refused, nothing taken.
	var out rulesEnrolmentPayload
	rulesDo(t, a, "", rulesEnrolWithEnrolmentDoc, map[string]any{"programmeId": c.Programme, "slotIds": []string{c.Another, ft}, "participant": person(9)}, &out)
	rulesWantRefusal(t, "CV on 5 October, France Travail on 14 September", out.UserErrors, "OUT_OF_ORDER", "input", "slotIds", "1")
	if out.Enrolment != nil || rulesRows(t, a, ft) != 0 || rulesRows(t, a, c.Another) != 0 {
		t.Errorf("after the refusal: %+v, %d and %d registrations; want nothing", out.Enrolment, rulesRows(t, a, ft), rulesRows(t, a, c.Another))
	}

	// A partner enrols Awa in order: the enrolment follows her, referred by the partner.
	out = rulesEnrolmentPayload{}
	rulesDo(t, a, partnerKey, rulesEnrolWithEnrolmentDoc, map[string]any{"programmeId": c.Programme, "slotIds": []string{cv, ft},
		"participant": person(1), "referral": rulesReferral()}, &out)
	e := out.Enrolment
	if len(out.UserErrors) > 0 || e == nil {
		t.Fatalf("enrol: %+v", out.UserErrors)
	}
	if e.Status != "IN_PROGRESS" || !slices.Equal(e.states(), []string{"BOOKED", "BOOKED"}) || e.Remaining != 2 ||
		e.ReferringOrganisation == nil || e.ReferringOrganisation.ID != partnerID || e.Programme.ID != c.Programme || e.Programme.OrderRule != "IN_ORDER" {
		t.Fatalf("the enrolment: %+v; want in progress, two booked steps, referred by the partner", e)
	}
	if e.Steps[0].Registration == nil || e.Steps[0].Registration.ID != out.Registrations[0].ID {
		t.Errorf("step 1: %+v, want the CV registration %s", e.Steps[0].Registration, out.Registrations[0].ID)
	}

	// Who sees it: the host, the partner, the person by their link; not another partner.
	for who, key := range map[string]string{"the host": h.Key, "the partner": partnerKey} {
		var list struct {
			Enrolments struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		at.query(key, `query($p: ID) { enrolments(programmeId: $p) { edges { node { id } } } }`, map[string]any{"p": c.Programme}, &list)
		if len(list.Enrolments.Edges) != 1 || list.Enrolments.Edges[0].Node.ID != e.ID {
			t.Errorf("%s's enrolments: %+v, want %s", who, list.Enrolments.Edges, e.ID)
		}
	}
	if got := rulesSeeEnrolment(t, a, strangerKey, e.ID); got != nil {
		t.Errorf("another partner reads the enrolment: %+v, want null", got)
	}
	var mine struct {
		RegistrationByToken struct{ Enrolment *rulesEnrolment }
	}
	at.query("", `query($t: String!) { registrationByToken(token: $t) { enrolment { `+rulesEnrolmentFields+` } } }`,
		map[string]any{"t": out.ManageTokens[1]}, &mine)
	if m := mine.RegistrationByToken.Enrolment; m == nil || m.ID != e.ID || m.Steps[0].Registration == nil ||
		m.Steps[0].Registration.Participant.FirstName == nil || *m.Steps[0].Registration.Participant.FirstName != "Awa" {
		t.Errorf("the person's link: %+v, want her course with her own registrations", m)
	}

	// France Travail moved a week later by the partner: the CV seat stays, the old seat frees.
	var moved rulesEnrolmentPayload
	rulesDo(t, a, partnerKey, rulesRescheduleDoc, map[string]any{"enrolmentId": e.ID, "slotId": ftBefore}, &moved)
	rulesWantRefusal(t, "France Travail before the CV", moved.UserErrors, "OUT_OF_ORDER", "input", "slotId")
	moved = rulesEnrolmentPayload{}
	rulesDo(t, a, strangerKey, rulesRescheduleDoc, map[string]any{"enrolmentId": e.ID, "slotId": ft21}, &moved)
	rulesWantRefusal(t, "another partner", moved.UserErrors, "NOT_FOUND", "input", "enrolmentId")
	rulesWantError(t, a, "the public", "", rulesRescheduleDoc, map[string]any{"enrolmentId": e.ID, "slotId": ft21}, "UNAUTHENTICATED")
	moved = rulesEnrolmentPayload{}
	rulesDo(t, a, partnerKey, rulesRescheduleDoc, map[string]any{"enrolmentId": e.ID, "slotId": ft21}, &moved)
	if len(moved.UserErrors) > 0 || moved.Registration == nil || moved.Registration.Status != "CONFIRMED" || moved.Registration.Slot.ID != ft21 ||
		moved.ManageToken == nil || *moved.ManageToken == "" {
		t.Fatalf("France Travail moved to 21 September: %+v", moved)
	}
	if m := moved.Enrolment; !slices.Equal(m.states(), []string{"BOOKED", "BOOKED"}) || m.Steps[0].Registration.ID != out.Registrations[0].ID ||
		len(m.Steps[1].Registrations) != 2 || m.Steps[1].Registrations[0].Status != "CANCELLED" {
		t.Errorf("after the move: %+v; want the CV seat kept, the old France Travail seat cancelled", m)
	}
	rulesWantCounters(t, a, "the slot left", ft, 0, 0, 0)

	// Both take place: she comes to the CV, misses France Travail, and is booked again.
	slotSQL(t, a, cv, `UPDATE slots SET starts_at = now() - interval '3 days', ends_at = now() - interval '3 days' + interval '2 hours',
		registration_closes_at = now() - interval '3 days' WHERE id = $1`)
	slotMoveToPast(t, a, ft21)
	rulesDo(t, a, h.Key, rulesAttendanceDoc, map[string]any{"id": out.Registrations[0].ID, "attendance": "PRESENT"}, &rulesRegPayload{})
	rulesDo(t, a, h.Key, rulesAttendanceDoc, map[string]any{"id": moved.Registration.ID, "attendance": "ABSENT"}, &rulesRegPayload{})
	seen := rulesSeeEnrolment(t, a, partnerKey, e.ID)
	if !slices.Equal(seen.states(), []string{"ATTENDED", "MISSED"}) || seen.Attended != 1 || seen.Missed != 1 || seen.Remaining != 0 {
		t.Errorf("CV attended, France Travail missed: %+v", seen)
	}
	var again rulesEnrolmentPayload
	rulesDo(t, a, h.Key, rulesRescheduleDoc, map[string]any{"enrolmentId": e.ID, "slotId": c.Another}, &again)
	rulesWantRefusal(t, "the attended CV moved", again.UserErrors, "ALREADY_ATTENDED", "input", "slotId")
	again = rulesEnrolmentPayload{}
	rulesDo(t, a, h.Key, rulesRescheduleDoc, map[string]any{"enrolmentId": e.ID, "slotId": ft28}, &again)
	absent := func(m *rulesEnrolment) int {
		n := 0
		for _, r := range m.Steps[1].Registrations {
			if r.Attendance != nil && *r.Attendance == "ABSENT" {
				n++
			}
		}
		return n
	}
	if m := again.Enrolment; len(again.UserErrors) > 0 || !slices.Equal(m.states(), []string{"ATTENDED", "BOOKED"}) || m.Missed != 0 || m.Remaining != 1 ||
		len(m.Steps[1].Registrations) != 3 || absent(m) != 1 {
		t.Fatalf("France Travail booked again: %+v %+v; want booked, the absence kept", again.UserErrors, again.Enrolment)
	}
	slotSQL(t, a, ft28, `UPDATE slots SET starts_at = now() - interval '1 day', ends_at = now() - interval '1 day' + interval '2 hours',
		registration_closes_at = now() - interval '1 day' WHERE id = $1`)
	rulesDo(t, a, h.Key, rulesAttendanceDoc, map[string]any{"id": again.Registration.ID, "attendance": "PRESENT"}, &rulesRegPayload{})
	if done := rulesSeeEnrolment(t, a, h.Key, e.ID); done.Status != "COMPLETED" || done.Attended != 2 {
		t.Errorf("every workshop attended: %+v, want COMPLETED", done)
	}
}

// A person leaves the course: the seats to come free (the waiting list moves), the course
// takes no more changes; only its host or referrer may say so.
func TestBookingRulesLeavingACourse(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	c := rulesNewCourse(t, a, "course-leave", 1, 2)
	_, strangerKey := rulesPartner(t, a, "course-leave-stranger")
	var out rulesEnrolmentPayload
	rulesDo(t, a, "", rulesEnrolWithEnrolmentDoc, map[string]any{"programmeId": c.Programme, "slotIds": c.Slots, "participant": person(1)}, &out)
	if out.Enrolment == nil {
		t.Fatalf("enrol: %+v", out.UserErrors)
	}
	waiting, _ := rulesBook(t, a, "", rulesIn(c.Slots[0], 2, map[string]any{"joinWaitlist": true}), "WAITLISTED")
	in := map[string]any{"id": out.Enrolment.ID, "reason": "Quitte le programme de la Régie"}

	var left rulesEnrolmentPayload
	rulesDo(t, a, strangerKey, rulesCancelEnrolmentDoc, in, &left)
	rulesWantRefusal(t, "another organisation", left.UserErrors, "NOT_FOUND", "input", "id")
	rulesDo(t, a, c.Host.Key, rulesCancelEnrolmentDoc, in, &left)
	if e := left.Enrolment; len(left.UserErrors) > 0 || e.Status != "CANCELLED" || e.CancelledAt == nil ||
		e.CancellationReason == nil || *e.CancellationReason != in["reason"] || !slices.Equal(e.states(), []string{"TO_BOOK", "TO_BOOK"}) {
		t.Fatalf("the host records that she leaves: %+v %+v", left.UserErrors, left.Enrolment)
	}
	var seat struct{ Node struct{ Status string } }
	a.withT(t).query(c.Host.Key, `query($id: ID!) { node(id: $id) { ... on Registration { status } } }`, map[string]any{"id": waiting.ID}, &seat)
	if seat.Node.Status != "CONFIRMED" {
		t.Errorf("the person waiting for the seat she left: %s, want CONFIRMED", seat.Node.Status)
	}
	left = rulesEnrolmentPayload{}
	rulesDo(t, a, c.Host.Key, rulesCancelEnrolmentDoc, in, &left)
	rulesWantRefusal(t, "left twice", left.UserErrors, "ALREADY_CANCELLED", "input", "id")
	var moved rulesEnrolmentPayload
	rulesDo(t, a, c.Host.Key, rulesRescheduleDoc, map[string]any{"enrolmentId": out.Enrolment.ID, "slotId": c.Another}, &moved)
	rulesWantRefusal(t, "a course left, rescheduled", moved.UserErrors, "ALREADY_CANCELLED", "input", "enrolmentId")
}

// A programme may be taken in any order when its host says so.
func TestBookingRulesAProgrammeInAnyOrder(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	c := rulesNewCourse(t, a, "course-any-order", 2, 2)
	var upd struct {
		UpdateProgramme struct {
			Programme  struct{ OrderRule string }
			UserErrors []userError
		}
	}
	a.withT(t).query(c.Host.Key, `mutation($id: ID!) { updateProgramme(input: {id: $id, orderRule: ANY_ORDER}) { programme { orderRule } userErrors { field message code } } }`,
		map[string]any{"id": c.Programme}, &upd)
	if upd.UpdateProgramme.Programme.OrderRule != "ANY_ORDER" {
		t.Fatalf("updateProgramme: %+v", upd.UpdateProgramme)
	}
	var out rulesEnrolmentPayload
	rulesDo(t, a, "", rulesEnrolWithEnrolmentDoc, map[string]any{"programmeId": c.Programme, "slotIds": []string{c.Another, c.Slots[1]}, "participant": person(1)}, &out)
	if len(out.UserErrors) > 0 || out.Enrolment == nil || out.Enrolment.Programme.OrderRule != "ANY_ORDER" {
		t.Errorf("CV after France Travail in any order: %+v, want enrolled", out.UserErrors)
	}
}

// A reschedule retried with its idempotency key moves the seat once and answers the same; the
// partner who referred the person still follows the new seat the host made.
func TestBookingRulesARescheduleRetriedMovesOnce(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	c := rulesNewCourse(t, a, "course-retry", 2)
	partnerID, partnerKey := rulesPartner(t, a, "course-retry-ft")
	var out rulesEnrolmentPayload
	rulesDo(t, a, partnerKey, rulesEnrolWithEnrolmentDoc, map[string]any{"programmeId": c.Programme, "slotIds": c.Slots,
		"participant": person(1), "referral": rulesReferral()}, &out)
	if out.Enrolment == nil {
		t.Fatalf("enrol: %+v", out.UserErrors)
	}
	in := map[string]any{"enrolmentId": out.Enrolment.ID, "slotId": c.Another}
	var first, again struct{ RescheduleEnrolment rulesEnrolmentPayload }
	for _, o := range []*struct{ RescheduleEnrolment rulesEnrolmentPayload }{&first, &again} {
		if code, err := a.call(c.Host.Key, "course-retry-key-0001", rulesRescheduleDoc, map[string]any{"in": in}, o); err != nil || code != "" {
			t.Fatalf("rescheduleEnrolment: %v %s", err, code)
		}
	}
	f, g := first.RescheduleEnrolment, again.RescheduleEnrolment
	if f.Registration == nil || g.Registration == nil || f.Registration.ID != g.Registration.ID || *f.ManageToken != *g.ManageToken {
		t.Fatalf("the retry: %+v then %+v, want the same registration and token", f, g)
	}
	if n := rulesRows(t, a, c.Another); n != 1 {
		t.Errorf("the new slot after a retried move: %d registrations, want 1", n)
	}
	var refs struct {
		Referrals struct {
			Edges []struct {
				Node struct {
					ID       string
					Referral struct{ Organisation struct{ ID string } }
				}
			}
		}
	}
	a.withT(t).query(partnerKey, `{ referrals { edges { node { id referral { organisation { id } } } } } }`, nil, &refs)
	found := false
	for _, e := range refs.Referrals.Edges {
		found = found || (e.Node.ID == f.Registration.ID && e.Node.Referral.Organisation.ID == partnerID)
	}
	if !found {
		t.Errorf("the partner's referrals %+v: want the seat the host moved its person to", refs.Referrals.Edges)
	}
}
