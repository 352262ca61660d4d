package main

import (
	"strconv"
	"time"
)

// liveSettings are the limits of live seat counts (subscriptions over WebSocket and SSE).
type liveSettings struct {
	MaxConnections   int           // LIVE_MAX_CONNECTIONS_PER_CLIENT [100]: open WebSocket and SSE connections of one client address (IPv6: per /64), per instance
	MaxSubscriptions int           // LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION [20]: subscriptions of one WebSocket connection
	MaxSlots         int           // LIVE_MAX_SLOTS_PER_SUBSCRIPTION [100]: slots of one subscription
	Buffer           int           // LIVE_BUFFER [16]: changes waiting for one subscriber before it is dropped as too slow
	PingInterval     time.Duration // LIVE_PING_INTERVAL [25s]: pings (WebSocket) and comments (SSE) on idle connections
	WriteTimeout     time.Duration // LIVE_WRITE_TIMEOUT [10s]: how long one write to a WebSocket or SSE client may block
	KeyCheck         time.Duration // LIVE_KEY_CHECK_INTERVAL [1m]: how often the keys of open subscriptions are checked for revocation
}

// A client behind a shared address (a France Travail agency, a CCAS, a mobile operator's
// NAT) opens many connections from one address: the default leaves room for them. Pings every
// 25 s keep a connection through proxies that close idle ones after 30 to 60 s.
func defaultLiveSettings() liveSettings {
	return liveSettings{MaxConnections: 100, MaxSubscriptions: 20, MaxSlots: 100, Buffer: 16,
		PingInterval: 25 * time.Second, WriteTimeout: 10 * time.Second, KeyCheck: time.Minute}
}

// loadLiveSettings reads the LIVE_* variables over the defaults.
func loadLiveSettings(getenv func(string) string) (liveSettings, []string) {
	l := defaultLiveSettings()
	var errs []string
	for _, v := range []struct {
		name string
		dst  *int
	}{
		{"LIVE_MAX_CONNECTIONS_PER_CLIENT", &l.MaxConnections},
		{"LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION", &l.MaxSubscriptions},
		{"LIVE_MAX_SLOTS_PER_SUBSCRIPTION", &l.MaxSlots},
		{"LIVE_BUFFER", &l.Buffer},
	} {
		if s := getenv(v.name); s != "" {
			n, err := strconv.Atoi(s)
			if err != nil || n <= 0 {
				errs = append(errs, v.name+" must be a positive integer")
			}
			*v.dst = n
		}
	}
	for _, v := range []struct {
		name string
		dst  *time.Duration
	}{{"LIVE_PING_INTERVAL", &l.PingInterval}, {"LIVE_WRITE_TIMEOUT", &l.WriteTimeout}, {"LIVE_KEY_CHECK_INTERVAL", &l.KeyCheck}} {
		if s := getenv(v.name); s != "" {
			d, err := time.ParseDuration(s)
			if err != nil || d <= 0 {
				errs = append(errs, v.name+" must be a positive duration like 25s")
			}
			*v.dst = d
		}
	}
	return l, errs
}
