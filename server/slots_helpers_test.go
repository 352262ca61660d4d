package main

import (
	"cmp"
	"strings"
	"testing"
)

// Tests of the availability query (Query.slots), its paging, who sees which slot on every
// path (slots, node, nodes, Venue.slots, Workshop.slots), and the fields derived for a slot
// (slots_*_test.go). This file holds what they share.

// slotEdges is the edges and page info of a SlotConnection.
type slotEdges struct {
	Edges []struct {
		Cursor string
		Node   struct{ ID string }
	}
	PageInfo struct {
		HasNextPage, HasPreviousPage bool
		StartCursor, EndCursor       *string
	}
}

func (c slotEdges) ids() []string {
	ids := make([]string, len(c.Edges))
	for i, e := range c.Edges {
		ids[i] = e.Node.ID
	}
	return ids
}

// slotsPageSeenBy fetches one page of Query.slots for the caller with key.
func slotsPageSeenBy(t *testing.T, a *testAPI, key string, filter map[string]any, first int, after *string) slotEdges {
	t.Helper()
	var out struct{ Slots slotEdges }
	a.withT(t).query(key, `query($f: SlotFilter, $first: Int, $after: String) {
		slots(filter: $f, first: $first, after: $after) {
			edges { cursor node { id } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
		map[string]any{"f": filter, "first": first, "after": after}, &out)
	return out.Slots
}

// slotIDsSeenBy lists the ids of Query.slots (one page of 100) for the caller with key.
func slotIDsSeenBy(t *testing.T, a *testAPI, key string, filter map[string]any) []string {
	t.Helper()
	return slotsPageSeenBy(t, a, key, filter, 100, nil).ids()
}

func slotFill(t *testing.T, a *testAPI, gid string) {
	t.Helper()
	slotSQL(t, a, gid, `UPDATE slots SET seats_taken = capacity WHERE id = $1`)
}

// slotNames names ids for failure messages.
type slotNames map[string]string

func (n slotNames) of(ids []string) []string {
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = cmp.Or(n[id], "unknown "+id)
	}
	return out
}

// slotRefused checks that a request is refused with BAD_USER_INPUT and a message written
// for the client: no SQL or driver text.
func slotRefused(t *testing.T, a *testAPI, key, query string, vars map[string]any) {
	t.Helper()
	r := a.withT(t).post(key, query, vars)
	if len(r.Errors) == 0 {
		t.Fatalf("got data %s, want a BAD_USER_INPUT error", r.Data)
	}
	e := r.Errors[0]
	if e.Code() != "BAD_USER_INPUT" || strings.Contains(e.Message, "SQLSTATE") || strings.Contains(e.Message, "ERROR:") {
		t.Errorf("got %s %q, want BAD_USER_INPUT with a message for the client", e.Code(), e.Message)
	}
}
