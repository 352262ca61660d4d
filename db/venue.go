package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Venue is where slots happen, with the fields of the national "lieux de médiation numérique"
// schema that matter to participants.
type Venue struct {
	ID                 int64
	OrganisationID     int64
	Name               string
	StreetAddress      string
	PostalCode         string
	City               string
	InseeCode          *string
	Latitude           *float64
	Longitude          *float64
	OpeningHours       *string
	Accessibility      Accessibility
	Equipment          Equipment
	Phone              *string
	Email              *string
	AccessInstructions string
	ArchivedAt         *time.Time
	OpenData
}

// OpenData holds what the national "lieux de médiation numérique" standard says of a venue
// beyond its address and hours (package lmn publishes and imports it).
type OpenData struct {
	OpenDataID        string     // the record's `id`, the key of an import
	Pivot             *string    // SIRET, RNA or RIDET, when not the organisation's SIRET
	OpenDataSource    *string    // who collected an imported venue's data
	SourceUpdatedOn   *time.Time // an imported record's `date_maj`, until the venue is edited here
	Summary           string
	Description       string
	Website           *string
	AccesLibreURL     *string
	BookingURL        *string
	Services          []VenueService
	SpecificAudiences []VenueAudience
	SpecificSupport   []SpecificSupport
	Fees              []VenueFee
	AccessModes       []AccessMode
	SupportModes      []SupportMode
	Mobility          []VenueMobility
}

// Accessibility of a venue.
type Accessibility struct {
	WheelchairAccessible bool
	HearingLoop          bool
	OtherSupport         string
}

// Equipment of a venue.
type Equipment struct {
	Computers int
	Wifi      bool
	Printer   bool
	Scanner   bool
}

// IsArchived reports whether the venue is archived.
func (v Venue) IsArchived() bool { return v.ArchivedAt != nil }

// columns are a venue's columns (alias v), each with the field it fills.
func (v *Venue) columns() []column {
	return []column{{"ID", "v.id", &v.ID}, {"OrganisationID", "v.organisation_id", &v.OrganisationID},
		{"Name", "v.name", &v.Name}, {"StreetAddress", "v.street_address", &v.StreetAddress},
		{"PostalCode", "v.postal_code", &v.PostalCode}, {"City", "v.city", &v.City},
		{"InseeCode", "v.insee_code", &v.InseeCode}, {"Latitude", "v.latitude", &v.Latitude},
		{"Longitude", "v.longitude", &v.Longitude}, {"OpeningHours", "v.opening_hours", &v.OpeningHours},
		{"Accessibility", "v.wheelchair_accessible", &v.Accessibility.WheelchairAccessible},
		{"Accessibility", "v.hearing_loop", &v.Accessibility.HearingLoop},
		{"Accessibility", "v.other_support", &v.Accessibility.OtherSupport},
		{"Equipment", "v.computers", &v.Equipment.Computers}, {"Equipment", "v.wifi", &v.Equipment.Wifi},
		{"Equipment", "v.printer", &v.Equipment.Printer}, {"Equipment", "v.scanner", &v.Equipment.Scanner},
		{"Phone", "v.phone", &v.Phone}, {"Email", "v.email", &v.Email},
		{"AccessInstructions", "v.access_instructions", &v.AccessInstructions}, {"ArchivedAt", "v.archived_at", &v.ArchivedAt},
		{"OpenDataID", "v.open_data_id", &v.OpenDataID}, {"Pivot", "v.pivot", &v.Pivot},
		{"OpenDataSource", "v.open_data_source", &v.OpenDataSource}, {"SourceUpdatedOn", "v.source_updated_on", &v.SourceUpdatedOn},
		{"Summary", "v.summary", &v.Summary}, {"Description", "v.description", &v.Description},
		{"Website", "v.website", &v.Website}, {"AccesLibreURL", "v.acces_libre_url", &v.AccesLibreURL},
		{"BookingURL", "v.booking_url", &v.BookingURL}, {"Services", "v.services", &v.Services},
		{"SpecificAudiences", "v.specific_audiences", &v.SpecificAudiences},
		{"SpecificSupport", "v.specific_support", &v.SpecificSupport}, {"Fees", "v.fees", &v.Fees},
		{"AccessModes", "v.access_modes", &v.AccessModes}, {"SupportModes", "v.support_modes", &v.SupportModes},
		{"Mobility", "v.mobility", &v.Mobility}}
}

var venueColumns = columnList(new(Venue).columns())

func scanVenue(row pgx.CollectableRow) (Venue, error) {
	var v Venue
	err := row.Scan(dests(v.columns())...)
	return v, err
}

// VenuesByID returns the venues with the given ids, archived ones included (a past slot still
// shows where it was). Venues are public places: there is no visibility rule.
func VenuesByID(ctx context.Context, q Querier, ids []int64) ([]Venue, error) {
	return queryAll(ctx, q, "venues by id", scanVenue, `SELECT `+venueColumns+` FROM venues v WHERE v.id = ANY($1)`, ids)
}

// VenueByID returns one venue.
func VenueByID(ctx context.Context, q Querier, id int64) (Venue, error) {
	return queryOne(ctx, q, fmt.Sprintf("venue %d", id), scanVenue, `SELECT `+venueColumns+` FROM venues v WHERE v.id = $1`, id)
}

// VenueFilter narrows Venues; zero values do not filter.
type VenueFilter struct {
	OrganisationIDs []int64
	PostalCodes     []string
	Near            *Near
	Accessibility   []AccessibilityNeed
	IncludeArchived bool
}

// Near is a circle on the map.
type Near struct {
	Latitude, Longitude, RadiusKm float64
}

// Venues lists venues by name.
func Venues(ctx context.Context, q Querier, f VenueFilter, p Page) ([]Venue, error) {
	w := venueWhere(f, p)
	sql := `SELECT ` + venueColumns + ` FROM venues v ` + w.sql() +
		fmt.Sprintf(` ORDER BY v.name, v.id LIMIT %d`, p.limit())
	return queryAll(ctx, q, "list venues", scanVenue, sql, forValues(w.args)...)
}

// VenuesOfOrganisations is Venues (archived ones left out) for each organisation of orgIDs,
// in one statement: the venues of a page of organisations.
func VenuesOfOrganisations(ctx context.Context, q Querier, orgIDs []int64, p Page) (map[int64][]Venue, error) {
	venues, err := pages(ctx, q, orgIDs, "v.organisation_id", venueWhere(VenueFilter{}, p), venueColumns, `FROM venues v`, "v", "name", p, scanVenue)
	if err != nil {
		return nil, fmt.Errorf("list venues of %d organisations: %w", len(orgIDs), err)
	}
	return venues, nil
}

// venueWhere is the WHERE clause of Venues: the filter and the page's keyset position.
func venueWhere(f VenueFilter, p Page) where {
	w := where{}
	if len(f.OrganisationIDs) > 0 {
		w.add("v.organisation_id = ANY($%d)", f.OrganisationIDs)
	}
	if len(f.PostalCodes) > 0 {
		w.add("v.postal_code = ANY($%d)", f.PostalCodes)
	}
	w.near("v", f.Near)
	w.accessibility("v", f.Accessibility)
	if !f.IncludeArchived {
		w.add("v.archived_at IS NULL")
	}
	if key, id := p.after(); key != nil {
		w.add("(v.name, v.id) > ($%d, $%d)", *key, id)
	}
	return w
}

// CreateVenue inserts v.
func CreateVenue(ctx context.Context, q Querier, v Venue) (Venue, error) {
	rows, _ := q.Query(ctx, `
		WITH v AS (
			INSERT INTO venues (organisation_id, name, street_address, postal_code, city, insee_code,
				latitude, longitude, opening_hours, wheelchair_accessible, hearing_loop, other_support,
				computers, wifi, printer, scanner, phone, email, access_instructions,
				open_data_id, pivot, open_data_source, source_updated_on, summary, description, website,
				acces_libre_url, booking_url, services, specific_audiences, specific_support, fees,
				access_modes, support_modes, mobility)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,
				coalesce(nullif($20, ''), gen_random_uuid()::text), $21, $22, $23, $24, $25, $26, $27, $28,
				$29, $30, $31, $32, $33, $34, $35)
			RETURNING *)
		SELECT `+venueColumns+` FROM v`,
		v.OrganisationID, v.Name, v.StreetAddress, v.PostalCode, v.City, v.InseeCode,
		v.Latitude, v.Longitude, v.OpeningHours,
		v.Accessibility.WheelchairAccessible, v.Accessibility.HearingLoop, v.Accessibility.OtherSupport,
		v.Equipment.Computers, v.Equipment.Wifi, v.Equipment.Printer, v.Equipment.Scanner,
		v.Phone, v.Email, v.AccessInstructions,
		v.OpenDataID, v.Pivot, v.OpenDataSource, v.SourceUpdatedOn, v.Summary, v.Description, v.Website,
		v.AccesLibreURL, v.BookingURL, nonNil(v.Services), nonNil(v.SpecificAudiences), nonNil(v.SpecificSupport),
		nonNil(v.Fees), nonNil(v.AccessModes), nonNil(v.SupportModes), nonNil(v.Mobility))
	created, err := pgx.CollectExactlyOneRow(rows, scanVenue)
	if err != nil {
		return Venue{}, fmt.Errorf("create venue: %w", err)
	}
	return created, nil
}

// UpdateVenue locks venue id, lets change modify it, and writes every editable field.
func UpdateVenue(ctx context.Context, q Querier, id int64, change func(*Venue) error) (Venue, error) {
	v, err := update(ctx, q, `SELECT `+venueColumns+` FROM venues v WHERE v.id = $1 FOR UPDATE`,
		id, scanVenue, change, writeVenue)
	if err != nil {
		return Venue{}, fmt.Errorf("update venue %d: %w", id, err)
	}
	return v, nil
}

func writeVenue(ctx context.Context, tx pgx.Tx, v Venue) (Venue, error) {
	rows, _ := tx.Query(ctx, `
		WITH v AS (
			UPDATE venues SET name = $2, street_address = $3, postal_code = $4, city = $5,
				insee_code = $6, latitude = $7, longitude = $8, opening_hours = $9,
				wheelchair_accessible = $10, hearing_loop = $11, other_support = $12,
				computers = $13, wifi = $14, printer = $15, scanner = $16, phone = $17, email = $18,
				access_instructions = $19, pivot = $20, summary = $21, description = $22, website = $23,
				acces_libre_url = $24, booking_url = $25, services = $26, specific_audiences = $27,
				specific_support = $28, fees = $29, access_modes = $30, support_modes = $31, mobility = $32,
				-- edited here: the open data's date_maj is now updated_at, no longer the source's
				source_updated_on = NULL, updated_at = now()
			WHERE id = $1
			RETURNING *)
		SELECT `+venueColumns+` FROM v`,
		v.ID, v.Name, v.StreetAddress, v.PostalCode, v.City, v.InseeCode,
		v.Latitude, v.Longitude, v.OpeningHours,
		v.Accessibility.WheelchairAccessible, v.Accessibility.HearingLoop, v.Accessibility.OtherSupport,
		v.Equipment.Computers, v.Equipment.Wifi, v.Equipment.Printer, v.Equipment.Scanner,
		v.Phone, v.Email, v.AccessInstructions,
		v.Pivot, v.Summary, v.Description, v.Website, v.AccesLibreURL, v.BookingURL,
		nonNil(v.Services), nonNil(v.SpecificAudiences), nonNil(v.SpecificSupport),
		nonNil(v.Fees), nonNil(v.AccessModes), nonNil(v.SupportModes), nonNil(v.Mobility))
	return pgx.CollectExactlyOneRow(rows, scanVenue)
}

// ArchiveVenue archives a venue; archiving twice keeps the first date.
func ArchiveVenue(ctx context.Context, q Querier, id int64) (Venue, error) {
	rows, _ := q.Query(ctx, `
		WITH v AS (
			UPDATE venues SET archived_at = coalesce(archived_at, now()), updated_at = now()
			WHERE id = $1 RETURNING *)
		SELECT `+venueColumns+` FROM v`, id)
	v, err := pgx.CollectExactlyOneRow(rows, scanVenue)
	if err != nil {
		return Venue{}, notFound(err, fmt.Sprintf("archive venue %d", id))
	}
	return v, nil
}
