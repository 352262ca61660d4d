package webhooks

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"time"

	"code.dny.dev/ssrf"
)

// Policy says where webhooks may go. An endpoint's URL is a server-side request its owner
// chooses, so it must not reach what only the server can reach: loopback, private networks,
// link-local addresses (cloud metadata services), and every other special-purpose range. The
// addresses are checked when the URL is registered, for a clear answer, and again at every
// connection, on the address actually dialled: a name that resolved to a public address at
// registration may resolve to 127.0.0.1 later (DNS rebinding). Redirects are not followed
// (the target of a redirect is the receiver's choice, not the organisation's), and no proxy
// from the environment is used (it would dial on our behalf, unchecked).
type Policy struct {
	// AllowLoopback lets endpoints be on this machine (127.0.0.0/8, ::1), over http as well:
	// for tests and local development only (WEBHOOK_ALLOW_LOOPBACK). Private and link-local
	// addresses stay refused.
	AllowLoopback bool
}

func (p Policy) guardian() *ssrf.Guardian {
	opts := []ssrf.Option{ssrf.WithAnyPort()} // ports on public addresses are the receiver's business
	if p.AllowLoopback {
		opts = append(opts, ssrf.WithAllowedV4Prefixes(netip.MustParsePrefix("127.0.0.0/8")),
			ssrf.WithAllowedV6Prefixes(netip.MustParsePrefix("::1/128")))
	}
	return ssrf.New(opts...)
}

// MaxURLLength is the longest URL an endpoint may have.
const MaxURLLength = 2000

// CheckURL says why raw cannot be an endpoint's URL, in words for the organisation, or nil.
func (p Policy) CheckURL(ctx context.Context, raw string) error {
	if len(raw) > MaxURLLength {
		return fmt.Errorf("the URL is longer than %d characters", MaxURLLength)
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Host == "" || u.Opaque != "" {
		return errors.New("not an absolute URL such as https://example.org/webhooks")
	}
	switch {
	case u.Scheme == "http" && p.AllowLoopback:
	case u.Scheme != "https":
		return errors.New("the URL must start with https://")
	}
	if u.User != nil {
		return errors.New("the URL must not carry a user name or password: authenticate the messages by their signature")
	}
	if u.Fragment != "" {
		return errors.New("the URL must not have a fragment (#…)")
	}
	port := 443
	if u.Scheme == "http" {
		port = 80
	}
	if s := u.Port(); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 65535 {
			return errors.New("the URL's port is not a number from 1 to 65535")
		}
		port = n
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	// One answer whether the name does not resolve or resolves inside: which of the two, and
	// to what, would let an organisation map the server's own network through this check.
	refused := fmt.Errorf("the host %q does not resolve to public internet addresses only: webhooks may not reach loopback, private, link-local or other reserved addresses", u.Hostname())
	addrs, err := net.DefaultResolver.LookupNetIP(ctx, "ip", u.Hostname())
	if err != nil || len(addrs) == 0 {
		return refused
	}
	g := p.guardian()
	for _, a := range addrs {
		// An IPv4 address comes back as ::ffff:a.b.c.d; Go dials it as IPv4, and so is it checked.
		if err := g.SafeAddrPort(netip.AddrPortFrom(a.Unmap(), uint16(port))); err != nil {
			return refused
		}
	}
	return nil
}

// Client returns the HTTP client of deliveries: each request ends within timeout, every
// connection is checked against the policy, redirects are answers, not followed.
func (p Policy) Client(timeout time.Duration) *http.Client {
	dialer := &net.Dialer{Timeout: timeout, Control: p.guardian().Safe}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           dialer.DialContext,
			ForceAttemptHTTP2:     true,
			TLSHandshakeTimeout:   timeout,
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   2,
			IdleConnTimeout:       90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
