package db

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// Registration is a participant's seat (confirmed) or waiting-list place on a slot.
type Registration struct {
	ID                 int64
	SlotID             int64
	HostOrganisationID int64 // the slot's organisation, for access checks
	Status             RegistrationStatus
	ConfirmationCode   string
	AllocationID       *int64
	AllocationLabel    string
	Participant        Participant
	ConsentVersion     string
	RegisteredByOrgID  *int64
	Referral           Referral
	Priority           bool
	PriorityReason     *string
	JoinedAt           time.Time
	ConfirmedAt        *time.Time
	CancelledAt        *time.Time
	CancellationReason *string
	Attendance         *Attendance
	WaitlistPosition   *int // 1-based, for waitlisted registrations only
	RegisteredAt       time.Time
	RemindersStoppedAt *time.Time // the person asked for no more reminders
	WalkIn             bool       // recorded by the host when the person came (RecordWalkIn)
	OverCapacityReason *string    // why a walk-in was seated over the capacity
	Outcome            *Outcome   // after attendance PRESENT, what the workshop led to
	OrientedByOrgID    *int64     // the structure that re-oriented the person here, if any
	EnrolmentID        *int64     // the enrolment this seat is a step of, if any
	AnonymisedAt       *time.Time // when its names and contacts were removed (Anonymise)
	SlotEndsAt         time.Time  // from which its retention periods count

	// ByToken is true when the registration was loaded with its management token: the person
	// holding the token sees their own data. It is not a column: it travels only with the
	// registration (and with a sealed idempotent response, so that a replay shows the same).
	ByToken bool
}

// Participant is the person behind a registration: the minimum the network needs.
type Participant struct {
	FirstName        *string
	LastName         *string
	Phone            *string
	Email            *string
	PostalCode       *string
	AgeBracket       *AgeBracket
	HasComputer      *bool
	HasInternet      *bool
	HasSmartphone    *bool
	PreferredChannel *ContactChannel
}

// Referral is the orientation of a person by a counsellor: of a partner organisation, or of
// the host itself (a colleague of another department), then OrganisationID is the host's.
type Referral struct {
	OrganisationID   *int64
	CounsellorName   *string
	Reason           *string
	PartnerReference *string
}

// Booking refusals; callers test them with errors.Is.
var (
	ErrSlotFull            = errors.New("slot is full")
	ErrRegistrationClosed  = errors.New("registration is closed")
	ErrRegistrationNotOpen = errors.New("registration is not open yet")
	ErrAlreadyRegistered   = errors.New("already registered on this slot")
	ErrAlreadyCancelled    = errors.New("registration already cancelled")
	ErrNotConfirmed        = errors.New("registration is not confirmed")
	ErrNotWaitlisted       = errors.New("registration is not on the waiting list")
	ErrReferralRequired    = errors.New("a partner's registration records a referral")
)

const registrationColumns = `r.id, r.slot_id, s.organisation_id, r.status, r.confirmation_code,
	r.allocation_id, r.allocation_label, r.first_name, r.last_name, r.phone, r.email, r.postal_code,
	r.age_bracket, r.has_computer, r.has_internet, r.has_smartphone, r.preferred_channel,
	r.consent_version, r.registered_by_org_id, r.referring_org_id, r.counsellor_name,
	r.referral_reason, r.partner_reference, r.priority, r.priority_reason, r.joined_at,
	r.confirmed_at, r.cancelled_at, r.cancellation_reason, r.attendance, r.created_at, r.reminders_stopped_at,
	r.walk_in, r.over_capacity_reason,
	r.outcome, r.outcome_note, r.outcome_recorded_at, r.oriented_by_org_id, r.enrolment_id, r.anonymised_at, s.ends_at,
	CASE WHEN r.status = 'WAITLISTED' THEN (
		SELECT count(*) FROM registrations o
		WHERE o.slot_id = r.slot_id AND o.status = 'WAITLISTED'
		  AND (NOT o.priority, o.joined_at, o.id) <= (NOT r.priority, r.joined_at, r.id))::int END`

const registrationsFrom = ` FROM registrations r JOIN slots s ON s.id = r.slot_id `

func scanRegistration(row pgx.CollectableRow) (Registration, error) {
	var r Registration
	p, f := &r.Participant, &r.Referral
	var outcome *OutcomeKind
	var note *string
	var recordedAt *time.Time
	err := row.Scan(&r.ID, &r.SlotID, &r.HostOrganisationID, &r.Status, &r.ConfirmationCode,
		&r.AllocationID, &r.AllocationLabel, &p.FirstName, &p.LastName, &p.Phone, &p.Email, &p.PostalCode,
		&p.AgeBracket, &p.HasComputer, &p.HasInternet, &p.HasSmartphone, &p.PreferredChannel,
		&r.ConsentVersion, &r.RegisteredByOrgID, &f.OrganisationID, &f.CounsellorName,
		&f.Reason, &f.PartnerReference, &r.Priority, &r.PriorityReason, &r.JoinedAt,
		&r.ConfirmedAt, &r.CancelledAt, &r.CancellationReason, &r.Attendance, &r.RegisteredAt, &r.RemindersStoppedAt,
		&r.WalkIn, &r.OverCapacityReason, &outcome, &note, &recordedAt, &r.OrientedByOrgID, &r.EnrolmentID, &r.AnonymisedAt, &r.SlotEndsAt, &r.WaitlistPosition)
	if outcome != nil && recordedAt != nil {
		r.Outcome = &Outcome{Kind: *outcome, Note: note, RecordedAt: *recordedAt}
	}
	return r, err
}

// RegistrationByID returns one registration, with no access rule: callers check who may see it.
func RegistrationByID(ctx context.Context, q Querier, id int64) (Registration, error) {
	return queryOne(ctx, q, fmt.Sprintf("registration %d", id), scanRegistration, `SELECT `+registrationColumns+registrationsFrom+`WHERE r.id = $1`, id)
}

// RegistrationsByID returns the registrations of ids that exist, in no order, with no access
// rule: callers check who may see each.
func RegistrationsByID(ctx context.Context, q Querier, ids []int64) ([]Registration, error) {
	rows, _ := q.Query(ctx, `SELECT `+registrationColumns+registrationsFrom+`WHERE r.id = ANY($1)`, ids)
	regs, err := pgx.CollectRows(rows, scanRegistration)
	if err != nil {
		return nil, fmt.Errorf("registrations by id: %w", err)
	}
	return regs, nil
}

// RegistrationByToken returns the registration a management token opens, or ErrNotFound.
func RegistrationByToken(ctx context.Context, q Querier, token string) (Registration, error) {
	// The token given to the client that registered, or one sent in a message (NewLink).
	rows, _ := q.Query(ctx, `SELECT `+registrationColumns+registrationsFrom+`
		WHERE r.id = coalesce((SELECT id FROM registrations WHERE token_hash = $1),
			(SELECT registration_id FROM registration_links WHERE token_hash = $1))`, hashSecret(token))
	r, err := pgx.CollectExactlyOneRow(rows, scanRegistration)
	if err != nil {
		return Registration{}, notFound(err, "registration by token")
	}
	r.ByToken = true
	return r, nil
}

// NewLink mints a token that manages registration id as its own token does, for the link of a
// message; only its hash is kept.
func NewLink(ctx context.Context, q Querier, id int64) (string, error) {
	token := newToken()
	_, err := q.Exec(ctx, `INSERT INTO registration_links (token_hash, registration_id) VALUES ($1, $2)`, hashSecret(token), id)
	if err != nil {
		return "", fmt.Errorf("new link for registration %d: %w", id, err)
	}
	return token, nil
}

// RegistrationsOfSlot lists a slot's registrations in the order they were made (waitlistPosition
// gives the waiting list's order); statuses narrows them (nil: all).
func RegistrationsOfSlot(ctx context.Context, q Querier, slotID int64, statuses []RegistrationStatus, p Page) ([]Registration, error) {
	_, afterID := p.after()
	rows, _ := q.Query(ctx, `SELECT `+registrationColumns+registrationsFrom+`
		WHERE r.slot_id = $1 AND (cardinality($2::text[]) = 0 OR r.status = ANY($2)) AND r.id > $3
		ORDER BY r.id LIMIT $4`, slotID, nonNil(statuses), afterID, p.limit())
	regs, err := pgx.CollectRows(rows, scanRegistration)
	if err != nil {
		return nil, fmt.Errorf("registrations of slot %d: %w", slotID, err)
	}
	return regs, nil
}

// Referrals lists the registrations an organisation referred, newest first.
//
// The page starts below the cursor's id, or below the largest id on the first page: a plain
// bound, so that the plan walks registrations_referring_org backwards from it. An optional
// bound, ($2 = 0 OR r.id < $2), made the planner walk the whole primary key instead, filtering
// on the organisation (12 ms a page at 500,000 registrations in the benchmark).
func Referrals(ctx context.Context, q Querier, orgID int64, p Page) ([]Registration, error) {
	_, afterID := p.after()
	if afterID == 0 {
		afterID = math.MaxInt64
	}
	rows, _ := q.Query(ctx, `SELECT `+registrationColumns+registrationsFrom+`
		WHERE r.referring_org_id = $1 AND r.id < $2
		ORDER BY r.id DESC LIMIT $3`, orgID, afterID, p.limit())
	regs, err := pgx.CollectRows(rows, scanRegistration)
	if err != nil {
		return nil, fmt.Errorf("referrals of organisation %d: %w", orgID, err)
	}
	return regs, nil
}

// confirmationAlphabet has no 0/O, 1/I/L: codes are read over the phone.
const confirmationAlphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"

// newConfirmationCode returns 8 characters (about 40 bits): short to read aloud, and a clash
// with an existing code is retried.
func newConfirmationCode() string {
	b := make([]byte, 8)
	rand.Read(b)
	for i := range b {
		b[i] = confirmationAlphabet[int(b[i])%len(confirmationAlphabet)]
	}
	return string(b)
}

// newToken returns a management token of 256 random bits.
func newToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// event records a booking event, and the jobs that follow it up (telling people, and the
// webhooks of the organisations concerned), in the caller's transaction.
func event(ctx context.Context, tx pgx.Tx, kind string, slotID int64, registrationID *int64) error {
	return causedEvent(ctx, tx, kind, "", slotID, registrationID)
}

// causedEvent is event with its cause (a cancellation's: CancelCause).
func causedEvent(ctx context.Context, tx pgx.Tx, kind string, cause CancelCause, slotID int64, registrationID *int64) error {
	return eventTelling(ctx, tx, kind, cause, slotID, registrationID, webhookTypes(kind, cause))
}

// eventTelling is causedEvent with the webhook types it causes, when they depend on more than
// its kind (an updated slot's seats changed only if its capacity did).
func eventTelling(ctx context.Context, tx pgx.Tx, kind string, cause CancelCause, slotID int64, registrationID *int64, types []WebhookEventType) error {
	id, webhooks, err := recordEvent(ctx, tx, kind, cause, slotID, registrationID, types)
	if err != nil {
		return err
	}
	if err := enqueueDeliveries(ctx, tx, webhooks); err != nil {
		return err
	}
	return enqueue(ctx, tx, EventArgs{EventID: id}, nil)
}

// CancelCause is who cancelled a registration.
type CancelCause string

// Causes of a cancellation.
const (
	CancelledByPerson       CancelCause = "PERSON"       // with their management token
	CancelledByOrganisation CancelCause = "ORGANISATION" // the host or the referrer, by id
	CancelledWithSlot       CancelCause = "SLOT"         // the host cancelled the slot
)

// HasReservedSeat reports whether the registration holds a seat reserved for an organisation.
func (r Registration) HasReservedSeat() bool { return r.AllocationID != nil }

// SetPriority puts a waitlisted person first (or not) on the waiting list.
func SetPriority(ctx context.Context, q Querier, id int64, priority bool, reason *string) (Registration, error) {
	var reg Registration
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		var slotID int64
		if err := tx.QueryRow(ctx, `SELECT slot_id FROM registrations WHERE id = $1`, id).Scan(&slotID); err != nil {
			return notFound(err, "registration")
		}
		if _, err := lockSlot(ctx, tx, slotID); err != nil { // the waiting list's order changes
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE registrations SET priority = $2, priority_reason = $3
			WHERE id = $1 AND status = 'WAITLISTED'`, id, priority, reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return ErrNotWaitlisted
		}
		if err := event(ctx, tx, "PRIORITY_CHANGED", slotID, &id); err != nil {
			return err
		}
		reg, err = RegistrationByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Registration{}, fmt.Errorf("set priority of registration %d: %w", id, err)
	}
	return reg, nil
}

// MarkAttendance records whether a confirmed participant came, once the slot has started:
// ErrSlotNotStarted before, ErrNotConfirmed for a registration that holds no seat.
func MarkAttendance(ctx context.Context, q Querier, id int64, a Attendance) (Registration, error) {
	var reg Registration
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		// Checked in the transaction, on the row it updates: a slot moved meanwhile, or a
		// registration cancelled meanwhile, is judged as it stands at the write.
		var slotID int64
		var started bool
		var status RegistrationStatus
		err := tx.QueryRow(ctx, `SELECT r.slot_id, s.starts_at <= now(), r.status FROM registrations r
			JOIN slots s ON s.id = r.slot_id WHERE r.id = $1 FOR UPDATE OF r`, id).Scan(&slotID, &started, &status)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
			return ErrNotFound
		case err != nil:
			return err
		case !started:
			return ErrSlotNotStarted
		case status != RegistrationConfirmed:
			return ErrNotConfirmed
		}
		// A person marked otherwise than present has no outcome: a correction clears it.
		if _, err := tx.Exec(ctx, `UPDATE registrations SET attendance = $2, attendance_marked_at = now(),
			outcome = CASE WHEN $2 = 'PRESENT' THEN outcome END,
			outcome_note = CASE WHEN $2 = 'PRESENT' THEN outcome_note END,
			outcome_recorded_at = CASE WHEN $2 = 'PRESENT' THEN outcome_recorded_at END
			WHERE id = $1`, id, a); err != nil {
			return err
		}
		if err := event(ctx, tx, "ATTENDANCE_MARKED", slotID, &id); err != nil {
			return err
		}
		reg, err = RegistrationByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Registration{}, fmt.Errorf("mark attendance of registration %d: %w", id, err)
	}
	return reg, nil
}
