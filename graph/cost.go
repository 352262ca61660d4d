package graph

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strconv"
	"time"

	gqlcomplexity "github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/limits"
)

// Codes of the cost limit and of the rate limits.
const (
	codeComplexityLimit = "COMPLEXITY_LIMIT_EXCEEDED"
	codeThrottled       = "THROTTLED"
)

// costReport is extensions.cost of every response, after Shopify's: what the operation cost,
// the most one may cost, and what is left of the caller's budgets, so that a client can pace
// itself before it is throttled.
type costReport struct {
	RequestedQueryCost int `json:"requestedQueryCost"`
	MaximumQueryCost   int `json:"maximumQueryCost"`
	// ThrottleStatus is the caller's budget of cost points; absent when rate limits are off.
	ThrottleStatus *throttleStatus `json:"throttleStatus,omitempty"`
	// RegistrationThrottleStatus is the caller's budget of registrations, shown to operations
	// that register.
	RegistrationThrottleStatus *throttleStatus `json:"registrationThrottleStatus,omitempty"`
}

// throttleStatus is a bucket as a client sees it.
type throttleStatus struct {
	MaximumAvailable   float64 `json:"maximumAvailable"`
	CurrentlyAvailable float64 `json:"currentlyAvailable"`
	RestoreRate        float64 `json:"restoreRate"` // per second
}

func statusOf(b db.Bucket, available float64) *throttleStatus {
	return &throttleStatus{MaximumAvailable: b.Burst, CurrentlyAvailable: math.Floor(available), RestoreRate: b.PerSecond}
}

// costExtension prices every operation before it runs: its cost against the caller's limit,
// then (rate limits on) against the caller's budgets of points and registrations, drawn in
// PostgreSQL so that they hold across instances. It reports the outcome in extensions.cost.
type costExtension struct {
	limits limits.Limits
	q      db.Querier
	es     graphql.ExecutableSchema
	local  *limits.Local // the budgets while the shared ones cannot be read
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = &costExtension{}

const costExtensionName = "Cost"

func (*costExtension) ExtensionName() string { return costExtensionName }

func (e *costExtension) Validate(es graphql.ExecutableSchema) error {
	e.es = es
	return nil
}

func (e *costExtension) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	caller := callerFrom(ctx)
	lim := e.limits.For(caller)
	trips, schemas, registering := rootFieldsIn(opCtx)
	report := &costReport{
		RequestedQueryCost: gqlcomplexity.Calculate(ctx, e.es, opCtx.Operation, opCtx.Variables) +
			rootFieldCost*trips + introspectionCost*schemas,
		MaximumQueryCost: lim.QueryCost,
	}
	opCtx.Stats.SetExtension(costExtensionName, report)
	if report.RequestedQueryCost > lim.QueryCost {
		err := gqlerror.ErrorPosf(opCtx.Operation.Position, "operation has cost %d, which exceeds the limit of %d: ask for smaller pages (first) or fewer fields",
			report.RequestedQueryCost, lim.QueryCost)
		errcode.Set(err, codeComplexityLimit)
		return err
	}
	if !e.limits.RateLimits {
		return nil
	}
	owner := bucketOwner(ctx, caller)
	registrations, err := e.newRegistrations(ctx, registering)
	if err != nil {
		return unavailable(ctx, err)
	}
	n := float64(registrations)
	if n > 0 {
		if n > lim.Registrations.Burst {
			return throttle(ctx, db.Bucket{}, 0,
				fmt.Sprintf("rate limit: this operation makes %d registrations; at most %d are allowed at once", registrations, int(lim.Registrations.Burst)))
		}
		// Registrations first, so that a request refused on them keeps its cost points; and
		// closed when the budget cannot be read: seats are what the limit protects.
		draw, err := db.TakeTokens(ctx, e.q, "registrations|"+owner, lim.Registrations, n)
		if err != nil {
			return unavailable(ctx, err)
		}
		report.RegistrationThrottleStatus = statusOf(lim.Registrations, draw.Available)
		if !draw.Granted {
			return throttle(ctx, lim.Registrations, n-draw.Available,
				fmt.Sprintf("rate limit on registrations: this operation makes %d and %d are left", registrations, int(draw.Available)))
		}
	}
	cost := float64(report.RequestedQueryCost)
	draw := e.take(ctx, "cost|"+owner, lim.Cost, cost)
	report.ThrottleStatus = statusOf(lim.Cost, draw.Available)
	if !draw.Granted {
		if n > 0 { // a refused request takes nothing: the registrations drawn go back
			if err := db.ReturnTokens(ctx, e.q, "registrations|"+owner, lim.Registrations, n); err != nil {
				slog.WarnContext(ctx, "registrations not given back", "request_id", RequestID(ctx), "err", err)
			}
		}
		return throttle(ctx, lim.Cost, cost-draw.Available,
			fmt.Sprintf("rate limit: this operation costs %d points and %d are left; they come back at %g a second",
				report.RequestedQueryCost, int(draw.Available), lim.Cost.PerSecond))
	}
	return nil
}

// newRegistrations counts the registrations an operation may make: a field whose idempotency
// key already holds an answer replays it and registers no one, so it takes nothing from the
// registration budget (its cost points are drawn like any request's: it still reads the
// database). Registrations refused for their input (an invalid phone, no consent) do count:
// whoever tries numbers or names one after another spends the budget as if they succeeded.
func (e *costExtension) newRegistrations(ctx context.Context, fields []registeringField) (int, error) {
	replayed, err := replays(ctx, e.q, fields)
	if err != nil {
		return 0, err
	}
	n := 0
	for i, f := range fields {
		if !replayed[i] {
			n += f.registrations
		}
	}
	return n, nil
}

// sharedBudgetWait is how long a draw from the shared budgets may take (a few milliseconds
// normally) before this instance's budgets in memory stand in: a database that hangs must not
// spend the request's deadline on its budget.
const sharedBudgetWait = 500 * time.Millisecond

// take draws from a bucket. When the shared budget cannot be read (the primary is down, hung,
// or slow), the same bucket in this instance's memory stands in: the operation may still be
// served, by a replica say, and a fault must not turn into free traffic.
func (e *costExtension) take(ctx context.Context, key string, b db.Bucket, cost float64) db.Draw {
	dctx, cancel := context.WithTimeout(ctx, sharedBudgetWait)
	defer cancel()
	draw, err := db.TakeTokens(dctx, e.q, key, b, cost)
	if err != nil {
		slog.WarnContext(ctx, "rate limit from this instance's memory: the shared budget cannot be read", "request_id", RequestID(ctx), "err", err)
		return e.local.Take(key, b, cost, time.Now())
	}
	return draw
}

// InterceptResponse adds extensions.cost to every response of an operation that was priced,
// refused ones included.
func (e *costExtension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || !graphql.HasOperationContext(ctx) {
		return resp
	}
	opCtx := graphql.GetOperationContext(ctx)
	report, ok := opCtx.Stats.GetExtension(costExtensionName).(*costReport)
	if !ok || opCtx.Operation != nil && opCtx.Operation.Operation == ast.Subscription && resp.Errors == nil {
		return resp // a subscription was priced once, when it started: its events say nothing of it
	}
	if resp.Extensions == nil {
		resp.Extensions = map[string]any{}
	}
	resp.Extensions["cost"] = report
	return resp
}

// registeringField is a root field that registers: register, or enrol and its slots.
type registeringField struct {
	op            string  // the mutation, as idempotent scopes its keys
	key           *string // its input's idempotency key
	registrations int
}

// rootFieldsIn counts the root fields of an operation that go to the database (all but
// __typename and introspection; registrations have their own, higher cost), and lists those
// that register (declared so in rootFields): each `register` field, aliases one by one, and
// each `enrol` with its slots (one at least). It counts the `__schema` fields apart: gqlgen
// prices them at nothing. Fields skipped by @skip or @include do not run, so do not count.
func rootFieldsIn(opCtx *graphql.OperationContext) (trips, schemas int, registering []registeringField) {
	root := "Query"
	switch opCtx.Operation.Operation {
	case ast.Mutation:
		root = "Mutation"
	case ast.Subscription:
		root = "Subscription"
	}
	for _, f := range graphql.CollectFields(opCtx, opCtx.Operation.SelectionSet, []string{root}) {
		switch {
		case f.Name == "__typename" || f.Name == "__type":
		case f.Name == "__schema":
			schemas++
		case rootOf(root, f.Name).registers:
			in, _ := f.ArgumentMap(opCtx.Variables)["input"].(map[string]any)
			key, _ := in["idempotencyKey"].(string)
			ids, _ := in["slotIds"].([]any)
			registering = append(registering, registeringField{op: f.Name, key: &key, registrations: max(len(ids), 1)})
		default:
			trips++
		}
	}
	return trips, schemas, registering
}

// bucketOwner names whose budget a request draws from: its API key, or for anonymous calls
// the client's network (clientNetwork).
func bucketOwner(ctx context.Context, c db.Caller) string {
	if !c.Anonymous() {
		return "key:" + strconv.FormatInt(c.KeyID, 10)
	}
	return "net:" + clientNetwork(ctx)
}
