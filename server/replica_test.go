package main

import (
	"testing"

	"github.com/regiestains/ateliers/db/dbtest"
)

// With DATABASE_READ_URL, anonymous queries of the public catalogue read the replica; everything
// else stays on the primary: mutations and their payloads, personal data with the slot it
// belongs to, a partner's back office, API keys and rate limits. The "replica" here is
// a second database with the schema and none of the primary's rows, a replica lagging behind by
// everything: where each answer comes from shows where each read went.
func TestReplicaServesTheCatalogueOfQueries(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"DATABASE_READ_URL": dbtest.NewDatabase(t)})
	// Mutations with an API key: the key is looked up, the rate budgets drawn and the rows
	// written on the primary, and the payloads read back from it.
	hostKey, slot := a.bookable("regie-stains", 10)
	r := a.register("", slot, 1, nil)
	if r.Registration == nil || r.Registration.Status != "CONFIRMED" {
		t.Fatalf("register: %+v, want CONFIRMED", r)
	}
	if taken, _, _, _ := a.counts(t, slot); taken != 1 {
		t.Fatalf("primary: %d seats taken, want 1", taken)
	}
	var payload struct {
		Register struct {
			Registration struct{ Slot struct{ SeatsLeft int } }
		}
	}
	a.query("", `mutation($in: RegisterInput!) { register(input: $in) { registration { slot { seatsLeft } } } }`,
		map[string]any{"in": map[string]any{"slotId": slot, "participant": person(2)}}, &payload)
	if got := payload.Register.Registration.Slot.SeatsLeft; got != 8 {
		t.Errorf("register's payload: seatsLeft %d, want 8, read from the primary", got)
	}

	// The catalogue of a query comes from the replica, which has none of it yet.
	var search struct {
		Slots struct {
			Edges []struct{ Node struct{ ID string } }
		}
		Node *struct{ ID string }
	}
	a.query("", `query($id: ID!) { slots(first: 10) { edges { node { id } } } node(id: $id) { id } }`,
		map[string]any{"id": slot}, &search)
	if len(search.Slots.Edges) != 0 || search.Node != nil {
		t.Errorf("query: %+v, want the replica's empty catalogue", search)
	}

	// A person who has just registered finds the registration and its slot, whatever the
	// replica's lag; the host sees its own slot in its back office.
	var mine struct {
		RegistrationByToken struct {
			Status string
			Slot   struct{ SeatsLeft int }
		}
	}
	a.query("", `query($t: String!) { registrationByToken(token: $t) { status slot { seatsLeft } } }`, map[string]any{"t": *r.ManageToken}, &mine)
	if got := mine.RegistrationByToken; got.Status != "CONFIRMED" || got.Slot.SeatsLeft != 8 {
		t.Errorf("registrationByToken: %+v, want CONFIRMED on a slot with 8 seats left, from the primary", got)
	}
	var backOffice struct{ Node *struct{ ID string } }
	a.query(hostKey, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": slot}, &backOffice)
	if backOffice.Node == nil {
		t.Errorf("the host's node(slot): null, want its slot from the primary")
	}

	// The replica's sessions are read-only, even on a database that would take a write.
	replica, err := openReplica(t.Context(), a.config)
	if err != nil {
		t.Fatal(err)
	}
	defer replica.Close()
	var readOnly string
	if err := replica.QueryRow(t.Context(), "SHOW transaction_read_only").Scan(&readOnly); err != nil || readOnly != "on" {
		t.Errorf("replica session: transaction_read_only %q (%v), want on", readOnly, err)
	}
}
