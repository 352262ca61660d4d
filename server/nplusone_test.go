package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
)

// Nested connections (Venue.slots, Workshop.slots, Organisation.venues and .workshops) cost one
// statement per level of the request, whatever the number of parents (the national-scale benchmark), and answer
// exactly what the lists of Query answer for one parent: same rows, order, page info, cursors.

// nplusWorld is a host with 20 venues and 24 workshops (20 published), 188 slots spread
// unevenly over them (visibilities, ties on start time, cancelled and full slots), and 18 more
// organisations with a few venues (some archived) and workshops (some drafts or archived).
type nplusWorld struct {
	a       *testAPI
	counter *statementCounter
	callers []apiCaller
}

func newNPlusWorld(t *testing.T) *nplusWorld {
	t.Helper()
	// These tests count what each query shape costs in SQL, sending each several times: the
	// page cache would answer the anonymous repeats from memory.
	a, counter := newCountingAPIWith(t, map[string]string{"PAGE_CACHE": "off"})
	hostGID, hostKey := a.host("hote")
	partnerGID, partnerKey := a.org("partenaire")
	ctx := context.Background()
	host := orgID(t, a, "hote")
	venues := make([]db.Venue, 20)
	for i := range venues {
		venues[i] = dbVenue(t, a, host, fmt.Sprintf("Lieu %02d", i), false)
	}
	dbVenue(t, a, host, "Lieu archivé", true)
	workshops := make([]db.Workshop, 24)
	for i := range workshops {
		status := db.StatusPublished
		if i%6 == 0 {
			status = db.StatusDraft
		}
		workshops[i] = dbWorkshop(t, a, host, fmt.Sprintf("Atelier %02d", i), status)
	}
	// Venue i has 4 to 16 slots; two slots start at each hour, so that ids break ties.
	base := time.Now().Add(2 * time.Hour).Truncate(time.Hour)
	var slots []db.Slot
	for i, v := range venues {
		for range 4 + i*7%13 {
			n := len(slots)
			start := base.Add(time.Duration(n/2) * time.Hour)
			slots = append(slots, db.Slot{OrganisationID: host, WorkshopID: workshops[n%11].ID, VenueID: v.ID,
				StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 4, RegistrationClosesAt: start,
				AllowOverlap: true, // two at each hour, maybe at one venue
				Visibility:   []db.SlotVisibility{db.VisibilityPublic, db.VisibilityPublic, db.VisibilityPartners, db.VisibilityInternal}[n%4]})
		}
	}
	if _, err := db.ScheduleSlots(ctx, a.Pool, slots); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`UPDATE slots SET status = 'CANCELLED', cancelled_at = now() WHERE id % 13 = 0`,
		`UPDATE slots SET seats_taken = capacity WHERE id % 7 = 0 AND status = 'SCHEDULED'`,
	} {
		if _, err := a.Pool.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	// Organisation i has i%5 venues, the second one archived, and i%6 workshops of every status;
	// names and titles repeat, so that ids break ties.
	for i := range 18 {
		o, err := db.CreateOrganisation(ctx, a.Pool, db.Organisation{Name: fmt.Sprintf("Structure %02d", i),
			Slug: fmt.Sprintf("structure-%02d", i), Kind: db.KindAssociation, HostsWorkshops: true})
		if err != nil {
			t.Fatal(err)
		}
		for j := range i % 5 {
			dbVenue(t, a, o.ID, fmt.Sprintf("Salle %d", j/2), j == 1)
		}
		for j := range i % 6 {
			dbWorkshop(t, a, o.ID, fmt.Sprintf("Module %d", j/2),
				[]db.WorkshopStatus{db.StatusPublished, db.StatusDraft, db.StatusArchived}[j%3])
		}
	}
	return &nplusWorld{a: a, counter: counter, callers: []apiCaller{
		{"anonymous", "", ""}, {"partner", partnerKey, partnerGID}, {"host", hostKey, hostGID},
	}}
}

// run posts query as c and returns its data and the number of statements it cost.
func (w *nplusWorld) run(t *testing.T, c apiCaller, query string, vars map[string]any) (json.RawMessage, int64) {
	t.Helper()
	a := w.a.withT(t)
	before := w.counter.n.Load()
	r := a.post(c.key, query, vars)
	n := w.counter.n.Load() - before
	if r.Status != 200 || len(r.Errors) > 0 {
		t.Fatalf("status %d, errors %+v", r.Status, r.Errors)
	}
	return r.Data, n
}

// constant runs query with $n = 2 then 20 parents and checks that both cost want statements:
// one for the rate limit, one for the caller's key if any, then one per level of the query.
// It returns the data of the run with 20 parents.
//
// A loader's batch waits for every resolver it expects (package batch); on a loaded machine
// one may come after the batch has given up waiting and cost one more statement, never a
// wrong answer, so the count is the least of a few runs.
func (w *nplusWorld) constant(t *testing.T, c apiCaller, query string, vars map[string]any, levels int64) json.RawMessage {
	t.Helper()
	want := 1 + levels
	if c.key != "" {
		want++
	}
	least := map[int]int64{}
	var data json.RawMessage
	runs := 0
	for runs < 5 {
		runs++
		for _, n := range []int{2, 20} {
			v := map[string]any{"n": n}
			for k, x := range vars {
				v[k] = x
			}
			var count int64
			data, count = w.run(t, c, query, v)
			if m, ok := least[n]; !ok || count < m {
				least[n] = count
			}
		}
		if least[2] == want && least[20] == want {
			break
		}
	}
	t.Logf("statements: %d with 2 parents, %d with 20 (least of %d runs)", least[2], least[20], runs)
	if least[2] != want || least[20] != want {
		t.Errorf("got %d statements with 2 parents, %d with 20, want %d for both", least[2], least[20], want)
	}
	return data
}

// nplusParent is a parent with its nested connection, as returned by the list of parents.
type nplusParent struct {
	ID   string
	List json.RawMessage
}

// nplusParents decodes list { edges { node { id <field>: ... } } } into its parents, checking there
// are want of them.
func nplusParents(t *testing.T, data json.RawMessage, list, field string, want int) []nplusParent {
	t.Helper()
	var out map[string]struct {
		Edges []struct{ Node map[string]json.RawMessage }
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	var ps []nplusParent
	for _, e := range out[list].Edges {
		var id string
		if err := json.Unmarshal(e.Node["id"], &id); err != nil {
			t.Fatal(err)
		}
		ps = append(ps, nplusParent{id, e.Node[field]})
	}
	if len(ps) != want {
		t.Fatalf("got %d %s, want %d", len(ps), list, want)
	}
	return ps
}

// nplusSame checks that a nested connection equals the one Query's list returned for its
// parent alone, and returns its pageInfo.endCursor when another page follows.
func nplusSame(t *testing.T, what string, got, want json.RawMessage) (next *string) {
	t.Helper()
	var g, w bytes.Buffer
	json.Compact(&g, got)
	json.Compact(&w, want)
	if g.String() != w.String() {
		t.Errorf("%s:\ngot  %s\nwant %s", what, g.String(), w.String())
	}
	var page struct {
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
	if err := json.Unmarshal(got, &page); err != nil {
		t.Fatal(err)
	}
	if page.PageInfo.HasNextPage {
		return page.PageInfo.EndCursor
	}
	return nil
}

// nplusField returns data's root field name.
func nplusField(t *testing.T, data json.RawMessage, name string) json.RawMessage {
	t.Helper()
	var out map[string]json.RawMessage
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out[name]
}

const nplusSlots = `edges { cursor node { id startsAt workshop { title } venue { name } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`

// The filters both nested slot lists are checked with: the default, and every filter
// that changes the WHERE clause the parents share.
func nplusSlotFilters() map[string]map[string]any {
	return map[string]map[string]any{
		"no filter": nil,
		"filtered": {"statuses": []string{"SCHEDULED", "CANCELLED"}, "availableOnly": true,
			"to": time.Now().Add(40 * time.Hour).Format(time.RFC3339), "topics": []string{"SMARTPHONE"}},
	}
}

// checkSlotLists compares each parent's nested slots with Query.slots for it alone (idFilter
// names the parent: venueIds or workshopIds), then the next page through node(id) with the
// nested list's endCursor.
func (w *nplusWorld) checkSlotLists(t *testing.T, c apiCaller, kind, idFilter string, ps []nplusParent, f map[string]any) {
	t.Helper()
	pages := 0
	for _, p := range ps {
		one := map[string]any{idFilter: []string{p.ID}}
		for k, v := range f {
			one[k] = v
		}
		root := `query($f: SlotFilter, $after: String) { slots(filter: $f, first: 5, after: $after) { ` + nplusSlots + ` } }`
		want, _ := w.run(t, c, root, map[string]any{"f": one})
		next := nplusSame(t, kind+" "+p.ID, p.List, nplusField(t, want, "slots"))
		if next == nil {
			continue
		}
		pages++
		got, _ := w.run(t, c, `query($id: ID!, $f: SlotFilter, $after: String) { node(id: $id) { ... on `+kind+
			` { slots(filter: $f, first: 5, after: $after) { `+nplusSlots+` } } } }`, map[string]any{"id": p.ID, "f": f, "after": *next})
		want, _ = w.run(t, c, root, map[string]any{"f": one, "after": *next})
		nplusSame(t, kind+" "+p.ID+" next page", nplusField(t, nplusField(t, got, "node"), "slots"), nplusField(t, want, "slots"))
	}
	if f == nil && pages == 0 {
		t.Errorf("no %s had a second page of slots: the world does not exercise paging", kind)
	}
}

// checkNestedSlots checks the nested slots of 2 then 20 parents of list (of type kind, which
// Query.slots' filter names with idFilter) for every caller and filter: a constant number of
// statements, and the rows, order, page info and cursors of Query.slots for each parent alone.
func checkNestedSlots(t *testing.T, list, kind, idFilter string) {
	w := newNPlusWorld(t)
	query := `query($n: Int, $f: SlotFilter) { ` + list + `(first: $n) { edges { node { id slots(filter: $f, first: 5) { ` + nplusSlots + ` } } } } }`
	for name, f := range nplusSlotFilters() {
		for _, c := range w.callers {
			t.Run(name+"/"+c.name, func(t *testing.T) {
				data := w.constant(t, c, query, map[string]any{"f": f}, 4) // the parents, their slots, the slots' workshops and venues
				w.checkSlotLists(t, c, kind, idFilter, nplusParents(t, data, list, "slots", 20), f)
			})
		}
	}
}

func TestNPlusOneVenueSlots(t *testing.T) {
	t.Parallel()
	checkNestedSlots(t, "venues", "Venue", "venueIds")
}

func TestNPlusOneWorkshopSlots(t *testing.T) {
	t.Parallel()
	checkNestedSlots(t, "workshops", "Workshop", "workshopIds")
}

// Organisation.venues and .workshops in one request: one statement each. The workshops are
// those Query.workshops lists for the organisation with the statuses the caller may see: all
// of them in its own organisation, the published ones elsewhere.
func TestNPlusOneOrganisationLists(t *testing.T) {
	t.Parallel()
	w := newNPlusWorld(t)
	const venues = `edges { cursor node { id name } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`
	const workshops = `edges { cursor node { id title status } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor }`
	query := `query($n: Int) { organisations(first: $n) { edges { node { id
		venues(first: 2) { ` + venues + ` } workshops(first: 2) { ` + workshops + ` } } } } }`
	for _, c := range w.callers {
		t.Run(c.name, func(t *testing.T) {
			data := w.constant(t, c, query, nil, 3) // organisations, their venues, their workshops
			lists := map[string][]nplusParent{
				"venues": nplusParents(t, data, "organisations", "venues", 20), "workshops": nplusParents(t, data, "organisations", "workshops", 20),
			}
			pages := 0
			for list, ps := range lists {
				for _, p := range ps {
					filter := map[string]any{"organisationIds": []string{p.ID}}
					fields, filterType := venues, "VenueFilter"
					if list == "workshops" {
						fields, filterType = workshops, "WorkshopFilter"
						filter["statuses"] = []string{"PUBLISHED"}
						if p.ID == c.org {
							filter["statuses"] = []string{"PUBLISHED", "DRAFT", "ARCHIVED"}
						}
					}
					root := `query($f: ` + filterType + `, $after: String) { ` + list + `(filter: $f, first: 2, after: $after) { ` + fields + ` } }`
					want, _ := w.run(t, c, root, map[string]any{"f": filter})
					next := nplusSame(t, list+" of "+p.ID, p.List, nplusField(t, want, list))
					if next == nil {
						continue
					}
					pages++
					got, _ := w.run(t, c, `query($id: ID!, $after: String) { node(id: $id) { ... on Organisation { `+
						list+`(first: 2, after: $after) { `+fields+` } } } }`, map[string]any{"id": p.ID, "after": *next})
					want, _ = w.run(t, c, root, map[string]any{"f": filter, "after": *next})
					nplusSame(t, list+" of "+p.ID+" next page", nplusField(t, nplusField(t, got, "node"), list), nplusField(t, want, list))
				}
			}
			if pages == 0 {
				t.Error("no organisation had a second page: the world does not exercise paging")
			}
		})
	}
}

// The same parents asked at two places of one query (two aliases of a list, or a list and the
// same list under node) are loaded by batches that share keys: each must answer, never wait
// for the other (a review found that every other request hung for good).
func TestNPlusOneSharedParentsNeverHang(t *testing.T) {
	w := newNPlusWorld(t)
	var out struct {
		Viewer struct{ Organisation struct{ ID string } }
	}
	w.a.query(w.callers[2].key, `{ viewer { organisation { id } } }`, nil, &out)
	slots := `venues(first: 20) { edges { node { id slots(first: 5) { edges { node { id } } } } } }`
	for name, c := range map[string]struct {
		query string
		vars  map[string]any
	}{
		"two aliases":              {`{ a: ` + slots + ` b: ` + slots + ` }`, nil},
		"a list and node's list":   {`query($h: ID!) { ` + slots + ` node(id: $h) { ... on Organisation { ` + slots + ` } } }`, map[string]any{"h": out.Viewer.Organisation.ID}},
		"two aliases, three times": {`{ a: ` + slots + ` b: ` + slots + ` c: ` + slots + ` }`, nil},
	} {
		t.Run(name, func(t *testing.T) {
			for i := range 20 {
				ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
				res, err := http.DefaultClient.Do(graphqlRequest(w.a.URL, "", c.query, c.vars).WithContext(ctx))
				if err != nil {
					cancel()
					t.Fatalf("request %d: %v (hung)", i, err)
				}
				var r struct {
					Data   map[string]json.RawMessage
					Errors []gqlError
				}
				err = json.NewDecoder(res.Body).Decode(&r)
				res.Body.Close()
				cancel()
				if err != nil || len(r.Errors) > 0 || res.StatusCode != 200 {
					t.Fatalf("request %d: status %d, errors %+v, %v", i, res.StatusCode, r.Errors, err)
				}
				if a, ok := r.Data["a"]; ok && string(a) != string(r.Data["b"]) {
					t.Fatalf("request %d: the aliases differ:\n%s\n%s", i, a, r.Data["b"])
				}
			}
		})
	}
}
