package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// checkVenue validates and normalises the fields every venue write shares.
func checkVenue(p *problems, v *db.Venue) {
	v.Name = strings.TrimSpace(v.Name)
	v.StreetAddress = strings.TrimSpace(v.StreetAddress)
	v.City = strings.TrimSpace(v.City)
	p.text("name", v.Name, true, 200)
	p.text("streetAddress", v.StreetAddress, true, 300)
	p.text("city", v.City, true, 100)
	v.InseeCode = p.insee("inseeCode", nonEmpty(v.InseeCode))
	p.coordinates(v.Latitude, v.Longitude)
	v.OpeningHours = p.openingHours("openingHours", nonEmpty(v.OpeningHours))
	p.text("accessibility.otherSupport", v.Accessibility.OtherSupport, false, 500)
	p.intRange("equipment.computers", v.Equipment.Computers, 0, 500)
	p.text("accessInstructions", v.AccessInstructions, false, 2000)
}

func accessibilityOf(in *AccessibilityInput) db.Accessibility {
	if in == nil {
		return db.Accessibility{}
	}
	return db.Accessibility{
		WheelchairAccessible: deref(in.WheelchairAccessible),
		HearingLoop:          deref(in.HearingLoop),
		OtherSupport:         strings.TrimSpace(deref(in.OtherSupport)),
	}
}

func equipmentOf(in *EquipmentInput) db.Equipment {
	if in == nil {
		return db.Equipment{}
	}
	return db.Equipment{Computers: deref(in.Computers), Wifi: deref(in.Wifi), Printer: deref(in.Printer), Scanner: deref(in.Scanner)}
}

func (r *mutationResolver) createVenue(ctx context.Context, in CreateVenueInput) (*VenuePayload, error) {
	orgID, err := requireOwnScope(callerFrom(ctx), db.ScopeCatalogueWrite)
	if err != nil {
		return nil, err
	}
	v := db.Venue{
		OrganisationID: orgID, Name: in.Name, StreetAddress: in.StreetAddress, PostalCode: in.PostalCode,
		City: in.City, InseeCode: in.InseeCode, Latitude: in.Latitude, Longitude: in.Longitude,
		OpeningHours: in.OpeningHours, Accessibility: accessibilityOf(in.Accessibility),
		Equipment: equipmentOf(in.Equipment), Phone: in.Phone, Email: in.Email,
		AccessInstructions: strings.TrimSpace(deref(in.AccessInstructions)),
	}
	var p problems
	checkVenue(&p, &v)
	if len(p) > 0 {
		return &VenuePayload{UserErrors: p}, nil
	}
	created, err := db.CreateVenue(ctx, r.Pool, v)
	if err != nil {
		return nil, err
	}
	return &VenuePayload{Venue: &created, UserErrors: p.errs()}, nil
}

// ownVenue loads a venue the caller may change, or says why not: a NOT_FOUND userError when
// the id names no venue the caller may see (so hidden objects stay hidden, as with node),
// FORBIDDEN when it is another organisation's.
func (r *Resolver) ownVenue(ctx context.Context, p *problems, field, gid string) (db.Venue, error) {
	if err := requireKey(callerFrom(ctx)); err != nil {
		return db.Venue{}, err
	}
	id, err := idOf(kindVenue, gid)
	if err != nil {
		p.add(UserErrorCodeNotFound, field, "%s is not a venue id", field)
		return db.Venue{}, nil
	}
	v, err := db.VenueByID(ctx, r.Pool, id)
	if errors.Is(err, db.ErrNotFound) {
		p.add(UserErrorCodeNotFound, field, "no venue with this %s", field)
		return db.Venue{}, nil
	}
	if err != nil {
		return db.Venue{}, err
	}
	return v, requireScope(callerFrom(ctx), v.OrganisationID, db.ScopeCatalogueWrite)
}

func (r *mutationResolver) updateVenue(ctx context.Context, in UpdateVenueInput) (*VenuePayload, error) {
	var p problems
	v, err := r.ownVenue(ctx, &p, "id", in.ID)
	if err != nil || len(p) > 0 {
		return &VenuePayload{UserErrors: p}, err
	}
	updated, err := db.UpdateVenue(ctx, r.Pool, v.ID, func(v *db.Venue) error {
		set(&v.Name, in.Name)
		set(&v.StreetAddress, in.StreetAddress)
		set(&v.PostalCode, in.PostalCode)
		set(&v.City, in.City)
		if in.InseeCode != nil {
			v.InseeCode = in.InseeCode
		}
		if in.Latitude != nil || in.Longitude != nil {
			v.Latitude, v.Longitude = in.Latitude, in.Longitude
		}
		if in.OpeningHours != nil {
			v.OpeningHours = in.OpeningHours
		}
		if in.Accessibility != nil {
			v.Accessibility = accessibilityOf(in.Accessibility)
		}
		if in.Equipment != nil {
			v.Equipment = equipmentOf(in.Equipment)
		}
		if in.Phone != nil {
			v.Phone = in.Phone
		}
		if in.Email != nil {
			v.Email = in.Email
		}
		set(&v.AccessInstructions, in.AccessInstructions)
		checkVenue(&p, v)
		return p.err()
	})
	if errors.Is(err, errInvalid) {
		return &VenuePayload{UserErrors: p}, nil
	}
	if err != nil {
		return nil, err
	}
	return &VenuePayload{Venue: &updated, UserErrors: p.errs()}, nil
}

func (r *mutationResolver) archiveVenue(ctx context.Context, in ArchiveInput) (*VenuePayload, error) {
	var p problems
	v, err := r.ownVenue(ctx, &p, "id", in.ID)
	if err != nil || len(p) > 0 {
		return &VenuePayload{UserErrors: p}, err
	}
	archived, err := db.ArchiveVenue(ctx, r.Pool, v.ID)
	if err != nil {
		return nil, err
	}
	return &VenuePayload{Venue: &archived, UserErrors: p.errs()}, nil
}

// slotsOfVenue is Venue.slots: Query.slots with the venue as the only venueIds.
func (r *Resolver) slotsOfVenue(ctx context.Context, v *db.Venue, f *db.SlotFilter, first *int, after *string) (*SlotConnection, error) {
	filter := deref(f)
	filter.VenueIDs = nil // replaced by the venue
	return nestedSlots(ctx, loadersFrom(ctx).venueSlots, v.ID, filter, first, after)
}
