package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// WalkInWindow is how long after a slot ends the host may still record who came: the
// médiatrice fills her sheet in once the last person has left.
const WalkInWindow = 24 * time.Hour

// ErrWalkInTooLate: the slot ended more than WalkInWindow ago.
var ErrWalkInTooLate = errors.New("the slot ended too long ago to record who came")

// RecordWalkIn records a person who came to a slot without registration, present at once,
// during the slot or within WalkInWindow after it. The person takes a seat as any
// registration does (a department's quota included); when none is left, overCapacity (the
// host's reason) seats them all the same, the slot's capacity growing by one, and the reason
// is kept. Nobody is told (the person is there); webhooks say created, confirmed, present.
func RecordWalkIn(ctx context.Context, q Querier, req RegisterRequest, overCapacity *string) (Registration, error) {
	var reg Registration
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		s, err := lockSlot(ctx, tx, req.SlotID)
		if err != nil {
			return err
		}
		now := time.Now()
		switch {
		case s.Status == SlotCancelled:
			return ErrSlotCancelled
		case now.Before(s.StartsAt):
			return ErrSlotNotStarted
		case now.After(s.EndsAt.Add(WalkInWindow)):
			return ErrWalkInTooLate
		}
		if err := checkConsentVersion(ctx, tx, s.OrganisationID, req.ConsentVersion); err != nil {
			return err
		}
		allocID, seat, err := seatFor(ctx, tx, s, req.Caller.OrganisationID, req.AllocationLabel)
		if err != nil {
			return err
		}
		if !seat {
			if overCapacity == nil {
				return ErrSlotFull
			}
			// The capacity grows to hold the person, so that seats taken never exceed it.
			tag, err := tx.Exec(ctx, `UPDATE slots SET capacity = capacity + 1 WHERE id = $1 AND capacity < 500`, s.ID)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return ErrSlotFull // at the largest capacity a slot may have
			}
		} else {
			overCapacity = nil // a seat was free: nothing to justify
		}
		id, err := insertRegistration(ctx, tx, req, RegistrationConfirmed, allocID, nil, newToken())
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE registrations SET walk_in = true, over_capacity_reason = $2,
			attendance = 'PRESENT', attendance_marked_at = now() WHERE id = $1`, id, overCapacity); err != nil {
			return err
		}
		if err := countSeat(ctx, tx, s.ID, RegistrationConfirmed, allocID, +1); err != nil {
			return err
		}
		// One event, of attendance, which tells no one by message; its webhooks say all of it.
		if err := eventTelling(ctx, tx, "ATTENDANCE_MARKED", "", s.ID, &id, []WebhookEventType{WebhookRegistrationCreated,
			WebhookRegistrationConfirmed, WebhookAttendanceMarked, WebhookSeatsChanged}); err != nil {
			return err
		}
		reg, err = RegistrationByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Registration{}, fmt.Errorf("record a walk-in on slot %d: %w", req.SlotID, err)
	}
	return reg, nil
}
