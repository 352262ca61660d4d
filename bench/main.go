// Command bench measures the booking API against the database's own limit: the
// same operations through the API and as bare SQL, on a national-scale dataset.
//
// It needs DATABASE_URL pointing at a PostgreSQL server on which it may create and drop its
// own databases (ateliers_bench_*); `make bench` and `make bench-quick` start a throwaway
// cluster for it. From the repository root:
//
//	make bench        # full scale (1,000,000 slots), 16 and 64 clients, 20 s a run, and the
//	                  # scale comparison at 20,000 slots; writes bench/results/latest.md
//	make bench-quick  # scale 0.01 (10,000 slots), 1 s a run: what CI runs
//	scripts/postgres.sh run --temp go run ./bench -scale=0.1 -duration=10s
//
// What it does, in one run:
//
//  1. Generates a deterministic dataset (fixed seed, dated from the current week) in a fresh
//     database migrated by db.Migrate, with COPY: organisations, venues across France,
//     workshops, slots over two years, registrations whose counters match the slots'.
//  2. Builds ./server and starts it once behind a capture proxy that decodes the PostgreSQL
//     protocol: each operation's requests are sent one at a time, and the statements each one
//     executed (SQL and parameters) are recorded. That gives SQL statements per request.
//  3. Starts the server again, directly on the database (-instances processes, the requests
//     round-robin across them), and drives each operation over loopback HTTP with keep-alive
//     from this process, at each client count, for a fixed time.
//  4. Runs the SQL floor at the same concurrency over as many connections as the API's pool:
//     the captured statements replayed for reads, db.Register for registrations. With -peer,
//     starts PostGraphile (bench/peer) on the same database, checks that it answers every
//     availability search and slot fetch with the same slots as the API, field by field, and
//     measures availability and slot-node on the API, the peer and the floor in turns
//     (-rounds rounds; medians reported).
//  5. Prints and writes the table, the server's peak RSS under the largest client count,
//     EXPLAIN (ANALYZE, BUFFERS) of the captured statements, the scale comparison (-compare),
//     and checks that no slot is overbooked and every counter matches its rows; it exits 1
//     if not. Nothing is asserted on time.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type config struct {
	scale, compare   float64
	seed             uint64
	clients          []int
	duration, warmup time.Duration
	samples, conns   int
	instances        int
	ops              []string
	reuse, quick     bool
	peer             bool
	rounds           int
	out, serverBin   string
	only             string
}

func parseFlags(args []string) (config, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	var c config
	var clients, ops string
	fs.Float64Var(&c.scale, "scale", 1, "dataset size: 1 is 1,000,000 slots and 5,000,000 registrations; 0.01 is 10,000 slots")
	fs.Float64Var(&c.compare, "compare", 0, "also measure availability on a dataset of this scale (0.02: 20,000 slots) and compare p50s; 0: no")
	fs.Uint64Var(&c.seed, "seed", 1, "seed of the dataset and of the requests")
	fs.StringVar(&clients, "clients", "16,64", "concurrent clients, comma-separated")
	fs.DurationVar(&c.duration, "duration", 20*time.Second, "measured time of each run")
	fs.DurationVar(&c.warmup, "warmup", 2*time.Second, "unmeasured time before each run")
	fs.IntVar(&c.samples, "samples", 500, "distinct requests of each read operation (captured, then sent in turn)")
	fs.IntVar(&c.conns, "conns", 10, "connections of the API's pool (DATABASE_MAX_CONNS) and of the floor's")
	fs.IntVar(&c.instances, "instances", 1, "server processes on the one database, each with -conns connections, same settings, own port; the API's requests go round-robin across them (the floor is unchanged)")
	fs.StringVar(&ops, "ops", "availability,slot-node,register,register-hot,referrals", "operations to run")
	fs.BoolVar(&c.peer, "peer", true, "also measure PostGraphile (bench/peer, needs Node and npm) on availability and slot-node, after checking that it answers as the API does (false with -quick unless given)")
	fs.IntVar(&c.rounds, "rounds", 3, "availability and slot-node: rounds of API, peer and floor in turn, each -duration long; the report gives their medians (1 with -quick unless given)")
	fs.BoolVar(&c.reuse, "reuse", false, "reuse a database generated this week with the same seed and scale (faster; its hot slots run out after about 40 runs)")
	fs.BoolVar(&c.quick, "quick", false, "quick form for CI: -duration=1s -warmup=300ms -samples=100 unless given")
	fs.StringVar(&c.out, "out", "", "results file (default bench/results/latest.md, or quick.md with -quick)")
	fs.StringVar(&c.serverBin, "server", "", "server binary to run (default: go build ./server)")
	fs.StringVar(&c.only, "only", "", "'dataset': generate and check the dataset, then stop")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if c.quick {
		if !set["duration"] {
			c.duration = time.Second
		}
		if !set["warmup"] {
			c.warmup = 300 * time.Millisecond
		}
		if !set["samples"] {
			c.samples = 100
		}
		if !set["peer"] {
			c.peer = false
		}
		if !set["rounds"] {
			c.rounds = 1
		}
	}
	if c.out == "" {
		c.out = "bench/results/latest.md"
		if c.quick {
			c.out = "bench/results/quick.md"
		}
	}
	for _, s := range strings.Split(clients, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return c, fmt.Errorf("-clients: %q is not a positive number", s)
		}
		c.clients = append(c.clients, n)
	}
	c.ops = strings.Split(ops, ",")
	if c.instances < 1 {
		return c, errors.New("-instances must be at least 1")
	}
	if c.rounds < 1 {
		return c, errors.New("-rounds must be at least 1")
	}
	if c.scale <= 0 || c.scale > 10 || c.compare < 0 {
		return c, errors.New("-scale must be in (0, 10], -compare positive or 0")
	}
	return c, nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c, err := parseFlags(os.Args[1:])
	if err != nil {
		os.Exit(2)
	}
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

// dbName names the database of a scale, so datasets of several scales live side by side.
func dbName(scale float64) string {
	return "ateliers_bench_" + strings.ReplaceAll(strconv.FormatFloat(scale, 'f', -1, 64), ".", "_")
}

func run(ctx context.Context, c config) error {
	admin := os.Getenv("DATABASE_URL")
	if admin == "" {
		return errors.New("DATABASE_URL is not set: run through `make bench`, or scripts/postgres.sh run --temp go run ./bench")
	}
	tmp, err := os.MkdirTemp("", "ateliers-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	// The server builds while the dataset is generated.
	type built struct {
		bin string
		err error
	}
	build := make(chan built, 1)
	go func() {
		if c.serverBin != "" || c.only != "" {
			build <- built{c.serverBin, nil}
			return
		}
		bin, err := buildServer(ctx, tmp)
		build <- built{bin, err}
	}()
	r := &report{config: c, started: time.Now(), loadStart: loadAverage()}
	ds, err := openDataset(ctx, admin, c.scale, c)
	if err != nil {
		return err
	}
	defer ds.close()
	r.meta, r.datasetCheck = ds.meta, ds.check
	b := <-build
	if b.err != nil {
		return b.err
	}
	if c.only == "dataset" {
		logf("dataset: %s", ds.check)
		return nil
	}
	if err := measure(ctx, c, b.bin, tmp, ds, r); err != nil {
		return err
	}
	if c.compare > 0 && c.compare != c.scale {
		if err := compareScale(ctx, c, b.bin, tmp, admin, ds, r); err != nil {
			return err
		}
	}
	r.finished = time.Now()
	if err := r.write(ctx, ds.pool, c.out); err != nil {
		return err
	}
	abs, _ := filepath.Abs(c.out)
	logf("results written to %s", abs)
	if !r.finalCheck.ok() {
		return fmt.Errorf("booking check failed: %s", r.finalCheck)
	}
	return nil
}
