package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/pagecache"
)

// canSeeEnrolment: as for the registrations it is made of (canSeePersonalData): the host's
// keys with REGISTRATIONS_READ, the referring organisation's keys that handle registrations,
// and the person, reaching it from a registration opened with its management token.
func canSeeEnrolment(c db.Caller, e db.Enrolment) bool {
	return seesPerson(c, e.ByToken, e.OrganisationID, e.ReferringOrgID)
}

// canManageEnrolment: who may reschedule or cancel a course, as canManage for a registration.
func canManageEnrolment(c db.Caller, e db.Enrolment) bool {
	return managesPerson(c, e.OrganisationID, e.ReferringOrgID)
}

// byToken marks an enrolment reached by the person's token, and its steps, whose
// registrations are then the person's own.
func byToken(e db.Enrolment) db.Enrolment {
	e.ByToken = true
	steps := make([]db.EnrolmentStep, len(e.Steps))
	for i, s := range e.Steps {
		s.ByToken = true
		steps[i] = s
	}
	e.Steps = steps
	return e
}

func enrolmentCursor(e db.Enrolment) db.Cursor { return db.Cursor{ID: e.ID} }

// managedEnrolment loads the enrolment a mutation changes: a key is required, enrolments the
// caller may neither see nor manage are NOT_FOUND (on field), and those it sees without
// REGISTRATIONS_WRITE of the host or the referrer are FORBIDDEN.
func (r *Resolver) managedEnrolment(ctx context.Context, p *problems, gid, field string) (db.Enrolment, error) {
	c := callerFrom(ctx)
	if err := requireKey(c); err != nil {
		return db.Enrolment{}, err
	}
	id, err := idOf(kindEnrolment, gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, field, "%s is not an enrolment id", field)
		return db.Enrolment{}, nil
	}
	e, err := db.EnrolmentByID(ctx, r.Pool, id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !canSeeEnrolment(c, e) && !canManageEnrolment(c, e)) {
		p.add(UserErrorCodeNotFound, field, "no enrolment with this id that you may see")
		return db.Enrolment{}, nil
	}
	if err == nil && !canManageEnrolment(c, e) {
		err = errForbidden("changing a course needs the REGISTRATIONS_WRITE scope of its host or referring organisation")
	}
	return e, err
}

// cancelEnrolmentReason checks the reason of cancelEnrolment: optional, at most 500 characters.
func cancelEnrolmentReason(p *problems, reason *string) string {
	s := strings.TrimSpace(deref(reason))
	p.text("reason", s, false, 500)
	return s
}

// rescheduleResult is what rescheduleEnrolment stores for replays.
type rescheduleResult struct {
	Enrolment    db.Enrolment
	Registration db.Registration
	Token        string
}

// wroteStepSeats tells the page cache that the seats of the slots an enrolment holds (as it was
// before a change), and of the other slots given, may have moved.
func wroteStepSeats(ctx context.Context, e db.Enrolment, others ...int64) {
	for _, id := range others {
		pagecache.WroteSeats(ctx, id)
	}
	for _, s := range e.Steps {
		if s.State == db.StepBooked || s.State == db.StepWaitlisted {
			pagecache.WroteSeats(ctx, s.SlotID)
		}
	}
}

// stepRegistrations loads a step's registrations, in its order, those the caller may see (all of
// them for whoever sees the enrolment); reached by the person's token, they are the person's own.
func (r *Resolver) stepRegistrations(ctx context.Context, st *db.EnrolmentStep, ids []int64) ([]db.Registration, error) {
	regs, err := loadersFrom(ctx).registration.LoadAll(ctx, ids)
	if err != nil {
		return nil, err
	}
	c := callerFrom(ctx)
	out := make([]db.Registration, 0, len(regs))
	for _, reg := range regs {
		reg.ByToken = st.ByToken
		if canSeePersonalData(c, reg) {
			out = append(out, reg)
		}
	}
	return out, nil
}
