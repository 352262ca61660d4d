package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"google.golang.org/protobuf/proto"
)

// collector is an OTLP/HTTP trace collector: it keeps the spans the server exports.
type collector struct {
	mu    sync.Mutex
	spans map[string][]string // span name → its attributes, "key=value"
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltracepb.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "not an OTLP trace export", http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				var attrs []string
				for _, a := range s.Attributes {
					attrs = append(attrs, a.Key+"="+a.Value.GetStringValue())
				}
				c.spans[s.Name] = append(c.spans[s.Name], strings.Join(attrs, " "))
			}
		}
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.Write(nil)
}

// With a collector named by the standard variables, a request, its SQL and its jobs are traced;
// the statements' values (personal data) are not.
func TestTracesReachTheCollector(t *testing.T) {
	col := &collector{spans: map[string][]string{}}
	srv := httptest.NewServer(col)
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL) // the exporter reads the process's environment
	stop, err := startTracing(context.Background(), func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) }) // as other tests expect it
	a := newTestAPIWith(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL})
	stopJobs, err := startJobs(context.Background(), a.config, a.Pool)
	if err != nil {
		t.Fatal(err)
	}
	_, slot := a.bookable("regie-stains", 10)
	a.register("", slot, 1, byEmail(1))
	waitFor(t, 20*time.Second, "the message written by the jobs", func() bool {
		var n int
		a.Pool.QueryRow(context.Background(), `SELECT count(*) FROM messages`).Scan(&n)
		return n == 1
	})
	stopJobs(context.Background())
	if err := stop(context.Background()); err != nil { // flushes the spans
		t.Fatal(err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	var names []string
	for name := range col.spans {
		names = append(names, name)
	}
	if len(col.spans["POST /graphql mutation register"]) != 1 {
		t.Errorf("no span named after the registration's route and operation; spans: %q", names)
	}
	sawInsert, sawJob := false, false
	for _, attrs := range col.spans["sql"] {
		sawInsert = sawInsert || strings.Contains(attrs, "INSERT INTO registrations")
		if strings.Contains(attrs, "Diallo") || strings.Contains(attrs, "awa1@example.fr") {
			t.Errorf("a statement's span holds personal data: %s", attrs)
		}
	}
	for _, attrs := range col.spans["river.work"] {
		sawJob = sawJob || strings.Contains(attrs, "booking_event")
	}
	if !sawInsert || !sawJob {
		t.Errorf("spans of the registration's SQL %v, of its job %v; spans: %q", sawInsert, sawJob, names)
	}
}
