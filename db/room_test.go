package db_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/tern/v2/migrate"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// place is a venue with two rooms and a slot without a room (newSlot: tomorrow, 2 hours).
type place struct {
	t            *testing.T
	pool         db.Querier
	first        db.Slot
	roomA, roomB int64
}

func newPlace(t *testing.T) place {
	t.Helper()
	ctx := context.Background()
	pool := dbtest.New(t)
	first, err := db.SlotByID(ctx, pool, newSlot(t, pool, "regie"))
	if err != nil {
		t.Fatal(err)
	}
	pl := place{t: t, pool: pool, first: first}
	for i, id := range []*int64{&pl.roomA, &pl.roomB} {
		r, err := db.CreateRoom(ctx, pool, db.Room{VenueID: first.VenueID, Name: fmt.Sprintf("Salle %c", 'A'+i)})
		if err != nil {
			t.Fatal(err)
		}
		*id = r.ID
	}
	return pl
}

// at is a slot like the first one, shifted by minutes, in room (0: none).
func (pl place) at(minutes int, room int64) db.Slot {
	s := pl.first
	s.ID = 0
	d := time.Duration(minutes) * time.Minute
	s.StartsAt, s.EndsAt, s.RegistrationClosesAt = s.StartsAt.Add(d), s.EndsAt.Add(d), s.StartsAt.Add(d)
	if room != 0 {
		s.RoomID = &room
	}
	return s
}

func (pl place) schedule(slots ...db.Slot) ([]db.Slot, error) {
	return db.ScheduleSlots(context.Background(), pl.pool, slots)
}

// overlapOf returns the occurrence and the other slot an overlap refusal names.
func overlapOf(t *testing.T, err error) (int, int64) {
	t.Helper()
	var o *db.OverlapError
	if !errors.As(err, &o) || !errors.Is(err, db.ErrOverlap) {
		t.Fatalf("got %v, want an overlap refusal", err)
	}
	return o.Occurrence, o.SlotID
}

// Two scheduled slots in one place (a room, or the venue for slots without a room) never
// overlap, unless one of them allows it.
func TestSlotsDoNotOverlapInOnePlace(t *testing.T) {
	t.Parallel()
	pl := newPlace(t)
	if _, err := pl.schedule(pl.at(60, 0)); err != nil {
		_, other := overlapOf(t, err)
		if other != pl.first.ID {
			t.Errorf("a slot at the venue an hour into another: names slot %d, want %d", other, pl.first.ID)
		}
	} else {
		t.Error("a slot at the venue an hour into another was scheduled")
	}
	for _, c := range []struct {
		name string
		s    db.Slot
	}{
		{"right after, at the venue", pl.at(120, 0)},
		{"right before, at the venue", pl.at(-120, 0)},
		{"at the same time in a room", pl.at(0, pl.roomA)},
		{"at the same time in the other room", pl.at(0, pl.roomB)},
		{"at the venue, allowed to overlap", func() db.Slot { s := pl.at(30, 0); s.AllowOverlap = true; return s }()},
	} {
		if _, err := pl.schedule(c.s); err != nil {
			t.Errorf("%s: %v", c.name, err)
		}
	}
	inA, err := db.Slots(context.Background(), pl.pool, db.Caller{OrganisationID: pl.first.OrganisationID},
		db.SlotFilter{VenueIDs: []int64{pl.first.VenueID}}, db.Page{First: 10}, db.With{})
	if err != nil {
		t.Fatal(err)
	}
	var roomA int64
	for _, s := range inA {
		if s.RoomID != nil && *s.RoomID == pl.roomA {
			roomA = s.ID
		}
	}
	if _, err := pl.schedule(pl.at(90, pl.roomA)); err == nil {
		t.Error("a second slot overlapping in room A was scheduled")
	} else if _, other := overlapOf(t, err); other != roomA {
		t.Errorf("a second slot in room A: names slot %d, want %d", other, roomA)
	}
	// A cancelled slot frees its place.
	if _, err := db.CancelSlot(context.Background(), pl.pool, roomA, "salle prise"); err != nil {
		t.Fatal(err)
	}
	if _, err := pl.schedule(pl.at(90, pl.roomA)); err != nil {
		t.Errorf("in room A once its slot is cancelled: %v", err)
	}
}

// A series is scheduled all or nothing: an occurrence overlapping refuses the whole series,
// and the refusal names it.
func TestASeriesOverlappingSchedulesNothing(t *testing.T) {
	t.Parallel()
	pl := newPlace(t)
	series := []db.Slot{pl.at(-7*24*60, 0), pl.at(30, 0), pl.at(7*24*60, 0)}
	_, err := pl.schedule(series...)
	if n, other := overlapOf(t, err); n != 1 || other != pl.first.ID {
		t.Errorf("got occurrence %d overlapping slot %d, want occurrence 1 overlapping %d", n, other, pl.first.ID)
	}
	var count int
	if err := pl.pool.QueryRow(context.Background(), `SELECT count(*) FROM slots`).Scan(&count); err != nil || count != 1 {
		t.Errorf("slots after a refused series: %d, %v; want 1", count, err)
	}
}

// Moving a slot onto another in its place is refused; into another room it is not.
func TestMovingASlotOntoAnotherIsRefused(t *testing.T) {
	t.Parallel()
	pl := newPlace(t)
	ctx := context.Background()
	later, err := pl.schedule(pl.at(180, 0))
	if err != nil {
		t.Fatal(err)
	}
	move := func(f func(*db.Slot)) error {
		_, err := db.UpdateSlot(ctx, pl.pool, later[0].ID, func(s *db.Slot) error { f(s); return nil })
		return err
	}
	back := func(s *db.Slot) {
		s.StartsAt, s.EndsAt, s.RegistrationClosesAt = pl.first.StartsAt, pl.first.EndsAt, pl.first.StartsAt
	}
	if _, other := overlapOf(t, move(back)); other != pl.first.ID {
		t.Errorf("moved onto the first slot: names %d, want %d", other, pl.first.ID)
	}
	if err := move(func(s *db.Slot) { back(s); s.RoomID = &pl.roomA }); err != nil {
		t.Errorf("moved to the same time in room A: %v", err)
	}
}

// Of many hosts scheduling the same place and time at once, exactly one succeeds.
func TestConcurrentSchedulesInOnePlaceOneWins(t *testing.T) {
	t.Parallel()
	pl := newPlace(t)
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Go(func() { _, errs[i] = pl.schedule(pl.at(300, pl.roomB)) })
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, db.ErrOverlap):
			t.Errorf("got %v, want success or an overlap", err)
		}
	}
	if won != 1 {
		t.Errorf("%d schedules succeeded, want 1", won)
	}
}

// Slots that overlapped before migration 016 stay, the later one marked as allowed to overlap.
func TestExistingOverlapsSurviveTheMigration(t *testing.T) {
	ctx := context.Background()
	cfg := emptyDatabase(t, "rooms")
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	m, err := migrate.NewMigrator(ctx, conn, "schema_version")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.LoadMigrations(db.MigrationsFS()); err != nil {
		t.Fatal(err)
	}
	if err := m.MigrateTo(ctx, 15); err != nil { // the version before rooms (016_rooms.sql)
		t.Fatal(err)
	}
	first := newSlot(t, conn, "regie")
	var second, third int64
	err = conn.QueryRow(ctx, `
		INSERT INTO slots (organisation_id, workshop_id, venue_id, starts_at, ends_at, capacity, visibility, registration_closes_at)
		SELECT organisation_id, workshop_id, venue_id, starts_at + interval '1 hour', ends_at + interval '1 hour', 2, 'PUBLIC', registration_closes_at
		FROM slots WHERE id = $1 RETURNING id`, first).Scan(&second)
	if err == nil {
		err = conn.QueryRow(ctx, `
			INSERT INTO slots (organisation_id, workshop_id, venue_id, starts_at, ends_at, capacity, visibility, registration_closes_at)
			SELECT organisation_id, workshop_id, venue_id, ends_at, ends_at + interval '2 hours', 2, 'PUBLIC', ends_at
			FROM slots WHERE id = $1 RETURNING id`, first).Scan(&third)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Migrate(ctx, conn); err != nil {
		t.Fatalf("migrate over overlapping slots: %v", err)
	}
	for id, want := range map[int64]bool{first: false, second: true, third: true} {
		s, err := db.SlotByID(ctx, conn, id)
		if err != nil || s.AllowOverlap != want {
			t.Errorf("slot %d: allowOverlap %v, %v; want %v", id, s.AllowOverlap, err, want)
		}
	}
}
