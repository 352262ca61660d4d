package main

import (
	"log/slog"
	"net/http"
	"net/http/pprof"
	"time"
)

// serveDebug serves Go's profiler on addr until the process ends, for whoever measures the
// server (`go tool pprof http://127.0.0.1:6060/debug/pprof/profile`). It has its own mux:
// importing net/http/pprof registers on http.DefaultServeMux, which the API never uses.
func serveDebug(addr string) {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	slog.Info("profiler listening", "addr", addr)
	if err := srv.ListenAndServe(); err != nil {
		slog.Error("profiler stopped", "err", err)
	}
}
