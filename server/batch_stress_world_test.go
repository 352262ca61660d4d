package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
)

// stressWorld is two hosts (venues, workshops of every status, slots of every visibility, some
// cancelled, full or with reserved seats and registrations), a partner, a few more
// organisations, and programmes.
type stressWorld struct {
	a       *testAPI
	callers []apiCaller
	// Global ids of every object, visible or not to a caller, and of none.
	venues, workshops, slots, orgs, programmes, allocations, registrations, missing []string
	venueCursor, slotCursor                                                         string
}

func newStressWorld(t *testing.T) *stressWorld {
	t.Helper()
	a := newTestAPIWith(t, map[string]string{
		"QUERY_COST_LIMIT_KEY": "20000", "COST_BURST_KEY": "100000000",
		"QUERY_COST_LIMIT_ANONYMOUS": "20000", "COST_BURST_ANONYMOUS": "100000000",
		"DEPTH_LIMIT": "14", "SELECTION_LIMIT": "5000", "PARSER_TOKEN_LIMIT": "100000",
	})
	ctx := context.Background()
	hostGID, hostKey := a.org("hote", db.ScopeCatalogueWrite, db.ScopeRegistrationsRead)
	partnerGID, partnerKey := a.org("partenaire")
	a.org("autre", db.ScopeCatalogueWrite)
	host, partner, other := orgID(t, a, "hote"), orgID(t, a, "partenaire"), orgID(t, a, "autre")
	base := time.Now().Add(3 * time.Hour).Truncate(time.Hour)
	var slots []db.Slot
	for o, org := range []int64{host, other} {
		nv, nw := 6, 7
		if o == 1 {
			nv, nw = 2, 3
		}
		var venues []db.Venue
		for i := range nv {
			venues = append(venues, dbVenue(t, a, org, fmt.Sprintf("Lieu %d", i/2), false))
		}
		dbVenue(t, a, org, "Lieu archivé", true)
		var workshops []db.Workshop
		for i := range nw {
			status := db.StatusPublished
			if i%4 == 0 {
				status = db.StatusDraft
			}
			workshops = append(workshops, dbWorkshop(t, a, org, fmt.Sprintf("Atelier %d", i/2), status))
		}
		for i, v := range venues {
			for range 2 + i*5%7 {
				n := len(slots)
				start := base.Add(time.Duration(n/2) * time.Hour)
				slots = append(slots, db.Slot{OrganisationID: org, WorkshopID: workshops[n%nw].ID, VenueID: v.ID,
					StartsAt: start, EndsAt: start.Add(time.Hour), Capacity: 4, RegistrationClosesAt: start,
					AllowOverlap: true, // two at each hour, maybe at one venue
					Visibility:   []db.SlotVisibility{db.VisibilityPublic, db.VisibilityPublic, db.VisibilityPartners, db.VisibilityInternal}[n%4]})
			}
		}
		if _, err := db.CreateProgramme(ctx, a.Pool, db.Programme{OrganisationID: org, Title: "Parcours", Status: db.StatusPublished,
			WorkshopIDs: []int64{workshops[2].ID, workshops[0].ID, workshops[1].ID}}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateProgramme(ctx, a.Pool, db.Programme{OrganisationID: org, Title: "Brouillon", Status: db.StatusDraft,
			WorkshopIDs: []int64{workshops[2].ID}}); err != nil {
			t.Fatal(err)
		}
	}
	created, err := db.ScheduleSlots(ctx, a.Pool, slots)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range created {
		switch {
		case i%11 == 5:
			if _, err := a.Pool.Exec(ctx, `UPDATE slots SET status = 'CANCELLED', cancelled_at = now() WHERE id = $1`, s.ID); err != nil {
				t.Fatal(err)
			}
		case i%9 == 4:
			if _, err := a.Pool.Exec(ctx, `UPDATE slots SET seats_taken = capacity WHERE id = $1`, s.ID); err != nil {
				t.Fatal(err)
			}
		case s.Visibility == db.VisibilityPublic && i%3 == 0:
			if _, err := db.Reserve(ctx, a.Pool, db.Allocation{SlotID: s.ID, OrganisationID: partner, Seats: 1}); err != nil {
				t.Fatal(err)
			}
			a.register("", globalID("Slot", s.ID), i, nil)
		case s.Visibility == db.VisibilityPublic && i%3 == 1:
			a.register("", globalID("Slot", s.ID), i, nil)
		}
	}
	for i := range 4 {
		o, err := db.CreateOrganisation(ctx, a.Pool, db.Organisation{Name: fmt.Sprintf("Structure %d", i/2),
			Slug: fmt.Sprintf("structure-%d", i), Kind: db.KindAssociation, HostsWorkshops: true})
		if err != nil {
			t.Fatal(err)
		}
		for j := range i % 3 {
			dbVenue(t, a, o.ID, fmt.Sprintf("Salle %d", j), false)
		}
		dbWorkshop(t, a, o.ID, "Module", []db.WorkshopStatus{db.StatusPublished, db.StatusDraft}[i%2])
	}
	w := &stressWorld{a: a, callers: []apiCaller{{"anonymous", "", ""}, {"partner", partnerKey, partnerGID}, {"host", hostKey, hostGID}}}
	for _, l := range []struct {
		ids   *[]string
		kind  string
		table string
	}{
		{&w.venues, "Venue", "venues"}, {&w.workshops, "Workshop", "workshops"}, {&w.slots, "Slot", "slots"},
		{&w.orgs, "Organisation", "organisations"}, {&w.programmes, "Programme", "programmes"},
		{&w.allocations, "Allocation", "slot_allocations"}, {&w.registrations, "Registration", "registrations"},
	} {
		rows, err := a.Pool.Query(ctx, `SELECT id FROM `+l.table+` ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			*l.ids = append(*l.ids, globalID(l.kind, id))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		w.missing = append(w.missing, globalID(l.kind, 987654))
	}
	var out struct {
		Venues, Slots struct{ PageInfo struct{ EndCursor string } }
	}
	a.query("", `{ venues(first: 2) { pageInfo { endCursor } } slots(first: 3) { pageInfo { endCursor } } }`, nil, &out)
	w.venueCursor, w.slotCursor = out.Venues.PageInfo.EndCursor, out.Slots.PageInfo.EndCursor
	if len(w.allocations) == 0 || len(w.registrations) == 0 || w.slotCursor == "" {
		t.Fatalf("the world lacks allocations (%d), registrations (%d) or cursors", len(w.allocations), len(w.registrations))
	}
	return w
}
