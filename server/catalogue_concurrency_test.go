package main

import (
	"fmt"
	"sync"
	"testing"
)

// Two staff members editing the same workshop at once never undo each other: an archive and a
// summary change racing both land, whatever their order.
func TestCatalogueConcurrentUpdatesBothLand(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.host("regie-stains")
	for round := range 20 {
		w := a.workshop(key, nil)
		summary := fmt.Sprintf("Résumé %d", round)
		var wg sync.WaitGroup
		wg.Go(func() {
			var out any
			if code, err := a.call(key, "", `mutation($id: ID!, $s: String) { updateWorkshop(input: {id: $id, summary: $s}) { userErrors { code } } }`,
				map[string]any{"id": w, "s": summary}, &out); err != nil || code != "" {
				t.Errorf("update: %v %s", err, code)
			}
		})
		wg.Go(func() {
			var out any
			if code, err := a.call(key, "", `mutation($id: ID!) { archiveWorkshop(input: {id: $id}) { userErrors { code } } }`,
				map[string]any{"id": w}, &out); err != nil || code != "" {
				t.Errorf("archive: %v %s", err, code)
			}
		})
		wg.Wait()
		var got struct {
			Node struct{ Status, Summary string }
		}
		a.query(key, `query($id: ID!) { node(id: $id) { ... on Workshop { status summary } } }`, map[string]any{"id": w}, &got)
		if got.Node.Status != "ARCHIVED" || got.Node.Summary != summary {
			t.Fatalf("round %d: got status %s summary %q, want ARCHIVED and %q: one update undid the other",
				round, got.Node.Status, got.Node.Summary, summary)
		}
	}
}
