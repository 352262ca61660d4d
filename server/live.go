package main

import (
	"context"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/graph"
	"github.com/regiestains/ateliers/live"
)

// Live seat counts: subscriptions at /graphql over WebSocket and Server-Sent Events. Their
// connections live for hours, so they leave the API's pipeline where it would end them (the
// request deadline) and keep the rest: CORS and the Origin check, the client's address, the
// caller, the body limit for SSE, the request's log line (written when the connection ends).

// liveConfig is what the GraphQL handler needs to serve subscriptions, or nil without a hub.
func liveConfig(c config, pool *pgxpool.Pool, hub *live.Hub) *graph.LiveConfig {
	if hub == nil {
		return nil
	}
	return &graph.LiveConfig{
		Hub: hub, MaxSlots: c.Live.MaxSlots, MaxSubscriptions: c.Live.MaxSubscriptions,
		PingInterval: c.Live.PingInterval, WriteTimeout: c.Live.WriteTimeout,
		Authenticate: func(ctx context.Context, authorization string) (context.Context, error) {
			if authorization == "" {
				return ctx, nil // anonymous, or the Authorization header of the upgrade
			}
			caller, refused := callerOf(ctx, pool, authorization)
			if refused != nil {
				return ctx, refused
			}
			return graph.WithCaller(ctx, caller), nil
		},
	}
}

// routeLive sends the requests of subscriptions to live, the others to api. The tests are
// those of gqlgen's transports: an Upgrade header (WebSocket), a POST accepting
// text/event-stream (SSE).
func routeLive(live, api http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" || r.Method == http.MethodPost && strings.Contains(r.Header.Get("Accept"), "text/event-stream") {
			live.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// liveAPI is the pipeline of subscription requests.
func liveAPI(c config, pool *pgxpool.Pool, hub *live.Hub, gql http.Handler) http.Handler {
	gate := &liveGate{max: c.Live.MaxConnections, open: map[string]int{}}
	return corsFor(c.CORSOrigins).Handler(checkOrigin(corsFor(c.CORSOrigins), withClientAddr(c.TrustedProxies,
		gate.limit(c.TrustedProxies, untilStop(hub.Done(), authenticate(pool, sseStream(c, gql)))))))
}

// checkOrigin refuses a browser page of another origin than the API's own, unless CORS lets
// it call the API: browsers apply no CORS to WebSockets, and would run an SSE request before
// hiding its answer. A request without Origin comes from a program, not a page: allowed.
func checkOrigin(cors interface{ OriginAllowed(*http.Request) bool }, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin != "" && !sameOrigin(origin, r.Host) && !cors.OriginAllowed(r) {
			writeError(w, r, http.StatusForbidden, "FORBIDDEN", "this origin may not open live connections (CORS_ALLOWED_ORIGINS)")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}

// liveGate bounds the open live connections of each client, counted like the rate limits of
// anonymous calls: per IPv4 address or IPv6 /64, on this instance.
type liveGate struct {
	max  int
	mu   sync.Mutex
	open map[string]int
}

func (g *liveGate) limit(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		client := clientKey(clientAddr(r, trusted))
		g.mu.Lock()
		if g.open[client] >= g.max {
			g.mu.Unlock()
			writeError(w, r, http.StatusTooManyRequests, "THROTTLED",
				"too many live connections from your address: at most "+strconv.Itoa(g.max)+"; close one, or follow more slots or subscriptions on one connection")
			return
		}
		g.open[client]++
		g.mu.Unlock()
		defer func() {
			g.mu.Lock()
			if g.open[client]--; g.open[client] == 0 {
				delete(g.open, client)
			}
			g.mu.Unlock()
		}()
		next.ServeHTTP(w, r)
	})
}

// clientKey is a client's address, or its /64 for IPv6 (one subscriber holds a whole /64).
func clientKey(a netip.Addr) string {
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// untilStop ends the request when the hub stops (the server shuts down): its connection is
// closed, where http.Server.Shutdown would wait for an SSE stream and forget a WebSocket.
func untilStop(stop <-chan struct{}, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		go func() {
			select {
			case <-stop:
				cancel()
			case <-ctx.Done():
			}
		}()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// sseStream prepares an SSE request: its body read whole, JSON, under the limit, then the
// server's read and write timeouts lifted for the stream, and each write given
// LIVE_WRITE_TIMEOUT instead, so that a client that stops reading is let go. WebSocket
// upgrades pass as they are: the hijacked connection has no deadline; graph bounds each of
// its writes by LIVE_WRITE_TIMEOUT, and its pings (LIVE_PING_INTERVAL) close a connection
// whose client stops answering.
func sseStream(c config, next http.Handler) http.Handler {
	stream := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rc := http.NewResponseController(w)
		rc.SetReadDeadline(time.Time{})
		next.ServeHTTP(&streamWriter{w, rc, c.Live.WriteTimeout}, r)
	})
	body := requireJSON(limitBody(c.MaxBodyBytes, stream))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			next.ServeHTTP(w, r)
			return
		}
		body.ServeHTTP(w, r)
	})
}

// streamWriter gives each write of a stream its own deadline.
type streamWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (w *streamWriter) Write(b []byte) (int, error) {
	w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
	return w.ResponseWriter.Write(b)
}

func (w *streamWriter) Flush() {
	w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
	w.rc.Flush()
}

func (w *streamWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
