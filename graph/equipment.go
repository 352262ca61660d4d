package graph

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// canSeeDevice: the holding organisation's keys with EQUIPMENT_MANAGE; nobody else.
func canSeeDevice(c db.Caller, d db.Device) bool {
	return c.MemberOf(d.OrganisationID) && c.Has(db.ScopeEquipmentManage)
}

// canSeeEquipmentRequest: the holding organisation's EQUIPMENT_MANAGE keys and the requesting
// organisation's keys that handle registrations, since a request holds a person's data.
func canSeeEquipmentRequest(c db.Caller, e db.EquipmentRequest) bool {
	if e.ByToken {
		return true // the person's own, from their link
	}
	if c.MemberOf(e.OrganisationID) && c.Has(db.ScopeEquipmentManage) {
		return true
	}
	return c.MemberOf(e.RequestedByOrgID) && (c.Has(db.ScopeRegistrationsRead) || c.Has(db.ScopeRegistrationsWrite))
}

// ownDevice loads a device of the caller's stock: NOT_FOUND on field for another
// organisation's, FORBIDDEN for its own without EQUIPMENT_MANAGE.
func (r *Resolver) ownDevice(ctx context.Context, p *problems, gid, field string) (db.Device, error) {
	orgID, err := requireOwnScope(callerFrom(ctx), db.ScopeEquipmentManage)
	if err != nil {
		return db.Device{}, err
	}
	id, err := idOf(kindDevice, gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, field, "%s is not a device id", field)
		return db.Device{}, nil
	}
	d, err := db.DeviceByID(ctx, r.Pool, id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && d.OrganisationID != orgID) {
		p.add(UserErrorCodeNotFound, field, "no device with this id in your stock")
		return db.Device{}, nil
	}
	return d, err
}

// checkDevice checks a device's editable fields, trimmed.
func checkDevice(p *problems, d *db.Device) {
	d.Donor = strings.TrimSpace(d.Donor)
	p.text("donor", d.Donor, true, 200)
	d.SerialNumber, d.InventoryNumber = nonEmpty(d.SerialNumber), nonEmpty(d.InventoryNumber)
	p.optText("serialNumber", d.SerialNumber, 100)
	p.optText("inventoryNumber", d.InventoryNumber, 100)
	p.text("installed", d.Installed, false, 1000)
	p.text("description", d.Description, false, 1000)
	if d.ReceivedOn.After(db.ParisToday()) {
		p.add(UserErrorCodeInvalidRange, "receivedOn", "receivedOn is a date not after today")
	}
}

// deviceKindChange checks a kind asked of updateDevice: a device that was given keeps the kind
// the funder's figures counted.
func deviceKindChange(p *problems, d db.Device, to *db.DeviceKind) {
	if to != nil && *to != d.Kind && (d.Status == db.DeviceGiven || d.Status == db.DeviceReturned) {
		p.add(UserErrorCodeInvalid, "kind", "this device was given: its kind is in the funder's figures and does not change")
	}
}

// deviceStatusChange checks a status asked of updateDevice: IN_STOCK, RETURNED or SCRAPPED,
// for a device that is not with a person (its handover moves it then).
func deviceStatusChange(p *problems, from db.DeviceStatus, to *db.DeviceStatus) {
	if to == nil || *to == from {
		return
	}
	switch {
	case from == db.DeviceReserved || from == db.DeviceGiven:
		p.add(UserErrorCodeInvalid, "status", "this device is proposed or given: its handover changes its status (giveDevice, declineDevice, returnDevice)")
	case *to == db.DeviceReserved || *to == db.DeviceGiven:
		p.add(UserErrorCodeInvalid, "status", "a device is proposed with proposeDevice and given with giveDevice")
	}
}

// equipmentRequestOf checks a requestEquipment input and builds the request: the person from
// the registration named (one the caller sees the person of) and from participant, which
// overrides it; the age bracket and the equipment are required from one or the other.
func (r *Resolver) equipmentRequestOf(ctx context.Context, p *problems, c db.Caller, holder int64, in RequestEquipmentInput) (db.EquipmentRequest, error) {
	e := db.EquipmentRequest{OrganisationID: holder, RequestedByOrgID: c.OrganisationID, Situation: in.Situation,
		EmployeeSince: in.EmployeeSince, Reason: strings.TrimSpace(deref(in.Reason))}
	var person db.Participant
	if in.RegistrationID != nil {
		id, err := idOf(kindRegistration, *in.RegistrationID)
		if err != nil {
			p.add(UserErrorCodeNotFound, "registrationId", "registrationId is not a registration id")
			return e, nil
		}
		reg, err := db.RegistrationByID(ctx, r.Pool, id)
		if errors.Is(err, db.ErrNotFound) || (err == nil && !canSeePersonalData(c, reg)) {
			p.add(UserErrorCodeNotFound, "registrationId", "no registration with this id whose person you may see")
			return e, nil
		}
		if err != nil {
			return e, err
		}
		e.RegistrationID, person = &reg.ID, reg.Participant
	}
	switch {
	case in.Participant != nil:
		given, version := participantOf(p, *in.Participant)
		person, e.ConsentVersion = overlay(person, given), version
	case in.RegistrationID == nil:
		p.add(UserErrorCodeRequired, "participant", "give the person (participant) or a registration of theirs (registrationId)")
		return e, nil
	default:
		// A seat's consent does not cover a request for a device: the person gives their own.
		if !deref(in.Consent) {
			p.add(UserErrorCodeConsentRequired, "consent", "the person must consent to this request's processing of their data (consent: true)")
		}
		e.ConsentVersion = strings.TrimSpace(deref(in.ConsentVersion))
		p.text("consentVersion", e.ConsentVersion, true, 50)
	}
	keep(&person.AgeBracket, in.AgeBracket)
	keep(&person.HasComputer, in.HasComputer)
	keep(&person.HasInternet, in.HasInternet)
	keep(&person.HasSmartphone, in.HasSmartphone)
	e.FirstName, e.LastName, e.Phone, e.Email = person.FirstName, person.LastName, person.Phone, person.Email
	for _, f := range []struct {
		name string
		v    *bool
	}{{"hasComputer", person.HasComputer}, {"hasInternet", person.HasInternet}, {"hasSmartphone", person.HasSmartphone}} {
		if f.v == nil {
			p.add(UserErrorCodeRequired, f.name, "%s is required: it weighs in the ranking", f.name)
		}
	}
	if person.AgeBracket == nil {
		p.add(UserErrorCodeRequired, "ageBracket", "ageBracket is required: it weighs in the ranking")
	}
	if len(*p) > 0 {
		return e, nil
	}
	e.AgeBracket, e.HasComputer, e.HasInternet, e.HasSmartphone = *person.AgeBracket, *person.HasComputer, *person.HasInternet, *person.HasSmartphone
	switch {
	case e.EmployeeSince != nil && e.Situation != db.SituationEmployeeInInsertion:
		p.add(UserErrorCodeInvalid, "employeeSince", "employeeSince is for an employee of the structure (situation: EMPLOYEE_IN_INSERTION)")
	case e.EmployeeSince != nil && e.EmployeeSince.After(db.ParisToday()):
		p.add(UserErrorCodeInvalidRange, "employeeSince", "employeeSince is a date not after today")
	}
	p.text("reason", e.Reason, false, 500)
	return e, nil
}

// overlay returns base with the fields given set.
func overlay(base, given db.Participant) db.Participant {
	keep(&base.FirstName, given.FirstName)
	keep(&base.LastName, given.LastName)
	keep(&base.Phone, given.Phone)
	keep(&base.Email, given.Email)
	keep(&base.AgeBracket, given.AgeBracket)
	keep(&base.HasComputer, given.HasComputer)
	keep(&base.HasInternet, given.HasInternet)
	keep(&base.HasSmartphone, given.HasSmartphone)
	return base
}

// keep sets *dst to v when v is given.
func keep[T any](dst **T, v *T) {
	if v != nil {
		*dst = v
	}
}

// moveHandover runs a change of a handover of the caller's stock: check adds the input's
// problems, apply changes it in db (NOT_FOUND for another organisation's).
func (r *mutationResolver) moveHandover(ctx context.Context, gid string, check func(*problems), apply func(orgID, id int64) (db.EquipmentHandover, error)) (*HandoverPayload, error) {
	orgID, err := requireOwnScope(callerFrom(ctx), db.ScopeEquipmentManage)
	if err != nil {
		return nil, err
	}
	var p problems
	id, err := idOf(kindHandover, gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, "id", "id is not a handover id")
	}
	check(&p)
	if len(p) > 0 {
		return &HandoverPayload{UserErrors: p}, nil
	}
	h, err := apply(orgID, id)
	if errors.Is(err, db.ErrNotFound) {
		p.add(UserErrorCodeNotFound, "id", "no handover with this id for your stock")
		return &HandoverPayload{UserErrors: p}, nil
	}
	if ue, ok := refusal(err, "id"); ok {
		return &HandoverPayload{UserErrors: []UserError{ue}}, nil
	}
	if err != nil {
		return nil, err
	}
	return &HandoverPayload{Handover: &h, UserErrors: []UserError{}}, nil
}

// equipmentFigures shows the devices given in a period.
func equipmentFigures(t db.EquipmentTotals) *EquipmentFigures {
	return &EquipmentFigures{Given: t.Given, ByAgeBracket: counts(t.ByAgeBracket), BySituation: counts(t.BySituation), ByKind: counts(t.ByKind)}
}

// counts turns a count by key into the API's list, by key.
func counts[K ~string](m map[K]int) []EquipmentCount {
	out := make([]EquipmentCount, 0, len(m))
	for k, n := range m {
		out = append(out, EquipmentCount{Key: string(k), Count: n})
	}
	slices.SortFunc(out, func(a, b EquipmentCount) int { return strings.Compare(a.Key, b.Key) })
	return out
}
