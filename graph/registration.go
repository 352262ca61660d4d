package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// canSeePersonalData: the host's keys with REGISTRATIONS_READ, the referring organisation's
// keys that handle registrations, and the person holding the management token.
func canSeePersonalData(c db.Caller, r db.Registration) bool {
	if r.ByToken {
		return true
	}
	if c.MemberOf(r.HostOrganisationID) && c.Has(db.ScopeRegistrationsRead) {
		return true
	}
	return r.Referral.OrganisationID != nil && c.MemberOf(*r.Referral.OrganisationID) &&
		(c.Has(db.ScopeRegistrationsRead) || c.Has(db.ScopeRegistrationsWrite))
}

// canManage: who may cancel a registration by id or set its priority: the host or the
// referring organisation, with REGISTRATIONS_WRITE.
func canManage(c db.Caller, r db.Registration) bool {
	if !c.Has(db.ScopeRegistrationsWrite) {
		return false
	}
	return c.MemberOf(r.HostOrganisationID) || (r.Referral.OrganisationID != nil && c.MemberOf(*r.Referral.OrganisationID))
}

// mayRegister: anonymous callers (the public website) and keys with REGISTRATIONS_WRITE of an
// organisation. A key without the scope is refused rather than treated as anonymous.
func mayRegister(c db.Caller) error {
	switch {
	case c.Anonymous():
		return nil
	case c.OrganisationID == 0:
		return errForbidden("a network administrator key registers nobody: use a key of an organisation")
	case !c.Has(db.ScopeRegistrationsWrite):
		return errForbidden("your API key lacks the REGISTRATIONS_WRITE scope")
	}
	return nil
}

// participantOf checks a participant input and turns it into what db stores.
func participantOf(p *problems, in ParticipantInput) (db.Participant, string) {
	first, last := strings.TrimSpace(in.FirstName), strings.TrimSpace(in.LastName)
	p.text("participant.firstName", first, true, 100)
	p.text("participant.lastName", last, true, 100)
	out := db.Participant{FirstName: &first, LastName: &last, PostalCode: in.PostalCode,
		AgeBracket: in.AgeBracket, HasComputer: in.HasComputer, HasInternet: in.HasInternet,
		HasSmartphone: in.HasSmartphone, PreferredChannel: in.PreferredChannel}
	if phone := nonEmpty(in.Phone); phone != nil {
		if e164, err := normalizePhone(*phone); err != nil {
			p.add(UserErrorCodeInvalidPhone, "participant.phone", "phone is not a valid number: use 06 12 34 56 78 or +33612345678")
		} else {
			out.Phone = &e164
		}
	}
	if email := nonEmpty(in.Email); email != nil {
		if !validEmail(*email) {
			p.add(UserErrorCodeInvalidEmail, "participant.email", "email is not a valid address like name@example.fr")
		} else {
			out.Email = email
		}
	}
	if nonEmpty(in.Phone) == nil && nonEmpty(in.Email) == nil {
		p.add(UserErrorCodeContactRequired, "participant.phone", "give a phone number or an email, so the person can be told about their seat")
	}
	if out.PreferredChannel == nil {
		channel := db.ChannelSMS
		if out.Phone == nil {
			channel = db.ChannelEmail
		}
		out.PreferredChannel = &channel
	}
	version := strings.TrimSpace(in.ConsentVersion)
	if !in.Consent {
		p.add(UserErrorCodeConsentRequired, "participant.consent", "the person must consent to the processing of their data (consent: true)")
	}
	p.text("participant.consentVersion", version, true, 50)
	return out, version
}

// referralOf checks who registers whom: a partner (not the host) records a referral, with the
// counsellor's name; anonymous callers record neither referral nor priority nor department.
func referralOf(p *problems, c db.Caller, hostOrgID int64, in *ReferralInput, priorityReason, label *string) (db.Referral, error) {
	if c.Anonymous() {
		if in != nil || nonEmpty(priorityReason) != nil || nonEmpty(label) != nil {
			return db.Referral{}, errForbidden("referrals, priority and reserved seats need an API key of the network")
		}
		return db.Referral{}, nil
	}
	if c.MemberOf(hostOrgID) {
		return db.Referral{}, nil // the host registers its own people
	}
	if in == nil {
		p.add(UserErrorCodeRequired, "referral.counsellorName", "a partner registering someone records a referral with the counsellor's name")
		return db.Referral{}, nil
	}
	name := strings.TrimSpace(in.CounsellorName)
	p.text("referral.counsellorName", name, true, 200)
	p.optText("referral.reason", in.Reason, 1000)
	p.optText("referral.partnerReference", in.PartnerReference, 100)
	org := c.OrganisationID
	return db.Referral{OrganisationID: &org, CounsellorName: &name, Reason: nonEmpty(in.Reason), PartnerReference: nonEmpty(in.PartnerReference)}, nil
}

// registerResult is what register stores for replays.
type registerResult struct {
	Registration *db.Registration
	Token        *string
}

func (r *mutationResolver) register(ctx context.Context, in RegisterInput) (*RegisterPayload, error) {
	c := callerFrom(ctx)
	if err := mayRegister(c); err != nil {
		return nil, err
	}
	res, problems, err := idempotent(ctx, r.Pool, "register", in.IdempotencyKey, withoutKey(in), func(q db.Querier) (*registerResult, []UserError, error) {
		var p problems
		req, err := r.registerRequest(ctx, q, &p, c, in.SlotID, "slotId", in.Participant, in.Referral, in.PriorityReason, in.AllocationLabel)
		if err != nil || len(p) > 0 {
			return nil, p, err
		}
		req.JoinWaitlist = deref(in.JoinWaitlist)
		reg, token, err := db.Register(ctx, q, req)
		if ue, ok := refusal(err, "slotId"); ok {
			return nil, []UserError{ue}, nil
		}
		if err != nil {
			return nil, nil, err
		}
		wroteSeats(ctx, req.SlotID)
		return &registerResult{&reg, &token}, nil, nil
	})
	if err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return &RegisterPayload{UserErrors: problems}, nil
	}
	return &RegisterPayload{Registration: res.Registration, ManageToken: res.Token, UserErrors: []UserError{}}, nil
}

// registerRequest checks one registration's input against the slot it names.
func (r *Resolver) registerRequest(ctx context.Context, q db.Querier, p *problems, c db.Caller, slotGID, field string,
	in ParticipantInput, ref *ReferralInput, priorityReason, label *string) (db.RegisterRequest, error) {
	participant, consent := participantOf(p, in)
	id, err := idOf(kindSlot, slotGID)
	if err != nil {
		p.add(UserErrorCodeNotFound, field, "%s is not a slot id", field)
		return db.RegisterRequest{}, nil
	}
	s, err := db.VisibleSlot(ctx, q, c, id)
	if errors.Is(err, db.ErrNotFound) {
		p.add(UserErrorCodeNotFound, field, "no slot with this %s that you may register on", field)
		return db.RegisterRequest{}, nil
	}
	if err != nil {
		return db.RegisterRequest{}, err
	}
	referral, err := referralOf(p, c, s.OrganisationID, ref, priorityReason, label)
	if err != nil {
		return db.RegisterRequest{}, err
	}
	req := db.RegisterRequest{SlotID: id, Caller: c, Participant: participant, ConsentVersion: consent,
		Referral: referral, AllocationLabel: strings.TrimSpace(deref(label))}
	if reason := nonEmpty(priorityReason); reason != nil {
		p.text("priorityReason", *reason, false, 500)
		req.Priority, req.PriorityReason = true, reason
	}
	p.text("allocationLabel", req.AllocationLabel, false, 100)
	return req, nil
}
