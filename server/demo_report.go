package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db"
)

// The Régie's last three months, so that the funder's report (README "The funder's report")
// has something to show: a workshop every Monday morning from two to thirteen weeks ago, six
// of twenty-four residents at each, many coming back, with their attendance, France Travail's
// referrals and outcomes.

// historyTowns are the postal codes of Stains and its neighbours, where the residents live.
var historyTowns = []string{"93240", "93240", "93380", "93800", "93430"}

// historyAges gives each resident an age bracket (the sixth gives none).
var historyAges = []db.AgeBracket{db.AgeUnder26, db.Age26To59, db.Age26To59, db.AgeSixtyAndOver, db.Age26To59}

// history records the workshops of the weeks before the story. Residents are "Résident
// Exemple n", with fiction phones 06 39 98 1n nn.
func (d demoStory) history(ctx context.Context, tx pgx.Tx, franceTravail int64) error {
	paris, _ := time.LoadLocation("Europe/Paris")
	monday := lastTuesday(time.Now()).AddDate(0, 0, -1)
	ft := db.Caller{KeyID: -1, OrganisationID: franceTravail, Scopes: []db.Scope{db.ScopeRegistrationsWrite}}
	for week := 2; week <= 13; week++ {
		day := monday.AddDate(0, 0, -7*week)
		start := time.Date(day.Year(), day.Month(), day.Day(), 9, 30, 0, 0, paris)
		w := d.workshops[week%len(d.workshops)]
		ahead := start.AddDate(2, 0, 0)
		scheduled, err := db.ScheduleSlots(ctx, tx, []db.Slot{{OrganisationID: d.regie, WorkshopID: w.ID, VenueID: d.venue,
			RoomID: &d.room, StartsAt: ahead, EndsAt: ahead.Add(2 * time.Hour), Capacity: 8, Visibility: db.VisibilityPublic,
			RegistrationClosesAt: ahead.Add(-2 * time.Hour), FacilitatorName: ptr("Samia (médiatrice numérique)")}})
		if err != nil {
			return err
		}
		slot := scheduled[0]
		var regs []int64
		for k := range 6 {
			n := (week*5 + k*3) % 24
			p := db.Participant{FirstName: ptr("Résident"), LastName: ptr(fmt.Sprintf("Exemple %d", n)),
				Phone: ptr(fmt.Sprintf("+336399810%02d", n)), PostalCode: ptr(historyTowns[n%len(historyTowns)]),
				HasSmartphone: ptr(n%4 != 0), HasComputer: ptr(n%3 == 0)}
			if n%6 != 5 {
				p.AgeBracket = ptr(historyAges[n%len(historyAges)])
			}
			req := db.RegisterRequest{SlotID: slot.ID, Participant: p, ConsentVersion: demoConsentVersion}
			if k == 0 { // one referred by France Travail at each workshop
				req.Caller, req.Referral = ft, db.Referral{OrganisationID: &franceTravail,
					CounsellorName: ptr("Conseillère (exemple)"), Reason: ptr("Accompagnement vers l'emploi")}
			}
			reg, _, err := db.Register(ctx, tx, req)
			if err != nil {
				return fmt.Errorf("history, week %d: %w", week, err)
			}
			regs = append(regs, reg.ID)
		}
		if _, err := tx.Exec(ctx, `UPDATE slots SET starts_at = $2, ends_at = $3, registration_closes_at = $4 WHERE id = $1`,
			slot.ID, start, start.Add(2*time.Hour), start.Add(-2*time.Hour)); err != nil {
			return fmt.Errorf("move sample slot %d to %s: %w", slot.ID, start, err)
		}
		// Most came; one in five was absent, one in seven excused, and the last seat of every
		// third workshop is still to be marked. The referred person's outcome is recorded.
		for k, id := range regs {
			n := week*6 + k
			a := db.AttendancePresent
			switch {
			case k == 5 && week%3 == 0:
				continue
			case n%5 == 4:
				a = db.AttendanceAbsent
			case n%7 == 6:
				a = db.AttendanceExcused
			}
			if _, err := db.MarkAttendance(ctx, tx, id, a); err != nil {
				return err
			}
			if k == 0 && a == db.AttendancePresent {
				outcome := db.OutcomeProcedureDoneAlone
				if w.ID == d.workshops[0].ID {
					outcome = db.OutcomeCVWritten
				}
				if _, err := db.RecordOutcome(ctx, tx, id, outcome, nil); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
