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
