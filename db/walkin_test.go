package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// A walk-in takes a free seat, present at once; on a full slot only with a reason, the
// capacity growing by one so that seats taken never exceed it; never before the slot.
func TestAWalkInTakesASeatOrSaysWhyNot(t *testing.T) {
	b := newBooker(t) // capacity 2
	ctx := context.Background()
	walkIn := func(n int, reason *string) (db.Registration, error) {
		req := b.request(n, false)
		return db.RecordWalkIn(ctx, b.pool, req, reason)
	}
	if _, err := walkIn(1, nil); !errors.Is(err, db.ErrSlotNotStarted) {
		t.Errorf("before the slot: %v, want ErrSlotNotStarted", err)
	}
	if _, err := b.pool.Exec(ctx, `UPDATE slots SET starts_at = now() - interval '1 hour', ends_at = now() + interval '1 hour',
		registration_closes_at = now() - interval '1 hour' WHERE id = $1`, b.slotID); err != nil {
		t.Fatal(err)
	}
	for n := range 2 {
		if reg, err := walkIn(n+1, nil); err != nil || reg.Attendance == nil || *reg.Attendance != db.AttendancePresent || !reg.WalkIn {
			t.Fatalf("walk-in %d: %+v, %v", n+1, reg, err)
		}
	}
	if _, err := walkIn(3, nil); !errors.Is(err, db.ErrSlotFull) {
		t.Errorf("a full slot without a reason: %v, want ErrSlotFull", err)
	}
	reason := "Accompagne sa mère"
	if reg, err := walkIn(3, &reason); err != nil || reg.OverCapacityReason == nil || *reg.OverCapacityReason != reason {
		t.Fatalf("over capacity with a reason: %+v, %v", reg, err)
	}
	s, err := db.SlotByID(ctx, b.pool, b.slotID)
	if err != nil || s.Capacity != 3 || s.SeatsTaken != 3 {
		t.Errorf("the slot: capacity %d, taken %d, %v; want 3 and 3", s.Capacity, s.SeatsTaken, err)
	}
}
