package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// The reads of live seat counts (package live): one statement for every subscriber of a
// slot, whoever they are, and one per kind of caller to check what each kind may still see.

// SlotsWithAllocations returns the slots of ids whatever their visibility, each with all of
// its allocations (WithAllocations, never nil), in two statements: what every subscriber of a
// slot needs to know its seats left, read once for all of them.
func SlotsWithAllocations(ctx context.Context, q Querier, ids []int64) ([]Slot, error) {
	slots, err := SlotsByID(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	as, err := AllocationsOfSlots(ctx, q, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]int, len(slots))
	for i := range slots {
		slots[i].WithAllocations = []Allocation{}
		byID[slots[i].ID] = i
	}
	for _, a := range as {
		if i, ok := byID[a.SlotID]; ok {
			slots[i].WithAllocations = append(slots[i].WithAllocations, a)
		}
	}
	return slots, nil
}

// VisibleSlotIDs returns those of ids that the caller may see, by the rule every other read
// applies (slotVisible).
func VisibleSlotIDs(ctx context.Context, q Querier, c Caller, ids []int64) ([]int64, error) {
	w := where{}
	w.add(slotVisible, c.OrganisationID, c.Partner())
	w.add("s.id = ANY($%d)", ids)
	visible, err := queryAll(ctx, q, "visible slots", func(row pgx.CollectableRow) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	}, `SELECT s.id FROM slots s JOIN workshops w ON w.id = s.workshop_id `+w.sql(), w.args...)
	if err != nil {
		return nil, fmt.Errorf("check %d slots: %w", len(ids), err)
	}
	return visible, nil
}

// ActiveKeyIDs returns those of the API keys ids that are not revoked: a subscription lives for
// hours, and the key that opened it may be revoked meanwhile.
func ActiveKeyIDs(ctx context.Context, q Querier, ids []int64) ([]int64, error) {
	return queryAll(ctx, q, "active keys", func(row pgx.CollectableRow) (int64, error) {
		var id int64
		err := row.Scan(&id)
		return id, err
	}, `SELECT id FROM api_keys WHERE id = ANY($1) AND revoked_at IS NULL`, ids)
}
