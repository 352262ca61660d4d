package db

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// Enrolment is one person following one programme (parcours). The person is the participant of
// its registrations, one or more per workshop of the course; its progress is read from their
// status and attendance (Steps) and never stored, so that it cannot disagree with them.
type Enrolment struct {
	ID                 int64
	ProgrammeID        int64
	OrganisationID     int64 // the programme's, which hosts the course
	RegisteredByOrgID  *int64
	ReferringOrgID     *int64
	EnrolledAt         time.Time
	CancelledAt        *time.Time
	CancellationReason *string
	Steps              []EnrolmentStep // one per workshop of the programme, in course order

	// ByToken is true when the enrolment was reached from a registration opened with its
	// management token: the person sees their own course (see Registration.ByToken).
	ByToken bool
}

// EnrolmentStep is one workshop of the course and where the person stands in it.
type EnrolmentStep struct {
	Position        int // 1-based, in course order
	WorkshopID      int64
	State           EnrolmentStepState
	RegistrationID  *int64  // the seat that gives the state; nil while TO_BOOK
	SlotID          int64   // the slot of RegistrationID, 0 while TO_BOOK
	RegistrationIDs []int64 // every registration for this workshop, earliest slot first
	ByToken         bool    // the enrolment's, for its registrations

	current *seat // the seat of RegistrationID (not kept in a stored idempotent answer)
}

// Enrolment refusals.
var (
	ErrOutOfOrder         = errors.New("the programme's workshops are taken in order")
	ErrNotInProgramme     = errors.New("the slot is not of a workshop of the programme")
	ErrAlreadyAttended    = errors.New("the person already attended this workshop of the course")
	ErrEnrolmentCancelled = errors.New("the enrolment is cancelled")
	ErrEnrolmentCompleted = errors.New("the enrolment is completed")
	ErrStepUnderWay       = errors.New("the seat to move is on a slot that has started: mark the attendance first")
)

// OrderError names the step whose slot breaks the course's order: at enrolment, the first
// that starts before an earlier workshop's slot ends; when rescheduling, the step moved.
type OrderError struct{ Position int }

func (e *OrderError) Error() string {
	return fmt.Sprintf("the slot of workshop %d of the course is out of the course's order", e.Position)
}
func (e *OrderError) Unwrap() error { return ErrOutOfOrder }

// Status is CANCELLED once the person left, COMPLETED once every workshop is attended.
func (e Enrolment) Status() EnrolmentStatus {
	switch {
	case e.CancelledAt != nil:
		return EnrolmentCancelled
	case len(e.Steps) > 0 && e.Count(StepAttended) == len(e.Steps):
		return EnrolmentCompleted
	}
	return EnrolmentInProgress
}

// Count returns how many steps are in one of states.
func (e Enrolment) Count(states ...EnrolmentStepState) int {
	n := 0
	for _, s := range e.Steps {
		if slices.Contains(states, s.State) {
			n++
		}
	}
	return n
}

// Attended, Missed and Remaining count the steps for the API: remaining are those neither
// attended nor missed (booked, waiting, to book), so that the three add up to the course.
func (e Enrolment) Attended() int  { return e.Count(StepAttended) }
func (e Enrolment) Missed() int    { return e.Count(StepMissed) }
func (e Enrolment) Remaining() int { return len(e.Steps) - e.Attended() - e.Missed() }

// seat is a registration of an enrolment with its slot's workshop and time.
type seat struct {
	RegistrationID int64
	WorkshopID     int64
	SlotID         int64
	StartsAt       time.Time
	EndsAt         time.Time
	Status         RegistrationStatus
	Attendance     *Attendance
}

// steps tells where the person stands in each workshop, from their seats (earliest slot
// first): attended if any seat was marked present, else as the latest seat that still counts.
func steps(workshopIDs []int64, seats []seat, now time.Time) []EnrolmentStep {
	out := make([]EnrolmentStep, len(workshopIDs))
	for i, w := range workshopIDs {
		st := EnrolmentStep{Position: i + 1, WorkshopID: w, State: StepToBook, RegistrationIDs: []int64{}}
		var attended, latest *seat
		for _, s := range seats {
			if s.WorkshopID != w {
				continue
			}
			st.RegistrationIDs = append(st.RegistrationIDs, s.RegistrationID)
			switch {
			case s.Attendance != nil && *s.Attendance == AttendancePresent:
				attended = &s
			case s.Status == RegistrationCancelled:
			case s.Status == RegistrationWaitlisted && !s.StartsAt.After(now): // never seated
			default:
				latest = &s
			}
		}
		switch {
		case attended != nil:
			st.State, st.current = StepAttended, attended
		case latest == nil:
		case latest.Attendance != nil: // absent or excused
			st.State, st.current = StepMissed, latest
		case latest.Status == RegistrationWaitlisted:
			st.State, st.current = StepWaitlisted, latest
		default:
			st.State, st.current = StepBooked, latest
		}
		if st.current != nil {
			st.RegistrationID, st.SlotID = &st.current.RegistrationID, st.current.SlotID
		}
		out[i] = st
	}
	return out
}

// span is a slot's time.
type span struct{ start, end time.Time }

// outOfOrder returns the first position (1-based, keys of spans) whose slot starts before the
// slot of an earlier position ends, or 0 when the course is in order. Positions without a slot
// are skipped: the next one is compared with the last one that has one.
func outOfOrder(spans map[int]span) int {
	positions := make([]int, 0, len(spans))
	for p := range spans {
		positions = append(positions, p)
	}
	slices.Sort(positions)
	var end time.Time
	for _, p := range positions {
		if spans[p].start.Before(end) {
			return p
		}
		end = spans[p].end
	}
	return 0
}

const enrolmentColumns = `e.id, e.programme_id, e.organisation_id, e.registered_by_org_id, e.referring_org_id,
	e.created_at, e.cancelled_at, e.cancellation_reason, e.workshop_ids`

// enrolmentRow is an enrolment as read, before its steps are worked out.
type enrolmentRow struct {
	Enrolment
	workshopIDs []int64
}

func scanEnrolment(row pgx.CollectableRow) (enrolmentRow, error) {
	var e enrolmentRow
	err := row.Scan(&e.ID, &e.ProgrammeID, &e.OrganisationID, &e.RegisteredByOrgID, &e.ReferringOrgID,
		&e.EnrolledAt, &e.CancelledAt, &e.CancellationReason, &e.workshopIDs)
	return e, err
}

// withSteps reads the seats of the enrolments in one query and works out their steps.
func withSteps(ctx context.Context, q Querier, rows []enrolmentRow) ([]Enrolment, error) {
	ids := make([]int64, len(rows))
	for i, e := range rows {
		ids[i] = e.ID
	}
	r, _ := q.Query(ctx, `
		SELECT r.enrolment_id, r.id, s.workshop_id, s.id, s.starts_at, s.ends_at, r.status, r.attendance
		FROM registrations r JOIN slots s ON s.id = r.slot_id
		WHERE r.enrolment_id = ANY($1) ORDER BY s.starts_at, r.id`, ids)
	seats := map[int64][]seat{}
	var enrolmentID int64
	var s seat
	_, err := pgx.ForEachRow(r, []any{&enrolmentID, &s.RegistrationID, &s.WorkshopID, &s.SlotID, &s.StartsAt, &s.EndsAt, &s.Status, &s.Attendance}, func() error {
		seats[enrolmentID] = append(seats[enrolmentID], s)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("seats of enrolments: %w", err)
	}
	now := time.Now()
	out := make([]Enrolment, len(rows))
	for i, e := range rows {
		e.Steps = steps(e.workshopIDs, seats[e.ID], now)
		out[i] = e.Enrolment
	}
	return out, nil
}

// EnrolmentsByID returns the enrolments of ids that exist, in no order, with no access rule:
// callers check who may see each.
func EnrolmentsByID(ctx context.Context, q Querier, ids []int64) ([]Enrolment, error) {
	rows, err := queryAll(ctx, q, "enrolments by id", scanEnrolment, `SELECT `+enrolmentColumns+` FROM enrolments e WHERE e.id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	return withSteps(ctx, q, rows)
}

// EnrolmentByID returns one enrolment, with no access rule.
func EnrolmentByID(ctx context.Context, q Querier, id int64) (Enrolment, error) {
	return oneEnrolment(ctx, q, `SELECT `+enrolmentColumns+` FROM enrolments e WHERE e.id = $1`, id)
}

func oneEnrolment(ctx context.Context, q Querier, sql string, id int64) (Enrolment, error) {
	row, err := queryOne(ctx, q, fmt.Sprintf("enrolment %d", id), scanEnrolment, sql, id)
	if err != nil {
		return Enrolment{}, err
	}
	es, err := withSteps(ctx, q, []enrolmentRow{row})
	if err != nil {
		return Enrolment{}, err
	}
	return es[0], nil
}

// EnrolmentFilter narrows Enrolments.
type EnrolmentFilter struct {
	AsHost       bool    // include the enrolments in the organisation's programmes
	AsReferrer   bool    // include those the organisation referred
	ProgrammeIDs []int64 // in any of these programmes (nil: all)
}

// Enrolments lists an organisation's enrolments, newest first: those in its programmes and
// those it referred, as f asks.
func Enrolments(ctx context.Context, q Querier, orgID int64, f EnrolmentFilter, p Page) ([]Enrolment, error) {
	_, afterID := p.after()
	if afterID == 0 {
		afterID = math.MaxInt64
	}
	rows, err := queryAll(ctx, q, fmt.Sprintf("enrolments of organisation %d", orgID), scanEnrolment, `
		SELECT `+enrolmentColumns+` FROM enrolments e
		WHERE ((e.organisation_id = $1 AND $2) OR (e.referring_org_id = $1 AND $3))
		  AND (cardinality($4::bigint[]) = 0 OR e.programme_id = ANY($4)) AND e.id < $5
		ORDER BY e.id DESC LIMIT $6`, orgID, f.AsHost, f.AsReferrer, nonNil(f.ProgrammeIDs), afterID, p.limit())
	if err != nil {
		return nil, err
	}
	return withSteps(ctx, q, rows)
}

// Enrol registers one person on one slot of each workshop of a programme, all seats or none,
// and records the enrolment that follows them through the course. reqs are the registrations,
// one per workshop, for the same person and caller. In a programme taken IN_ORDER, a slot that
// starts before the slot of an earlier workshop ends is refused (a RegisterAllError naming it,
// wrapping an OrderError).
func Enrol(ctx context.Context, q Querier, programmeID int64, reqs []RegisterRequest) (Enrolment, []Registration, []string, error) {
	var e Enrolment
	var regs []Registration
	var tokens []string
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		prog, err := ProgrammeByID(ctx, tx, programmeID)
		if err != nil {
			return err
		}
		var by *int64
		if org := reqs[0].Caller.OrganisationID; org != 0 {
			by = &org
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO enrolments (programme_id, organisation_id, registered_by_org_id, workshop_ids)
			VALUES ($1, $2, $3, $4) RETURNING id`, prog.ID, prog.OrganisationID, by, prog.WorkshopIDs).Scan(&id)
		if err != nil {
			return err
		}
		for i := range reqs {
			reqs[i].EnrolmentID = id
		}
		if regs, tokens, err = registerAll(ctx, tx, reqs); err != nil {
			return err
		}
		// The slots are locked: their times hold until the commit.
		if err := checkEnrolOrder(ctx, tx, prog, reqs); err != nil {
			return err
		}
		// Register kept the referral or not (a host without a counsellor's name): as it did.
		if _, err := tx.Exec(ctx, `UPDATE enrolments SET referring_org_id = $2 WHERE id = $1`, id, regs[0].Referral.OrganisationID); err != nil {
			return err
		}
		e, err = EnrolmentByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Enrolment{}, nil, nil, fmt.Errorf("enrol in programme %d: %w", programmeID, err)
	}
	return e, regs, tokens, nil
}

// checkEnrolOrder checks, in a programme taken IN_ORDER, that the slots asked follow the
// workshops' order in time; a RegisterAllError names the request that breaks it.
func checkEnrolOrder(ctx context.Context, tx pgx.Tx, prog Programme, reqs []RegisterRequest) error {
	if prog.OrderRule != OrderInOrder {
		return nil
	}
	ids := make([]int64, len(reqs))
	for i, r := range reqs {
		ids[i] = r.SlotID
	}
	slots, err := SlotsByID(ctx, tx, ids)
	if err != nil {
		return err
	}
	spans, index := map[int]span{}, map[int]int{}
	for _, s := range slots {
		pos := slices.Index(prog.WorkshopIDs, s.WorkshopID) + 1
		if pos == 0 { // the programme changed since the request was checked
			return &RegisterAllError{Index: slices.Index(ids, s.ID), Err: ErrNotInProgramme}
		}
		spans[pos] = span{s.StartsAt, s.EndsAt}
		index[pos] = slices.Index(ids, s.ID)
	}
	if p := outOfOrder(spans); p != 0 {
		return &RegisterAllError{Index: index[p], Err: &OrderError{Position: p}}
	}
	return nil
}

// lockEnrolment locks an enrolment's row, which rescheduling and cancelling take first, so that
// two changes of one course queue and each sees the other's seats.
func lockEnrolment(ctx context.Context, tx pgx.Tx, id int64) (Enrolment, error) {
	return oneEnrolment(ctx, tx, `SELECT `+enrolmentColumns+` FROM enrolments e WHERE e.id = $1 FOR NO KEY UPDATE`, id)
}

// Reschedule books the person of an enrolment on another slot of one workshop of the course,
// then frees their seat (or waiting-list place) on the slot they leave: one transaction, so
// that a refused new slot keeps the old seat. The other workshops keep their seats; a missed
// workshop is booked again this way, its absence kept. A seat on a slot that has started and
// is not marked yet is not moved (ErrStepUnderWay): the person may have come. The person's
// data, consent, referral and priority are those of their latest registration in the course,
// registered for the organisation that registered them (its reserved seats and quota), as c
// sees the slot.
func Reschedule(ctx context.Context, q Querier, c Caller, enrolmentID, slotID int64, joinWaitlist bool) (Enrolment, Registration, string, error) {
	var e Enrolment
	var reg Registration
	var token string
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		locked, err := lockEnrolment(ctx, tx, enrolmentID)
		if err != nil {
			return err
		}
		if locked.CancelledAt != nil {
			return ErrEnrolmentCancelled
		}
		// A slot the caller may not see is not found, before anything tells of its time.
		s, err := VisibleSlot(ctx, tx, c, slotID, With{})
		if err != nil {
			return err
		}
		i := slices.IndexFunc(locked.Steps, func(st EnrolmentStep) bool { return st.WorkshopID == s.WorkshopID })
		if i < 0 {
			return ErrNotInProgramme
		}
		step := locked.Steps[i]
		var leaving *seat
		switch step.State {
		case StepAttended:
			return ErrAlreadyAttended
		case StepBooked, StepWaitlisted:
			leaving = step.current
			if leaving.SlotID == slotID {
				return ErrAlreadyRegistered
			}
			if !leaving.StartsAt.After(time.Now()) {
				return ErrStepUnderWay
			}
		}
		if err := checkRescheduleOrder(ctx, tx, locked, i, s); err != nil {
			return err
		}
		// Both slots, in id order, as every booking transaction that takes two does.
		lock := []int64{slotID}
		if leaving != nil {
			lock = append(lock, leaving.SlotID)
		}
		slices.Sort(lock)
		for _, id := range lock {
			if _, err := lockSlot(ctx, tx, id); err != nil {
				return err
			}
		}
		var latestID int64
		if err := tx.QueryRow(ctx, `SELECT max(id) FROM registrations WHERE enrolment_id = $1`, enrolmentID).Scan(&latestID); err != nil {
			return err
		}
		latest, err := RegistrationByID(ctx, tx, latestID)
		if err != nil {
			return err
		}
		as := c
		if latest.RegisteredByOrgID != nil && !c.MemberOf(*latest.RegisteredByOrgID) {
			as.OrganisationID = *latest.RegisteredByOrgID // the host moving a partner's person
		}
		reg, token, err = Register(ctx, tx, RegisterRequest{SlotID: slotID, Caller: as, Participant: latest.Participant,
			ConsentVersion: latest.ConsentVersion, JoinWaitlist: joinWaitlist, Referral: latest.Referral,
			Priority: latest.Priority, PriorityReason: latest.PriorityReason,
			AllocationLabel: latest.AllocationLabel, EnrolmentID: enrolmentID})
		if err != nil {
			return err
		}
		if leaving != nil {
			// Cancelled meanwhile (by the person's link, or with its slot): nothing to free.
			_, err := CancelRegistration(ctx, tx, leaving.RegistrationID, "rescheduled within the course", CancelledByOrganisation)
			if errors.Is(err, ErrSlotStarted) {
				return ErrStepUnderWay
			}
			if err != nil && !errors.Is(err, ErrAlreadyCancelled) {
				return err
			}
		}
		e, err = EnrolmentByID(ctx, tx, enrolmentID)
		return err
	})
	if err != nil {
		return Enrolment{}, Registration{}, "", fmt.Errorf("reschedule enrolment %d on slot %d: %w", enrolmentID, slotID, err)
	}
	return e, reg, token, nil
}

// checkRescheduleOrder checks, in a programme taken IN_ORDER, that slot s fits step i between
// its neighbours in the course: after the nearest earlier workshop the person keeps a seat for
// (booked, waiting or attended), and before the nearest later one still to come (booked or
// waiting). A later workshop already attended does not stop a missed one from being made up,
// and the other steps' order is not this change's business.
func checkRescheduleOrder(ctx context.Context, tx pgx.Tx, e Enrolment, i int, s Slot) error {
	var rule ProgrammeOrderRule
	if err := tx.QueryRow(ctx, `SELECT order_rule FROM programmes WHERE id = $1`, e.ProgrammeID).Scan(&rule); err != nil {
		return err
	}
	if rule != OrderInOrder {
		return nil
	}
	for j := i - 1; j >= 0; j-- {
		if st := e.Steps[j]; st.current != nil && st.State != StepMissed {
			if s.StartsAt.Before(st.current.EndsAt) {
				return &OrderError{Position: i + 1}
			}
			break
		}
	}
	for j := i + 1; j < len(e.Steps); j++ {
		if st := e.Steps[j]; st.State == StepBooked || st.State == StepWaitlisted {
			if st.current.StartsAt.Before(s.EndsAt) {
				return &OrderError{Position: i + 1}
			}
			break
		}
	}
	return nil
}

// CancelEnrolment records that the person left the course: their seats and waiting-list places
// on slots still to come are cancelled (each waiting list moves), the past ones kept as they are.
func CancelEnrolment(ctx context.Context, q Querier, id int64, reason string) (Enrolment, error) {
	var e Enrolment
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		locked, err := lockEnrolment(ctx, tx, id)
		if err != nil {
			return err
		}
		if locked.CancelledAt != nil {
			return ErrAlreadyCancelled
		}
		if locked.Status() == EnrolmentCompleted {
			return ErrEnrolmentCompleted
		}
		type active struct{ ID, SlotID int64 }
		rows, _ := tx.Query(ctx, `SELECT r.id, r.slot_id FROM registrations r JOIN slots s ON s.id = r.slot_id
			WHERE r.enrolment_id = $1 AND r.status <> 'CANCELLED' AND s.starts_at > now()`, id)
		seats, err := pgx.CollectRows(rows, pgx.RowToStructByPos[active])
		if err != nil {
			return err
		}
		// In slot order, as registerAll locks them, so that the two never deadlock.
		slices.SortFunc(seats, func(a, b active) int { return cmp.Compare(a.SlotID, b.SlotID) })
		for _, s := range seats {
			// Cancelled or started meanwhile: nothing to free there.
			_, err := CancelRegistration(ctx, tx, s.ID, reason, CancelledByOrganisation)
			if err != nil && !errors.Is(err, ErrAlreadyCancelled) && !errors.Is(err, ErrSlotStarted) {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE enrolments SET cancelled_at = now(), cancellation_reason = nullif($2, '')
			WHERE id = $1`, id, reason); err != nil {
			return err
		}
		e, err = EnrolmentByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Enrolment{}, fmt.Errorf("cancel enrolment %d: %w", id, err)
	}
	return e, nil
}
