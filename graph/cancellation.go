package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// managedRegistration loads the registration a mutation acts on, by token (the person) or by
// id (the host or the referrer, with REGISTRATIONS_WRITE). Registrations the caller may not see
// answer NOT_FOUND, so ids reveal nothing.
func (r *Resolver) managedRegistration(ctx context.Context, q db.Querier, p *problems, token, gid *string) (db.Registration, error) {
	c := callerFrom(ctx)
	switch {
	case token != nil && gid == nil:
		reg, err := db.RegistrationByToken(ctx, q, *token)
		if errors.Is(err, db.ErrNotFound) || len(*token) > 100 {
			p.add(UserErrorCodeNotFound, "token", "no registration with this token")
			return db.Registration{}, nil
		}
		return reg, err
	case gid != nil && token == nil:
		id, err := idOf(kindRegistration, *gid)
		if err != nil {
			p.add(UserErrorCodeNotFound, "id", "id is not a registration id")
			return db.Registration{}, nil
		}
		reg, err := db.RegistrationByID(ctx, q, id)
		if errors.Is(err, db.ErrNotFound) || (err == nil && !canSeePersonalData(c, reg) && !canManage(c, reg)) {
			p.add(UserErrorCodeNotFound, "id", "no registration with this id that you may see")
			return db.Registration{}, nil
		}
		if err == nil && !canManage(c, reg) {
			return db.Registration{}, errForbidden("changing this registration needs the REGISTRATIONS_WRITE scope of its host or referring organisation")
		}
		return reg, err
	}
	p.add(UserErrorCodeRequired, "", "give either token or id")
	return db.Registration{}, nil
}

// cancelResult is what cancelRegistration stores for replays.
type cancelResult struct {
	Registration *db.Registration
}

func (r *mutationResolver) cancelRegistration(ctx context.Context, in CancelRegistrationInput) (*RegistrationPayload, error) {
	if in.ID != nil {
		if err := requireKey(callerFrom(ctx)); err != nil {
			return nil, err
		}
	}
	res, problems, err := idempotent(ctx, r.Pool, "cancelRegistration", in.IdempotencyKey, withoutKey(in), func(q db.Querier) (*cancelResult, []UserError, error) {
		var p problems
		reason := strings.TrimSpace(deref(in.Reason))
		p.text("reason", reason, false, 500)
		reg, err := r.managedRegistration(ctx, q, &p, in.Token, in.ID)
		if err != nil || len(p) > 0 {
			return nil, p, err
		}
		field := "id"
		if in.Token != nil {
			field = "token"
		}
		cancelled, err := db.CancelRegistration(ctx, q, reg.ID, reason)
		if ue, ok := refusal(err, field); ok {
			return nil, []UserError{ue}, nil
		}
		if err != nil {
			return nil, nil, err
		}
		wroteSeats(ctx, reg.SlotID)
		cancelled.ByToken = reg.ByToken
		return &cancelResult{&cancelled}, nil, nil
	})
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return &RegistrationPayload{UserErrors: problems}, nil
	}
	return &RegistrationPayload{Registration: res.Registration, UserErrors: []UserError{}}, nil
}

func (r *mutationResolver) setRegistrationPriority(ctx context.Context, in SetRegistrationPriorityInput) (*RegistrationPayload, error) {
	if err := requireKey(callerFrom(ctx)); err != nil {
		return nil, err
	}
	var p problems
	reg, err := r.managedRegistration(ctx, r.Pool, &p, nil, &in.ID)
	if err != nil || len(p) > 0 {
		return &RegistrationPayload{UserErrors: p}, err
	}
	reason := nonEmpty(in.Reason)
	if in.Priority && reason == nil {
		p.add(UserErrorCodeRequired, "reason", "say why the person goes first, e.g. a young person without equipment")
	}
	if reason != nil {
		p.text("reason", *reason, false, 500)
	}
	if !in.Priority {
		reason = nil
	}
	if len(p) > 0 {
		return &RegistrationPayload{UserErrors: p}, nil
	}
	updated, err := db.SetPriority(ctx, r.Pool, reg.ID, in.Priority, reason)
	if ue, ok := refusal(err, "id"); ok {
		return &RegistrationPayload{UserErrors: []UserError{ue}}, nil
	}
	if err != nil {
		return nil, err
	}
	return &RegistrationPayload{Registration: &updated, UserErrors: p.errs()}, nil
}
