package graph

import (
	"context"

	"github.com/regiestains/ateliers/db"
)

type ctxKey int

const (
	callerKey ctxKey = iota
	requestIDKey
	loadersKey
	idempotencyKeyKey
)

// WithCaller returns a context carrying the caller that the server resolved from the request's
// API key. Without one, the caller is anonymous.
func WithCaller(ctx context.Context, c db.Caller) context.Context {
	return context.WithValue(ctx, callerKey, c)
}

func callerFrom(ctx context.Context) db.Caller {
	c, _ := ctx.Value(callerKey).(db.Caller)
	return c
}

// WithRequestID returns a context carrying the request id that errors and logs name.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, requestIDKey, id)
}

// RequestID returns the request id set by WithRequestID, or "".
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}
