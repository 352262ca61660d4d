package graph

import "github.com/regiestains/ateliers/db"

// Query cost, checked before any resolver runs against the caller's limit (cost.go): a field
// costs 1 plus its children, a connection costs its page size times its children (what it may
// fetch), and registrations cost more, one by one, so that aliases do not multiply them for
// free.
const (
	registrationCost = 50 // register and enrol take seats: the scarce resource
	// rootFieldCost is added for every root field but registrations and introspection (by the
	// cost extension, cost.go): each is at least one round trip to the database, so that 250
	// aliases of `venues(first: 1) { __typename }`, 250 statements, are not priced at 500.
	rootFieldCost = 10
	// introspectionCost is the price of a `__schema` field, which gqlgen's walker skips. The
	// whole schema is about 150 kB of JSON: measured on one machine, GraphiQL's introspection
	// query took 1.5 times the time of a page of 50 slots with workshop and venue (cost 761).
	// Unpriced, twelve aliases of it answered 1.3 MB for a 3.8 kB request, and four clients
	// looping on them took 160% of the server's CPU; at 500 a point budget allows an anonymous
	// client a burst of 8, then one every 5 seconds, and one operation at most 4.
	introspectionCost = 500
)

// pageCost is the cost of a connection: first (default 20, bounded to 100 when it runs) times
// what each item asks.
func pageCost(child int, first *int) int {
	n := defaultFirst
	if first != nil {
		n = min(max(*first, 1), maxFirst)
	}
	return 1 + n*child
}

// complexity sets the cost of every field that is not a plain field.
func complexity() ComplexityRoot {
	var c ComplexityRoot
	c.Query.Slots = func(child int, _ *db.SlotFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.Workshops = func(child int, _ *db.WorkshopFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.Venues = func(child int, _ *db.VenueFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.Organisations = func(child int, _ *db.OrganisationFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.Programmes = func(child int, _ *db.ProgrammeFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.APIKeys = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.Referrals = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.Enrolments = func(child int, _ *string, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.Devices = func(child int, _ []db.DeviceStatus, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.EquipmentRequests = func(child int, _ []db.EquipmentRequestStatus, first *int, _ *string) int {
		return pageCost(child, first)
	}
	c.Query.EquipmentRanking = func(child int, first *int) int { return pageCost(child, first) }
	c.Query.AuditLog = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.PersonalDataReads = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.CalendarFeeds = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Query.Nodes = func(child int, ids []string) int { return 1 + len(ids)*child }
	c.Subscription.SeatsChanged = func(child int, ids []string) int { return 1 + len(ids)*child }
	c.Organisation.Venues = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Organisation.Workshops = func(child int, first *int, _ *string) int { return pageCost(child, first) }
	c.Venue.Slots = func(child int, _ *db.SlotFilter, first *int, _ *string) int { return pageCost(child, first) }
	c.Workshop.Slots = func(child int, _ *db.SlotFilter, first *int, _ *string) int { return pageCost(child, first) }
	// The slot's workshop, venue and host, each through its loader.
	c.Slot.StructuredData = func(int) int { return 3 }
	c.Slot.Registrations = func(child int, _ []db.RegistrationStatus, first *int, _ *string) int {
		return pageCost(child, first)
	}
	c.Mutation.Register = func(child int, _ RegisterInput) int { return registrationCost + child }
	c.Mutation.Enrol = func(child int, in EnrolInput) int { return registrationCost*max(len(in.SlotIds), 1) + child }
	c.Mutation.RescheduleEnrolment = func(child int, _ RescheduleEnrolmentInput) int { return registrationCost + child }
	c.Mutation.ScheduleSlotSeries = func(child int, in ScheduleSlotSeriesInput) int { return 1 + max(in.Occurrences, 1)*child }
	return c
}
