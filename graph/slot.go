package graph

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/regiestains/ateliers/db"
)

// localTime turns a Paris wall-clock input into an instant, or records why it cannot.
func localTime(p *problems, field string, l *LocalDateTime, days int) (time.Time, bool) {
	if l == nil {
		return time.Time{}, false
	}
	t, ok := l.In(days)
	if !ok {
		p.add(UserErrorCodeNonexistentLocalTime, field, "%s: %s does not exist in Europe/Paris (clocks go forward that night)",
			field, time.Date(l.Year, l.Month, l.Day+days, l.Hour, l.Minute, 0, 0, time.UTC).Format("2006-01-02 15:04"))
	}
	return t, ok
}

// setTimes applies the optional end and registration window of a slot input.
func setTimes(p *problems, s *db.Slot, endsAt, closesAt, opensAt *LocalDateTime) {
	if end, ok := localTime(p, "endsAt", endsAt, 0); ok {
		s.EndsAt = end
	}
	if closes, ok := localTime(p, "registrationClosesAt", closesAt, 0); ok {
		s.RegistrationClosesAt = closes
	}
	if opens, ok := localTime(p, "registrationOpensAt", opensAt, 0); ok {
		s.RegistrationOpensAt = &opens
	}
}

// slotHorizonYears bounds how far ahead a slot may start: a start in the year 9999 ended in
// 10000, a date no client parses, and a typo of the century (2206) went through. Ten years
// is far beyond any programme the network plans, and keeps the fixed dates of the tests
// (2032-2033, chosen for their weekdays and clock changes) valid.
const slotHorizonYears = 10

// checkSlot validates a slot's times, window and capacity. now is passed in so that a series
// judges all its occurrences against the same instant; startField names the input that set
// the start (startsAt, or firstStartsAt for a series).
func checkSlot(p *problems, s *db.Slot, now time.Time, startField string) {
	if !s.StartsAt.After(now) {
		p.add(UserErrorCodeInvalidRange, startField, "%s must be in the future", startField)
	} else if s.StartsAt.After(now.AddDate(slotHorizonYears, 0, 0)) {
		p.add(UserErrorCodeInvalidRange, startField, "%s must be at most %d years ahead", startField, slotHorizonYears)
	}
	if !s.EndsAt.After(s.StartsAt) {
		p.add(UserErrorCodeInvalidRange, "endsAt", "endsAt must be after startsAt")
	} else if s.EndsAt.Sub(s.StartsAt) > 12*time.Hour {
		p.add(UserErrorCodeInvalidRange, "endsAt", "a slot lasts at most 12 hours")
	}
	if s.RegistrationClosesAt.After(s.StartsAt) {
		p.add(UserErrorCodeInvalidRange, "registrationClosesAt", "registrationClosesAt must be at or before startsAt")
	}
	if s.RegistrationOpensAt != nil && !s.RegistrationOpensAt.Before(s.RegistrationClosesAt) {
		p.add(UserErrorCodeInvalidRange, "registrationOpensAt", "registrationOpensAt must be before registrationClosesAt")
	}
	p.intRange("capacity", s.Capacity, 1, 500)
	p.optText("facilitatorName", s.FacilitatorName, 200)
}

// slotPlace loads and checks the workshop and venue of a new slot: both the caller's, neither
// archived.
func (r *Resolver) slotPlace(ctx context.Context, p *problems, workshopID, venueID string) (db.Workshop, db.Venue, error) {
	w, err := r.ownWorkshop(ctx, p, "workshopId", workshopID)
	if err != nil {
		return w, db.Venue{}, err
	}
	v, err := r.ownVenue(ctx, p, "venueId", venueID)
	if err != nil {
		return w, v, err
	}
	if w.Status == db.StatusArchived {
		p.add(UserErrorCodeArchived, "workshopId", "the workshop is archived")
	}
	if v.IsArchived() {
		p.add(UserErrorCodeArchived, "venueId", "the venue is archived")
	}
	return w, v, nil
}

func (r *mutationResolver) scheduleSlot(ctx context.Context, in ScheduleSlotInput) (*SlotPayload, error) {
	var p problems
	w, v, err := r.slotPlace(ctx, &p, in.WorkshopID, in.VenueID)
	if err != nil || len(p) > 0 {
		return &SlotPayload{UserErrors: p}, err
	}
	s := db.Slot{OrganisationID: w.OrganisationID, WorkshopID: w.ID, VenueID: v.ID, Capacity: in.Capacity,
		Visibility: or(in.Visibility, db.VisibilityPublic), FacilitatorName: nonEmpty(in.FacilitatorName)}
	start, ok := localTime(&p, "startsAt", &in.StartsAt, 0)
	s.StartsAt, s.EndsAt, s.RegistrationClosesAt = start, start.Add(time.Duration(w.DurationMinutes)*time.Minute), start
	setTimes(&p, &s, in.EndsAt, in.RegistrationClosesAt, in.RegistrationOpensAt)
	if ok {
		checkSlot(&p, &s, time.Now(), "startsAt")
	}
	if len(p) > 0 {
		return &SlotPayload{UserErrors: p}, nil
	}
	created, err := db.ScheduleSlots(ctx, r.Pool, []db.Slot{s})
	if err != nil {
		return nil, err
	}
	return &SlotPayload{Slot: &created[0], UserErrors: p.errs()}, nil
}

func (r *mutationResolver) scheduleSlotSeries(ctx context.Context, in ScheduleSlotSeriesInput) (*SlotSeriesPayload, error) {
	var p problems
	w, v, err := r.slotPlace(ctx, &p, in.WorkshopID, in.VenueID)
	if err != nil || len(p) > 0 {
		return &SlotSeriesPayload{Slots: []db.Slot{}, UserErrors: p}, err
	}
	interval, minutes := or(in.IntervalWeeks, 1), w.DurationMinutes
	set(&minutes, in.DurationMinutes)
	p.intRange("occurrences", in.Occurrences, 1, 52)
	p.intRange("intervalWeeks", interval, 1, 4)
	p.intRange("durationMinutes", minutes, 15, 720)
	if len(p) > 0 {
		return &SlotSeriesPayload{Slots: []db.Slot{}, UserErrors: p}, nil
	}
	now := time.Now()
	slots := make([]db.Slot, 0, in.Occurrences)
	for i := range in.Occurrences {
		// Each occurrence is the same wall-clock time 7·interval·i days later, computed from the
		// calendar date rather than by adding hours, so 14:00 stays 14:00 across DST changes.
		start, ok := localTime(&p, "firstStartsAt", &in.FirstStartsAt, 7*interval*i)
		if !ok {
			continue
		}
		s := db.Slot{OrganisationID: w.OrganisationID, WorkshopID: w.ID, VenueID: v.ID,
			StartsAt: start, EndsAt: start.Add(time.Duration(minutes) * time.Minute), RegistrationClosesAt: start,
			Capacity: in.Capacity, Visibility: or(in.Visibility, db.VisibilityPublic), FacilitatorName: nonEmpty(in.FacilitatorName)}
		if checkSlot(&p, &s, now, "firstStartsAt"); len(p) > 0 {
			break
		}
		slots = append(slots, s)
	}
	if len(p) > 0 {
		return &SlotSeriesPayload{Slots: []db.Slot{}, UserErrors: p}, nil
	}
	created, err := db.ScheduleSlots(ctx, r.Pool, slots)
	if err != nil {
		return nil, err
	}
	return &SlotSeriesPayload{Slots: created, UserErrors: p.errs()}, nil
}

// ownSlot loads a slot the caller may change (see ownVenue).
func (r *Resolver) ownSlot(ctx context.Context, p *problems, gid string) (db.Slot, error) {
	if err := requireKey(callerFrom(ctx)); err != nil {
		return db.Slot{}, err
	}
	id, err := idOf(kindSlot, gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, "id", "id is not a slot id")
		return db.Slot{}, nil
	}
	s, err := db.VisibleSlot(ctx, r.Pool, callerFrom(ctx), id)
	if errors.Is(err, db.ErrNotFound) {
		p.add(UserErrorCodeNotFound, "id", "no slot with this id")
		return db.Slot{}, nil
	}
	if err != nil {
		return db.Slot{}, err
	}
	return s, requireScope(callerFrom(ctx), s.OrganisationID, db.ScopeCatalogueWrite)
}

func (r *mutationResolver) updateSlot(ctx context.Context, in UpdateSlotInput) (*SlotPayload, error) {
	var p problems
	s, err := r.ownSlot(ctx, &p, in.ID)
	if err != nil || len(p) > 0 {
		return &SlotPayload{UserErrors: p}, err
	}
	// Say first what no input can fix: the slot is past or cancelled.
	if ue, ok := refusal(db.SlotChangeable(s), "id"); ok {
		p = append(p, ue)
		return &SlotPayload{UserErrors: p}, nil
	}
	var venueID int64
	if in.VenueID != nil {
		v, err := r.ownVenue(ctx, &p, "venueId", *in.VenueID)
		if err != nil {
			return nil, err
		}
		if v.IsArchived() {
			p.add(UserErrorCodeArchived, "venueId", "the venue is archived")
		}
		venueID = v.ID
	}
	updated, err := db.UpdateSlot(ctx, r.Pool, s.ID, func(s *db.Slot) error {
		if venueID != 0 {
			s.VenueID = venueID
		}
		oldStart, duration := s.StartsAt, s.EndsAt.Sub(s.StartsAt)
		if start, ok := localTime(&p, "startsAt", in.StartsAt, 0); ok {
			// Moving a slot keeps its length and, when registrations closed at the start, that rule.
			s.StartsAt, s.EndsAt = start, start.Add(duration)
			if s.RegistrationClosesAt.Equal(oldStart) {
				s.RegistrationClosesAt = start
			}
		}
		setTimes(&p, s, in.EndsAt, in.RegistrationClosesAt, in.RegistrationOpensAt)
		set(&s.Capacity, in.Capacity)
		set(&s.Visibility, in.Visibility)
		if in.FacilitatorName != nil {
			s.FacilitatorName = nonEmpty(in.FacilitatorName)
		}
		if len(p) == 0 {
			checkSlot(&p, s, time.Now(), "startsAt")
		}
		return p.err()
	})
	if errors.Is(err, errInvalid) {
		return &SlotPayload{UserErrors: p}, nil
	}
	field := "id"
	if errors.Is(err, db.ErrCapacityBelowSeatsTaken) {
		field = "capacity"
	}
	if ue, ok := refusal(err, field); ok {
		return &SlotPayload{UserErrors: append(p, ue)}, nil
	}
	if err != nil {
		return nil, err
	}
	return &SlotPayload{Slot: &updated, UserErrors: p.errs()}, nil
}

func (r *mutationResolver) cancelSlot(ctx context.Context, in CancelSlotInput) (*SlotPayload, error) {
	var p problems
	s, err := r.ownSlot(ctx, &p, in.ID)
	if err != nil || len(p) > 0 {
		return &SlotPayload{UserErrors: p}, err
	}
	reason := strings.TrimSpace(in.Reason)
	if p.text("reason", reason, true, 500); len(p) > 0 {
		return &SlotPayload{UserErrors: p}, nil
	}
	cancelled, err := db.CancelSlot(ctx, r.Pool, s.ID, reason)
	if ue, ok := refusal(err, "id"); ok {
		return &SlotPayload{UserErrors: append(p, ue)}, nil
	}
	if err != nil {
		return nil, err
	}
	return &SlotPayload{Slot: &cancelled, UserErrors: p.errs()}, nil
}

// nestedSlots is Venue.slots or Workshop.slots: Query.slots at one parent, through a loader
// (l says which kind of parent) that lists the slots of every parent of the page at once.
func nestedSlots(ctx context.Context, l *lists[slotArgs, db.Slot], parent int64, f db.SlotFilter, first *int, after *string) (*SlotConnection, error) {
	p, err := pageOf(kindSlot, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := l.load(ctx, parent, slotArgs{f, p})
	if err != nil {
		return nil, err
	}
	edges, info := connection(kindSlot, rows, p, slotCursor, func(c string, s db.Slot) SlotEdge { return SlotEdge{c, s} })
	return &SlotConnection{Edges: edges, PageInfo: info}, nil
}
