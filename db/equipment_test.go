package db_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// The rules of the donated devices, stated against the db functions (server/equipment_test.go
// tests them again through the API).

// stock is an organisation holding devices, with requests recorded by itself.
type stock struct {
	t    *testing.T
	pool db.Querier
	org  int64
}

func newStock(t *testing.T) stock {
	t.Helper()
	pool := dbtest.New(t)
	var org int64
	if err := pool.QueryRow(context.Background(), `INSERT INTO organisations (name, slug, kind, hosts_workshops)
		VALUES ('Régie', 'regie', 'REGIE_DE_QUARTIER', true) RETURNING id`).Scan(&org); err != nil {
		t.Fatal(err)
	}
	return stock{t, pool, org}
}

func (s stock) device(n int) int64 {
	s.t.Helper()
	inv := fmt.Sprintf("ECO-%03d", n)
	d, err := db.AddDevice(context.Background(), s.pool, db.Device{OrganisationID: s.org, Kind: db.DeviceLaptop, Donor: "Ecodair",
		ReceivedOn: time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC), Condition: db.ConditionGood, InventoryNumber: &inv})
	if err != nil {
		s.t.Fatal(err)
	}
	return d.ID
}

// need records a request for person n; change sets its particulars.
func (s stock) need(n int, change func(*db.EquipmentRequest)) db.EquipmentRequest {
	s.t.Helper()
	first, phone := fmt.Sprintf("Personne %d", n), fmt.Sprintf("+3363998%04d", n)
	e := db.EquipmentRequest{OrganisationID: s.org, RequestedByOrgID: s.org, FirstName: &first, Phone: &phone,
		AgeBracket: db.Age26To59, Situation: db.SituationResident, HasComputer: true, HasSmartphone: true, HasInternet: true,
		ConsentVersion: "2026-11"}
	if change != nil {
		change(&e)
	}
	out, err := db.RequestEquipment(context.Background(), s.pool, e)
	if err != nil {
		s.t.Fatal(err)
	}
	return out
}

// The default ranking: young people without a computer first, then seniority in the structure,
// then need, then the earlier request; each rank says why in words.
func TestTheRankingPutsTheYoungWithoutEquipmentFirstAndSaysWhy(t *testing.T) {
	t.Parallel()
	s := newStock(t)
	since := time.Date(2025, 10, 5, 0, 0, 0, 0, time.UTC) // 14 months before the day of the test below
	senior := s.need(1, func(e *db.EquipmentRequest) {
		e.Situation, e.EmployeeSince, e.HasComputer = db.SituationEmployeeInInsertion, &since, false
	})
	needy := s.need(2, func(e *db.EquipmentRequest) {
		e.AgeBracket, e.HasComputer, e.HasInternet, e.HasSmartphone = db.AgeSixtyAndOver, false, false, false
	})
	young := s.need(3, func(e *db.EquipmentRequest) { e.AgeBracket, e.HasComputer = db.AgeUnder26, false })
	equipped := s.need(4, nil)
	twin := s.need(5, nil) // as equipped, later: behind it
	want := []int64{young.ID, senior.ID, needy.ID, equipped.ID, twin.ID}
	rules, ranked, err := db.Ranking(context.Background(), s.pool, s.org)
	if err != nil {
		t.Fatal(err)
	}
	ids := func(ranked []db.RankedRequest) []int64 {
		var order []int64
		for _, r := range ranked {
			order = append(order, r.Request.ID)
		}
		return order
	}
	if order := ids(ranked); rules.Version != 0 || !slices.Equal(order, want) {
		t.Fatalf("ranking today %v (rules version %d), want %v: young, senior, needy, then by date", order, rules.Version, want)
	}
	// The reasons, on a fixed day.
	open := make([]db.EquipmentRequest, len(ranked))
	for i, r := range ranked {
		open[i] = r.Request
	}
	ranked = db.DefaultEquipmentRules.Rank(open, time.Date(2026, 12, 5, 0, 0, 0, 0, time.UTC))
	if order := ids(ranked); !slices.Equal(order, want) {
		t.Fatalf("ranking on 5 December 2026 %v, want %v", order, want)
	}
	explain := func(r db.RankedRequest) string {
		var lines []string
		for _, x := range r.Reasons {
			lines = append(lines, x.Detail)
		}
		return strings.Join(lines, "; ")
	}
	for i, want := range []string{
		"under 26 without a computer: +10000; no computer at home: +5",
		"14 months in the structure: +280; no computer at home: +5",
		"no computer at home: +5; no internet at home: +3; no smartphone: +1",
		"", "",
	} {
		if got := explain(ranked[i]); got != want || ranked[i].Rank != i+1 {
			t.Errorf("rank %d: %q (rank %d), want %q", i+1, got, ranked[i].Rank, want)
		}
	}
	if ranked[0].Score != 10005 || ranked[1].Score != 285 {
		t.Errorf("scores %d and %d, want 10005 and 285", ranked[0].Score, ranked[1].Score)
	}
	// An organisation's own weights: need first.
	if _, err := db.SetEquipmentRules(context.Background(), s.pool, db.EquipmentRules{OrganisationID: s.org,
		NoComputer: 100, NoInternet: 100, NoSmartphone: 100}); err != nil {
		t.Fatal(err)
	}
	rules, ranked, _ = db.Ranking(context.Background(), s.pool, s.org)
	if rules.Version != 1 || ranked[0].Request.ID != needy.ID {
		t.Errorf("with need first (version %d): first %d, want %d", rules.Version, ranked[0].Request.ID, needy.ID)
	}
	if _, err := db.RequestEquipment(context.Background(), s.pool, db.EquipmentRequest{OrganisationID: s.org, RequestedByOrgID: s.org,
		FirstName: young.FirstName, Phone: young.Phone, AgeBracket: db.AgeUnder26, Situation: db.SituationResident,
		ConsentVersion: "2026-11"}); !errors.Is(err, db.ErrAlreadyRequested) {
		t.Errorf("a second open request for the same person: %v, want ErrAlreadyRequested", err)
	}
	// Months are full on the same day of a later month.
	for _, c := range []struct {
		since, today string
		months       int
	}{{"2026-01-31", "2026-02-28", 0}, {"2026-01-31", "2026-03-01", 1}, {"2025-10-05", "2026-12-05", 14}, {"2025-10-05", "2026-12-04", 13}, {"2027-01-01", "2026-12-05", 0}} {
		since, _ := time.Parse(time.DateOnly, c.since)
		today, _ := time.Parse(time.DateOnly, c.today)
		score, _ := db.EquipmentRules{SeniorityPerMonth: 1, SeniorityMaxMonths: 600}.Score(db.EquipmentRequest{EmployeeSince: &since, HasComputer: true}, today)
		if score != c.months {
			t.Errorf("from %s to %s: %d months, want %d", c.since, c.today, score, c.months)
		}
	}
}

// A device goes to the first of the ranking, or to another with a reason kept; it is handed
// over, declined (back to stock, the request back in the ranking) or given back (to check).
func TestADeviceGoesToTheFirstAndComesBack(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStock(t)
	young := s.need(1, func(e *db.EquipmentRequest) { e.AgeBracket, e.HasComputer = db.AgeUnder26, false })
	other := s.need(2, nil)
	laptop := s.device(1)
	if _, err := db.ProposeDevice(ctx, s.pool, s.org, laptop, other.ID, nil, 0); !errors.Is(err, db.ErrNotFirst) {
		t.Errorf("to the second without a reason: %v, want ErrNotFirst", err)
	}
	h, err := db.ProposeDevice(ctx, s.pool, s.org, laptop, 0, nil, 0)
	if err != nil || h.RequestID != young.ID || h.Rank != 1 || h.Score != 10005 || len(h.Reasons) != 2 || h.RulesVersion != 0 {
		t.Fatalf("to the first: %+v, %v", h, err)
	}
	if _, err := db.ProposeDevice(ctx, s.pool, s.org, laptop, 0, nil, 0); !errors.Is(err, db.ErrDeviceNotInStock) {
		t.Errorf("the same device again: %v, want ErrDeviceNotInStock", err)
	}
	h, err = db.DeclineDevice(ctx, s.pool, s.org, h.ID, "Préfère une tablette", false)
	if err != nil || h.Status != db.HandoverDeclined {
		t.Fatalf("declined: %+v, %v", h, err)
	}
	why := "Sa formation commence lundi"
	h, err = db.ProposeDevice(ctx, s.pool, s.org, laptop, other.ID, &why, 0)
	if err != nil || h.Rank != 2 || h.OverrideReason == nil || *h.OverrideReason != why {
		t.Fatalf("to the second with a reason: %+v, %v", h, err)
	}
	if h, err = db.GiveDevice(ctx, s.pool, s.org, h.ID, "Samia", "Signature sur la fiche de remise"); err != nil || h.Status != db.HandoverGiven {
		t.Fatalf("given: %+v, %v", h, err)
	}
	if _, err := db.GiveDevice(ctx, s.pool, s.org, h.ID, "Samia", "encore"); !errors.Is(err, db.ErrHandoverNotPending) {
		t.Errorf("given twice: %v, want ErrHandoverNotPending", err)
	}
	if h, err = db.ReturnDevice(ctx, s.pool, s.org, h.ID, "Écran fissuré"); err != nil || h.Status != db.HandoverReturned {
		t.Fatalf("returned: %+v, %v", h, err)
	}
	d, _ := db.DeviceByID(ctx, s.pool, laptop)
	y, _ := db.EquipmentRequestByID(ctx, s.pool, young.ID)
	o, _ := db.EquipmentRequestByID(ctx, s.pool, other.ID)
	if d.Status != db.DeviceReturned || y.Status != db.RequestOpen || o.Status != db.RequestGiven {
		t.Errorf("after all: device %s, young %s, other %s; want RETURNED, OPEN (declined, back in the ranking), GIVEN", d.Status, y.Status, o.Status)
	}
}

// Many proposals at once (two médiatrices, a double click): a device goes to one person, a
// request gets one device, and as many proposals succeed as there are devices or requests.
func TestProposalsUnderConcurrencyNeverShareADevice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStock(t)
	for n := range 3 {
		s.need(n+1, nil)
	}
	var devices []int64
	for n := range 5 {
		devices = append(devices, s.device(n+1))
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	made := 0
	for i := range 40 {
		wg.Go(func() {
			_, err := db.ProposeDevice(ctx, s.pool, s.org, devices[i%len(devices)], 0, nil, 0)
			switch {
			case err == nil:
				mu.Lock()
				made++
				mu.Unlock()
			case !errors.Is(err, db.ErrDeviceNotInStock) && !errors.Is(err, db.ErrNoOpenRequest):
				t.Errorf("proposal %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	var perDevice, perRequest, reserved int
	s.pool.QueryRow(ctx, `SELECT (SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM equipment_handovers GROUP BY device_id) x),
		(SELECT coalesce(max(n), 0) FROM (SELECT count(*) n FROM equipment_handovers GROUP BY request_id) y),
		(SELECT count(*) FROM devices WHERE status = 'RESERVED')`).Scan(&perDevice, &perRequest, &reserved)
	if made != 3 || perDevice != 1 || perRequest != 1 || reserved != 3 {
		t.Errorf("40 proposals at once: %d made, at most %d per device and %d per request, %d reserved; want 3, 1, 1, 3", made, perDevice, perRequest, reserved)
	}
}

// The funder's figures count what was given by age bracket, situation and kind, and stay the
// same once the people's data is gone.
func TestEquipmentFiguresSurviveAnonymisation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := newStock(t)
	for n, age := range []db.AgeBracket{db.AgeUnder26, db.AgeUnder26, db.AgeSixtyAndOver} {
		s.need(n+1, func(e *db.EquipmentRequest) { e.AgeBracket, e.HasComputer = age, false })
		h, err := db.ProposeDevice(ctx, s.pool, s.org, s.device(n+1), 0, nil, 0)
		if err == nil {
			_, err = db.GiveDevice(ctx, s.pool, s.org, h.ID, "Samia", "Signé")
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	from, to := time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	before, err := db.EquipmentGiven(ctx, s.pool, db.ReportOf{OrganisationID: s.org}, from, to)
	if err != nil || before.Given != 3 || before.ByAgeBracket[db.AgeUnder26] != 2 || before.BySituation[db.SituationResident] != 3 || before.ByKind[db.DeviceLaptop] != 3 {
		t.Fatalf("figures: %+v, %v", before, err)
	}
	if _, err := s.pool.Exec(ctx, `UPDATE equipment_requests SET first_name = NULL, last_name = NULL, phone = NULL, email = NULL,
		reason = '', anonymised_at = now()`); err != nil {
		t.Fatal(err)
	}
	after, _ := db.EquipmentGiven(ctx, s.pool, db.ReportOf{OrganisationID: s.org}, from, to)
	if fmt.Sprint(after) != fmt.Sprint(before) {
		t.Errorf("after anonymisation: %+v, want %+v", after, before)
	}
}
