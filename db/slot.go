package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Slot is one dated occurrence of a workshop at a venue, with a capacity (créneau).
type Slot struct {
	ID                   int64
	OrganisationID       int64
	WorkshopID           int64
	VenueID              int64
	StartsAt             time.Time
	EndsAt               time.Time
	Capacity             int
	SeatsTaken           int
	SeatsReserved        int // reserved for organisations and not yet taken (allocations)
	WaitlistLength       int
	Status               SlotStatus
	CancellationReason   *string
	Visibility           SlotVisibility
	RegistrationOpensAt  *time.Time
	RegistrationClosesAt time.Time
	FacilitatorName      *string
	// RoomID is the room of the venue the slot takes, nil for the venue as one place.
	RoomID *int64
	// AllowOverlap: the host let the slot overlap others in its place (migration 013).
	AllowOverlap bool
	// Revision counts the changes of its time, venue and status (migration 010): a calendar
	// event's SEQUENCE.
	Revision int
	// PreviousStartsAt are the starts the slot had before it was moved while public, oldest
	// first (migration 024): a search engine's previousStartDate.
	PreviousStartsAt []time.Time

	// The slot's workshop and venue, when the read that returned it was asked for them (With):
	// they come in the slot's own statement, so that nothing fetches them again.
	WithWorkshop *Workshop `json:"-"`
	WithVenue    *Venue    `json:"-"`
	// WithAllocations are all of the slot's allocations, when the read that returned it read
	// them too (SlotsWithAllocations, for live seat counts): seatsLeft then needs no other read.
	WithAllocations []Allocation `json:"-"`
}

// With names the parents a slot read returns with each slot, in its own statement, and their
// fields to fill, by Go field name: nil reads no such parent; the id is always read, and a name
// the parent does not have reads all of its fields. The fields not named keep their zero
// value: a page of 50 slots that shows a workshop's title does not read, sort and decode 50
// descriptions.
type With struct{ Workshop, Venue []string }

// plan returns the columns of a read of slots with the parents with names (aliases s, w, v)
// and the function that scans its rows.
func (with With) plan() (string, func(pgx.CollectableRow) (Slot, error)) {
	sql := slotColumns
	var ws, vs []int
	if with.Workshop != nil {
		ws = pick(new(Workshop).columns(), with.Workshop)
		sql += ", " + columnList(columnsAt(new(Workshop).columns(), ws))
	}
	if with.Venue != nil {
		vs = pick(new(Venue).columns(), with.Venue)
		sql += ", " + columnList(columnsAt(new(Venue).columns(), vs))
	}
	return sql, func(row pgx.CollectableRow) (Slot, error) {
		var s Slot
		dest := s.fields()
		if ws != nil {
			s.WithWorkshop = new(Workshop)
			dest = appendDests(dest, s.WithWorkshop.columns(), ws)
		}
		if vs != nil {
			s.WithVenue = new(Venue)
			dest = appendDests(dest, s.WithVenue.columns(), vs)
		}
		err := row.Scan(dest...)
		return s, err
	}
}

// SeatsLeft is the number of seats anyone may still take: neither taken nor reserved for an
// organisation. A caller with reserved seats on the slot may take those too (see graph).
func (s Slot) SeatsLeft() int {
	if s.Status == SlotCancelled {
		return 0
	}
	return max(s.Capacity-s.SeatsTaken-s.SeatsReserved, 0)
}

// IsOpenForRegistration reports whether registrations are accepted now: the slot is scheduled
// and now is inside its registration window. Seats are another matter (SeatsLeft).
func (s Slot) IsOpenForRegistration() bool { return s.registrationRefusal(time.Now()) == nil }

// registrationRefusal says why the slot takes no registration at now, or nil when it does.
func (s Slot) registrationRefusal(now time.Time) error {
	switch {
	case s.Status == SlotCancelled:
		return ErrSlotCancelled
	case s.RegistrationOpensAt != nil && now.Before(*s.RegistrationOpensAt):
		return ErrRegistrationNotOpen
	case !now.Before(s.RegistrationClosesAt):
		return ErrRegistrationClosed
	}
	return nil
}

const slotColumns = `s.id, s.organisation_id, s.workshop_id, s.venue_id, s.starts_at, s.ends_at,
	s.capacity, s.seats_taken, s.seats_reserved, s.waitlist_length, s.status, s.cancellation_reason, s.visibility,
	s.registration_opens_at, s.registration_closes_at, s.facilitator_name, s.revision, s.room_id, s.allow_overlap,
	s.previous_starts_at`

// fields are the destinations of slotColumns, in order. (A slot is always read whole: its
// columns are few and small, and seatsLeft, the rules and the page cache need most of them.)
func (s *Slot) fields() []any {
	return []any{&s.ID, &s.OrganisationID, &s.WorkshopID, &s.VenueID, &s.StartsAt, &s.EndsAt,
		&s.Capacity, &s.SeatsTaken, &s.SeatsReserved, &s.WaitlistLength, &s.Status, &s.CancellationReason, &s.Visibility,
		&s.RegistrationOpensAt, &s.RegistrationClosesAt, &s.FacilitatorName, &s.Revision, &s.RoomID, &s.AllowOverlap,
		&s.PreviousStartsAt}
}

func scanSlot(row pgx.CollectableRow) (Slot, error) {
	var s Slot
	err := row.Scan(s.fields()...)
	return s, err
}

// slotVisible is the rule for who sees a slot (alias s, its workshop w): the host organisation
// sees all of its slots; others see public slots of published workshops, and callers with a key
// (partners) also partners-only ones. Arguments: caller's organisation id, whether a partner.
const slotVisible = `(s.organisation_id = $%d OR (w.status = 'PUBLISHED' AND
	(s.visibility = 'PUBLIC' OR (s.visibility = 'PARTNERS' AND $%d::boolean))))`

const slotsFrom = ` FROM slots s JOIN workshops w ON w.id = s.workshop_id JOIN venues v ON v.id = s.venue_id `

// SlotByID returns one slot whatever its visibility.
func SlotByID(ctx context.Context, q Querier, id int64) (Slot, error) {
	return queryOne(ctx, q, fmt.Sprintf("slot %d", id), scanSlot, `SELECT `+slotColumns+` FROM slots s WHERE s.id = $1`, id)
}

// VisibleSlot returns one slot if the caller may see it, else ErrNotFound, with the parents
// with names.
func VisibleSlot(ctx context.Context, q Querier, c Caller, id int64, with With) (Slot, error) {
	w := where{}
	w.add(slotVisible, c.OrganisationID, c.Partner())
	w.add("s.id = $%d", id)
	columns, scan := with.plan()
	return queryOne(ctx, q, fmt.Sprintf("slot %d", id), scan, `SELECT `+columns+slotsFrom+w.sql(), w.args...)
}

// SlotFilter narrows Slots; zero values do not filter, except From (default: now) and
// Statuses (default: scheduled).
type SlotFilter struct {
	From            *time.Time
	To              *time.Time
	Topics          []Topic
	WorkshopIDs     []int64
	VenueIDs        []int64
	OrganisationIDs []int64
	PostalCodes     []string
	Near            *Near
	Audiences       []Audience
	Accessibility   []AccessibilityNeed
	AvailableOnly   bool
	Statuses        []SlotStatus
}

// Slots lists the slots the caller may see, by start time, with the parents with names: the
// availability query.
func Slots(ctx context.Context, q Querier, c Caller, f SlotFilter, p Page, with With) ([]Slot, error) {
	w := slotWhere(c, f, p)
	columns, scan := with.plan()
	sql := `SELECT ` + columns + slotsFrom + w.sql() +
		fmt.Sprintf(` ORDER BY s.starts_at, s.id LIMIT %d`, p.limit())
	return queryAll(ctx, q, "list slots", scan, sql, forValues(w.args)...)
}

// SlotsOfVenues is Slots for each venue of venueIDs (f.VenueIDs is replaced by the venue), in
// one statement: the slots of a page of venues.
func SlotsOfVenues(ctx context.Context, q Querier, c Caller, venueIDs []int64, f SlotFilter, p Page) (map[int64][]Slot, error) {
	f.VenueIDs = nil
	slots, err := pages(ctx, q, venueIDs, "s.venue_id", slotWhere(c, f, p), slotColumns, slotsFrom, "s", "starts_at", p, scanSlot)
	if err != nil {
		return nil, fmt.Errorf("list slots of %d venues: %w", len(venueIDs), err)
	}
	return slots, nil
}

// SlotsOfWorkshops is Slots for each workshop of workshopIDs (f.WorkshopIDs is replaced by the
// workshop), in one statement: the slots of a page of workshops.
func SlotsOfWorkshops(ctx context.Context, q Querier, c Caller, workshopIDs []int64, f SlotFilter, p Page) (map[int64][]Slot, error) {
	f.WorkshopIDs = nil
	slots, err := pages(ctx, q, workshopIDs, "s.workshop_id", slotWhere(c, f, p), slotColumns, slotsFrom, "s", "starts_at", p, scanSlot)
	if err != nil {
		return nil, fmt.Errorf("list slots of %d workshops: %w", len(workshopIDs), err)
	}
	return slots, nil
}

// slotWhere is the WHERE clause of Slots: what the caller may see, the filter, and the page's
// keyset position.
func slotWhere(c Caller, f SlotFilter, p Page) where {
	w := where{}
	w.add(slotVisible, c.OrganisationID, c.Partner())
	from := time.Now()
	if f.From != nil {
		from = *f.From
	}
	w.add("s.starts_at >= $%d", from)
	if f.To != nil {
		w.add("s.starts_at < $%d", *f.To)
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []SlotStatus{SlotScheduled}
	}
	w.add("s.status = ANY($%d::text[])", statuses)
	if len(f.Topics) > 0 {
		w.add("w.topics && $%d::text[]", f.Topics)
	}
	if len(f.WorkshopIDs) > 0 {
		w.add("s.workshop_id = ANY($%d)", f.WorkshopIDs)
	}
	if len(f.VenueIDs) > 0 {
		w.add("s.venue_id = ANY($%d)", f.VenueIDs)
	}
	if len(f.OrganisationIDs) > 0 {
		w.add("s.organisation_id = ANY($%d)", f.OrganisationIDs)
	}
	if len(f.PostalCodes) > 0 {
		w.add("v.postal_code = ANY($%d)", f.PostalCodes)
	}
	w.near("v", f.Near)
	if len(f.Audiences) > 0 {
		w.add("(w.audiences && $%d::text[] OR 'EVERYONE' = ANY(w.audiences))", f.Audiences)
	}
	w.accessibility("v", f.Accessibility)
	if f.AvailableOnly {
		w.add("s.seats_taken + s.seats_reserved < s.capacity")
	}
	if key, id := p.after(); key != nil {
		w.add("(s.starts_at, s.id) > ($%d::timestamptz, $%d)", *key, id)
	}
	return w
}

// ScheduleSlots inserts slots in one transaction: all or none. Several slots form a series
// and share a series id. A slot overlapping another in its place (see migration 013) refuses
// them all with an *OverlapError naming the occurrence and the other slot.
func ScheduleSlots(ctx context.Context, q Querier, slots []Slot) ([]Slot, error) {
	var created []Slot
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		created = created[:0]
		var series *string
		if len(slots) > 1 {
			if err := tx.QueryRow(ctx, `SELECT gen_random_uuid()::text`).Scan(&series); err != nil {
				return err
			}
		}
		for _, s := range slots {
			rows, _ := tx.Query(ctx, `
				WITH s AS (
					INSERT INTO slots (organisation_id, workshop_id, venue_id, series_id, starts_at, ends_at,
						capacity, visibility, registration_opens_at, registration_closes_at, facilitator_name,
						room_id, allow_overlap)
					VALUES ($1, $2, $3, $4::uuid, $5, $6, $7, $8, $9, $10, $11, $12, $13)
					RETURNING *)
				SELECT `+slotColumns+` FROM s`,
				s.OrganisationID, s.WorkshopID, s.VenueID, series, s.StartsAt, s.EndsAt,
				s.Capacity, s.Visibility, s.RegistrationOpensAt, s.RegistrationClosesAt, s.FacilitatorName,
				s.RoomID, s.AllowOverlap)
			c, err := pgx.CollectExactlyOneRow(rows, scanSlot)
			if err != nil {
				return err
			}
			created = append(created, c)
		}
		return nil
	})
	if isOverlap(err) {
		err = overlapError(ctx, q, slots[len(created)], len(created))
	}
	if err != nil {
		return nil, fmt.Errorf("schedule %d slots: %w", len(slots), err)
	}
	return created, nil
}

// UpdateSlot locks slot id, lets change modify it, and writes its editable fields. It
// refuses a slot that started or was cancelled, and a capacity below the seats taken or
// reserved; seats added to the capacity go to the waiting list in the same transaction.
//
// A slot moved onto another in its place is refused with an *OverlapError naming the other.
func UpdateSlot(ctx context.Context, q Querier, id int64, change func(*Slot) error) (Slot, error) {
	var updated, moved Slot
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		s, err := lockSlot(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := SlotChangeable(s); err != nil {
			return err
		}
		before := s
		if err := change(&s); err != nil {
			return err
		}
		if s.Capacity < s.SeatsTaken+s.SeatsReserved {
			return ErrCapacityBelowSeatsTaken
		}
		// A start the public could see is kept when it changes (migration 024): the old row's
		// values are those on the right of SET.
		if _, err := tx.Exec(ctx, `
			UPDATE slots SET venue_id = $2, starts_at = $3, ends_at = $4, capacity = $5,
				visibility = $6, registration_opens_at = $7, registration_closes_at = $8,
				facilitator_name = $9, room_id = $10, allow_overlap = $11, updated_at = now(),
				previous_starts_at = CASE
					WHEN starts_at <> $3 AND visibility = 'PUBLIC' AND EXISTS (
						SELECT 1 FROM workshops w WHERE w.id = slots.workshop_id AND w.status = 'PUBLISHED')
					THEN (array_append(previous_starts_at, starts_at))[greatest(cardinality(previous_starts_at) - 18, 1):]
					ELSE previous_starts_at END
			WHERE id = $1`,
			s.ID, s.VenueID, s.StartsAt, s.EndsAt, s.Capacity, s.Visibility,
			s.RegistrationOpensAt, s.RegistrationClosesAt, s.FacilitatorName, s.RoomID, s.AllowOverlap); err != nil {
			if isOverlap(err) {
				moved = s
			}
			return err
		}
		// A change of time or place is told to the participants (SLOT_MOVED); others are not.
		kind := "SLOT_UPDATED"
		if !s.StartsAt.Equal(before.StartsAt) || !s.EndsAt.Equal(before.EndsAt) || s.VenueID != before.VenueID {
			kind = "SLOT_MOVED"
		}
		types := webhookTypes(kind, "")
		if s.Capacity != before.Capacity {
			types = append(types, WebhookSeatsChanged)
		}
		if err := eventTelling(ctx, tx, kind, "", id, nil, types); err != nil {
			return err
		}
		if err := promote(ctx, tx, id); err != nil {
			return err
		}
		updated, err = SlotByID(ctx, tx, id)
		return err
	})
	if isOverlap(err) {
		err = overlapError(ctx, q, moved, 0)
	}
	if err != nil {
		return Slot{}, fmt.Errorf("update slot %d: %w", id, err)
	}
	return updated, nil
}

// CancelSlot cancels a slot that has not started, and every registration on it.
func CancelSlot(ctx context.Context, q Querier, id int64, reason string) (Slot, error) {
	var cancelled Slot
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE slots SET status = 'CANCELLED', cancelled_at = now(), cancellation_reason = $2,
				seats_taken = 0, seats_reserved = 0, waitlist_length = 0, updated_at = now()
			WHERE id = $1 AND status = 'SCHEDULED' AND starts_at > now()`, id, reason)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return slotRefusal(ctx, tx, id)
		}
		// The reservations end with the slot: released now, so that no later release counts
		// their seats again.
		if _, err := tx.Exec(ctx, `UPDATE slot_allocations SET seats_taken = 0, released_at = coalesce(released_at, now())
			WHERE slot_id = $1`, id); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `
			UPDATE registrations SET status = 'CANCELLED', cancelled_at = now(),
				cancellation_reason = left('slot cancelled: ' || $2, 500)
			WHERE slot_id = $1 AND status <> 'CANCELLED' RETURNING id`, id, reason)
		if err != nil {
			return err
		}
		regs, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		for _, reg := range regs {
			if err := causedEvent(ctx, tx, "CANCELLED", CancelledWithSlot, id, &reg); err != nil {
				return err
			}
		}
		if err := event(ctx, tx, "SLOT_CANCELLED", id, nil); err != nil {
			return err
		}
		cancelled, err = SlotByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return Slot{}, fmt.Errorf("cancel slot %d: %w", id, err)
	}
	return cancelled, nil
}

// SlotChangeable returns ErrSlotCancelled or ErrSlotStarted when s can no longer change.
func SlotChangeable(s Slot) error {
	switch {
	case s.Status == SlotCancelled:
		return fmt.Errorf("slot %d: %w", s.ID, ErrSlotCancelled)
	case !s.StartsAt.After(time.Now()):
		return fmt.Errorf("slot %d: %w", s.ID, ErrSlotStarted)
	}
	return nil
}

// slotRefusal says why a guarded write on slot id changed no row.
func slotRefusal(ctx context.Context, q Querier, id int64) error {
	s, err := SlotByID(ctx, q, id)
	if err != nil {
		return err
	}
	if err := SlotChangeable(s); err != nil {
		return err
	}
	return fmt.Errorf("slot %d changed meanwhile: %w", id, ErrNotFound)
}

// SlotsByID returns slots by id without a visibility rule: for fields of objects the caller
// already may see (a registration's slot).
func SlotsByID(ctx context.Context, q Querier, ids []int64) ([]Slot, error) {
	return queryAll(ctx, q, "slots by id", scanSlot, `SELECT `+slotColumns+` FROM slots s WHERE s.id = ANY($1)`, ids)
}
