package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
)

// The SQL floor: what PostgreSQL alone does for each operation, run from Go at the same
// concurrency over as many connections as the API's pool, without HTTP and GraphQL.
//
// Reads replay the statements captured from the API (capture.go), parameters and formats as
// the API sent them, and each the way the API sent it: a named statement prepared once per
// connection (pgx's default mode), an unnamed one parsed anew each time with its parameter
// types (pgx's QueryExecModeCacheDescribe). Registrations cannot be
// replayed (a registration's code, token and phone are unique), so their floor calls
// db.Register, the API's own booking transaction, with a new person each time.

type replayConn struct {
	conn  *pgconn.PgConn
	names map[string]string // SQL -> prepared statement name
}

type replayPool chan *replayConn

func newReplayPool(ctx context.Context, url string, n int) (replayPool, error) {
	cc, err := pgconn.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	setSessionParams(cc.RuntimeParams)
	p := make(replayPool, n)
	for range n {
		c, err := pgconn.ConnectConfig(ctx, cc)
		if err != nil {
			p.close(context.Background())
			return nil, fmt.Errorf("floor connection: %w", err)
		}
		p <- &replayConn{conn: c, names: map[string]string{}}
	}
	return p, nil
}

func (p replayPool) close(ctx context.Context) {
	for {
		select {
		case c := <-p:
			c.conn.Close(ctx)
		default:
			return
		}
	}
}

// run executes one captured request's statements in order on c; timed, if not nil, gets
// each statement's time.
func (c *replayConn) run(ctx context.Context, steps []step, timed *timings) error {
	for _, s := range steps {
		t := time.Now()
		err := c.exec(ctx, s)
		if timed != nil {
			timed.add(s.SQL, time.Since(t))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *replayConn) exec(ctx context.Context, s step) error {
	if s.Simple {
		_, err := c.conn.Exec(ctx, s.SQL).ReadAll()
		return err
	}
	if !s.Named {
		return c.conn.ExecParams(ctx, s.SQL, s.Values, s.OIDs, s.ParamFormats, s.ResultFormats).Read().Err
	}
	name, ok := c.names[s.SQL]
	if !ok {
		name = "floor_" + strconv.Itoa(len(c.names))
		if _, err := c.conn.Prepare(ctx, name, s.SQL, s.OIDs); err != nil {
			return err
		}
		c.names[s.SQL] = name
	}
	return c.conn.ExecPrepared(ctx, name, s.Values, s.ParamFormats, s.ResultFormats).Read().Err
}

// replayWork replays captured requests in the order the API run sends the requests.
func replayWork(p replayPool, captured [][]step) work {
	return func(ctx context.Context, worker, i int) (string, error) {
		c := <-p
		defer func() { p <- c }()
		err := c.run(ctx, captured[(worker*7919+i)%len(captured)], nil)
		if err != nil && c.conn.TxStatus() != 'I' {
			c.conn.Exec(ctx, "ROLLBACK").ReadAll()
		}
		return "", err
	}
}

// replayOn runs captured statements on a connection of pool, each the way the API sent it
// (see replayConn.exec): named ones prepared once per connection by pgx, unnamed ones parsed
// anew.
func replayOn(ctx context.Context, pool *pgxpool.Pool, steps []step, timed *timings) error {
	c, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	pg := c.Conn().PgConn()
	for _, s := range steps {
		var err error
		t := time.Now()
		switch {
		case s.Simple:
			_, err = pg.Exec(ctx, s.SQL).ReadAll()
		case s.Named:
			// pgx's Prepare is a no-op for a name it has already prepared with the same SQL.
			name := fmt.Sprintf("floor_%x", sha256.Sum256([]byte(s.SQL)))[:22]
			if _, err = c.Conn().Prepare(ctx, name, s.SQL); err == nil {
				err = pg.ExecPrepared(ctx, name, s.Values, s.ParamFormats, s.ResultFormats).Read().Err
			}
		default:
			err = pg.ExecParams(ctx, s.SQL, s.Values, s.OIDs, s.ParamFormats, s.ResultFormats).Read().Err
		}
		if timed != nil {
			timed.add(s.SQL, time.Since(t))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// timings sums the time of each statement, by SQL text.
type timings struct {
	mu sync.Mutex
	m  map[string]*timing
}

type timing struct {
	n     int
	total time.Duration
}

func (t *timings) add(sql string, d time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]*timing{}
	}
	a := t.m[sql]
	if a == nil {
		a = &timing{}
		t.m[sql] = a
	}
	a.n++
	a.total += d
}

// mean is the mean time of a statement, 0 if never timed.
func (t *timings) mean(sql string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if a := t.m[sql]; a != nil {
		return a.total / time.Duration(a.n)
	}
	return 0
}

// counter is a pgx tracer that counts the statements sent, BEGIN and COMMIT included, as the
// capture proxy does for the API, and times them when timed is set.
type counter struct {
	n     atomic.Int64
	timed atomic.Pointer[timings]
}

type startKey struct{}

type started struct {
	sql string
	at  time.Time
}

func (c *counter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	if c.timed.Load() != nil {
		return context.WithValue(ctx, startKey{}, started{d.SQL, time.Now()})
	}
	return ctx
}

func (c *counter) TraceQueryEnd(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryEndData) {
	if t, s := c.timed.Load(), ctx.Value(startKey{}); t != nil && s != nil {
		t.add(s.(started).sql, time.Since(s.(started).at))
	}
}

// newFloorPool opens a pool like the server's (server/database.go): same size, same session
// settings, so that the floor runs the same plans.
func newFloorPool(ctx context.Context, url string, conns int, tracer pgx.QueryTracer) (*pgxpool.Pool, error) {
	pc, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	pc.MaxConns = int32(conns)
	setSessionParams(pc.ConnConfig.RuntimeParams)
	pc.ConnConfig.Tracer = tracer
	return pgxpool.NewWithConfig(ctx, pc)
}

// setSessionParams gives a floor session the settings of the server's (server/database.go).
// No plan_cache_mode: the server leaves it at auto and chooses the plan per statement by how it
// sends it (a named statement may get the generic plan after five runs, the unnamed one is
// planned for its values each time), which the replay copies (capture.go, step.Named).
func setSessionParams(p map[string]string) {
	p["statement_timeout"] = "5000"
	p["lock_timeout"] = "3000"
	p["application_name"] = "ateliers-bench"
}

// dbRegisterRequest is what the API passes to db.Register for an anonymous registration of a
// new person (graph/registration.go: participantOf fills the channel from the phone).
func dbRegisterRequest(slotID int64, joinWaitlist bool) db.RegisterRequest {
	n := people.Add(1)
	first, last := "Awa", fmt.Sprintf("Banc %d", n)
	phone := fmt.Sprintf("+336%08d", n%100_000_000)
	channel := db.ChannelSMS
	return db.RegisterRequest{SlotID: slotID, ConsentVersion: "2026-11", JoinWaitlist: joinWaitlist,
		Participant: db.Participant{FirstName: &first, LastName: &last, Phone: &phone, PreferredChannel: &channel}}
}

// refusals are the db errors the API answers with userErrors, by their code.
var refusals = []struct {
	err  error
	code string
}{
	{db.ErrSlotFull, "SLOT_FULL"}, {db.ErrRegistrationClosed, "REGISTRATION_CLOSED"},
	{db.ErrRegistrationNotOpen, "REGISTRATION_NOT_OPEN"}, {db.ErrSlotCancelled, "SLOT_CANCELLED"},
	{db.ErrAlreadyRegistered, "ALREADY_REGISTERED"}, {db.ErrNotFound, "NOT_FOUND"},
}

// outsideTransaction returns the statements of a captured request that ran outside its
// BEGIN ... COMMIT: what the API runs around the booking transaction (a look at the slot
// before, say).
func outsideTransaction(steps []step) []step {
	var out []step
	depth := 0
	for _, s := range steps {
		if s.Simple {
			switch strings.ToLower(strings.TrimSpace(s.SQL)) {
			case "begin":
				depth++
				continue
			case "commit", "rollback":
				depth--
				continue
			}
		}
		if depth == 0 {
			out = append(out, s)
		}
	}
	return out
}

// registerFloorWork books like the API's register operation o: the statements the API ran
// outside the transaction, replayed from the capture cp, then db.Register. around counts the
// replayed statements (the pool's tracer counts db.Register's).
func registerFloorWork(pool *pgxpool.Pool, e *runEnv, o *operation, cp *captured, around *atomic.Int64, tracer *counter) work {
	var outside [][]step
	for _, steps := range cp.requests {
		outside = append(outside, outsideTransaction(steps))
	}
	return func(ctx context.Context, worker, i int) (string, error) {
		if steps := outside[(worker*7919+i)%len(outside)]; len(steps) > 0 {
			if err := replayOn(ctx, pool, steps, tracer.timed.Load()); err != nil {
				return "", err
			}
			around.Add(int64(len(steps)))
		}
		id := e.openSlots[rand.N(len(e.openSlots))].id
		if o.hot {
			id = e.hot[(worker+i)%len(e.hot)]
		}
		reg, _, err := db.Register(ctx, pool, dbRegisterRequest(id, o.joinWait))
		for _, r := range refusals {
			if errors.Is(err, r.err) {
				return r.code, nil
			}
		}
		if err != nil {
			return "", err
		}
		return string(reg.Status), nil
	}
}
