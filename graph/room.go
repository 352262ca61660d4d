package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// checkRoom validates and normalises a room's name and description.
func checkRoom(p *problems, r *db.Room) {
	r.Name = strings.TrimSpace(r.Name)
	r.Description = strings.TrimSpace(r.Description)
	p.text("name", r.Name, true, 100)
	p.text("description", r.Description, false, 500)
}

// ownRoom loads a room of a venue the caller may change (see ownVenue).
func (r *Resolver) ownRoom(ctx context.Context, p *problems, field, gid string) (db.Room, error) {
	if err := requireKey(callerFrom(ctx)); err != nil {
		return db.Room{}, err
	}
	id, err := idOf(kindRoom, gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, field, "%s is not a room id", field)
		return db.Room{}, nil
	}
	room, err := db.RoomByID(ctx, r.Pool, id)
	if errors.Is(err, db.ErrNotFound) {
		p.add(UserErrorCodeNotFound, field, "no room with this %s", field)
		return db.Room{}, nil
	}
	if err != nil {
		return db.Room{}, err
	}
	v, err := db.VenueByID(ctx, r.Pool, room.VenueID)
	if err != nil {
		return db.Room{}, err
	}
	return room, requireScope(callerFrom(ctx), v.OrganisationID, db.ScopeCatalogueWrite)
}

// slotRoom reads the roomId of a slot input at venue venueID: nil for none (an empty string
// too, when clearing is allowed), else a room of that venue, not archived.
func (r *Resolver) slotRoom(ctx context.Context, p *problems, gid *string, venueID int64) (*int64, error) {
	if gid == nil || *gid == "" {
		return nil, nil
	}
	id, err := idOf(kindRoom, *gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, "roomId", "roomId is not a room id")
		return nil, nil
	}
	room, err := db.RoomByID(ctx, r.Pool, id)
	switch {
	case errors.Is(err, db.ErrNotFound) || err == nil && room.VenueID != venueID:
		p.add(UserErrorCodeNotFound, "roomId", "no room with this roomId at the slot's venue")
		return nil, nil
	case err != nil:
		return nil, err
	case room.IsArchived():
		p.add(UserErrorCodeArchived, "roomId", "the room is archived")
	}
	return &room.ID, nil
}

// venueRooms lists the rooms of venue venueID through the request's loader.
func venueRooms(ctx context.Context, venueID int64, includeArchived bool) ([]db.Room, error) {
	all, err := loadersFrom(ctx).venueRooms.Load(ctx, venueID)
	if err != nil || includeArchived {
		return all, err
	}
	rooms := []db.Room{}
	for _, room := range all {
		if !room.IsArchived() {
			rooms = append(rooms, room)
		}
	}
	return rooms, nil
}
