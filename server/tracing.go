package main

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river/rivertype"
	"github.com/riverqueue/rivercontrib/otelriver"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.26.0"
	"go.opentelemetry.io/otel/trace"
)

// OpenTelemetry traces, when the standard variables name a collector
// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, and the OTLP exporter's
// other OTEL_* variables): a span for each HTTP request, named with its route and GraphQL
// operation, one for each SQL statement (its text, never its values: they hold personal data)
// and one for each job. Off otherwise, at no cost.

// tracingOn tells whether the environment names an OTLP collector.
func tracingOn(getenv func(string) string) bool {
	return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != ""
}

// startTracing installs the tracer provider that exports to the collector the environment
// names, or leaves OpenTelemetry's no-op one when none is named. stop flushes what is left.
func startTracing(ctx context.Context, getenv func(string) string) (stop func(context.Context) error, err error) {
	if !tracingOn(getenv) {
		return func(context.Context) error { return nil }, nil
	}
	exporter, err := otlptracehttp.New(ctx) // reads the OTEL_EXPORTER_OTLP_* variables
	if err != nil {
		return nil, err
	}
	name := getenv("OTEL_SERVICE_NAME")
	if name == "" {
		name = "ateliers-api"
	}
	res, err := resource.Merge(resource.Default(), resource.NewSchemaless(semconv.ServiceName(name)))
	if err != nil {
		return nil, err
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exporter), sdktrace.WithResource(res))
	otel.SetTracerProvider(tp)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
	return tp.Shutdown, nil
}

// traced wraps the HTTP handler in a span per request when tracing is on. The tracer sees the
// path with its secrets hidden (secretpaths.go): it records it in the span's url.path.
func traced(c config, h http.Handler) http.Handler {
	if !c.Tracing {
		return h
	}
	return hideSecretPath(otelhttp.NewHandler(restoreSecretPath(h), "http", otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
		return r.Method + " " + r.URL.Path
	})))
}

// nameSpan names the request's span after its route and GraphQL operation, known only once
// the request has been served.
func nameSpan(r *http.Request, route, operation string) {
	span := trace.SpanFromContext(r.Context())
	if !span.IsRecording() {
		return
	}
	name := r.Method + " " + route
	if operation != "" {
		name += " " + operation
		span.SetAttributes(attribute.String("graphql.operation", operation))
	}
	span.SetName(name)
}

// sqlTracer makes a span of each statement the pool runs: its SQL text, not its values.
type sqlTracer struct{ tracer trace.Tracer }

func newSQLTracer(c config) pgx.QueryTracer {
	if !c.Tracing {
		return nil
	}
	return &sqlTracer{tracer: otel.Tracer("github.com/regiestains/ateliers/db")}
}

func (t *sqlTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	ctx, _ = t.tracer.Start(ctx, "sql", trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(attribute.String("db.system", "postgresql"), attribute.String("db.statement", data.SQL)))
	return ctx
}

func (t *sqlTracer) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryEndData) {
	span := trace.SpanFromContext(ctx)
	if data.Err != nil {
		// The error's kind, not its text: a constraint's message may quote a value.
		span.SetStatus(codes.Error, "statement failed")
	}
	span.End()
}

// jobMiddleware makes a span of each job, and River's metrics, when tracing is on.
func jobMiddleware(c config) []rivertype.Middleware {
	if !c.Tracing {
		return nil
	}
	return []rivertype.Middleware{otelriver.NewMiddleware(nil)}
}
