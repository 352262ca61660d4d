package main

import (
	"strings"
	"testing"
)

// Settings that would expose or weaken the server are refused at start, with the variable
// named; the on/off switches take nothing else.
func TestConfigRefusesUnsafeOrUnclearSettings(t *testing.T) {
	base := map[string]string{"DATABASE_URL": "postgres://localhost/ateliers"}
	for _, c := range []struct {
		name, value, refusal string
	}{
		{"DEBUG_ADDR", "127.0.0.1:6060", ""},
		{"DEBUG_ADDR", "[::1]:6060", ""},
		{"DEBUG_ADDR", "localhost:6060", ""},
		{"DEBUG_ADDR", ":6060", "DEBUG_ADDR must be a loopback address"},
		{"DEBUG_ADDR", "0.0.0.0:6060", "DEBUG_ADDR must be a loopback address"},
		{"DEBUG_ADDR", "10.0.0.5:6060", "DEBUG_ADDR must be a loopback address"},
		{"PAGE_CACHE", "off", ""},
		{"PAGE_CACHE", "on", ""},
		{"PAGE_CACHE", "no", "PAGE_CACHE must be on or off"},
		{"RATE_LIMITS", "false", "RATE_LIMITS must be on or off"},
		{"SLOT_PAGE_BASE", "https://ateliers.example.fr/creneaux/", ""},
		{"SLOT_PAGE_BASE", "https://ateliers.example.fr/creneau?id=", ""},
		{"SLOT_PAGE_BASE", "/creneaux/", "SLOT_PAGE_BASE must be an absolute http(s) address"},
		{"SLOT_PAGE_BASE", "javascript:alert(1)//", "SLOT_PAGE_BASE must be an absolute http(s) address"},
		{"WORKSHOP_PAGE_BASE", "https://ateliers.example.fr/ateliers", "WORKSHOP_PAGE_BASE must be an absolute http(s) address"},
		{"DATA_INCLUSION_SOURCE", "reseau-stains", ""},
		{"DATA_INCLUSION_SOURCE", "Réseau Stains", "DATA_INCLUSION_SOURCE must be"},
	} {
		_, err := loadConfig(func(k string) string {
			if k == c.name {
				return c.value
			}
			return base[k]
		})
		switch {
		case c.refusal == "" && err != nil:
			t.Errorf("%s=%s: refused (%v), want accepted", c.name, c.value, err)
		case c.refusal != "" && (err == nil || !strings.Contains(err.Error(), c.refusal)):
			t.Errorf("%s=%s: %v, want refused with %q", c.name, c.value, err, c.refusal)
		}
	}
	c, _ := loadConfig(func(k string) string { return base[k] })
	if !c.PageCache || !c.Limits.RateLimits || c.DebugAddr != "" {
		t.Errorf("defaults: page cache %v, rate limits %v, profiler %q; want on, on, off", c.PageCache, c.Limits.RateLimits, c.DebugAddr)
	}
}
