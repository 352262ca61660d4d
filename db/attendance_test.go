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

// An outcome is recorded only for a person marked PRESENT, and marking them otherwise
// afterwards clears it (the CHECK registrations_outcome_present holds it in the table too).
func TestOutcomeIsRecordedForAPersonWhoCame(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	slotID := newSlot(t, pool, "regie")
	register := func(n string) int64 {
		t.Helper()
		phone := "+3361234567" + n
		reg, _, err := db.Register(ctx, pool, db.RegisterRequest{SlotID: slotID, ConsentVersion: "2026-11",
			Participant: db.Participant{FirstName: &n, LastName: &n, Phone: &phone}})
		if err != nil {
			t.Fatal(err)
		}
		return reg.ID
	}
	came, unmarked := register("1"), register("2")
	note := "CV imprimé, à envoyer à deux offres"
	if _, err := db.RecordOutcome(ctx, pool, came, db.OutcomeCVWritten, &note); !errors.Is(err, db.ErrNotPresent) {
		t.Errorf("before the start: got %v, want ErrNotPresent", err)
	}
	if _, err := pool.Exec(ctx, `UPDATE slots SET starts_at = now() - interval '1 hour', ends_at = now() + interval '1 hour',
		registration_closes_at = now() - interval '1 hour' WHERE id = $1`, slotID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordOutcome(ctx, pool, unmarked, db.OutcomeCVWritten, nil); !errors.Is(err, db.ErrNotPresent) {
		t.Errorf("attendance not marked: got %v, want ErrNotPresent", err)
	}
	if _, err := db.MarkAttendance(ctx, pool, came, db.AttendanceAbsent); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordOutcome(ctx, pool, came, db.OutcomeCVWritten, nil); !errors.Is(err, db.ErrNotPresent) {
		t.Errorf("absent: got %v, want ErrNotPresent", err)
	}
	if _, err := db.MarkAttendance(ctx, pool, came, db.AttendancePresent); err != nil {
		t.Fatal(err)
	}
	reg, err := db.RecordOutcome(ctx, pool, came, db.OutcomeCVWritten, &note)
	if o := reg.Outcome; err != nil || o == nil || o.Kind != db.OutcomeCVWritten || o.Note == nil || *o.Note != note || o.RecordedAt.IsZero() {
		t.Fatalf("present: got %+v, %v; want CV_WRITTEN with the note", o, err)
	}
	reg, err = db.RecordOutcome(ctx, pool, came, db.OutcomeNeedsFollowUp, nil)
	if o := reg.Outcome; err != nil || o == nil || o.Kind != db.OutcomeNeedsFollowUp || o.Note != nil {
		t.Errorf("recorded again: got %+v, %v; want NEEDS_FOLLOW_UP without a note, replacing the first", o, err)
	}
	reg, err = db.MarkAttendance(ctx, pool, came, db.AttendanceExcused)
	if err != nil || reg.Outcome != nil {
		t.Errorf("marked excused afterwards: got outcome %+v, %v; want none", reg.Outcome, err)
	}
	if _, err := pool.Exec(ctx, `UPDATE registrations SET outcome = 'OTHER', outcome_recorded_at = now() WHERE id = $1`, came); err == nil {
		t.Errorf("an outcome written for an excused person: got no error, want the CHECK to refuse it")
	}
}
