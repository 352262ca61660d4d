package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/regiestains/ateliers/db"
)

// A capped reservation is the department's limit: its people take its seats, then are
// refused, waiting list or not, while the public still takes free seats; a waiting person of
// the department is never promoted onto a public seat.
func TestAQuotaCapsItsDepartment(t *testing.T) {
	b := newBooker(t)
	ctx := context.Background()
	if _, err := b.pool.Exec(ctx, `UPDATE slots SET capacity = 5 WHERE id = $1`, b.slotID); err != nil {
		t.Fatal(err)
	}
	var host int64
	if err := b.pool.QueryRow(ctx, `SELECT organisation_id FROM slots WHERE id = $1`, b.slotID).Scan(&host); err != nil {
		t.Fatal(err)
	}
	// A department already waiting before the quota existed (the slot was full for a moment).
	if _, err := db.Reserve(ctx, b.pool, db.Allocation{SlotID: b.slotID, OrganisationID: host, Label: "Propreté", Seats: 1, Capped: true}); err != nil {
		t.Fatal(err)
	}
	employee := func(n int, waitlist bool) (db.Registration, error) {
		req := b.request(n, waitlist)
		req.Caller, req.AllocationLabel = db.Caller{KeyID: 1, OrganisationID: host}, "Propreté"
		reg, _, err := db.Register(ctx, b.pool, req)
		return reg, err
	}
	if reg, err := employee(1, false); err != nil || !reg.HasReservedSeat() {
		t.Fatalf("the department's first: %+v, %v; want its reserved seat", reg, err)
	}
	for _, waitlist := range []bool{false, true} {
		if _, err := employee(2, waitlist); !errors.Is(err, db.ErrQuotaReached) {
			t.Errorf("the department's second (waiting list %v): %v, want ErrQuotaReached", waitlist, err)
		}
	}
	b.mustRegister(3, false, db.RegistrationConfirmed) // a resident, on a public seat
	// A department person put on the waiting list behind the API's back (before a quota)
	// is not promoted onto a public seat when one frees.
	if _, err := b.pool.Exec(ctx, `INSERT INTO registrations (slot_id, status, confirmation_code, token_hash,
		allocation_label, registered_by_org_id, first_name, phone, consent_version, consented_at)
		VALUES ($1, 'WAITLISTED', 'QUOTA-1', '\x01', 'Propreté', $2, 'Awa', '+33612345678', '2026-11', now())`, b.slotID, host); err != nil {
		t.Fatal(err)
	}
	if _, err := b.pool.Exec(ctx, `UPDATE slots SET waitlist_length = waitlist_length + 1 WHERE id = $1`, b.slotID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateSlot(ctx, b.pool, b.slotID, func(s *db.Slot) error { s.Capacity = 6; return nil }); err != nil {
		t.Fatal(err)
	}
	var waiting int
	b.pool.QueryRow(ctx, `SELECT count(*) FROM registrations WHERE slot_id = $1 AND status = 'WAITLISTED'`, b.slotID).Scan(&waiting)
	if waiting != 1 {
		t.Errorf("after a seat freed: %d waiting, want the department's person still waiting", waiting)
	}
}
