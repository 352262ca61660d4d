package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

type report struct {
	config
	started                            time.Time
	idle, subscribed, end              memory
	peakRSS                            []int64
	registrations, expected, delivered int
	superseded                         int
	fromResponse, fromRequest          []time.Duration
}

// measure pairs each registration with its deliveries: the subscribers of its slot, on
// every instance, each get the seat count it left, or a later one when the next registration
// on the slot committed before the instance read the slot (the hub sends states, not every
// step between them): a delivery is the first count at or below the registration's.
func (r *report) measure(regs []registration, subs []*subscriber) {
	r.registrations = len(regs)
	for _, reg := range regs {
		for _, s := range subs {
			if s.slot != reg.slot {
				continue
			}
			r.expected++
			at, exact, ok := s.reached(reg.seatsLeft)
			if !ok {
				continue
			}
			r.delivered++
			if !exact {
				r.superseded++
			}
			r.fromResponse = append(r.fromResponse, at.Sub(reg.got))
			r.fromRequest = append(r.fromRequest, at.Sub(reg.sent))
		}
	}
}

// reached returns when the subscriber first had a count at or below seatsLeft, and whether it
// was that very count. Counts only go down as registrations come, so that is the largest one
// at or below it.
func (s *subscriber) reached(seatsLeft int) (time.Time, bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	best, found := 0, false
	for n := range s.seen {
		if n <= seatsLeft && (!found || n > best) {
			best, found = n, true
		}
	}
	return s.seen[best], found && best == seatsLeft, found
}

func quantile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, int(q*float64(len(s))))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d.Microseconds())/1000) }

func mb(bs []int64) string {
	var parts []string
	for _, b := range bs {
		parts = append(parts, fmt.Sprintf("%.1f MB", float64(b)/1e6))
	}
	return strings.Join(parts, ", ")
}

func (r *report) write() error {
	var b strings.Builder
	fmt.Fprintf(&b, "# Live seat counts under load\n\n")
	fmt.Fprintf(&b, "- Command: `make bench-live` (`bench/live`: -subscribers=%d -instances=%d -slots=%d -rate=%d -duration=%v), %s, %s, %d CPUs\n",
		r.subscribers, r.instances, r.slots, r.rate, r.duration, r.started.UTC().Format("2006-01-02 15:04 UTC"), runtime.GOOS+"/"+runtime.GOARCH, runtime.NumCPU())
	fmt.Fprintf(&b, "- %d WebSocket subscribers (graphql-transport-ws), round-robin over %d instances on one PostgreSQL, %d per slot; registrations through the instances in turn\n",
		r.subscribers, r.instances, r.subscribers/r.slots)
	fmt.Fprintf(&b, "- Registrations: %d; deliveries expected (registrations × subscribers of their slot): %d; delivered: %d, of which %d as a later count (the next registration on the slot had committed before the instance read it); missed: %d\n\n",
		r.registrations, r.expected, r.delivered, r.superseded, r.expected-r.delivered)
	fmt.Fprintf(&b, "| time to delivery | p50 | p99 | max |\n| --- | --: | --: | --: |\n")
	fmt.Fprintf(&b, "| from the registration's response (after its commit: a lower bound) | %s | %s | %s |\n",
		ms(quantile(r.fromResponse, 0.5)), ms(quantile(r.fromResponse, 0.99)), ms(quantile(r.fromResponse, 1)))
	fmt.Fprintf(&b, "| from the registration's request (before its commit: an upper bound) | %s | %s | %s |\n\n",
		ms(quantile(r.fromRequest, 0.5)), ms(quantile(r.fromRequest, 0.99)), ms(quantile(r.fromRequest, 1)))
	fmt.Fprintf(&b, "Memory of the servers: resident set (VmRSS), Go heap in use (go_memstats_heap_inuse_bytes), goroutines. The server runs with GOGC=400 and GOMEMLIMIT=150MiB (server/main.go): its resident set holds garbage up to five times its live heap.\n\n")
	fmt.Fprintf(&b, "| when | resident set | Go heap in use | goroutines |\n| --- | --- | --- | --- |\n")
	for _, m := range []struct {
		when string
		m    memory
	}{{"idle, before any subscriber", r.idle}, {"with the subscribers, before registrations", r.subscribed}, {"at the end", r.end}} {
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", m.when, mb(m.m.rss), mb(m.m.heap), counts(m.m.goroutines))
	}
	fmt.Fprintf(&b, "\nPeak resident set (VmHWM): %s\n", mb(r.peakRSS))
	fmt.Print(b.String())
	if err := os.MkdirAll(filepath.Dir(r.out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(r.out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	if r.delivered < r.expected {
		return fmt.Errorf("%d deliveries missed", r.expected-r.delivered)
	}
	return nil
}

// memory is what the servers hold at one moment, each.
type memory struct{ rss, heap, goroutines []int64 }

func sample(servers []*server) memory {
	return memory{rssOf(servers, "VmRSS"), metricOf(servers, "go_memstats_heap_inuse_bytes"), metricOf(servers, "go_goroutines")}
}

func counts(ns []int64) string {
	var parts []string
	for _, n := range ns {
		parts = append(parts, fmt.Sprint(n))
	}
	return strings.Join(parts, ", ")
}
