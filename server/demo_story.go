package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db"
)

// demoStory is the part of the sample data that tells the Régie's story, so that the README's
// "A counsellor's day" runs on it: a department's quota used up on the internal slot, a
// household sharing one phone, last Tuesday's slot with its attendance, outcomes and a
// re-orientation to Emmaüs Connect, and a slot that ended an hour ago, with a walk-in, whose
// attendance is still to be marked.
type demoStory struct {
	regie, emmaus int64
	programme     db.Programme // the four workshops, in order
	workshops     []db.Workshop
	venue, room   int64 // the Espace numérique and its computer room
}

// load adds the story to the sample data. Its slots are scheduled after the eight of
// demoSlots, so that those keep their ids (the README's examples use them): slot 9 took place
// last Tuesday, slot 10 ended an hour ago.
func (d demoStory) load(ctx context.Context, tx pgx.Tx, slots []db.Slot) error {
	if err := d.quota(ctx, tx, slots[2]); err != nil {
		return err
	}
	if err := d.household(ctx, tx, slots[5]); err != nil {
		return err
	}
	if err := d.tuesday(ctx, tx); err != nil {
		return err
	}
	awa, err := d.justEnded(ctx, tx)
	if err != nil {
		return err
	}
	return d.course(ctx, tx, awa, slots)
}

// quota has the Régie share the internal slot between its departments, each on working time
// within its quota: Propreté's two seats are taken, so a third employee of Propreté gets
// QUOTA_REACHED; Vélo has one of its two seats left.
func (d demoStory) quota(ctx context.Context, tx pgx.Tx, internal db.Slot) error {
	regie := db.Caller{KeyID: -1, OrganisationID: d.regie, Scopes: []db.Scope{db.ScopeRegistrationsWrite}}
	for _, q := range []struct {
		label string
		seats int
		taken []int
	}{{"Propreté", 2, []int{31, 32}}, {"Vélo", 2, []int{33}}} {
		if _, err := db.Reserve(ctx, tx, db.Allocation{SlotID: internal.ID, OrganisationID: d.regie,
			Label: q.label, Seats: q.seats, Capped: true}); err != nil {
			return err
		}
		for _, n := range q.taken {
			if _, _, err := db.Register(ctx, tx, db.RegisterRequest{SlotID: internal.ID, Caller: regie,
				Participant: samplePerson(n), ConsentVersion: demoConsentVersion, AllocationLabel: q.label}); err != nil {
				return err
			}
		}
	}
	return nil
}

// household registers a mother and her son, who share her phone, together on a public slot,
// as registerHousehold does: the son, without a contact of his own, takes his mother's.
func (d demoStory) household(ctx context.Context, tx pgx.Tx, public db.Slot) error {
	mother := demoPerson("Aminata", "Exemple", 60, db.Age26To59)
	son := demoPerson("Issa", "Exemple", 60, db.AgeUnder26)
	son.HasSmartphone = ptr(false)
	_, _, err := db.RegisterAll(ctx, tx, []db.RegisterRequest{
		{SlotID: public.ID, Participant: mother, ConsentVersion: demoConsentVersion},
		{SlotID: public.ID, Participant: son, ConsentVersion: demoConsentVersion},
	})
	return err
}

// tuesday is the workshop of last Tuesday (1 to 7 days ago): Yvette, 74, came, and is
// leaving the Régie's programme; the médiatrice recorded so and sent her on to Emmaüs
// Connect, which has not answered yet (incomingOrientations).
func (d demoStory) tuesday(ctx context.Context, tx pgx.Tx) error {
	t := lastTuesday(time.Now())
	start := time.Date(t.Year(), t.Month(), t.Day(), 14, 0, 0, 0, t.Location())
	yvette := demoPerson("Yvette", "Exemple", 40, db.AgeSixtyAndOver)
	yvette.HasComputer, yvette.PreferredChannel = ptr(false), ptr(db.ChannelPhoneCall)
	_, regs, err := d.pastSlot(ctx, tx, d.workshops[3], start, yvette, samplePerson(41), samplePerson(42))
	if err != nil {
		return err
	}
	for i, a := range []db.Attendance{db.AttendancePresent, db.AttendancePresent, db.AttendanceAbsent} {
		if _, err := db.MarkAttendance(ctx, tx, regs[i].ID, a); err != nil {
			return err
		}
	}
	note := "Quitte le programme de la Régie ; accompagnement numérique à poursuivre"
	if _, err := db.RecordOutcome(ctx, tx, regs[0].ID, db.OutcomeReoriented, &note); err != nil {
		return err
	}
	if _, err := db.RecordOutcome(ctx, tx, regs[1].ID, db.OutcomeCVWritten, nil); err != nil {
		return err
	}
	_, err = db.Reorient(ctx, tx, regs[0].ID, d.regie, d.emmaus,
		"Prise en main du smartphone à son rythme, près de chez elle ; préfère être appelée")
	return err
}

// justEnded is a workshop that ended an hour ago (whatever the hour the data is loaded, so
// that the 24 hours in which the host may still record walk-ins are ahead): three people
// registered, not marked yet, one who came without registration, recorded by the Régie, and
// Awa, who starts her course there and was marked present (returned, for course).
func (d demoStory) justEnded(ctx context.Context, tx pgx.Tx) (db.Registration, error) {
	end := time.Now().Truncate(15 * time.Minute).Add(-time.Hour)
	s, regs, err := d.pastSlot(ctx, tx, d.workshops[0], end.Add(-2*time.Hour),
		demoPerson("Karim", "Exemple", 51, db.Age26To59), demoPerson("Sandrine", "Exemple", 52, db.Age26To59), demoPerson("Mehdi", "Exemple", 53, db.AgeUnder26),
		demoPerson("Awa", "Exemple", 57, db.Age26To59))
	if err != nil {
		return db.Registration{}, err
	}
	regie := db.Caller{KeyID: -1, OrganisationID: d.regie, Scopes: []db.Scope{db.ScopeAttendanceWrite}}
	_, err = db.RecordWalkIn(ctx, tx, db.RegisterRequest{SlotID: s.ID, Caller: regie,
		Participant: demoPerson("Nadia", "Exemple", 55, db.Age26To59), ConsentVersion: demoConsentVersion}, nil)
	return regs[3], err
}

// course is Awa's course in progress (Parcours numérique vers l'emploi): the CV workshop that
// just ended, attended, then France Travail, CAF and documents on the coming Thursdays (slots
// 2, 4 and 6), in order. enrol takes no slot that has started, so the enrolment is written as
// enrol would have written it had she enrolled last week: the enrolment row, her CV seat made a
// step of it, and her three seats to come registered into it.
func (d demoStory) course(ctx context.Context, tx pgx.Tx, cv db.Registration, slots []db.Slot) error {
	if _, err := db.MarkAttendance(ctx, tx, cv.ID, db.AttendancePresent); err != nil {
		return err
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO enrolments (programme_id, organisation_id, registered_by_org_id, workshop_ids)
		VALUES ($1, $2, $2, $3) RETURNING id`, d.programme.ID, d.regie, d.programme.WorkshopIDs).Scan(&id)
	if err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE registrations SET enrolment_id = $2 WHERE id = $1`, cv.ID, id); err != nil {
		return err
	}
	regie := db.Caller{KeyID: -1, OrganisationID: d.regie, Scopes: []db.Scope{db.ScopeRegistrationsWrite}}
	for _, s := range []db.Slot{slots[1], slots[3], slots[5]} {
		if _, _, err := db.Register(ctx, tx, db.RegisterRequest{SlotID: s.ID, Caller: regie, Participant: cv.Participant,
			ConsentVersion: demoConsentVersion, EnrolmentID: id}); err != nil {
			return err
		}
	}
	return nil
}

// pastSlot schedules a two-hour public slot of the Régie in the Espace's computer room that
// started at start, in the past, with people registered on it. No db function registers
// anyone on a slot that has started (registration closes before it starts), so the slot is
// scheduled two years ahead, the people registered, and then moved back to start in one
// statement, as if time had passed: UpdateSlot would refuse, and would tell the people.
func (d demoStory) pastSlot(ctx context.Context, tx pgx.Tx, w db.Workshop, start time.Time, people ...db.Participant) (db.Slot, []db.Registration, error) {
	ahead := start.AddDate(2, 0, 0)
	scheduled, err := db.ScheduleSlots(ctx, tx, []db.Slot{{OrganisationID: d.regie, WorkshopID: w.ID, VenueID: d.venue,
		RoomID: &d.room, StartsAt: ahead, EndsAt: ahead.Add(2 * time.Hour), Capacity: 8, Visibility: db.VisibilityPublic,
		RegistrationClosesAt: ahead.Add(-2 * time.Hour), FacilitatorName: ptr("Samia (médiatrice numérique)")}})
	if err != nil {
		return db.Slot{}, nil, err
	}
	s := scheduled[0]
	var regs []db.Registration
	for _, p := range people {
		reg, _, err := db.Register(ctx, tx, db.RegisterRequest{SlotID: s.ID, Participant: p, ConsentVersion: demoConsentVersion})
		if err != nil {
			return db.Slot{}, nil, err
		}
		regs = append(regs, reg)
	}
	if _, err := tx.Exec(ctx, `UPDATE slots SET starts_at = $2, ends_at = $3, registration_closes_at = $4 WHERE id = $1`,
		s.ID, start, start.Add(2*time.Hour), start.Add(-2*time.Hour)); err != nil {
		return db.Slot{}, nil, fmt.Errorf("move sample slot %d to %s: %w", s.ID, start, err)
	}
	s.StartsAt, s.EndsAt, s.RegistrationClosesAt = start, start.Add(2*time.Hour), start.Add(-2*time.Hour)
	return s, regs, nil
}
