package main

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db"
)

const databaseName = "ateliers_bench_live"

// prepare creates the database afresh, migrated, with n public slots of 500 seats of one
// host; it returns its URL and the slots' global ids.
func prepare(ctx context.Context, admin string, n int) (string, []string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	u.Path = "/" + databaseName
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", nil, fmt.Errorf("connect to DATABASE_URL: %w", err)
	}
	defer conn.Close(ctx)
	ident := pgx.Identifier{databaseName}.Sanitize()
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+ident+` WITH (FORCE)`); err != nil {
		return "", nil, err
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+ident); err != nil {
		return "", nil, err
	}
	c, err := pgx.Connect(ctx, u.String())
	if err != nil {
		return "", nil, err
	}
	defer c.Close(ctx)
	if err := db.Migrate(ctx, c); err != nil {
		return "", nil, err
	}
	o, err := db.CreateOrganisation(ctx, c, db.Organisation{Name: "Régie de Quartier de Stains", Slug: "regie-stains", Kind: db.KindAssociation, HostsWorkshops: true})
	if err != nil {
		return "", nil, err
	}
	v, err := db.CreateVenue(ctx, c, db.Venue{OrganisationID: o.ID, Name: "Espace numérique", StreetAddress: "6 avenue George Sand", PostalCode: "93240", City: "Stains"})
	if err != nil {
		return "", nil, err
	}
	w, err := db.CreateWorkshop(ctx, c, db.Workshop{OrganisationID: o.ID, Title: "Faire son CV", Topics: []db.Topic{db.TopicSmartphone},
		Level: db.LevelBeginner, DurationMinutes: 120, Audiences: []db.Audience{db.AudienceEveryone}, Status: db.StatusPublished})
	if err != nil {
		return "", nil, err
	}
	start := time.Now().AddDate(0, 1, 0).Truncate(time.Hour)
	var slots []db.Slot
	for i := range n {
		s := start.AddDate(0, 0, i)
		slots = append(slots, db.Slot{OrganisationID: o.ID, WorkshopID: w.ID, VenueID: v.ID, StartsAt: s, EndsAt: s.Add(2 * time.Hour),
			Capacity: 500, Status: db.SlotScheduled, Visibility: db.VisibilityPublic, RegistrationClosesAt: s})
	}
	made, err := db.ScheduleSlots(ctx, c, slots)
	if err != nil {
		return "", nil, err
	}
	ids := make([]string, len(made))
	for i, s := range made {
		ids[i] = base64.RawURLEncoding.EncodeToString([]byte("Slot:" + strconv.FormatInt(s.ID, 10)))
	}
	return u.String(), ids, nil
}

// buildServer compiles the real server into dir, from the module root.
func buildServer(ctx context.Context, dir string) (string, error) {
	goTool := os.Getenv("GO")
	if goTool == "" {
		goTool = "go"
	}
	out, err := exec.Command(goTool, "env", "GOMOD").Output()
	if err != nil || strings.TrimSpace(string(out)) == "" || strings.TrimSpace(string(out)) == os.DevNull {
		return "", errors.New("run the bench from the repository (go env GOMOD)")
	}
	bin := filepath.Join(dir, "server")
	cmd := exec.CommandContext(ctx, goTool, "build", "-o", bin, "./server")
	cmd.Dir = filepath.Dir(strings.TrimSpace(string(out)))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./server: %w", err)
	}
	return bin, nil
}

// server is a running API process.
type server struct {
	cmd          *exec.Cmd
	url, metrics string
	done         chan error
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// metricOf reads a gauge of each server's Prometheus metrics (go_memstats_heap_inuse_bytes,
// go_goroutines).
func metricOf(servers []*server, name string) []int64 {
	var out []int64
	for _, s := range servers {
		var v float64
		if res, err := http.Get(s.metrics); err == nil {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			for _, line := range strings.Split(string(body), "\n") {
				if rest, ok := strings.CutPrefix(line, name+" "); ok {
					v, _ = strconv.ParseFloat(rest, 64)
				}
			}
		}
		out = append(out, int64(v))
	}
	return out
}

// startServer runs bin on a free loopback port and waits until /readyz answers. Every
// subscriber comes from 127.0.0.1: the connection limit per client is lifted.
func startServer(ctx context.Context, bin, databaseURL, logPath string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	metricsPort, err := freePort()
	if err != nil {
		return nil, err
	}
	log, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer log.Close()
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+databaseURL, "PORT="+strconv.Itoa(port), "LISTEN_HOST=127.0.0.1",
		"RATE_LIMITS=off", "JOB_WORKERS=0", "LIVE_MAX_CONNECTIONS_PER_CLIENT=100000", "LOG_FORMAT=json",
		"METRICS_ADDR=127.0.0.1:"+strconv.Itoa(metricsPort))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	s := &server{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port), metrics: fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort), done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	for deadline := time.Now().Add(60 * time.Second); ; {
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("server exited (%v); its log: %s", err, logPath)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		if res, err := http.Get(s.url + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server not ready after 60 s; its log: %s", logPath)
		}
	}
}

// stop sends TERM and waits, KILL after 15 s.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(15 * time.Second):
		s.cmd.Process.Kill()
	}
}

// rssOf reads a field of /proc/PID/status (VmRSS, VmHWM) of each server, in bytes.
func rssOf(servers []*server, field string) []int64 {
	var out []int64
	for _, s := range servers {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
		var n int64
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, field+":"); ok {
				kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				n = kb * 1024
			}
		}
		out = append(out, n)
	}
	return out
}

// raiseFileLimit lets this process hold n connections.
func raiseFileLimit(n int) {
	var l syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &l) == nil && l.Cur < uint64(n) {
		l.Cur = min(max(uint64(n), l.Cur), l.Max)
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &l)
	}
}
