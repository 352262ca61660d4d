package main

import (
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestSlotsVisibilityPerCaller(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, hostKey := a.host("regie-stains")
	_, otherHostKey := a.host("emmaus-connect")
	_, partnerKey := a.org("france-travail-stains")
	v := a.venue(hostKey, nil)
	// Titles sort like the slots' start times, so that Workshop.slots read in order.
	published := a.workshop(hostKey, map[string]any{"title": "Atelier CV"})
	draft := a.workshop(hostKey, map[string]any{"title": "Brouillon : démarches CAF", "status": "DRAFT"})
	public := a.slot(hostKey, published, v, "2032-05-04T10:00", map[string]any{"visibility": "PUBLIC"})
	partners := a.slot(hostKey, published, v, "2032-05-04T14:00", map[string]any{"visibility": "PARTNERS"})
	internal := a.slot(hostKey, published, v, "2032-05-05T10:00", map[string]any{"visibility": "INTERNAL"})
	ofDraft := a.slot(hostKey, draft, v, "2032-05-05T14:00", map[string]any{"visibility": "PUBLIC"})
	all := []string{public, partners, internal, ofDraft}
	names := slotNames{public: "public", partners: "partners-only", internal: "internal", ofDraft: "public of a draft workshop"}

	paths := map[string]func(t *testing.T, key string) []string{
		"Query.slots": func(t *testing.T, key string) []string { return slotIDsSeenBy(t, a, key, nil) },
		"node": func(t *testing.T, key string) []string {
			seen := []string{}
			for _, id := range all {
				var out struct{ Node *struct{ ID string } }
				a.withT(t).query(key, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": id}, &out)
				if out.Node != nil {
					seen = append(seen, out.Node.ID)
				}
			}
			return seen
		},
		"nodes": func(t *testing.T, key string) []string {
			var out struct{ Nodes []*struct{ ID string } }
			a.withT(t).query(key, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": all}, &out)
			if len(out.Nodes) != len(all) {
				t.Fatalf("got %d nodes, want %d (null where hidden)", len(out.Nodes), len(all))
			}
			seen := []string{}
			for i, n := range out.Nodes {
				if n != nil {
					if n.ID != all[i] {
						t.Errorf("nodes[%d]: got %s, want %s or null", i, n.ID, all[i])
					}
					seen = append(seen, n.ID)
				}
			}
			return seen
		},
		"Venue.slots": func(t *testing.T, key string) []string {
			var out struct {
				Venues struct {
					Edges []struct{ Node struct{ Slots slotEdges } }
				}
			}
			a.withT(t).query(key, `{ venues(first: 10) { edges { node { slots(first: 40) { edges { node { id } } } } } } }`, nil, &out)
			seen := []string{}
			for _, e := range out.Venues.Edges {
				seen = append(seen, e.Node.Slots.ids()...)
			}
			return seen
		},
		"Workshop.slots": func(t *testing.T, key string) []string {
			var out struct {
				Workshops struct {
					Edges []struct{ Node struct{ Slots slotEdges } }
				}
			}
			a.withT(t).query(key, `{ workshops(filter: {statuses: [PUBLISHED, DRAFT]}, first: 10) {
				edges { node { slots(first: 40) { edges { node { id } } } } } } }`, nil, &out)
			seen := []string{}
			for _, e := range out.Workshops.Edges {
				seen = append(seen, e.Node.Slots.ids()...)
			}
			return seen
		},
	}
	for _, caller := range []struct {
		name, key string
		want      []string
	}{
		{"anonymous", "", []string{public}},
		{"partner without scopes", partnerKey, []string{public, partners}},
		{"another host organisation", otherHostKey, []string{public, partners}},
		{"host organisation", hostKey, all},
	} {
		for path, list := range paths {
			t.Run(caller.name+" via "+path, func(t *testing.T) {
				if got := list(t, caller.key); !slices.Equal(got, caller.want) {
					t.Errorf("got %q, want %q", names.of(got), names.of(caller.want))
				}
			})
		}
	}
}

func TestSlotsNodeHidesWhatTheCallerMayNotSee(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, hostKey := a.host("regie-stains")
	_, partnerKey := a.org("france-travail-stains")
	draft := a.workshop(hostKey, map[string]any{"status": "DRAFT"})
	q := `query($id: ID!) { node(id: $id) { id ... on Workshop { status } } }`
	for _, tc := range []struct {
		caller, key string
		visible     bool
	}{{"anonymous", "", false}, {"partner", partnerKey, false}, {"its organisation", hostKey, true}} {
		var out struct{ Node *struct{ ID, Status string } }
		a.query(tc.key, q, map[string]any{"id": draft}, &out)
		if got := out.Node != nil; got != tc.visible {
			t.Errorf("draft workshop via node for %s: got visible %v, want %v", tc.caller, got, tc.visible)
		}
	}

	var missing struct{ Node *struct{ ID string } }
	a.query("", q, map[string]any{"id": base64.RawURLEncoding.EncodeToString([]byte("Slot:999999"))}, &missing)
	if missing.Node != nil {
		t.Errorf("node of a slot that does not exist: got %+v, want null", missing.Node)
	}

	b64 := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for _, id := range []string{"", "atelier-1", b64("Slot:abc"), b64("Slot:0"), b64("Slot:-3"), b64("Slot:007"),
		b64("Planet:1"), b64("Slot"), base64.StdEncoding.EncodeToString([]byte("Slot:12")), strings.Repeat("A", 100)} {
		t.Run(fmt.Sprintf("refused id %q", id), func(t *testing.T) { slotRefused(t, a, "", q, map[string]any{"id": id}) })
	}

	ids := slices.Repeat([]string{draft}, 100)
	var hundred struct{ Nodes []*struct{ ID string } }
	a.query(hostKey, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": ids}, &hundred)
	if len(hundred.Nodes) != 100 {
		t.Errorf("nodes with 100 ids: got %d nodes, want 100", len(hundred.Nodes))
	}
	slotRefused(t, a, hostKey, `query($ids: [ID!]!) { nodes(ids: $ids) { id } }`, map[string]any{"ids": append(ids, draft)})
}
