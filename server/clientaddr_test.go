package main

import (
	"net/http"
	"net/netip"
	"testing"
)

// The client of an anonymous call is the connection's peer, or, behind trusted proxies, the
// rightmost address of X-Forwarded-For that is not one of them.
func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("2001:db8:ffff::/48")}
	for _, tc := range []struct {
		name, remote string
		forwarded    []string
		want         string
	}{
		{"no proxy", "203.0.113.9:5555", nil, "203.0.113.9"},
		{"an untrusted peer's header is ignored", "203.0.113.9:5555", []string{"198.51.100.1"}, "203.0.113.9"},
		{"a trusted proxy names the client", "10.1.2.3:5555", []string{"198.51.100.1"}, "198.51.100.1"},
		{"the left of the header is the client's to write", "10.1.2.3:5555", []string{"192.0.2.66, 198.51.100.1"}, "198.51.100.1"},
		{"a chain of trusted proxies", "10.1.2.3:5555", []string{"198.51.100.1, 10.9.9.9", "10.8.8.8"}, "198.51.100.1"},
		{"only trusted hops: the first one", "10.1.2.3:5555", []string{"10.0.0.7"}, "10.0.0.7"},
		{"a garbled entry stops the walk", "10.1.2.3:5555", []string{"198.51.100.1, not-an-ip"}, "10.1.2.3"},
		{"no header from a trusted proxy", "10.1.2.3:5555", nil, "10.1.2.3"},
		{"IPv6 proxy", "[2001:db8:ffff::1]:443", []string{"2001:db8:1::5"}, "2001:db8:1::5"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:443", []string{"198.51.100.1"}, "198.51.100.1"},
		{"entries with ports, as some proxies write them", "10.1.2.3:5555", []string{"198.51.100.1:61000, 10.9.9.9:443"}, "198.51.100.1"},
		{"an IPv6 entry with a port", "10.1.2.3:5555", []string{"[2001:db8:1::5]:443"}, "2001:db8:1::5"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _ := http.NewRequest(http.MethodPost, "/graphql", nil)
			r.RemoteAddr = tc.remote
			for _, v := range tc.forwarded {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := clientAddr(r, trusted); got.String() != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// Limits come from the environment; a budget that could never hold an operation allowed by the
// cost limit, or a proxy list that does not parse, stops the server at start.
func TestLimitsConfiguration(t *testing.T) {
	env := func(kv map[string]string) func(string) string {
		return func(k string) string {
			if k == "DATABASE_URL" {
				return "postgres://localhost/x"
			}
			return kv[k]
		}
	}
	c, err := loadConfig(env(map[string]string{"QUERY_COST_LIMIT_KEY": "8000", "COST_BURST_KEY": "9000",
		"REGISTRATIONS_PER_HOUR_ANONYMOUS": "120", "TRUSTED_PROXIES": "10.0.0.0/8, 192.0.2.1, ::ffff:172.16.0.0/108", "DEPTH_LIMIT": "12"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Limits.Key.QueryCost != 8000 || c.Limits.Key.Cost.Burst != 9000 || c.Limits.Anonymous.Registrations.PerSecond != 120.0/3600 ||
		c.Limits.Depth != 12 || len(c.TrustedProxies) != 3 || c.TrustedProxies[1].String() != "192.0.2.1/32" ||
		c.TrustedProxies[2].String() != "172.16.0.0/12" {
		t.Errorf("got %+v, proxies %v", c.Limits, c.TrustedProxies)
	}
	for name, bad := range map[string]map[string]string{
		"budget below the cost limit": {"QUERY_COST_LIMIT_ANONYMOUS": "5000"},
		"not a number":                {"COST_PER_SECOND_KEY": "fast"},
		"zero":                        {"REGISTRATION_BURST_ANONYMOUS": "0"},
		"a proxy that is no address":  {"TRUSTED_PROXIES": "proxy.local"},
		"rate limits maybe":           {"RATE_LIMITS": "maybe"},
	} {
		if _, err := loadConfig(env(bad)); err == nil {
			t.Errorf("%s: %v accepted", name, bad)
		}
	}
}
