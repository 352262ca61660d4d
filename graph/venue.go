package graph

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/lmn"
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
	if v.Pivot != nil && !pivotPattern.MatchString(*v.Pivot) {
		p.add(UserErrorCodeInvalid, "pivot", "pivot must be a SIRET, RNA or RIDET: 9 to 14 letters and digits")
	}
	p.text("summary", v.Summary, false, 280)
	p.text("description", v.Description, false, 5000)
}

// pivotPattern is the LMN standard's for `pivot` (lmn/schema.json), and the column's CHECK.
var pivotPattern = regexp.MustCompile(`^[a-zA-Z0-9]{9,14}$`)

// maxImportContent bounds importVenues' file, whatever the body limit is configured to.
const maxImportContent = 1_000_000

// updateOpenData applies the open data fields updateVenue was given.
func updateOpenData(d *db.OpenData, in UpdateVenueInput) {
	if in.Pivot != nil {
		d.Pivot = nonEmpty(in.Pivot)
	}
	set(&d.Summary, trimmed(in.Summary))
	set(&d.Description, trimmed(in.Description))
	if in.Website != nil {
		d.Website = in.Website
	}
	if in.AccesLibreURL != nil {
		d.AccesLibreURL = in.AccesLibreURL
	}
	if in.BookingURL != nil {
		d.BookingURL = in.BookingURL
	}
	setList(&d.Services, in.Services)
	setList(&d.SpecificAudiences, in.SpecificAudiences)
	setList(&d.SpecificSupport, in.SpecificSupport)
	setList(&d.Fees, in.Fees)
	setList(&d.AccessModes, in.AccessModes)
	setList(&d.SupportModes, in.SupportModes)
	setList(&d.Mobility, in.Mobility)
}

func setList[T any](dst *[]T, src []T) {
	if src != nil {
		*dst = src
	}
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	return &t
}

// importReport is the API's form of an import's report.
func importReport(r lmn.Report) *VenueImportReport {
	out := &VenueImportReport{Applied: len(r.Rejected) == 0, Created: r.Created, Updated: r.Updated,
		Unchanged: r.Unchanged, Skipped: r.Skipped, Rejected: []RejectedVenueRecord{}}
	for _, x := range r.Rejected {
		out.Rejected = append(out.Rejected, RejectedVenueRecord{Row: x.Row, RecordID: nonEmpty(&x.RecordID),
			Field: nonEmpty(&x.Field), Reason: x.Reason})
	}
	return out
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
