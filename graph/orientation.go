package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// canSeeOrientation: the sending and the receiving organisations' keys that handle
// registrations; nobody else, since an orientation holds the person's name and contact.
func canSeeOrientation(c db.Caller, o db.Orientation) bool {
	if o.ByToken {
		return true // the person's own, from their link
	}
	return (c.MemberOf(o.FromOrgID) || c.MemberOf(o.ToOrgID)) &&
		(c.Has(db.ScopeRegistrationsRead) || c.Has(db.ScopeRegistrationsWrite))
}

func orientationCursor(o db.Orientation) db.Cursor { return db.Cursor{ID: o.ID} }

// reorientRequest checks a reorient input: the registration must be one the caller manages
// (its host or referrer, REGISTRATIONS_WRITE), the receiver another organisation.
func (r *Resolver) reorientRequest(ctx context.Context, p *problems, in ReorientInput) (reg db.Registration, to int64, reason string, err error) {
	c := callerFrom(ctx)
	id, err := idOf(kindRegistration, in.RegistrationID)
	if err != nil {
		p.add(UserErrorCodeNotFound, "registrationId", "registrationId is not a registration id")
		return reg, 0, "", nil
	}
	reg, err = db.RegistrationByID(ctx, r.Pool, id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !canSeePersonalData(c, reg) && !canManage(c, reg)) {
		p.add(UserErrorCodeNotFound, "registrationId", "no registration with this id that you may see")
		return reg, 0, "", nil
	}
	if err == nil && !canManage(c, reg) {
		err = errForbidden("re-orienting a person needs the REGISTRATIONS_WRITE scope of the registration's host or referring organisation")
	}
	if err != nil {
		return reg, 0, "", err
	}
	to, err = idOf(kindOrganisation, in.ToOrganisationID)
	if err != nil {
		p.add(UserErrorCodeNotFound, "toOrganisationId", "toOrganisationId is not an organisation id")
	} else if to == c.OrganisationID {
		p.add(UserErrorCodeInvalid, "toOrganisationId", "send the person to another organisation than yours")
	}
	reason = strings.TrimSpace(in.Reason)
	p.text("reason", reason, true, 1000)
	return reg, to, reason, nil
}
