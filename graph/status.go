package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"sync/atomic"
)

// gqlgen's transports pick a response's HTTP status themselves; two outcomes need another one,
// which the operation records in its request's verdict and statusWriter applies when the
// status is written:
//   - throttled by a rate limit (cost.go, throttle): 429 with Retry-After;
//   - failed because the database was unreachable (errors.go, unavailable) with no data to
//     show: 503 with Retry-After, so that load balancers, monitors and retry policies see the
//     outage for what it is. A partial result keeps its 200, as GraphQL over HTTP asks.
//
// And one outcome needs another body: an operation past its deadline before gqlgen could
// answer (a database that hangs while the budgets are read, say), for which gqlgen writes the
// bare JSON `null`. finish replaces it with the TIMEOUT error any operation that runs out of
// time answers, with its status (200).

type verdictKey struct{}

// verdict is what an operation says of its response's status.
type verdict struct {
	throttled   atomic.Bool
	retryAfter  atomic.Int64 // seconds; 0 when waiting will not help
	unavailable atomic.Bool
}

func verdictOf(ctx context.Context) *verdict {
	v, _ := ctx.Value(verdictKey{}).(*verdict)
	if v == nil {
		return &verdict{} // outside withStatus (a test calling a resolver): recorded, unused
	}
	return v
}

// withStatus gives each request a verdict and answers with the status it asks for.
func withStatus(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &verdict{}
		sw := &statusWriter{ResponseWriter: w, verdict: v, ctx: r.Context()}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), verdictKey{}, v)))
		sw.finish()
	})
}

// statusWriter decides on the first write, once the operation has run (gqlgen presents every
// error, and so records the verdict, before it writes the response). A response that may
// become a 503 is held back until finish has read its data.
type statusWriter struct {
	http.ResponseWriter
	verdict *verdict
	ctx     context.Context // the request's
	decided bool
	held    *bytes.Buffer
}

func (w *statusWriter) WriteHeader(status int) {
	if w.decided {
		return
	}
	w.decided = true
	switch {
	case w.verdict.throttled.Load():
		if s := w.verdict.retryAfter.Load(); s > 0 {
			w.Header().Set("Retry-After", strconv.FormatInt(s, 10))
		}
		status = http.StatusTooManyRequests
	case status == http.StatusOK && (w.verdict.unavailable.Load() || w.ctx.Err() != nil):
		w.held = new(bytes.Buffer)
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.held != nil {
		return w.held.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends what was written so far, for the events of Server-Sent Events (gqlgen's SSE
// transport asks for an http.Flusher). A held response is not flushed: finish writes it.
func (w *statusWriter) Flush() {
	if !w.decided {
		w.WriteHeader(http.StatusOK)
	}
	if w.held == nil {
		http.NewResponseController(w.ResponseWriter).Flush()
	}
}

// Unwrap lets http.ResponseController reach the connection.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// finish writes a held response: the TIMEOUT error for gqlgen's bare null; 503 when the
// database was unreachable and the response holds no data.
func (w *statusWriter) finish() {
	if w.held == nil {
		return
	}
	if bytes.Equal(bytes.TrimSpace(w.held.Bytes()), []byte("null")) {
		w.ResponseWriter.WriteHeader(http.StatusOK)
		w.ResponseWriter.Write(timedOut)
		return
	}
	if !w.verdict.unavailable.Load() { // held for the deadline only: as gqlgen wrote it
		w.ResponseWriter.WriteHeader(http.StatusOK)
		w.ResponseWriter.Write(w.held.Bytes())
		return
	}
	var body struct {
		Data json.RawMessage `json:"data"`
	}
	status := http.StatusOK
	if json.Unmarshal(w.held.Bytes(), &body) == nil && (len(body.Data) == 0 || string(body.Data) == "null") {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "1")
	}
	w.ResponseWriter.WriteHeader(status)
	w.ResponseWriter.Write(w.held.Bytes())
}

// timedOut is the answer to an operation whose deadline passed before gqlgen could answer.
var timedOut = []byte(`{"errors":[{"message":"the operation took too long; try again","extensions":{"code":"` + codeTimeout + `"}}],"data":null}` + "\n")
