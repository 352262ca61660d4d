package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// bookingCheck is the state of the booking counters against the registrations' rows.
type bookingCheck struct {
	Slots, Registrations int64
	Overbooked           int64 // seats taken and reserved above capacity
	Mismatched           int64 // seats_taken or waitlist_length not matching the rows
}

func (c bookingCheck) ok() bool { return c.Overbooked == 0 && c.Mismatched == 0 }

func (c bookingCheck) String() string {
	verdict := "OK"
	if !c.ok() {
		verdict = "FAILED"
	}
	return fmt.Sprintf("%s: %d slots, %d registrations; %d slots overbooked; %d slots whose counters (seats_taken, waitlist_length) do not match their CONFIRMED and WAITLISTED registrations",
		verdict, c.Slots, c.Registrations, c.Overbooked, c.Mismatched)
}

// checkBookings counts, over every slot, overbooking and counters that disagree with the rows.
func checkBookings(ctx context.Context, pool *pgxpool.Pool) (bookingCheck, error) {
	var c bookingCheck
	err := pool.QueryRow(ctx, `
		SELECT count(*), coalesce(sum(c.total), 0)::bigint,
			count(*) FILTER (WHERE s.seats_taken + s.seats_reserved > s.capacity),
			count(*) FILTER (WHERE s.seats_taken <> coalesce(c.confirmed, 0) OR s.waitlist_length <> coalesce(c.waitlisted, 0))
		FROM slots s LEFT JOIN (
			SELECT slot_id, count(*) AS total,
				count(*) FILTER (WHERE status = 'CONFIRMED') AS confirmed,
				count(*) FILTER (WHERE status = 'WAITLISTED') AS waitlisted
			FROM registrations GROUP BY slot_id) c ON c.slot_id = s.id`).
		Scan(&c.Slots, &c.Registrations, &c.Overbooked, &c.Mismatched)
	if err != nil {
		return c, fmt.Errorf("check bookings: %w", err)
	}
	return c, nil
}

// hotSlotState is one hot slot after a run.
type hotSlotState struct {
	ID                               int64
	Capacity, SeatsTaken, Waitlisted int
}

func hotStates(ctx context.Context, pool *pgxpool.Pool, ids []int64) ([]hotSlotState, error) {
	var out []hotSlotState
	for _, id := range ids {
		h := hotSlotState{ID: id}
		if err := pool.QueryRow(ctx, `SELECT capacity, seats_taken, waitlist_length FROM slots WHERE id = $1`, id).
			Scan(&h.Capacity, &h.SeatsTaken, &h.Waitlisted); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}
