package main

import (
	"context"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
)

// As a client sees retention: a registration says until when its person's data is kept; once
// the retention job ran past that date, the person is gone from it (the host reads the seat,
// its attendance and age bracket, not the name or phone), and the person's link opens nothing.
func TestRetentionAsTheAPIShowsIt(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := rulesNewHost(t, a, "retention-host")
	slot := h.slot(t, a, 5, nil) // 1 June 2032, 14:00 to 16:00 Paris
	reg, token := rulesBook(t, a, "", rulesIn(slot, 1, nil), "CONFIRMED")
	doc := `query($id: ID!) { node(id: $id) { ... on Registration { status personalDataKeptUntil anonymisedAt
		participant { firstName phone } } } }`
	var before struct {
		Node struct {
			Status                string
			PersonalDataKeptUntil *time.Time
			AnonymisedAt          *time.Time
			Participant           struct{ FirstName, Phone *string }
		}
	}
	a.withT(t).query(h.Key, doc, map[string]any{"id": reg.ID}, &before)
	end := time.Date(2032, 6, 1, 16, 0, 0, 0, time.FixedZone("CEST", 2*3600))
	if k := before.Node.PersonalDataKeptUntil; k == nil || !k.Equal(end.Add(db.DefaultRetention.Contact)) || before.Node.AnonymisedAt != nil {
		t.Fatalf("before: kept until %v, anonymised %v; want the slot's end plus %s", k, before.Node.AnonymisedAt, db.DefaultRetention.Contact)
	}
	if _, err := db.Anonymise(context.Background(), a.Pool, end.Add(db.DefaultRetention.Contact+time.Hour), db.DefaultRetention); err != nil {
		t.Fatal(err)
	}
	var after = before
	a.withT(t).query(h.Key, doc, map[string]any{"id": reg.ID}, &after)
	if n := after.Node; n.AnonymisedAt == nil || n.PersonalDataKeptUntil != nil || n.Participant.FirstName != nil || n.Participant.Phone != nil || n.Status != "CONFIRMED" {
		t.Errorf("after the retention job: %+v; want the seat without its person", n)
	}
	if mine := rulesByToken(t, a, token); mine != nil {
		t.Errorf("the person's link after anonymisation: %+v, want nothing", mine)
	}
}
