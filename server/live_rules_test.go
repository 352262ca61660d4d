package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// The rules of live seat counts: who may follow what, the limits, and how connections end.

// A subscriber sees what node(id) shows it: a slot it may not see is refused whole, with an
// error and no data; the host follows its own internal slot, a partner a partners-only one.
func TestLiveFollowsOnlyWhatTheCallerMaySee(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, hostKey := a.org("regie-stains", "CATALOGUE_WRITE")
	_, partnerKey := a.org("france-travail")
	w, v := a.workshop(hostKey, nil), a.venue(hostKey, nil)
	public := a.slot(hostKey, w, v, "2032-06-01T14:00", nil)
	internal := a.slot(hostKey, w, v, "2032-06-02T14:00", map[string]any{"visibility": "INTERNAL"})
	partners := a.slot(hostKey, w, v, "2032-06-03T14:00", map[string]any{"visibility": "PARTNERS"})
	draft := a.slot(hostKey, a.workshop(hostKey, map[string]any{"status": "DRAFT"}), v, "2032-06-04T14:00", nil)
	for _, c := range []struct {
		who, key, slot string
		sees           bool
	}{
		{"anonymous", "", internal, false},
		{"anonymous", "", draft, false},
		{"anonymous", "", partners, false},
		{"a partner", partnerKey, internal, false},
		{"a partner", partnerKey, partners, true},
		{"the host", hostKey, internal, true},
		{"the host", hostKey, draft, true},
	} {
		ws := liveWS(t, a, c.key)
		ws.subscribe("1", seatsDoc, map[string]any{"ids": []string{public, c.slot}})
		if c.sees {
			ws.slot("1")
			ws.slot("1")
		} else if code := ws.refused("1"); code != "NOT_FOUND" {
			t.Errorf("%s following %s: got %s, want NOT_FOUND", c.who, c.slot, code)
		}
	}
	sse := liveSSE(t, a, "", seatsDoc, map[string]any{"ids": []string{internal}}, nil)
	if e := sse.next(); e.Event != "next" || !strings.Contains(e.Data, `"NOT_FOUND"`) || !strings.Contains(e.Data, `"data":null`) {
		t.Errorf("anonymous SSE on an internal slot: got %+v, want NOT_FOUND and no data", e)
	}
	if e := sse.next(); e.Event != "complete" {
		t.Errorf("anonymous SSE on an internal slot: got %+v, want the stream complete", e)
	}
	if got := liveSSE(t, a, partnerKey, seatsDoc, map[string]any{"ids": []string{partners}}, nil).slot(); got.ID != partners {
		t.Errorf("a partner's SSE on a partners-only slot: got %+v", got)
	}
}

// A slot made private while followed is no longer sent to those who may not see it; the
// subscription ends when nothing it follows is left. The host still gets it.
func TestLiveStopsSendingASlotThatBecomesPrivate(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostKey, slot := a.bookable("regie-stains", 10)
	anon, host := liveWS(t, a, ""), liveWS(t, a, hostKey)
	anon.subscribe("1", seatsDoc, map[string]any{"ids": []string{slot}})
	host.subscribe("1", seatsDoc, map[string]any{"ids": []string{slot}})
	anon.slot("1")
	host.slot("1")
	a.query(hostKey, `mutation($in: UpdateSlotInput!) { updateSlot(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"id": slot, "visibility": "INTERNAL"}}, nil)
	if m := anon.next(); m.Type != "complete" {
		t.Fatalf("anonymous: got %+v, want the subscription complete", m)
	}
	host.slot("1") // the slot changed: the host sees it again
	a.register(hostKey, slot, 1, nil)
	if got := host.slot("1"); got.SeatsLeft != 9 {
		t.Fatalf("host: got %+v, want 9 seats left", got)
	}
	anon.quiet(200 * time.Millisecond)
}

// Seats reserved for an organisation count for its keys only, from the same read.
func TestLiveSeatsLeftCountTheCallersReservedSeats(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostKey, slot := a.bookable("regie-stains", 10)
	partnerID, partnerKey := a.org("france-travail", "REGISTRATIONS_WRITE")
	rulesReserved(t, a, hostKey, slot, partnerID, 3, nil)
	anon, partner := liveWS(t, a, ""), liveWS(t, a, partnerKey)
	anon.subscribe("1", seatsDoc, map[string]any{"ids": []string{slot}})
	partner.subscribe("1", seatsDoc, map[string]any{"ids": []string{slot}})
	if a, p := anon.slot("1").SeatsLeft, partner.slot("1").SeatsLeft; a != 7 || p != 10 {
		t.Fatalf("got %d for anonymous and %d for the partner, want 7 and 10", a, p)
	}
	a.register("", slot, 1, nil)
	if a, p := anon.slot("1").SeatsLeft, partner.slot("1").SeatsLeft; a != 6 || p != 9 {
		t.Fatalf("after a registration: got %d for anonymous and %d for the partner, want 6 and 9", a, p)
	}
}

func TestLiveLimits(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"LIVE_MAX_SLOTS_PER_SUBSCRIPTION": "2",
		"LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION": "1", "LIVE_MAX_CONNECTIONS_PER_CLIENT": "2"})
	key, s1 := a.bookable("regie-stains", 10)
	w, v := a.workshop(key, nil), a.venue(key, nil)
	s2, s3 := a.slot(key, w, v, "2032-06-02T14:00", nil), a.slot(key, w, v, "2032-06-03T14:00", nil)

	t.Run("slots per subscription", func(t *testing.T) {
		sse := liveSSE(t, a, "", seatsDoc, map[string]any{"ids": []string{s1, s2, s3}}, nil)
		if e := sse.next(); !strings.Contains(e.Data, `"BAD_USER_INPUT"`) || !strings.Contains(e.Data, "1 to 2 slots") {
			t.Fatalf("got %+v, want BAD_USER_INPUT", e)
		}
	})
	t.Run("subscriptions per connection", func(t *testing.T) {
		ws := liveWS(t, a, "")
		ws.subscribe("1", seatsDoc, map[string]any{"ids": []string{s1, s2}})
		ws.slot("1")
		ws.slot("1")
		ws.subscribe("2", seatsDoc, map[string]any{"ids": []string{s3}})
		if code := ws.refused("2"); code != "THROTTLED" {
			t.Fatalf("second subscription: got %s, want THROTTLED", code)
		}
		ws.completed("2")
		ws.send(wsMessage{ID: "1", Type: "complete"})
		ws.completed("1")
		time.Sleep(100 * time.Millisecond) // its count is given back as its context ends, just after
		ws.subscribe("3", seatsDoc, map[string]any{"ids": []string{s3}})
		ws.slot("3") // room again
	})
	t.Run("connections per client", func(t *testing.T) {
		liveWS(t, a, "")
		sse := liveSSE(t, a, "", seatsDoc, map[string]any{"ids": []string{s1}}, nil)
		sse.slot()
		_, res, err := dialWS(t, a, nil)
		if err == nil || res == nil || res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("third connection: got %v, %v; want 429", res, err)
		}
		if sse := liveSSE(t, a, "", seatsDoc, map[string]any{"ids": []string{s1}}, nil); sse.res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("third connection by SSE: got %d, want 429", sse.res.StatusCode)
		}
	})
}

// Browsers apply no CORS to WebSockets: the server refuses the pages of origins that CORS
// does not allow. A program (no Origin) and the allowed site are served.
func TestLiveRefusesOriginsCORSDoesNotAllow(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, slot := a.bookable("regie-stains", 10)
	if _, res, err := dialWS(t, a, http.Header{"Origin": {"https://evil.example"}}); err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("WebSocket from another origin: got %v, %v; want 403", res, err)
	}
	sse := liveSSE(t, a, "", seatsDoc, map[string]any{"ids": []string{slot}}, http.Header{"Origin": {"https://evil.example"}})
	if sse.res.StatusCode != http.StatusForbidden {
		t.Fatalf("SSE from another origin: got %d, want 403", sse.res.StatusCode)
	}
	if _, _, err := dialWS(t, a, http.Header{"Origin": {siteOrigin}}); err != nil {
		t.Fatalf("WebSocket from the allowed site: %v", err)
	}
	sse = liveSSE(t, a, "", seatsDoc, map[string]any{"ids": []string{slot}}, http.Header{"Origin": {siteOrigin}})
	if sse.slot(); sse.res.Header.Get("Access-Control-Allow-Origin") != siteOrigin {
		t.Fatalf("SSE from the allowed site: got Access-Control-Allow-Origin %q", sse.res.Header.Get("Access-Control-Allow-Origin"))
	}
}

// A key the server does not know closes the connection with graphql-transport-ws's 4403.
func TestLiveRefusesAnUnknownKey(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	conn, _, err := dialWS(t, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	ws := startWS(t, conn, "ateliers_not-a-key")
	if status := ws.ended(10 * time.Second); status != 4403 {
		t.Fatalf("got close status %d, want 4403", status)
	}
	sse := liveSSE(t, a, "ateliers_not-a-key", seatsDoc, map[string]any{"ids": []string{"U2xvdDox"}}, nil)
	if sse.res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("SSE: got %d, want 401", sse.res.StatusCode)
	}
}

// WebSocket and SSE serve subscriptions only, and POST and GET no subscription.
func TestLiveTransportsServeSubscriptionsOnly(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, slot := a.bookable("regie-stains", 10)
	ws := liveWS(t, a, "")
	ws.subscribe("1", `{ viewer { isAnonymous } }`, nil)
	if code := ws.refused("1"); code != "BAD_REQUEST" {
		t.Fatalf("query over WebSocket: got %s, want BAD_REQUEST", code)
	}
	if code := a.errorCode("", seatsDoc, map[string]any{"ids": []string{slot}}); code != "BAD_REQUEST" {
		t.Fatalf("subscription by POST: got %s, want BAD_REQUEST", code)
	}
}

// Idle connections are pinged: graphql-transport-ws pings (answered by the client's pongs,
// without which the server would close it), SSE comments.
func TestLiveKeepsIdleConnectionsAlive(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"LIVE_PING_INTERVAL": "500ms"})
	_, slot := a.bookable("regie-stains", 10)
	ws := liveWS(t, a, "")
	sse := liveSSE(t, a, "", seatsDoc, map[string]any{"ids": []string{slot}}, nil)
	sse.slot()
	pings, comments := 0, 0
	for timeout := time.After(10 * time.Second); pings < 2 || comments < 2; {
		select {
		case m, ok := <-ws.in:
			if !ok {
				t.Fatalf("the WebSocket closed: %v", ws.err)
			}
			if m.Type == "ping" {
				pings++
			}
		case e := <-sse.events:
			if e.Comment == "ping" {
				comments++
			}
		case <-timeout:
			t.Fatalf("in 10 s: %d pings and %d keep-alive comments, want 2 of each", pings, comments)
		}
	}
	ws.subscribe("1", seatsDoc, map[string]any{"ids": []string{slot}})
	ws.slot("1") // still open
}

// A client that stops reading is dropped once its few waiting changes fill its buffer, and
// its connection closed, rather than the server holding an ever longer queue for it.
func TestLiveDropsASlowConsumer(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"LIVE_BUFFER": "1", "LIVE_WRITE_TIMEOUT": "1s",
		"SELECTION_LIMIT": "5000", "QUERY_COST_LIMIT_ANONYMOUS": "100000", "PARSER_TOKEN_LIMIT": "100000"})
	_, slot := a.bookable("regie-stains", 10)
	a.exec(`UPDATE workshops SET description = repeat('x', 10000)`)
	// Each event is 300 descriptions, 3 MB: a few fill the sockets' buffers.
	var big strings.Builder
	for i := range 300 {
		fmt.Fprintf(&big, " d%d: workshop { description }", i)
	}
	conn, _, err := dialWS(t, a, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	wsjson.Write(ctx, conn, wsMessage{Type: "connection_init"})
	wsjson.Write(ctx, conn, wsMessage{ID: "1", Type: "subscribe", Payload: mustJSON(map[string]any{
		"query": `subscription($ids: [ID!]!) { seatsChanged(slotIds: $ids) { seatsLeft` + big.String() + ` } }`, "variables": map[string]any{"ids": []string{slot}}})})
	// The client reads nothing more; changes come until the server gives up on it.
	for i := 0; a.hub.Stats().Dropped == 0; i++ {
		if i == 100 {
			t.Fatal("100 changes and the slow subscriber is still served")
		}
		slotSQL(t, a, slot, `UPDATE slots SET waitlist_length = waitlist_length + 1 WHERE id = $1`)
		time.Sleep(20 * time.Millisecond)
	}
	if n := a.hub.Stats().Subscribers; n != 0 {
		t.Fatalf("got %d subscribers, want the slow one gone", n)
	}
	// Its connection is closed: reading now drains what the sockets held, then ends.
	read, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for {
		if _, _, err := conn.Read(read); err != nil {
			if read.Err() != nil {
				t.Fatal("the slow subscriber's connection is still open after 20 s")
			}
			break
		}
	}
}

// Stopping the server closes the live connections: a WebSocket gets its close, an SSE stream
// ends.
func TestLiveShutdownClosesConnections(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, slot := a.bookable("regie-stains", 10)
	ctx, stop := context.WithCancel(context.Background())
	pages, hub, done := startChanges(ctx, a.config, a.Pool)
	defer func() { stop(); <-done }()
	waitFor(t, 10*time.Second, "the listener", hub.Listens)
	b := serveHandler(t, a, newHandler(a.config, a.Pool, nil, pages, hub))
	ws := liveWS(t, b, "")
	ws.subscribe("1", seatsDoc, map[string]any{"ids": []string{slot}})
	ws.slot("1")
	sse := liveSSE(t, b, "", seatsDoc, map[string]any{"ids": []string{slot}}, nil)
	sse.slot()
	stop()
	if status := ws.ended(10 * time.Second); status != websocket.StatusNormalClosure && status != -1 {
		t.Fatalf("WebSocket: got close status %d", status)
	}
	waitFor(t, 10*time.Second, "the SSE stream to end", func() bool {
		_, open := <-sse.events
		return !open
	})
}

// A key revoked while its subscriptions are open closes their connections, within
// LIVE_KEY_CHECK_INTERVAL; others are served on.
func TestLiveClosesTheConnectionsOfARevokedKey(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"LIVE_KEY_CHECK_INTERVAL": "200ms"})
	_, slot := a.bookable("regie-stains", 10)
	_, partnerKey := a.org("france-travail")
	partner, anon := liveWS(t, a, partnerKey), liveWS(t, a, "")
	partner.subscribe("1", seatsDoc, map[string]any{"ids": []string{slot}})
	anon.subscribe("1", seatsDoc, map[string]any{"ids": []string{slot}})
	partner.slot("1")
	anon.slot("1")
	sse := liveSSE(t, a, partnerKey, seatsDoc, map[string]any{"ids": []string{slot}}, nil)
	sse.slot()
	a.exec(`UPDATE api_keys SET revoked_at = now() WHERE organisation_id = $1`, orgID(t, a, "france-travail"))
	partner.ended(10 * time.Second)
	waitFor(t, 10*time.Second, "the partner's SSE stream to end", func() bool {
		_, open := <-sse.events
		return !open
	})
	a.register("", slot, 1, nil)
	if got := anon.slot("1"); got.SeatsLeft != 9 {
		t.Fatalf("anonymous: got %+v, want 9 seats left", got)
	}
}
