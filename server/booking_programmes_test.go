package main

import (
	"fmt"
	"slices"
	"testing"
)

// Enrolment in a programme (parcours): one seat on one slot of each workshop, all or none,
// and a retried enrolment that creates nothing more.

// rulesEnrolDoc asks for everything the enrolment rules look at.
var rulesEnrolDoc = rulesDoc("enrol", "EnrolInput", "registrations { "+rulesRegFields+" } manageTokens")

// rulesEnrolled is an enrol payload.
type rulesEnrolled struct {
	Registrations []rulesReg
	ManageTokens  []string
	UserErrors    []userError
}

// rulesEnrol calls enrol (anonymously unless key) for person n with extra input fields.
func rulesEnrol(t *testing.T, a *testAPI, key, programme string, slots []string, n int, extra map[string]any) rulesEnrolled {
	t.Helper()
	in := map[string]any{"programmeId": programme, "slotIds": slots, "participant": person(n)}
	for k, v := range extra {
		in[k] = v
	}
	var out rulesEnrolled
	rulesDo(t, a, key, rulesEnrolDoc, in, &out)
	return out
}

// rulesWantNoEnrolment checks that a refused enrolment took no seat anywhere.
func rulesWantNoEnrolment(t *testing.T, a *testAPI, what string, out rulesEnrolled, slots []string, rowsBefore []int) {
	t.Helper()
	if len(out.Registrations) != 0 || len(out.ManageTokens) != 0 {
		t.Errorf("%s: got %d registrations and %d tokens, want none", what, len(out.Registrations), len(out.ManageTokens))
	}
	for i, s := range slots {
		if got := rulesRows(t, a, s); got != rowsBefore[i] {
			t.Errorf("%s: slot %d has %d registrations, want %d as before", what, i, got, rowsBefore[i])
		}
		if got := rulesEvents(t, a, s, nil); len(got) != rowsBefore[i] {
			t.Errorf("%s: slot %d has events %q, want %d (those of the registrations before)", what, i, got, rowsBefore[i])
		}
	}
}

// Enrolment takes one seat on each workshop's slot, or none at all.
func TestBookingRulesEnrolAllOrNothing(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)

	t.Run("seats everywhere: one confirmed registration per slot, in the order asked", func(t *testing.T) {
		t.Parallel()
		c := rulesNewCourse(t, a, "enrol-ok", 2, 2, 2, 2)
		asked := []string{c.Slots[2], c.Slots[0], c.Slots[3], c.Slots[1]}
		out := rulesEnrol(t, a, "", c.Programme, asked, 1, nil)
		if len(out.UserErrors) > 0 || len(out.Registrations) != 4 || len(out.ManageTokens) != 4 {
			t.Fatalf("enrol: got %+v, %d registrations, %d tokens; want 4 of each", out.UserErrors, len(out.Registrations), len(out.ManageTokens))
		}
		for i, r := range out.Registrations {
			if r.Slot.ID != asked[i] || r.Status != "CONFIRMED" || !rulesConfirmationCode.MatchString(r.ConfirmationCode) {
				t.Errorf("registration %d: got slot %s, %s, code %q; want slot %s, CONFIRMED, a code", i, r.Slot.ID, r.Status, r.ConfirmationCode, asked[i])
			}
			if mine := rulesByToken(t, a, out.ManageTokens[i]); mine == nil || mine.ID != r.ID {
				t.Errorf("token %d: opens %+v, want registration %s", i, mine, r.ID)
			}
		}
		for i, s := range asked {
			if got := rulesEvents(t, a, s, map[string]string{out.Registrations[i].ID: "mine"}); !slices.Equal(got, []string{"REGISTERED mine"}) {
				t.Errorf("slot %d: got events %q, want REGISTERED of the registration made there", i, got)
			}
		}
	})

	t.Run("a full slot and no waiting list: SLOT_FULL on that slot, no seat anywhere", func(t *testing.T) {
		t.Parallel()
		c := rulesNewCourse(t, a, "enrol-full", 2, 1, 2)
		rulesBook(t, a, "", rulesIn(c.Slots[1], 100, nil), "CONFIRMED")
		before := []int{0, 1, 0}
		out := rulesEnrol(t, a, "", c.Programme, c.Slots, 1, nil)
		rulesWantRefusal(t, "the second slot full", out.UserErrors, "SLOT_FULL", "input", "slotIds", "1")
		rulesWantNoEnrolment(t, a, "the second slot full", out, c.Slots, before)

		// Asked in another order, the full slot is named by its place in the request.
		asked := []string{c.Slots[2], c.Slots[0], c.Slots[1]}
		out = rulesEnrol(t, a, "", c.Programme, asked, 2, nil)
		rulesWantRefusal(t, "the full slot asked last", out.UserErrors, "SLOT_FULL", "input", "slotIds", "2")
		rulesWantNoEnrolment(t, a, "the full slot asked last", out, c.Slots, before)
		for i, s := range c.Slots {
			if taken, _, _ := rulesCounters(t, a, s); taken != before[i] {
				t.Errorf("slot %d: got %d seats taken, want %d", i, taken, before[i])
			}
		}
	})

	t.Run("already holding a seat on one of the slots: ALREADY_REGISTERED there, no seat anywhere", func(t *testing.T) {
		t.Parallel()
		c := rulesNewCourse(t, a, "enrol-already", 2, 2, 2)
		rulesBook(t, a, "", rulesIn(c.Slots[2], 1, nil), "CONFIRMED")
		out := rulesEnrol(t, a, "", c.Programme, c.Slots, 1, nil)
		rulesWantRefusal(t, "already on the third slot", out.UserErrors, "ALREADY_REGISTERED", "input", "slotIds", "2")
		rulesWantNoEnrolment(t, a, "already on the third slot", out, c.Slots, []int{0, 0, 1})
	})

	t.Run("a partner enrols someone: the referral on every registration, and required", func(t *testing.T) {
		t.Parallel()
		c := rulesNewCourse(t, a, "enrol-partner", 2, 2)
		partnerID, partnerKey := rulesPartner(t, a, "enrol-partner-ft")
		out := rulesEnrol(t, a, partnerKey, c.Programme, c.Slots, 1, nil)
		rulesWantRefusal(t, "no referral", out.UserErrors, "REQUIRED", "input", "referral", "counsellorName")
		rulesWantNoEnrolment(t, a, "no referral", out, c.Slots, []int{0, 0})
		out = rulesEnrol(t, a, partnerKey, c.Programme, c.Slots, 1, map[string]any{"referral": rulesReferral()})
		if len(out.UserErrors) > 0 || len(out.Registrations) != 2 {
			t.Fatalf("enrol with a referral: got %+v, want 2 registrations", out.UserErrors)
		}
		for i, r := range out.Registrations {
			if r.Status != "CONFIRMED" || r.Referral == nil || r.Referral.Organisation.ID != partnerID || r.Referral.CounsellorName != "Mme Benali" {
				t.Errorf("registration %d: got %s with referral %+v, want CONFIRMED, referred by %s (Mme Benali)", i, r.Status, r.Referral, partnerID)
			}
		}
		var refs struct {
			Referrals struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		a.withT(t).query(partnerKey, `{ referrals { edges { node { id } } } }`, nil, &refs)
		if len(refs.Referrals.Edges) != 2 {
			t.Errorf("the partner's referrals: got %d, want 2", len(refs.Referrals.Edges))
		}
	})

	t.Run("a full slot with joinWaitlist: waitlisted there, confirmed elsewhere", func(t *testing.T) {
		t.Parallel()
		c := rulesNewCourse(t, a, "enrol-waitlist", 2, 1, 2)
		rulesBook(t, a, "", rulesIn(c.Slots[1], 100, nil), "CONFIRMED")
		out := rulesEnrol(t, a, "", c.Programme, c.Slots, 1, map[string]any{"joinWaitlist": true})
		if len(out.UserErrors) > 0 || len(out.Registrations) != 3 || len(out.ManageTokens) != 3 {
			t.Fatalf("enrol: got %+v, %d registrations; want 3", out.UserErrors, len(out.Registrations))
		}
		for i, want := range []string{"CONFIRMED", "WAITLISTED", "CONFIRMED"} {
			if r := out.Registrations[i]; r.Status != want || r.Slot.ID != c.Slots[i] {
				t.Errorf("registration %d: got %s on %s, want %s on %s", i, r.Status, r.Slot.ID, want, c.Slots[i])
			}
		}
		if p := out.Registrations[1].WaitlistPosition; p == nil || *p != 1 {
			t.Errorf("the waitlisted registration: got position %v, want 1", p)
		}
		for i, want := range [][3]int{{1, 0, 0}, {1, 0, 1}, {1, 0, 0}} {
			rulesWantCounters(t, a, fmt.Sprintf("slot %d", i), c.Slots[i], want[0], want[1], want[2])
		}
	})

	t.Run("the slots must match the programme's workshops one to one: INVALID", func(t *testing.T) {
		t.Parallel()
		c := rulesNewCourse(t, a, "enrol-invalid", 2, 2, 2)
		all := append(slices.Clone(c.Slots), c.Another, c.Outside)
		before := make([]int, len(all))
		for _, tc := range []struct {
			rule  string
			slots []string
			field []string
		}{
			{"one slot too few", c.Slots[:2], []string{"input", "slotIds"}},
			{"one slot too many", append(slices.Clone(c.Slots), c.Another), []string{"input", "slotIds"}},
			{"two slots of the same workshop", []string{c.Slots[0], c.Another, c.Slots[2]}, []string{"input", "slotIds", "1"}},
			{"the same slot twice", []string{c.Slots[0], c.Slots[0], c.Slots[2]}, []string{"input", "slotIds", "1"}},
			{"a slot of a workshop outside the programme", []string{c.Slots[0], c.Slots[1], c.Outside}, []string{"input", "slotIds", "2"}},
		} {
			out := rulesEnrol(t, a, "", c.Programme, tc.slots, 1, nil)
			rulesWantRefusal(t, tc.rule, out.UserErrors, "INVALID", tc.field...)
			rulesWantNoEnrolment(t, a, tc.rule, out, all, before)
		}
	})

	t.Run("a retried enrolment returns the same registrations and tokens, one set of rows", func(t *testing.T) {
		t.Parallel()
		c := rulesNewCourse(t, a, "enrol-retry", 2, 2, 2)
		in := map[string]any{"programmeId": c.Programme, "slotIds": c.Slots, "participant": person(1)}
		var first, again struct{ Enrol rulesEnrolled }
		for _, out := range []*struct{ Enrol rulesEnrolled }{&first, &again} {
			if code, err := a.call("", "enrol-retry-key-0001", rulesEnrolDoc, map[string]any{"in": in}, out); err != nil || code != "" {
				t.Fatalf("enrol: %v %s", err, code)
			}
		}
		if len(first.Enrol.Registrations) != 3 || len(first.Enrol.UserErrors) > 0 {
			t.Fatalf("first enrol: got %+v, want 3 registrations", first.Enrol)
		}
		ids := func(e rulesEnrolled) []string {
			var out []string
			for _, r := range e.Registrations {
				out = append(out, r.ID)
			}
			return out
		}
		if !slices.Equal(ids(again.Enrol), ids(first.Enrol)) || !slices.Equal(again.Enrol.ManageTokens, first.Enrol.ManageTokens) {
			t.Errorf("replay: got registrations %q and tokens %q, want %q and %q",
				ids(again.Enrol), again.Enrol.ManageTokens, ids(first.Enrol), first.Enrol.ManageTokens)
		}
		for i, s := range c.Slots {
			if n := rulesRows(t, a, s); n != 1 {
				t.Errorf("slot %d: got %d registrations, want 1", i, n)
			}
		}
		// The same key with another person is refused and creates nothing.
		in["participant"] = person(2)
		var reused struct{ Enrol rulesEnrolled }
		if code, err := a.call("", "enrol-retry-key-0001", rulesEnrolDoc, map[string]any{"in": in}, &reused); err != nil || code != "" {
			t.Fatalf("reused key: %v %s", err, code)
		}
		rulesWantRefusal(t, "the same key for another person", reused.Enrol.UserErrors, "IDEMPOTENCY_KEY_REUSED", "input", "idempotencyKey")
		for i, s := range c.Slots {
			if n := rulesRows(t, a, s); n != 1 {
				t.Errorf("slot %d after a reused key: got %d registrations, want 1", i, n)
			}
		}
	})
}
