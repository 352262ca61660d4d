package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The per-request batching loaders (package batch) under adversarial query shapes: many
// randomized but deterministic operations, sent concurrently, that put the same parents at
// several places of one request (aliases of one list, node, nodes, nested connections that
// come back to them), mix types under one alias in nodes, leave holes (hidden or missing ids,
// @skip and @include, errors on some elements of a list, a tampered cursor on one alias).
// Every request must answer within 5 s with 200, and each alias must answer exactly what the
// same sub-query answers alone: batches at other places of the request change nothing.

// stressAnswer is a response cut by alias: each alias's data and its errors (path without the
// alias, message, code).
type stressAnswer struct {
	status int
	data   map[string]string
	errors map[string][]string
}

// stressPost sends query as c within 5 s; a hang fails the test with the loaders' goroutines.
func (w *stressWorld) stressPost(t *testing.T, c apiCaller, query string) (stressAnswer, time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req := graphqlRequest(w.a.URL, c.key, query, nil).WithContext(ctx)
	start := time.Now()
	res, err := http.DefaultClient.Do(req)
	var r struct {
		Data   map[string]json.RawMessage
		Errors []gqlError
	}
	if err == nil {
		err = json.NewDecoder(res.Body).Decode(&r)
		res.Body.Close()
	}
	took := time.Since(start)
	if err != nil {
		t.Errorf("%s: no answer after %v (%v): hung?\n%s\n%s", c.name, took, err, query, loaderGoroutines())
		return stressAnswer{}, took
	}
	a := stressAnswer{status: res.StatusCode, data: map[string]string{}, errors: map[string][]string{}}
	for k, v := range r.Data {
		var b bytes.Buffer
		json.Compact(&b, v)
		a.data[k] = b.String()
	}
	for _, e := range r.Errors {
		if len(e.Path) == 0 || e.Code() == "INTERNAL_SERVER_ERROR" {
			t.Errorf("%s: unexpected error %+v\n%s", c.name, e, query)
			continue
		}
		alias := fmt.Sprint(e.Path[0])
		a.errors[alias] = append(a.errors[alias], fmt.Sprintf("%v %s %s", e.Path[1:], e.Message, e.Code()))
	}
	for _, es := range a.errors {
		slices.Sort(es)
	}
	return a, took
}

// loaderGoroutines returns the stacks of the goroutines in package graph (the server runs in
// this process).
func loaderGoroutines() string {
	var b bytes.Buffer
	pprof.Lookup("goroutine").WriteTo(&b, 2)
	var out []string
	for _, g := range strings.Split(b.String(), "\n\n") {
		if strings.Contains(g, "ateliers/graph.") {
			out = append(out, g)
		}
	}
	if len(out) > 30 {
		out = append(out[:30], fmt.Sprintf("... %d more", len(out)-30))
	}
	return strings.Join(out, "\n\n")
}

func TestBatchStress(t *testing.T) {
	t.Parallel()
	w := newStressWorld(t)
	const workers, requests = 8, 50
	var mu sync.Mutex
	var slowest time.Duration
	var aliases, failed, withErrors, withNulls int
	var wg sync.WaitGroup
	for worker := range workers {
		wg.Go(func() {
			for i := range requests {
				g := &stressGen{r: rand.New(rand.NewPCG(uint64(worker), uint64(i))), w: w}
				c := w.callers[g.r.IntN(len(w.callers))]
				var sels []sel
				var names []string
				cost := 0
				for n := 1 + g.r.IntN(4); len(sels) < n; {
					var s sel
					if len(sels) > 0 && g.p(0.3) {
						s = sels[g.r.IntN(len(sels))] // an alias of the same list
					} else {
						s = g.root()
					}
					if cost+s.cost+10 > 15000 {
						if len(sels) == 0 {
							continue
						}
						break
					}
					cost += s.cost + 10
					sels = append(sels, s)
					names = append(names, fmt.Sprintf("a%d", len(sels)-1))
				}
				query := document(names, sels)
				got, took := w.stressPost(t, c, query)
				if got.status == 0 {
					mu.Lock()
					failed++
					mu.Unlock()
					return
				}
				if got.status != http.StatusOK {
					t.Errorf("%s: status %d, errors %v\n%s", c.name, got.status, got.errors, query)
					continue
				}
				for k, name := range names {
					alone := document(names[k:k+1], sels[k:k+1])
					want, _ := w.stressPost(t, c, alone)
					if want.status != http.StatusOK {
						t.Errorf("%s: alone: status %d, errors %v\n%s", c.name, want.status, want.errors, alone)
						continue
					}
					mu.Lock()
					if len(want.errors[name]) > 0 {
						withErrors++
					}
					if strings.Contains(want.data[name], "null") {
						withNulls++
					}
					mu.Unlock()
					if got.data[name] != want.data[name] || !slices.Equal(got.errors[name], want.errors[name]) {
						t.Errorf("%s: worker %d request %d: alias %s differs from the same sub-query alone\nquery:\n%s\ngot  %s %v\nwant %s %v",
							c.name, worker, i, name, query, got.data[name], got.errors[name], want.data[name], want.errors[name])
					}
				}
				mu.Lock()
				aliases += len(names)
				slowest = max(slowest, took)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	t.Logf("%d requests, %d aliases compared (%d with errors, %d with nulls), slowest request %v, %d hung",
		workers*requests, aliases, withErrors, withNulls, slowest, failed)
}
