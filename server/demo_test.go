package main

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// The sample data loads once, even when two instances start together, and its printed keys
// work as the README says.
func TestDemoDataLoadsOnce(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			if err := loadDemo(ctx, a.Pool); err != nil {
				t.Errorf("loadDemo: %v", err)
			}
		})
	}
	wg.Wait()
	if err := loadDemo(ctx, a.Pool); err != nil {
		t.Fatalf("loadDemo again: %v", err)
	}
	var orgs, slots int
	a.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM organisations), (SELECT count(*) FROM slots)`).Scan(&orgs, &slots)
	if orgs != 4 || slots != 22 {
		t.Errorf("got %d organisations and %d slots, want 4 and 22 (loaded once)", orgs, slots)
	}

	// The full slot is full of real (sample) registrations, with two people waiting, France
	// Travail has referred someone, and the story has its people (TestDemoDataTellsTheStory).
	var confirmed, waiting, referred int
	a.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'CONFIRMED'), count(*) FILTER (WHERE status = 'WAITLISTED'),
		count(*) FILTER (WHERE referring_org_id IS NOT NULL) FROM registrations`).Scan(&confirmed, &waiting, &referred)
	// 8 + 1 referral, 3 on the quotas, a household of 2, 3 last Tuesday, 4 + 1 walk-in on the
	// slot that just ended, Awa's 3 seats to come in her course, and the 12 workshops of 6 of
	// the last three months (one referred at each).
	if confirmed != 97 || waiting != 2 || referred != 13 {
		t.Errorf("got %d confirmed, %d waiting, %d referred; want 97, 2, 13", confirmed, waiting, referred)
	}

	var regie struct {
		Viewer struct {
			Organisation struct{ Slug string }
			Scopes       []string
		}
	}
	a.query(demoRegieKey, `{ viewer { organisation { slug } scopes } }`, nil, &regie)
	var scopes struct {
		Type struct{ EnumValues []struct{ Name string } } `json:"__type"`
	}
	a.query("", `{ __type(name: "Scope") { enumValues { name } } }`, nil, &scopes)
	if regie.Viewer.Organisation.Slug != "regie-quartier-stains" || len(regie.Viewer.Scopes) != len(scopes.Type.EnumValues) {
		t.Errorf("Régie demo key: got %+v, want the Régie with all %d scopes", regie.Viewer, len(scopes.Type.EnumValues))
	}

	// What the public website sees: public upcoming slots only (not the story's past ones), one
	// of them full.
	var public struct {
		Slots struct {
			Edges []struct {
				Node struct {
					Visibility string
					SeatsLeft  int
				}
			}
		}
	}
	a.query("", `{ slots(first: 100) { edges { node { visibility seatsLeft } } } }`, nil, &public)
	full := 0
	for _, e := range public.Slots.Edges {
		if e.Node.Visibility != "PUBLIC" {
			t.Errorf("anonymous caller sees a %s slot", e.Node.Visibility)
		}
		if e.Node.SeatsLeft == 0 {
			full++
		}
	}
	if len(public.Slots.Edges) != 6 || full != 1 {
		t.Errorf("anonymous caller sees %d slots with %d full, want 6 with 1 full", len(public.Slots.Edges), full)
	}
	var partner struct{ Slots struct{ Edges []struct{} } }
	a.query(demoFranceTravailKey, `{ slots(first: 100) { edges { node { id } } } }`, nil, &partner)
	if len(partner.Slots.Edges) != 7 {
		t.Errorf("France Travail sees %d slots, want 7 (public and partners-only)", len(partner.Slots.Edges))
	}

	// The Espace numérique has two rooms; its workshops take the computer room.
	var espace struct {
		Venues struct {
			Edges []struct {
				Node struct {
					Name  string
					Rooms []struct{ Name string }
					Slots struct {
						Edges []struct {
							Node struct{ Room *struct{ Name string } }
						}
					}
				}
			}
		}
	}
	a.query("", `{ venues(first: 10) { edges { node { name rooms { name } slots(first: 10) { edges { node { room { name } } } } } } } }`, nil, &espace)
	found := false
	for _, e := range espace.Venues.Edges {
		if e.Node.Name != "Espace numérique de la Régie" {
			continue
		}
		found = true
		if len(e.Node.Rooms) != 2 || len(e.Node.Slots.Edges) == 0 {
			t.Errorf("the Espace numérique: got rooms %+v and %d slots, want 2 rooms and slots", e.Node.Rooms, len(e.Node.Slots.Edges))
		}
		for _, s := range e.Node.Slots.Edges {
			if s.Node.Room == nil || s.Node.Room.Name != "Salle informatique" {
				t.Errorf("a slot of the Espace numérique in room %+v, want the Salle informatique", s.Node.Room)
			}
		}
	}
	if !found {
		t.Error("no Espace numérique de la Régie among the venues")
	}
}

// The sample data tells the Régie's story as the README's "A counsellor's day" walks it, seen
// through the API with the demo keys and the ids the README uses.
func TestDemoDataTellsTheStory(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	if err := loadDemo(t.Context(), a.Pool); err != nil {
		t.Fatal(err)
	}

	t.Run("a department's quota used up on the internal slot", func(t *testing.T) {
		a := a.withT(t)
		var got struct {
			Node struct {
				Visibility  string
				Allocations []struct {
					Label             string
					Seats, SeatsTaken int
					Capped            bool
				}
			}
		}
		a.query(demoRegieKey, `{ node(id: "U2xvdDoz") { ... on Slot { visibility allocations { label seats seatsTaken capped } } } }`, nil, &got)
		want := map[string][2]int{"Propreté": {2, 2}, "Vélo": {2, 1}}
		if got.Node.Visibility != "INTERNAL" || len(got.Node.Allocations) != len(want) {
			t.Fatalf("slot 3: got %+v, want an INTERNAL slot with the quotas %v", got.Node, want)
		}
		for _, q := range got.Node.Allocations {
			if w, ok := want[q.Label]; !ok || !q.Capped || q.Seats != w[0] || q.SeatsTaken != w[1] {
				t.Errorf("quota %+v, want %q capped with %d seats, %d taken", q, q.Label, w[0], w[1])
			}
		}
		var reg struct {
			Register struct{ UserErrors []struct{ Code string } }
		}
		a.query(demoRegieKey, `mutation($in: RegisterInput!) { register(input: $in) { userErrors { code } } }`, map[string]any{"in": map[string]any{
			"slotId": "U2xvdDoz", "allocationLabel": "Propreté",
			"participant": map[string]any{"firstName": "Personne", "lastName": "Exemple 34", "phone": "06 39 98 00 34", "consent": true, "consentVersion": "2026-11"}}}, &reg)
		if errs := reg.Register.UserErrors; len(errs) != 1 || errs[0].Code != "QUOTA_REACHED" {
			t.Errorf("a third employee of Propreté: got %+v, want QUOTA_REACHED", errs)
		}
	})

	t.Run("a household sharing one phone", func(t *testing.T) {
		var got struct {
			PersonHistory []struct {
				Status      string
				Slot        struct{ ID string }
				Participant struct{ FirstName string }
			}
		}
		a.withT(t).query(demoRegieKey, `{ personHistory(phone: "06 39 98 00 60") { status slot { id } participant { firstName } } }`, nil, &got)
		h := got.PersonHistory
		if len(h) != 2 || h[0].Slot != h[1].Slot || h[0].Status != "CONFIRMED" || h[1].Status != "CONFIRMED" {
			t.Errorf("the household's phone: got %+v, want two confirmed seats on one slot", h)
		}
	})

	t.Run("last Tuesday: attended, an outcome, re-oriented to Emmaüs Connect", func(t *testing.T) {
		a := a.withT(t)
		var history struct {
			PersonHistory []struct {
				Slot         struct{ ID string }
				Attendance   string
				Participant  struct{ AgeBracket string }
				Outcome      struct{ Kind, Note string }
				Orientations []struct {
					To     struct{ Name string }
					Status string
				}
			}
		}
		a.query(demoRegieKey, `{ personHistory(name: "yvette exemple") { slot { id } attendance participant { ageBracket }
			outcome { kind note } orientations { to { name } status } } }`, nil, &history)
		if h := history.PersonHistory; len(h) != 1 || h[0].Slot.ID != "U2xvdDo5" || h[0].Attendance != "PRESENT" ||
			h[0].Participant.AgeBracket != "SIXTY_AND_OVER" || h[0].Outcome.Kind != "REORIENTED" || h[0].Outcome.Note == "" ||
			len(h[0].Orientations) != 1 || h[0].Orientations[0].To.Name != "Emmaüs Connect (exemple)" || h[0].Orientations[0].Status != "PENDING" {
			t.Errorf("Yvette's history: got %+v, want last Tuesday's slot 9, present, REORIENTED with a note, sent on to Emmaüs Connect", h)
		}
		var incoming struct {
			IncomingOrientations struct {
				Edges []struct {
					Node struct {
						Status string
						From   struct{ Name string }
						Person struct{ FirstName, PreferredChannel string }
					}
				}
			}
		}
		a.query(demoEmmausKey, `{ incomingOrientations { edges { node { status from { name } person { firstName preferredChannel } } } } }`, nil, &incoming)
		if e := incoming.IncomingOrientations.Edges; len(e) != 1 || e[0].Node.Status != "PENDING" ||
			e[0].Node.From.Name != "Régie de Quartier de Stains (exemple)" || e[0].Node.Person.FirstName != "Yvette" || e[0].Node.Person.PreferredChannel != "PHONE_CALL" {
			t.Errorf("Emmaüs Connect's incoming orientations: got %+v, want Yvette's, pending, from the Régie", e)
		}
		var attendance struct {
			Node struct {
				Registrations struct {
					Edges []struct{ Node struct{ Attendance string } }
				}
			}
		}
		a.query(demoRegieKey, `{ node(id: "U2xvdDo5") { ... on Slot { registrations { edges { node { attendance } } } } } }`, nil, &attendance)
		marks := map[string]int{}
		for _, e := range attendance.Node.Registrations.Edges {
			marks[e.Node.Attendance]++
		}
		if len(marks) != 2 || marks["PRESENT"] != 2 || marks["ABSENT"] != 1 {
			t.Errorf("last Tuesday's attendance: got %v, want 2 present and 1 absent", marks)
		}
	})

	t.Run("the slot that just ended: a walk-in, and room for the day's", func(t *testing.T) {
		a := a.withT(t)
		var got struct {
			Node struct {
				EndsAt        time.Time
				Registrations struct {
					Edges []struct {
						Node struct {
							WalkIn     bool
							Attendance *string
						}
					}
				}
			}
		}
		a.query(demoRegieKey, `{ node(id: "U2xvdDoxMA") { ... on Slot { endsAt registrations { edges { node { walkIn attendance } } } } } }`, nil, &got)
		if ago := time.Since(got.Node.EndsAt); ago < time.Hour || ago > 2*time.Hour {
			t.Errorf("slot 10 ended %s ago, want an hour or so", ago)
		}
		walkIns, unmarked := 0, 0
		for _, e := range got.Node.Registrations.Edges {
			switch {
			case e.Node.WalkIn && e.Node.Attendance != nil && *e.Node.Attendance == "PRESENT":
				walkIns++
			case !e.Node.WalkIn && e.Node.Attendance == nil:
				unmarked++
			}
		}
		if walkIns != 1 || unmarked != 3 || len(got.Node.Registrations.Edges) != 5 {
			t.Errorf("slot 10: got %d registrations, %d walk-ins present, %d unmarked; want 5 (Awa present), 1, 3", len(got.Node.Registrations.Edges), walkIns, unmarked)
		}
		var walkIn struct {
			RecordWalkIn struct {
				Registration *struct{ WalkIn bool }
				UserErrors   []struct{ Code string }
			}
		}
		a.query(demoRegieKey, `mutation($in: RecordWalkInInput!) { recordWalkIn(input: $in) { registration { walkIn } userErrors { code } } }`,
			map[string]any{"in": map[string]any{"slotId": "U2xvdDoxMA", "participant": map[string]any{
				"firstName": "Fatou", "lastName": "Exemple", "phone": "06 39 98 00 56", "consent": true, "consentVersion": "2026-11"}}}, &walkIn)
		if r := walkIn.RecordWalkIn; r.Registration == nil || !r.Registration.WalkIn {
			t.Errorf("another walk-in on slot 10: got %+v, want it recorded", r)
		}
	})

	t.Run("a course in progress: Awa attended the CV workshop, three to come in order", func(t *testing.T) {
		var got struct {
			Enrolments struct {
				Edges []struct {
					Node struct {
						Status              string
						Attended, Remaining int
						Steps               []struct {
							State        string
							Registration struct{ Slot struct{ ID string } }
						}
					}
				}
			}
		}
		a.query(demoRegieKey, `{ enrolments { edges { node { status attended remaining steps { state registration { slot { id } } } } } } }`, nil, &got)
		if len(got.Enrolments.Edges) != 1 {
			t.Fatalf("the Régie's enrolments: %+v, want Awa's", got.Enrolments.Edges)
		}
		e := got.Enrolments.Edges[0].Node
		var states, slots []string
		for _, s := range e.Steps {
			states, slots = append(states, s.State), append(slots, s.Registration.Slot.ID)
		}
		if e.Status != "IN_PROGRESS" || e.Attended != 1 || e.Remaining != 3 ||
			!slices.Equal(states, []string{"ATTENDED", "BOOKED", "BOOKED", "BOOKED"}) ||
			!slices.Equal(slots, []string{"U2xvdDoxMA", "U2xvdDoy", "U2xvdDo0", "U2xvdDo2"}) {
			t.Errorf("Awa's course: %+v; want the CV attended on slot 10, then slots 2, 4 and 6 booked", e)
		}
	})

	t.Run("the Régie's report of its last months", func(t *testing.T) {
		var got reportAnswer
		paris, _ := time.LoadLocation("Europe/Paris")
		today := time.Now().In(paris)
		a.query(demoRegieKey, reportDoc, map[string]any{"from": today.AddDate(0, 0, -120).Format(time.DateOnly),
			"to": today.Format(time.DateOnly)}, &got)
		r := got.Report
		// Twelve Mondays, last Tuesday's and the slot that just ended.
		if *r.Totals.SlotsHeld != 14 || r.Totals.Registrations < 72 || r.Totals.UniqueParticipants >= r.Totals.Attended ||
			r.Totals.FirstTimeParticipants == 0 || len(r.ByMonth) < 3 || len(r.ByOutcome) < 3 || len(r.ByReferrer) != 2 {
			t.Errorf("the Régie's report: %+v", r)
		}
	})

	t.Run("a stock from Ecodair and a ranked list with its reasons", func(t *testing.T) {
		var got struct {
			Devices struct {
				Edges []struct {
					Node struct{ Status, Donor string }
				}
			}
			EquipmentRanking struct {
				Requests []struct {
					Rank    int
					Reasons []struct{ Detail string }
					Request struct{ FirstName string }
				}
			}
		}
		a.query(demoRegieKey, `{ devices { edges { node { status donor } } }
			equipmentRanking { requests { rank reasons { detail } request { firstName } } } }`, nil, &got)
		inStock := 0
		for _, e := range got.Devices.Edges {
			if e.Node.Status == "IN_STOCK" && e.Node.Donor == "Ecodair" {
				inStock++
			}
		}
		var names []string
		for _, r := range got.EquipmentRanking.Requests {
			names = append(names, r.Request.FirstName)
		}
		if len(got.Devices.Edges) != 4 || inStock != 3 || !slices.Equal(names, []string{"Bakary", "Mehdi", "Fatima"}) {
			t.Fatalf("the Régie's stock and ranking: %d devices, %d in stock, %v; want 4, 3, Bakary, Mehdi, Fatima", len(got.Devices.Edges), inStock, names)
		}
		if r := got.EquipmentRanking.Requests[0]; len(r.Reasons) == 0 || r.Reasons[0].Detail != "under 26 without a computer: +10000" {
			t.Errorf("Bakary's reasons: %+v", r.Reasons)
		}
	})
}

// The story's past slots are dated from the Tuesdays around the day the data is loaded, on
// whatever day of the week that is.
func TestDemoTuesdays(t *testing.T) {
	t.Parallel()
	paris, _ := time.LoadLocation("Europe/Paris")
	date := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	for day := range 7 {
		now := time.Date(2027, 3, 1+day, 23, 30, 0, 0, paris) // Monday 1 March 2027, then the week
		next, last := nextTuesday(now), lastTuesday(now)
		ahead, back := date(next).Sub(date(now)).Hours()/24, date(now).Sub(date(last)).Hours()/24
		if next.Weekday() != time.Tuesday || ahead < 1 || ahead > 7 {
			t.Errorf("on %s: next Tuesday %s, want a Tuesday 1 to 7 days ahead", now.Weekday(), next)
		}
		if last.Weekday() != time.Tuesday || back < 1 || back > 7 {
			t.Errorf("on %s: last Tuesday %s, want a Tuesday 1 to 7 days back", now.Weekday(), last)
		}
	}
}
