package db_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// reportWorld is a small network with known answers: the Régie's slots in January and
// February 2026 (one cancelled), one before and one after, and a slot of Emmaüs Connect.
type reportWorld struct {
	pool                      *pgxpool.Pool
	regie, emmaus, ft         int64
	cv, caf                   int64 // the Régie's workshops
	venueA, venueB            int64
	from, to, now             time.Time
	awaFirst, awaCAF, bakaryE int64 // registrations whose person keys the tests compare
}

func newReportWorld(t *testing.T) reportWorld {
	t.Helper()
	ctx := context.Background()
	w := reportWorld{pool: dbtest.New(t)}
	paris, _ := time.LoadLocation("Europe/Paris")
	w.from = time.Date(2026, 1, 1, 0, 0, 0, 0, paris)
	w.to = time.Date(2026, 3, 1, 0, 0, 0, 0, paris)
	w.now = time.Date(2026, 6, 1, 12, 0, 0, 0, paris)
	q := func(dst *int64, sql string, args ...any) {
		t.Helper()
		if err := w.pool.QueryRow(ctx, sql, args...).Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	q(&w.regie, `INSERT INTO organisations (name, slug, kind, hosts_workshops) VALUES ('Régie de Quartier', 'regie', 'REGIE_DE_QUARTIER', true) RETURNING id`)
	q(&w.emmaus, `INSERT INTO organisations (name, slug, kind, hosts_workshops) VALUES ('Emmaüs Connect', 'emmaus', 'ASSOCIATION', true) RETURNING id`)
	q(&w.ft, `INSERT INTO organisations (name, slug, kind, refers_people) VALUES ('France Travail', 'ft', 'FRANCE_TRAVAIL', true) RETURNING id`)
	workshop := func(org int64, title, topics string) (id int64) {
		q(&id, `INSERT INTO workshops (organisation_id, title, topics, level, duration_minutes, audiences, status)
			VALUES ($1, $2, $3, 'BEGINNER', 120, '{EVERYONE}', 'PUBLISHED') RETURNING id`, org, title, topics)
		return id
	}
	venue := func(org int64, name string) (id int64) {
		q(&id, `INSERT INTO venues (organisation_id, name, street_address, postal_code, city) VALUES ($1, $2, '1 rue', '93240', 'Stains') RETURNING id`, org, name)
		return id
	}
	w.cv, w.caf = workshop(w.regie, "Faire son CV", "{CV_AND_JOB_SEARCH,EMAIL}"), workshop(w.regie, "Mon compte CAF", "{CAF_PROCEDURES}")
	w.venueA, w.venueB = venue(w.regie, "Espace Jean Ferrat"), venue(w.regie, "Maison du Temps Libre")
	emmausWorkshop, emmausVenue := workshop(w.emmaus, "Smartphone", "{SMARTPHONE}"), venue(w.emmaus, "Emmaüs Saint-Denis")
	slot := func(org, workshop, venue int64, start time.Time, capacity int, status string) (id int64) {
		cancelled := any(nil)
		if status == "CANCELLED" {
			cancelled = start
		}
		q(&id, `INSERT INTO slots (organisation_id, workshop_id, venue_id, starts_at, ends_at, capacity, visibility,
				registration_closes_at, allow_overlap, status, cancelled_at)
			VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz + interval '2 hours', $5, 'PUBLIC', $4::timestamptz, true, $6, $7) RETURNING id`,
			org, workshop, venue, start, capacity, status, cancelled)
		return id
	}
	at := func(m time.Month, d int) time.Time { return time.Date(2026, m, d, 14, 0, 0, 0, paris) }
	before := slot(w.regie, w.cv, w.venueA, time.Date(2025, 12, 10, 14, 0, 0, 0, paris), 10, "SCHEDULED")
	s1 := slot(w.regie, w.cv, w.venueA, at(1, 13), 10, "SCHEDULED")
	s2 := slot(w.regie, w.caf, w.venueB, at(2, 10), 8, "SCHEDULED")
	s3 := slot(w.regie, w.cv, w.venueA, at(2, 20), 10, "CANCELLED")
	after := slot(w.regie, w.cv, w.venueA, at(3, 5), 10, "SCHEDULED")
	s5 := slot(w.emmaus, emmausWorkshop, emmausVenue, at(1, 20), 5, "SCHEDULED")
	n := 0
	type person struct{ first, last, phone, age, postal string }
	awa := person{"Awa", "Diallo", "+33639980001", "UNDER_26", "93240"}
	bakary := person{"Bakary", "Camara", "+33639980002", "FROM_26_TO_59", "93240"}
	reg := func(slot int64, p person, status, attendance string, extra string) (id int64) {
		n++
		var att, age, postal any
		if attendance != "" {
			att = attendance
		}
		if p.age != "" {
			age = p.age
		}
		if p.postal != "" {
			postal = p.postal
		}
		q(&id, `INSERT INTO registrations (slot_id, status, confirmation_code, token_hash, first_name, last_name, phone,
				postal_code, age_bracket, consent_version, consented_at, attendance, confirmed_at, cancelled_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, '2026-01', now(), $10,
				CASE WHEN $2 <> 'WAITLISTED' THEN now() END, CASE WHEN $2 = 'CANCELLED' THEN now() END) RETURNING id`,
			slot, status, fmt.Sprintf("REP%04d", n), []byte(fmt.Sprintf("report-token-%d", n)), p.first, p.last, p.phone,
			postal, age, att)
		if extra != "" {
			if _, err := w.pool.Exec(ctx, `UPDATE registrations SET `+extra+` WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
		}
		return id
	}
	reg(before, awa, "CONFIRMED", "PRESENT", "")
	// January: Awa referred by France Travail, a CV written; Bakary; Chloé absent; Dina
	// cancelled; Eli never had a seat.
	w.awaFirst = reg(s1, person{"AWA", "diallo", awa.phone, awa.age, awa.postal}, "CONFIRMED", "PRESENT",
		fmt.Sprintf(`referring_org_id = %d, counsellor_name = 'Mme Benali', outcome = 'CV_WRITTEN', outcome_recorded_at = now()`, w.ft))
	reg(s1, bakary, "CONFIRMED", "PRESENT", "")
	reg(s1, person{"Chloé", "Martin", "+33639980003", "SIXTY_AND_OVER", "93380"}, "CONFIRMED", "ABSENT", "")
	reg(s1, person{"Dina", "Petit", "+33639980004", "UNDER_26", "93240"}, "CANCELLED", "", "")
	reg(s1, person{"Eli", "Roux", "+33639980005", "SIXTY_AND_OVER", "93240"}, "WAITLISTED", "", "")
	// February: Awa again; Fatou excused (no age nor postal code given); Gaby at the door;
	// Hugo not marked.
	w.awaCAF = reg(s2, awa, "CONFIRMED", "PRESENT", "")
	reg(s2, person{"Fatou", "Sy", "+33639980006", "", ""}, "CONFIRMED", "EXCUSED", "")
	reg(s2, person{"Gaby", "Leroy", "+33639980007", "FROM_26_TO_59", "93240"}, "CONFIRMED", "PRESENT", "walk_in = true")
	reg(s2, person{"Hugo", "Blanc", "+33639980008", "FROM_26_TO_59", "93240"}, "CONFIRMED", "", "")
	reg(s3, awa, "CANCELLED", "", "")
	reg(after, bakary, "CONFIRMED", "PRESENT", "")
	// Bakary also went to Emmaüs Connect: one person in the network, first there in January.
	w.bakaryE = reg(s5, bakary, "CONFIRMED", "PRESENT", "")
	return w
}

func intp(n int) *int { return &n }

func row(t *testing.T, r db.Report, dim db.ReportDimension, id int64, key string) db.ReportFigures {
	t.Helper()
	for _, x := range r.Rows[dim] {
		if x.ID == id && (id != 0 || x.Key == key) {
			return x.Figures
		}
	}
	t.Fatalf("no %s row %d %q in %+v", dim, id, key, r.Rows[dim])
	return db.ReportFigures{}
}

func TestReportCountsSlotsSeatsAttendanceAndPeople(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newReportWorld(t)
	r, err := db.MakeReport(ctx, w.pool, db.ReportOf{OrganisationID: w.regie}, w.from, w.to, w.now)
	if err != nil {
		t.Fatal(err)
	}
	// The Régie: January's and February's slots held, the one of 20 February cancelled.
	// Awa came before the period, so she is not a first-timer; Bakary's visit to Emmaüs
	// Connect does not count for the Régie.
	want := db.ReportFigures{SlotsHeld: intp(2), SlotsCancelled: intp(1), SeatsOffered: intp(18),
		Registrations: 9, Confirmed: 7, Waitlisted: 1, Cancelled: 1, Attended: 4, Absent: 1, Excused: 1,
		Unmarked: 1, WalkIns: 1, UniqueParticipants: 3, FirstTimeParticipants: 2}
	if !reflect.DeepEqual(r.Totals, want) {
		t.Errorf("totals:\n got %s\nwant %s", show(r.Totals), show(want))
	}
	if got := *r.Totals.AttendanceRate(); got != 0.5714 {
		t.Errorf("attendance rate %v, want 4/7 rounded, 0.5714", got)
	}
	for _, c := range []struct {
		dim  db.ReportDimension
		id   int64
		key  string
		want db.ReportFigures
	}{
		{db.ByWorkshop, w.cv, "", db.ReportFigures{SlotsHeld: intp(1), SlotsCancelled: intp(1), SeatsOffered: intp(10),
			Registrations: 5, Confirmed: 3, Waitlisted: 1, Cancelled: 1, Attended: 2, Absent: 1, UniqueParticipants: 2, FirstTimeParticipants: 1}},
		{db.ByTopic, 0, "EMAIL", db.ReportFigures{SlotsHeld: intp(1), SlotsCancelled: intp(1), SeatsOffered: intp(10),
			Registrations: 5, Confirmed: 3, Waitlisted: 1, Cancelled: 1, Attended: 2, Absent: 1, UniqueParticipants: 2, FirstTimeParticipants: 1}},
		{db.ByMonth, 0, "2026-02", db.ReportFigures{SlotsHeld: intp(1), SlotsCancelled: intp(1), SeatsOffered: intp(8),
			Registrations: 4, Confirmed: 4, Attended: 2, Excused: 1, Unmarked: 1, WalkIns: 1, UniqueParticipants: 2, FirstTimeParticipants: 1}},
		{db.ByVenue, w.venueB, "", db.ReportFigures{SlotsHeld: intp(1), SlotsCancelled: intp(0), SeatsOffered: intp(8),
			Registrations: 4, Confirmed: 4, Attended: 2, Excused: 1, Unmarked: 1, WalkIns: 1, UniqueParticipants: 2, FirstTimeParticipants: 1}},
		{db.ByAgeBracket, 0, "UNDER_26", db.ReportFigures{Registrations: 3, Confirmed: 2, Cancelled: 1, Attended: 2, UniqueParticipants: 1}},
		{db.ByAgeBracket, 0, "UNKNOWN", db.ReportFigures{Registrations: 1, Confirmed: 1, Excused: 1}},
		{db.ByPostalCode, 0, "93380", db.ReportFigures{Registrations: 1, Confirmed: 1, Absent: 1}},
		{db.ByReferrer, w.ft, "", db.ReportFigures{Registrations: 1, Confirmed: 1, Attended: 1, UniqueParticipants: 1}},
		{db.ByReferrer, 0, "NONE", db.ReportFigures{Registrations: 8, Confirmed: 6, Waitlisted: 1, Cancelled: 1, Attended: 3,
			Absent: 1, Excused: 1, Unmarked: 1, WalkIns: 1, UniqueParticipants: 3, FirstTimeParticipants: 2}},
		{db.ByOutcome, 0, "CV_WRITTEN", db.ReportFigures{Registrations: 1, Confirmed: 1, Attended: 1, UniqueParticipants: 1}},
	} {
		if got := row(t, r, c.dim, c.id, c.key); !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s %d %q:\n got %s\nwant %s", c.dim, c.id, c.key, show(got), show(c.want))
		}
	}
	if got := r.Rows[db.ByMonth]; len(got) != 2 || got[0].Key != "2026-01" || got[1].Key != "2026-02" {
		t.Errorf("months %+v, want 2026-01 then 2026-02", got)
	}
	if got := r.Rows[db.ByWorkshop][0].Label; got != "Faire son CV" {
		t.Errorf("first workshop %q, want the one with most registrations, Faire son CV", got)
	}
	if got := row(t, r, db.ByReferrer, w.ft, "").Attended; got != 1 || r.Rows[db.ByReferrer][1].Label != "France Travail" {
		t.Errorf("referrers %+v", r.Rows[db.ByReferrer])
	}
}

func TestReportOfTheNetworkCountsPeoplePerOrganisation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newReportWorld(t)
	r, err := db.MakeReport(ctx, w.pool, db.ReportOf{OrganisationID: 0}, w.from, w.to, w.now)
	if err != nil {
		t.Fatal(err)
	}
	// Emmaüs Connect's slot joins. People are told apart at each organisation, as their rights
	// are: Bakary, at both, counts once at each.
	if got := r.Totals; *got.SlotsHeld != 3 || *got.SeatsOffered != 23 || got.Registrations != 10 || got.Attended != 5 ||
		got.UniqueParticipants != 4 || got.FirstTimeParticipants != 3 {
		t.Errorf("network totals %s", show(got))
	}
	if got := row(t, r, db.ByOrganisation, w.emmaus, ""); *got.SlotsHeld != 1 || got.UniqueParticipants != 1 || got.FirstTimeParticipants != 1 {
		t.Errorf("Emmaüs Connect's row %s", show(got))
	}
	if got := row(t, r, db.ByOrganisation, w.regie, ""); got.UniqueParticipants != 3 || got.FirstTimeParticipants != 2 {
		t.Errorf("the Régie's row %s", show(got))
	}
}

func TestReportCountsOnlySlotsThatStarted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newReportWorld(t)
	paris, _ := time.LoadLocation("Europe/Paris")
	r, err := db.MakeReport(ctx, w.pool, db.ReportOf{OrganisationID: w.regie}, w.from, w.to, time.Date(2026, 2, 1, 0, 0, 0, 0, paris))
	if err != nil {
		t.Fatal(err)
	}
	if got := r.Totals; *got.SlotsHeld != 1 || *got.SlotsCancelled != 0 || got.Registrations != 5 {
		t.Errorf("on 1 February, totals %s; want January's slot only", show(got))
	}
}

func TestReportIsTheSameAfterAnonymisation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newReportWorld(t)
	before, err := db.MakeReport(ctx, w.pool, db.ReportOf{OrganisationID: w.regie}, w.from, w.to, w.now)
	if err != nil {
		t.Fatal(err)
	}
	a, err := db.Anonymise(ctx, w.pool, w.now.AddDate(2, 0, 0), db.DefaultRetention)
	if err != nil {
		t.Fatal(err)
	}
	if a.Registrations != 13 || a.FollowUps != 13 {
		t.Fatalf("anonymised %+v, want every registration", a)
	}
	after, err := db.MakeReport(ctx, w.pool, db.ReportOf{OrganisationID: w.regie}, w.from, w.to, w.now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("the report changed with anonymisation:\nbefore %+v\n after %+v", before, after)
	}
}

// A person's registrations at one organisation share a key (the duplicate rule, case aside);
// a relative on the same phone is someone else; the same person at another organisation has
// another key.
func TestPersonKeyFollowsTheDuplicateRule(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newReportWorld(t)
	if personKey(t, w, w.awaFirst) != personKey(t, w, w.awaCAF) {
		t.Error("Awa's two seats (her name in capitals on one) have different keys")
	}
	var son int64
	if err := w.pool.QueryRow(ctx, `INSERT INTO registrations (slot_id, status, confirmation_code, token_hash, first_name,
			last_name, phone, consent_version, consented_at, confirmed_at)
		SELECT slot_id, 'CONFIRMED', 'REPSON', '\x0102', 'Moussa', 'Diallo', phone, '2026-01', now(), now()
		FROM registrations WHERE id = $1 RETURNING id`, w.awaCAF).Scan(&son); err != nil {
		t.Fatal(err)
	}
	if personKey(t, w, son) == personKey(t, w, w.awaCAF) {
		t.Error("Awa's son, on her phone, has her key")
	}
	var bakaryRegie int64
	if err := w.pool.QueryRow(ctx, `SELECT r.id FROM registrations r JOIN slots s ON s.id = r.slot_id
		WHERE r.first_name = 'Bakary' AND s.organisation_id = $1 LIMIT 1`, w.regie).Scan(&bakaryRegie); err != nil {
		t.Fatal(err)
	}
	if personKey(t, w, bakaryRegie) == personKey(t, w, w.bakaryE) {
		t.Error("Bakary has one key at the Régie and at Emmaüs Connect")
	}
}

func personKey(t *testing.T, w reportWorld, id int64) (k string) {
	t.Helper()
	if err := w.pool.QueryRow(context.Background(), `SELECT person_key::text FROM registrations WHERE id = $1`, id).Scan(&k); err != nil {
		t.Fatal(err)
	}
	return k
}

// A new person registered on two slots at once (a retry on two tabs, a household's course)
// gets one key: the second registration waits for the first's commit, then finds its key.
func TestPersonKeyOfConcurrentFirstRegistrations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newReportWorld(t)
	insert := func(tx pgx.Tx, slot int64, n int) error {
		_, err := tx.Exec(ctx, `INSERT INTO registrations (slot_id, status, confirmation_code, token_hash,
				first_name, last_name, phone, consent_version, consented_at, confirmed_at)
			SELECT $1, 'CONFIRMED', $2, $3, 'Zoé', 'Martin', '+33639980099', '2026-01', now(), now()`,
			slot, fmt.Sprintf("ZOE%d", n), []byte(fmt.Sprintf("zoe-%d", n)))
		return err
	}
	var slots [2]int64
	if err := w.pool.QueryRow(ctx, `SELECT min(id), max(id) FROM slots WHERE organisation_id = $1`, w.regie).Scan(&slots[0], &slots[1]); err != nil {
		t.Fatal(err)
	}
	first, err := w.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Rollback(ctx)
	if err := insert(first, slots[0], 1); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		done <- pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error { return insert(tx, slots[1], 2) })
	}()
	select {
	case err := <-done:
		t.Fatalf("the second registration did not wait for the first (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := first.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var keys int
	if err := w.pool.QueryRow(ctx, `SELECT count(DISTINCT person_key) FROM registrations WHERE phone = '+33639980099'`).Scan(&keys); err != nil {
		t.Fatal(err)
	}
	if keys != 1 {
		t.Errorf("Zoé's two seats registered at once have %d keys, want 1", keys)
	}
}

// Erasure leaves the erased seats linked to no one: the person registering again is a new
// person, and their erased seats keep counting as someone's in past reports.
func TestPersonKeyAfterErasure(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newReportWorld(t)
	erased := personKey(t, w, w.awaCAF)
	before, err := db.MakeReport(ctx, w.pool, db.ReportOf{OrganisationID: w.regie}, w.from, w.to, w.now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.ErasePerson(ctx, w.pool, w.awaCAF, db.CancelledByPerson); err != nil {
		t.Fatal(err)
	}
	after, err := db.MakeReport(ctx, w.pool, db.ReportOf{OrganisationID: w.regie}, w.from, w.to, w.now)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before.Totals, after.Totals) {
		t.Errorf("erasure changed the report: %s, then %s", show(before.Totals), show(after.Totals))
	}
	var again int64
	if err := w.pool.QueryRow(ctx, `INSERT INTO registrations (slot_id, status, confirmation_code, token_hash, first_name,
			last_name, phone, consent_version, consented_at, confirmed_at)
		SELECT slot_id, 'CONFIRMED', 'REPAGAIN', '\x0103', 'Awa', 'Diallo', '+33639980001', '2026-01', now(), now()
		FROM registrations WHERE id = $1 RETURNING id`, w.awaCAF).Scan(&again); err != nil {
		t.Fatal(err)
	}
	if personKey(t, w, again) == erased {
		t.Error("Awa, registering again after erasure, is linked to her erased seats")
	}
}

func show(f db.ReportFigures) string {
	p := func(n *int) string {
		if n == nil {
			return "-"
		}
		return fmt.Sprint(*n)
	}
	return fmt.Sprintf("slots %s/%s seats %s regs %d conf %d wait %d canc %d att %d abs %d exc %d unm %d walk %d uniq %d first %d",
		p(f.SlotsHeld), p(f.SlotsCancelled), p(f.SeatsOffered), f.Registrations, f.Confirmed, f.Waitlisted, f.Cancelled,
		f.Attended, f.Absent, f.Excused, f.Unmarked, f.WalkIns, f.UniqueParticipants, f.FirstTimeParticipants)
}

// BenchmarkReportOfAYear: a busy network's year, 2,000 slots and 50,000 registrations of
// 8,000 people, reported on in one call (go test -bench Report -run '^$' ./db/).
func BenchmarkReportOfAYear(b *testing.B) {
	ctx := context.Background()
	pool := benchWorld(b)
	from, to := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for b.Loop() {
		r, err := db.MakeReport(ctx, pool, db.ReportOf{OrganisationID: 1}, from, to, to)
		if err != nil {
			b.Fatal(err)
		}
		if r.Totals.Registrations < 40000 {
			b.Fatalf("%d registrations", r.Totals.Registrations)
		}
	}
}

// benchWorld is the busy year of BenchmarkReportOfAYear.
func benchWorld(b testing.TB) *pgxpool.Pool {
	ctx := context.Background()
	pool := dbtest.New(b)
	for _, sql := range []string{
		`INSERT INTO organisations (name, slug, kind, hosts_workshops) VALUES ('Régie', 'regie', 'REGIE_DE_QUARTIER', true)`,
		`INSERT INTO workshops (organisation_id, title, topics, level, duration_minutes, audiences, status)
			SELECT 1, 'Atelier ' || n, '{CV_AND_JOB_SEARCH,EMAIL}', 'BEGINNER', 120, '{EVERYONE}', 'PUBLISHED' FROM generate_series(1, 8) n`,
		`INSERT INTO venues (organisation_id, name, street_address, postal_code, city)
			SELECT 1, 'Lieu ' || n, '1 rue', '93240', 'Stains' FROM generate_series(1, 4) n`,
		`INSERT INTO slots (organisation_id, workshop_id, venue_id, starts_at, ends_at, capacity, visibility, registration_closes_at, allow_overlap)
			SELECT 1, 1 + n % 8, 1 + n % 4, t, t + interval '2 hours', 30, 'PUBLIC', t, true
			FROM generate_series(1, 2000) n, LATERAL (SELECT timestamptz '2025-01-01' + n * interval '4 hours 20 minutes' AS t) x`,
		`ALTER TABLE registrations DISABLE TRIGGER registrations_person_key`,
		`INSERT INTO registrations (slot_id, status, confirmation_code, token_hash, phone, postal_code, age_bracket,
				consent_version, consented_at, attendance, confirmed_at, person_key)
			SELECT s, 'CONFIRMED', 'B' || s || '-' || k, decode(md5(s || '-' || k), 'hex'), '+3363998' || lpad((s * 25 + k) % 8000 || '', 4, '0'),
				'9324' || k % 10, (ARRAY['UNDER_26', 'FROM_26_TO_59', 'SIXTY_AND_OVER'])[1 + k % 3], '1', now(),
				(ARRAY['PRESENT', 'PRESENT', 'PRESENT', 'ABSENT', 'EXCUSED'])[1 + (s + k) % 5], now(),
				md5('person ' || (s * 25 + k) % 8000)::uuid
			FROM generate_series(1, 2000) s, generate_series(1, 25) k`,
		`ALTER TABLE registrations ENABLE TRIGGER registrations_person_key`,
		`ANALYZE`,
	} {
		if _, err := pool.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	return pool
}

// The host's list reads page by page and gives every line once, in order, whatever the page.
func TestEachRegistrationOfHostPages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newReportWorld(t)
	read := func(page int) (lines []string) {
		t.Helper()
		err := db.EachRegistrationOfHost(ctx, w.pool, w.regie, w.from.AddDate(-1, 0, 0), w.to.AddDate(1, 0, 0), page,
			func(l db.RegistrationLine) error {
				lines = append(lines, fmt.Sprintf("%s/%d/%d", l.StartsAt.UTC().Format(time.DateOnly), l.SlotID, l.RegistrationID))
				return nil
			})
		if err != nil {
			t.Fatal(err)
		}
		return lines
	}
	all := read(1000)
	if len(all) != 12 {
		t.Fatalf("%d lines, want the Régie's 12 registrations: %v", len(all), all)
	}
	for _, page := range []int{1, 2, 5, 12} {
		if got := read(page); !reflect.DeepEqual(got, all) {
			t.Errorf("pages of %d: %v, want %v", page, got, all)
		}
	}
}

// France Travail's own report: the registrations it referred, at every host, with what came of
// them; slots and seats do not apply.
func TestReportOfAReferrer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newReportWorld(t)
	r, err := db.MakeReport(ctx, w.pool, db.ReportOf{OrganisationID: w.ft, Referred: true}, w.from, w.to, w.now)
	if err != nil {
		t.Fatal(err)
	}
	// Awa's January seat, the one referral; she had come to the Régie before, but not through
	// France Travail: new to its referrals.
	want := db.ReportFigures{Registrations: 1, Confirmed: 1, Attended: 1, UniqueParticipants: 1, FirstTimeParticipants: 1}
	if !reflect.DeepEqual(r.Totals, want) {
		t.Errorf("France Travail's totals: %s, want %s", show(r.Totals), show(want))
	}
	if got := row(t, r, db.ByOrganisation, w.regie, ""); got.Registrations != 1 || got.SlotsHeld != nil {
		t.Errorf("by host: %s, want the Régie's one, without slots", show(got))
	}
	if got := row(t, r, db.ByOutcome, 0, "CV_WRITTEN"); got.Registrations != 1 {
		t.Errorf("outcomes: %+v", r.Rows[db.ByOutcome])
	}
	// The Régie's report of its slots is unchanged by it.
	hosted, err := db.MakeReport(ctx, w.pool, db.ReportOf{OrganisationID: w.regie}, w.from, w.to, w.now)
	if err != nil || hosted.Totals.Registrations != 9 {
		t.Errorf("the Régie's report: %s, %v", show(hosted.Totals), err)
	}
}
