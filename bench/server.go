package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// goTool is the go command: $GO (as the Makefile sets it) or go from PATH.
func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// moduleRoot is the folder of go.mod, where `go build ./server` runs.
func moduleRoot() (string, error) {
	out, err := exec.Command(goTool(), "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside the module: run the bench from the repository")
	}
	return filepath.Dir(mod), nil
}

// buildServer compiles the real server binary into dir.
func buildServer(ctx context.Context, dir string) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "server")
	cmd := exec.CommandContext(ctx, goTool(), "build", "-o", bin, "./server")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build ./server: %w", err)
	}
	return bin, nil
}

// server is a running API process that the bench started.
type server struct {
	cmd  *exec.Cmd
	url  string // http://127.0.0.1:PORT
	log  string
	done chan error
	once sync.Once
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// startServer runs bin against databaseURL on a free loopback port, without rate limits, and
// waits until /readyz answers 200. pageCache turns its page cache on (off, the API runs the same
// SQL as the floor it is compared with).
func startServer(ctx context.Context, bin, databaseURL string, conns int, pageCache bool, logPath string, extraEnv ...string) (*server, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd := exec.Command(bin)
	env := []string{}
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "DATABASE_URL", "PORT", "LISTEN_HOST", "RATE_LIMITS", "DATABASE_MAX_CONNS", "DEMO_DATA", "PAGE_CACHE", "JOB_WORKERS":
			continue
		}
		env = append(env, kv)
	}
	// No job workers: the registrations of one phase would leave thousands of messages to send
	// (paced at 10 a second) while the next phases are measured, costing their server and
	// PostgreSQL a share that depends on the order of the phases. The jobs stay queued; the
	// registrations still pay for inserting them; sending them is not what this bench measures.
	cmd.Env = append(env, "DATABASE_URL="+databaseURL, "PORT="+strconv.Itoa(port),
		"LISTEN_HOST=127.0.0.1", "RATE_LIMITS=off", "DATABASE_MAX_CONNS="+strconv.Itoa(conns), "PAGE_CACHE="+onOff(pageCache),
		"JOB_WORKERS=0")
	cmd.Env = append(cmd.Env, extraEnv...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start server: %w", err)
	}
	s := &server{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port), log: logPath, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-s.done:
			return nil, fmt.Errorf("server exited before it was ready (%v); its log: %s\n%s", err, logPath, tail(logPath))
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
		res, err := http.Get(s.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("server not ready after 60 s; its log: %s\n%s", logPath, tail(logPath))
		}
	}
}

// stop sends TERM (the server finishes in-flight requests) and waits; KILL after 15 s.
// Calling it again does nothing.
func (s *server) stop() {
	s.once.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(15 * time.Second):
			s.cmd.Process.Kill()
			<-s.done
		}
	})
}

// resetPeakRSS clears the kernel's high-water mark of the server's resident set
// (/proc/PID/clear_refs), so that the next peakRSS covers only what follows.
func (s *server) resetPeakRSS() error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
}

// peakRSS reads VmHWM, the peak resident set of the server process, in bytes.
func (s *server) peakRSS() (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb * 1024, err
		}
	}
	return 0, errors.New("no VmHWM in /proc status")
}

// cpuTime is the CPU time the server process has used so far (user and system, all its
// threads), from /proc.
func (s *server) cpuTime() (time.Duration, error) {
	return procCPU(strconv.Itoa(s.cmd.Process.Pid))
}

// tail returns the last lines of a log file, for error messages.
func tail(path string) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-20):], "\n")
}

// fleet is the API's instances in a run: N server processes on one database, with the same
// settings, each on its own port (-instances).
type fleet []*server

// startFleet starts n servers on databaseURL one after the other (each migrates the
// database at start-up, so none starts while another migrates); logs are name-1.log, ... (or
// name.log for one).
func startFleet(ctx context.Context, n int, bin, databaseURL string, conns int, pageCache bool, dir, name string) (fleet, error) {
	var f fleet
	for i := range n {
		log := name + ".log"
		if n > 1 {
			log = fmt.Sprintf("%s-%d.log", name, i+1)
		}
		s, err := startServer(ctx, bin, databaseURL, conns, pageCache, filepath.Join(dir, log))
		if err != nil {
			f.stop()
			return nil, err
		}
		f = append(f, s)
	}
	return f, nil
}

// stop stops every instance, all at once.
func (f fleet) stop() {
	var wg sync.WaitGroup
	for _, s := range f {
		wg.Add(1)
		go func() { defer wg.Done(); s.stop() }()
	}
	wg.Wait()
}

func (f fleet) urls() []string {
	var out []string
	for _, s := range f {
		out = append(out, s.url)
	}
	return out
}

func (f fleet) resetPeakRSS() error {
	var errs []error
	for _, s := range f {
		errs = append(errs, s.resetPeakRSS())
	}
	return errors.Join(errs...)
}

// peakRSS is each instance's peak resident set, in bytes, in the order of the fleet.
func (f fleet) peakRSS() ([]int64, error) {
	var out []int64
	for _, s := range f {
		b, err := s.peakRSS()
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// cpuTime is the CPU time all instances have used so far.
func (f fleet) cpuTime() (time.Duration, error) {
	var sum time.Duration
	for _, s := range f {
		t, err := s.cpuTime()
		if err != nil {
			return 0, err
		}
		sum += t
	}
	return sum, nil
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}
