// Command server runs the booking API of the digital-inclusion network: a GraphQL endpoint
// over PostgreSQL. With `admin create-key` it creates a network administrator key instead.
//
// Configuration comes from the environment (see config.go and the README).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strconv"
	"syscall"
	"time"
)

func main() {
	logger, err := newLogger(os.Getenv("LOG_FORMAT"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
	slog.SetDefault(logger)
	tuneGC(os.Getenv)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, getenv func(string) string) error {
	c, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if len(args) > 0 {
		return runCommand(ctx, c, args)
	}
	stopTracing, err := startTracing(ctx, getenv)
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	defer func() {
		flushCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		stopTracing(flushCtx) // what is left goes to the collector, or is lost if it is away
	}()
	pool, err := openDatabase(ctx, c)
	if err != nil {
		return err
	}
	defer pool.Close()
	replica, err := openReplica(ctx, c)
	if err != nil {
		return err
	}
	if replica != nil {
		defer replica.Close()
	}
	// The listener and the hub of live seat counts end with ctx, and run waits for them
	// whatever way it returns, before the pool closes (deferred above). The hub ending closes
	// the connections of subscriptions, which http.Server.Shutdown does not wait for.
	ctx, cancel := context.WithCancel(ctx)
	pages, hub, listenerDone := startChanges(ctx, c, pool)
	defer func() {
		cancel()
		if listenerDone != nil {
			<-listenerDone
		}
	}()
	if !c.WebhookSecrets.Seals() && !c.DemoData {
		slog.Warn("WEBHOOK_SECRETS_KEY is not set: webhook signing secrets are stored unencrypted; set it to 32 random bytes in base64 (openssl rand -base64 32)")
	}
	if c.DemoData {
		if err := loadDemo(ctx, pool); err != nil {
			return fmt.Errorf("demo data: %w", err)
		}
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(c.ListenHost, strconv.Itoa(c.Port)))
	if err != nil {
		return err
	}
	standby := startStandby(ctx, c, pool, replica)
	srv := &http.Server{
		Handler:           newHandler(c, pool, standby, pages, hub),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      c.RequestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
	}
	fmt.Printf("API:      http://localhost:%d/graphql\nGraphiQL: http://localhost:%d/\n", c.Port, c.Port)
	if c.DemoData {
		printDemoKeys(c.Port)
	}
	go runWorker(ctx, pool)
	stopJobs, err := startJobs(ctx, c, pool)
	if err != nil {
		return err
	}
	defer func() {
		// After the HTTP server: the jobs a last request inserted are taken by another
		// instance, or by this one when it starts again.
		stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := stopJobs(stopCtx); err != nil {
			slog.Warn("job queue stopped before its jobs finished", "err", err)
		}
	}()
	if c.DebugAddr != "" {
		go serveDebug(c.DebugAddr)
	}
	if c.MetricsAddr != "" {
		go serveMetrics(c.MetricsAddr, pool, standby)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	// In-flight requests finish; new connections are refused; then the pool closes (deferred).
	slog.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), c.RequestTimeout+time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}

// tuneGC trades memory the server does not use for CPU, unless GOGC or GOMEMLIMIT say
// otherwise. Its live heap is about 5 MB, so at Go's default (GOGC=100) it collected every
// ten requests of a partner's referral listing: 10 to 20% of its CPU went to the collector.
// GOGC=400 collects a quarter as often; the memory limit of 150 MiB makes it collect sooner
// rather than grow past it (peak RSS under 64 clients: 89 MB at the default, 111 MB so).
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(150 << 20)
	}
}

// newLogger writes the server's log lines as text (LOG_FORMAT unset or text), or as one JSON
// object a line (json) for log collectors; every request's line carries its request_id.
func newLogger(format string) (*slog.Logger, error) {
	switch format {
	case "", "text":
		return slog.New(slog.NewTextHandler(os.Stderr, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(os.Stderr, nil)), nil
	}
	return nil, fmt.Errorf("LOG_FORMAT must be text or json, not %q", format)
}
