package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"
)

// The operations the benchmark measures, as a client sends them.

const availabilityDoc = `query Availability($filter: SlotFilter!) {
  slots(filter: $filter, first: 50) {
    edges { node { id startsAt endsAt seatsLeft workshop { title } venue { name streetAddress postalCode city } } }
    pageInfo { hasNextPage endCursor }
  }
}`

const slotDoc = `query Slot($id: ID!) {
  node(id: $id) {
    id
    ... on Slot {
      startsAt endsAt capacity seatsLeft waitlistLength isOpenForRegistration status
      workshop { title summary topics durationMinutes whatToBring }
      venue { name streetAddress postalCode city accessibility { wheelchairAccessible } }
    }
  }
}`

// The same two reads as PostGraphile (the peer, peer.go) is asked them: the same fields, under
// the names its schema gives them, aliased to the API's where that costs nothing; the
// functions are those of bench/peer/peer.sql. The slot is fetched by its database id (the
// API's node decodes its global id first, a few hundred nanoseconds).
const peerAvailabilityDoc = `query Availability($from: Datetime, $to: Datetime, $topics: [String], $postalCodes: [String],
  $latitude: Float, $longitude: Float, $radiusKm: Float) {
  slots: peerSearchSlots(startsFrom: $from, startsBefore: $to, topics: $topics, postalCodes: $postalCodes,
    nearLatitude: $latitude, nearLongitude: $longitude, nearRadiusKm: $radiusKm, first: 50) {
    edges { node { id startsAt endsAt seatsLeft workshop: workshopByWorkshopId { title }
      venue: venueByVenueId { name streetAddress postalCode city } } }
    pageInfo { hasNextPage endCursor }
  }
}`

const peerSlotDoc = `query Slot($id: BigInt!) {
  node: peerSlot(id: $id) {
    id startsAt endsAt capacity seatsLeft waitlistLength isOpenForRegistration status
    workshop: workshopByWorkshopId { title summary topics durationMinutes whatToBring }
    venue: venueByVenueId { name streetAddress postalCode city wheelchairAccessible }
  }
}`

const registerDoc = `mutation Register($in: RegisterInput!) {
  register(input: $in) {
    registration { id status waitlistPosition confirmationCode }
    manageToken
    userErrors { field message code }
  }
}`

const referralsDoc = `query Referrals {
  referrals(first: 20) {
    edges { node { id status attendance confirmationCode participant { firstName lastName phone }
      referral { counsellorName } slot { startsAt workshop { title } venue { name city } } } }
    pageInfo { hasNextPage endCursor }
  }
}`

// request is one HTTP request: a JSON body and the API key it is sent with ("" anonymous).
type request struct {
	body []byte
	key  string
}

func gql(doc string, vars map[string]any, key string) request {
	b, err := json.Marshal(map[string]any{"query": doc, "variables": vars})
	if err != nil {
		panic(err)
	}
	return request{body: b, key: key}
}

// operation is one of the benchmarked operations. Reads have a fixed list of requests, sent in
// turn by the API runs and captured once so that the floor replays the same statements.
// Writes make a new request each time (a new person).
type operation struct {
	name     string
	read     bool
	requests []request                   // reads
	peer     []request                   // the same reads for the peer (availability, slot-node)
	next     func(worker, i int) request // writes
	hot      bool                        // register on the hot slots
	joinWait bool
	check    func(body []byte) (outcome string, err error)
	items    func(body []byte) int // rows a read returned, for the report
}

func (o *operation) request(worker, i int) request {
	if o.read {
		return o.requests[(worker*7919+i)%len(o.requests)]
	}
	return o.next(worker, i)
}

// gqlErrors turns a GraphQL errors list into an error, or nil.
func gqlErrors(body []byte) error {
	if !bytes.Contains(body, []byte(`"errors"`)) {
		return nil
	}
	var r struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("bad JSON: %w", err)
	}
	if len(r.Errors) == 0 {
		return nil
	}
	return fmt.Errorf("%s: %s", r.Errors[0].Extensions.Code, r.Errors[0].Message)
}

func checkRead(body []byte) (string, error) { return "", gqlErrors(body) }

// checkRegister returns the registration's status, or the userError code of a refusal.
func checkRegister(body []byte) (string, error) {
	if err := gqlErrors(body); err != nil {
		return "", err
	}
	var r struct {
		Data struct {
			Register struct {
				Registration *struct{ Status string }
				UserErrors   []struct{ Code string }
			}
		}
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return "", fmt.Errorf("bad JSON: %w", err)
	}
	switch reg := r.Data.Register; {
	case len(reg.UserErrors) > 0:
		return reg.UserErrors[0].Code, nil
	case reg.Registration == nil:
		return "", errors.New("no registration and no userErrors")
	default:
		return reg.Registration.Status, nil
	}
}

// edgeCount counts the edges of the connection a read returned.
func edgeCount(body []byte) int {
	var r struct {
		Data map[string]struct{ Edges []json.RawMessage }
	}
	if json.Unmarshal(body, &r) != nil {
		return 0
	}
	n := 0
	for _, c := range r.Data {
		n += len(c.Edges)
	}
	return n
}

func nodeCount(body []byte) int {
	if bytes.Contains(body, []byte(`"node":null`)) {
		return 0
	}
	return 1
}

// isRefusal tells the expected refusals (userError codes) from registration statuses.
func isRefusal(outcome string) bool { return outcome != "CONFIRMED" && outcome != "WAITLISTED" }

// people numbers the persons the bench registers: each request a new one (a new phone).
var people atomic.Int64

func init() { people.Store(time.Now().Unix() % 90 * 1_000_000) }

func participant(n int64) map[string]any {
	return map[string]any{"firstName": "Awa", "lastName": fmt.Sprintf("Banc %d", n),
		"phone": fmt.Sprintf("+336%08d", n%100_000_000), "consent": true, "consentVersion": "2026-11"}
}

// globalID is the API's opaque id (graph/ids.go): base64url of "Kind:id". The bench builds it
// the way a client gets it from a list; it does not import graph.
func globalID(kind string, id int64) string {
	return b64.EncodeToString([]byte(fmt.Sprintf("%s:%d", kind, id)))
}

var b64 = base64.RawURLEncoding

// operations builds the five operations over the run's data, deterministically from seed.
func operations(e *runEnv, seed uint64, samples int) []*operation {
	ops := []*operation{
		{name: "availability", read: true, check: checkRead, items: edgeCount},
		{name: "slot-node", read: true, check: checkRead, items: nodeCount},
		{name: "register", check: checkRegister},
		{name: "register-hot", check: checkRegister, hot: true, joinWait: true},
		{name: "referrals", read: true, check: checkRead, items: edgeCount},
	}
	r := rng(seed, 100)
	t := e.now.In(paris)
	today := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, paris)
	for range samples {
		// A resident looks for a workshop on a topic near home in the coming two weeks: the
		// search is built around a slot that exists, as most real searches find something.
		o := e.openSlots[r.IntN(len(e.openSlots))]
		st := o.startsAt.In(paris)
		from := time.Date(st.Year(), st.Month(), st.Day()-r.IntN(7), 0, 0, 0, 0, paris)
		if from.Before(today) {
			from = today
		}
		filter := map[string]any{
			"from":   from.Format(time.RFC3339),
			"to":     from.AddDate(0, 0, 14).Format(time.RFC3339),
			"topics": []string{o.topics[r.IntN(len(o.topics))]},
		}
		v := o.venue
		if r.IntN(2) == 0 {
			codes := e.codesByDept[v.dept]
			pick := []string{v.postalCode}
			for range 2 {
				if c := codes[r.IntN(len(codes))]; indexOf(pick, c) < 0 {
					pick = append(pick, c)
				}
			}
			filter["postalCodes"] = pick
		} else {
			filter["near"] = map[string]any{"latitude": v.lat + (r.Float64()-0.5)*0.02,
				"longitude": v.lon + (r.Float64()-0.5)*0.03, "radiusKm": float64(5 + r.IntN(11))}
		}
		ops[0].requests = append(ops[0].requests, gql(availabilityDoc, map[string]any{"filter": filter}, ""))
		ops[0].peer = append(ops[0].peer, gql(peerAvailabilityDoc, peerFilter(filter), ""))
		id := e.openSlots[r.IntN(len(e.openSlots))].id
		ops[1].requests = append(ops[1].requests, gql(slotDoc, map[string]any{"id": globalID("Slot", id)}, ""))
		ops[1].peer = append(ops[1].peer, gql(peerSlotDoc, map[string]any{"id": strconv.FormatInt(id, 10)}, ""))
		ops[4].requests = append(ops[4].requests, gql(referralsDoc, nil, e.partnerKeys[len(ops[4].requests)%len(e.partnerKeys)]))
	}
	ops[2].next = func(worker, i int) request {
		return registerRequest(e.openSlots[rand.N(len(e.openSlots))].id, false)
	}
	ops[3].next = func(worker, i int) request {
		return registerRequest(e.hot[(worker+i)%len(e.hot)], true)
	}
	return ops
}

// peerFilter is the variables of peerAvailabilityDoc for the API's filter.
func peerFilter(f map[string]any) map[string]any {
	for k := range f {
		switch k {
		case "from", "to", "topics", "postalCodes", "near":
		default:
			// A filter the peer's search does not take would be dropped, and the answers differ.
			panic("peerFilter: peer_search_slots (bench/peer/peer.sql) has no argument for filter." + k)
		}
	}
	v := map[string]any{"from": f["from"], "to": f["to"], "topics": f["topics"]}
	if pc, ok := f["postalCodes"]; ok {
		v["postalCodes"] = pc
	}
	if n, ok := f["near"].(map[string]any); ok {
		v["latitude"], v["longitude"], v["radiusKm"] = n["latitude"], n["longitude"], n["radiusKm"]
	}
	return v
}

func registerRequest(slotID int64, joinWaitlist bool) request {
	in := map[string]any{"slotId": globalID("Slot", slotID), "participant": participant(people.Add(1)),
		"joinWaitlist": joinWaitlist}
	return gql(registerDoc, map[string]any{"in": in}, "")
}

// apiWork sends an operation's requests to the API. With several instances, the requests go
// round-robin: request i of worker w to instance (w+i) mod n, so each client alternates
// between instances and, at any moment, the clients are spread evenly across them
// (registrations on the same slots race across processes).
func apiWork(as []*api, o *operation) work {
	return func(ctx context.Context, worker, i int) (string, error) {
		a := as[(worker+i)%len(as)]
		body, err := a.post(ctx, o.request(worker, i))
		if err != nil {
			return "", err
		}
		return o.check(body)
	}
}
