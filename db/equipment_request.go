package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// EquipmentRequest is a person's need of a device at an organisation (the holder of the
// stock), recorded by the holder or a partner (the requester). Its person fields are personal
// data: only the holder and the requester see them.
type EquipmentRequest struct {
	ID               int64
	OrganisationID   int64 // the holder of the stock
	RequestedByOrgID int64
	RegistrationID   *int64 // the registration the need came from, if any
	FirstName        *string
	LastName         *string
	Phone            *string
	Email            *string
	AgeBracket       AgeBracket
	Situation        Situation
	HasComputer      bool
	HasSmartphone    bool
	HasInternet      bool
	EmployeeSince    *time.Time // a date: when an employee started in the structure
	Reason           string
	ConsentVersion   string // of the text the person read, theirs or their registration's
	Status           EquipmentRequestStatus
	ClosedReason     *string
	CreatedAt        time.Time
	AttendedWorkshop bool       // the registration it came from was marked present
	AnsweredAt       *time.Time // when it was last answered (given, declined, returned, closed), from which retention counts
	AnonymisedAt     *time.Time // when its person was removed (Anonymise)
	ByToken          bool       // reached by the person's management link (their own data)
}

// Equipment request refusals.
var (
	ErrAlreadyRequested = errors.New("this person already has an open request at this organisation")
	ErrRequestNotOpen   = errors.New("the request is not open")
)

const equipmentRequestColumns = `e.id, e.organisation_id, e.requested_by_org_id, e.registration_id, e.first_name,
	e.last_name, e.phone, e.email, e.age_bracket, e.situation, e.has_computer, e.has_smartphone, e.has_internet,
	e.employee_since, e.reason, e.consent_version, e.status, e.closed_reason, e.created_at,
	EXISTS (SELECT FROM registrations r WHERE r.id = e.registration_id AND r.attendance = 'PRESENT'),
	CASE WHEN e.status IN ('GIVEN', 'CLOSED') THEN greatest(e.created_at, (SELECT max(greatest(h.proposed_at, h.given_at,
		h.declined_at, h.returned_at)) FROM equipment_handovers h WHERE h.request_id = e.id)) END, e.anonymised_at`

func scanEquipmentRequest(row pgx.CollectableRow) (EquipmentRequest, error) {
	var e EquipmentRequest
	err := row.Scan(&e.ID, &e.OrganisationID, &e.RequestedByOrgID, &e.RegistrationID, &e.FirstName,
		&e.LastName, &e.Phone, &e.Email, &e.AgeBracket, &e.Situation, &e.HasComputer, &e.HasSmartphone, &e.HasInternet,
		&e.EmployeeSince, &e.Reason, &e.ConsentVersion, &e.Status, &e.ClosedReason, &e.CreatedAt, &e.AttendedWorkshop, &e.AnsweredAt, &e.AnonymisedAt)
	return e, err
}

// RequestEquipment records a person's need; the same person (contact and name, case aside)
// has one open request per holder and requesting organisation at most.
func RequestEquipment(ctx context.Context, q Querier, e EquipmentRequest) (EquipmentRequest, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO equipment_requests (organisation_id, requested_by_org_id, registration_id,
			first_name, last_name, phone, email, age_bracket, situation, has_computer, has_smartphone, has_internet,
			employee_since, reason, consent_version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`,
		e.OrganisationID, e.RequestedByOrgID, e.RegistrationID, e.FirstName, e.LastName, e.Phone, e.Email,
		e.AgeBracket, e.Situation, e.HasComputer, e.HasSmartphone, e.HasInternet, e.EmployeeSince, e.Reason, e.ConsentVersion).Scan(&id)
	if isUniqueViolation(err, "equipment_requests_open_phone") || isUniqueViolation(err, "equipment_requests_open_email") {
		return EquipmentRequest{}, ErrAlreadyRequested
	}
	if err != nil {
		return EquipmentRequest{}, fmt.Errorf("request equipment: %w", err)
	}
	return EquipmentRequestByID(ctx, q, id)
}

// EquipmentRequestByID returns one request, with no access rule: callers check who may see it.
func EquipmentRequestByID(ctx context.Context, q Querier, id int64) (EquipmentRequest, error) {
	return queryOne(ctx, q, fmt.Sprintf("equipment request %d", id), scanEquipmentRequest,
		`SELECT `+equipmentRequestColumns+` FROM equipment_requests e WHERE e.id = $1`, id)
}

// EquipmentRequestsByID returns the requests of ids that exist, in no order, with no access rule.
func EquipmentRequestsByID(ctx context.Context, q Querier, ids []int64) ([]EquipmentRequest, error) {
	return queryAll(ctx, q, "equipment requests by id", scanEquipmentRequest,
		`SELECT `+equipmentRequestColumns+` FROM equipment_requests e WHERE e.id = ANY($1)`, ids)
}

// EquipmentRequests lists, newest first, the requests to organisation orgID's stock (when
// asHolder) and those it made (when asRequester), in the given statuses (all when none).
func EquipmentRequests(ctx context.Context, q Querier, orgID int64, asHolder, asRequester bool, statuses []EquipmentRequestStatus, p Page) ([]EquipmentRequest, error) {
	_, afterID := p.after()
	if afterID == 0 {
		afterID = 1<<63 - 1
	}
	return queryAll(ctx, q, fmt.Sprintf("equipment requests of organisation %d", orgID), scanEquipmentRequest, `
		SELECT `+equipmentRequestColumns+` FROM equipment_requests e
		WHERE ((e.organisation_id = $1 AND $2) OR (e.requested_by_org_id = $1 AND $3))
		  AND (cardinality($4::text[]) = 0 OR e.status = ANY($4)) AND e.id < $5
		ORDER BY e.id DESC LIMIT $6`, orgID, asHolder, asRequester, nonNil(statuses), afterID, p.limit())
}

// CloseEquipmentRequest withdraws an open request (the person found a device, moved away...).
// A request with a device proposed is answered by declining the proposal instead.
func CloseEquipmentRequest(ctx context.Context, q Querier, id int64, reason string) (EquipmentRequest, error) {
	tag, err := q.Exec(ctx, `UPDATE equipment_requests SET status = 'CLOSED', closed_reason = $2
		WHERE id = $1 AND status = 'OPEN'`, id, reason)
	if err != nil {
		return EquipmentRequest{}, fmt.Errorf("close equipment request %d: %w", id, err)
	}
	if tag.RowsAffected() == 0 {
		return EquipmentRequest{}, ErrRequestNotOpen
	}
	return EquipmentRequestByID(ctx, q, id)
}
