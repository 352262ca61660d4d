package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// The hot reads cost one statement each: the availability search and node(id) of a slot read
// the slot's workshop and venue in the slot's own statement when the query asks for them, and
// answer exactly what the workshop's and the venue's own reads answer.

// Every field of a workshop and of a venue that their columns give, one by one, but their
// organisation (a loader's).
var (
	workshopFieldList = []string{"id", "title", "summary", "description", "topics", "level",
		"durationMinutes", "audiences", "whatToBring", "languages", "prerequisites", "resources { title url }", "status", "__typename"}
	venueFieldList = []string{"id", "name", "streetAddress", "postalCode", "city", "inseeCode",
		"latitude", "longitude", "openingHours", "accessibility { wheelchairAccessible hearingLoop otherSupport }",
		"equipment { computers wifi printer scanner }", "phone", "email", "accessInstructions", "isArchived", "__typename"}
	workshopFields = strings.Join(workshopFieldList, " ")
	venueFields    = strings.Join(venueFieldList, " ")
)

func TestSlotReadsBringTheirWorkshopAndVenueInOneStatement(t *testing.T) {
	t.Parallel()
	w := newNPlusWorld(t)
	node := `id startsAt seatsLeft workshop { ` + workshopFields + ` } venue { ` + venueFields + ` }`
	for _, c := range w.callers {
		t.Run(c.name, func(t *testing.T) {
			// One for the rate budget, one for the caller's key if any, then the slots.
			base := int64(1)
			if c.key != "" {
				base++
			}
			data, n := w.run(t, c, `{ slots(first: 30) { edges { node { `+node+` } } } }`, nil)
			if n != base+1 {
				t.Errorf("a page of slots with workshop and venue cost %d statements, want %d", n, base+1)
			}
			var page struct {
				Slots struct {
					Edges []struct{ Node json.RawMessage }
				}
			}
			if err := json.Unmarshal(data, &page); err != nil {
				t.Fatal(err)
			}
			if len(page.Slots.Edges) < 10 {
				t.Fatalf("got %d slots: the world should show more", len(page.Slots.Edges))
			}
			for _, e := range page.Slots.Edges[:10] {
				var s struct {
					ID       string
					Workshop struct{ ID string }
					Venue    struct{ ID string }
				}
				if err := json.Unmarshal(e.Node, &s); err != nil {
					t.Fatal(err)
				}
				got, n := w.run(t, c, `query($id: ID!) { node(id: $id) { ... on Slot { `+node+` } } }`, map[string]any{"id": s.ID})
				if n != base+1 {
					t.Errorf("node of a slot with workshop and venue cost %d statements, want %d", n, base+1)
				}
				sameJSON(t, "node "+s.ID, nplusField(t, got, "node"), e.Node)
				// The workshop and the venue as their own reads give them.
				var whole struct{ Workshop, Venue json.RawMessage }
				if err := json.Unmarshal(e.Node, &whole); err != nil {
					t.Fatal(err)
				}
				own, _ := w.run(t, c, `query($w: ID!, $v: ID!) { workshop: node(id: $w) { ... on Workshop { `+workshopFields+` } }
					venue: node(id: $v) { ... on Venue { `+venueFields+` } } }`,
					map[string]any{"w": s.Workshop.ID, "v": s.Venue.ID})
				sameJSON(t, "workshop of "+s.ID, nplusField(t, own, "workshop"), whole.Workshop)
				sameJSON(t, "venue of "+s.ID, nplusField(t, own, "venue"), whole.Venue)
			}
		})
	}
}

// A slot read fills the fields of its workshop and venue that the query selects, whichever
// they are: each field asked alone answers what the workshop's or the venue's own read answers.
func TestSlotReadsFillEachFieldAskedAlone(t *testing.T) {
	t.Parallel()
	w := newNPlusWorld(t)
	c := w.callers[2] // the host: it sees every slot, draft workshops included
	const org = "organisation { id }"
	for parent, fields := range map[string][]string{
		"workshop": append(workshopFieldList, org), "venue": append(venueFieldList, org),
	} {
		typ := map[string]string{"workshop": "Workshop", "venue": "Venue"}[parent]
		for _, field := range fields {
			name, _, _ := strings.Cut(field, " ")
			var page struct {
				Slots struct {
					Edges []struct {
						Node map[string]map[string]json.RawMessage
					}
				}
			}
			if err := json.Unmarshal(w.runData(t, c, `{ slots(first: 30) { edges { node { `+parent+` { id `+field+` } } } } }`), &page); err != nil {
				t.Fatal(err)
			}
			if len(page.Slots.Edges) < 30 {
				t.Fatalf("%d slots: the world should show 30", len(page.Slots.Edges))
			}
			for _, e := range page.Slots.Edges {
				got := e.Node[parent]
				var id string
				if err := json.Unmarshal(got["id"], &id); err != nil {
					t.Fatal(err)
				}
				own := w.runData(t, c, `query($id: ID!) { node(id: $id) { ... on `+typ+` { `+field+` } } }`, map[string]any{"id": id})
				sameJSON(t, parent+" "+id+" "+name, got[name], nplusField(t, nplusField(t, own, "node"), name))
			}
		}
	}
}

// What the query selects decides what is read, through aliases, fragments and @skip.
func TestSlotReadsFollowTheSelection(t *testing.T) {
	t.Parallel()
	w := newNPlusWorld(t)
	c := w.callers[1] // a partner: its key costs one statement, the rate budget another
	for name, query := range map[string]string{
		"aliases":          `{ slots(first: 20) { list: edges { slot: node { id w: workshop { title } v: venue { name } } } } }`,
		"named fragment":   `{ slots(first: 20) { ...Page } } fragment Page on SlotConnection { edges { node { ...S } } } fragment S on Slot { workshop { title } venue { name } }`,
		"inline fragments": `{ slots(first: 20) { ... on SlotConnection { edges { node { ... on Slot { workshop { title } } venue { name } } } } } }`,
		"workshop only":    `{ slots(first: 20) { edges { node { id workshop { title } } } } }`,
		"skipped venue":    `{ slots(first: 20) { edges { node { id workshop { title } venue @skip(if: true) { name } } } } }`,
		"neither":          `{ slots(first: 20) { edges { node { id startsAt } } } }`,
		"node, venue only": `{ slots(first: 1) { edges { node { id } } } }`,
	} {
		t.Run(name, func(t *testing.T) {
			data, n := w.run(t, c, query, nil)
			if n != 3 {
				t.Errorf("cost %d statements, want 3 (key, rate budget, slots)", n)
			}
			if name != "node, venue only" {
				return
			}
			var page struct {
				Slots struct {
					Edges []struct{ Node struct{ ID string } }
				}
			}
			if err := json.Unmarshal(data, &page); err != nil {
				t.Fatal(err)
			}
			_, n = w.run(t, c, `query($id: ID!) { node(id: $id) { id ... on Slot { venue { name } } } }`,
				map[string]any{"id": page.Slots.Edges[0].Node.ID})
			if n != 3 {
				t.Errorf("node with its venue cost %d statements, want 3", n)
			}
		})
	}
}

// runData is run without the count.
func (w *nplusWorld) runData(t *testing.T, c apiCaller, query string, vars ...map[string]any) json.RawMessage {
	t.Helper()
	var v map[string]any
	if len(vars) > 0 {
		v = vars[0]
	}
	data, _ := w.run(t, c, query, v)
	return data
}

// sameJSON fails when got and want differ, ignoring white space.
func sameJSON(t *testing.T, what string, got, want json.RawMessage) {
	t.Helper()
	var g, w bytes.Buffer
	if err := json.Compact(&g, got); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if err := json.Compact(&w, want); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if g.String() != w.String() {
		t.Errorf("%s:\ngot  %s\nwant %s", what, g.String(), w.String())
	}
}
