package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/regiestains/ateliers/batch"
	"github.com/regiestains/ateliers/db"
)

// loaders batch the lookups of nested objects and lists within one request, so that a page of
// 100 slots costs one query for their workshops and one for their venues, not 200, and a page
// of venues one query for all their slots (package batch says when a batch leaves).
type loaders struct {
	organisation *batch.Loader[int64, db.Organisation]
	venue        *batch.Loader[int64, db.Venue]
	room         *batch.Loader[int64, db.Room]
	venueRooms   *batch.Loader[int64, []db.Room] // by venue id, archived ones included
	workshop     *batch.Loader[int64, db.Workshop]
	slot         *batch.Loader[int64, db.Slot]
	registration *batch.Loader[int64, db.Registration]
	allocations  *batch.Loader[int64, []db.Allocation]     // by slot id
	messages     *batch.Loader[int64, []db.Message]        // by registration id
	attempts     *batch.Loader[int64, []db.WebhookAttempt] // by webhook message id
	orientations *batch.Loader[int64, []db.Orientation]    // by registration id
	enrolment    *batch.Loader[int64, db.Enrolment]
	programme    *batch.Loader[int64, db.Programme]
	device       *batch.Loader[int64, db.Device]
	consentTexts *batch.Loader[int64, []db.ConsentText] // by organisation id
	// reads are the registrations whose personal data the operation returned (recordReads).
	reads *readSet
	// equipmentRequest is read by those a handover's request was checked for.
	equipmentRequest *batch.Loader[int64, db.EquipmentRequest]
	deviceHandovers  *batch.Loader[int64, []db.EquipmentHandover] // by device id
	requestHandovers *batch.Loader[int64, []db.EquipmentHandover] // by request id

	// The nested connections, by parent id.
	venueSlots            *batch.Lists[slotArgs, db.Slot]
	workshopSlots         *batch.Lists[slotArgs, db.Slot]
	organisationVenues    *batch.Lists[db.Page, db.Venue]
	organisationWorkshops *batch.Lists[db.Page, db.Workshop]
}

// showLists records the slots of nested lists for the page cache (showSlots), and their filter
// even when every list is empty: an empty list chosen by free seats changes when a seat frees.
func showLists(ctx context.Context, f db.SlotFilter, lists map[int64][]db.Slot) {
	showSlots(ctx, &f)
	for _, slots := range lists {
		showSlots(ctx, &f, slots...)
	}
}

// slotArgs are the arguments of Venue.slots and Workshop.slots.
type slotArgs struct {
	Filter db.SlotFilter
	Page   db.Page
}

func newLoaders(q db.Querier) *loaders {
	p := batch.NewPlaces()
	l := &loaders{
		reads:        &readSet{seen: map[int64]bool{}},
		organisation: batch.New(p, byID(q, db.OrganisationsByID, func(o db.Organisation) int64 { return o.ID })),
		venue:        batch.New(p, byID(q, db.VenuesByID, func(v db.Venue) int64 { return v.ID })),
		room:         batch.New(p, byID(q, db.RoomsByID, func(r db.Room) int64 { return r.ID })),
		venueRooms: batch.New(p, func(ctx context.Context, ids []int64) (map[int64][]db.Room, error) {
			return db.RoomsOfVenues(ctx, q, ids, true)
		}),
		workshop:     batch.New(p, byID(q, db.WorkshopsByID, func(w db.Workshop) int64 { return w.ID })),
		slot:         batch.New(p, byID(q, db.SlotsByID, func(s db.Slot) int64 { return s.ID })),
		registration: batch.New(p, byID(q, db.RegistrationsByID, func(r db.Registration) int64 { return r.ID })),
		enrolment:    batch.New(p, byID(q, db.EnrolmentsByID, func(e db.Enrolment) int64 { return e.ID })),
		programme:    batch.New(p, byID(q, db.ProgrammesByID, func(p db.Programme) int64 { return p.ID })),
		device:       batch.New(p, byID(q, db.DevicesByID, func(d db.Device) int64 { return d.ID })),
		consentTexts: batch.New(p, func(ctx context.Context, ids []int64) (map[int64][]db.ConsentText, error) {
			return db.ConsentTextsOf(ctx, q, ids)
		}),
		equipmentRequest: batch.New(p, byID(q, db.EquipmentRequestsByID, func(e db.EquipmentRequest) int64 { return e.ID })),
		deviceHandovers: batch.New(p, func(ctx context.Context, ids []int64) (map[int64][]db.EquipmentHandover, error) {
			return db.HandoversOf(ctx, q, "device_id", ids)
		}),
		requestHandovers: batch.New(p, func(ctx context.Context, ids []int64) (map[int64][]db.EquipmentHandover, error) {
			return db.HandoversOf(ctx, q, "request_id", ids)
		}),
		allocations: batch.New(p, allocationsBySlot(q)),
		messages: batch.New(p, func(ctx context.Context, ids []int64) (map[int64][]db.Message, error) {
			m, err := db.MessagesOf(ctx, q, ids)
			for _, id := range ids {
				if m != nil && m[id] == nil {
					m[id] = []db.Message{}
				}
			}
			return m, err
		}),
		attempts: batch.New(p, func(ctx context.Context, ids []int64) (map[int64][]db.WebhookAttempt, error) {
			return db.WebhookAttemptsOf(ctx, q, ids)
		}),
		orientations: batch.New(p, func(ctx context.Context, ids []int64) (map[int64][]db.Orientation, error) {
			return db.OrientationsOf(ctx, q, ids)
		}),
		venueSlots: batch.NewLists(p, func(ctx context.Context, a slotArgs, ids []int64) (map[int64][]db.Slot, error) {
			lists, err := db.SlotsOfVenues(ctx, q, callerFrom(ctx), ids, a.Filter, a.Page)
			showLists(ctx, a.Filter, lists)
			return lists, err
		}, func(a slotArgs) int { return a.Page.First }),
		workshopSlots: batch.NewLists(p, func(ctx context.Context, a slotArgs, ids []int64) (map[int64][]db.Slot, error) {
			lists, err := db.SlotsOfWorkshops(ctx, q, callerFrom(ctx), ids, a.Filter, a.Page)
			showLists(ctx, a.Filter, lists)
			return lists, err
		}, func(a slotArgs) int { return a.Page.First }),
		organisationVenues: batch.NewLists(p, func(ctx context.Context, pg db.Page, ids []int64) (map[int64][]db.Venue, error) {
			return db.VenuesOfOrganisations(ctx, q, ids, pg)
		}, func(pg db.Page) int { return pg.First }),
		organisationWorkshops: batch.NewLists(p, func(ctx context.Context, pg db.Page, ids []int64) (map[int64][]db.Workshop, error) {
			return db.WorkshopsOfOrganisations(ctx, q, callerFrom(ctx), ids, pg)
		}, func(pg db.Page) int { return pg.First }),
	}
	// Only the slots with reserved seats need their allocations (seatsLeft).
	l.allocations.Sometimes = true
	// Only the slots in a room have one to load.
	l.room.Sometimes = true
	// Only the registrations whose personal data the caller sees have their messages read.
	l.messages.Sometimes = true
	// Likewise their orientations, and only orientations that were answered name a registration.
	l.orientations.Sometimes = true
	l.registration.Sometimes = true
	return l
}

// allocationsBySlot groups the allocations of a batch of slots; a slot without any gets an
// empty list.
func allocationsBySlot(q db.Querier) func(context.Context, []int64) (map[int64][]db.Allocation, error) {
	return func(ctx context.Context, slotIDs []int64) (map[int64][]db.Allocation, error) {
		as, err := db.AllocationsOfSlots(ctx, q, slotIDs)
		if err != nil {
			return nil, err
		}
		m := make(map[int64][]db.Allocation, len(slotIDs))
		for _, id := range slotIDs {
			m[id] = []db.Allocation{}
		}
		for _, a := range as {
			m[a.SlotID] = append(m[a.SlotID], a)
		}
		return m, nil
	}
}

// byID adapts a db "by ids" query to a mapped fetch.
func byID[T any](q db.Querier, fetch func(context.Context, db.Querier, []int64) ([]T, error), id func(T) int64) func(context.Context, []int64) (map[int64]T, error) {
	return func(ctx context.Context, ids []int64) (map[int64]T, error) {
		rows, err := fetch(ctx, q, ids)
		if err != nil {
			return nil, err
		}
		m := make(map[int64]T, len(rows))
		for _, r := range rows {
			m[id(r)] = r
		}
		return m, nil
	}
}

// withLoaders gives each operation its own loaders, reading where the operation reads the
// catalogue (Resolver.reader): their cache lives as long as the operation, so no caller ever
// reads another's data or a stale row.
func withLoaders(r *Resolver) graphql.OperationMiddleware {
	return func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(context.WithValue(ctx, loadersKey, newLoaders(r.reader(ctx))))
	}
}

func loadersFrom(ctx context.Context) *loaders {
	return ctx.Value(loadersKey).(*loaders)
}
