package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db/dbtest"
)

// Live seat counts: a subscriber gets a slot as it is, then again at each change of its seats,
// over WebSocket and SSE, whichever instance the change was made on.

func TestLiveWebSocketSendsTheSeatsThenEachChange(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, slot := a.bookable("regie-stains", 10)
	ws := liveWS(t, a, "")
	ws.subscribe("1", seatsDoc, map[string]any{"ids": []string{slot}})
	if got := ws.slot("1"); got.ID != slot || got.SeatsLeft != 10 || got.Status != "SCHEDULED" {
		t.Fatalf("first: got %+v, want %s with 10 seats left, scheduled", got, slot)
	}
	a.register("", slot, 1, nil)
	if got := ws.slot("1"); got.SeatsLeft != 9 {
		t.Fatalf("after a registration: got %+v, want 9 seats left", got)
	}
	ws.send(wsMessage{ID: "1", Type: "complete"})
	if m := ws.next(); m.Type != "complete" || m.ID != "1" { // gqlgen confirms it
		t.Fatalf("after complete: got %+v", m)
	}
	a.register("", slot, 2, nil)
	ws.quiet(300 * time.Millisecond)
}

func TestLiveSSESendsTheSeatsThenEachChange(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	key, slot := a.bookable("regie-stains", 10)
	sse := liveSSE(t, a, "", seatsDoc, map[string]any{"ids": []string{slot}}, nil)
	if sse.res.StatusCode != http.StatusOK || !strings.HasPrefix(sse.res.Header.Get("Content-Type"), "text/event-stream") {
		t.Fatalf("got status %d, %s; want 200 text/event-stream", sse.res.StatusCode, sse.res.Header.Get("Content-Type"))
	}
	if got := sse.slot(); got.SeatsLeft != 10 {
		t.Fatalf("first: got %+v, want 10 seats left", got)
	}
	a.register("", slot, 1, nil)
	if got := sse.slot(); got.SeatsLeft != 9 {
		t.Fatalf("after a registration: got %+v, want 9 seats left", got)
	}
	slotCancel(t, a, key, slot)
	if got := sse.slot(); got.SeatsLeft != 0 || got.Status != "CANCELLED" {
		t.Fatalf("after the slot was cancelled: got %+v, want 0 seats left, cancelled", got)
	}
}

// Two instances on one database: the registration made through A reaches B's subscriber, by
// PostgreSQL's notice.
func TestLiveDeliversAcrossInstances(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	b := a.otherInstance()
	_, slot := a.bookable("regie-stains", 10)
	ws := liveWS(t, b, "")
	ws.subscribe("1", seatsDoc, map[string]any{"ids": []string{slot}})
	sse := liveSSE(t, b, "", seatsDoc, map[string]any{"ids": []string{slot}}, nil)
	ws.slot("1")
	sse.slot()
	a.register("", slot, 1, nil)
	if got := ws.slot("1"); got.SeatsLeft != 9 {
		t.Fatalf("WebSocket on B: got %+v, want 9 seats left", got)
	}
	if got := sse.slot(); got.SeatsLeft != 9 {
		t.Fatalf("SSE on B: got %+v, want 9 seats left", got)
	}
}

// A change that shows nothing new (here a workshop's title, which no seat depends on) is not
// pushed; the next event reads everything afresh, nested objects included, however old the
// subscription.
func TestLiveEventsReadFreshData(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	key, slot := a.bookable("regie-stains", 10)
	ws := liveWS(t, a, "")
	ws.subscribe("1", `subscription($ids: [ID!]!) { seatsChanged(slotIds: $ids) { seatsLeft workshop { title } } }`,
		map[string]any{"ids": []string{slot}})
	title := func() (int, string) {
		t.Helper()
		m := ws.next()
		var p struct {
			Data struct {
				SeatsChanged struct {
					SeatsLeft int
					Workshop  struct{ Title string }
				}
			}
		}
		json.Unmarshal(m.Payload, &p)
		return p.Data.SeatsChanged.SeatsLeft, p.Data.SeatsChanged.Workshop.Title
	}
	if seats, got := title(); seats != 10 || got != "Faire son CV" {
		t.Fatalf("first: got %d, %q", seats, got)
	}
	var node struct {
		Node struct{ Workshop struct{ ID string } }
	}
	a.query(key, `query($id: ID!) { node(id: $id) { ... on Slot { workshop { id } } } }`, map[string]any{"id": slot}, &node)
	a.query(key, `mutation($in: UpdateWorkshopInput!) { updateWorkshop(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"id": node.Node.Workshop.ID, "title": "Faire son CV en ligne"}}, nil)
	ws.quiet(300 * time.Millisecond)
	a.register("", slot, 1, nil)
	if seats, got := title(); seats != 9 || got != "Faire son CV en ligne" {
		t.Fatalf("after a registration: got %d, %q; want 9 and the new title", seats, got)
	}
}

// However many follow a slot, and whoever they are, a change costs their instance the same two
// statements (the slot, its allocations): not one per subscriber, not even for the seats
// reserved for some of them.
func TestLiveReadsAChangeOnceForAllSubscribers(t *testing.T) {
	t.Parallel()
	a, counter := newCountingAPI(t)
	b := a.otherInstance() // registers: its statements are not counted
	hostKey, slot := a.bookable("regie-stains", 10)
	partnerID, partnerKey := a.org("france-travail", "REGISTRATIONS_WRITE")
	rulesReserved(t, a, hostKey, slot, partnerID, 3, nil)
	var anons, partners []*wsClient
	for range 20 {
		anons, partners = append(anons, liveWS(t, a, "")), append(partners, liveWS(t, a, partnerKey))
	}
	for _, ws := range append(anons, partners...) {
		ws.subscribe("1", seatsDoc, map[string]any{"ids": []string{slot}})
		ws.slot("1")
	}
	before := counter.n.Load()
	b.register("", slot, 1, nil)
	for _, ws := range anons {
		if got := ws.slot("1"); got.SeatsLeft != 6 {
			t.Fatalf("anonymous: got %+v, want 6 seats left", got)
		}
	}
	for _, ws := range partners {
		if got := ws.slot("1"); got.SeatsLeft != 9 {
			t.Fatalf("partner: got %+v, want 9 seats left (6 and its 3)", got)
		}
	}
	if n := counter.n.Load() - before; n != 2 {
		t.Fatalf("the change cost the subscribers' instance %d statements, want 2", n)
	}
}

// With a replica the page cache is off, and live seat counts still come, from the primary
// that the notices come from: here the "replica" is another, empty database, where the slot
// is not.
func TestLiveWorksWithAReplica(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"DATABASE_READ_URL": dbtest.NewDatabase(t)})
	if a.pages != nil {
		t.Fatal("the page cache is on with a replica")
	}
	_, slot := a.bookable("regie-stains", 10)
	sse := liveSSE(t, a, "", seatsDoc, map[string]any{"ids": []string{slot}}, nil)
	if got := sse.slot(); got.SeatsLeft != 10 {
		t.Fatalf("first: got %+v, want 10 seats left", got)
	}
	a.register("", slot, 1, nil)
	if got := sse.slot(); got.SeatsLeft != 9 {
		t.Fatalf("after a registration: got %+v, want 9 seats left", got)
	}
}
