package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/rs/cors"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
	"github.com/regiestains/ateliers/live"
	"github.com/regiestains/ateliers/pagecache"
	"github.com/regiestains/ateliers/webhooks"
)

// newHandler wires the HTTP side: GraphiQL at /, the API at /graphql, health probes, and the
// middleware every API request passes (request id, log line, CORS, GET mutations refused, body
// limit, deadline, caller resolution, client address for the rate limits). standby routes reads
// to the replica of DATABASE_READ_URL, or is nil; pages is the cache of startChanges, or nil;
// hub, when not nil, serves subscriptions at /graphql over WebSocket and SSE (live.go).
func newHandler(c config, pool *pgxpool.Pool, standby *db.Standby, pages *pagecache.Cache, hub *live.Hub) http.Handler {
	mux := http.NewServeMux()
	gql := graph.NewHandler(pool, standby, pages, c.Limits, webhooks.Endpoints{
		Policy: webhooks.Policy{AllowLoopback: c.WebhookAllowLoopback}, Vault: c.WebhookSecrets}, liveConfig(c, pool, hub), c.Retention, graph.Links{SlotPage: c.SlotPageBase})
	var api http.Handler = corsFor(c.CORSOrigins).Handler(allowMethods(refuseGETMutations(requireJSON(limitBody(c.MaxBodyBytes,
		withDeadline(c.RequestTimeout, authenticate(pool, withClientAddr(c.TrustedProxies, withIdempotencyKey(gql)))))))))
	if hub != nil {
		api = routeLive(liveAPI(c, pool, hub, gql), api)
	}
	mux.Handle("/graphql", api)
	routeCalendars(mux, c, pool)
	routeReports(mux, c, pool)
	routeOpenData(mux, c, pool)
	routeVenueOpenData(mux, c, pool)
	if c.TwilioAuthToken != "" {
		mux.Handle("POST /receipts/twilio", twilioReceipts(c, pool))
	}
	ide := graphiqlHandler("Ateliers numériques — GraphiQL", "/graphql") // offline: assets embedded
	mux.Handle("GET /{$}", ide)
	mux.Handle("GET /graphiql/", ide)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	// Ready means this instance can do its core job: the primary answers. The replica is an
	// optimisation whose state the body reports; a replica down sends reads to the primary,
	// so it never makes an instance "not ready".
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := pool.Ping(ctx); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte("ok\n"))
		if standby != nil {
			st := standby.State()
			if st.InUse {
				fmt.Fprintf(w, "read replica: in use, %s behind\n", st.Lag.Round(time.Millisecond))
			} else {
				fmt.Fprintf(w, "read replica: not used (%s): reads go to the primary\n", st.Reason)
			}
		}
	})
	return traced(c, withRequestID(logRequests(measure(mux))))
}

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// corsFor lets the browser pages of origins call the API: no credentials (the API takes keys
// in a header, never cookies), only the headers the API reads. With no origins, no page of
// another origin may: rs/cors would read an empty list as every origin.
func corsFor(origins []string) *cors.Cors {
	opts := cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost},
		AllowedHeaders:   []string{"Content-Type", "Authorization", "Idempotency-Key", "X-Request-Id"},
		ExposedHeaders:   []string{"X-Request-Id"},
		AllowCredentials: false,
		MaxAge:           600,
	}
	if len(origins) == 0 {
		opts.AllowOriginFunc = func(string) bool { return false }
	}
	return cors.New(opts)
}

// withRequestID names every request: the client's X-Request-Id when it is sane, else a random
// one. The id is echoed back, written in the log line and shown in masked errors.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			b := make([]byte, 8)
			rand.Read(b)
			id = hex.EncodeToString(b)
		}
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(graph.WithRequestID(r.Context(), id)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the connection: Server-Sent Events flush, and
// WebSocket upgrades hijack it.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// logRequests writes one line per request: no query text, no variables, no headers, since
// any of them may hold personal data or secrets, and the path as loggedPath hides its secrets.
func logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(rec, r)
		slog.InfoContext(r.Context(), "request", "request_id", graph.RequestID(r.Context()),
			"method", r.Method, "path", loggedPath(r.URL.Path), "status", rec.status,
			"duration_ms", time.Since(start).Milliseconds())
	})
}

// limitBody reads the body whole, up to max bytes, before anything parses it: a larger one,
// declared or chunked, gets 413.
func limitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, max))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			writeError(w, r, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "request body is larger than the limit")
			return
		case err != nil:
			writeError(w, r, http.StatusBadRequest, "BAD_REQUEST", "the request body could not be read")
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// withDeadline gives every operation a deadline; pgx cancels the running statement when it
// passes.
func withDeadline(d time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), d)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authenticate resolves the caller from `Authorization: Bearer <key>`. No header means the
// anonymous public; a malformed header or an unknown or revoked key is refused with 401, never
// silently downgraded to anonymous, so a client with a broken key learns it at once.
func authenticate(pool *pgxpool.Pool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if h == "" {
			next.ServeHTTP(w, r)
			return
		}
		caller, refused := callerOf(r.Context(), pool, h)
		if refused != nil {
			writeError(w, r, refused.status, refused.code, refused.message)
			return
		}
		next.ServeHTTP(w, r.WithContext(graph.WithCaller(r.Context(), caller)))
	})
}

// keyRefusal is why an authorization is refused.
type keyRefusal struct {
	status        int
	code, message string
}

func (k *keyRefusal) Error() string { return k.message }

// callerOf resolves the caller of an authorization, `Bearer <key>`: the Authorization header,
// or the connection_init payload of a WebSocket (live.go).
func callerOf(ctx context.Context, pool *pgxpool.Pool, authorization string) (db.Caller, *keyRefusal) {
	secret, ok := strings.CutPrefix(authorization, "Bearer ")
	if !ok || secret == "" || len(secret) > 200 {
		return db.Caller{}, &keyRefusal{http.StatusUnauthorized, "UNAUTHENTICATED", "Authorization must be `Bearer <API key>`"}
	}
	caller, err := db.CallerByKey(ctx, pool, secret)
	if errors.Is(err, db.ErrNotFound) {
		return db.Caller{}, &keyRefusal{http.StatusUnauthorized, "UNAUTHENTICATED", "unknown or revoked API key"}
	}
	if err != nil {
		slog.ErrorContext(ctx, "resolve api key", "request_id", graph.RequestID(ctx), "err", err)
		return db.Caller{}, &keyRefusal{http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", "the service cannot check API keys right now; retry later"}
	}
	return caller, nil
}

// withIdempotencyKey passes the Idempotency-Key header to the mutations that honour it.
func withIdempotencyKey(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if key := r.Header.Get("Idempotency-Key"); key != "" {
			r = r.WithContext(graph.WithIdempotencyKey(r.Context(), key))
		}
		next.ServeHTTP(w, r)
	})
}
