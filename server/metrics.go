package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
)

// Metrics, for Prometheus, on a listener of their own (METRICS_ADDR): what a person on call
// looks at first. Requests are counted by route, method and status (the routes are the mux's,
// a bounded set: a client cannot create series); the pool, the job queue and the messages are
// read when Prometheus scrapes, from pgxpool and from the database, so every instance reports
// the same queue and the same messages.

var requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
	Name:    "ateliers_http_request_duration_seconds",
	Help:    "Time to answer HTTP requests, by route, GraphQL operation (type and root field), method and status.",
	Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
}, []string{"route", "operation", "method", "status"})

// measure records the duration of the requests mux serves, by the pattern that took each
// (ServeMux writes it in the request), or "unmatched", and by GraphQL operation ("" for other
// routes, and for a request refused before its operation was known).
func measure(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		ctx, operation := graph.WithOperationLabel(r.Context())
		r = r.WithContext(ctx)
		mux.ServeHTTP(rec, r)
		route := r.Pattern
		if route == "" {
			route = "unmatched"
		}
		requestDuration.WithLabelValues(route, *operation, r.Method, strconv.Itoa(rec.status)).Observe(time.Since(start).Seconds())
		nameSpan(r, route, *operation)
	})
}

// metricsRegistry holds the server's metrics: requests, the Go runtime, the pool, the job
// queue and the messages.
func metricsRegistry(pool *pgxpool.Pool, standby *db.Standby) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(requestDuration, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&dbCollector{pool: pool})
	if standby != nil {
		reg.MustRegister(standbyCollector{standby})
	}
	return reg
}

var (
	replicaInUse = prometheus.NewDesc("ateliers_read_replica_in_use", "1 while the catalogue reads go to the read replica, 0 while they go to the primary (DATABASE_READ_URL).", nil, nil)
	replicaLag   = prometheus.NewDesc("ateliers_read_replica_lag_seconds", "The read replica's lag at its last check.", nil, nil)
)

// standbyCollector reports where the catalogue reads go.
type standbyCollector struct{ s *db.Standby }

func (c standbyCollector) Describe(ch chan<- *prometheus.Desc) { ch <- replicaInUse; ch <- replicaLag }

func (c standbyCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.s.State()
	inUse := 0.0
	if st.InUse {
		inUse = 1
	}
	ch <- prometheus.MustNewConstMetric(replicaInUse, prometheus.GaugeValue, inUse)
	ch <- prometheus.MustNewConstMetric(replicaLag, prometheus.GaugeValue, st.Lag.Seconds())
}

// serveMetrics serves /metrics on addr until the process ends.
func serveMetrics(addr string, pool *pgxpool.Pool, standby *db.Standby) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(metricsRegistry(pool, standby), promhttp.HandlerOpts{}))
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	slog.Info("metrics listening", "addr", addr)
	if err := srv.ListenAndServe(); err != nil {
		slog.Error("metrics stopped", "err", err)
	}
}

var (
	poolConns    = prometheus.NewDesc("ateliers_db_pool_connections", "Connections of the pool, by state.", []string{"state"}, nil)
	poolMax      = prometheus.NewDesc("ateliers_db_pool_max_connections", "Size of the pool.", nil, nil)
	poolWaits    = prometheus.NewDesc("ateliers_db_pool_empty_acquires_total", "Acquires that waited for a connection.", nil, nil)
	poolWait     = prometheus.NewDesc("ateliers_db_pool_acquire_wait_seconds_total", "Time spent acquiring connections.", nil, nil)
	jobs         = prometheus.NewDesc("ateliers_jobs", "Jobs of the queue, by kind and state (available: waiting for a worker).", []string{"kind", "state"}, nil)
	jobAge       = prometheus.NewDesc("ateliers_jobs_oldest_available_seconds", "Age of the oldest job due and not yet taken, by kind: the queue's latency.", []string{"kind"}, nil)
	jobErrors    = prometheus.NewDesc("ateliers_jobs_failing", "Jobs whose last attempt failed and that wait for a retry, or were discarded, by kind.", []string{"kind"}, nil)
	messageCount = prometheus.NewDesc("ateliers_messages", "Messages by channel and status.", []string{"channel", "status"}, nil)
	webhookCount = prometheus.NewDesc("ateliers_webhook_messages", "Webhook messages kept (DELIVERED and FAILED for WebhookLogRetention), by status.", []string{"status"}, nil)
	endpoints    = prometheus.NewDesc("ateliers_webhook_endpoints", "Webhook endpoints by status (DISABLED: by their organisation, or after every delivery failed).", []string{"status"}, nil)
)

// dbCollector reads the pool's statistics, and the queue and messages from the database.
type dbCollector struct{ pool *pgxpool.Pool }

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{poolConns, poolMax, poolWaits, poolWait, jobs, jobAge, jobErrors, messageCount, webhookCount, endpoints} {
		ch <- d
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.AcquiredConns()), "acquired")
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.IdleConns()), "idle")
	ch <- prometheus.MustNewConstMetric(poolConns, prometheus.GaugeValue, float64(s.ConstructingConns()), "constructing")
	ch <- prometheus.MustNewConstMetric(poolMax, prometheus.GaugeValue, float64(s.MaxConns()))
	ch <- prometheus.MustNewConstMetric(poolWaits, prometheus.CounterValue, float64(s.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, s.AcquireDuration().Seconds())

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	// query reports a gauge per row of sql: its label values first, its value last.
	query := func(desc *prometheus.Desc, sql string) {
		rows, err := c.pool.Query(ctx, sql)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(desc, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			values, err := rows.Values()
			if err != nil {
				ch <- prometheus.NewInvalidMetric(desc, err)
				return
			}
			labels := make([]string, len(values)-1)
			for i := range labels {
				labels[i] = fmt.Sprint(values[i])
			}
			v, _ := values[len(values)-1].(float64)
			ch <- prometheus.MustNewConstMetric(desc, prometheus.GaugeValue, v, labels...)
		}
		if err := rows.Err(); err != nil {
			ch <- prometheus.NewInvalidMetric(desc, err)
		}
	}
	query(jobs, `SELECT kind, state::text, count(*)::float8 FROM river_job
		WHERE state <> 'completed' GROUP BY kind, state`)
	query(jobAge, `SELECT kind, extract(epoch FROM now() - min(scheduled_at))::float8 FROM river_job
		WHERE state = 'available' AND scheduled_at <= now() GROUP BY kind`)
	query(jobErrors, `SELECT kind, count(*)::float8 FROM river_job
		WHERE state IN ('retryable', 'discarded') GROUP BY kind`)
	query(messageCount, `SELECT coalesce(channel, 'NONE'), status, count(*)::float8 FROM messages
		GROUP BY 1, 2`)
	query(webhookCount, `SELECT status, count(*)::float8 FROM webhook_messages GROUP BY 1`)
	query(endpoints, `SELECT status, count(*)::float8 FROM webhook_endpoints GROUP BY 1`)
}
