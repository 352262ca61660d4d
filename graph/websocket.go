package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/coder/websocket"
)

// websocketImpl is gqlgen's adapter of coder/websocket with one difference: each write has a
// deadline. gqlgen's own writes with no deadline, under the connection's lock, so a client
// that stops reading holds a write, and the connection, until TCP gives up; here the write
// fails after writeTimeout and coder/websocket closes the connection.
type websocketImpl struct{ writeTimeout time.Duration }

func (i websocketImpl) Accept(w http.ResponseWriter, r *http.Request, opts transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	for k, vs := range opts.ResponseHeader {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		Subprotocols: opts.Subprotocols,
		// The server checks the Origin against its CORS list before the upgrade (coder's own
		// check knows only the request's host).
		InsecureSkipVerify: true,
	})
	if err != nil {
		return nil, err
	}
	return &websocketConn{conn: conn, writeTimeout: i.writeTimeout}, nil
}

type websocketConn struct {
	conn         *websocket.Conn
	writeTimeout time.Duration

	mu           sync.Mutex
	readDeadline *time.Timer
	closing      bool
}

var (
	_ transport.WebsocketReadLimiter   = (*websocketConn)(nil)
	_ transport.WebsocketReadDeadliner = (*websocketConn)(nil)
)

func (c *websocketConn) NextReader() (int, io.Reader, error) {
	typ, data, err := c.conn.Read(context.Background())
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusNoStatusRcvd:
		return int(typ), nil, transport.ErrWebsocketClosed
	}
	if err != nil {
		return int(typ), nil, err
	}
	return int(typ), bytes.NewReader(data), nil
}

func (c *websocketConn) WriteJSON(v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.writeTimeout)
	defer cancel()
	return c.conn.Write(ctx, websocket.MessageText, data) // past the deadline, the connection is closed
}

// WriteClose starts the close handshake in the background, as gqlgen's adapter does: it may
// wait up to 5 s for the client's close frame.
func (c *websocketConn) WriteClose(code int, reason string) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopReadDeadline()
	if c.closing {
		return nil
	}
	c.closing = true
	go c.conn.Close(websocket.StatusCode(code), reason)
	return nil
}

func (c *websocketConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopReadDeadline()
	if c.closing {
		return nil // the handshake closes the connection
	}
	return c.conn.CloseNow()
}

func (c *websocketConn) Subprotocol() string { return c.conn.Subprotocol() }

func (c *websocketConn) SetReadLimit(limit int64) { c.conn.SetReadLimit(limit) }

// SetReadDeadline closes the connection at t unless called again before: gqlgen's pings
// expect a pong before it.
func (c *websocketConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopReadDeadline()
	if !t.IsZero() {
		c.readDeadline = time.AfterFunc(time.Until(t), func() { c.conn.CloseNow() })
	}
	return nil
}

func (c *websocketConn) stopReadDeadline() {
	if c.readDeadline != nil {
		c.readDeadline.Stop()
		c.readDeadline = nil
	}
}
