package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
)

// meta describes a generated database; it is kept as the database's comment, so that -reuse
// knows what a database holds without a table of the bench's own in the project's schema.
type meta struct {
	Generator int // generatorVersion when generated
	Seed      uint64
	Scale     float64
	Anchor    time.Time // Monday 00:00 Paris of the generation week
	Generated time.Time
	Sizes     sizes
	HotFirst  int64 // id of the first hot slot
}

// generatorVersion changes whenever the same seed and scale give other data, so that -reuse
// does not measure a dataset of an older generator. 2: territories below scale 1.
const generatorVersion = 2

// databaseURL is admin with its database name replaced.
func databaseURL(admin, name string) (string, error) {
	u, err := url.Parse(admin)
	if err != nil {
		return "", fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// prepareDatabase returns the URL of a database holding the dataset of seed and scale,
// generated afresh unless reuse is set and a database from the same week already holds it.
func prepareDatabase(ctx context.Context, admin, name string, seed uint64, scale float64, reuse bool, logf func(string, ...any)) (string, meta, error) {
	dbURL, err := databaseURL(admin, name)
	if err != nil {
		return "", meta{}, err
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", meta{}, fmt.Errorf("connect to DATABASE_URL: %w", err)
	}
	defer conn.Close(ctx)
	now := time.Now()
	if reuse {
		var comment *string
		err := conn.QueryRow(ctx, `SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1`, name).Scan(&comment)
		var m meta
		if err == nil && comment != nil && json.Unmarshal([]byte(*comment), &m) == nil &&
			m.Generator == generatorVersion && m.Seed == seed && m.Scale == scale && m.Anchor.Equal(anchorOf(now)) {
			logf("reusing database %s (generated %s)", name, m.Generated.Format(time.DateTime))
			return dbURL, m, nil
		}
	}
	ident := pgx.Identifier{name}.Sanitize()
	if _, err := conn.Exec(ctx, `DROP DATABASE IF EXISTS `+ident+` WITH (FORCE)`); err != nil {
		return "", meta{}, err
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE `+ident); err != nil {
		return "", meta{}, err
	}
	p := newPlan(seed, scale, now)
	m := meta{Generator: generatorVersion, Seed: seed, Scale: scale, Anchor: p.anchor, Generated: now, Sizes: p.size, HotFirst: int64(p.size.Slots + 1)}
	logf("generating database %s: %d organisations, %d venues, %d workshops, %d slots (+%d hot), %d registrations",
		name, p.size.Organisations, p.size.Venues, p.size.Workshops, p.size.Slots, p.size.HotSlots, p.size.Registrations)
	gen, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return "", meta{}, err
	}
	defer gen.Close(ctx)
	if err := generate(ctx, gen, p, logf); err != nil {
		return "", meta{}, err
	}
	b, _ := json.Marshal(m)
	if _, err := conn.Exec(ctx, `COMMENT ON DATABASE `+ident+` IS `+quoteLiteral(string(b))); err != nil {
		return "", meta{}, err
	}
	return dbURL, m, nil
}

func quoteLiteral(s string) string {
	out := []byte{'\''}
	for i := range len(s) {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(append(out, '\''))
}

// venueRef is a venue as the availability requests use it.
type venueRef struct {
	postalCode, dept string
	lat, lon         float64
}

// openSlot is a slot a resident could book now, with what a search that finds it needs.
type openSlot struct {
	id       int64
	startsAt time.Time
	topics   []string
	venue    venueRef
}

// runEnv is what the operations draw their parameters from, read from the database.
type runEnv struct {
	now         time.Time
	meta        meta
	venues      []venueRef
	codesByDept map[string][]string
	openSlots   []openSlot // future public slots open for registration with seats left
	partnerKeys []string
	hot         []int64 // the hot slots of the current run
}

const maxOpenSlots = 20000

// deptOf is the département of a postal code (971 to 974 overseas).
func deptOf(postalCode string) string {
	if postalCode[:2] == "97" {
		return postalCode[:3]
	}
	return postalCode[:2]
}

func loadEnv(ctx context.Context, pool *pgxpool.Pool, m meta) (*runEnv, error) {
	e := &runEnv{now: time.Now(), meta: m, codesByDept: map[string][]string{}}
	rows, _ := pool.Query(ctx, `SELECT postal_code, latitude, longitude FROM venues
		WHERE archived_at IS NULL AND latitude IS NOT NULL ORDER BY id`)
	venues, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (venueRef, error) {
		var v venueRef
		err := r.Scan(&v.postalCode, &v.lat, &v.lon)
		v.dept = deptOf(v.postalCode)
		return v, err
	})
	if err != nil {
		return nil, fmt.Errorf("venues: %w", err)
	}
	e.venues = venues
	seen := map[string]bool{}
	for _, v := range venues {
		if !seen[v.postalCode] {
			seen[v.postalCode] = true
			e.codesByDept[v.dept] = append(e.codesByDept[v.dept], v.postalCode)
		}
	}
	rows, _ = pool.Query(ctx, `SELECT s.id, s.starts_at, w.topics, v.postal_code, v.latitude, v.longitude
		FROM slots s JOIN workshops w ON w.id = s.workshop_id JOIN venues v ON v.id = s.venue_id
		WHERE s.id < $1 AND s.visibility = 'PUBLIC' AND w.status = 'PUBLISHED' AND s.status = 'SCHEDULED'
		  AND s.starts_at > now() + interval '1 day' AND s.registration_closes_at > now() + interval '1 hour'
		  AND (s.registration_opens_at IS NULL OR s.registration_opens_at < now())
		  AND s.seats_taken + s.seats_reserved < s.capacity
		ORDER BY s.id`, m.HotFirst)
	open, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (openSlot, error) {
		var o openSlot
		err := r.Scan(&o.id, &o.startsAt, &o.topics, &o.venue.postalCode, &o.venue.lat, &o.venue.lon)
		o.venue.dept = deptOf(o.venue.postalCode)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("open slots: %w", err)
	}
	if len(open) == 0 {
		return nil, fmt.Errorf("no open slot in the dataset")
	}
	step := max(1, len(open)/maxOpenSlots)
	for i := 0; i < len(open); i += step {
		e.openSlots = append(e.openSlots, open[i])
	}
	for org := int64(2); org <= 1+partnerCount; org++ {
		_, secret, err := db.CreateAPIKey(ctx, pool, db.NewAPIKey{OrganisationID: &org, Label: "Banc d'essai",
			Scopes: []db.Scope{db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite}})
		if err != nil {
			return nil, err
		}
		e.partnerKeys = append(e.partnerKeys, secret)
	}
	return e, nil
}

// hotSeatsLeft is how many seats a hot slot has left when a run starts: the last seats of a
// popular workshop, which the run's clients race for (then queue on the waiting list).
const hotSeatsLeft = 3

// prepareHot takes 5 hot slots never used and books all their seats but the last ones,
// through db.Register (the API's own booking transaction), so counters stay exact.
func prepareHot(ctx context.Context, pool *pgxpool.Pool, e *runEnv) error {
	rows, _ := pool.Query(ctx, `SELECT s.id FROM slots s
		WHERE s.id >= $1 AND s.seats_taken = 0 AND s.waitlist_length = 0 AND s.starts_at > now() + interval '2 days'
		  AND NOT EXISTS (SELECT FROM registrations r WHERE r.slot_id = s.id)
		ORDER BY s.id LIMIT 5`, e.meta.HotFirst)
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return fmt.Errorf("hot slots: %w", err)
	}
	if len(ids) < 5 {
		return fmt.Errorf("no fresh hot slots left: generate the database again (without -reuse)")
	}
	for _, id := range ids {
		var capacity int
		if err := pool.QueryRow(ctx, `SELECT capacity FROM slots WHERE id = $1`, id).Scan(&capacity); err != nil {
			return err
		}
		for range capacity - hotSeatsLeft {
			if _, _, err := db.Register(ctx, pool, dbRegisterRequest(id, false)); err != nil {
				return fmt.Errorf("fill hot slot %d: %w", id, err)
			}
		}
	}
	e.hot = ids
	return nil
}
