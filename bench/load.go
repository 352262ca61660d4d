package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// result is one measured run: an operation at a number of clients, against the API or the
// SQL floor.
type result struct {
	requests  int // measured
	all       int // warm-up included
	elapsed   time.Duration
	latencies []time.Duration // sorted
	errors    int
	firstErr  string
	outcomes  map[string]int // e.g. CONFIRMED, WAITLISTED, SLOT_FULL
}

func (r result) rate() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.requests) / r.elapsed.Seconds()
}

// quantile of the sorted latencies (nearest rank).
func (r result) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	i := int(q*float64(len(r.latencies))+0.5) - 1
	return r.latencies[min(max(i, 0), len(r.latencies)-1)]
}

// requestTimeout bounds every request, API or floor: a run never waits forever.
const requestTimeout = 30 * time.Second

// work does request i of worker w; it returns an outcome to count ("" for none) or an error.
type work func(ctx context.Context, worker, i int) (outcome string, err error)

// drive runs clients workers in a closed loop (each sends its next request when the last one
// answered) for warmup, unrecorded, then for dur, recorded. Requests are bounded by dur.
func drive(ctx context.Context, clients int, warmup, dur time.Duration, do work) result {
	type part struct {
		lat      []time.Duration
		all      int
		errors   int
		firstErr string
		outcomes map[string]int
	}
	parts := make([]part, clients)
	start := time.Now()
	measureFrom, end := start.Add(warmup), start.Add(warmup+dur)
	var wg sync.WaitGroup
	for w := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pt := &parts[w]
			pt.outcomes = map[string]int{}
			for i := 0; ; i++ {
				t := time.Now()
				if !t.Before(end) || ctx.Err() != nil {
					return
				}
				rctx, cancel := context.WithTimeout(ctx, requestTimeout)
				outcome, err := do(rctx, w, i)
				cancel()
				pt.all++
				if t.Before(measureFrom) {
					continue
				}
				pt.lat = append(pt.lat, time.Since(t))
				if err != nil {
					pt.errors++
					if pt.firstErr == "" {
						pt.firstErr = err.Error()
					}
				} else if outcome != "" {
					pt.outcomes[outcome]++
				}
			}
		}()
	}
	wg.Wait()
	r := result{elapsed: dur, outcomes: map[string]int{}}
	for _, pt := range parts {
		r.latencies = append(r.latencies, pt.lat...)
		r.errors += pt.errors
		r.all += pt.all
		if r.firstErr == "" {
			r.firstErr = pt.firstErr
		}
		for k, v := range pt.outcomes {
			r.outcomes[k] += v
		}
	}
	r.requests = len(r.latencies)
	slices.Sort(r.latencies)
	return r
}

// api sends GraphQL requests to the server over loopback HTTP/1.1 with keep-alive.
type api struct {
	url    string
	client *http.Client
}

func newAPI(url string, clients int) *api {
	tr := &http.Transport{MaxIdleConns: clients * 2, MaxIdleConnsPerHost: clients * 2,
		IdleConnTimeout: time.Minute, DisableCompression: true}
	return &api{url: url + "/graphql", client: &http.Client{Transport: tr, Timeout: 30 * time.Second}}
}

// newAPIs is a client for each instance's URL.
func newAPIs(urls []string, clients int) []*api {
	var out []*api
	for _, u := range urls {
		out = append(out, newAPI(u, clients))
	}
	return out
}

// post sends one request and returns the body of a 200 answer; anything else is an error.
func (a *api) post(ctx context.Context, r request) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, bytes.NewReader(r.body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if r.key != "" {
		req.Header.Set("Authorization", "Bearer "+r.key)
	}
	res, err := a.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, err
	}
	if res.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %d: %.200s", res.StatusCode, body)
	}
	return body, nil
}
