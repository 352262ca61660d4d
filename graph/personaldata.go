package graph

import (
	"context"
	"errors"

	"github.com/regiestains/ateliers/db"
)

// hostRegistration loads a registration of the caller's organisation's slots for a person's
// rights exercised at the desk: a key of the host with scope s; any other registration is
// NOT_FOUND on registrationId (a referrer's too: the person's data at the host is the host's).
func (r *Resolver) hostRegistration(ctx context.Context, p *problems, gid string, s db.Scope) (db.Registration, error) {
	c := callerFrom(ctx)
	orgID, err := requireOwnScope(c, s)
	if err != nil {
		return db.Registration{}, err
	}
	id, err := idOf(kindRegistration, gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, "registrationId", "registrationId is not a registration id")
		return db.Registration{}, nil
	}
	reg, err := db.RegistrationByID(ctx, r.Pool, id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && reg.HostOrganisationID != orgID) {
		p.add(UserErrorCodeNotFound, "registrationId", "no registration with this id on your organisation's slots")
		return db.Registration{}, nil
	}
	return reg, err
}

// ownData marks a person's data as read by themselves, through their link.
func ownData(d db.PersonalData) *db.PersonalData {
	for i := range d.Registrations {
		d.Registrations[i].ByToken = true
	}
	for i := range d.Orientations {
		d.Orientations[i].ByToken = true
	}
	for i := range d.EquipmentRequests {
		d.EquipmentRequests[i].ByToken = true
	}
	return &d
}

// visibleData keeps what the caller may see of a person's data: the host sees its
// registrations; the orientations and equipment requests as their own rules say.
func visibleData(c db.Caller, d db.PersonalData) *db.PersonalData {
	orientations := d.Orientations[:0]
	for _, o := range d.Orientations {
		if canSeeOrientation(c, o) {
			orientations = append(orientations, o)
		}
	}
	requests := d.EquipmentRequests[:0]
	for _, e := range d.EquipmentRequests {
		if canSeeEquipmentRequest(c, e) {
			requests = append(requests, e)
		}
	}
	d.Orientations, d.EquipmentRequests = orientations, requests
	return &d
}

// erase runs an erasure once (idempotent with its key; request is the input without it): find
// loads the person's registration (adding problems), and db.ErasePerson does the rest.
func (r *mutationResolver) erase(ctx context.Context, op string, key *string, request any, cause db.CancelCause, find func(*problems) (db.Registration, error)) (*ErasurePayload, error) {
	// The key first: a retry after the erasure replays its answer, though the link opens nothing now.
	res, problems, err := idempotent(ctx, r.Pool, op, key, request, func(q db.Querier) (*db.Erasure, []UserError, error) {
		var p problems
		reg, err := find(&p)
		if err != nil || len(p) > 0 {
			return nil, p, err
		}
		e, err := db.ErasePerson(ctx, q, reg.ID, cause)
		if err != nil {
			return nil, nil, err
		}
		return &e, nil, nil
	})
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return &ErasurePayload{UserErrors: problems}, nil
	}
	return &ErasurePayload{Erasure: res, UserErrors: []UserError{}}, nil
}
