package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Room is a room (salle) of a venue: slots in one room may not overlap (migration 013).
type Room struct {
	ID          int64
	VenueID     int64
	Name        string
	Description string
	ArchivedAt  *time.Time
}

// IsArchived reports whether the room is archived: kept for the slots it had, no new ones.
func (r Room) IsArchived() bool { return r.ArchivedAt != nil }

const roomColumns = `r.id, r.venue_id, r.name, r.description, r.archived_at`

func scanRoom(row pgx.CollectableRow) (Room, error) {
	var r Room
	err := row.Scan(&r.ID, &r.VenueID, &r.Name, &r.Description, &r.ArchivedAt)
	return r, err
}

// ErrOverlap: a slot's time overlaps another scheduled slot in the same room (or, without a
// room, at the same venue). Returned inside an *OverlapError that names the other slot.
var ErrOverlap = errors.New("overlaps another slot in the same place")

// OverlapError says which slot a new or moved slot overlaps. Occurrence is the index of the
// refused slot among those scheduled together (0 for a single slot); SlotID is 0 when the other
// slot could not be found again (it was cancelled or moved meanwhile).
type OverlapError struct {
	Occurrence int
	SlotID     int64
}

func (e *OverlapError) Error() string {
	if e.SlotID == 0 {
		return fmt.Sprintf("occurrence %d: %s", e.Occurrence, ErrOverlap)
	}
	return fmt.Sprintf("occurrence %d overlaps slot %d: %s", e.Occurrence, e.SlotID, ErrOverlap)
}

// Unwrap makes errors.Is(err, ErrOverlap) hold.
func (e *OverlapError) Unwrap() error { return ErrOverlap }

// isOverlap reports whether err is a violation of one of the slots' exclusion constraints.
func isOverlap(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23P01" &&
		(pgErr.ConstraintName == "slots_no_overlap_in_room" || pgErr.ConstraintName == "slots_no_overlap_at_venue")
}

// overlapError names the slot s overlaps, after the constraint refused it. It reads after
// the refused transaction ended: the slot it met is committed by then (the constraint waited
// for it).
func overlapError(ctx context.Context, q Querier, s Slot, occurrence int) error {
	var other int64
	err := q.QueryRow(ctx, `
		SELECT id FROM slots
		WHERE id <> $1 AND status <> 'CANCELLED' AND NOT allow_overlap
		  AND CASE WHEN $2::bigint IS NULL THEN venue_id = $3 AND room_id IS NULL ELSE room_id = $2 END
		  AND tstzrange(starts_at, ends_at) && tstzrange($4::timestamptz, $5::timestamptz)
		ORDER BY starts_at, id LIMIT 1`,
		s.ID, s.RoomID, s.VenueID, s.StartsAt, s.EndsAt).Scan(&other)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("find the slot overlapping: %w", err)
	}
	return &OverlapError{Occurrence: occurrence, SlotID: other}
}

// RoomsByID returns rooms by id, archived ones included (a past slot still shows its room).
// Rooms, like venues, are public.
func RoomsByID(ctx context.Context, q Querier, ids []int64) ([]Room, error) {
	return queryAll(ctx, q, "rooms by id", scanRoom, `SELECT `+roomColumns+` FROM rooms r WHERE r.id = ANY($1)`, ids)
}

// RoomByID returns one room.
func RoomByID(ctx context.Context, q Querier, id int64) (Room, error) {
	return queryOne(ctx, q, fmt.Sprintf("room %d", id), scanRoom, `SELECT `+roomColumns+` FROM rooms r WHERE r.id = $1`, id)
}

// RoomsOfVenues returns the rooms of each venue of venueIDs by name, archived ones only when
// asked, in one statement: the rooms of a page of venues. A venue has few rooms: no paging.
func RoomsOfVenues(ctx context.Context, q Querier, venueIDs []int64, includeArchived bool) (map[int64][]Room, error) {
	rooms, err := queryAll(ctx, q, fmt.Sprintf("rooms of %d venues", len(venueIDs)), scanRoom,
		`SELECT `+roomColumns+` FROM rooms r WHERE r.venue_id = ANY($1) AND ($2 OR r.archived_at IS NULL)
		ORDER BY r.name, r.id`, venueIDs, includeArchived)
	if err != nil {
		return nil, err
	}
	m := make(map[int64][]Room, len(venueIDs))
	for _, id := range venueIDs {
		m[id] = []Room{}
	}
	for _, r := range rooms {
		m[r.VenueID] = append(m[r.VenueID], r)
	}
	return m, nil
}

// CreateRoom inserts r.
func CreateRoom(ctx context.Context, q Querier, r Room) (Room, error) {
	created, err := queryOne(ctx, q, "create room", scanRoom, `
		WITH r AS (INSERT INTO rooms (venue_id, name, description) VALUES ($1, $2, $3) RETURNING *)
		SELECT `+roomColumns+` FROM r`, r.VenueID, r.Name, r.Description)
	if err != nil {
		return Room{}, err
	}
	return created, nil
}

// UpdateRoom locks room id, lets change modify it, and writes its name and description.
func UpdateRoom(ctx context.Context, q Querier, id int64, change func(*Room) error) (Room, error) {
	r, err := update(ctx, q, `SELECT `+roomColumns+` FROM rooms r WHERE r.id = $1 FOR UPDATE`, id, scanRoom, change,
		func(ctx context.Context, tx pgx.Tx, r Room) (Room, error) {
			return queryOne(ctx, tx, "write room", scanRoom, `
				WITH r AS (UPDATE rooms SET name = $2, description = $3, updated_at = now() WHERE id = $1 RETURNING *)
				SELECT `+roomColumns+` FROM r`, r.ID, r.Name, r.Description)
		})
	if err != nil {
		return Room{}, fmt.Errorf("update room %d: %w", id, err)
	}
	return r, nil
}

// ArchiveRoom archives a room: its slots keep it, new slots may not take it. Archiving twice
// keeps the first date.
func ArchiveRoom(ctx context.Context, q Querier, id int64) (Room, error) {
	return queryOne(ctx, q, fmt.Sprintf("archive room %d", id), scanRoom, `
		WITH r AS (UPDATE rooms SET archived_at = coalesce(archived_at, now()), updated_at = now()
			WHERE id = $1 RETURNING *)
		SELECT `+roomColumns+` FROM r`, id)
}
