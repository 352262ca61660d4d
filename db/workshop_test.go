package db_test

import (
	"context"
	"errors"
	"testing"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// Who sees a workshop is one rule, written in SQL for lists and node and in Go for workshops
// already loaded: both give the same answer for every status and caller.
func TestWorkshopVisibilityIsOneRule(t *testing.T) {
	t.Parallel()
	pool := dbtest.New(t)
	ctx := context.Background()
	var host, other int64
	if err := pool.QueryRow(ctx, `WITH a AS (INSERT INTO organisations (name, slug, kind) VALUES ('A', 'host-org', 'OTHER') RETURNING id),
		b AS (INSERT INTO organisations (name, slug, kind) VALUES ('B', 'other-org', 'OTHER') RETURNING id)
		SELECT a.id, b.id FROM a, b`).Scan(&host, &other); err != nil {
		t.Fatal(err)
	}
	callers := map[string]db.Caller{"anonymous": {}, "host": {KeyID: 1, OrganisationID: host},
		"other organisation": {KeyID: 2, OrganisationID: other}, "network administrator": {KeyID: 3, NetworkAdmin: true}}
	for _, status := range []db.WorkshopStatus{db.StatusDraft, db.StatusPublished, db.StatusArchived} {
		var id int64
		if err := pool.QueryRow(ctx, `INSERT INTO workshops (organisation_id, title, topics, level, duration_minutes, audiences, status)
			VALUES ($1, 'CV', '{CV_AND_JOB_SEARCH}', 'BEGINNER', 120, '{EVERYONE}', $2) RETURNING id`, host, status).Scan(&id); err != nil {
			t.Fatal(err)
		}
		loaded, err := db.WorkshopsByID(ctx, pool, []int64{id})
		if err != nil || len(loaded) != 1 {
			t.Fatalf("load workshop %d: %v", id, err)
		}
		for name, c := range callers {
			_, err := db.VisibleWorkshop(ctx, pool, c, id)
			if err != nil && !errors.Is(err, db.ErrNotFound) {
				t.Fatal(err)
			}
			if inSQL, inGo := err == nil, loaded[0].VisibleTo(c); inSQL != inGo {
				t.Errorf("%s workshop, %s: SQL says visible %t, Go says %t", status, name, inSQL, inGo)
			}
		}
	}
}
