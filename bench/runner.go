package main

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// datasetDB is a generated database and a pool on it for the bench's own queries.
type datasetDB struct {
	url   string
	meta  meta
	pool  *pgxpool.Pool
	check bookingCheck
}

func (d *datasetDB) close() { d.pool.Close() }

// openDataset generates (or reuses) the dataset of a scale and checks its counters.
func openDataset(ctx context.Context, admin string, scale float64, c config) (*datasetDB, error) {
	t := time.Now()
	u, m, err := prepareDatabase(ctx, admin, dbName(scale), c.seed, scale, c.reuse, logf)
	if err != nil {
		return nil, err
	}
	pool, err := pgxpool.New(ctx, u)
	if err != nil {
		return nil, err
	}
	d := &datasetDB{url: u, meta: m, pool: pool}
	if d.check, err = checkBookings(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	if !d.check.ok() {
		pool.Close()
		return nil, fmt.Errorf("the generated dataset is inconsistent: %s", d.check)
	}
	logf("dataset ready in %v: %s", time.Since(t).Round(time.Millisecond), d.check)
	return d, nil
}

// captured is what the capture phase saw of one operation.
type captured struct {
	requests   [][]step // statements of each request, in the order of the operation's requests
	statements int
	items      int
	errors     int
	firstErr   string
	outcomes   map[string]int
	profile    map[string]int // statement -> times seen
	timed      *timings       // each statement's time alone (see profile)
}

func (c *captured) perRequest() float64 {
	if len(c.requests) == 0 {
		return 0
	}
	return float64(c.statements) / float64(len(c.requests))
}

// registerSamples is how many registrations the capture sends per register operation.
const registerSamples = 30

// captureOps starts the server behind the capture proxy and sends each operation's requests
// one at a time, recording the statements of each.
func captureOps(ctx context.Context, c config, bin, tmp string, ds *datasetDB, env *runEnv, ops []*operation) (map[string]*captured, *proxy, error) {
	u, err := url.Parse(ds.url)
	if err != nil {
		return nil, nil, err
	}
	// The server may be a TCP address or a Unix socket (host=/dir in the query, as for the
	// clusters of scripts/postgres.sh); pgconn resolves either as pgx would dial it.
	cc, err := pgconn.ParseConfig(ds.url)
	if err != nil {
		return nil, nil, err
	}
	p, err := startProxy(pgconn.NetworkAddress(cc.Host, cc.Port))
	if err != nil {
		return nil, nil, err
	}
	defer p.close()
	u.Host = p.addr()
	q := u.Query()
	q.Del("host") // the API connects to the proxy, which alone knows the server's address
	q.Del("port")
	q.Set("sslmode", "disable") // the proxy reads the protocol in clear
	u.RawQuery = q.Encode()
	// Without job workers: the proxy gives every statement to the request in flight, and the
	// workers' own (following up the events of earlier requests) would be counted, and replayed
	// by the floor, as the request's. The servers measured afterwards run them.
	srv, err := startServer(ctx, bin, u.String(), c.conns, false, filepath.Join(tmp, "capture.log"))
	if err != nil {
		return nil, nil, err
	}
	defer srv.stop()
	a := newAPI(srv.url, 1)
	out := map[string]*captured{}
	for _, o := range ops {
		n := len(o.requests)
		if !o.read {
			n = registerSamples
		}
		if o.hot {
			if err := prepareHot(ctx, ds.pool, env); err != nil {
				return nil, nil, err
			}
		}
		cp := &captured{outcomes: map[string]int{}, profile: map[string]int{}}
		for i := range n {
			p.begin()
			body, err := a.post(ctx, o.request(0, i))
			steps := p.end()
			cp.requests = append(cp.requests, steps)
			cp.statements += len(steps)
			for _, s := range steps {
				cp.profile[s.SQL]++
			}
			if err == nil {
				var outcome string
				if outcome, err = o.check(body); outcome != "" {
					cp.outcomes[outcome]++
				}
				if o.items != nil {
					cp.items += o.items(body)
				}
			}
			if err != nil {
				cp.errors++
				if cp.firstErr == "" {
					cp.firstErr = err.Error()
				}
			}
		}
		if cp.errors == n {
			return nil, nil, fmt.Errorf("capture: every %s request failed: %s", o.name, cp.firstErr)
		}
		logf("capture %-13s %4d requests, %.1f SQL statements a request, %d errors", o.name, n, cp.perRequest(), cp.errors)
		out[o.name] = cp
	}
	return out, p, nil
}

// profile times each statement alone, one request at a time on an idle database: the
// captured requests replayed (reads), or registrations made like the floor's (writes).
func profile(ctx context.Context, ops []*operation, caps map[string]*captured, replay replayPool, pool *pgxpool.Pool, tracer *counter, env *runEnv) error {
	for _, o := range ops {
		// Each pass twice, timed the second time: a new connection loads the catalogue
		// (several milliseconds) on its first statements.
		cp := caps[o.name]
		cp.timed = &timings{}
		if o.read {
			rc := <-replay
			for pass := range 2 {
				var timed *timings
				if pass == 1 {
					timed = cp.timed
				}
				for _, steps := range cp.requests {
					if err := rc.run(ctx, steps, timed); err != nil {
						replay <- rc
						return fmt.Errorf("profile %s: %w", o.name, err)
					}
				}
			}
			replay <- rc
			continue
		}
		w := registerFloorWork(pool, env, o, cp, &atomic.Int64{}, tracer)
		for i := range 2 * registerSamples {
			if i == registerSamples {
				tracer.timed.Store(cp.timed)
			}
			if _, err := w(ctx, 0, i); err != nil {
				tracer.timed.Store(nil)
				return fmt.Errorf("profile %s: %w", o.name, err)
			}
		}
		tracer.timed.Store(nil)
	}
	return nil
}

// row is one line of the table: an operation at a client count, API and floor, and for the
// reads measured in rounds, the peer too.
type row struct {
	op               string
	clients          int
	api, floor, peer result // the rounds' merged, when in rounds
	rounds           []round
	apiSQL, floorSQL float64
	serverCPU        time.Duration // the server process's CPU time per request, warm-up included
	apiHot, floorHot []hotSlotState
}

// measure runs the capture, then each operation at each client count against the API and
// its floor, then EXPLAINs the captured statements and checks the bookings.
func measure(ctx context.Context, c config, bin, tmp string, ds *datasetDB, r *report) error {
	env, err := loadEnv(ctx, ds.pool, ds.meta)
	if err != nil {
		return err
	}
	var ops []*operation
	for _, o := range operations(env, c.seed, c.samples) {
		if indexOf(c.ops, o.name) >= 0 {
			ops = append(ops, o)
		}
	}
	caps, p, err := captureOps(ctx, c, bin, tmp, ds, env, ops)
	if err != nil {
		return err
	}
	r.captures, r.unattributed, r.pings = caps, p.unattributed, p.pings
	replay, err := newReplayPool(ctx, ds.url, c.conns)
	if err != nil {
		return err
	}
	defer replay.close(context.Background())
	var statements counter
	floorPool, err := newFloorPool(ctx, ds.url, c.conns, &statements)
	if err != nil {
		return err
	}
	defer floorPool.Close()
	if err := profile(ctx, ops, caps, replay, floorPool, &statements, env); err != nil {
		return err
	}
	srv, err := startFleet(ctx, c.instances, bin, ds.url, c.conns, false, tmp, "server")
	if err != nil {
		return err
	}
	defer srv.stop()
	if len(srv) > 1 {
		logf("%d server instances on one database: %s", len(srv), strings.Join(srv.urls(), ", "))
	}
	a := newAPIs(srv.urls(), slicesMax(c.clients))
	var peer *server
	if c.peer {
		if peer, err = startCheckedPeer(ctx, c, ds, tmp, a[0], ops, r); err != nil {
			return err
		}
		if peer != nil { // nil when neither read compared is in -ops
			defer peer.stop()
		}
	}
	pgClock := postgresCPU(ctx, ds.pool)
	for ci, n := range c.clients {
		last := ci == len(c.clients)-1
		if last {
			if err := srv.resetPeakRSS(); err != nil {
				logf("cannot reset the servers' peak RSS (%v): it covers the whole run", err)
			}
			if peer != nil {
				if err := peer.resetPeakRSS(); err != nil {
					logf("cannot reset the peer's peak RSS (%v): it covers the whole run", err)
				}
			}
		}
		for _, o := range ops {
			rw := row{op: o.name, clients: n, apiSQL: caps[o.name].perRequest()}
			if o.peer != nil {
				rw.rounds = inRounds(ctx, c, n, o, &rw, a, peer, replay, caps[o.name].requests, srv.cpuTime, pgClock)
				r.rows = append(r.rows, rw)
				continue
			}
			if o.hot {
				if err := prepareHot(ctx, ds.pool, env); err != nil {
					return err
				}
			}
			cpu0, _ := srv.cpuTime()
			rw.api = drive(ctx, n, c.warmup, c.duration, apiWork(a, o))
			if cpu1, err := srv.cpuTime(); err == nil && rw.api.all > 0 {
				rw.serverCPU = (cpu1 - cpu0) / time.Duration(rw.api.all)
			}
			if o.hot {
				if rw.apiHot, err = hotStates(ctx, ds.pool, env.hot); err != nil {
					return err
				}
				if err := prepareHot(ctx, ds.pool, env); err != nil {
					return err
				}
			}
			if o.read {
				rw.floor = drive(ctx, n, c.warmup, c.duration, replayWork(replay, caps[o.name].requests))
				rw.floorSQL = rw.apiSQL
			} else {
				var calls, around atomic.Int64
				statements.n.Store(0)
				w := registerFloorWork(floorPool, env, o, caps[o.name], &around, &statements)
				rw.floor = drive(ctx, n, c.warmup, c.duration, func(ctx context.Context, worker, i int) (string, error) {
					calls.Add(1)
					return w(ctx, worker, i)
				})
				rw.floorSQL = float64(statements.n.Load()+around.Load()) / float64(max(calls.Load(), 1))
			}
			if o.hot {
				if rw.floorHot, err = hotStates(ctx, ds.pool, env.hot); err != nil {
					return err
				}
			}
			logf("%-13s %3d clients: API %7.0f req/s p50 %-8v p99 %-8v errors %d | floor %7.0f req/s p50 %-8v p99 %-8v errors %d",
				o.name, n, rw.api.rate(), ms(rw.api.quantile(0.5)), ms(rw.api.quantile(0.99)), rw.api.errors,
				rw.floor.rate(), ms(rw.floor.quantile(0.5)), ms(rw.floor.quantile(0.99)), rw.floor.errors)
			r.rows = append(r.rows, rw)
		}
		if last {
			if r.peakRSSEach, err = srv.peakRSS(); err != nil {
				logf("peak RSS: %v", err)
			}
			r.peakRSS = slicesMax64(r.peakRSSEach)
			r.rssClients = n
			if peer != nil {
				if r.peerRSS, err = peer.peakRSS(); err != nil {
					logf("the peer's peak RSS: %v", err)
				}
			}
		}
	}
	srv.stop()
	if peer != nil {
		peer.stop()
	}
	if i := slices.IndexFunc(ops, func(o *operation) bool { return o.name == "availability" }); i >= 0 {
		var reg *operation
		if j := slices.IndexFunc(ops, func(o *operation) bool { return o.name == "register" }); j >= 0 {
			reg = ops[j]
		}
		if r.cached, err = measureCached(ctx, c, bin, tmp, ds, ops[i], reg); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for _, o := range ops {
		cp := caps[o.name]
		for _, steps := range cp.requests { // the first request that ran any statement
			if len(steps) > 0 {
				ex, err := explainCaptured(ctx, ds.url, o.name, steps, seen)
				if err != nil {
					return err
				}
				r.explains = append(r.explains, ex...)
				break
			}
		}
	}
	if r.finalCheck, err = checkBookings(ctx, ds.pool); err != nil {
		return err
	}
	logf("bookings after the run (%d instances): %s", c.instances, r.finalCheck)
	return nil
}

// startCheckedPeer starts the peer and checks that it answers the reads compared with it
// (the operations with peer requests) as the API a does.
func startCheckedPeer(ctx context.Context, c config, ds *datasetDB, tmp string, a *api, ops []*operation, r *report) (*server, error) {
	var compared []*operation
	for _, o := range ops {
		if o.peer != nil {
			compared = append(compared, o)
		}
	}
	if len(compared) == 0 {
		return nil, nil
	}
	peer, node, err := startPeer(ctx, ds.pool, ds.url, c.conns, filepath.Join(tmp, "peer.log"))
	if err != nil {
		return nil, err
	}
	r.peerNode = node
	t := time.Now()
	if r.peerSlots, err = checkPeer(ctx, a, newAPI(peer.url, 1), compared); err != nil {
		peer.stop()
		return nil, err
	}
	var each []string
	for _, o := range compared {
		each = append(each, fmt.Sprintf("%s %d requests, %d slots", o.name, len(o.peer), r.peerSlots[o.name]))
	}
	logf("peer: PostGraphile %s answers as the API does, field by field (%s) in %v", peerVersion, strings.Join(each, "; "), time.Since(t).Round(time.Millisecond))
	return peer, nil
}

// inRounds measures a read on the API, the peer (if any) and the floor in turns, c.rounds
// times, and merges the rounds' results into rw for the report's notes.
func inRounds(ctx context.Context, c config, n int, o *operation, rw *row, a []*api, peer *server, replay replayPool,
	captured [][]step, apiCPU, pgCPU cpuClock) []round {
	var pa []*api
	var po *operation
	if peer != nil {
		pa = []*api{newAPI(peer.url, n)}
		po = &operation{name: o.name, read: true, requests: o.peer, check: checkRead}
	}
	var rounds []round
	for i := range c.rounds {
		var rd round
		var res result
		res, rd.api = sampleRun(ctx, c, n, apiWork(a, o), apiCPU, pgCPU)
		merge(&rw.api, res)
		if peer != nil {
			res, rd.peer = sampleRun(ctx, c, n, apiWork(pa, po), peer.cpuTime, pgCPU)
			merge(&rw.peer, res)
		}
		res, rd.floor = sampleRun(ctx, c, n, replayWork(replay, captured), selfCPU, pgCPU)
		merge(&rw.floor, res)
		rd.load = strings.Fields(loadAverage())[0]
		rounds = append(rounds, rd)
		peerPart := ""
		if rd.peer.measured {
			peerPart = fmt.Sprintf(" | peer %7.0f req/s p99 %-8v", rd.peer.rate, ms(rd.peer.p99))
		}
		logf("%-13s %3d clients, round %d/%d: API %7.0f req/s p99 %-8v%s | floor %7.0f req/s p99 %-8v | load %s",
			o.name, n, i+1, c.rounds, rd.api.rate, ms(rd.api.p99), peerPart, rd.floor.rate, ms(rd.floor.p99), rd.load)
	}
	rw.floorSQL = rw.apiSQL
	return rounds
}

func slicesMax64(xs []int64) int64 {
	var m int64
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func slicesMax(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

// ms rounds a duration for display.
func ms(d time.Duration) time.Duration {
	switch {
	case d >= 100*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}
