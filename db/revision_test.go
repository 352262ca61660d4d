package db_test

import (
	"context"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
)

// A slot's revision (a calendar event's SEQUENCE) rises when its time, venue or status change,
// and not when seats are taken or its capacity changes.
func TestASlotsRevisionCountsWhatACalendarShows(t *testing.T) {
	b := newBooker(t)
	ctx := context.Background()
	revision := func() int {
		t.Helper()
		s, err := db.SlotByID(ctx, b.pool, b.slotID)
		if err != nil {
			t.Fatal(err)
		}
		return s.Revision
	}
	if got := revision(); got != 0 {
		t.Fatalf("a new slot: revision %d, want 0", got)
	}
	b.mustRegister(1, false, db.RegistrationConfirmed)
	change := func(name string, f func(*db.Slot), want int) {
		t.Helper()
		if _, err := db.UpdateSlot(ctx, b.pool, b.slotID, func(s *db.Slot) error { f(s); return nil }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := revision(); got != want {
			t.Errorf("after %s: revision %d, want %d", name, got, want)
		}
	}
	change("a seat taken and a capacity raised", func(s *db.Slot) { s.Capacity = 5 }, 0)
	change("a move by an hour", func(s *db.Slot) {
		s.StartsAt, s.EndsAt = s.StartsAt.Add(time.Hour), s.EndsAt.Add(time.Hour)
		s.RegistrationClosesAt = s.StartsAt
	}, 1)
	if _, err := db.CancelSlot(ctx, b.pool, b.slotID, "salle indisponible"); err != nil {
		t.Fatal(err)
	}
	if got := revision(); got != 2 {
		t.Errorf("after the cancellation: revision %d, want 2", got)
	}
}
