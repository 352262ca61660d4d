package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/live"
)

// Live seat counts: the Subscription root, served over WebSocket (graphql-transport-ws) and
// Server-Sent Events only, while queries and mutations keep to POST and GET, where the request
// deadline, the body limit and the status codes of the HTTP API hold. Package live delivers
// the changes; this file wires it to gqlgen's transports.

// LiveConfig turns subscriptions on (NewHandler).
type LiveConfig struct {
	Hub *live.Hub
	// MaxSlots bounds the slots of one subscription, MaxSubscriptions the subscriptions of one
	// WebSocket connection (a Server-Sent Events request carries one).
	MaxSlots, MaxSubscriptions int
	// PingInterval is how often an idle connection is pinged; a WebSocket client that has not
	// answered (pong) within twice this time is disconnected.
	PingInterval time.Duration
	// WriteTimeout bounds each write to a WebSocket: a client that stops reading is let go.
	WriteTimeout time.Duration
	// Authenticate resolves the caller from the `authorization` of a WebSocket connection's
	// connection_init payload ("" when there is none: anonymous), as the server does from the
	// Authorization header of an HTTP request.
	Authenticate func(ctx context.Context, authorization string) (context.Context, error)
}

// codeNotFound: a subscription names a slot that does not exist or that the caller may not see.
const codeNotFound = "NOT_FOUND"

// liveTransports are the transports of subscriptions, first in line: they claim WebSocket
// upgrades and requests that accept text/event-stream.
func liveTransports(lv *LiveConfig) []graphql.Transport {
	ws := transport.Websocket{
		Implementation:        websocketImpl{writeTimeout: lv.WriteTimeout},
		InitTimeout:           10 * time.Second,
		PingPongInterval:      lv.PingInterval, // graphql-transport-ws: ping, expect pong
		KeepAlivePingInterval: lv.PingInterval, // the older graphql-ws protocol: keep-alive messages
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			ctx, err := lv.Authenticate(ctx, p.Authorization())
			if err != nil {
				ctx = transport.WithWebsocketCloseCode(ctx, 4403) // graphql-transport-ws: Forbidden
				return transport.AppendCloseReason(ctx, err.Error()), nil, err
			}
			return withConnection(ctx, lv.MaxSubscriptions), nil, nil
		},
	}
	sse := transport.SSE{KeepAlivePingInterval: lv.PingInterval}
	return []graphql.Transport{liveTransport{ws, false}, liveTransport{sse, true}}
}

// liveTransport marks the requests of a subscription transport, for liveOnly; each Server-Sent
// Events request is a connection of its own.
type liveTransport struct {
	graphql.Transport
	sse bool
}

func (t liveTransport) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := context.WithValue(r.Context(), liveKey{}, true)
	if t.sse {
		ctx = withConnection(ctx, 1)
	}
	t.Transport.Do(w, r.WithContext(ctx), exec)
}

type liveKey struct{}

// liveOnly keeps subscriptions and the other operations on their own transports.
type liveOnly struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = liveOnly{}

func (liveOnly) ExtensionName() string                   { return "LiveOnly" }
func (liveOnly) Validate(graphql.ExecutableSchema) error { return nil }
func (liveOnly) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	subscription := op.Operation.Operation == ast.Subscription
	live, _ := ctx.Value(liveKey{}).(bool)
	var err *gqlerror.Error
	switch {
	case subscription && !live:
		err = gqlerror.Errorf("subscriptions are served over WebSocket (graphql-transport-ws) or Server-Sent Events (Accept: text/event-stream), not over plain POST or GET")
	case !subscription && live:
		err = gqlerror.Errorf("WebSocket and Server-Sent Events serve subscriptions only: send queries and mutations by POST or GET")
	default:
		return nil
	}
	err.Extensions = map[string]any{"code": codeBadRequest}
	return err
}

// liveConn is what a subscription knows of the connection it comes over: how many
// subscriptions it holds, and how to close it when its client is too slow.
type liveConn struct {
	close func()
	mu    sync.Mutex
	n     int
	max   int
}

type connectionKey struct{}

func withConnection(ctx context.Context, max int) context.Context {
	ctx, cancel := context.WithCancel(ctx) // cancelled, the transport closes the connection
	return context.WithValue(ctx, connectionKey{}, &liveConn{close: cancel, max: max})
}

// take counts one more subscription on the connection of ctx until ctx ends, or refuses it.
func take(ctx context.Context) (*liveConn, error) {
	c, ok := ctx.Value(connectionKey{}).(*liveConn)
	if !ok {
		return nil, errors.New("subscription outside a live transport")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n >= c.max {
		return nil, &codedError{codeThrottled, fmt.Sprintf("at most %d subscriptions per connection: complete one, or open another connection", c.max)}
	}
	c.n++
	context.AfterFunc(ctx, func() {
		c.mu.Lock()
		c.n--
		c.mu.Unlock()
	})
	return c, nil
}

// seatsChanged subscribes the caller to slots: refused whole when one is not a slot the
// caller may see.
func (r *Resolver) seatsChanged(ctx context.Context, gids []string) (<-chan *db.Slot, error) {
	if r.Live == nil {
		return nil, errors.New("subscriptions are off")
	}
	if len(gids) == 0 || len(gids) > r.Live.MaxSlots {
		return nil, errBadInput(fmt.Sprintf("slotIds: give 1 to %d slots", r.Live.MaxSlots))
	}
	ids := make([]int64, len(gids))
	for i, gid := range gids {
		id, err := idOf(kindSlot, gid)
		if err != nil {
			return nil, &codedError{codeNotFound, fmt.Sprintf("slotIds[%d] is not a slot id", i)}
		}
		ids[i] = id
	}
	conn, err := take(ctx)
	if err != nil {
		return nil, err
	}
	ch, err := r.Live.Hub.Watch(ctx, callerFrom(ctx), ids, conn.close)
	if errors.Is(err, live.ErrNotVisible) {
		return nil, &codedError{codeNotFound, "slotIds: no slot with one of these ids that you may see"}
	}
	return ch, err
}

// freshLoaders gives each event of a subscription loaders of its own: those of the operation
// would keep, for the hours a subscription lives, what they read at its first event.
// Subscriptions read the primary, which the notices come from.
func (r *Resolver) freshLoaders(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	if graphql.HasOperationContext(ctx) {
		if op := graphql.GetOperationContext(ctx).Operation; op != nil && op.Operation == ast.Subscription {
			ctx = context.WithValue(ctx, loadersKey, newLoaders(r.Pool))
		}
	}
	return next(ctx)
}
