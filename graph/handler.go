package graph

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/limits"
	"github.com/regiestains/ateliers/pagecache"
	"github.com/regiestains/ateliers/webhooks"
)

// NewHandler returns the GraphQL endpoint: POST and GET (queries only) transports, with lv
// WebSocket and Server-Sent Events for subscriptions (live.go), nothing
// that a browser form could send (no multipart, no url-encoded bodies, so no CSRF path),
// introspection on (the schema is the public contract) under the same limits as any query
// (parser tokens, fields, depth: package limits; cost: cost.go, complexity.go), and the error presenter that masks
// internal errors. standby, if not nil, sends the catalogue reads of queries to a replica while
// it is healthy (Resolver.reader); pages, if not nil, answers anonymous catalogue queries from
// memory (package pagecache). The databases are db.Queriers (pools) behind db's types: this
// package never talks to the driver itself. hooks says where webhook endpoints may point, and
// keeps their secrets. links are the website's pages the API links to.
func NewHandler(pool db.Querier, standby *db.Standby, pages *pagecache.Cache, lim limits.Limits, hooks webhooks.Endpoints, lv *LiveConfig, ret db.Retention, links Links) http.Handler {
	res := &Resolver{Pool: pool, Standby: standby, Webhooks: hooks, Live: lv, Retention: ret, Links: links}
	srv := handler.New(NewExecutableSchema(Config{Resolvers: res, Complexity: complexity()}))
	if lv != nil {
		for _, t := range liveTransports(lv) {
			srv.AddTransport(t)
		}
	}
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	cache := lru.New[*ast.QueryDocument](1000)
	srv.SetQueryCache(cache)
	srv.SetParserTokenLimit(lim.ParserTokens) // GRAPHQL_PARSE_FAILED past it, before validation
	srv.SetValidationRulesFn(validationRules) // literals coerced strictly, no @defer (rules.go)
	srv.Use(liveOnly{})                       // subscriptions over WebSocket and SSE, the rest over POST and GET
	srv.Use(errorLimit{})
	// FIELD_LIMIT_EXCEEDED before validation, whose cost grows with the square of the fields.
	srv.Use(limits.FieldLimit{Limit: lim.Selections, TokenLimit: lim.ParserTokens, Cache: cache})
	if lim.Introspection {
		srv.Use(extension.Introspection{})
	} else {
		srv.SetDisableSuggestion(true)
	}
	srv.Use(&strictVariables{})                                             // variables coerced strictly (coerce.go), before any budget
	srv.Use(limits.DepthLimit{Limit: lim.Depth})                            // before the cost: cheaper, and bounds it
	srv.Use(&costExtension{limits: lim, q: pool, local: limits.NewLocal()}) // the cost limit, then the rate limits
	if pages != nil {
		// After the budgets: a page from memory still draws from them.
		srv.Use(pagecache.Extension{Cache: pages, Cacheable: catalogueOperation, SeatsOnly: seatsOnly})
	}
	srv.SetErrorPresenter(func(ctx context.Context, err error) *gqlerror.Error {
		return limits.SameCodeForIntrospectionDepth(PresentError(ctx, err))
	})
	srv.SetRecoverFunc(func(ctx context.Context, v any) error {
		slog.ErrorContext(ctx, "panic in resolver", "request_id", RequestID(ctx), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return fmt.Errorf("panic: %v", v) // masked as an internal error by PresentError
	})
	srv.AroundFields(res.auditChanges)
	srv.AroundOperations(withLoaders(res))
	srv.AroundOperations(labelOperation)
	srv.AroundResponses(res.freshLoaders)
	srv.AroundResponses(res.recordReads)
	return withStatus(srv)
}

// A request over a limit is refused before it runs, like a document that does not validate:
// the transports answer it with the status of a protocol error (422 for application/json, 400
// for application/graphql-response+json) rather than 200, and a throttled one with 429
// (throttle.go).
func init() {
	for _, code := range []string{limits.CodeDepthLimit, limits.CodeFieldLimit, codeComplexityLimit, codeThrottled} {
		errcode.RegisterErrorType(code, errcode.KindProtocol)
	}
}
