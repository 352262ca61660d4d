package graph

import (
	"context"
	"errors"

	"github.com/regiestains/ateliers/db"
)

// markAttendance: the host's keys with ATTENDANCE_WRITE mark confirmed registrations present,
// absent or excused, once the slot has started.
func (r *mutationResolver) markAttendance(ctx context.Context, in MarkAttendanceInput) (*RegistrationPayload, error) {
	c := callerFrom(ctx)
	if err := requireKey(c); err != nil {
		return nil, err
	}
	var p problems
	id, err := idOf(kindRegistration, in.ID)
	if err != nil {
		p.add(UserErrorCodeNotFound, "id", "id is not a registration id")
		return &RegistrationPayload{UserErrors: p}, nil
	}
	reg, err := db.RegistrationByID(ctx, r.Pool, id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !c.MemberOf(reg.HostOrganisationID) && !canSeePersonalData(c, reg)) {
		p.add(UserErrorCodeNotFound, "id", "no registration with this id that you may see")
		return &RegistrationPayload{UserErrors: p}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := requireScope(c, reg.HostOrganisationID, db.ScopeAttendanceWrite); err != nil {
		return nil, err
	}
	marked, err := db.MarkAttendance(ctx, r.Pool, id, in.Attendance)
	if ue, ok := refusal(err, "id"); ok {
		return &RegistrationPayload{UserErrors: []UserError{ue}}, nil
	}
	if err != nil {
		return nil, err
	}
	return &RegistrationPayload{Registration: &marked, UserErrors: p.errs()}, nil
}
