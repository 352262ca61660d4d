package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Allocation reserves seats of a slot for an organisation, or for one of its departments
// (label), until an optional release time after which unused seats return to everyone.
type Allocation struct {
	ID             int64
	SlotID         int64
	OrganisationID int64
	Label          string
	Seats          int
	SeatsTaken     int
	ReleaseAt      *time.Time
	ReleasedAt     *time.Time
	// Capped: the seats are also the department's limit on the slot (a quota): its people
	// take no seat outside them while the reservation holds (ErrQuotaReached).
	Capped bool
}

const allocationColumns = `id, slot_id, organisation_id, label, seats, seats_taken, release_at, released_at, is_cap`

func scanAllocation(row pgx.CollectableRow) (Allocation, error) {
	var a Allocation
	err := row.Scan(&a.ID, &a.SlotID, &a.OrganisationID, &a.Label, &a.Seats, &a.SeatsTaken, &a.ReleaseAt, &a.ReleasedAt, &a.Capped)
	return a, err
}

// ErrNotEnoughFreeSeats: a reservation asks for more seats than are free for everyone.
var ErrNotEnoughFreeSeats = errors.New("not enough free seats")

// AllocationsOfSlots returns the allocations of the given slots.
func AllocationsOfSlots(ctx context.Context, q Querier, slotIDs []int64) ([]Allocation, error) {
	return queryAll(ctx, q, "allocations", scanAllocation, `SELECT `+allocationColumns+` FROM slot_allocations WHERE slot_id = ANY($1) ORDER BY id`, slotIDs)
}

// AllocationByID returns one allocation.
func AllocationByID(ctx context.Context, q Querier, id int64) (Allocation, error) {
	return queryOne(ctx, q, fmt.Sprintf("allocation %d", id), scanAllocation, `SELECT `+allocationColumns+` FROM slot_allocations WHERE id = $1`, id)
}

// Reserve reserves seats of a slot for an organisation (and label): only seats free for
// everyone can be reserved. People of that organisation already on the waiting list take
// them at once.
func Reserve(ctx context.Context, q Querier, a Allocation) (Allocation, error) {
	var created Allocation
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		s, err := lockSlot(ctx, tx, a.SlotID)
		if err != nil {
			return err
		}
		if err := SlotChangeable(s); err != nil {
			return err
		}
		if a.Seats > s.SeatsLeft() {
			return ErrNotEnoughFreeSeats
		}
		rows, _ := tx.Query(ctx, `
			INSERT INTO slot_allocations (slot_id, organisation_id, label, seats, release_at, is_cap)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+allocationColumns,
			a.SlotID, a.OrganisationID, a.Label, a.Seats, a.ReleaseAt, a.Capped)
		if created, err = pgx.CollectExactlyOneRow(rows, scanAllocation); err != nil {
			if isUniqueViolation(err, "slot_allocations_slot_id_organisation_id_label_key") {
				return ErrTaken
			}
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE slots SET seats_reserved = seats_reserved + $2 WHERE id = $1`, a.SlotID, a.Seats); err != nil {
			return err
		}
		if err := event(ctx, tx, "SEATS_RESERVED", a.SlotID, nil); err != nil {
			return err
		}
		if err := promote(ctx, tx, a.SlotID); err != nil {
			return err
		}
		created, err = AllocationByID(ctx, tx, created.ID)
		return err
	})
	if err != nil {
		return Allocation{}, fmt.Errorf("reserve seats on slot %d: %w", a.SlotID, err)
	}
	return created, nil
}

// ReleaseAllocation returns an allocation's unused seats to everyone now, and moves the
// waiting list onto them.
func ReleaseAllocation(ctx context.Context, q Querier, id int64) (Allocation, error) {
	var released Allocation
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		a, err := AllocationByID(ctx, tx, id)
		if err != nil {
			return err
		}
		// The slot first, as every booking transaction does, so that a release and a booking
		// never deadlock.
		if _, err := lockSlot(ctx, tx, a.SlotID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE slot_allocations SET release_at = least(coalesce(release_at, now()), now())
			WHERE id = $1`, id); err != nil {
			return err
		}
		if _, err := releaseDueAllocations(ctx, tx, a.SlotID); err != nil {
			return err
		}
		if err := event(ctx, tx, "SEATS_RELEASED", a.SlotID, nil); err != nil {
			return err
		}
		if err := promote(ctx, tx, a.SlotID); err != nil {
			return err
		}
		released, err = AllocationByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Allocation{}, fmt.Errorf("release allocation %d: %w", id, err)
	}
	return released, nil
}

// releaseDueAllocations marks the slot's allocations whose release time has passed as
// released and takes their unused seats out of the reserve. It returns the seats freed.
func releaseDueAllocations(ctx context.Context, tx pgx.Tx, slotID int64) (int, error) {
	var freed int
	err := tx.QueryRow(ctx, `
		WITH r AS (
			UPDATE slot_allocations SET released_at = now()
			WHERE slot_id = $1 AND released_at IS NULL AND release_at <= now()
			RETURNING seats - seats_taken AS unused),
		freed AS (SELECT coalesce(sum(unused), 0)::int AS n FROM r),
		-- Written only when something was due: this runs at every booking.
		counted AS (UPDATE slots SET seats_reserved = seats_reserved - freed.n FROM freed WHERE id = $1 AND freed.n > 0)
		SELECT n FROM freed`, slotID).Scan(&freed)
	if err != nil {
		return 0, fmt.Errorf("release due allocations of slot %d: %w", slotID, err)
	}
	return freed, nil
}

// ReleaseDueAllocations releases, slot by slot, every allocation whose time has come, and
// moves the waiting lists: the booking worker calls it periodically, so that waiting lists
// move even on slots nobody touches. It returns the number of slots processed.
func ReleaseDueAllocations(ctx context.Context, q Querier) (int, error) {
	rows, _ := q.Query(ctx, `SELECT DISTINCT slot_id FROM slot_allocations WHERE released_at IS NULL AND release_at <= now()`)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return 0, fmt.Errorf("due allocations: %w", err)
	}
	// One slot failing must not keep the others' waiting lists still: go on, report all.
	var errs []error
	for _, id := range ids {
		if err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
			_, err := lockSlot(ctx, tx, id)
			return err
		}); err != nil {
			errs = append(errs, fmt.Errorf("slot %d: %w", id, err))
		}
	}
	return len(ids) - len(errs), errors.Join(errs...)
}

// reservedSeat is the one choice of the reserved seat a person takes: a free seat of an
// allocation of their organisation, for their department (label) or, failing that, for the
// whole organisation (an empty label), never a released one. Its three arguments are SQL expressions
// for the slot, the organisation and the label: parameters when a person registers (seatFor),
// columns of the waiting registration when the list moves (promote).
const reservedSeat = `SELECT a.id FROM slot_allocations a
	WHERE a.slot_id = %[1]s AND a.organisation_id = %[2]s AND (a.label = %[3]s OR a.label = '')
	  AND a.released_at IS NULL AND a.seats_taken < a.seats
	ORDER BY a.label = '' LIMIT 1`

// RegistrationsOfAllocation returns the registrations holding seats of allocation id, in the
// order they took them: who used a department's quota.
func RegistrationsOfAllocation(ctx context.Context, q Querier, id int64) ([]Registration, error) {
	return queryAll(ctx, q, "registrations of an allocation", scanRegistration, `SELECT `+registrationColumns+registrationsFrom+`
		WHERE r.allocation_id = $1 AND r.status = 'CONFIRMED' ORDER BY r.id`, id)
}

// ErrQuotaReached: the department's capped reservation is used up, and its people take no
// other seat of the slot.
var ErrQuotaReached = errors.New("the department's quota on this slot is used up")

// seatFor says whether a person of organisation orgID (0 for none), for department label, can
// take a seat on slot s now: a free reserved seat of their organisation first (reservedSeat),
// else a seat free for everyone, unless their department's quota is capped and used up
// (ErrQuotaReached: no seat, and no waiting list either, which could seat them among the
// public later). allocID names the allocation the seat comes from, if any.
func seatFor(ctx context.Context, tx pgx.Tx, s Slot, orgID int64, label string) (allocID *int64, ok bool, err error) {
	if orgID != 0 {
		var id int64
		err := tx.QueryRow(ctx, fmt.Sprintf(reservedSeat, "$1", "$2", "$3"), s.ID, orgID, label).Scan(&id)
		if err == nil {
			return &id, true, nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return nil, false, err
		}
		var capped bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM slot_allocations WHERE slot_id = $1
			AND organisation_id = $2 AND (label = $3 OR label = '') AND is_cap AND released_at IS NULL)`,
			s.ID, orgID, label).Scan(&capped); err != nil {
			return nil, false, err
		}
		if capped {
			return nil, false, ErrQuotaReached
		}
	}
	return nil, s.SeatsLeft() > 0, nil
}
