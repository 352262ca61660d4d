package graph

import (
	"errors"
	"fmt"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// refusals is the one table from db's refusals to the userErrors a client reads: each refusal
// has one code and one text, whichever mutation meets it, and field when it always concerns the
// same input field (else the mutation names the field).
var refusals = []struct {
	err     error
	code    UserErrorCode
	message string
	field   string
}{
	// Courses (enrolments): the slot named by the mutation, but where the enrolment says.
	{db.ErrOutOfOrder, UserErrorCodeOutOfOrder, "the programme's workshops are taken in order: this slot must start after the slot of the workshop before it ends, and end before the slot of the workshop after it starts", ""},
	{db.ErrNotInProgramme, UserErrorCodeInvalid, "this slot is not of a workshop of the programme", ""},
	{db.ErrAlreadyAttended, UserErrorCodeAlreadyAttended, "the person already attended this workshop of the course", ""},
	{db.ErrStepUnderWay, UserErrorCodeSlotStarted, "the person's seat for this workshop is on a slot that has started: mark their attendance first (a missed workshop can then be booked again)", ""},
	{db.ErrEnrolmentCancelled, UserErrorCodeAlreadyCancelled, "the person left this course (cancelEnrolment): enrol them again", "enrolmentId"},
	{db.ErrEnrolmentCompleted, UserErrorCodeInvalid, "the person completed this course: there is nothing left to cancel", ""},
	// Equipment.
	{db.ErrDeviceNotInStock, UserErrorCodeNotInStock, "the device is not in stock: proposed to someone, given, returned or scrapped", "deviceId"},
	{db.ErrNoOpenRequest, UserErrorCodeNotOpen, "nobody waits for a device: no open request", "requestId"},
	{db.ErrNotFirst, UserErrorCodeNotFirst, "this request is not the first of the ranking: give an overrideReason to choose it all the same", "overrideReason"},
	{db.ErrRequestNotOpen, UserErrorCodeNotOpen, "the request is not open: a device is proposed or given, or it was closed", ""},
	{db.ErrHandoverNotPending, UserErrorCodeNotProposed, "the device is no longer proposed: it was given, declined or returned", ""},
	{db.ErrHandoverNotGiven, UserErrorCodeNotGiven, "the device was not given, or was already returned", ""},
	{db.ErrAlreadyRequested, UserErrorCodeAlreadyRequested, "this person (same name, and same phone or email) already has an open request that you recorded at this organisation", "participant"},
	{db.ErrInventoryNumberTaken, UserErrorCodeTaken, "another device of your stock has this inventory number", "inventoryNumber"},
	{db.ErrConsentVersionTaken, UserErrorCodeTaken, "this version is published already, and a published text never changes: publish a new version", "version"},
	// Bookings.
	{db.ErrQuotaReached, UserErrorCodeQuotaReached, "your department's quota of seats on this slot is used up: ask the host for more, or choose another slot", "allocationLabel"},
	{db.ErrSlotFull, UserErrorCodeSlotFull, "no seat is left on this slot; ask again with joinWaitlist: true to join the waiting list", ""},
	{db.ErrWalkInTooLate, UserErrorCodeRegistrationClosed, "the slot ended more than 24 hours ago: who came can no longer be recorded", ""},
	{db.ErrRegistrationClosed, UserErrorCodeRegistrationClosed, "registrations for this slot are closed", ""},
	{db.ErrRegistrationNotOpen, UserErrorCodeRegistrationNotOpen, "registrations for this slot are not open yet", ""},
	{db.ErrSlotCancelled, UserErrorCodeSlotCancelled, "the slot is cancelled", ""},
	{db.ErrSlotStarted, UserErrorCodeSlotStarted, "the slot has already started", ""},
	{db.ErrSlotNotStarted, UserErrorCodeSlotNotStarted, "attendance is marked once the slot has started", ""},
	{db.ErrCapacityBelowSeatsTaken, UserErrorCodeCapacityBelowSeatsTaken, "capacity cannot go below the seats already taken", ""},
	{db.ErrAlreadyRegistered, UserErrorCodeAlreadyRegistered, "this person (same name, and same phone or email) is already registered on this slot", ""},
	{db.ErrAlreadyCancelled, UserErrorCodeAlreadyCancelled, "the registration is already cancelled", ""},
	{db.ErrNotConfirmed, UserErrorCodeNotConfirmed, "only a confirmed registration has an attendance", ""},
	{db.ErrNotEnoughFreeSeats, UserErrorCodeNotEnoughFreeSeats, "more seats asked than are free for everyone", ""},
	{db.ErrNotWaitlisted, UserErrorCodeNotWaitlisted, "only a registration on the waiting list has a priority", ""},
	{db.ErrMessagePending, UserErrorCodeMessagePending, "the message is still on its way; send it again once it is sent, delivered or failed", ""},
	{db.ErrReferralRequired, UserErrorCodeRequired, "a partner registering someone records a referral with the counsellor's name", "referral.counsellorName"},
	{db.ErrNotPresent, UserErrorCodeNotPresent, "an outcome is recorded once the person is marked PRESENT (after the slot has started)", ""},
	{db.ErrAlreadyOriented, UserErrorCodeAlreadyOriented, "this person already waits for an answer from this structure", "toOrganisationId"},
	{db.ErrNotAStructure, UserErrorCodeInvalid, "this organisation neither hosts workshops nor refers people", "toOrganisationId"},
	{db.ErrOrientationAnswered, UserErrorCodeAlreadyAnswered, "this orientation has already been answered: the person is registered, or it was declined", ""},
	{db.ErrNoSuchOrientation, UserErrorCodeNotFound, "no orientation with this id was sent to your organisation", ""},
	{db.ErrUnknownConsentVersion, UserErrorCodeInvalid, "consentVersion is not a version of the host's consent texts (Organisation.consentTexts): show the person the current text and send its version", "participant.consentVersion"},
	{db.ErrNotFound, UserErrorCodeNotFound, "not found, or not yours to change", ""},
}

// refusal turns a db refusal into a userError on field (a dotted path of the input), or
// reports that err is not one.
func refusal(err error, field string) (UserError, bool) {
	for _, r := range refusals {
		if errors.Is(err, r.err) {
			if r.field != "" {
				field = r.field
			}
			return UserError{Field: append([]string{"input"}, strings.Split(field, ".")...), Message: r.message, Code: r.code}, true
		}
	}
	return UserError{}, false
}

// overlapRefusal turns an overlap refused by db into the OVERLAP userError naming the other
// slot (and the occurrence, for a series), or reports that err is not one.
func overlapRefusal(err error, field string, series bool) (UserError, bool) {
	var o *db.OverlapError
	if !errors.As(err, &o) {
		return UserError{}, false
	}
	msg := "the slot overlaps another scheduled slot in the same room (or at the venue, without a room)"
	if series {
		msg = fmt.Sprintf("occurrence %d of the series overlaps another scheduled slot in the same room (or at the venue, without a room)", o.Occurrence+1)
	}
	if o.SlotID != 0 {
		msg += ": " + globalID(kindSlot, o.SlotID)
	}
	msg += "; move it, pick another room, or send allowOverlap: true"
	return UserError{Field: []string{"input", field}, Message: msg, Code: UserErrorCodeOverlap}, true
}
