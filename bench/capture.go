package main

import (
	"errors"
	"io"
	"net"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5/pgproto3"
)

// The capture proxy sits between the API and PostgreSQL during the capture phase. It reads
// the PostgreSQL wire protocol the API sends (pgproto3, the decoder pgx itself uses) and
// records each statement executed, with its SQL text and its bound parameters exactly as
// sent, and attributes it to the HTTP request in flight (the capture sends one at a time).
// That gives the statements per request, and the floor's input: the very statements, with
// the very parameters, that the API ran.

// step is one statement as the API sent it: a simple query, or a prepared statement's
// execution with its parameters in the formats pgx chose. Named says whether the statement
// was parsed under a name (pgx's default mode: prepared once per connection, and PostgreSQL may
// switch to a generic plan after five runs) or as the unnamed statement (pgx's
// QueryExecModeCacheDescribe: parsed and planned for its values each time); the floor replays
// it the same way.
type step struct {
	Simple        bool
	Named         bool
	SQL           string
	OIDs          []uint32
	Values        [][]byte
	ParamFormats  []int16
	ResultFormats []int16
}

// pingSQL is what pgxpool sends to check a connection idle for more than a second; pool
// housekeeping, not the request's SQL, so it is not counted.
const pingSQL = "-- ping"

type proxy struct {
	ln              net.Listener
	network, target string

	mu           sync.Mutex
	rec          *[]step // the request in flight, or nil
	unattributed int     // statements outside any request (the server's worker, migrations)
	pings        int
}

// startProxy listens on a free loopback port and forwards every connection to address on
// network (tcp or unix).
func startProxy(network, address string) (*proxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p := &proxy{ln: ln, network: network, target: address}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.handle(c)
		}
	}()
	return p, nil
}

func (p *proxy) addr() string { return p.ln.Addr().String() }
func (p *proxy) close()       { p.ln.Close() }

// begin starts attributing statements to a new request; end stops and returns them.
func (p *proxy) begin() {
	p.mu.Lock()
	p.rec = &[]step{}
	p.mu.Unlock()
}

func (p *proxy) end() []step {
	p.mu.Lock()
	defer p.mu.Unlock()
	steps := *p.rec
	p.rec = nil
	return steps
}

func (p *proxy) record(s step) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case s.Simple && strings.TrimSpace(s.SQL) == pingSQL:
		p.pings++
	case p.rec != nil:
		*p.rec = append(*p.rec, s)
	default:
		p.unattributed++
	}
}

type parsed struct {
	sql  string
	oids []uint32
}

// handle forwards one connection both ways; the client's bytes pass through the decoder on
// their way (a TeeReader), so the server sees them unchanged and at once.
func (p *proxy) handle(client net.Conn) {
	defer client.Close()
	server, err := net.Dial(p.network, p.target)
	if err != nil {
		return
	}
	defer server.Close()
	go func() {
		io.Copy(client, server)
		client.Close()
	}()
	be := pgproto3.NewBackend(io.TeeReader(client, server), io.Discard)
	if err := p.decode(be); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		// Something we do not decode (an authentication exchange, say): pass the rest on
		// untouched. What the decoder read was forwarded already.
		io.Copy(server, client)
	}
}

func (p *proxy) decode(be *pgproto3.Backend) error {
	for {
		m, err := be.ReceiveStartupMessage()
		if err != nil {
			return err
		}
		if _, ok := m.(*pgproto3.StartupMessage); ok {
			break
		}
		if _, ok := m.(*pgproto3.CancelRequest); ok {
			return nil
		}
	}
	stmts := map[string]parsed{}
	portals := map[string]step{}
	for {
		m, err := be.Receive()
		if err != nil {
			return err
		}
		switch m := m.(type) {
		case *pgproto3.Parse:
			stmts[m.Name] = parsed{sql: m.Query, oids: append([]uint32(nil), m.ParameterOIDs...)}
		case *pgproto3.Bind:
			st := stmts[m.PreparedStatement]
			values := make([][]byte, len(m.Parameters))
			for i, v := range m.Parameters {
				if v != nil {
					values[i] = append([]byte{}, v...)
				}
			}
			portals[m.DestinationPortal] = step{SQL: st.sql, Named: m.PreparedStatement != "", OIDs: st.oids, Values: values,
				ParamFormats:  append([]int16(nil), m.ParameterFormatCodes...),
				ResultFormats: append([]int16(nil), m.ResultFormatCodes...)}
		case *pgproto3.Execute:
			p.record(portals[m.Portal])
		case *pgproto3.Query:
			p.record(step{Simple: true, SQL: m.String})
		case *pgproto3.Close:
			if m.ObjectType == 'S' {
				delete(stmts, m.Name)
			}
		case *pgproto3.Terminate:
			return nil
		}
	}
}
