package graph

import (
	"context"
	"errors"
	"time"

	"github.com/regiestains/ateliers/batch"
	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/schemaorg"
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
	s, err := db.VisibleSlot(ctx, r.Pool, callerFrom(ctx), id, db.With{})
	if errors.Is(err, db.ErrNotFound) {
		p.add(UserErrorCodeNotFound, "id", "no slot with this id")
		return db.Slot{}, nil
	}
	if err != nil {
		return db.Slot{}, err
	}
	return s, requireScope(callerFrom(ctx), s.OrganisationID, db.ScopeCatalogueWrite)
}

// nestedSlots is Venue.slots or Workshop.slots: Query.slots at one parent, through a loader
// (l says which kind of parent) that lists the slots of every parent of the page at once.
func nestedSlots(ctx context.Context, l *batch.Lists[slotArgs, db.Slot], parent int64, f db.SlotFilter, first *int, after *string) (*SlotConnection, error) {
	p, err := pageOf(kindSlot, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := l.Load(ctx, parent, slotArgs{f, p})
	if err != nil {
		return nil, err
	}
	edges, info := connection(kindSlot, rows, p, slotCursor, func(c string, s db.Slot) SlotEdge { return SlotEdge{c, s} })
	return &SlotConnection{Edges: edges, PageInfo: info}, nil
}

// seatsLeft counts what the caller can take: seats free for everyone, plus the free reserved
// seats of the caller's organisation. Reserved seats are rare, so most slots cost no query.
func seatsLeft(ctx context.Context, s *db.Slot) (int, error) {
	c := callerFrom(ctx)
	left := s.SeatsLeft()
	if c.OrganisationID == 0 || s.SeatsReserved == 0 {
		return left, nil
	}
	as, err := allocationsOf(ctx, s)
	if err != nil {
		return 0, err
	}
	for _, a := range as {
		if a.OrganisationID == c.OrganisationID && a.ReleasedAt == nil {
			left += a.Seats - a.SeatsTaken
		}
	}
	return left, nil
}

// slotAllocations: the host sees every reservation, others their own organisation's.
func slotAllocations(ctx context.Context, s *db.Slot) ([]db.Allocation, error) {
	c := callerFrom(ctx)
	if c.OrganisationID == 0 {
		return []db.Allocation{}, nil
	}
	as, err := allocationsOf(ctx, s)
	if err != nil {
		return nil, err
	}
	visible := []db.Allocation{}
	for _, a := range as {
		if canSeeAllocation(c, *s, a) {
			visible = append(visible, a)
		}
	}
	return visible, nil
}

// allocationsOf returns all the allocations of s: those read with it when they were (live seat
// counts read them once for every subscriber), else through the request's loader.
func allocationsOf(ctx context.Context, s *db.Slot) ([]db.Allocation, error) {
	if s.WithAllocations != nil {
		return s.WithAllocations, nil
	}
	return loadersFrom(ctx).allocations.Load(ctx, s.ID)
}

// structuredData is Slot.structuredData: the slot as a schema.org Event, when the public may see
// it. Its workshop, venue and host come whole from the loaders (the slot's With parents may
// hold a few fields only), batched across a page of slots.
func (r *Resolver) structuredData(ctx context.Context, s *db.Slot) (*string, error) {
	if s.Visibility != db.VisibilityPublic {
		return nil, nil
	}
	l := loadersFrom(ctx)
	w, err := l.workshop.Load(ctx, s.WorkshopID)
	if err != nil || w.Status != db.StatusPublished {
		return nil, err
	}
	v, err := l.venue.Load(ctx, s.VenueID)
	if err != nil {
		return nil, err
	}
	o, err := l.organisation.Load(ctx, s.OrganisationID)
	if err != nil {
		return nil, err
	}
	text := schemaorg.Event{Slot: *s, Workshop: w, Venue: v, Organisation: o, URL: r.Links.Slot(s.ID), Now: time.Now()}.JSON()
	return &text, nil
}
