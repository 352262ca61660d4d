package graph

import (
	"context"
	"errors"

	"github.com/regiestains/ateliers/db"
)

// The list queries: each checks its page arguments, asks db with the caller (visibility is
// applied in SQL, so pages are never short), and wraps the rows in a connection.

func (r *Resolver) slots(ctx context.Context, f *db.SlotFilter, first *int, after *string) (*SlotConnection, error) {
	p, err := pageOf(kindSlot, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := db.Slots(ctx, r.reader(ctx), callerFrom(ctx), deref(f), p)
	if err != nil {
		return nil, err
	}
	showSlots(ctx, f, rows...)
	edges, info := connection(kindSlot, rows, p, slotCursor, func(c string, s db.Slot) SlotEdge { return SlotEdge{c, s} })
	return &SlotConnection{Edges: edges, PageInfo: info}, nil
}

func (r *Resolver) workshops(ctx context.Context, f *db.WorkshopFilter, first *int, after *string) (*WorkshopConnection, error) {
	p, err := pageOf(kindWorkshop, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := db.Workshops(ctx, r.reader(ctx), callerFrom(ctx), deref(f), p)
	if err != nil {
		return nil, err
	}
	edges, info := connection(kindWorkshop, rows, p, workshopCursor, func(c string, w db.Workshop) WorkshopEdge { return WorkshopEdge{c, w} })
	return &WorkshopConnection{Edges: edges, PageInfo: info}, nil
}

func (r *Resolver) venues(ctx context.Context, f *db.VenueFilter, first *int, after *string) (*VenueConnection, error) {
	p, err := pageOf(kindVenue, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := db.Venues(ctx, r.reader(ctx), deref(f), p)
	if err != nil {
		return nil, err
	}
	edges, info := connection(kindVenue, rows, p, venueCursor, func(c string, v db.Venue) VenueEdge { return VenueEdge{c, v} })
	return &VenueConnection{Edges: edges, PageInfo: info}, nil
}

func (r *Resolver) organisations(ctx context.Context, f *db.OrganisationFilter, first *int, after *string) (*OrganisationConnection, error) {
	p, err := pageOf(kindOrganisation, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := db.Organisations(ctx, r.reader(ctx), deref(f), p)
	if err != nil {
		return nil, err
	}
	edges, info := connection(kindOrganisation, rows, p, organisationCursor, func(c string, o db.Organisation) OrganisationEdge { return OrganisationEdge{c, o} })
	return &OrganisationConnection{Edges: edges, PageInfo: info}, nil
}

func (r *Resolver) programmes(ctx context.Context, f *db.ProgrammeFilter, first *int, after *string) (*ProgrammeConnection, error) {
	p, err := pageOf(kindProgramme, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := db.Programmes(ctx, r.reader(ctx), callerFrom(ctx), deref(f), p)
	if err != nil {
		return nil, err
	}
	edges, info := connection(kindProgramme, rows, p, programmeCursor, func(c string, pr db.Programme) ProgrammeEdge { return ProgrammeEdge{c, pr} })
	return &ProgrammeConnection{Edges: edges, PageInfo: info}, nil
}

func (r *Resolver) apiKeys(ctx context.Context, first *int, after *string) (*APIKeyConnection, error) {
	c := callerFrom(ctx)
	if !c.NetworkAdmin {
		if _, err := requireOwnScope(c, db.ScopeKeysManage); err != nil {
			return nil, err
		}
	}
	p, err := pageOf(kindAPIKey, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := db.APIKeys(ctx, r.Pool, c.OrganisationID, p)
	if err != nil {
		return nil, err
	}
	edges, info := connection(kindAPIKey, rows, p, apiKeyCursor, func(c string, k db.APIKey) APIKeyEdge { return APIKeyEdge{c, k} })
	return &APIKeyConnection{Edges: edges, PageInfo: info}, nil
}

// node fetches any object by global id with the same visibility rules as the lists: null when
// it does not exist or the caller may not see it, so that ids of hidden objects reveal nothing.
func (r *Resolver) node(ctx context.Context, gid string) (Node, error) {
	k, id, err := parseGlobalID(gid)
	if err != nil {
		return nil, errBadInput("not a valid id: use an id returned by this API")
	}
	c := callerFrom(ctx)
	var n Node
	switch k {
	case kindOrganisation:
		n, err = db.OrganisationByID(ctx, r.reader(ctx), id)
	case kindVenue:
		n, err = db.VenueByID(ctx, r.reader(ctx), id)
	case kindWorkshop:
		n, err = db.VisibleWorkshop(ctx, r.reader(ctx), c, id)
	case kindProgramme:
		n, err = db.VisibleProgramme(ctx, r.reader(ctx), c, id)
	case kindSlot:
		var s db.Slot
		if s, err = db.VisibleSlot(ctx, r.reader(ctx), c, id); err == nil {
			showSlots(ctx, nil, s)
		}
		n = s
	case kindRegistration:
		var reg db.Registration
		reg, err = db.RegistrationByID(ctx, r.Pool, id)
		if err == nil && !canSeePersonalData(c, reg) {
			err = db.ErrNotFound
		}
		n = reg
	case kindAllocation:
		var a db.Allocation
		var s db.Slot
		if a, err = db.AllocationByID(ctx, r.Pool, id); err == nil {
			s, err = db.SlotByID(ctx, r.Pool, a.SlotID)
		}
		if err == nil && !canSeeAllocation(c, s, a) {
			err = db.ErrNotFound
		}
		n = a
	case kindAPIKey:
		var key db.APIKey
		key, err = db.APIKeyByID(ctx, r.Pool, id)
		if err == nil && !canManageKey(c, key) {
			err = db.ErrNotFound
		}
		n = key
	}
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	return n, err
}

// nodes fetches up to 100 objects, in order, null where node would be null.
func (r *Resolver) nodes(ctx context.Context, gids []string) ([]Node, error) {
	if len(gids) > maxFirst {
		return nil, errBadInput("nodes takes at most 100 ids")
	}
	out := make([]Node, len(gids))
	for i, gid := range gids {
		n, err := r.node(ctx, gid)
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}

// filterIDs decodes the ids of a filter; a wrong id is the client's mistake, said plainly.
func filterIDs(k kind, field string, gids []string) ([]int64, error) {
	if len(gids) > maxFirst {
		return nil, errBadInput(field + " takes at most 100 ids")
	}
	ids, err := idsOf(k, gids)
	if err != nil {
		return nil, errBadInput(field + " must hold " + string(k) + " ids")
	}
	return ids, nil
}

// near checks a circle filter.
func near(n *NearInput) (*db.Near, error) {
	if n == nil {
		return nil, nil
	}
	if n.Latitude < -90 || n.Latitude > 90 || n.Longitude < -180 || n.Longitude > 180 {
		return nil, errBadInput("near: latitude must be between -90 and 90 and longitude between -180 and 180")
	}
	if n.RadiusKm < 0.1 || n.RadiusKm > 200 {
		return nil, errBadInput("near: radiusKm must be between 0.1 and 200")
	}
	return &db.Near{Latitude: n.Latitude, Longitude: n.Longitude, RadiusKm: n.RadiusKm}, nil
}

func registrationConnection(rows []db.Registration, p db.Page) *RegistrationConnection {
	edges, info := connection(kindRegistration, rows, p, func(r db.Registration) db.Cursor { return db.Cursor{ID: r.ID} },
		func(c string, r db.Registration) RegistrationEdge { return RegistrationEdge{c, r} })
	return &RegistrationConnection{Edges: edges, PageInfo: info}
}

// slotRegistrations lists a slot's registrations for its host's keys with REGISTRATIONS_READ.
func (r *Resolver) slotRegistrations(ctx context.Context, s *db.Slot, statuses []db.RegistrationStatus, first *int, after *string) (*RegistrationConnection, error) {
	if err := requireScope(callerFrom(ctx), s.OrganisationID, db.ScopeRegistrationsRead); err != nil {
		return nil, err
	}
	p, err := pageOf(kindRegistration, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := db.RegistrationsOfSlot(ctx, r.Pool, s.ID, statuses, p)
	if err != nil {
		return nil, err
	}
	return registrationConnection(rows, p), nil
}

// referrals lists the people the caller's organisation referred: to its keys that handle
// registrations (read or write), as canSeePersonalData allows for each of them.
func (r *Resolver) referrals(ctx context.Context, first *int, after *string) (*RegistrationConnection, error) {
	c := callerFrom(ctx)
	scope := db.ScopeRegistrationsRead
	if c.Has(db.ScopeRegistrationsWrite) {
		scope = db.ScopeRegistrationsWrite
	}
	orgID, err := requireOwnScope(c, scope)
	if err != nil {
		return nil, err
	}
	p, err := pageOf(kindRegistration, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := db.Referrals(ctx, r.Pool, orgID, p)
	if err != nil {
		return nil, err
	}
	return registrationConnection(rows, p), nil
}

// seatsLeft counts what the caller can take: seats free for everyone, plus the free reserved
// seats of the caller's organisation. Reserved seats are rare, so most slots cost no query.
func seatsLeft(ctx context.Context, s *db.Slot) (int, error) {
	c := callerFrom(ctx)
	left := s.SeatsLeft()
	if c.OrganisationID == 0 || s.SeatsReserved == 0 {
		return left, nil
	}
	as, err := loadersFrom(ctx).allocations.Load(ctx, s.ID)
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
	as, err := loadersFrom(ctx).allocations.Load(ctx, s.ID)
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

// registrationByToken opens a registration with the person's management token.
func (r *Resolver) registrationByToken(ctx context.Context, token string) (*db.Registration, error) {
	if len(token) > 100 {
		return nil, nil
	}
	reg, err := db.RegistrationByToken(ctx, r.Pool, token)
	if errors.Is(err, db.ErrNotFound) {
		return nil, nil
	}
	return &reg, err
}
