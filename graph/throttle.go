package graph

import (
	"context"
	"math"
	"net/netip"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/regiestains/ateliers/db"
)

// throttle records that the request is throttled (429, status.go) and returns its error.
// missing is what the bucket lacks, and b's rate says how long it takes to come back.
func throttle(ctx context.Context, b db.Bucket, missing float64, message string) *gqlerror.Error {
	v := verdictOf(ctx)
	v.throttled.Store(true)
	if b.PerSecond > 0 && missing > 0 {
		v.retryAfter.Store(int64(max(1, math.Ceil(missing/b.PerSecond))))
	}
	err := gqlerror.Errorf("%s", message)
	errcode.Set(err, codeThrottled)
	return err
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
