package main

import (
	"net"
	"net/http"
	"net/netip"
	"strings"

	"github.com/regiestains/ateliers/graph"
)

// withClientAddr finds whom an anonymous call comes from, for its rate limits.
func withClientAddr(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(graph.WithClientAddr(r.Context(), clientAddr(r, trusted))))
	})
}

// clientAddr is the address of r's client: the peer of the connection, unless that peer is a
// trusted proxy. Then X-Forwarded-For is read from the right, each trusted proxy naming the
// hop before it, and the first address not trusted is the client. Only the right of the
// header can be believed: a client writes what it likes on the left, so the leftmost address
// is never taken on trust. An entry that is not an address stops the walk at the last hop
// known.
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := peerAddr(r.RemoteAddr)
	if !isTrusted(peer, trusted) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := hopAddr(strings.TrimSpace(hops[i]))
		if !ok {
			return peer
		}
		peer = a
		if !isTrusted(peer, trusted) {
			return peer
		}
	}
	return peer
}

// hopAddr reads one entry of X-Forwarded-For: an address, or an address and a port as some
// proxies write it (192.0.2.1:5555, [2001:db8::1]:443).
func hopAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}

func peerAddr(remote string) netip.Addr {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	if !a.IsValid() {
		return false
	}
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
