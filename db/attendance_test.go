package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// Attendance is marked once the slot has started, on a confirmed registration only, and the
// start is judged in the transaction that writes it: a slot moved later meanwhile is refused.
func TestAttendanceIsMarkedOnceTheSlotHasStarted(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	slotID := newSlot(t, pool, "regie")
	register := func(n string, waitlist bool) int64 {
		t.Helper()
		phone := "+3361234567" + n
		reg, _, err := db.Register(ctx, pool, db.RegisterRequest{SlotID: slotID, ConsentVersion: "2026-11", JoinWaitlist: waitlist,
			Participant: db.Participant{FirstName: &n, LastName: &n, Phone: &phone}})
		if err != nil {
			t.Fatal(err)
		}
		return reg.ID
	}
	confirmed := register("1", false)
	register("2", false) // the slot's capacity is 2
	waiting := register("3", true)

	if _, err := db.MarkAttendance(ctx, pool, confirmed, db.AttendancePresent); !errors.Is(err, db.ErrSlotNotStarted) {
		t.Errorf("before the start: got %v, want ErrSlotNotStarted", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE slots SET starts_at = now() - interval '1 hour', ends_at = now() + interval '1 hour',
		registration_closes_at = now() - interval '1 hour' WHERE id = $1`, slotID); err != nil {
		t.Fatal(err)
	}
	reg, err := db.MarkAttendance(ctx, pool, confirmed, db.AttendancePresent)
	if err != nil || reg.Attendance == nil || *reg.Attendance != db.AttendancePresent {
		t.Errorf("after the start: got %+v, %v; want PRESENT", reg.Attendance, err)
	}
	if _, err := db.MarkAttendance(ctx, pool, waiting, db.AttendanceAbsent); !errors.Is(err, db.ErrNotConfirmed) {
		t.Errorf("a waitlisted registration: got %v, want ErrNotConfirmed", err)
	}
	if _, err := db.MarkAttendance(ctx, pool, 999999, db.AttendanceAbsent); !errors.Is(err, db.ErrNotFound) {
		t.Errorf("no such registration: got %v, want ErrNotFound", err)
	}
}
