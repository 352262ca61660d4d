package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// The booking rules of the product, each stated once against the booking transactions
// themselves (server/ tests them again as a client sees them).

// booker registers numbered people on one slot (newSlot: capacity 2, public, tomorrow).
type booker struct {
	t      *testing.T
	pool   db.Querier
	slotID int64
}

func newBooker(t *testing.T) booker {
	pool := dbtest.New(t)
	return booker{t: t, pool: pool, slotID: newSlot(t, pool, "regie")}
}

func (b booker) request(n int, waitlist bool) db.RegisterRequest {
	name, phone := fmt.Sprintf("Personne %d", n), fmt.Sprintf("+3361000%04d", n)
	return db.RegisterRequest{SlotID: b.slotID, ConsentVersion: "2026-11", JoinWaitlist: waitlist,
		Participant: db.Participant{FirstName: &name, LastName: &name, Phone: &phone}}
}

func (b booker) register(n int, waitlist bool) (db.Registration, error) {
	reg, _, err := db.Register(context.Background(), b.pool, b.request(n, waitlist))
	return reg, err
}

func (b booker) mustRegister(n int, waitlist bool, want db.RegistrationStatus) db.Registration {
	b.t.Helper()
	reg, err := b.register(n, waitlist)
	if err != nil || reg.Status != want {
		b.t.Fatalf("person %d: got %s, %v; want %s", n, reg.Status, err, want)
	}
	return reg
}

// seats reads the slot's counters and checks them against its registrations.
func (b booker) seats() (taken, waiting int) {
	b.t.Helper()
	var confirmed, waitlisted int
	err := b.pool.QueryRow(context.Background(), `SELECT s.seats_taken, s.waitlist_length,
		(SELECT count(*) FROM registrations WHERE slot_id = s.id AND status = 'CONFIRMED'),
		(SELECT count(*) FROM registrations WHERE slot_id = s.id AND status = 'WAITLISTED')
		FROM slots s WHERE s.id = $1`, b.slotID).Scan(&taken, &waiting, &confirmed, &waitlisted)
	if err != nil {
		b.t.Fatal(err)
	}
	if taken != confirmed || waiting != waitlisted {
		b.t.Errorf("counters %d taken, %d waiting; rows %d confirmed, %d waitlisted", taken, waiting, confirmed, waitlisted)
	}
	return taken, waiting
}

// A slot never holds more confirmed participants than its capacity, whatever the concurrency.
func TestBookingNeverMoreConfirmedThanCapacity(t *testing.T) {
	t.Parallel()
	b := newBooker(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	got := map[db.RegistrationStatus]int{}
	for n := range 20 {
		wg.Go(func() {
			reg, err := b.register(n, n%2 == 0) // half of them ask to wait when it is full
			if err != nil && !errors.Is(err, db.ErrSlotFull) {
				t.Errorf("person %d: %v", n, err)
			}
			mu.Lock()
			got[reg.Status]++
			mu.Unlock()
		})
	}
	wg.Wait()
	taken, waiting := b.seats()
	if taken != 2 || got[db.RegistrationConfirmed] != 2 || waiting != got[db.RegistrationWaitlisted] || taken+waiting+got[""] != 20 {
		t.Errorf("got %d confirmed, %d waiting, answers %v; want the capacity (2), and every other person waiting or refused", taken, waiting, got)
	}
	if _, err := b.register(100, false); !errors.Is(err, db.ErrSlotFull) {
		t.Errorf("one more without the waiting list: got %v, want ErrSlotFull", err)
	}
}

// A person is never registered twice on the same slot.
func TestBookingNeverTwiceOnOneSlot(t *testing.T) {
	t.Parallel()
	b := newBooker(t)
	b.mustRegister(1, false, db.RegistrationConfirmed)
	if _, err := b.register(1, true); !errors.Is(err, db.ErrAlreadyRegistered) {
		t.Errorf("the same phone again: got %v, want ErrAlreadyRegistered", err)
	}
	if taken, _ := b.seats(); taken != 1 {
		t.Errorf("seats taken %d, want 1", taken)
	}
}

// When a seat frees up, the waiting list moves without anyone acting: the person with
// priority first, then in order of arrival.
func TestBookingACancellationPromotesTheWaitingList(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newBooker(t)
	first := b.mustRegister(1, false, db.RegistrationConfirmed)
	b.mustRegister(2, false, db.RegistrationConfirmed)
	early := b.mustRegister(3, true, db.RegistrationWaitlisted)
	late := b.mustRegister(4, true, db.RegistrationWaitlisted)
	reason := "Jeune sans équipement"
	if _, err := db.SetPriority(ctx, b.pool, late.ID, true, &reason); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CancelRegistration(ctx, b.pool, first.ID, "Empêchée", db.CancelledByPerson); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[int64]db.RegistrationStatus{late.ID: db.RegistrationConfirmed, early.ID: db.RegistrationWaitlisted} {
		if reg, err := db.RegistrationByID(ctx, b.pool, id); err != nil || reg.Status != want {
			t.Errorf("registration %d: got %s, %v; want %s", id, reg.Status, err, want)
		}
	}
	if taken, waiting := b.seats(); taken != 2 || waiting != 1 {
		t.Errorf("got %d taken, %d waiting; want 2 and 1", taken, waiting)
	}
	if _, err := db.CancelRegistration(ctx, b.pool, first.ID, "again", db.CancelledByPerson); !errors.Is(err, db.ErrAlreadyCancelled) {
		t.Errorf("cancelling twice: got %v, want ErrAlreadyCancelled", err)
	}
}

// Registrations follow the slot's window and state: not before it opens, not after it closes
// or starts, never on a cancelled slot; a refused registration leaves nothing behind.
func TestBookingFollowsTheSlotsWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		name, update string
		want         error
	}{
		{"not open yet", `registration_opens_at = now() + interval '1 hour'`, db.ErrRegistrationNotOpen},
		{"closed", `registration_closes_at = now() - interval '1 minute', starts_at = now() + interval '1 hour'`, db.ErrRegistrationClosed},
		{"cancelled", `status = 'CANCELLED', cancelled_at = now()`, db.ErrSlotCancelled},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			b := newBooker(t)
			if _, err := b.pool.Exec(ctx, `UPDATE slots SET `+c.update+` WHERE id = $1`, b.slotID); err != nil {
				t.Fatal(err)
			}
			if _, err := b.register(1, true); !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
			if taken, waiting := b.seats(); taken != 0 || waiting != 0 {
				t.Errorf("a refused registration left %d taken, %d waiting", taken, waiting)
			}
		})
	}
}

// Reserved seats are for their organisation: only free seats can be reserved, the public no
// longer gets them, and releasing them gives them to the waiting list at once.
func TestBookingReservedSeats(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newBooker(t)
	var partner int64
	if err := b.pool.QueryRow(ctx, `INSERT INTO organisations (name, slug, kind) VALUES ('FT', 'ft', 'FRANCE_TRAVAIL') RETURNING id`).Scan(&partner); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Reserve(ctx, b.pool, db.Allocation{SlotID: b.slotID, OrganisationID: partner, Seats: 3}); !errors.Is(err, db.ErrNotEnoughFreeSeats) {
		t.Errorf("3 seats of 2: got %v, want ErrNotEnoughFreeSeats", err)
	}
	alloc, err := db.Reserve(ctx, b.pool, db.Allocation{SlotID: b.slotID, OrganisationID: partner, Seats: 1})
	if err != nil {
		t.Fatal(err)
	}
	b.mustRegister(1, false, db.RegistrationConfirmed)
	if _, err := b.register(2, false); !errors.Is(err, db.ErrSlotFull) {
		t.Errorf("the public on the reserved seat: got %v, want ErrSlotFull", err)
	}
	waiting := b.mustRegister(3, true, db.RegistrationWaitlisted)
	if _, err := db.ReleaseAllocation(ctx, b.pool, alloc.ID); err != nil {
		t.Fatal(err)
	}
	if reg, err := db.RegistrationByID(ctx, b.pool, waiting.ID); err != nil || reg.Status != db.RegistrationConfirmed {
		t.Errorf("after the release, the first waiting: got %s, %v; want CONFIRMED", reg.Status, err)
	}
	if taken, waiting := b.seats(); taken != 2 || waiting != 0 {
		t.Errorf("got %d taken, %d waiting; want 2 and 0", taken, waiting)
	}
}

// A partner registering someone records who referred the person; the host registers its own
// people without one, or with the orientation of a colleague (another department), kept with
// the host as the referring organisation.
func TestBookingAPartnerRecordsAReferral(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	b := newBooker(t)
	var host, partner int64
	err := b.pool.QueryRow(ctx, `SELECT organisation_id FROM slots WHERE id = $1`, b.slotID).Scan(&host)
	if err == nil {
		err = b.pool.QueryRow(ctx, `INSERT INTO organisations (name, slug, kind) VALUES ('FT', 'ft', 'FRANCE_TRAVAIL') RETURNING id`).Scan(&partner)
	}
	if err != nil {
		t.Fatal(err)
	}
	counsellor := "Mme Diallo"
	referral := db.Referral{OrganisationID: &partner, CounsellorName: &counsellor}

	req := b.request(1, false)
	req.Caller = db.Caller{KeyID: 1, OrganisationID: partner}
	if _, _, err := db.Register(ctx, b.pool, req); !errors.Is(err, db.ErrReferralRequired) {
		t.Errorf("a partner without a referral: got %v, want ErrReferralRequired", err)
	}
	if taken, waiting := b.seats(); taken != 0 || waiting != 0 {
		t.Errorf("the refused registration took a seat: %d taken, %d waiting", taken, waiting)
	}
	req.Referral = referral
	reg, _, err := db.Register(ctx, b.pool, req)
	if got := reg.Referral.OrganisationID; err != nil || got == nil || *got != partner {
		t.Errorf("a partner with a referral: got referrer %v, %v; want organisation %d", got, err, partner)
	}

	req = b.request(2, false)
	req.Caller = db.Caller{KeyID: 2, OrganisationID: host}
	req.Referral = db.Referral{OrganisationID: &host, CounsellorName: &counsellor}
	reg, _, err = db.Register(ctx, b.pool, req)
	if got := reg.Referral; err != nil || got.OrganisationID == nil || *got.OrganisationID != host || got.CounsellorName == nil || *got.CounsellorName != counsellor {
		t.Errorf("the host's internal orientation: got referral %+v, %v; want organisation %d and %s", got, err, host, counsellor)
	}

	req = b.request(3, true) // the slot is full: a waiting-list place
	req.Caller = db.Caller{KeyID: 2, OrganisationID: host}
	reg, _, err = db.Register(ctx, b.pool, req)
	if err != nil || reg.Referral != (db.Referral{}) {
		t.Errorf("the host without a referral: got referral %+v, %v; want none", reg.Referral, err)
	}
}
