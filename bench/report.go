package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// report gathers a run's measurements and writes them as Markdown.
type report struct {
	config            config
	started, finished time.Time
	meta              meta
	datasetCheck      bookingCheck
	captures          map[string]*captured
	unattributed      int
	pings             int
	rows              []row
	peakRSS           int64   // the largest of peakRSSEach
	peakRSSEach       []int64 // each instance's
	rssClients        int
	explains          []explained
	finalCheck        bookingCheck
	loadStart         string
	compare           *comparison
	cached            []cachedRow
	peerSlots         map[string]int // slots found equal in the API's and the peer's answers, by operation
	peerRSS           int64
	peerNode          string // Node's version
}

func refusalCount(outcomes map[string]int) int {
	n := 0
	for k, v := range outcomes {
		if isRefusal(k) {
			n += v
		}
	}
	return n
}

func outcomeList(outcomes map[string]int) string {
	keys := make([]string, 0, len(outcomes))
	for k := range outcomes {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %d", k, outcomes[k]))
	}
	return strings.Join(parts, ", ")
}

func msList(ds []time.Duration) string {
	var parts []string
	for _, d := range ds {
		parts = append(parts, fmt.Sprint(ms(d)))
	}
	return strings.Join(parts, ", ")
}

func ratio(api, floor float64) string {
	if floor == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", api/floor)
}

// table writes the main table with cells separated by sep (Markdown or tabwriter).
func (r *report) table(w io.Writer, markdown bool) {
	head := []string{"operation", "clients", "req/s", "p50", "p99", "errors", "refusals", "SQL/req", "server CPU/req",
		"floor req/s", "floor p50", "floor p99", "floor errors", "floor SQL/req", "API/floor req/s"}
	line := func(cells []string) {
		if markdown {
			fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
		} else {
			fmt.Fprintf(w, "%s\t\n", strings.Join(cells, "\t"))
		}
	}
	line(head)
	if markdown {
		seps := make([]string, len(head))
		for i := range seps {
			seps[i] = "---"
			if i > 0 {
				seps[i] = "--:"
			}
		}
		line(seps)
	}
	for _, rw := range r.rows {
		a, f := rw.apiSample(), rw.floorSample()
		line([]string{rw.op, fmt.Sprint(rw.clients),
			fmt.Sprintf("%.0f", a.rate), ms(a.p50).String(), ms(a.p99).String(),
			fmt.Sprint(a.errors), fmt.Sprint(refusalCount(rw.api.outcomes)), fmt.Sprintf("%.1f", rw.apiSQL), ms(a.cpu).String(),
			fmt.Sprintf("%.0f", f.rate), ms(f.p50).String(), ms(f.p99).String(),
			fmt.Sprint(f.errors), fmt.Sprintf("%.1f", rw.floorSQL), ratio(a.rate, f.rate)})
	}
}

func machine() string {
	model := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		fmt.Sscanf(strings.TrimPrefix(strings.Split(string(b), "\n")[0], "MemTotal:"), "%d", &kb)
		mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
	}
	return fmt.Sprintf("%s, %d cores%s, %s/%s", model, runtime.NumCPU(), mem, runtime.GOOS, runtime.GOARCH)
}

func (r *report) write(ctx context.Context, pool *pgxpool.Pool, path string) error {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	r.table(tw, false)
	tw.Flush()
	fmt.Printf("bookings after the runs (%d server instances): %s\n", r.config.instances, r.finalCheck)

	var pgVersion, pgSettings string
	pool.QueryRow(ctx, `SELECT current_setting('server_version'), string_agg(name || ' ' || current_setting(name), ', ' ORDER BY name)
		FROM pg_settings WHERE name IN ('shared_buffers', 'work_mem', 'max_connections', 'fsync', 'synchronous_commit', 'jit', 'random_page_cost')`).
		Scan(&pgVersion, &pgSettings)
	var b strings.Builder
	w := &b
	m, c := r.meta, r.config
	fmt.Fprintf(w, "# Benchmark: the API against its SQL floor\n\n")
	fmt.Fprintf(w, "- Command: `bench %s` (`make bench` runs it on a throwaway cluster of scripts/postgres.sh)\n", strings.Join(os.Args[1:], " "))
	fmt.Fprintf(w, "- Run: %s, %v\n", r.started.Format("2006-01-02 15:04 MST"), r.finished.Sub(r.started).Round(time.Second))
	fmt.Fprintf(w, "- Machine: %s; PostgreSQL %s; %s. Server, PostgreSQL and the load share the machine.\n", machine(), pgVersion, runtime.Version())
	fmt.Fprintf(w, "- PostgreSQL settings: %s\n", pgSettings)
	fmt.Fprintf(w, "- Load average (1, 5, 15 min) at the start: %s; at the end: %s. Other work on the machine makes the numbers noisy: compare ratios measured in the same run.\n", r.loadStart, loadAverage())
	fmt.Fprintf(w, "- Dataset (seed %d, scale %g): %d organisations, %d venues, %d workshops, %d slots (+%d hot slots), %d registrations; slots from %s to %s\n",
		m.Seed, m.Scale, m.Sizes.Organisations, m.Sizes.Venues, m.Sizes.Workshops, m.Sizes.Slots, m.Sizes.HotSlots, m.Sizes.Registrations,
		m.Anchor.AddDate(0, 0, -364).Format(time.DateOnly), m.Anchor.AddDate(0, 0, 364).Format(time.DateOnly))
	fmt.Fprintf(w, "- Each run: %v warm-up, then %v measured, closed loop; the API's pool and the floor's: %d connections; %d distinct requests per read operation\n",
		c.warmup, c.duration, c.conns, c.samples)
	if c.instances > 1 {
		fmt.Fprintf(w, "- Instances: %d server processes on the one database (same settings, %d connections each, %d in all), the API's requests round-robin across them, so registrations on the same slots race across processes; the floor is one pool of %d connections. server CPU/req: all instances' CPU time.\n\n",
			c.instances, c.conns, c.instances*c.conns, c.conns)
	} else {
		fmt.Fprintf(w, "- Instances: 1 server process\n\n")
	}
	fmt.Fprintf(w, "req/s, p50, p99: the API over loopback HTTP (keep-alive) from a separate process. errors: non-200 answers, GraphQL errors, failed connections. refusals: userErrors, expected outcomes (SLOT_FULL...). SQL/req: statements executed per request, BEGIN/COMMIT/SAVEPOINT included, counted on the wire by the capture proxy (no pg_stat_statements needed); the floor's for registrations by a pgx tracer. floor: the same statements with the same parameters replayed over pgx (reads), or db.Register (registrations), at the same concurrency. API/floor: throughput ratio. availability and slot-node: medians of %d rounds in which the API, the peer (if any) and the floor run in turn (see Peer).\n\n", c.rounds)
	r.table(w, true)
	fmt.Fprintln(w)
	for _, rw := range r.rows {
		if len(rw.api.outcomes)+len(rw.floor.outcomes) > 0 {
			fmt.Fprintf(w, "- %s, %d clients: API %s; floor %s\n", rw.op, rw.clients, outcomeList(rw.api.outcomes), outcomeList(rw.floor.outcomes))
		}
		for _, h := range rw.apiHot {
			fmt.Fprintf(w, "  - API hot slot %d: capacity %d, seats taken %d, waiting list %d\n", h.ID, h.Capacity, h.SeatsTaken, h.Waitlisted)
		}
		if rw.api.firstErr != "" {
			fmt.Fprintf(w, "- %s, %d clients, first API error: `%s`\n", rw.op, rw.clients, oneLine(rw.api.firstErr, 200))
		}
		if rw.floor.firstErr != "" {
			fmt.Fprintf(w, "- %s, %d clients, first floor error: `%s`\n", rw.op, rw.clients, oneLine(rw.floor.firstErr, 200))
		}
	}

	r.peerSection(w)
	r.targets(w)

	fmt.Fprintf(w, "\n## Memory\n\nPeak RSS of the server (VmHWM, reset before the %d-client runs): %.1f MB", r.rssClients, float64(r.peakRSS)/1e6)
	if len(r.peakRSSEach) > 1 {
		var each []string
		for i, b := range r.peakRSSEach {
			each = append(each, fmt.Sprintf("instance %d %.1f MB", i+1, float64(b)/1e6))
		}
		fmt.Fprintf(w, ", the largest of %d instances (%s)", len(r.peakRSSEach), strings.Join(each, ", "))
	}
	fmt.Fprintln(w)

	fmt.Fprintf(w, "\n## Bookings\n\n- Dataset as generated: %s\n- After the runs (%d server instances): %s\n", r.datasetCheck, c.instances, r.finalCheck)

	if len(r.cached) > 0 {
		fmt.Fprintf(w, "\n## Page cache\n\nAvailability again, on servers with their page cache on (`PAGE_CACHE`, on by default; off in the table above, so that the API runs the floor's SQL). The same distinct searches cycle: after its first time each search comes from memory until the cache's 10 s expire it, or a change forgets it. Registrations: made through the API on random open slots during the run, at about %d a second; each forgets, on every instance, the pages that show its slot and those filtered on free seats.\n\n| clients | registrations meanwhile | req/s | p50 | p99 | errors | server CPU/req | floor req/s | API with cache / floor |\n| --: | --: | --: | --: | --: | --: | --: | --: | --: |\n", writesPerSecond)
		for _, cr := range r.cached {
			floor := 0.0
			for _, rw := range r.rows {
				if rw.op == "availability" && rw.clients == cr.clients {
					floor = rw.floorSample().rate
				}
			}
			fmt.Fprintf(w, "| %d | %d | %.0f | %v | %v | %d | %v | %.0f | %s |\n", cr.clients, cr.writes, cr.api.rate(), ms(cr.api.quantile(0.5)), ms(cr.api.quantile(0.99)),
				cr.api.errors, cr.serverCPU.Round(time.Microsecond), floor, ratio(cr.api.rate(), floor))
		}
	}

	if r.compare != nil {
		cmp := r.compare
		fmt.Fprintf(w, "\n## Scale\n\nAvailability (API), %d clients, the two datasets measured in turns, %d times each, after the main runs: p50 at %d slots %s; at %d slots %s. Ratio of the medians: %.2f.\n",
			cmp.clients, compareRounds, cmp.slots, msList(cmp.small), m.Sizes.Slots, msList(cmp.big), cmp.ratio())
	}

	fmt.Fprintf(w, "\n## Statements per request\n\nCaptured from the API, one request at a time. Mean time alone: each statement's time (round trip included) when the captured requests are replayed one at a time on an idle database, BEGIN to COMMIT for registrations made one at a time; statements sorted by their share of that time. (%d statements outside any request: the server's worker and start-up; %d pool pings not counted).\n", r.unattributed, r.pings)
	for _, rw := range r.rows {
		cp := r.captures[rw.op]
		if cp == nil || rw.clients != c.clients[0] {
			continue
		}
		n := float64(len(cp.requests))
		fmt.Fprintf(w, "\n### %s: %.1f statements a request (%d requests", rw.op, cp.perRequest(), len(cp.requests))
		if cp.items > 0 {
			fmt.Fprintf(w, ", %.1f rows returned a request", float64(cp.items)/n)
		}
		if len(cp.outcomes) > 0 {
			fmt.Fprintf(w, "; %s", outcomeList(cp.outcomes))
		}
		type prof struct {
			sql  string
			n    float64
			mean time.Duration
		}
		var ps []prof
		var alone time.Duration
		for s, k := range cp.profile {
			p := prof{s, float64(k) / n, cp.timed.mean(s)}
			ps = append(ps, p)
			alone += time.Duration(p.n * float64(p.mean))
		}
		fmt.Fprintf(w, "; SQL time alone %v a request)\n\n| per request | mean time alone | statement |\n| --: | --: | --- |\n", ms(alone))
		slices.SortFunc(ps, func(a, b prof) int {
			return cmp.Compare(b.n*float64(b.mean), a.n*float64(a.mean))
		})
		for _, p := range ps {
			mean := "-"
			if p.mean > 0 {
				mean = ms(p.mean).String()
			}
			fmt.Fprintf(w, "| %.2f | %s | `%s` |\n", p.n, mean, strings.ReplaceAll(oneLine(p.sql, 400), "|", "\\|"))
		}
	}

	fmt.Fprintf(w, "\n## EXPLAIN (ANALYZE, BUFFERS)\n\nEach distinct statement of the first captured request of each operation, with its captured parameters, after the runs (in a transaction rolled back; INSERTs skipped): the plan for these values, then the generic plan (`plan_cache_mode = force_generic_plan`), which a named prepared statement may switch to after five executions (the unnamed statement is planned for its values each time).\n")
	for _, e := range r.explains {
		fmt.Fprintf(w, "\n### %s: %s\n\n```sql\n%s\n```\n\nPlan for these values (%s):\n\n```\n%s```\n\nGeneric plan (%s):\n\n```\n%s```\n",
			e.Op, planTime(e.Plan), strings.Join(strings.Fields(e.SQL), " "), planTime(e.Plan), e.Plan, planTime(e.Generic), e.Generic)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// targets compares the run with the targets the benchmark was built for, for information: nothing fails on
// them (a shared machine makes times noisy).
func (r *report) targets(w io.Writer) {
	fmt.Fprintf(w, "\n## Targets (information, not assertions)\n\n")
	verdict := func(ok bool) string {
		if ok {
			return "met"
		}
		return "**missed**"
	}
	for _, rw := range r.rows {
		if rw.clients != r.config.clients[0] {
			continue
		}
		a := rw.apiSample()
		q := a.rate / max(rw.floorSample().rate, 1e-9)
		switch rw.op {
		case "availability":
			p50, p99 := a.p50, a.p99
			fmt.Fprintf(w, "- availability, %d clients: API/floor %.2f (target ≥ 0.7: %s); p99/p50 %.1f (target ≤ 3: %s); %.1f statements a request (target ≤ 3: %s)\n",
				rw.clients, q, verdict(q >= 0.7), float64(p99)/float64(max(p50, 1)), verdict(p99 <= 3*p50), rw.apiSQL, verdict(rw.apiSQL <= 3))
		case "register", "register-hot":
			fmt.Fprintf(w, "- %s, %d clients: API/floor %.2f (target ≥ 0.6: %s)\n", rw.op, rw.clients, q, verdict(q >= 0.6))
		}
	}
	fmt.Fprintf(w, "- zero overbooking (%d server instances): %s\n", r.config.instances, verdict(r.finalCheck.ok()))
	if r.compare != nil {
		q := r.compare.ratio()
		fmt.Fprintf(w, "- availability p50 at %d slots / at %d slots: %.2f (target ≤ 1.5: %s)\n", r.meta.Sizes.Slots, r.compare.slots, q, verdict(q <= 1.5))
	}
	if r.peakRSS > 0 {
		fmt.Fprintf(w, "- server peak RSS under %d clients (the largest instance's): %.0f MB (target < 200 MB: %s)\n", r.rssClients, float64(r.peakRSS)/1e6, verdict(r.peakRSS < 200e6))
	}
}

// loadAverage is the machine's load over 1, 5 and 15 minutes.
func loadAverage() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

// planTime is the execution time line of an EXPLAIN ANALYZE.
func planTime(plan string) string {
	for _, l := range strings.Split(plan, "\n") {
		if t, ok := strings.CutPrefix(l, "Execution Time: "); ok {
			return t
		}
	}
	return "no time"
}
