package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
)

// subscriber is one WebSocket connection following one slot; it records when each seat count
// reached it.
type subscriber struct {
	slot  int // index in the slots
	conn  *websocket.Conn
	mu    sync.Mutex
	seen  map[int]time.Time // seats left → when it arrived
	first chan struct{}
}

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// subscribeAll opens n subscribers, round-robin over the servers and the slots, 50 at a time,
// and waits until each has the first state of its slot.
func subscribeAll(ctx context.Context, servers []*server, slots []string, n int) ([]*subscriber, error) {
	subs := make([]*subscriber, n)
	errs := make(chan error, n)
	gate := make(chan struct{}, 50)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		gate <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-gate }()
			s, err := subscribe(ctx, servers[i%len(servers)], i%len(slots), slots[i%len(slots)])
			if err != nil {
				errs <- err
				return
			}
			subs[i] = s
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	for _, s := range subs {
		select {
		case <-s.first:
		case <-time.After(30 * time.Second):
			return nil, fmt.Errorf("a subscriber has no first state after 30 s")
		}
	}
	return subs, nil
}

func subscribe(ctx context.Context, srv *server, index int, slot string) (*subscriber, error) {
	dial, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dial, "ws"+strings.TrimPrefix(srv.url, "http")+"/graphql",
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	s := &subscriber{slot: index, conn: conn, seen: map[int]time.Time{}, first: make(chan struct{})}
	write := func(m wsMessage) error { return wsjson.Write(ctx, conn, m) }
	payload, _ := json.Marshal(map[string]any{"query": `subscription($ids: [ID!]!) { seatsChanged(slotIds: $ids) { seatsLeft } }`,
		"variables": map[string]any{"ids": []string{slot}}})
	if err := write(wsMessage{Type: "connection_init"}); err != nil {
		return nil, err
	}
	if err := write(wsMessage{ID: "1", Type: "subscribe", Payload: payload}); err != nil {
		return nil, err
	}
	go s.read()
	return s, nil
}

// read records each seat count as it arrives, answering pings.
func (s *subscriber) read() {
	var once sync.Once
	for {
		var m wsMessage
		if err := wsjson.Read(context.Background(), s.conn, &m); err != nil {
			return
		}
		at := time.Now()
		switch m.Type {
		case "ping":
			wsjson.Write(context.Background(), s.conn, wsMessage{Type: "pong"})
		case "next":
			var p struct {
				Data struct{ SeatsChanged struct{ SeatsLeft int } }
			}
			json.Unmarshal(m.Payload, &p)
			s.mu.Lock()
			s.seen[p.Data.SeatsChanged.SeatsLeft] = at
			s.mu.Unlock()
			once.Do(func() { close(s.first) })
		}
	}
}

func (s *subscriber) close() { s.conn.Close(websocket.StatusNormalClosure, "") }

// registration is one registration: its slot, the seats left after it, and when its request
// left and its response came back (its commit is in between).
type registration struct {
	slot      int
	seatsLeft int
	sent, got time.Time
}

// registerFlow registers anonymous people at rate a second for d, on the slots in turn,
// through the servers in turn, one at a time per slot.
func registerFlow(ctx context.Context, servers []*server, slots []string, rate int, d time.Duration) ([]registration, error) {
	var mu sync.Mutex
	var regs []registration
	var failed error
	busy := make([]sync.Mutex, len(slots))
	taken := make([]int, len(slots))
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	end := time.After(d)
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 10 * time.Second}
	for n := 0; ; n++ {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-end:
			wg.Wait()
			return regs, failed
		case <-tick.C:
		}
		slot, srv := n%len(slots), servers[n%len(servers)]
		wg.Add(1)
		go func() {
			defer wg.Done()
			busy[slot].Lock()
			defer busy[slot].Unlock()
			r, err := register(client, srv, slots[slot], n)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				failed = err
				return
			}
			taken[slot]++
			r.slot, r.seatsLeft = slot, 500-taken[slot]
			regs = append(regs, r)
		}()
	}
}

func register(client *http.Client, srv *server, slot string, n int) (registration, error) {
	body, _ := json.Marshal(map[string]any{
		"query": `mutation($in: RegisterInput!) { register(input: $in) { registration { status } userErrors { code } } }`,
		"variables": map[string]any{"in": map[string]any{"slotId": slot, "participant": map[string]any{
			"firstName": "Awa", "lastName": fmt.Sprintf("Diallo %d", n), "phone": fmt.Sprintf("+336%08d", 10000000+n),
			"consent": true, "consentVersion": "2026-11"}}}})
	sent := time.Now()
	res, err := client.Post(srv.url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		return registration{}, err
	}
	defer res.Body.Close()
	var out struct {
		Data struct {
			Register struct {
				Registration *struct{ Status string }
				UserErrors   []struct{ Code string }
			}
		}
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
		return registration{}, err
	}
	got := time.Now()
	if p := out.Data.Register; len(out.Errors) > 0 || len(p.UserErrors) > 0 || p.Registration == nil || p.Registration.Status != "CONFIRMED" {
		return registration{}, fmt.Errorf("register: %+v", out)
	}
	return registration{sent: sent, got: got}, nil
}
