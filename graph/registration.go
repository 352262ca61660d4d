package graph

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// canSeePersonalData: the host's keys with REGISTRATIONS_READ, the referring organisation's
// keys that handle registrations, those of the organisation that re-oriented the person to
// this registration (its orientation's sender), and the person holding the management token.
func canSeePersonalData(c db.Caller, r db.Registration) bool {
	return seesPerson(c, r.ByToken, r.HostOrganisationID, r.Referral.OrganisationID, r.OrientedByOrgID)
}

// canManage: who may cancel a registration by id or set its priority: the host or the
// referring organisation, with REGISTRATIONS_WRITE.
func canManage(c db.Caller, r db.Registration) bool {
	return managesPerson(c, r.HostOrganisationID, r.Referral.OrganisationID)
}

// seesPerson is who sees a person's data on a registration or a course: the person, by their
// token; the host's keys with REGISTRATIONS_READ; the keys that handle registrations of the
// organisations following the person (the referrer, the one that re-oriented them here).
func seesPerson(c db.Caller, byToken bool, host int64, followers ...*int64) bool {
	if byToken || c.MemberOf(host) && c.Has(db.ScopeRegistrationsRead) {
		return true
	}
	if !c.Has(db.ScopeRegistrationsRead) && !c.Has(db.ScopeRegistrationsWrite) {
		return false
	}
	return slices.ContainsFunc(followers, func(org *int64) bool { return org != nil && c.MemberOf(*org) })
}

// managesPerson is who changes a person's seats or course: the host or the referrer, with
// REGISTRATIONS_WRITE.
func managesPerson(c db.Caller, host int64, referrer *int64) bool {
	return c.Has(db.ScopeRegistrationsWrite) && (c.MemberOf(host) || referrer != nil && c.MemberOf(*referrer))
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

// referralOf checks the referral given: anonymous callers record neither referral nor priority
// nor department. Whether one is needed depends on the slot's host, which db.Register decides
// in its transaction (ErrReferralRequired: a partner records one, the host may).
func referralOf(p *problems, c db.Caller, in *ReferralInput, priorityReason, label *string) (db.Referral, error) {
	if c.Anonymous() {
		if in != nil || nonEmpty(priorityReason) != nil || nonEmpty(label) != nil {
			return db.Referral{}, errForbidden("referrals, priority and reserved seats need an API key of the network")
		}
		return db.Referral{}, nil
	}
	if in == nil {
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

// registerRequest checks one registration's input; what depends on the slot (who may see it,
// whether it is open, whether a referral is needed) db.Register checks with the slot locked.
func registerRequest(p *problems, c db.Caller, slotGID, field string,
	in ParticipantInput, ref *ReferralInput, priorityReason, label *string) (db.RegisterRequest, error) {
	participant, consent := participantOf(p, in)
	id, err := idOf(kindSlot, slotGID)
	if err != nil {
		p.add(UserErrorCodeNotFound, field, "%s is not a slot id", field)
		return db.RegisterRequest{}, nil
	}
	referral, err := referralOf(p, c, ref, priorityReason, label)
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

// hostAttendanceRegistration loads the registration whose attendance or outcome the host
// records: a key is required, registrations the caller may not see answer NOT_FOUND, and
// those it sees (the referrer's) need ATTENDANCE_WRITE of the host (FORBIDDEN).
func (r *Resolver) hostAttendanceRegistration(ctx context.Context, p *problems, gid string) (db.Registration, error) {
	c := callerFrom(ctx)
	if err := requireKey(c); err != nil {
		return db.Registration{}, err
	}
	id, err := idOf(kindRegistration, gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, "id", "id is not a registration id")
		return db.Registration{}, nil
	}
	reg, err := db.RegistrationByID(ctx, r.Pool, id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !c.MemberOf(reg.HostOrganisationID) && !canSeePersonalData(c, reg)) {
		p.add(UserErrorCodeNotFound, "id", "no registration with this id that you may see")
		return db.Registration{}, nil
	}
	if err != nil {
		return db.Registration{}, err
	}
	return reg, requireScope(c, reg.HostOrganisationID, db.ScopeAttendanceWrite)
}

// cancelResult is what cancelRegistration stores for replays.
type cancelResult struct {
	Registration *db.Registration
}

// enrolResult is what enrol stores for replays.
type enrolResult struct {
	Registrations []db.Registration
	Tokens        []string
	Enrolment     *db.Enrolment // enrol's; nil for a household
}

// enrolRequests checks that the slots match the programme's workshops one to one, and builds
// one registration request per slot; it returns the programme's id with them.
func (r *Resolver) enrolRequests(ctx context.Context, q db.Querier, p *problems, c db.Caller, in EnrolInput) (int64, []db.RegisterRequest, error) {
	id, err := idOf(kindProgramme, in.ProgrammeID)
	if err != nil {
		p.add(UserErrorCodeNotFound, "programmeId", "programmeId is not a programme id")
		return 0, nil, nil
	}
	prog, err := db.VisibleProgramme(ctx, q, c, id)
	if errors.Is(err, db.ErrNotFound) {
		p.add(UserErrorCodeNotFound, "programmeId", "no programme with this id")
		return 0, nil, nil
	}
	if err != nil {
		return 0, nil, err
	}
	if len(in.SlotIds) != len(prog.WorkshopIDs) {
		p.add(UserErrorCodeInvalid, "slotIds", "give one slot for each of the programme's %d workshops", len(prog.WorkshopIDs))
		return 0, nil, nil
	}
	wanted := map[int64]bool{}
	for _, w := range prog.WorkshopIDs {
		wanted[w] = true
	}
	reqs := make([]db.RegisterRequest, len(in.SlotIds))
	for i, gid := range in.SlotIds {
		field := fmt.Sprintf("slotIds.%d", i)
		req, err := registerRequest(p, c, gid, field, in.Participant, in.Referral, nil, nil)
		if err != nil || len(*p) > 0 {
			return 0, nil, err
		}
		s, err := db.VisibleSlot(ctx, q, c, req.SlotID, db.With{})
		if errors.Is(err, db.ErrNotFound) {
			p.add(UserErrorCodeNotFound, field, "no slot with this id that you may register on")
			return 0, nil, nil
		}
		if err != nil {
			return 0, nil, err
		}
		if !wanted[s.WorkshopID] {
			p.add(UserErrorCodeInvalid, field, "this slot is not of a workshop of the programme, or its workshop already has a slot")
			return 0, nil, nil
		}
		delete(wanted, s.WorkshopID)
		req.JoinWaitlist = deref(in.JoinWaitlist)
		reqs[i] = req
	}
	return prog.ID, reqs, nil
}

func registrationConnection(rows []db.Registration, p db.Page) *RegistrationConnection {
	edges, info := connection(kindRegistration, rows, p, func(r db.Registration) db.Cursor { return db.Cursor{ID: r.ID} },
		func(c string, r db.Registration) RegistrationEdge { return RegistrationEdge{c, r} })
	return &RegistrationConnection{Edges: edges, PageInfo: info}
}

// householdRequests checks a household: 2 to 6 people, each a valid participant, those
// without a contact sharing the first person's; a person's problems are named by their place
// in people (input.people.1.firstName).
func householdRequests(p *problems, c db.Caller, in RegisterHouseholdInput) ([]db.RegisterRequest, error) {
	if len(in.People) < 2 || len(in.People) > 6 {
		p.add(UserErrorCodeInvalid, "people", "a household registers 2 to 6 people; one person registers with register")
		return nil, nil
	}
	first := in.People[0]
	reqs := make([]db.RegisterRequest, len(in.People))
	for i, person := range in.People {
		if nonEmpty(person.Phone) == nil && nonEmpty(person.Email) == nil {
			person.Phone, person.Email = first.Phone, first.Email
			if person.PreferredChannel == nil {
				person.PreferredChannel = first.PreferredChannel
			}
		}
		var mine problems
		req, err := registerRequest(&mine, c, in.SlotID, "slotId", person, in.Referral, nil, in.AllocationLabel)
		if err != nil {
			return nil, err
		}
		for _, ue := range mine {
			if len(ue.Field) >= 2 && ue.Field[1] == "participant" {
				ue.Field = append([]string{"input", "people", strconv.Itoa(i)}, ue.Field[2:]...)
			}
			if !slices.ContainsFunc(*p, func(u UserError) bool { return slices.Equal(u.Field, ue.Field) && u.Code == ue.Code }) {
				*p = append(*p, ue)
			}
		}
		req.JoinWaitlist = deref(in.JoinWaitlist)
		reqs[i] = req
	}
	return reqs, nil
}
