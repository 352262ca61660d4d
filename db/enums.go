package db

import "strings"

// The enum-like values below are stored as text with the same spelling as the GraphQL enums,
// so that the schema, the Go code and the database read alike and need no mapping.

// OrganisationKind is the kind of a member of the network.
type OrganisationKind string

// Kinds of organisation.
const (
	KindRegieDeQuartier OrganisationKind = "REGIE_DE_QUARTIER"
	KindAssociation     OrganisationKind = "ASSOCIATION"
	KindFranceTravail   OrganisationKind = "FRANCE_TRAVAIL"
	KindCAF             OrganisationKind = "CAF"
	KindCCAS            OrganisationKind = "CCAS"
	KindMairie          OrganisationKind = "MAIRIE"
	KindMediatheque     OrganisationKind = "MEDIATHEQUE"
	KindOther           OrganisationKind = "OTHER"
)

// Topic is what a workshop covers.
type Topic string

// Topics of workshops.
const (
	TopicCVAndJobSearch          Topic = "CV_AND_JOB_SEARCH"
	TopicFranceTravailProcedures Topic = "FRANCE_TRAVAIL_PROCEDURES"
	TopicCAFProcedures           Topic = "CAF_PROCEDURES"
	TopicHealthInsurance         Topic = "HEALTH_INSURANCE"
	TopicTaxes                   Topic = "TAXES"
	TopicSmartphone              Topic = "SMARTPHONE"
	TopicScanningDocuments       Topic = "SCANNING_DOCUMENTS"
	TopicEmail                   Topic = "EMAIL"
	TopicOnlineSafety            Topic = "ONLINE_SAFETY"
	TopicComputerBasics          Topic = "COMPUTER_BASICS"
)

// WorkshopLevel is the expected level of participants.
type WorkshopLevel string

// Levels of workshops.
const (
	LevelBeginner     WorkshopLevel = "BEGINNER"
	LevelIntermediate WorkshopLevel = "INTERMEDIATE"
	LevelAdvanced     WorkshopLevel = "ADVANCED"
)

// Audience is who a workshop is for.
type Audience string

// Audiences of workshops.
const (
	AudienceEveryone             Audience = "EVERYONE"
	AudienceJobSeekers           Audience = "JOB_SEEKERS"
	AudienceYoungPeople          Audience = "YOUNG_PEOPLE"
	AudienceSeniors              Audience = "SENIORS"
	AudienceEmployeesInInsertion Audience = "EMPLOYEES_IN_INSERTION"
	AudienceFamilies             Audience = "FAMILIES"
)

// WorkshopStatus is the publication status of a workshop or a programme.
type WorkshopStatus string

// Publication statuses.
const (
	StatusDraft     WorkshopStatus = "DRAFT"
	StatusPublished WorkshopStatus = "PUBLISHED"
	StatusArchived  WorkshopStatus = "ARCHIVED"
)

// SlotStatus says whether a slot will take place.
type SlotStatus string

// Slot statuses.
const (
	SlotScheduled SlotStatus = "SCHEDULED"
	SlotCancelled SlotStatus = "CANCELLED"
)

// SlotVisibility says who may see and book a slot.
type SlotVisibility string

// Slot visibilities.
const (
	VisibilityPublic   SlotVisibility = "PUBLIC"
	VisibilityPartners SlotVisibility = "PARTNERS"
	VisibilityInternal SlotVisibility = "INTERNAL"
)

// AccessibilityNeed is a need a venue may meet.
type AccessibilityNeed string

// Accessibility needs.
const (
	NeedWheelchair  AccessibilityNeed = "WHEELCHAIR"
	NeedHearingLoop AccessibilityNeed = "HEARING_LOOP"
)

// Scope is a right carried by an API key.
type Scope string

// Scopes of API keys.
const (
	ScopeCatalogueWrite     Scope = "CATALOGUE_WRITE"
	ScopeRegistrationsWrite Scope = "REGISTRATIONS_WRITE"
	ScopeRegistrationsRead  Scope = "REGISTRATIONS_READ"
	ScopeAttendanceWrite    Scope = "ATTENDANCE_WRITE"
	ScopeReportsRead        Scope = "REPORTS_READ"
	ScopeKeysManage         Scope = "KEYS_MANAGE"
	ScopeWebhooksManage     Scope = "WEBHOOKS_MANAGE"
	ScopeEquipmentManage    Scope = "EQUIPMENT_MANAGE"
)

// RegistrationStatus is where a registration stands.
type RegistrationStatus string

// Registration statuses.
const (
	RegistrationConfirmed  RegistrationStatus = "CONFIRMED"
	RegistrationWaitlisted RegistrationStatus = "WAITLISTED"
	RegistrationCancelled  RegistrationStatus = "CANCELLED"
)

// AgeBracket is a participant's age range: enough for the funder's statistics, no birth date.
type AgeBracket string

// Age brackets.
const (
	AgeUnder26      AgeBracket = "UNDER_26"
	Age26To59       AgeBracket = "FROM_26_TO_59"
	AgeSixtyAndOver AgeBracket = "SIXTY_AND_OVER"
)

// ContactChannel is how a participant prefers to be told about their registration.
type ContactChannel string

// Contact channels.
const (
	ChannelSMS       ContactChannel = "SMS"
	ChannelPhoneCall ContactChannel = "PHONE_CALL"
	ChannelEmail     ContactChannel = "EMAIL"
)

// OutcomeKind is what a workshop led to for a person who came, from the network's short list.
type OutcomeKind string

// Outcomes.
const (
	OutcomeProcedureDoneAlone OutcomeKind = "PROCEDURE_DONE_ALONE"
	OutcomeCVWritten          OutcomeKind = "CV_WRITTEN"
	OutcomeNeedsFollowUp      OutcomeKind = "NEEDS_FOLLOW_UP"
	OutcomeReoriented         OutcomeKind = "REORIENTED"
	OutcomeEquipmentNeeded    OutcomeKind = "EQUIPMENT_NEEDED"
	OutcomeOther              OutcomeKind = "OTHER"
)

// OrientationStatus is where a re-orientation stands.
type OrientationStatus string

// Orientation statuses.
const (
	OrientationPending  OrientationStatus = "PENDING"
	OrientationAccepted OrientationStatus = "ACCEPTED"
	OrientationDeclined OrientationStatus = "DECLINED"
)

// ProgrammeOrderRule says whether a programme's workshops are taken in their order.
type ProgrammeOrderRule string

// Order rules.
const (
	OrderInOrder  ProgrammeOrderRule = "IN_ORDER"  // each workshop's slot ends before the next one's starts
	OrderAnyOrder ProgrammeOrderRule = "ANY_ORDER" // the slots may come in any order in time
)

// EnrolmentStatus is where an enrolment stands as a whole.
type EnrolmentStatus string

// Enrolment statuses, derived from the steps.
const (
	EnrolmentInProgress EnrolmentStatus = "IN_PROGRESS"
	EnrolmentCompleted  EnrolmentStatus = "COMPLETED" // every workshop attended
	EnrolmentCancelled  EnrolmentStatus = "CANCELLED" // the person left the course
)

// EnrolmentStepState is where the person stands in one workshop of the course.
type EnrolmentStepState string

// Step states.
const (
	StepToBook     EnrolmentStepState = "TO_BOOK"    // no seat: never taken, cancelled, or a waiting list that never moved
	StepWaitlisted EnrolmentStepState = "WAITLISTED" // on the waiting list of a slot still to come
	StepBooked     EnrolmentStepState = "BOOKED"     // a seat, attendance not marked yet
	StepAttended   EnrolmentStepState = "ATTENDED"   // marked present
	StepMissed     EnrolmentStepState = "MISSED"     // marked absent or excused, and not booked again
)

// Attendance is whether a participant came.
type Attendance string

// Attendance values.
const (
	AttendancePresent Attendance = "PRESENT"
	AttendanceAbsent  Attendance = "ABSENT"
	AttendanceExcused Attendance = "EXCUSED"
)

// MessageKind is what a message tells.
type MessageKind string

// Kinds of messages, one per thing that happens to a registration.
const (
	MessageConfirmation  MessageKind = "CONFIRMATION"   // registered, with a seat
	MessageWaitlisted    MessageKind = "WAITLISTED"     // registered on the waiting list
	MessagePromoted      MessageKind = "PROMOTED"       // a seat freed up and went to them
	MessageReminder      MessageKind = "REMINDER"       // before the slot
	MessageSlotMoved     MessageKind = "SLOT_MOVED"     // the slot's time or place changed
	MessageSlotCancelled MessageKind = "SLOT_CANCELLED" // the host cancelled the slot
	MessageCancelled     MessageKind = "CANCELLED"      // their registration was cancelled
)

// MessageChannel is how a message travels.
type MessageChannel string

// Channels of messages.
const (
	ChannelOfSMS   MessageChannel = "SMS"
	ChannelOfEmail MessageChannel = "EMAIL"
)

// MessageStatus is where a message is on its way.
type MessageStatus string

// Message statuses.
const (
	MessageQueued     MessageStatus = "QUEUED"     // written, waiting for its job
	MessageSending    MessageStatus = "SENDING"    // handed to a provider; its answer not recorded yet
	MessageSent       MessageStatus = "SENT"       // the provider took it
	MessageDelivered  MessageStatus = "DELIVERED"  // the provider says it arrived
	MessageFailed     MessageStatus = "FAILED"     // it will not arrive; StatusReason says why
	MessageSuppressed MessageStatus = "SUPPRESSED" // not sent on purpose; StatusReason says why
)

// WebhookEventType is what a webhook message tells. Receivers read it as the specification's
// examples spell types: lower case, the object first (Wire).
type WebhookEventType string

// Webhook event types.
const (
	WebhookRegistrationCreated    WebhookEventType = "REGISTRATION_CREATED"
	WebhookRegistrationConfirmed  WebhookEventType = "REGISTRATION_CONFIRMED"
	WebhookRegistrationWaitlisted WebhookEventType = "REGISTRATION_WAITLISTED"
	WebhookRegistrationPromoted   WebhookEventType = "REGISTRATION_PROMOTED"
	WebhookRegistrationCancelled  WebhookEventType = "REGISTRATION_CANCELLED"
	WebhookAttendanceMarked       WebhookEventType = "ATTENDANCE_MARKED"
	WebhookSlotChanged            WebhookEventType = "SLOT_CHANGED"
	WebhookSlotCancelled          WebhookEventType = "SLOT_CANCELLED"
	WebhookSeatsChanged           WebhookEventType = "SLOT_SEATS_CHANGED"
	WebhookPing                   WebhookEventType = "WEBHOOK_PING" // sent on request; never subscribed to
)

// Wire is the type as receivers read it: REGISTRATION_CREATED is registration.created.
func (t WebhookEventType) Wire() string {
	object, event, _ := strings.Cut(strings.ToLower(string(t)), "_")
	return object + "." + event
}

// WebhookEndpointStatus says whether an endpoint receives messages.
type WebhookEndpointStatus string

// Endpoint statuses.
const (
	WebhookEnabled  WebhookEndpointStatus = "ENABLED"
	WebhookDisabled WebhookEndpointStatus = "DISABLED"
)

// WebhookMessageStatus is where a webhook message is on its way.
type WebhookMessageStatus string

// Message statuses.
const (
	WebhookPending   WebhookMessageStatus = "PENDING"
	WebhookDelivered WebhookMessageStatus = "DELIVERED"
	WebhookFailed    WebhookMessageStatus = "FAILED"
)

// DeviceKind is what a donated device is.
type DeviceKind string

// Device kinds.
const (
	DeviceLaptop     DeviceKind = "LAPTOP"
	DeviceDesktop    DeviceKind = "DESKTOP"
	DeviceTablet     DeviceKind = "TABLET"
	DeviceSmartphone DeviceKind = "SMARTPHONE"
)

// DeviceCondition is the state a device is in.
type DeviceCondition string

// Device conditions.
const (
	ConditionAsNew DeviceCondition = "AS_NEW"
	ConditionGood  DeviceCondition = "GOOD"
	ConditionFair  DeviceCondition = "FAIR"
	ConditionPoor  DeviceCondition = "POOR"
)

// DeviceStatus is where a device stands in the stock.
type DeviceStatus string

// Device statuses.
const (
	DeviceInStock  DeviceStatus = "IN_STOCK" // may be proposed
	DeviceReserved DeviceStatus = "RESERVED" // proposed to a person
	DeviceGiven    DeviceStatus = "GIVEN"
	DeviceReturned DeviceStatus = "RETURNED" // back from a person: to wipe and check before stock
	DeviceScrapped DeviceStatus = "SCRAPPED"
)

// Situation is a person's situation, for the ranking (seniority of employees) and the
// funder's figures.
type Situation string

// Situations.
const (
	SituationEmployeeInInsertion Situation = "EMPLOYEE_IN_INSERTION"
	SituationJobSeeker           Situation = "JOB_SEEKER"
	SituationResident            Situation = "RESIDENT"
	SituationOther               Situation = "OTHER"
)

// EquipmentRequestStatus is where a person's need of a device stands.
type EquipmentRequestStatus string

// Equipment request statuses.
const (
	RequestOpen     EquipmentRequestStatus = "OPEN"     // waiting for a device
	RequestProposed EquipmentRequestStatus = "PROPOSED" // a device is proposed
	RequestGiven    EquipmentRequestStatus = "GIVEN"
	RequestClosed   EquipmentRequestStatus = "CLOSED" // withdrawn, or declined for good
)

// HandoverStatus is where a device proposed to a person stands.
type HandoverStatus string

// Handover statuses.
const (
	HandoverProposed HandoverStatus = "PROPOSED"
	HandoverGiven    HandoverStatus = "GIVEN"
	HandoverDeclined HandoverStatus = "DECLINED"
	HandoverReturned HandoverStatus = "RETURNED"
)

// PriorityRule is one rule of the equipment ranking.
type PriorityRule string

// Priority rules, in the order of the default weights.
const (
	RuleYoungWithoutComputer PriorityRule = "YOUNG_WITHOUT_COMPUTER"
	RuleSeniority            PriorityRule = "SENIORITY"
	RuleNoComputer           PriorityRule = "NO_COMPUTER"
	RuleNoInternet           PriorityRule = "NO_INTERNET"
	RuleNoSmartphone         PriorityRule = "NO_SMARTPHONE"
	RuleAttendedWorkshop     PriorityRule = "ATTENDED_WORKSHOP"
)

// The lists below are a venue's answers to the national "lieux de médiation numérique" standard
// (lmn/schema.json); package lmn maps each value to the standard's French label.

// VenueService is a kind of help a venue offers (LMN `services`).
type VenueService string

// Services of venues.
const (
	ServiceAdministrativeProcedures   VenueService = "ADMINISTRATIVE_PROCEDURES"
	ServiceEverydayDigitalTools       VenueService = "EVERYDAY_DIGITAL_TOOLS"
	ServiceJobInsertion               VenueService = "JOB_INSERTION"
	ServiceSafeDigitalUse             VenueService = "SAFE_DIGITAL_USE"
	ServiceParentingAndEducation      VenueService = "PARENTING_AND_EDUCATION"
	ServiceLeisureAndCreation         VenueService = "LEISURE_AND_CREATION"
	ServiceUnderstandingDigitalWorld  VenueService = "UNDERSTANDING_DIGITAL_WORLD"
	ServiceInternetAndEquipmentAccess VenueService = "INTERNET_AND_EQUIPMENT_ACCESS"
	ServiceAffordableEquipment        VenueService = "AFFORDABLE_EQUIPMENT"
)

// VenueAudience is a public a venue specifically addresses (LMN `publics_specifiquement_adresses`).
type VenueAudience string

// Audiences of venues.
const (
	VenueAudienceYoungPeople VenueAudience = "YOUNG_PEOPLE"
	VenueAudienceStudents    VenueAudience = "STUDENTS"
	VenueAudienceFamilies    VenueAudience = "FAMILIES"
	VenueAudienceSeniors     VenueAudience = "SENIORS"
	VenueAudienceWomen       VenueAudience = "WOMEN"
)

// SpecificSupport is a particular need a venue's staff can support (LMN `prise_en_charge_specifique`).
type SpecificSupport string

// Specific supports.
const (
	SupportDeafness         SpecificSupport = "DEAFNESS"
	SupportMotorDisability  SpecificSupport = "MOTOR_DISABILITY"
	SupportMentalDisability SpecificSupport = "MENTAL_DISABILITY"
	SupportIlliteracy       SpecificSupport = "ILLITERACY"
	SupportEnglish          SpecificSupport = "ENGLISH"
	SupportOtherLanguages   SpecificSupport = "OTHER_LANGUAGES"
	SupportVisualImpairment SpecificSupport = "VISUAL_IMPAIRMENT"
)

// VenueFee is what a venue's help costs (LMN `frais_a_charge`).
type VenueFee string

// Fees.
const (
	FeeFree                VenueFee = "FREE"
	FeeFreeUnderConditions VenueFee = "FREE_UNDER_CONDITIONS"
	FeePaid                VenueFee = "PAID"
)

// AccessMode is how a person gets a venue's help (LMN `modalites_acces`).
type AccessMode string

// Access modes.
const (
	AccessWalkIn              AccessMode = "WALK_IN"
	AccessPhone               AccessMode = "PHONE"
	AccessEmail               AccessMode = "EMAIL"
	AccessOnlineBooking       AccessMode = "ONLINE_BOOKING"
	AccessNoPublic            AccessMode = "NO_PUBLIC"
	AccessPrescriptionByEmail AccessMode = "PRESCRIPTION_BY_EMAIL"
)

// SupportMode is how a venue accompanies people (LMN `modalites_accompagnement`).
type SupportMode string

// Support modes.
const (
	SupportSelfService   SupportMode = "SELF_SERVICE"
	SupportIndividual    SupportMode = "INDIVIDUAL"
	SupportGroupWorkshop SupportMode = "GROUP_WORKSHOP"
	SupportRemote        SupportMode = "REMOTE"
)

// VenueMobility says whether a venue is a fixed place or travels (LMN `itinerance`).
type VenueMobility string

// Mobilities.
const (
	MobilityFixed     VenueMobility = "FIXED"
	MobilityItinerant VenueMobility = "ITINERANT"
)
