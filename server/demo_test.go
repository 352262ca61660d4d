package main

import (
	"context"
	"sync"
	"testing"
)

// The sample data loads once, even when two instances start together, and its printed keys
// work as the README says.
func TestDemoDataLoadsOnce(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if err := loadDemo(ctx, a.Pool); err != nil {
				t.Errorf("loadDemo: %v", err)
			}
		})
	}
	wg.Wait()
	if err := loadDemo(ctx, a.Pool); err != nil {
		t.Fatalf("loadDemo again: %v", err)
	}
	var orgs, slots int
	a.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM organisations), (SELECT count(*) FROM slots)`).Scan(&orgs, &slots)
	if orgs != 4 || slots != 8 {
		t.Errorf("got %d organisations and %d slots, want 4 and 8 (loaded once)", orgs, slots)
	}

	// The full slot is full of real (sample) registrations, with two people waiting, and
	// France Travail has referred someone.
	var confirmed, waiting, referred int
	a.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'CONFIRMED'), count(*) FILTER (WHERE status = 'WAITLISTED'),
		count(*) FILTER (WHERE referring_org_id IS NOT NULL) FROM registrations`).Scan(&confirmed, &waiting, &referred)
	if confirmed != 9 || waiting != 2 || referred != 1 {
		t.Errorf("got %d confirmed, %d waiting, %d referred; want 9 (8 + 1 referral), 2, 1", confirmed, waiting, referred)
	}

	var regie struct {
		Viewer struct {
			Organisation struct{ Slug string }
			Scopes       []string
		}
	}
	a.query(demoRegieKey, `{ viewer { organisation { slug } scopes } }`, nil, &regie)
	var scopes struct {
		Type struct{ EnumValues []struct{ Name string } } `json:"__type"`
	}
	a.query("", `{ __type(name: "Scope") { enumValues { name } } }`, nil, &scopes)
	if regie.Viewer.Organisation.Slug != "regie-quartier-stains" || len(regie.Viewer.Scopes) != len(scopes.Type.EnumValues) {
		t.Errorf("Régie demo key: got %+v, want the Régie with all %d scopes", regie.Viewer, len(scopes.Type.EnumValues))
	}

	// What the public website sees: public slots only, one of them full.
	var public struct {
		Slots struct {
			Edges []struct {
				Node struct {
					Visibility string
					SeatsLeft  int
				}
			}
		}
	}
	a.query("", `{ slots(first: 100) { edges { node { visibility seatsLeft } } } }`, nil, &public)
	full := 0
	for _, e := range public.Slots.Edges {
		if e.Node.Visibility != "PUBLIC" {
			t.Errorf("anonymous caller sees a %s slot", e.Node.Visibility)
		}
		if e.Node.SeatsLeft == 0 {
			full++
		}
	}
	if len(public.Slots.Edges) != 6 || full != 1 {
		t.Errorf("anonymous caller sees %d slots with %d full, want 6 with 1 full", len(public.Slots.Edges), full)
	}
	var partner struct{ Slots struct{ Edges []struct{} } }
	a.query(demoFranceTravailKey, `{ slots(first: 100) { edges { node { id } } } }`, nil, &partner)
	if len(partner.Slots.Edges) != 7 {
		t.Errorf("France Travail sees %d slots, want 7 (public and partners-only)", len(partner.Slots.Edges))
	}

	// The Espace numérique has two rooms; its workshops take the computer room.
	var espace struct {
		Venues struct {
			Edges []struct {
				Node struct {
					Name  string
					Rooms []struct{ Name string }
					Slots struct {
						Edges []struct {
							Node struct{ Room *struct{ Name string } }
						}
					}
				}
			}
		}
	}
	a.query("", `{ venues(first: 10) { edges { node { name rooms { name } slots(first: 10) { edges { node { room { name } } } } } } } }`, nil, &espace)
	found := false
	for _, e := range espace.Venues.Edges {
		if e.Node.Name != "Espace numérique de la Régie" {
			continue
		}
		found = true
		if len(e.Node.Rooms) != 2 || len(e.Node.Slots.Edges) == 0 {
			t.Errorf("the Espace numérique: got rooms %+v and %d slots, want 2 rooms and slots", e.Node.Rooms, len(e.Node.Slots.Edges))
		}
		for _, s := range e.Node.Slots.Edges {
			if s.Node.Room == nil || s.Node.Room.Name != "Salle informatique" {
				t.Errorf("a slot of the Espace numérique in room %+v, want the Salle informatique", s.Node.Room)
			}
		}
	}
	if !found {
		t.Error("no Espace numérique de la Régie among the venues")
	}
}
