// Command live measures live seat counts under load, on loopback: subscribers across two
// instances of the real server on one database, registrations flowing, and for each change
// the time from its commit to its delivery to every subscriber, and the servers' memory.
//
// It needs DATABASE_URL pointing at a PostgreSQL server on which it may create and drop the
// database ateliers_bench_live; `make bench-live` starts a throwaway cluster for it:
//
//	make bench-live                                   # 1,000 subscribers, 2 instances, 30 s
//	make bench-live LIVEFLAGS='-subscribers=2000 -rate=50'
//
// What it does:
//
//  1. Creates the database, migrated by db.Migrate, with one host organisation and -slots
//     public slots of 500 seats.
//  2. Builds ./server and starts -instances processes on it (own ports, RATE_LIMITS=off, no
//     job workers), and reads each one's resident set, idle.
//  3. Opens -subscribers WebSocket connections (graphql-transport-ws), spread round-robin
//     over the instances and the slots, each following one slot, and waits until every one has
//     its first state; reads the resident sets again.
//  4. For -duration, registers anonymous people at -rate a second on the slots in turn,
//     through the instances in turn: one registration at a time on a slot, so that each seat
//     count names one registration. Each subscriber records when each count reaches it.
//  5. Reports, for every delivery, the time from the registration's commit to the delivery:
//     the commit lies between the request's departure and the response's arrival, so both
//     bounds are given (p50, p99, max), with the deliveries missed, and the servers' resident
//     sets (now and peak, VmHWM). Writes bench/results/live.md.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

type config struct {
	subscribers, instances, slots int
	rate                          int
	duration                      time.Duration
	out                           string
}

func main() {
	var c config
	flag.IntVar(&c.subscribers, "subscribers", 1000, "WebSocket subscribers, spread over the instances and the slots")
	flag.IntVar(&c.instances, "instances", 2, "server processes on the one database")
	flag.IntVar(&c.slots, "slots", 10, "slots followed (each by subscribers/slots subscribers)")
	flag.IntVar(&c.rate, "rate", 20, "registrations a second, on the slots in turn")
	flag.DurationVar(&c.duration, "duration", 30*time.Second, "time registrations flow")
	flag.StringVar(&c.out, "out", "bench/results/live.md", "report file")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, c); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func run(ctx context.Context, c config) error {
	admin := os.Getenv("DATABASE_URL")
	if admin == "" {
		return fmt.Errorf("DATABASE_URL is not set: run `make bench-live`, which starts a throwaway PostgreSQL")
	}
	raiseFileLimit(c.subscribers + 100)
	dbURL, slots, err := prepare(ctx, admin, c.slots)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "ateliers-bench-live")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin, err := buildServer(ctx, tmp)
	if err != nil {
		return err
	}
	var servers []*server
	defer func() {
		for _, s := range servers {
			s.stop()
		}
	}()
	for i := range c.instances {
		s, err := startServer(ctx, bin, dbURL, fmt.Sprintf("%s/server-%d.log", tmp, i+1))
		if err != nil {
			return err
		}
		servers = append(servers, s)
	}
	r := &report{config: c, started: time.Now()}
	r.idle = sample(servers)
	logf("%d instances up; opening %d subscribers", len(servers), c.subscribers)
	subs, err := subscribeAll(ctx, servers, slots, c.subscribers)
	if err != nil {
		return err
	}
	defer func() {
		for _, s := range subs {
			s.close()
		}
	}()
	r.subscribed = sample(servers)
	logf("all subscribed; registering %d a second for %v", c.rate, c.duration)
	regs, err := registerFlow(ctx, servers, slots, c.rate, c.duration)
	if err != nil {
		return err
	}
	time.Sleep(2 * time.Second) // the last changes reach everyone
	r.end, r.peakRSS = sample(servers), rssOf(servers, "VmHWM")
	r.measure(regs, subs)
	return r.write()
}
