package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// A re-orientation copies the person's name and contact, and nothing more; one waits per
// registration and structure; the receiver answers it once, by registering the person, who
// then names the sender.
func TestReorientationFromRegistrationToTheReceiversSeat(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	regieSlot, emmausSlot := newSlot(t, pool, "regie"), newSlot(t, pool, "emmaus")
	orgOf := func(slot int64) int64 {
		var id int64
		if err := pool.QueryRow(ctx, `UPDATE organisations SET hosts_workshops = true
			WHERE id = (SELECT organisation_id FROM slots WHERE id = $1) RETURNING id`, slot).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	regie, emmaus := orgOf(regieSlot), orgOf(emmausSlot)
	var bystander int64
	if err := pool.QueryRow(ctx, `INSERT INTO organisations (name, slug, kind) VALUES ('B', 'bystander', 'OTHER') RETURNING id`).Scan(&bystander); err != nil {
		t.Fatal(err)
	}
	first, last, phone, postal := "Awa", "Diallo", "+33612345678", "93240"
	reg, _, err := db.Register(ctx, pool, db.RegisterRequest{SlotID: regieSlot, ConsentVersion: "2026-11",
		Caller:      db.Caller{KeyID: 1, OrganisationID: regie},
		Participant: db.Participant{FirstName: &first, LastName: &last, Phone: &phone, PostalCode: &postal}})
	if err != nil {
		t.Fatal(err)
	}

	if _, err := db.Reorient(ctx, pool, reg.ID, regie, bystander, "Accompagnement"); !errors.Is(err, db.ErrNotAStructure) {
		t.Errorf("to an organisation that neither hosts nor refers: got %v, want ErrNotAStructure", err)
	}
	o, err := db.Reorient(ctx, pool, reg.ID, regie, emmaus, "Quitte le programme de la Régie")
	if err != nil || o.Status != db.OrientationPending || o.FromOrgID != regie || o.ToOrgID != emmaus ||
		*o.Person.FirstName != first || *o.Person.Phone != phone {
		t.Fatalf("reorient: got %+v, %v; want PENDING from the Régie to Emmaüs with Awa's contact", o, err)
	}
	var copiedPostal *string
	if err := pool.QueryRow(ctx, `SELECT to_jsonb(o) ->> 'postal_code' FROM orientations o WHERE id = $1`, o.ID).Scan(&copiedPostal); err != nil || copiedPostal != nil {
		t.Errorf("the orientation holds a postal code (%v, %v): it needs the contact only", copiedPostal, err)
	}
	if _, err := db.Reorient(ctx, pool, reg.ID, regie, emmaus, "Encore"); !errors.Is(err, db.ErrAlreadyOriented) {
		t.Errorf("the same again while pending: got %v, want ErrAlreadyOriented", err)
	}

	answer := func(caller int64, n string) (db.Registration, error) {
		p := "+3369999999" + n
		reg, _, err := db.Register(ctx, pool, db.RegisterRequest{SlotID: emmausSlot, ConsentVersion: "2026-11", OrientationID: o.ID,
			Caller: db.Caller{KeyID: caller, OrganisationID: caller}, Participant: db.Participant{FirstName: &first, LastName: &last, Phone: &p},
			Referral: db.Referral{OrganisationID: &caller, CounsellorName: &first}})
		return reg, err
	}
	if _, err := answer(bystander, "1"); !errors.Is(err, db.ErrNoSuchOrientation) {
		t.Errorf("another organisation answers: got %v, want ErrNoSuchOrientation", err)
	}
	answered, err := answer(emmaus, "2")
	if err != nil || answered.OrientedByOrgID == nil || *answered.OrientedByOrgID != regie {
		t.Fatalf("the receiver registers Awa: got %+v, %v; want a registration oriented by the Régie", answered.OrientedByOrgID, err)
	}
	if o, err = db.OrientationByID(ctx, pool, o.ID); err != nil || o.Status != db.OrientationAccepted ||
		o.NewRegistrationID == nil || *o.NewRegistrationID != answered.ID || o.AnsweredAt == nil {
		t.Errorf("after the answer: got %+v, %v; want ACCEPTED with registration %d", o, err, answered.ID)
	}
	if _, err := answer(emmaus, "3"); !errors.Is(err, db.ErrOrientationAnswered) {
		t.Errorf("answered twice: got %v, want ErrOrientationAnswered", err)
	}
	again, err := db.Reorient(ctx, pool, reg.ID, regie, emmaus, "Une seconde fois")
	if err != nil {
		t.Fatalf("once answered, a new orientation to the same structure: got %v, want it sent", err)
	}
	if _, err := db.DeclineOrientation(ctx, pool, again.ID, bystander, "Pas pour nous"); !errors.Is(err, db.ErrNoSuchOrientation) {
		t.Errorf("another organisation declines: got %v, want ErrNoSuchOrientation", err)
	}
	declined, err := db.DeclineOrientation(ctx, pool, again.ID, emmaus, "Plus de place avant mars")
	if err != nil || declined.Status != db.OrientationDeclined || declined.DeclineReason == nil || declined.AnsweredAt == nil {
		t.Errorf("the receiver declines: got %+v, %v; want DECLINED with its reason", declined, err)
	}
	if _, err := db.DeclineOrientation(ctx, pool, again.ID, emmaus, "Encore"); !errors.Is(err, db.ErrOrientationAnswered) {
		t.Errorf("declined twice: got %v, want ErrOrientationAnswered", err)
	}
}
