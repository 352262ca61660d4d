package db

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// The booking transaction. Every change of seats on a slot locks the slot's row first, once,
// then checks the rules, writes, and commits: concurrent bookings on one slot queue on that
// lock (bounded by lock_timeout), and the CHECK constraints on slots and allocations are the
// last line of defence against overbooking.

// RegisterRequest is a registration to make.
type RegisterRequest struct {
	SlotID          int64
	Caller          Caller
	Participant     Participant
	ConsentVersion  string
	JoinWaitlist    bool
	Referral        Referral // OrganisationID set when a partner, or a colleague of the host, refers the person
	Priority        bool
	PriorityReason  *string
	AllocationLabel string // department label of the caller's reserved seats, if any
	OrientationID   int64  // the orientation to the caller's organisation this registration answers, if any
	EnrolmentID     int64  // the enrolment this seat is a step of, if any (set by Enrol and Reschedule)
}

// lockSlot locks a slot's row, which every booking transaction takes before touching the slot's
// seats or registrations, then releases its reserved seats whose time has come and moves the
// waiting list onto them, so that every booking decision sees the seats as they are now.
// FOR NO KEY UPDATE serialises bookings without blocking the foreign-key checks of rows that
// merely reference the slot (an outbox event, an attendance).
func lockSlot(ctx context.Context, tx pgx.Tx, id int64) (Slot, error) {
	rows, _ := tx.Query(ctx, `SELECT `+slotColumns+` FROM slots s WHERE s.id = $1 FOR NO KEY UPDATE`, id)
	return locked(ctx, tx, rows, id)
}

// lockVisibleSlot is lockSlot for a slot the caller must be able to see (ErrNotFound
// otherwise): the visibility rule and the lock in one statement, the first of a registration.
func lockVisibleSlot(ctx context.Context, tx pgx.Tx, c Caller, id int64) (Slot, error) {
	w := where{}
	w.add(slotVisible, c.OrganisationID, c.Partner())
	w.add("s.id = $%d", id)
	rows, _ := tx.Query(ctx, `SELECT `+slotColumns+slotsFrom+w.sql()+` FOR NO KEY UPDATE OF s`, w.args...)
	return locked(ctx, tx, rows, id)
}

// locked reads the slot a locking query returned, then releases its due allocations.
func locked(ctx context.Context, tx pgx.Tx, rows pgx.Rows, id int64) (Slot, error) {
	s, err := pgx.CollectExactlyOneRow(rows, scanSlot)
	if err != nil {
		return Slot{}, notFound(err, fmt.Sprintf("lock slot %d", id))
	}
	released, err := releaseDueAllocations(ctx, tx, id)
	if err != nil || released == 0 {
		return s, err
	}
	if err := promote(ctx, tx, id); err != nil {
		return Slot{}, err
	}
	return SlotByID(ctx, tx, id)
}

// Register books a seat, or a waiting-list place when the slot is full and the request asks
// for one. It returns the registration and its management token, which exists nowhere else.
func Register(ctx context.Context, q Querier, req RegisterRequest) (Registration, string, error) {
	var reg Registration
	token := newToken()
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		// Whoever may see a slot may ask for a seat on it (the graph checks scopes).
		s, err := lockVisibleSlot(ctx, tx, req.Caller, req.SlotID)
		if err != nil {
			return err
		}
		if err := s.registrationRefusal(time.Now()); err != nil {
			return err
		}
		if err := checkConsentVersion(ctx, tx, s.OrganisationID, req.ConsentVersion); err != nil {
			return err
		}
		// A partner records who referred the person. The host may: a colleague of another of
		// its departments orienting someone is kept, the host itself as the referrer.
		switch {
		case req.Caller.MemberOf(s.OrganisationID):
			if req.Referral.CounsellorName == nil {
				req.Referral = Referral{}
			}
		case req.Caller.Partner() && req.Referral.CounsellorName == nil:
			return ErrReferralRequired
		}
		var orientedBy *int64
		if req.OrientationID != 0 {
			from, err := takeOrientation(ctx, tx, req.OrientationID, req.Caller.OrganisationID)
			if err != nil {
				return err
			}
			orientedBy = &from
		}
		allocID, seat, err := seatFor(ctx, tx, s, req.Caller.OrganisationID, req.AllocationLabel)
		if err != nil {
			return err
		}
		status := RegistrationConfirmed
		if !seat {
			if !req.JoinWaitlist {
				return ErrSlotFull
			}
			status, allocID = RegistrationWaitlisted, nil
		}
		id, err := insertRegistration(ctx, tx, req, status, allocID, orientedBy, token)
		if err != nil {
			return err
		}
		if orientedBy != nil {
			if err := acceptOrientation(ctx, tx, req.OrientationID, id); err != nil {
				return err
			}
		}
		if err := countSeat(ctx, tx, s.ID, status, allocID, +1); err != nil {
			return err
		}
		kind := "REGISTERED"
		if status == RegistrationWaitlisted {
			kind = "WAITLISTED"
		}
		if err := event(ctx, tx, kind, s.ID, &id); err != nil {
			return err
		}
		reg, err = RegistrationByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Registration{}, "", fmt.Errorf("register on slot %d: %w", req.SlotID, err)
	}
	return reg, token, nil
}

// insertRegistration writes the row, retrying on the rare clash of confirmation codes.
func insertRegistration(ctx context.Context, tx pgx.Tx, req RegisterRequest, status RegistrationStatus, allocID, orientedBy *int64, token string) (int64, error) {
	p, f := req.Participant, req.Referral
	var regOrg *int64
	if req.Caller.OrganisationID != 0 {
		regOrg = &req.Caller.OrganisationID
	}
	for range 3 {
		// ON CONFLICT on the code alone: a clash returns no row and is retried without a
		// savepoint (two round trips fewer), and the other unique indexes still raise.
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO registrations (slot_id, status, confirmation_code, token_hash, allocation_id,
				allocation_label, first_name, last_name, phone, email, postal_code, age_bracket,
				has_computer, has_internet, has_smartphone, preferred_channel, consent_version,
				consented_at, registered_by_org_id, referring_org_id, counsellor_name, referral_reason,
				partner_reference, priority, priority_reason, oriented_by_org_id, enrolment_id, confirmed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now(),
				$18, $19, $20, $21, $22, $23, $24, $25, nullif($26, 0), CASE WHEN $2 = 'CONFIRMED' THEN now() END)
			ON CONFLICT (confirmation_code) DO NOTHING
			RETURNING id`,
			req.SlotID, status, newConfirmationCode(), hashSecret(token), allocID, req.AllocationLabel,
			p.FirstName, p.LastName, p.Phone, p.Email, p.PostalCode, p.AgeBracket,
			p.HasComputer, p.HasInternet, p.HasSmartphone, p.PreferredChannel, req.ConsentVersion,
			regOrg, f.OrganisationID, f.CounsellorName, f.Reason, f.PartnerReference,
			req.Priority, req.PriorityReason, orientedBy, req.EnrolmentID).Scan(&id)
		switch {
		case errors.Is(err, pgx.ErrNoRows): // the code is taken
			continue
		case isUniqueViolation(err, "registrations_active_phone"), isUniqueViolation(err, "registrations_active_email"):
			return 0, ErrAlreadyRegistered
		}
		return id, err
	}
	return 0, errors.New("no free confirmation code after 3 tries")
}

// countSeat moves a slot's counters (and its allocation's) by delta for one registration.
func countSeat(ctx context.Context, tx pgx.Tx, slotID int64, status RegistrationStatus, allocID *int64, delta int) error {
	var err error
	switch {
	case status == RegistrationWaitlisted:
		_, err = tx.Exec(ctx, `UPDATE slots SET waitlist_length = waitlist_length + $2 WHERE id = $1`, slotID, delta)
	case allocID != nil:
		// A seat of an allocation leaves (or joins) the reserve as it is taken (or freed).
		_, err = tx.Exec(ctx, `UPDATE slots SET seats_taken = seats_taken + $2,
			seats_reserved = seats_reserved - $2 * (SELECT (a.released_at IS NULL)::int FROM slot_allocations a WHERE a.id = $3)
			WHERE id = $1`, slotID, delta, *allocID)
		if err == nil {
			_, err = tx.Exec(ctx, `UPDATE slot_allocations SET seats_taken = seats_taken + $2 WHERE id = $1`, *allocID, delta)
		}
	default:
		_, err = tx.Exec(ctx, `UPDATE slots SET seats_taken = seats_taken + $2 WHERE id = $1`, slotID, delta)
	}
	return err
}

// CancelRegistration cancels a registration before its slot starts and moves the waiting list
// in the same transaction. Access is checked by the caller.
func CancelRegistration(ctx context.Context, q Querier, id int64, reason string, cause CancelCause) (Registration, error) {
	var reg Registration
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		var slotID int64
		if err := tx.QueryRow(ctx, `SELECT slot_id FROM registrations WHERE id = $1`, id).Scan(&slotID); err != nil {
			return notFound(err, "registration")
		}
		// The slot first, as every booking transaction does, so that two never deadlock.
		s, err := lockSlot(ctx, tx, slotID)
		if err != nil {
			return err
		}
		if !s.StartsAt.After(time.Now()) {
			return ErrSlotStarted
		}
		var status RegistrationStatus
		var allocID *int64
		err = tx.QueryRow(ctx, `
			UPDATE registrations r SET status = 'CANCELLED', cancelled_at = now(), cancellation_reason = $2
			FROM registrations old WHERE r.id = $1 AND old.id = r.id AND r.status <> 'CANCELLED'
			RETURNING old.status, old.allocation_id`, id, reason).Scan(&status, &allocID)
		if errors.Is(err, pgx.ErrNoRows) {
			return ErrAlreadyCancelled
		}
		if err != nil {
			return err
		}
		if err := countSeat(ctx, tx, slotID, status, allocID, -1); err != nil {
			return err
		}
		if err := causedEvent(ctx, tx, "CANCELLED", cause, slotID, &id); err != nil {
			return err
		}
		if err := promote(ctx, tx, slotID); err != nil {
			return err
		}
		reg, err = RegistrationByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Registration{}, fmt.Errorf("cancel registration %d: %w", id, err)
	}
	return reg, nil
}

// promote confirms people from the waiting list while seats are free, in its order (priority
// first, then time of joining): each time, the first person who may take a free seat, one free
// for everyone or a free reserved seat of their organisation (and department); a department
// whose quota is capped takes only its reserved seats (seatFor). Once the slot has
// started nobody is promoted: a seat in a workshop under way is no offer. The slot must be
// locked by the caller.
func promote(ctx context.Context, tx pgx.Tx, slotID int64) error {
	for {
		s, err := SlotByID(ctx, tx, slotID)
		if err != nil || s.Status != SlotScheduled || !s.StartsAt.After(time.Now()) {
			return err
		}
		var id int64
		var allocID *int64
		err = tx.QueryRow(ctx, `
			SELECT r.id, a.id FROM registrations r
			LEFT JOIN LATERAL (`+fmt.Sprintf(reservedSeat, "r.slot_id", "r.registered_by_org_id", "r.allocation_label")+`) a ON true
			WHERE r.slot_id = $1 AND r.status = 'WAITLISTED'
			  AND (a.id IS NOT NULL OR $2 AND NOT EXISTS (SELECT FROM slot_allocations c
				WHERE c.slot_id = r.slot_id AND c.organisation_id = r.registered_by_org_id
				  AND (c.label = r.allocation_label OR c.label = '') AND c.is_cap AND c.released_at IS NULL))
			ORDER BY r.priority DESC, r.joined_at, r.id LIMIT 1`, slotID, s.SeatsLeft() > 0).Scan(&id, &allocID)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil // nobody waiting may take a free seat
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE registrations SET status = 'CONFIRMED', confirmed_at = now(),
			allocation_id = $2 WHERE id = $1`, id, allocID); err != nil {
			return err
		}
		if err := countSeat(ctx, tx, slotID, RegistrationWaitlisted, nil, -1); err != nil {
			return err
		}
		if err := countSeat(ctx, tx, slotID, RegistrationConfirmed, allocID, +1); err != nil {
			return err
		}
		if err := event(ctx, tx, "PROMOTED", slotID, &id); err != nil {
			return err
		}
	}
}

// RegisterAllError says which request of RegisterAll was refused.
type RegisterAllError struct {
	Index int // in the requests given to RegisterAll
	Err   error
}

func (e *RegisterAllError) Error() string { return fmt.Sprintf("request %d: %v", e.Index, e.Err) }
func (e *RegisterAllError) Unwrap() error { return e.Err }

// RegisterAll makes several registrations in one transaction, all or none: one slot for a
// household (Enrol does a programme's slots for one person).
func RegisterAll(ctx context.Context, q Querier, reqs []RegisterRequest) ([]Registration, []string, error) {
	var regs []Registration
	var tokens []string
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) (err error) {
		regs, tokens, err = registerAll(ctx, tx, reqs)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("register all: %w", err)
	}
	return regs, tokens, nil
}

// registerAll makes the registrations in tx. Slots are locked in id order, whatever the order
// asked, so that two calls never deadlock.
func registerAll(ctx context.Context, tx pgx.Tx, reqs []RegisterRequest) ([]Registration, []string, error) {
	order := make([]int, len(reqs))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return cmp.Compare(reqs[a].SlotID, reqs[b].SlotID) })
	regs, tokens := make([]Registration, len(reqs)), make([]string, len(reqs))
	for _, i := range order {
		reg, token, err := Register(ctx, tx, reqs[i])
		if err != nil {
			return nil, nil, &RegisterAllError{Index: i, Err: err}
		}
		regs[i], tokens[i] = reg, token
	}
	return regs, tokens, nil
}
