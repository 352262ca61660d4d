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

// course is a programme of workshops (CV then France Travail, by default), with slots on given days.
type course struct {
	t           *testing.T
	pool        db.Querier
	programme   int64
	cv, ft, caf int64 // workshops (caf only in a course of three)
	host        int64
	slotsOfDays map[string]int64 // "cv1": the CV slot on day 1, at 10:00 for 2 hours
}

func newCourse(t *testing.T, rule db.ProgrammeOrderRule) *course {
	return newCourseOf(t, rule, "CV", "France Travail")
}

// newCourseOf makes a programme of the workshops titled so (CV, France Travail, CAF), in order.
func newCourseOf(t *testing.T, rule db.ProgrammeOrderRule, titles ...string) *course {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	c := &course{t: t, pool: pool, slotsOfDays: map[string]int64{}}
	if err := pool.QueryRow(ctx, `INSERT INTO organisations (name, slug, kind, hosts_workshops)
		VALUES ('Régie', 'regie', 'REGIE_DE_QUARTIER', true) RETURNING id`).Scan(&c.host); err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, title := range titles {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO workshops (organisation_id, title, topics, level, duration_minutes, audiences, status)
			VALUES ($1, $2, '{CV_AND_JOB_SEARCH}', 'BEGINNER', 120, '{EVERYONE}', 'PUBLISHED') RETURNING id`, c.host, title).Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
		*map[string]*int64{"CV": &c.cv, "France Travail": &c.ft, "CAF": &c.caf}[title] = id
	}
	p, err := db.CreateProgramme(ctx, pool, db.Programme{OrganisationID: c.host, Title: "Parcours", Status: db.StatusPublished,
		OrderRule: rule, WorkshopIDs: ids})
	if err != nil {
		t.Fatal(err)
	}
	c.programme = p.ID
	return c
}

// past moves the named slots back by days, as if time had passed.
func (c *course) past(days int, names ...string) {
	c.t.Helper()
	var ids []int64
	for _, n := range names {
		ids = append(ids, c.slotsOfDays[n])
	}
	if _, err := c.pool.Exec(context.Background(), `UPDATE slots SET starts_at = starts_at - make_interval(days => $2),
		ends_at = ends_at - make_interval(days => $2), registration_closes_at = registration_closes_at - make_interval(days => $2)
		WHERE id = ANY($1)`, ids, days); err != nil {
		c.t.Fatal(err)
	}
}

// mark sets the attendance of the person's seat on the named slot.
func (c *course) mark(name string, a db.Attendance) {
	c.t.Helper()
	if _, err := c.pool.Exec(context.Background(), `UPDATE registrations SET attendance = $2 WHERE slot_id = $1 AND status = 'CONFIRMED'`,
		c.slotsOfDays[name], a); err != nil {
		c.t.Fatal(err)
	}
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
	if _, _, _, err := db.Reschedule(ctx, c.pool, host, e.ID, c.slotsOfDays["cv3"], false); !errors.As(err, &order) || order.Position != 1 {
		t.Errorf("CV moved after France Travail: %v; want step 1 out of order", err)
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

// The order rule around one workshop: a missed workshop is made up after later ones already
// attended; a move is checked against its neighbours only; a seat on a slot under way waits
// for its attendance; a slot the caller may not see is not found; the course is the one the
// person enrolled in, whatever the programme becomes.
func TestReschedulingFollowsTheCourseAroundOneWorkshop(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	host := func(c *course) db.Caller {
		return db.Caller{KeyID: 1, OrganisationID: c.host, Scopes: []db.Scope{db.ScopeRegistrationsWrite}}
	}

	t.Run("a missed workshop made up after a later one attended", func(t *testing.T) {
		t.Parallel()
		c := newCourseOf(t, db.OrderInOrder, "CV", "France Travail", "CAF")
		c.slot("cv1", c.cv, 1, 8)
		c.slot("ft2", c.ft, 2, 8)
		c.slot("caf3", c.caf, 3, 8)
		ft10 := c.slot("ft10", c.ft, 10, 8)
		e, err := c.enrol("cv1", "ft2", "caf3")
		if err != nil {
			t.Fatal(err)
		}
		c.past(7, "cv1", "ft2", "caf3")
		c.mark("cv1", db.AttendancePresent)
		c.mark("ft2", db.AttendanceAbsent)
		c.mark("caf3", db.AttendancePresent)
		e, _, _, err = db.Reschedule(ctx, c.pool, host(c), e.ID, ft10, false)
		if err != nil || !slices.Equal(states(e), []db.EnrolmentStepState{db.StepAttended, db.StepBooked, db.StepAttended}) {
			t.Fatalf("France Travail made up on day 10: %v, %v", states(e), err)
		}
	})

	t.Run("a move is checked against its neighbours, not the whole course", func(t *testing.T) {
		t.Parallel()
		c := newCourseOf(t, db.OrderAnyOrder, "CV", "France Travail", "CAF")
		c.slot("cv1", c.cv, 1, 8)
		c.slot("ft5", c.ft, 5, 8)
		c.slot("caf3", c.caf, 3, 8)
		cv2 := c.slot("cv2", c.cv, 2, 8)
		cv6 := c.slot("cv6", c.cv, 6, 8)
		e, err := c.enrol("cv1", "ft5", "caf3")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.pool.Exec(ctx, `UPDATE programmes SET order_rule = 'IN_ORDER' WHERE id = $1`, c.programme); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := db.Reschedule(ctx, c.pool, host(c), e.ID, cv2, false); err != nil {
			t.Errorf("CV moved from day 1 to day 2, before France Travail: %v, want accepted (CAF's place is not this move's business)", err)
		}
		var order *db.OrderError
		if _, _, _, err := db.Reschedule(ctx, c.pool, host(c), e.ID, cv6, false); !errors.As(err, &order) || order.Position != 1 {
			t.Errorf("CV moved after France Travail: %v, want step 1 out of order", err)
		}
	})

	t.Run("a seat on a slot under way, not marked, is not moved", func(t *testing.T) {
		t.Parallel()
		c := newCourse(t, db.OrderAnyOrder)
		c.slot("cv1", c.cv, 1, 8)
		c.slot("ft2", c.ft, 2, 8)
		cv5 := c.slot("cv5", c.cv, 5, 8)
		e, err := c.enrol("cv1", "ft2")
		if err != nil {
			t.Fatal(err)
		}
		c.past(2, "cv1")
		if _, _, _, err := db.Reschedule(ctx, c.pool, host(c), e.ID, cv5, false); !errors.Is(err, db.ErrStepUnderWay) {
			t.Errorf("CV under way moved: %v, want ErrStepUnderWay", err)
		}
		c.mark("cv1", db.AttendanceExcused)
		if e, _, _, err = db.Reschedule(ctx, c.pool, host(c), e.ID, cv5, false); err != nil || e.Steps[0].State != db.StepBooked {
			t.Errorf("CV excused, then booked again: %v, %v", states(e), err)
		}
	})

	t.Run("the person's priority and the partner who registered them are kept", func(t *testing.T) {
		t.Parallel()
		c := newCourse(t, db.OrderAnyOrder)
		var partner int64
		if err := c.pool.QueryRow(ctx, `INSERT INTO organisations (name, slug, kind, refers_people) VALUES ('FT', 'ft', 'FRANCE_TRAVAIL', true) RETURNING id`).Scan(&partner); err != nil {
			t.Fatal(err)
		}
		cv1, ft2 := c.slot("cv1", c.cv, 1, 8), c.slot("ft2", c.ft, 2, 8)
		internal := c.slot("cvInternal", c.cv, 3, 8)
		if _, err := c.pool.Exec(ctx, `UPDATE slots SET visibility = 'INTERNAL' WHERE id = $1`, internal); err != nil {
			t.Fatal(err)
		}
		cv4 := c.slot("cv4", c.cv, 4, 8)
		first, phone, counsellor, why := "Awa", "+33639980001", "Mme Benali", "Sans ordinateur"
		ft := db.Caller{KeyID: 2, OrganisationID: partner, Scopes: []db.Scope{db.ScopeRegistrationsWrite}}
		var reqs []db.RegisterRequest
		for _, s := range []int64{cv1, ft2} {
			reqs = append(reqs, db.RegisterRequest{SlotID: s, Caller: ft, ConsentVersion: "2026-11", Priority: true, PriorityReason: &why,
				Referral:    db.Referral{OrganisationID: &partner, CounsellorName: &counsellor},
				Participant: db.Participant{FirstName: &first, Phone: &phone}})
		}
		e, _, _, err := db.Enrol(ctx, c.pool, c.programme, reqs)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := db.Reschedule(ctx, c.pool, ft, e.ID, internal, false); !errors.Is(err, db.ErrNotFound) {
			t.Errorf("the partner moves CV to the host's internal slot: %v, want ErrNotFound", err)
		}
		_, reg, _, err := db.Reschedule(ctx, c.pool, host(c), e.ID, cv4, false)
		if err != nil || !reg.Priority || reg.RegisteredByOrgID == nil || *reg.RegisteredByOrgID != partner ||
			reg.Referral.OrganisationID == nil || *reg.Referral.OrganisationID != partner {
			t.Errorf("the host moves the partner's person: %+v, %v; want the priority, the partner as registering and referring", reg, err)
		}
	})

	t.Run("the course is the one enrolled in, whatever the programme becomes", func(t *testing.T) {
		t.Parallel()
		c := newCourse(t, db.OrderAnyOrder)
		c.slot("cv1", c.cv, 1, 8)
		c.slot("ft2", c.ft, 2, 8)
		e, err := c.enrol("cv1", "ft2")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.UpdateProgramme(ctx, c.pool, c.programme, func(p *db.Programme) error { p.WorkshopIDs = []int64{c.ft}; return nil }); err != nil {
			t.Fatal(err)
		}
		if e, err = db.EnrolmentByID(ctx, c.pool, e.ID); err != nil || len(e.Steps) != 2 || e.Steps[0].WorkshopID != c.cv {
			t.Errorf("after the programme dropped CV: %+v, %v; want the two steps she enrolled in", e.Steps, err)
		}
		c.past(7, "cv1", "ft2")
		c.mark("cv1", db.AttendancePresent)
		c.mark("ft2", db.AttendancePresent)
		if _, err := db.CancelEnrolment(ctx, c.pool, e.ID, ""); !errors.Is(err, db.ErrEnrolmentCompleted) {
			t.Errorf("a completed course cancelled: %v, want ErrEnrolmentCompleted", err)
		}
	})
}
