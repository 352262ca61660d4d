package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The reads compared with the peer (availability, slot-node) are measured in rounds: the API,
// the peer and the floor one after the other, -rounds times, so that all three meet the same
// load on a shared machine; the report gives the medians of the rounds and each round's load.

// sample is one measured run as the report shows it.
type sample struct {
	rate     float64
	p50, p99 time.Duration
	errors   int
	cpu      time.Duration // the server process's CPU time per request (for the floor: the bench's own)
	pgCPU    time.Duration // PostgreSQL's CPU time per request, 0 if unknown
	measured bool
}

// round is one round of an operation at a client count; load is /proc/loadavg's 1-minute
// figure after it.
type round struct {
	api, peer, floor sample
	load             string
}

// cpuClock reads a CPU time that grows with the work being measured.
type cpuClock func() (time.Duration, error)

// sampleRun drives w, as drive does, and samples it: clock gives the CPU time of the process serving
// it (nil: none), pg PostgreSQL's.
func sampleRun(ctx context.Context, c config, clients int, w work, clock, pg cpuClock) (result, sample) {
	cpu0, err0 := call(clock)
	pg0, perr0 := call(pg)
	r := drive(ctx, clients, c.warmup, c.duration, w)
	s := sample{rate: r.rate(), p50: r.quantile(0.5), p99: r.quantile(0.99), errors: r.errors, measured: true}
	if cpu1, err := call(clock); err == nil && err0 == nil && r.all > 0 {
		s.cpu = (cpu1 - cpu0) / time.Duration(r.all)
	}
	if pg1, err := call(pg); err == nil && perr0 == nil && r.all > 0 && pg != nil {
		s.pgCPU = (pg1 - pg0) / time.Duration(r.all)
	}
	return r, s
}

func call(c cpuClock) (time.Duration, error) {
	if c == nil {
		return 0, fmt.Errorf("no clock")
	}
	return c()
}

// medianSample is the median of each figure over the rounds (errors: their sum).
func medianSample(ss []sample) sample {
	if len(ss) == 0 || !ss[0].measured {
		return sample{}
	}
	pick := func(f func(sample) time.Duration) time.Duration {
		var ds []time.Duration
		for _, s := range ss {
			ds = append(ds, f(s))
		}
		return median(ds)
	}
	rates := make([]float64, len(ss))
	m := sample{measured: true}
	for i, s := range ss {
		rates[i] = s.rate
		m.errors += s.errors
	}
	slices.Sort(rates)
	m.rate = rates[len(rates)/2]
	if len(rates)%2 == 0 {
		m.rate = (rates[len(rates)/2-1] + rates[len(rates)/2]) / 2
	}
	m.p50 = pick(func(s sample) time.Duration { return s.p50 })
	m.p99 = pick(func(s sample) time.Duration { return s.p99 })
	m.cpu = pick(func(s sample) time.Duration { return s.cpu })
	m.pgCPU = pick(func(s sample) time.Duration { return s.pgCPU })
	return m
}

// merge adds a round's result to the run's: latencies, counts and outcomes together, for the
// notes of the report (errors, outcomes).
func merge(into *result, r result) {
	into.requests += r.requests
	into.all += r.all
	into.elapsed += r.elapsed
	into.latencies = append(into.latencies, r.latencies...)
	slices.Sort(into.latencies)
	into.errors += r.errors
	if into.firstErr == "" {
		into.firstErr = r.firstErr
	}
	if into.outcomes == nil {
		into.outcomes = map[string]int{}
	}
	for k, v := range r.outcomes {
		into.outcomes[k] += v
	}
}

// selfCPU is the bench process's own CPU time: the floor's client side (pgx) and the load.
func selfCPU() (time.Duration, error) { return procCPU("self") }

// procCPU is the CPU time (user and system) of process pid ("self" for the bench), from
// /proc/PID/stat in clock ticks of 10 ms (USER_HZ is 100 on Linux).
func procCPU(pid string) (time.Duration, error) {
	f, err := procStat(pid)
	if err != nil {
		return 0, err
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc/%s/stat", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

// procStat is the fields of /proc/PID/stat after the command name: state is f[0], the
// parent's pid f[1], utime and stime f[11] and f[12].
func procStat(pid string) ([]string, error) {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil, err
	}
	i := strings.LastIndex(string(b), ") ")
	if i < 0 {
		return nil, fmt.Errorf("unexpected /proc/%s/stat", pid)
	}
	f := strings.Fields(string(b)[i+2:])
	if len(f) < 13 {
		return nil, fmt.Errorf("unexpected /proc/%s/stat", pid)
	}
	return f, nil
}

// postgresCPU returns a clock of the CPU time of every process of the PostgreSQL server the
// pool is connected to (the postmaster's children: backends, background writer...), when
// that server runs on this machine; nil otherwise. Connections that close take their CPU
// time with them; the pools measured here stay open.
func postgresCPU(ctx context.Context, pool *pgxpool.Pool) cpuClock {
	var backend int
	if err := pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&backend); err != nil {
		return nil
	}
	f, err := procStat(strconv.Itoa(backend))
	if err != nil {
		return nil
	}
	postmaster := f[1]
	// A remote server's pid may name some local process: this one must be PostgreSQL's.
	if b, err := os.ReadFile("/proc/" + postmaster + "/cmdline"); err != nil || !strings.Contains(string(b), "postgres") {
		return nil
	}
	return func() (time.Duration, error) {
		total, err := procCPU(postmaster)
		if err != nil {
			return 0, err
		}
		entries, err := os.ReadDir("/proc")
		if err != nil {
			return 0, err
		}
		for _, e := range entries {
			if e.Name()[0] < '0' || e.Name()[0] > '9' {
				continue
			}
			if f, err := procStat(e.Name()); err == nil && f[1] == postmaster {
				if t, err := procCPU(e.Name()); err == nil {
					total += t
				}
			}
		}
		return total, nil
	}
}

// apiSample is the API's figures in the report: the medians of the rounds, or the one run's.
func (rw row) apiSample() sample {
	if len(rw.rounds) > 0 {
		return medianOf(rw.rounds, func(rd round) sample { return rd.api })
	}
	return sample{rate: rw.api.rate(), p50: rw.api.quantile(0.5), p99: rw.api.quantile(0.99), errors: rw.api.errors,
		cpu: rw.serverCPU, measured: true}
}

// floorSample is the floor's figures, as apiSample.
func (rw row) floorSample() sample {
	if len(rw.rounds) > 0 {
		return medianOf(rw.rounds, func(rd round) sample { return rd.floor })
	}
	return sample{rate: rw.floor.rate(), p50: rw.floor.quantile(0.5), p99: rw.floor.quantile(0.99), errors: rw.floor.errors, measured: true}
}

// peerSample is the peer's figures, unmeasured outside rounds or without -peer.
func (rw row) peerSample() sample {
	return medianOf(rw.rounds, func(rd round) sample { return rd.peer })
}

func medianOf(rounds []round, of func(round) sample) sample {
	var ss []sample
	for _, rd := range rounds {
		ss = append(ss, of(rd))
	}
	return medianSample(ss)
}
