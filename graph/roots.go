package graph

import "github.com/vektah/gqlparser/v2/ast"

// rootField declares what a root field of the schema does beyond resolving, for the parts of
// the API that act on whole operations: routing reads to the replica and the page cache
// (catalogue), what a mutation makes the page cache forget (seatsOnly), and the registration
// budget (registers). Every root field has an entry, so that a new query or mutation is
// declared where a reader looks for it, not remembered in several lists:
// TestEveryRootFieldIsDeclared holds the table to the schema.
type rootField struct {
	// catalogue: a query whose answer depends on the public catalogue alone, the same for every
	// anonymous caller and free of personal data; an anonymous operation made only of such
	// fields may read the replica and be kept by the page cache.
	catalogue bool
	// seatsOnly: a mutation whose only change to what a catalogue page shows is the seats of
	// the slots it records with pagecache.WroteSeats; the page cache then forgets only those slots'
	// pages. Any other mutation makes it forget every page.
	seatsOnly bool
	// registers: a mutation that takes seats for people, one per slot of `input.slotIds` (one
	// when there is no such list), counted against the registration budget.
	registers bool
}

var rootFields = map[string]rootField{
	"Query.node":                 {catalogue: true},
	"Query.nodes":                {catalogue: true},
	"Query.viewer":               {},
	"Query.slots":                {catalogue: true},
	"Query.workshops":            {catalogue: true},
	"Query.venues":               {catalogue: true},
	"Query.organisations":        {catalogue: true},
	"Query.programmes":           {catalogue: true},
	"Query.apiKeys":              {},
	"Query.registrationByToken":  {},
	"Query.referrals":            {},
	"Query.personHistory":        {},
	"Query.webhookEndpoints":     {},
	"Query.calendarFeeds":        {},
	"Query.incomingOrientations": {},
	"Query.enrolments":           {},
	"Query.devices":              {},
	"Query.equipmentRequests":    {},
	"Query.equipmentRanking":     {},
	"Query.equipmentRules":       {},
	"Query.equipmentFigures":     {},
	"Query.report":               {},
	"Query.myPersonalData":       {},
	"Query.auditLog":             {},
	"Query.personalDataReads":    {},
	"Query.personalData":         {},

	"Mutation.createOrganisation":      {},
	"Mutation.updateOrganisation":      {},
	"Mutation.createVenue":             {},
	"Mutation.updateVenue":             {},
	"Mutation.archiveVenue":            {},
	"Mutation.createRoom":              {},
	"Mutation.updateRoom":              {},
	"Mutation.archiveRoom":             {},
	"Mutation.importVenues":            {},
	"Mutation.createWorkshop":          {},
	"Mutation.updateWorkshop":          {},
	"Mutation.archiveWorkshop":         {},
	"Mutation.createProgramme":         {},
	"Mutation.updateProgramme":         {},
	"Mutation.archiveProgramme":        {},
	"Mutation.scheduleSlot":            {},
	"Mutation.scheduleSlotSeries":      {},
	"Mutation.updateSlot":              {},
	"Mutation.cancelSlot":              {},
	"Mutation.createApiKey":            {},
	"Mutation.revokeApiKey":            {},
	"Mutation.register":                {seatsOnly: true, registers: true},
	"Mutation.enrol":                   {seatsOnly: true, registers: true},
	"Mutation.registerHousehold":       {seatsOnly: true, registers: true},
	"Mutation.rescheduleEnrolment":     {seatsOnly: true, registers: true},
	"Mutation.cancelEnrolment":         {seatsOnly: true},
	"Mutation.cancelRegistration":      {seatsOnly: true},
	"Mutation.setRegistrationPriority": {},
	"Mutation.markAttendance":          {},
	"Mutation.recordWalkIn":            {seatsOnly: true},
	"Mutation.recordOutcome":           {seatsOnly: true}, // changes no page
	"Mutation.reorient":                {seatsOnly: true}, // changes no page
	"Mutation.declineOrientation":      {seatsOnly: true}, // changes no page
	"Mutation.reserveSeats":            {},
	"Mutation.stopReminders":           {seatsOnly: true}, // changes no page
	"Mutation.resendMessage":           {seatsOnly: true}, // changes no page
	"Mutation.releaseSeats":            {},
	// Webhook endpoints are no page's business.
	"Mutation.createWebhookEndpoint": {seatsOnly: true},
	"Mutation.updateWebhookEndpoint": {seatsOnly: true},
	"Mutation.rotateWebhookSecret":   {seatsOnly: true},
	"Mutation.deleteWebhookEndpoint": {seatsOnly: true},
	"Mutation.pingWebhookEndpoint":   {seatsOnly: true},
	"Mutation.replayWebhookMessage":  {seatsOnly: true},
	"Mutation.createCalendarFeed":    {seatsOnly: true}, // changes no page
	"Mutation.revokeCalendarFeed":    {seatsOnly: true}, // changes no page

	// The equipment stock is no page's business.
	"Mutation.addDevice":             {seatsOnly: true},
	"Mutation.updateDevice":          {seatsOnly: true},
	"Mutation.requestEquipment":      {seatsOnly: true},
	"Mutation.closeEquipmentRequest": {seatsOnly: true},
	"Mutation.setEquipmentRules":     {seatsOnly: true},
	"Mutation.proposeDevice":         {seatsOnly: true},
	"Mutation.giveDevice":            {seatsOnly: true},
	"Mutation.declineDevice":         {seatsOnly: true},
	"Mutation.returnDevice":          {seatsOnly: true},

	"Mutation.publishConsentText": {},
	// An erasure cancels seats to come: every page is forgotten.
	"Mutation.eraseMyPersonalData": {},
	"Mutation.erasePersonalData":   {},

	"Subscription.seatsChanged": {},
}

// rootOf returns the declaration of a root field of the operation type op ("Query",
// "Mutation"); the zero rootField for __typename and introspection.
func rootOf(op, field string) rootField {
	return rootFields[op+"."+field]
}

// seatsOnly tells whether every root field of a mutation changes seats and nothing else a page
// shows (the page cache's SeatsOnly): then this instance forgets only the pages of the slots
// the mutation records with pagecache.WroteSeats, as the notices make the others do.
func seatsOnly(op *ast.OperationDefinition) bool {
	for _, s := range op.SelectionSet {
		f, ok := s.(*ast.Field)
		if !ok || !rootOf("Mutation", f.Name).seatsOnly {
			return false
		}
	}
	return true
}
