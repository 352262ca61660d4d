package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// The words of the live seat count tests: a WebSocket client speaking graphql-transport-ws
// (as the graphql-ws library does) and an SSE client reading text/event-stream, both plain
// clients of the real server over HTTP.

// seatsDoc follows slots' seats.
const seatsDoc = `subscription($ids: [ID!]!) { seatsChanged(slotIds: $ids) { id seatsLeft status } }`

// liveSlot is a slot as seatsDoc selects it.
type liveSlot struct {
	ID        string
	SeatsLeft int
	Status    string
}

// wsMessage is a message of graphql-transport-ws.
type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsClient is a WebSocket connection to the API after its connection_init.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	in   chan wsMessage // what the server sends, pings answered; closed when the connection ends
	err  error          // why the connection ended, once in is closed
}

// dialWS opens a WebSocket to a's /graphql with header (Origin...), or returns the refusal of
// the upgrade.
func dialWS(t *testing.T, a *testAPI, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	conn, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(a.URL, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"}, HTTPHeader: header,
	})
	if err == nil {
		conn.SetReadLimit(16 << 20)
		t.Cleanup(func() { conn.CloseNow() })
	}
	return conn, res, err
}

// liveWS opens a connection authenticated with key ("" for anonymous) and waits for its ack.
func liveWS(t *testing.T, a *testAPI, key string) *wsClient {
	t.Helper()
	conn, _, err := dialWS(t, a, nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	c := startWS(t, conn, key)
	if m := c.next(); m.Type != "connection_ack" {
		t.Fatalf("after connection_init: got %+v, want connection_ack", m)
	}
	return c
}

// startWS sends connection_init with key and reads what comes, answering pings.
func startWS(t *testing.T, conn *websocket.Conn, key string) *wsClient {
	t.Helper()
	c := &wsClient{t: t, conn: conn, in: make(chan wsMessage, 1000)}
	init := map[string]any{}
	if key != "" {
		init["authorization"] = "Bearer " + key
	}
	c.send(wsMessage{Type: "connection_init", Payload: mustJSON(init)})
	go func() {
		defer close(c.in)
		for {
			var m wsMessage
			if err := wsjson.Read(context.Background(), conn, &m); err != nil {
				c.err = err
				return
			}
			if m.Type == "ping" {
				wsjson.Write(context.Background(), conn, wsMessage{Type: "pong"})
			}
			c.in <- m
		}
	}()
	return c
}

func (c *wsClient) send(m wsMessage) {
	c.t.Helper()
	if err := wsjson.Write(c.t.Context(), c.conn, m); err != nil {
		c.t.Fatalf("send %s: %v", m.Type, err)
	}
}

// subscribe starts a subscription with id.
func (c *wsClient) subscribe(id, query string, vars map[string]any) {
	c.t.Helper()
	c.send(wsMessage{ID: id, Type: "subscribe", Payload: mustJSON(map[string]any{"query": query, "variables": vars})})
}

// next returns the next message but pings, failing after 10 s.
func (c *wsClient) next() wsMessage {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case m, ok := <-c.in:
			if !ok {
				c.t.Fatalf("connection ended: %v", c.err)
			}
			if m.Type != "ping" {
				return m
			}
		case <-timeout:
			c.t.Fatal("no message within 10 s")
		}
	}
}

// slot returns the slot of the next message, which must be data of subscription id.
func (c *wsClient) slot(id string) liveSlot {
	c.t.Helper()
	m := c.next()
	var p struct {
		Data   struct{ SeatsChanged liveSlot }
		Errors []gqlError
	}
	json.Unmarshal(m.Payload, &p)
	if m.Type != "next" || m.ID != id || len(p.Errors) > 0 {
		c.t.Fatalf("got %s %s %s, want the data of %s", m.Type, m.ID, m.Payload, id)
	}
	return p.Data.SeatsChanged
}

// refused returns the code of the errors that end subscription id without data.
func (c *wsClient) refused(id string) string {
	c.t.Helper()
	m := c.next()
	var p struct {
		Data   json.RawMessage
		Errors []gqlError
	}
	if m.Type == "error" {
		json.Unmarshal(m.Payload, &p.Errors)
	} else {
		json.Unmarshal(m.Payload, &p)
	}
	if m.ID != id || len(p.Errors) == 0 || len(p.Data) > 0 && string(p.Data) != "null" {
		c.t.Fatalf("got %s %s %s, want errors and no data for %s", m.Type, m.ID, m.Payload, id)
	}
	return p.Errors[0].Code()
}

// completed reads the complete of subscription id.
func (c *wsClient) completed(id string) {
	c.t.Helper()
	if m := c.next(); m.Type != "complete" || m.ID != id {
		c.t.Fatalf("got %+v, want the complete of %s", m, id)
	}
}

// quiet fails if a message other than a ping comes within d.
func (c *wsClient) quiet(d time.Duration) {
	c.t.Helper()
	timeout := time.After(d)
	for {
		select {
		case m, ok := <-c.in:
			if ok && m.Type == "ping" {
				continue
			}
			c.t.Fatalf("got %+v, want nothing", m)
		case <-timeout:
			return
		}
	}
}

// ended waits for the server to close the connection, and returns its close status.
func (c *wsClient) ended(limit time.Duration) websocket.StatusCode {
	c.t.Helper()
	timeout := time.After(limit)
	for {
		select {
		case _, ok := <-c.in:
			if !ok {
				return websocket.CloseStatus(c.err)
			}
		case <-timeout:
			c.t.Fatalf("the connection is still open after %v", limit)
		}
	}
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// sseEvent is one event of a text/event-stream, or a comment (a keep-alive).
type sseEvent struct {
	Event, Data, Comment string
}

// sseClient reads the events of one SSE subscription.
type sseClient struct {
	t      *testing.T
	res    *http.Response
	events chan sseEvent // closed when the stream ends
}

// liveSSE posts a subscription accepting text/event-stream, with key ("" for anonymous) and
// header; it returns the response, whose events the client reads when its status is 200.
func liveSSE(t *testing.T, a *testAPI, key, query string, vars map[string]any, header http.Header) *sseClient {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, a.URL+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	for k, v := range header {
		req.Header[k] = v
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("SSE request: %v", err)
	}
	t.Cleanup(func() { res.Body.Close() })
	c := &sseClient{t: t, res: res, events: make(chan sseEvent, 1000)}
	go func() {
		defer close(c.events)
		r := bufio.NewReader(res.Body)
		var e sseEvent
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				return
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case line == "":
				if e != (sseEvent{}) {
					c.events <- e
				}
				e = sseEvent{}
			case strings.HasPrefix(line, ":"):
				e.Comment = strings.TrimSpace(strings.TrimPrefix(line, ":"))
				if e.Comment == "" {
					e.Comment = "(empty)"
				}
			case strings.HasPrefix(line, "event: "):
				e.Event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				e.Data += strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	return c
}

// next returns the next event but comments, failing after 10 s or at the end of the stream.
func (c *sseClient) next() sseEvent {
	c.t.Helper()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-c.events:
			if !ok {
				c.t.Fatal("the stream ended")
			}
			if e.Event != "" {
				return e
			}
		case <-timeout:
			c.t.Fatal("no event within 10 s")
		}
	}
}

// slot returns the slot of the next event, which must be data.
func (c *sseClient) slot() liveSlot {
	c.t.Helper()
	e := c.next()
	var p struct {
		Data   struct{ SeatsChanged liveSlot }
		Errors []gqlError
	}
	json.Unmarshal([]byte(e.Data), &p)
	if e.Event != "next" || len(p.Errors) > 0 {
		c.t.Fatalf("got %+v, want data", e)
	}
	return p.Data.SeatsChanged
}

// serveHandler serves h over HTTP as another instance of a's API.
func serveHandler(t *testing.T, a *testAPI, h http.Handler) *testAPI {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	b := *a
	b.t, b.URL = t, srv.URL
	return &b
}
