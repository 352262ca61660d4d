package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// The rules of a course (parcours), stated against the enrolment transactions themselves
// (server/booking_enrolments_test.go tests them again as a client sees them).

// course is a programme of two workshops, CV then France Travail, with slots on given days.
type course struct {
	t           *testing.T
	pool        db.Querier
	programme   int64
	cv, ft      int64 // workshops
	host        int64
	slotsOfDays map[string]int64 // "cv1": the CV slot on day 1, at 10:00 for 2 hours
}

func newCourse(t *testing.T, rule db.ProgrammeOrderRule) *course {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	c := &course{t: t, pool: pool, slotsOfDays: map[string]int64{}}
	err := pool.QueryRow(ctx, `
		WITH o AS (INSERT INTO organisations (name, slug, kind, hosts_workshops) VALUES ('Régie', 'regie', 'REGIE_DE_QUARTIER', true) RETURNING id),
		     w AS (INSERT INTO workshops (organisation_id, title, topics, level, duration_minutes, audiences, status)
		           SELECT id, t, '{CV_AND_JOB_SEARCH}', 'BEGINNER', 120, '{EVERYONE}', 'PUBLISHED'
		           FROM o, unnest(ARRAY['CV', 'France Travail']) t RETURNING id, title)
		SELECT (SELECT id FROM o), (SELECT id FROM w WHERE title = 'CV'), (SELECT id FROM w WHERE title = 'France Travail')`).Scan(&c.host, &c.cv, &c.ft)
	if err != nil {
		t.Fatal(err)
	}
	p, err := db.CreateProgramme(ctx, pool, db.Programme{OrganisationID: c.host, Title: "Parcours", Status: db.StatusPublished,
		OrderRule: rule, WorkshopIDs: []int64{c.cv, c.ft}})
	if err != nil {
		t.Fatal(err)
	}
	c.programme = p.ID
	return c
}

// slot schedules a slot of the workshop on day d (from now), capacity seats, named name.
func (c *course) slot(name string, workshop int64, day, capacity int) int64 {
	c.t.Helper()
	var id int64
	err := c.pool.QueryRow(context.Background(), `
		WITH v AS (INSERT INTO venues (organisation_id, name, street_address, postal_code, city)
		           VALUES ($1, $4, '1 rue', '93240', 'Stains') RETURNING id)
		INSERT INTO slots (organisation_id, workshop_id, venue_id, starts_at, ends_at, capacity, visibility, registration_closes_at)
		SELECT $1, $2, v.id, date_trunc('day', now()) + make_interval(days => $3, hours => 10),
		       date_trunc('day', now()) + make_interval(days => $3, hours => 12), $5, 'PUBLIC',
		       date_trunc('day', now()) + make_interval(days => $3, hours => 10)
		FROM v RETURNING id`, c.host, workshop, day, name, capacity).Scan(&id)
	if err != nil {
		c.t.Fatal(err)
	}
	c.slotsOfDays[name] = id
	return id
}

// enrol enrols Awa on the named slots, in that order.
func (c *course) enrol(names ...string) (db.Enrolment, error) {
	first, phone := "Awa", "+33639980001"
	var reqs []db.RegisterRequest
	for _, n := range names {
		reqs = append(reqs, db.RegisterRequest{SlotID: c.slotsOfDays[n], ConsentVersion: "2026-11",
			Participant: db.Participant{FirstName: &first, Phone: &phone}})
	}
	e, _, _, err := db.Enrol(context.Background(), c.pool, c.programme, reqs)
	return e, err
}

// states returns the state of each step, in course order.
func states(e db.Enrolment) []db.EnrolmentStepState {
	var out []db.EnrolmentStepState
	for _, s := range e.Steps {
		out = append(out, s.State)
	}
	return out
}

// count returns a number read by sql.
func (c *course) count(sql string, args ...any) int {
	c.t.Helper()
	var n int
	if err := c.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	return n
}

// In a course taken in order, the France Travail slot must come after the CV slot: a course
// out of order is refused whole, naming the slot; in any order it is accepted.
func TestAnEnrolmentFollowsTheProgrammesOrder(t *testing.T) {
	t.Parallel()
	c := newCourse(t, db.OrderInOrder)
	c.slot("cv2", c.cv, 2, 8)
	c.slot("ft1", c.ft, 1, 8)
	c.slot("ft3", c.ft, 3, 8)
	_, err := c.enrol("cv2", "ft1")
	var all *db.RegisterAllError
	var order *db.OrderError
	if !errors.As(err, &all) || all.Index != 1 || !errors.As(err, &order) || order.Position != 2 {
		t.Fatalf("CV on day 2, France Travail on day 1: %v; want request 1 refused, step 2 out of order", err)
	}
	if n := c.count(`SELECT (SELECT count(*) FROM enrolments) + (SELECT count(*) FROM registrations)`); n != 0 {
		t.Errorf("after the refusal: %d enrolments and registrations, want none", n)
	}
	e, err := c.enrol("ft3", "cv2") // the order of the request does not matter, that of the days does
	if err != nil || !slices.Equal(states(e), []db.EnrolmentStepState{db.StepBooked, db.StepBooked}) || e.Status() != db.EnrolmentInProgress {
		t.Fatalf("CV on day 2, France Travail on day 3: %+v, %v; want both booked, in progress", e, err)
	}

	anyOrder := newCourse(t, db.OrderAnyOrder)
	anyOrder.slot("cv2", anyOrder.cv, 2, 8)
	anyOrder.slot("ft1", anyOrder.ft, 1, 8)
	if _, err := anyOrder.enrol("cv2", "ft1"); err != nil {
		t.Errorf("in any order, France Travail before CV: %v, want accepted", err)
	}
}

// Progress is read from attendance: attended, missed, then booked again after a reschedule
// (the absence kept), and the course completed once every workshop is attended.
func TestAnEnrolmentsProgressFollowsAttendance(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCourse(t, db.OrderInOrder)
	c.slot("cv1", c.cv, 1, 8)
	c.slot("ft2", c.ft, 2, 8)
	c.slot("ft4", c.ft, 4, 8)
	e, err := c.enrol("cv1", "ft2")
	if err != nil {
		t.Fatal(err)
	}
	// Both slots take place (moved a week back), she comes to the first and not to the second.
	if _, err := c.pool.Exec(ctx, `UPDATE slots SET starts_at = starts_at - interval '7 days', ends_at = ends_at - interval '7 days',
		registration_closes_at = registration_closes_at - interval '7 days' WHERE id = ANY($1)`, []int64{c.slotsOfDays["cv1"], c.slotsOfDays["ft2"]}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.pool.Exec(ctx, `UPDATE registrations SET attendance = CASE slot_id WHEN $1 THEN 'PRESENT' ELSE 'ABSENT' END`, c.slotsOfDays["cv1"]); err != nil {
		t.Fatal(err)
	}
	e, err = db.EnrolmentByID(ctx, c.pool, e.ID)
	if err != nil || !slices.Equal(states(e), []db.EnrolmentStepState{db.StepAttended, db.StepMissed}) || e.Count(db.StepAttended) != 1 || e.Count(db.StepMissed) != 1 {
		t.Fatalf("after CV attended and France Travail missed: %v, %v", states(e), err)
	}
	host := db.Caller{KeyID: 1, OrganisationID: c.host, Scopes: []db.Scope{db.ScopeRegistrationsWrite}}
	e, reg, token, err := db.Reschedule(ctx, c.pool, host, e.ID, c.slotsOfDays["ft4"], false)
	if err != nil || reg.Status != db.RegistrationConfirmed || token == "" || *reg.Participant.FirstName != "Awa" {
		t.Fatalf("France Travail booked again on day 4: %+v, %v", reg, err)
	}
	if !slices.Equal(states(e), []db.EnrolmentStepState{db.StepAttended, db.StepBooked}) || len(e.Steps[1].RegistrationIDs) != 2 {
		t.Errorf("after the new France Travail seat: %v with %v; want attended, booked, the absence kept", states(e), e.Steps[1].RegistrationIDs)
	}
	if _, _, _, err := db.Reschedule(ctx, c.pool, host, e.ID, c.slotsOfDays["cv1"], false); !errors.Is(err, db.ErrAlreadyAttended) {
		t.Errorf("the attended CV rescheduled: %v, want ErrAlreadyAttended", err)
	}
	if _, err := c.pool.Exec(ctx, `UPDATE registrations SET attendance = 'PRESENT' WHERE id = $1`, reg.ID); err != nil {
		t.Fatal(err)
	}
	if e, _ = db.EnrolmentByID(ctx, c.pool, e.ID); e.Status() != db.EnrolmentCompleted {
		t.Errorf("every workshop attended: %s, want COMPLETED", e.Status())
	}
}

// Rescheduling one workshop keeps the others' seats; a refused slot (out of order, full)
// keeps the seat the person had; an accepted one frees it for the waiting list.
func TestReschedulingOneWorkshopKeepsTheOthers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCourse(t, db.OrderInOrder)
	c.slot("cv1", c.cv, 1, 1)
	c.slot("ft2", c.ft, 2, 8)
	c.slot("cv3", c.cv, 3, 8)
	c.slot("cvFull", c.cv, 1, 1)
	other := c.slot("cvOther", c.cv, 1, 8)
	e, err := c.enrol("cv1", "ft2")
	if err != nil {
		t.Fatal(err)
	}
	// Binta waits for the CV slot Awa has; Chloé has the other one's only seat.
	for _, p := range []struct{ name, phone, slot string }{{"Binta", "+33639980002", "cv1"}, {"Chloé", "+33639980003", "cvFull"}} {
		if _, _, err := db.Register(ctx, c.pool, db.RegisterRequest{SlotID: c.slotsOfDays[p.slot], ConsentVersion: "2026-11", JoinWaitlist: true,
			Participant: db.Participant{FirstName: &p.name, Phone: &p.phone}}); err != nil {
			t.Fatal(err)
		}
	}
	host := db.Caller{KeyID: 1, OrganisationID: c.host, Scopes: []db.Scope{db.ScopeRegistrationsWrite}}
	before := c.count(`SELECT count(*) FROM registrations WHERE status <> 'CANCELLED'`)
	var order *db.OrderError
	if _, _, _, err := db.Reschedule(ctx, c.pool, host, e.ID, c.slotsOfDays["cv3"], false); !errors.As(err, &order) || order.Position != 2 {
		t.Errorf("CV moved after France Travail: %v; want step 2 out of order", err)
	}
	if _, _, _, err := db.Reschedule(ctx, c.pool, host, e.ID, c.slotsOfDays["cvFull"], false); !errors.Is(err, db.ErrSlotFull) {
		t.Errorf("CV moved to a full slot: %v, want ErrSlotFull", err)
	}
	if _, _, _, err := db.Reschedule(ctx, c.pool, host, e.ID, c.slotsOfDays["cv1"], false); !errors.Is(err, db.ErrAlreadyRegistered) {
		t.Errorf("CV moved to the slot it is on: %v, want ErrAlreadyRegistered", err)
	}
	if after := c.count(`SELECT count(*) FROM registrations WHERE status <> 'CANCELLED'`); after != before {
		t.Fatalf("after three refusals: %d active registrations, want %d as before", after, before)
	}
	e, _, _, err = db.Reschedule(ctx, c.pool, host, e.ID, other, false)
	if err != nil || !slices.Equal(states(e), []db.EnrolmentStepState{db.StepBooked, db.StepBooked}) {
		t.Fatalf("CV moved to another slot of day 1: %v, %v", states(e), err)
	}
	if n := c.count(`SELECT count(*) FROM registrations WHERE slot_id = $1 AND status = 'CONFIRMED' AND first_name = 'Binta'`, c.slotsOfDays["cv1"]); n != 1 {
		t.Errorf("the seat Awa left on day 1: Binta has %d, want it (the waiting list moved)", n)
	}
	if n := c.count(`SELECT count(*) FROM registrations WHERE slot_id = $1 AND status = 'CONFIRMED'`, c.slotsOfDays["ft2"]); n != 1 {
		t.Errorf("France Travail: %d seats, want Awa's kept", n)
	}
}

// A person leaving the course frees their seats to come (the waiting lists move); the course
// then takes no more changes.
func TestLeavingTheCourseFreesTheSeatsToCome(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCourse(t, db.OrderAnyOrder)
	c.slot("cv1", c.cv, 1, 8)
	c.slot("ft2", c.ft, 2, 8)
	e, err := c.enrol("cv1", "ft2")
	if err != nil {
		t.Fatal(err)
	}
	e, err = db.CancelEnrolment(ctx, c.pool, e.ID, "Quitte le programme")
	if err != nil || e.Status() != db.EnrolmentCancelled || !slices.Equal(states(e), []db.EnrolmentStepState{db.StepToBook, db.StepToBook}) {
		t.Fatalf("cancelled: %s %v, %v", e.Status(), states(e), err)
	}
	if n := c.count(`SELECT seats_taken FROM slots WHERE id = $1`, c.slotsOfDays["cv1"]); n != 0 {
		t.Errorf("CV slot after leaving: %d seats taken, want 0", n)
	}
	if _, err := db.CancelEnrolment(ctx, c.pool, e.ID, ""); !errors.Is(err, db.ErrAlreadyCancelled) {
		t.Errorf("cancelled twice: %v, want ErrAlreadyCancelled", err)
	}
	host := db.Caller{KeyID: 1, OrganisationID: c.host}
	if _, _, _, err := db.Reschedule(ctx, c.pool, host, e.ID, c.slotsOfDays["cv1"], false); !errors.Is(err, db.ErrEnrolmentCancelled) {
		t.Errorf("rescheduled after leaving: %v, want ErrEnrolmentCancelled", err)
	}
}

// Many reschedules of one course at once (a double click, two counsellors) leave exactly one
// seat for the workshop, and every slot's counters agree with its rows.
func TestConcurrentReschedulesLeaveOneSeatPerWorkshop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newCourse(t, db.OrderAnyOrder)
	c.slot("cv1", c.cv, 1, 8)
	c.slot("ft2", c.ft, 2, 8)
	e, err := c.enrol("cv1", "ft2")
	if err != nil {
		t.Fatal(err)
	}
	var targets []int64
	for i := range 10 {
		targets = append(targets, c.slot(fmt.Sprintf("cv%d", 10+i), c.cv, 10+i, 8))
	}
	host := db.Caller{KeyID: 1, OrganisationID: c.host}
	var wg sync.WaitGroup
	for _, slot := range targets {
		for range 2 {
			wg.Go(func() {
				_, _, _, err := db.Reschedule(ctx, c.pool, host, e.ID, slot, false)
				if err != nil && !errors.Is(err, db.ErrAlreadyRegistered) {
					t.Errorf("reschedule to slot %d: %v", slot, err)
				}
			})
		}
	}
	wg.Wait()
	if n := c.count(`SELECT count(*) FROM registrations r JOIN slots s ON s.id = r.slot_id
		WHERE r.enrolment_id = $1 AND s.workshop_id = $2 AND r.status <> 'CANCELLED'`, e.ID, c.cv); n != 1 {
		t.Errorf("after 20 concurrent reschedules: %d CV seats, want 1", n)
	}
	if n := c.count(`SELECT count(*) FROM slots s WHERE s.seats_taken <> (SELECT count(*) FROM registrations r
		WHERE r.slot_id = s.id AND r.status = 'CONFIRMED')`); n != 0 {
		t.Errorf("%d slots whose counter disagrees with their seats", n)
	}
}
