package graph

import (
	"context"
	"math"
	"net/http"
	"net/netip"
	"strconv"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/regiestains/ateliers/db"
)

// Past a rate limit the API answers HTTP 429 with Retry-After, and THROTTLED in
// extensions.code: gqlgen's transports pick the status of a refused operation themselves, so
// the cost extension records its verdict in the request's context and throttleWriter changes
// the status when it is written.

type verdictKey struct{}

// throttleVerdict is a request's rate-limit verdict: throttled, and after how many seconds the
// budget will hold enough (0 when waiting will not help).
type throttleVerdict struct {
	throttled  bool
	retryAfter int
}

// throttle records that the request is throttled and returns its error. missing is what the
// bucket lacks, and b's rate says how long it takes to come back.
func throttle(ctx context.Context, b db.Bucket, missing float64, message string) *gqlerror.Error {
	if v, ok := ctx.Value(verdictKey{}).(*throttleVerdict); ok {
		v.throttled = true
		if b.PerSecond > 0 && missing > 0 {
			v.retryAfter = max(1, int(math.Ceil(missing/b.PerSecond)))
		}
	}
	err := gqlerror.Errorf("%s", message)
	errcode.Set(err, codeThrottled)
	return err
}

// withThrottleStatus gives each request a verdict and answers 429 when it is throttled.
func withThrottleStatus(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := &throttleVerdict{}
		ctx := context.WithValue(r.Context(), verdictKey{}, v)
		next.ServeHTTP(&throttleWriter{ResponseWriter: w, verdict: v}, r.WithContext(ctx))
	})
}

type throttleWriter struct {
	http.ResponseWriter
	verdict     *throttleVerdict
	wroteHeader bool
}

func (w *throttleWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	if w.verdict.throttled {
		if w.verdict.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(w.verdict.retryAfter))
		}
		status = http.StatusTooManyRequests
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *throttleWriter) Write(b []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

type clientAddrKey struct{}

// WithClientAddr returns a context carrying the address of the client, as the server found it
// (the connection's peer, or the address a trusted proxy forwarded).
func WithClientAddr(ctx context.Context, addr netip.Addr) context.Context {
	return context.WithValue(ctx, clientAddrKey{}, addr)
}

// clientNetwork is whom an anonymous call is counted against: the client's IPv4 address, or
// the /64 of its IPv6 address, since one subscriber holds a whole /64 and could otherwise take
// a new budget with each of its addresses.
func clientNetwork(ctx context.Context) string {
	addr, ok := ctx.Value(clientAddrKey{}).(netip.Addr)
	if !ok || !addr.IsValid() {
		return "unknown"
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}
