package graph

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/regiestains/ateliers/db"
)

// canSeeAllocation: the host sees every reservation on its slots, an organisation its own,
// unless the slot is internal: then only the host's people may see the slot, by any path.
func canSeeAllocation(c db.Caller, s db.Slot, a db.Allocation) bool {
	return c.MemberOf(s.OrganisationID) || (c.MemberOf(a.OrganisationID) && s.Visibility != db.VisibilityInternal)
}

func (r *mutationResolver) reserveSeats(ctx context.Context, in ReserveSeatsInput) (*AllocationPayload, error) {
	var p problems
	s, err := r.ownSlot(ctx, &p, in.SlotID)
	if err != nil || len(p) > 0 {
		return &AllocationPayload{UserErrors: p}, err
	}
	orgID, err := idOf(kindOrganisation, in.OrganisationID)
	if err != nil {
		p.add(UserErrorCodeNotFound, "organisationId", "organisationId is not an organisation id")
	} else if _, err := db.OrganisationByID(ctx, r.Pool, orgID); errors.Is(err, db.ErrNotFound) {
		p.add(UserErrorCodeNotFound, "organisationId", "no organisation with this id")
	} else if err != nil {
		return nil, err
	}
	if s.Visibility == db.VisibilityInternal && orgID != s.OrganisationID {
		p.add(UserErrorCodeInvalid, "organisationId", "an internal slot is for the host's own people: its seats cannot be reserved for another organisation")
	}
	a := db.Allocation{SlotID: s.ID, OrganisationID: orgID, Label: strings.TrimSpace(deref(in.Label)), Seats: in.Seats}
	p.text("label", a.Label, false, 100)
	if in.Seats < 1 {
		p.add(UserErrorCodeInvalid, "seats", "seats must be at least 1")
	}
	if release, ok := localTime(&p, "releaseAt", in.ReleaseAt, 0); ok {
		if !release.After(time.Now()) || !release.Before(s.StartsAt) {
			p.add(UserErrorCodeInvalidRange, "releaseAt", "releaseAt must be in the future and before the slot starts")
		}
		a.ReleaseAt = &release
	}
	if len(p) > 0 {
		return &AllocationPayload{UserErrors: p}, nil
	}
	created, err := db.Reserve(ctx, r.Pool, a)
	if errors.Is(err, db.ErrTaken) {
		p.add(UserErrorCodeTaken, "label", "seats are already reserved for this organisation and label on this slot")
		return &AllocationPayload{UserErrors: p}, nil
	}
	field := "seats"
	if errors.Is(err, db.ErrSlotStarted) || errors.Is(err, db.ErrSlotCancelled) {
		field = "slotId"
	}
	if ue, ok := refusal(err, field); ok {
		return &AllocationPayload{UserErrors: []UserError{ue}}, nil
	}
	if err != nil {
		return nil, err
	}
	return &AllocationPayload{Allocation: &created, UserErrors: p.errs()}, nil
}

func (r *mutationResolver) releaseSeats(ctx context.Context, in ReleaseSeatsInput) (*AllocationPayload, error) {
	c := callerFrom(ctx)
	if err := requireKey(c); err != nil {
		return nil, err
	}
	var p problems
	id, err := idOf(kindAllocation, in.ID)
	if err != nil {
		p.add(UserErrorCodeNotFound, "id", "id is not an allocation id")
		return &AllocationPayload{UserErrors: p}, nil
	}
	a, err := db.AllocationByID(ctx, r.Pool, id)
	var s db.Slot
	if err == nil {
		s, err = db.SlotByID(ctx, r.Pool, a.SlotID)
	}
	if errors.Is(err, db.ErrNotFound) || (err == nil && !canSeeAllocation(c, s, a)) {
		p.add(UserErrorCodeNotFound, "id", "no allocation with this id")
		return &AllocationPayload{UserErrors: p}, nil
	}
	if err != nil {
		return nil, err
	}
	if err := requireScope(c, s.OrganisationID, db.ScopeCatalogueWrite); err != nil {
		return nil, err
	}
	released, err := db.ReleaseAllocation(ctx, r.Pool, id)
	if err != nil {
		return nil, err
	}
	return &AllocationPayload{Allocation: &released, UserErrors: p.errs()}, nil
}
