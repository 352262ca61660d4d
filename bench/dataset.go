package main

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"time"
)

// sizes are the row counts of a dataset.
type sizes struct {
	Organisations, Venues, Workshops, Slots, Registrations int
	// HotSlots are extra future slots of the popular workshop, without registrations: each
	// register-hot run takes 5 fresh ones (ops.go).
	HotSlots int
}

// sizesAt scales the national dataset (2,000 organisations, 20,000 venues, 5,000
// workshops, 1,000,000 slots, 5,000,000 registrations), keeping enough of each kind to work.
func sizesAt(scale float64) sizes {
	n := func(full, least int) int { return max(int(math.Round(float64(full)*scale)), least) }
	return sizes{
		Organisations: n(2000, 12),
		Venues:        n(20000, 20),
		Workshops:     n(5000, 20),
		Slots:         n(1_000_000, 100),
		Registrations: n(5_000_000, 100),
		HotSlots:      200,
	}
}

// partnerCount organisations (ids 2 to 6) refer people and get API keys at each run.
const partnerCount = 5

// hotWorkshopTitle is the popular workshop (id 1) of the Régie de Quartier de Stains (id 1).
const hotWorkshopTitle = "Les Bons Clics : faire son CV"

var paris = mustLocation("Europe/Paris")

func mustLocation(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return l
}

// anchorOf is the Monday 00:00 (Paris) of now's week: slots span the 52 weeks before it and
// the 52 weeks after, so the same seed gives the same data shifted to the week it runs in.
func anchorOf(now time.Time) time.Time {
	t := now.In(paris)
	d := (int(t.Weekday()) + 6) % 7
	return time.Date(t.Year(), t.Month(), t.Day()-d, 0, 0, 0, 0, paris)
}

type genOrg struct {
	dept          int
	hosts, refers bool
}

type genVenue struct {
	org, dept, code int
	lat, lon        float64
}

type genWorkshop struct {
	org, duration int
}

// genSlot is one slot as planned in memory, before COPY, with its registration counts.
type genSlot struct {
	start                  int64 // Unix seconds
	workshop, venue        int32
	capacity               uint8
	visibility             uint8 // index in visibilities
	cancelled, closesEarly bool
	opensLater             bool
	conf, wait, canc       uint8
}

var visibilities = []string{"PUBLIC", "PARTNERS", "INTERNAL"}

// plan is the whole dataset before it is written: entities are small, and slots carry only
// what the registrations and the slots' counters need.
type plan struct {
	seed     uint64
	now      time.Time // the anchor: what is past for the data
	anchor   time.Time
	size     sizes
	terr     territory
	orgs     []genOrg
	hosts    []int // organisations that host workshops and have at least one venue
	referrer []int // organisations that refer people (partners first)
	venues   []genVenue
	orgVen   [][]int32
	shops    []genWorkshop
	slots    []genSlot
}

func rng(seed, stream uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, stream)) }

// territory is where a dataset's network works. Below scale 1 the network is what it was on
// its way from Stains to the whole country: the départements nearest Stains, each as dense as
// in the national dataset (as many venues per postal code, slots per venue, workshops per
// host). A resident's search near home then finds as many slots at every scale, and a smaller
// dataset differs from the national one by its size only, which is what the scale comparison
// of the benchmark measures: whether indexes and plans degrade as the tables grow.
type territory struct {
	depts  []int   // indexes in departments, nearest to Stains first
	weight int     // their total weight
	codes  float64 // postal codes per département, as a share of codesIn's national count
}

func territoryAt(scale float64) territory {
	order := make([]int, len(departments))
	total := 0
	for i, d := range departments {
		order[i] = i
		total += d.weight
	}
	stains := departments[slices.IndexFunc(departments, func(d department) bool { return d.code == "93" })]
	dist := func(i int) float64 { // squared, on a plane: only the order matters
		d := departments[i]
		dx := (d.lon - stains.lon) * math.Cos(stains.lat*math.Pi/180)
		dy := d.lat - stains.lat
		return dx*dx + dy*dy
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(dist(a), dist(b)) })
	t := territory{codes: 1}
	for _, i := range order {
		if float64(t.weight) >= scale*float64(total) {
			break
		}
		t.depts = append(t.depts, i)
		t.weight += departments[i].weight
	}
	if scale < 1 {
		// The territory holds scale × the national venues over a weight ≥ scale × the national
		// weight: fewer postal codes keep the venues as dense as nationally.
		t.codes = scale * float64(total) / float64(t.weight)
	}
	return t
}

// pickDept draws a département of the territory weighted by population.
func (t territory) pickDept(r *rand.Rand) int {
	n := r.IntN(t.weight)
	for _, i := range t.depts {
		if n < departments[i].weight {
			return i
		}
		n -= departments[i].weight
	}
	return t.depts[len(t.depts)-1]
}

// codesIn is how many postal codes of a département the dataset uses.
func (t territory) codesIn(d department) int {
	return max(int(math.Round(float64(min(3+d.weight/8, 40))*t.codes)), 1)
}

// codeCentre is where the venues of postal code k of département d gather: the prefecture
// for k = 0 (Stains for 93240), elsewhere within about 30 km of it.
func codeCentre(seed uint64, dept, k int) (lat, lon float64) {
	d := departments[dept]
	if k == 0 {
		return d.lat, d.lon
	}
	r := rng(seed, uint64(1000+dept*100+k))
	return d.lat + (r.Float64()-0.5)*0.5, d.lon + (r.Float64()-0.5)*0.7
}

func newPlan(seed uint64, scale float64, now time.Time) *plan {
	// The dataset is a function of seed, scale and week only: it takes the week's Monday as its
	// "now" (registrations made before it, attendance marked up to it).
	p := &plan{seed: seed, now: anchorOf(now), anchor: anchorOf(now), size: sizesAt(scale), terr: territoryAt(scale)}
	p.planOrganisations()
	p.planVenues()
	p.planWorkshops()
	p.planSlots()
	p.planRegistrationCounts()
	return p
}

func (p *plan) planOrganisations() {
	r := rng(p.seed, 1)
	stains := slices.IndexFunc(departments, func(d department) bool { return d.code == "93" })
	p.orgs = make([]genOrg, p.size.Organisations)
	for i := range p.orgs {
		o := genOrg{dept: p.terr.pickDept(r)}
		switch {
		case i == 0: // the Régie de Quartier de Stains
			o = genOrg{dept: stains, hosts: true, refers: true}
		case i <= partnerCount:
			o.refers = true
		default:
			switch x := r.Float64(); {
			case x < 0.6:
				o.hosts = true
			case x < 0.85:
				o.refers = true
			default:
				o.hosts, o.refers = true, true
			}
		}
		p.orgs[i] = o
		if o.refers {
			p.referrer = append(p.referrer, i)
		}
	}
}

func (p *plan) planVenues() {
	r := rng(p.seed, 2)
	var hosts []int
	for i, o := range p.orgs {
		if o.hosts {
			hosts = append(hosts, i)
		}
	}
	p.orgVen = make([][]int32, len(p.orgs))
	p.venues = make([]genVenue, p.size.Venues)
	for i := range p.venues {
		org := hosts[r.IntN(len(hosts))]
		if i < len(hosts) {
			org = hosts[i] // every host gets a venue, the Régie the first (in Stains)
		}
		dept := p.orgs[org].dept
		code := r.IntN(p.terr.codesIn(departments[dept]))
		if i == 0 {
			code = 0
		}
		lat, lon := codeCentre(p.seed, dept, code)
		if i > 0 {
			lat += (r.Float64() - 0.5) * 0.04
			lon += (r.Float64() - 0.5) * 0.06
		}
		p.venues[i] = genVenue{org: org, dept: dept, code: code, lat: lat, lon: lon}
		p.orgVen[org] = append(p.orgVen[org], int32(i))
	}
	for _, h := range hosts {
		if len(p.orgVen[h]) > 0 {
			p.hosts = append(p.hosts, h)
		}
	}
}

func (p *plan) planWorkshops() {
	r := rng(p.seed, 3)
	durations := []int{60, 90, 120, 120, 120, 180}
	p.shops = make([]genWorkshop, p.size.Workshops)
	for i := range p.shops {
		org := p.hosts[r.IntN(len(p.hosts))]
		if i < len(p.hosts) {
			org = p.hosts[i] // the popular workshop (i = 0) is the Régie's
		}
		p.shops[i] = genWorkshop{org: org, duration: durations[r.IntN(len(durations))]}
	}
}

// slotTimes are the usual starts of a workshop, Paris wall clock (hour, minute).
var slotTimes = [][2]int{{9, 0}, {9, 30}, {10, 0}, {13, 30}, {14, 0}, {14, 30}, {16, 0}, {17, 30}}

var capacities = []uint8{6, 8, 8, 10, 10, 12, 12, 12, 15, 20}

func (p *plan) day(offset int, hm [2]int) time.Time {
	a := p.anchor
	return time.Date(a.Year(), a.Month(), a.Day()+offset, hm[0], hm[1], 0, 0, paris)
}

// planSlots spreads the slots over two years, Monday to Saturday, at usual hours, then sorts
// them by start: hosts schedule ahead, so ids grow roughly with time, as in production. The
// hot slots come last.
func (p *plan) planSlots() {
	r := rng(p.seed, 4)
	p.slots = make([]genSlot, 0, p.size.Slots+p.size.HotSlots)
	for range p.size.Slots {
		w := int32(r.IntN(len(p.shops)))
		vens := p.orgVen[p.shops[w].org]
		off := r.IntN(728) - 364
		if p.day(off, [2]int{12, 0}).Weekday() == time.Sunday {
			off++
		}
		s := genSlot{
			start:    p.day(off, slotTimes[r.IntN(len(slotTimes))]).Unix(),
			workshop: w, venue: vens[r.IntN(len(vens))],
			capacity:    capacities[r.IntN(len(capacities))],
			cancelled:   r.Float64() < 0.02,
			closesEarly: r.Float64() < 0.15,
			opensLater:  r.Float64() < 0.05,
		}
		switch x := r.Float64(); {
		case x < 0.05:
			s.visibility = 2
		case x < 0.15:
			s.visibility = 1
		}
		p.slots = append(p.slots, s)
	}
	slices.SortStableFunc(p.slots, func(a, b genSlot) int { return int(a.start - b.start) })
	for i := range p.size.HotSlots {
		p.slots = append(p.slots, genSlot{
			start:    p.day(14+i/2, slotTimes[4-3*(i%2)]).Unix(),
			workshop: 0, venue: 0, capacity: 20,
		})
	}
}

// planRegistrationCounts fills past slots more than future ones, and far future ones least,
// then adds or removes registrations at random until the total is exact.
func (p *plan) planRegistrationCounts() {
	r := rng(p.seed, 5)
	now := p.now.Unix()
	total := 0
	slots := p.slots[:p.size.Slots]
	for i := range slots {
		s := &slots[i]
		days := float64(s.start-now) / 86400
		var fill float64
		switch {
		case days < 0:
			fill = 0.3 + 0.7*r.Float64()
		case days < 14:
			fill = 0.2 + 0.8*r.Float64()
		default:
			fill = 0.6 * r.Float64() * max(0, 1-days/365)
		}
		c := uint8(math.Round(fill * float64(s.capacity)))
		if s.cancelled {
			s.canc = c
		} else {
			s.conf = c
			if c == s.capacity && days > 0 && r.Float64() < 0.5 {
				s.wait = uint8(1 + r.IntN(4))
			}
			if r.Float64() < 0.3 {
				s.canc = uint8(1 + r.IntN(2))
			}
		}
		total += int(s.conf) + int(s.wait) + int(s.canc)
	}
	for ; total < p.size.Registrations; total++ {
		s := &slots[r.IntN(len(slots))]
		if s.canc == math.MaxUint8 {
			continue
		}
		s.canc++
	}
	for total > p.size.Registrations {
		s := &slots[r.IntN(len(slots))]
		switch {
		case s.canc > 0:
			s.canc--
		case s.wait > 0:
			s.wait--
		case s.conf > 0:
			s.conf--
		default:
			continue
		}
		total--
	}
}

// tokenHash is the stored hash of registration n's management token: unique, deterministic.
func (p *plan) tokenHash(n int) []byte {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[:8], uint64(n))
	binary.LittleEndian.PutUint64(b[8:], p.seed)
	h := sha256.Sum256(b[:])
	return h[:]
}

// confirmationCode numbers registration n in base 31 through a bijection of [0, 31^8), so
// codes are unique and look random, like the API's.
func (p *plan) confirmationCode(n int) string {
	const alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
	const m = 852_891_037_441 // 31^8
	x := (int64(n)*1_000_003 + int64(p.seed%m)) % m
	b := make([]byte, 8)
	for i := range b {
		b[i] = alphabet[x%31]
		x /= 31
	}
	return string(b)
}
