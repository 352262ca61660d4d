package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/http"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
)

// The per-request batching loaders (graph/batch.go) under adversarial query shapes: many
// randomized but deterministic operations, sent concurrently, that put the same parents at
// several places of one request (aliases of one list, node, nodes, nested connections that
// come back to them), mix types under one alias in nodes, leave holes (hidden or missing ids,
// @skip and @include, errors on some elements of a list, a tampered cursor on one alias).
// Every request must answer within 5 s with 200, and each alias must answer exactly what the
// same sub-query answers alone: batches at other places of the request change nothing.

// stressWorld is two hosts (venues, workshops of every status, slots of every visibility, some
// cancelled, full or with reserved seats and registrations), a partner, a few more
// organisations, and programmes.
type stressWorld struct {
	a       *testAPI
	callers []apiCaller
	// Global ids of every object, visible or not to a caller, and of none.
	venues, workshops, slots, orgs, programmes, allocations, registrations, missing []string
	venueCursor, slotCursor                                                         string
}

func newStressWorld(t *testing.T) *stressWorld {
	t.Helper()
	a := newTestAPIWith(t, map[string]string{
		"QUERY_COST_LIMIT_KEY": "20000", "COST_BURST_KEY": "100000000",
		"QUERY_COST_LIMIT_ANONYMOUS": "20000", "COST_BURST_ANONYMOUS": "100000000",
		"DEPTH_LIMIT": "14", "SELECTION_LIMIT": "5000", "PARSER_TOKEN_LIMIT": "100000",
	})
	ctx := context.Background()
	hostGID, hostKey := a.org("hote", db.ScopeCatalogueWrite, db.ScopeRegistrationsRead)
	partnerGID, partnerKey := a.org("partenaire")
	a.org("autre", db.ScopeCatalogueWrite)
	host, partner, other := orgID(t, a, "hote"), orgID(t, a, "partenaire"), orgID(t, a, "autre")
	base := time.Now().Add(3 * time.Hour).Truncate(time.Hour)
	var slots []db.Slot
	for o, org := range []int64{host, other} {
		nv, nw := 6, 7
		if o == 1 {
			nv, nw = 2, 3
		}
		var venues []db.Venue
		for i := range nv {
			venues = append(venues, dbVenue(t, a, org, fmt.Sprintf("Lieu %d", i/2), false))
		}
		dbVenue(t, a, org, "Lieu archivé", true)
		var workshops []db.Workshop
		for i := range nw {
			status := db.StatusPublished
			if i%4 == 0 {
				status = db.StatusDraft
			}
			workshops = append(workshops, dbWorkshop(t, a, org, fmt.Sprintf("Atelier %d", i/2), status))
		}
		for i, v := range venues {
			for range 2 + i*5%7 {
				n := len(slots)
				start := base.Add(time.Duration(n/2) * time.Hour)
				slots = append(slots, db.Slot{OrganisationID: org, WorkshopID: workshops[n%nw].ID, VenueID: v.ID,
					StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 4, RegistrationClosesAt: start,
					Visibility: []db.SlotVisibility{db.VisibilityPublic, db.VisibilityPublic, db.VisibilityPartners, db.VisibilityInternal}[n%4]})
			}
		}
		if _, err := db.CreateProgramme(ctx, a.Pool, db.Programme{OrganisationID: org, Title: "Parcours", Status: db.StatusPublished,
			WorkshopIDs: []int64{workshops[2].ID, workshops[0].ID, workshops[1].ID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateProgramme(ctx, a.Pool, db.Programme{OrganisationID: org, Title: "Brouillon", Status: db.StatusDraft,
			WorkshopIDs: []int64{workshops[2].ID}}); err != nil {
			t.Fatal(err)
		}
	}
	created, err := db.ScheduleSlots(ctx, a.Pool, slots)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range created {
		switch {
		case i%11 == 5:
			if _, err := a.Pool.Exec(ctx, `UPDATE slots SET status = 'CANCELLED', cancelled_at = now() WHERE id = $1`, s.ID); err != nil {
				t.Fatal(err)
			}
		case i%9 == 4:
			if _, err := a.Pool.Exec(ctx, `UPDATE slots SET seats_taken = capacity WHERE id = $1`, s.ID); err != nil {
				t.Fatal(err)
			}
		case s.Visibility == db.VisibilityPublic && i%3 == 0:
			if _, err := db.Reserve(ctx, a.Pool, db.Allocation{SlotID: s.ID, OrganisationID: partner, Seats: 1}); err != nil {
				t.Fatal(err)
			}
			a.register("", globalID("Slot", s.ID), i, nil)
		case s.Visibility == db.VisibilityPublic && i%3 == 1:
			a.register("", globalID("Slot", s.ID), i, nil)
		}
	}
	for i := range 4 {
		o, err := db.CreateOrganisation(ctx, a.Pool, db.Organisation{Name: fmt.Sprintf("Structure %d", i/2),
			Slug: fmt.Sprintf("structure-%d", i), Kind: db.KindAssociation, HostsWorkshops: true})
		if err != nil {
			t.Fatal(err)
		}
		for j := range i % 3 {
			dbVenue(t, a, o.ID, fmt.Sprintf("Salle %d", j), false)
		}
		dbWorkshop(t, a, o.ID, "Module", []db.WorkshopStatus{db.StatusPublished, db.StatusDraft}[i%2])
	}
	w := &stressWorld{a: a, callers: []apiCaller{{"anonymous", "", ""}, {"partner", partnerKey, partnerGID}, {"host", hostKey, hostGID}}}
	for _, l := range []struct {
		ids   *[]string
		kind  string
		table string
	}{
		{&w.venues, "Venue", "venues"}, {&w.workshops, "Workshop", "workshops"}, {&w.slots, "Slot", "slots"},
		{&w.orgs, "Organisation", "organisations"}, {&w.programmes, "Programme", "programmes"},
		{&w.allocations, "Allocation", "slot_allocations"}, {&w.registrations, "Registration", "registrations"},
	} {
		rows, err := a.Pool.Query(ctx, `SELECT id FROM `+l.table+` ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			*l.ids = append(*l.ids, globalID(l.kind, id))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		w.missing = append(w.missing, globalID(l.kind, 987654))
	}
	var out struct {
		Venues, Slots struct{ PageInfo struct{ EndCursor string } }
	}
	a.query("", `{ venues(first: 2) { pageInfo { endCursor } } slots(first: 3) { pageInfo { endCursor } } }`, nil, &out)
	w.venueCursor, w.slotCursor = out.Venues.PageInfo.EndCursor, out.Slots.PageInfo.EndCursor
	if len(w.allocations) == 0 || len(w.registrations) == 0 || w.slotCursor == "" {
		t.Fatalf("the world lacks allocations (%d), registrations (%d) or cursors", len(w.allocations), len(w.registrations))
	}
	return w
}

// stressFragments are the named fragments sub-queries may spread.
var stressFragments = map[string]string{
	"SlotBits":     `fragment SlotBits on Slot { id startsAt slotStatus: status visibility seatsLeft seatsReserved }`,
	"VenueBits":    `fragment VenueBits on Venue { id name isArchived organisation { id slug } }`,
	"WorkshopBits": `fragment WorkshopBits on Workshop { id title workshopStatus: status organisation { id name } }`,
	"PageBits":     `fragment PageBits on PageInfo { hasNextPage endCursor }`,
}

// sel is a selection and what it costs as graph/complexity.go counts it (roughly: at least as
// much), with the named fragments it spreads.
type sel struct {
	text  string
	cost  int
	frags map[string]bool
}

// stressGen builds the sub-queries of one request.
type stressGen struct {
	r *rand.Rand
	w *stressWorld
}

func (g *stressGen) p(x float64) bool { return g.r.Float64() < x }

func (g *stressGen) one(xs ...string) string { return xs[g.r.IntN(len(xs))] }

// dir returns a directive that keeps its field (or "") or, when drop, one that drops it.
func (g *stressGen) dir(drop bool) string {
	if drop {
		return g.one(" @skip(if: true)", " @include(if: false)")
	}
	return g.one("", "", " @include(if: true)", " @skip(if: false)")
}

// join joins parts into one selection.
func join(parts ...sel) sel {
	s := sel{frags: map[string]bool{}}
	var texts []string
	for _, p := range parts {
		texts = append(texts, p.text)
		s.cost += p.cost
		for f := range p.frags {
			s.frags[f] = true
		}
	}
	s.text = strings.Join(texts, " ")
	return s
}

func plain(text string, cost int, frags ...string) sel {
	s := sel{text: text, cost: cost, frags: map[string]bool{}}
	for _, f := range frags {
		s.frags[f] = true
	}
	return s
}

// object is field { inner }, with a directive that keeps or sometimes drops it.
func (g *stressGen) object(field string, inner sel) sel {
	return join(plain(field+g.dir(g.p(0.15))+" {", 1), inner, plain("}", 0))
}

// conn is a connection field with first items of inner, whose fields may nest d-2 levels.
func (g *stressGen) conn(field string, first int, d int, inner func(int) sel) sel {
	parts := []sel{plain("edges {", 0)}
	if g.p(0.5) {
		parts = append(parts, plain("cursor", 0))
	}
	parts = append(parts, g.object("node", inner(d-2)), plain("}", 0))
	if g.p(0.5) {
		parts = append(parts, g.oneSel(plain("pageInfo { hasNextPage endCursor }", 0), plain("pageInfo { ...PageBits }", 0, "PageBits")))
	}
	s := join(parts...)
	s.cost = 1 + first*s.cost
	s.text = field + g.dir(g.p(0.1)) + " { " + s.text + " }"
	return s
}

func (g *stressGen) oneSel(xs ...sel) sel { return xs[g.r.IntN(len(xs))] }

// slot is the selection of a Slot whose fields may nest d levels.
func (g *stressGen) slot(d int) sel {
	parts := []sel{plain("id", 1)}
	if g.p(0.5) {
		parts = append(parts, plain("startsAt slotStatus: status", 2))
	}
	if g.p(0.3) {
		parts = append(parts, plain("seatsLeft"+g.dir(g.p(0.2)), 1))
	}
	if g.p(0.3) {
		parts = append(parts, plain("...SlotBits"+g.dir(g.p(0.2)), 6, "SlotBits"))
	}
	if d >= 2 && g.p(0.6/float64(15-d)*6) {
		parts = append(parts, g.object(g.one("workshop", "w: workshop"), g.workshop(d-1)))
	}
	if d >= 2 && g.p(0.5/float64(15-d)*6) {
		parts = append(parts, g.object("venue", g.venue(d-1)))
	}
	if d >= 3 && g.p(0.3) {
		parts = append(parts, plain("allocations { id seats organisation { id name } slot { id startsAt } }", 8))
	}
	if d >= 2 && g.p(0.2) {
		parts = append(parts, plain("... on Slot { id venue { id } }", 3))
	}
	return join(parts...)
}

// venue is the selection of a Venue whose fields may nest d levels.
func (g *stressGen) venue(d int) sel {
	parts := []sel{plain("id name", 2)}
	if d >= 2 && g.p(0.3) {
		parts = append(parts, plain("...VenueBits"+g.dir(g.p(0.2)), 6, "VenueBits"))
	}
	if d >= 2 && g.p(0.4/float64(15-d)*6) {
		parts = append(parts, g.object("organisation", g.org(d-1)))
	}
	if d >= 4 && g.p(0.6) {
		parts = append(parts, g.slots(d))
	}
	return join(parts...)
}

// slots is a Venue's or Workshop's slots, whose fields may nest d levels.
func (g *stressGen) slots(d int) sel {
	first := 1 + g.r.IntN(3)
	args := fmt.Sprintf("(first: %d)", first)
	switch g.r.IntN(6) {
	case 0:
		args = fmt.Sprintf(`(first: %d, filter: { statuses: [SCHEDULED, CANCELLED] })`, first)
	case 1:
		args = fmt.Sprintf(`(first: %d, after: %q)`, first, g.w.slotCursor)
	}
	return g.conn(g.one("slots", "s: slots")+args, first, d-1, g.slot)
}

// workshop is the selection of a Workshop whose fields may nest d levels.
func (g *stressGen) workshop(d int) sel {
	parts := []sel{plain("id title", 2)}
	if d >= 2 && g.p(0.3) {
		parts = append(parts, plain("...WorkshopBits"+g.dir(g.p(0.2)), 6, "WorkshopBits"))
	}
	if d >= 2 && g.p(0.4/float64(15-d)*6) {
		parts = append(parts, g.object("organisation", g.org(d-1)))
	}
	if d >= 4 && g.p(0.5) {
		parts = append(parts, g.slots(d))
	}
	return join(parts...)
}

// org is the selection of an Organisation whose fields may nest d levels.
func (g *stressGen) org(d int) sel {
	parts := []sel{plain("id name", 2)}
	if d >= 4 && g.p(0.5) {
		first := 1 + g.r.IntN(3)
		parts = append(parts, g.conn(fmt.Sprintf("%s(first: %d)", g.one("venues", "v: venues"), first), first, d-1, g.venue))
	}
	if d >= 4 && g.p(0.4) {
		first := 1 + g.r.IntN(3)
		parts = append(parts, g.conn(fmt.Sprintf("workshops(first: %d)", first), first, d-1, g.workshop))
	}
	return join(parts...)
}

// ids picks n ids of every kind, visible or not to the caller, some missing, some twice.
func (g *stressGen) ids(n int, kinds ...[]string) []string {
	var ids []string
	for range n {
		if len(ids) > 0 && g.p(0.15) {
			ids = append(ids, ids[g.r.IntN(len(ids))])
			continue
		}
		if g.p(0.08) {
			ids = append(ids, g.w.missing[g.r.IntN(len(g.w.missing))])
			continue
		}
		k := kinds[g.r.IntN(len(kinds))]
		ids = append(ids, k[g.r.IntN(len(k))])
	}
	return ids
}

// typed is the inline fragments of the node types; under nodes, one alias names different
// lists of different types (x), so that their places share one path.
func (g *stressGen) typed(d int) sel {
	parts := []sel{plain("__typename", 1)}
	if g.p(0.7) {
		parts = append(parts, plain("... on Venue {", 0), g.venue(d), plain("}", 0))
	}
	if g.p(0.7) {
		parts = append(parts, plain("... on Workshop {", 0), g.workshop(d), plain("}", 0))
	}
	if g.p(0.6) {
		parts = append(parts, plain("... on Organisation {", 0), g.org(d), plain("}", 0))
	}
	if g.p(0.6) {
		parts = append(parts, plain("... on Slot {", 0), g.slot(d), plain("}", 0))
	}
	if g.p(0.6) {
		first := 1 + g.r.IntN(3)
		x := fmt.Sprintf(`x: slots(first: %d) { edges { node { id w: workshop { id title } } } pageInfo { hasNextPage } }`, first)
		y := fmt.Sprintf(`x: slots(first: %d) { edges { node { id w: workshop { id organisation { id } } } } }`, 4-first)
		z := fmt.Sprintf(`x: venues(first: %d) { edges { node { id w: organisation { id name } } } pageInfo { endCursor } }`, first)
		parts = append(parts, plain(`... on Venue { `+x+` } ... on Workshop { `+y+` } ... on Organisation { `+z+` }`, 40))
	}
	if g.p(0.4) {
		parts = append(parts, plain(`... on Programme { id title organisation { id } pw: workshops { id title organisation { id name } }`, 30))
		if d >= 6 && g.p(0.5) {
			parts = append(parts, plain("pw: workshops {", 0), g.workshop(d-1), plain("}", 0))
		}
		parts = append(parts, plain("}", 0))
	}
	if g.p(0.3) {
		parts = append(parts, plain(`... on Registration { id registrationStatus: status slot { id workshop { id title } venue { id } } }`, 8))
	}
	if g.p(0.3) {
		parts = append(parts, plain(`... on Allocation { id seats slot { id seatsLeft } organisation { id } }`, 6))
	}
	if g.p(0.3) {
		// Errors on some elements only: registrations are the host's, forbidden to others.
		parts = append(parts, plain(`... on Slot { registrations(first: 2) { edges { node { id registrationStatus: status slot { id venue { name } } } } } }`, 20))
	}
	return join(parts...)
}

// root returns a root field's selection (without alias), within depth 14.
func (g *stressGen) root() sel {
	const d = 14
	w := g.w
	switch g.r.IntN(10) {
	case 0, 1:
		first := 2 + g.r.IntN(6)
		args := fmt.Sprintf("(first: %d)", first)
		if g.p(0.3) {
			args = fmt.Sprintf("(first: %d, after: %q, filter: { includeArchived: true })", first, w.venueCursor)
		}
		return g.conn("venues"+args, first, d, g.venue)
	case 2:
		first := 2 + g.r.IntN(6)
		return g.conn(fmt.Sprintf("workshops(first: %d)", first), first, d, g.workshop)
	case 3:
		first := 2 + g.r.IntN(5)
		return g.conn(fmt.Sprintf("organisations(first: %d)", first), first, d, g.org)
	case 4:
		first := 3 + g.r.IntN(10)
		return g.conn(fmt.Sprintf("slots(first: %d)", first), first, d, g.slot)
	case 5:
		inner := join(plain("id title organisation { id }", 3), plain("workshops {", 0), g.workshop(d-4), plain("}", 0))
		return join(plain("programmes(first: 5) { edges { node {", 0), inner, plain("} } }", 0))
	case 6:
		s := g.typed(d - 1)
		id := g.ids(1, w.venues, w.workshops, w.orgs, w.slots, w.programmes, w.allocations, w.registrations)[0]
		if g.p(0.25) {
			// A tampered cursor: this alias fails (node is null), the others answer.
			cursor := g.one(w.venueCursor, w.slotCursor[:len(w.slotCursor)-2], base64.RawURLEncoding.EncodeToString([]byte("Slot|1|hier")))
			id = w.venues[g.r.IntN(len(w.venues))]
			s = join(s, plain(fmt.Sprintf(`... on Venue { bad: slots(first: 2, after: %q) { edges { node { id } } } }`, cursor), 10))
		}
		return join(plain(fmt.Sprintf("node(id: %q) {", id), 1), s, plain("}", 0))
	case 7, 8:
		ids := g.ids(2+g.r.IntN(7), w.venues, w.workshops, w.orgs, w.slots, w.programmes, w.allocations, w.registrations)
		if g.p(0.3) { // all of one kind, so that the batches below know their count
			ids = g.ids(2+g.r.IntN(7), g.oneList(w.venues, w.workshops, w.orgs, w.slots))
		}
		quoted, _ := json.Marshal(ids)
		s := g.typed(d - 1)
		s.cost = 1 + len(ids)*s.cost
		return join(plain(fmt.Sprintf("nodes(ids: %s) {", quoted), 0), s, plain("}", 0))
	default:
		return join(plain("viewer { isAnonymous organisation {", 2), g.org(d-2), plain("} }", 0))
	}
}

func (g *stressGen) oneList(xs ...[]string) []string { return xs[g.r.IntN(len(xs))] }

// document is an operation of the aliased root selections, with the fragments they spread.
func document(aliases []string, sels []sel) string {
	var b strings.Builder
	b.WriteString("query Stress {")
	frags := map[string]bool{}
	for i, s := range sels {
		fmt.Fprintf(&b, "\n  %s: %s", aliases[i], s.text)
		for f := range s.frags {
			frags[f] = true
		}
	}
	b.WriteString("\n}")
	for _, f := range slices.Sorted(maps.Keys(frags)) {
		b.WriteString("\n" + stressFragments[f])
	}
	return b.String()
}

// stressAnswer is a response cut by alias: each alias's data and its errors (path without the
// alias, message, code).
type stressAnswer struct {
	status int
	data   map[string]string
	errors map[string][]string
}

// stressPost sends query as c within 5 s; a hang fails the test with the loaders' goroutines.
func (w *stressWorld) stressPost(t *testing.T, c apiCaller, query string) (stressAnswer, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := graphqlRequest(w.a.URL, c.key, query, nil).WithContext(ctx)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	var r struct {
		Data   map[string]json.RawMessage
		Errors []gqlError
	}
	if err == nil {
		err = json.NewDecoder(res.Body).Decode(&r)
		res.Body.Close()
	}
	took := time.Since(start)
	if err != nil {
		t.Errorf("%s: no answer after %v (%v): hung?\n%s\n%s", c.name, took, err, query, loaderGoroutines())
		return stressAnswer{}, took
	}
	a := stressAnswer{status: res.StatusCode, data: map[string]string{}, errors: map[string][]string{}}
	for k, v := range r.Data {
		var b bytes.Buffer
		json.Compact(&b, v)
		a.data[k] = b.String()
	}
	for _, e := range r.Errors {
		if len(e.Path) == 0 || e.Code() == "INTERNAL_SERVER_ERROR" {
			t.Errorf("%s: unexpected error %+v\n%s", c.name, e, query)
			continue
		}
		alias := fmt.Sprint(e.Path[0])
		a.errors[alias] = append(a.errors[alias], fmt.Sprintf("%v %s %s", e.Path[1:], e.Message, e.Code()))
	}
	for _, es := range a.errors {
		slices.Sort(es)
	}
	return a, took
}

// loaderGoroutines returns the stacks of the goroutines in package graph (the server runs in
// this process).
func loaderGoroutines() string {
	var b bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&b, 2)
	var out []string
	for _, g := range strings.Split(b.String(), "\n\n") {
		if strings.Contains(g, "ateliers/graph.") {
			out = append(out, g)
		}
	}
	if len(out) > 30 {
		out = append(out[:30], fmt.Sprintf("... %d more", len(out)-30))
	}
	return strings.Join(out, "\n\n")
}

func TestBatchStress(t *testing.T) {
	t.Parallel()
	w := newStressWorld(t)
	const workers, requests = 8, 50
	var mu sync.Mutex
	var slowest time.Duration
	var aliases, failed, withErrors, withNulls int
	var wg sync.WaitGroup
	for worker := range workers {
		wg.Go(func() {
			for i := range requests {
				g := &stressGen{r: rand.New(rand.NewPCG(uint64(worker), uint64(i))), w: w}
				c := w.callers[g.r.IntN(len(w.callers))]
				var sels []sel
				var names []string
				cost := 0
				for n := 1 + g.r.IntN(4); len(sels) < n; {
					var s sel
					if len(sels) > 0 && g.p(0.3) {
						s = sels[g.r.IntN(len(sels))] // an alias of the same list
					} else {
						s = g.root()
					}
					if cost+s.cost+10 > 15000 {
						if len(sels) == 0 {
							continue
						}
						break
					}
					cost += s.cost + 10
					sels = append(sels, s)
					names = append(names, fmt.Sprintf("a%d", len(sels)-1))
				}
				query := document(names, sels)
				got, took := w.stressPost(t, c, query)
				if got.status == 0 {
					mu.Lock()
					failed++
					mu.Unlock()
					return
				}
				if got.status != http.StatusOK {
					t.Errorf("%s: status %d, errors %v\n%s", c.name, got.status, got.errors, query)
					continue
				}
				for k, name := range names {
					alone := document(names[k:k+1], sels[k:k+1])
					want, _ := w.stressPost(t, c, alone)
					if want.status != http.StatusOK {
						t.Errorf("%s: alone: status %d, errors %v\n%s", c.name, want.status, want.errors, alone)
						continue
					}
					mu.Lock()
					if len(want.errors[name]) > 0 {
						withErrors++
					}
					if strings.Contains(want.data[name], "null") {
						withNulls++
					}
					mu.Unlock()
					if got.data[name] != want.data[name] || !slices.Equal(got.errors[name], want.errors[name]) {
						t.Errorf("%s: worker %d request %d: alias %s differs from the same sub-query alone\nquery:\n%s\ngot  %s %v\nwant %s %v",
							c.name, worker, i, name, query, got.data[name], got.errors[name], want.data[name], want.errors[name])
					}
				}
				mu.Lock()
				aliases += len(names)
				slowest = max(slowest, took)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("%d requests, %d aliases compared (%d with errors, %d with nulls), slowest request %v, %d hung",
		workers*requests, aliases, withErrors, withNulls, slowest, failed)
}
