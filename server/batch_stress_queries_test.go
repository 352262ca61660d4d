package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
)

// The sub-queries of TestBatchStress: random, but deterministic for a seed, within the depth
// and cost limits the world's server is given.

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
func (g *stressGen) venue(d int) sel { return g.owned(d, "id name", "VenueBits", 0.6) }

// owned is the selection of a Venue or a Workshop whose fields may nest d levels: head, maybe
// their fragment frag and their organisation, and (at depth 4 or more) their slots with
// probability slots.
func (g *stressGen) owned(d int, head, frag string, slots float64) sel {
	parts := []sel{plain(head, 2)}
	if d >= 2 && g.p(0.3) {
		parts = append(parts, plain("..."+frag+g.dir(g.p(0.2)), 6, frag))
	}
	if d >= 2 && g.p(0.4/float64(15-d)*6) {
		parts = append(parts, g.object("organisation", g.org(d-1)))
	}
	if d >= 4 && g.p(slots) {
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
func (g *stressGen) workshop(d int) sel { return g.owned(d, "id title", "WorkshopBits", 0.5) }

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
