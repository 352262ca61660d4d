package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/regiestains/ateliers/db"
)

// enrolResult is what enrol stores for replays.
type enrolResult struct {
	Registrations []db.Registration
	Tokens        []string
}

// enrol registers one person on one slot of each workshop of a programme, all or none.
func (r *mutationResolver) enrol(ctx context.Context, in EnrolInput) (*EnrolPayload, error) {
	c := callerFrom(ctx)
	if err := mayRegister(c); err != nil {
		return nil, err
	}
	res, problems, err := idempotent(ctx, r.Pool, "enrol", in.IdempotencyKey, withoutKey(in), func(q db.Querier) (*enrolResult, []UserError, error) {
		var p problems
		reqs, err := r.enrolRequests(ctx, q, &p, c, in)
		if err != nil || len(p) > 0 {
			return nil, p, err
		}
		regs, tokens, err := db.Enrol(ctx, q, reqs)
		var enrolErr *db.EnrolError
		if errors.As(err, &enrolErr) {
			if ue, ok := refusal(enrolErr.Err, fmt.Sprintf("slotIds.%d", enrolErr.Index)); ok {
				return nil, []UserError{ue}, nil
			}
		}
		if err != nil {
			return nil, nil, err
		}
		for _, req := range reqs {
			wroteSeats(ctx, req.SlotID)
		}
		return &enrolResult{regs, tokens}, nil, nil
	})
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return &EnrolPayload{Registrations: []db.Registration{}, ManageTokens: []string{}, UserErrors: problems}, nil
	}
	return &EnrolPayload{Registrations: res.Registrations, ManageTokens: res.Tokens, UserErrors: []UserError{}}, nil
}

// enrolRequests checks that the slots match the programme's workshops one to one, and builds
// one registration request per slot.
func (r *Resolver) enrolRequests(ctx context.Context, q db.Querier, p *problems, c db.Caller, in EnrolInput) ([]db.RegisterRequest, error) {
	id, err := idOf(kindProgramme, in.ProgrammeID)
	if err != nil {
		p.add(UserErrorCodeNotFound, "programmeId", "programmeId is not a programme id")
		return nil, nil
	}
	prog, err := db.VisibleProgramme(ctx, q, c, id)
	if errors.Is(err, db.ErrNotFound) {
		p.add(UserErrorCodeNotFound, "programmeId", "no programme with this id")
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if len(in.SlotIds) != len(prog.WorkshopIDs) {
		p.add(UserErrorCodeInvalid, "slotIds", "give one slot for each of the programme's %d workshops", len(prog.WorkshopIDs))
		return nil, nil
	}
	wanted := map[int64]bool{}
	for _, w := range prog.WorkshopIDs {
		wanted[w] = true
	}
	reqs := make([]db.RegisterRequest, len(in.SlotIds))
	for i, gid := range in.SlotIds {
		field := fmt.Sprintf("slotIds.%d", i)
		req, err := r.registerRequest(ctx, q, p, c, gid, field, in.Participant, in.Referral, nil, nil)
		if err != nil || len(*p) > 0 {
			return nil, err
		}
		s, err := db.SlotByID(ctx, q, req.SlotID)
		if err != nil {
			return nil, err
		}
		if !wanted[s.WorkshopID] {
			p.add(UserErrorCodeInvalid, field, "this slot is not of a workshop of the programme, or its workshop already has a slot")
			return nil, nil
		}
		delete(wanted, s.WorkshopID)
		req.JoinWaitlist = deref(in.JoinWaitlist)
		reqs[i] = req
	}
	return reqs, nil
}
