package graph

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/limits"
	"github.com/regiestains/ateliers/webhooks"
)

// syncBuffer collects log output written from the handler's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// A panic in a resolver is recovered, logged with its request id and stack, answered as a
// masked internal error naming that request id, and the handler goes on serving. Without a
// pool, any resolver that reads the database panics (a nil *pgxpool.Pool). Not parallel: it
// swaps the default logger.
func TestResolverPanicIsRecoveredAndMasked(t *testing.T) {
	logs := &syncBuffer{}
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(logs, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	lim := limits.DefaultLimits()
	lim.RateLimits = false // the rate limits draw from the database, before any resolver
	h := NewHandler(nil, nil, nil, lim, webhooks.Endpoints{}, nil, db.DefaultRetention, Links{})

	type result struct {
		Data   map[string]any
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	do := func(requestID, query string) (int, result, string) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req = req.WithContext(WithRequestID(req.Context(), requestID))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var r result
		if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
			t.Fatalf("decode %s: %v", rec.Body, err)
		}
		return rec.Code, r, rec.Body.String()
	}

	for _, id := range []string{"panic-1", "panic-2"} { // the same panic twice, on one handler
		status, r, raw := do(id, `{ venues { edges { node { id } } } }`)
		if status != http.StatusOK || len(r.Errors) != 1 {
			t.Fatalf("%s: got status %d, %s; want 200 and one error", id, status, raw)
		}
		e := r.Errors[0]
		if e.Message != "internal error (request "+id+")" || e.Extensions["code"] != "INTERNAL_SERVER_ERROR" || e.Extensions["requestId"] != id {
			t.Errorf("%s: got %s; want the masked internal error naming %s", id, raw, id)
		}
		if r.Data != nil && r.Data["venues"] != nil {
			t.Errorf("%s: data %v, want venues null", id, r.Data)
		}
		for _, leak := range []string{"runtime error", "nil pointer", "goroutine", ".go:", "pgx"} {
			if strings.Contains(raw, leak) {
				t.Errorf("%s: the response holds %q: %s", id, leak, raw)
			}
		}
		if out := logs.String(); !strings.Contains(out, `msg="panic in resolver" request_id=`+id+` panic=`) ||
			!strings.Contains(out, "stack=") {
			t.Errorf("%s: no log line with the panic, its request id and stack:\n%s", id, out)
		}
	}

	status, r, raw := do("after", `{ viewer { isAnonymous } }`)
	if status != http.StatusOK || len(r.Errors) != 0 || r.Data["viewer"] == nil {
		t.Errorf("after the panics: got status %d, %s; want the viewer", status, raw)
	}
}
