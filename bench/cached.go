package main

import (
	"context"
	"sync/atomic"
	"time"
)

// measureCached runs availability again on servers with their page cache on, at each client
// count: the same requests, cycling through the same distinct searches, so that after the
// first of each they come from memory until the cache's 10 s expire them. Then again while
// registrations on random slots flow through the API at writesPerSecond (when reg is not nil),
// each forgetting the pages that show its slot, on every instance.
func measureCached(ctx context.Context, c config, bin, tmp string, ds *datasetDB, o, reg *operation) ([]cachedRow, error) {
	srv, err := startFleet(ctx, c.instances, bin, ds.url, c.conns, true, tmp, "cached")
	if err != nil {
		return nil, err
	}
	defer srv.stop()
	a := newAPIs(srv.urls(), slicesMax(c.clients)+1)
	var rows []cachedRow
	for _, n := range c.clients {
		for _, rate := range []int{0, writesPerSecond} {
			if rate > 0 && reg == nil {
				continue
			}
			stop := func() int { return 0 }
			if rate > 0 {
				stop = writeSteadily(ctx, a, reg, rate)
			}
			cpu0, _ := srv.cpuTime()
			res := drive(ctx, n, c.warmup, c.duration, apiWork(a, o))
			rw := cachedRow{clients: n, api: res, writes: stop()}
			if cpu1, err := srv.cpuTime(); err == nil && res.all > 0 {
				rw.serverCPU = (cpu1 - cpu0) / time.Duration(res.all)
			}
			logf("%-13s %3d clients: API, page cache on, %d registrations meanwhile: %7.0f req/s p50 %-8v p99 %-8v errors %d",
				o.name, n, rw.writes, res.rate(), ms(res.quantile(0.5)), ms(res.quantile(0.99)), res.errors)
			rows = append(rows, rw)
		}
	}
	return rows, nil
}

// writesPerSecond is the flow of registrations beside the cached searches: about 20 a second,
// ten times the yearly average of a network registering five million people a year (the
// dataset's), as at the busiest hour.
const writesPerSecond = 20

// writeSteadily registers through the API at perSecond until stop, which returns how many
// registrations answered.
func writeSteadily(ctx context.Context, as []*api, o *operation, perSecond int) (stop func() int) {
	ctx, cancel := context.WithCancel(ctx)
	var n atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(time.Second / time.Duration(perSecond))
		defer tick.Stop()
		w := apiWork(as, o)
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if _, err := w(ctx, 0, i); err == nil {
				n.Add(1)
			}
		}
	}()
	return func() int {
		cancel()
		<-done
		return int(n.Load())
	}
}

// cachedRow is availability measured with the page cache on, with writes registrations made
// during the run.
type cachedRow struct {
	clients   int
	writes    int
	api       result
	serverCPU time.Duration
}
