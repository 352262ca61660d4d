package live_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
	"github.com/regiestains/ateliers/live"
)

// The hub alone, on a real database, told of changes by the test rather than by a listener.

// newSlot makes a public slot of a published workshop, and returns its id.
func newSlot(t *testing.T, pool *pgxpool.Pool) int64 {
	t.Helper()
	ctx := t.Context()
	o, err := db.CreateOrganisation(ctx, pool, db.Organisation{Name: "Régie", Slug: "regie", Kind: db.KindAssociation, HostsWorkshops: true})
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.CreateVenue(ctx, pool, db.Venue{OrganisationID: o.ID, Name: "Espace", StreetAddress: "6 avenue George Sand", PostalCode: "93240", City: "Stains"})
	if err != nil {
		t.Fatal(err)
	}
	w, err := db.CreateWorkshop(ctx, pool, db.Workshop{OrganisationID: o.ID, Title: "CV", Topics: []db.Topic{db.TopicSmartphone},
		Level: db.LevelBeginner, DurationMinutes: 60, Audiences: []db.Audience{db.AudienceEveryone}, Status: db.StatusPublished})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Date(2032, 6, 1, 14, 0, 0, 0, time.UTC)
	s, err := db.ScheduleSlots(ctx, pool, []db.Slot{{OrganisationID: o.ID, WorkshopID: w.ID, VenueID: v.ID, StartsAt: start,
		EndsAt: start.Add(2 * time.Hour), Capacity: 10, Status: db.SlotScheduled, Visibility: db.VisibilityPublic, RegistrationClosesAt: start}})
	if err != nil {
		t.Fatal(err)
	}
	return s[0].ID
}

func startHub(t *testing.T, pool *pgxpool.Pool, buffer int) *live.Hub {
	t.Helper()
	h := live.New(pool, buffer, time.Minute)
	ctx, cancel := context.WithCancel(context.Background())
	go h.Run(ctx)
	t.Cleanup(func() { cancel(); <-h.Done() })
	return h
}

// takeSeat changes the slot's seats behind the hub's back and tells it, as a notice would.
func takeSeat(t *testing.T, pool *pgxpool.Pool, h *live.Hub, id int64) {
	t.Helper()
	if _, err := pool.Exec(t.Context(), `UPDATE slots SET seats_taken = seats_taken + 1 WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	h.Changed(id)
}

func receive(t *testing.T, ch <-chan *db.Slot) *db.Slot {
	t.Helper()
	select {
	case s, ok := <-ch:
		if !ok {
			t.Fatal("the subscription ended")
		}
		return s
	case <-time.After(10 * time.Second):
		t.Fatal("nothing within 10 s")
	}
	return nil
}

func TestSubscribersShareOneReadAndGetOnlyChanges(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := newSlot(t, pool)
	h := startHub(t, pool, 4)
	a, err := h.Watch(t.Context(), db.Caller{}, []int64{id}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := h.Watch(t.Context(), db.Caller{}, []int64{id}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sa, sb := receive(t, a), receive(t, b); sa.SeatsLeft() != 10 || sb.SeatsLeft() != 10 {
		t.Fatalf("first: got %d and %d seats left, want 10", sa.SeatsLeft(), sb.SeatsLeft())
	}
	h.Changed(id) // a notice, and nothing changed
	takeSeat(t, pool, h, id)
	sa, sb := receive(t, a), receive(t, b)
	if sa != sb || sa.SeatsLeft() != 9 {
		t.Fatalf("got %p (%d left) and %p, want one value with 9 seats left for both", sa, sa.SeatsLeft(), sb)
	}
	if st := h.Stats(); st.Subscribers != 2 || st.Slots != 1 {
		t.Fatalf("got %+v, want 2 subscribers of 1 slot", st)
	}
}

func TestASlowSubscriberIsDropped(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := newSlot(t, pool)
	h := startHub(t, pool, 1)
	dropped := make(chan struct{})
	ch, err := h.Watch(t.Context(), db.Caller{}, []int64{id}, func() { close(dropped) })
	if err != nil {
		t.Fatal(err)
	}
	// Room for the first state and one change; the subscriber reads nothing. Changes that
	// come during a round's read are gathered into the next: a few more rounds than changes.
	for i := 0; ; i++ {
		takeSeat(t, pool, h, id)
		select {
		case <-dropped:
		case <-time.After(100 * time.Millisecond):
			if i == 20 {
				t.Fatalf("not dropped after 20 changes: %+v", h.Stats())
			}
			continue
		}
		break
	}
	n := 0
	for range ch {
		n++
	}
	if st := h.Stats(); n != 2 || st.Dropped != 1 || st.Subscribers != 0 {
		t.Fatalf("got %d values then the end, %+v; want 2 values, 1 dropped, none left", n, st)
	}
}

func TestAnInvisibleSlotIsRefused(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	id := newSlot(t, pool)
	if _, err := pool.Exec(t.Context(), `UPDATE slots SET visibility = 'INTERNAL' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	h := startHub(t, pool, 1)
	if _, err := h.Watch(t.Context(), db.Caller{}, []int64{id}, nil); err == nil {
		t.Fatal("anonymous follows an internal slot")
	}
	if _, err := h.Watch(t.Context(), db.Caller{}, []int64{id + 1000}, nil); err == nil {
		t.Fatal("anonymous follows a slot that does not exist")
	}
}
