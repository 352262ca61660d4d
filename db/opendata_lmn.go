package db

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/unicode/norm"
)

// OpenDataVenue is a venue as the open data of the "lieux de médiation numérique" shows it,
// with what it says of the venue's organisation.
type OpenDataVenue struct {
	Venue
	OrganisationName  string
	OrganisationSiret *string
	IsSample          bool
	UpdatedOn         string // the day of the venue's last change here, YYYY-MM-DD in Europe/Paris
}

// OpenDataPivot is the venue's `pivot`: its own, or its organisation's SIRET; "" if neither.
func (v OpenDataVenue) OpenDataPivot() string {
	switch {
	case v.Pivot != nil:
		return *v.Pivot
	case v.OrganisationSiret != nil:
		return *v.OrganisationSiret
	}
	return ""
}

const openDataVenueSQL = `SELECT %s, o.name, o.siret, o.is_sample,
		(v.updated_at AT TIME ZONE 'Europe/Paris')::date::text
	FROM venues v JOIN organisations o ON o.id = v.organisation_id`

func scanOpenDataVenue(row pgx.CollectableRow) (OpenDataVenue, error) {
	var v OpenDataVenue
	err := row.Scan(append(dests(v.columns()), &v.OrganisationName, &v.OrganisationSiret, &v.IsSample, &v.UpdatedOn)...)
	return v, err
}

// OpenDataVenues lists the venues the network publishes: every venue not archived, by its
// open data id, sample data included (a demo's export works like a real one).
func OpenDataVenues(ctx context.Context, q Querier) ([]OpenDataVenue, error) {
	return queryAll(ctx, q, "list open data venues", scanOpenDataVenue,
		fmt.Sprintf(openDataVenueSQL, venueColumns)+` WHERE v.archived_at IS NULL ORDER BY v.open_data_id`)
}

// ImportedVenue is a record of a partner's file, read: the venue's fields as the file gives
// them, its pivot, and the name of the organisation to create when no known one matches.
type ImportedVenue struct {
	Venue
	PivotGiven       string
	OrganisationName string
}

// ImportCounts says what an import did.
type ImportCounts struct {
	Created, Updated, Unchanged int
	// Skipped: records whose id is a venue managed here (its organisation hosts workshops in
	// the API), or archived here: an import never changes those.
	Skipped int
}

// ImportVenues upserts partners' venues by their open data id, all in one transaction: any
// failure writes nothing. A record whose id is a venue managed here (of an organisation that
// hosts workshops, the network's own, say in the national file) or archived here is skipped:
// a file never takes over or revives them. A venue's organisation is, in order: the one it has
// if its pivot is the same; the organisation with that SIRET; the organisation of a venue with
// that pivot; one created by this import for that pivot; else a new one (kind OTHER, hosting
// no workshops). Fields the standard does not carry (accessibility, equipment, access
// instructions) are kept on update.
func ImportVenues(ctx context.Context, q Querier, in []ImportedVenue) (ImportCounts, error) {
	var counts ImportCounts
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		// Two imports at once would both create the organisation of a new pivot.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('ateliers venue import'))`); err != nil {
			return err
		}
		created := map[string]int64{}
		for i, r := range in {
			if err := importVenue(ctx, tx, r, created, &counts); err != nil {
				return fmt.Errorf("record %d: %w", i+1, err)
			}
		}
		return nil
	})
	if err != nil {
		return ImportCounts{}, fmt.Errorf("import %d venues: %w", len(in), err)
	}
	return counts, nil
}

func importVenue(ctx context.Context, tx pgx.Tx, r ImportedVenue, created map[string]int64, counts *ImportCounts) error {
	old, err := queryOne(ctx, tx, "venue by open data id", scanOpenDataVenue,
		fmt.Sprintf(openDataVenueSQL, venueColumns)+` WHERE v.open_data_id = $1 FOR UPDATE OF v`, r.OpenDataID)
	found := err == nil
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	if found {
		var managed bool
		if err := tx.QueryRow(ctx, `SELECT hosts_workshops FROM organisations WHERE id = $1`, old.OrganisationID).Scan(&managed); err != nil {
			return err
		}
		if managed || old.ArchivedAt != nil {
			counts.Skipped++
			return nil
		}
	}
	var orgID int64
	var orgSiret *string
	if found && old.OpenDataPivot() == r.PivotGiven {
		orgID, orgSiret = old.OrganisationID, old.OrganisationSiret
	} else if orgID, orgSiret, err = importOrganisation(ctx, tx, r, created); errors.Is(err, errManagedHere) {
		counts.Skipped++
		return nil
	} else if err != nil {
		return err
	}
	v := r.Venue
	v.OrganisationID = orgID
	v.Pivot = nil
	if orgSiret == nil || *orgSiret != r.PivotGiven {
		v.Pivot = &r.PivotGiven
	}
	if !found {
		_, err := CreateVenue(ctx, tx, v)
		counts.Created++
		return err
	}
	v.ID, v.Accessibility, v.Equipment = old.ID, old.Accessibility, old.Equipment
	v.AccessInstructions, v.ArchivedAt = old.AccessInstructions, old.ArchivedAt
	if sameVenue(old.Venue, v) {
		counts.Unchanged++
		return nil
	}
	counts.Updated++
	_, err = tx.Exec(ctx, `
		UPDATE venues SET organisation_id = $2, name = $3, street_address = $4, postal_code = $5, city = $6,
			insee_code = $7, latitude = $8, longitude = $9, opening_hours = $10, phone = $11, email = $12,
			pivot = $13, open_data_source = $14, source_updated_on = $15, summary = $16, description = $17,
			website = $18, acces_libre_url = $19, booking_url = $20, services = $21, specific_audiences = $22,
			specific_support = $23, fees = $24, access_modes = $25, support_modes = $26, mobility = $27,
			updated_at = now()
		WHERE id = $1`,
		v.ID, v.OrganisationID, v.Name, v.StreetAddress, v.PostalCode, v.City, v.InseeCode, v.Latitude, v.Longitude,
		v.OpeningHours, v.Phone, v.Email, v.Pivot, v.OpenDataSource, v.SourceUpdatedOn, v.Summary, v.Description,
		v.Website, v.AccesLibreURL, v.BookingURL, nonNil(v.Services), nonNil(v.SpecificAudiences),
		nonNil(v.SpecificSupport), nonNil(v.Fees), nonNil(v.AccessModes), nonNil(v.SupportModes), nonNil(v.Mobility))
	return err
}

// sameVenue reports whether an import changes nothing of old: lists compared as stored
// (empty, not nil), the source's date as a day.
func sameVenue(old, v Venue) bool {
	day := func(v *Venue) string {
		d := ""
		if v.SourceUpdatedOn != nil {
			d = v.SourceUpdatedOn.Format("2006-01-02")
		}
		v.SourceUpdatedOn = nil
		return d
	}
	norm := func(v *Venue) {
		v.Services, v.SpecificAudiences, v.SpecificSupport = nonNil(v.Services), nonNil(v.SpecificAudiences), nonNil(v.SpecificSupport)
		v.Fees, v.AccessModes, v.SupportModes, v.Mobility = nonNil(v.Fees), nonNil(v.AccessModes), nonNil(v.SupportModes), nonNil(v.Mobility)
	}
	norm(&old)
	norm(&v)
	return day(&old) == day(&v) && reflect.DeepEqual(old, v)
}

// errManagedHere: the record's pivot is the SIRET of an organisation that hosts workshops here,
// which publishes its own venues: the record is skipped.
var errManagedHere = errors.New("the organisation of this pivot manages its venues here")

// importOrganisation finds or creates the organisation of an imported venue (ImportVenues).
func importOrganisation(ctx context.Context, tx pgx.Tx, r ImportedVenue, created map[string]int64) (int64, *string, error) {
	type org struct {
		id    int64
		siret *string
	}
	scan := func(row pgx.CollectableRow) (org, error) {
		var o org
		return o, row.Scan(&o.id, &o.siret)
	}
	pivot := r.PivotGiven
	if strings.Trim(pivot, "0") == "" {
		pivot = "" // a placeholder of zeros names no one: a new organisation for the record
	}
	if ValidSiret(pivot) {
		var o struct {
			org
			managed bool
		}
		err := tx.QueryRow(ctx, `SELECT id, siret, hosts_workshops FROM organisations WHERE siret = $1
			ORDER BY hosts_workshops DESC, id LIMIT 1`, pivot).Scan(&o.id, &o.siret, &o.managed)
		switch {
		case err == nil && o.managed:
			return 0, nil, errManagedHere
		case err == nil:
			return o.id, o.siret, nil
		case !errors.Is(err, pgx.ErrNoRows):
			return 0, nil, err
		}
	}
	if pivot != "" {
		o, err := queryOne(ctx, tx, "organisation by venue pivot", scan, `
			SELECT o.id, o.siret FROM venues v JOIN organisations o ON o.id = v.organisation_id
			WHERE v.pivot = $1 AND NOT o.hosts_workshops ORDER BY v.id LIMIT 1`, pivot)
		if err == nil || !errors.Is(err, ErrNotFound) {
			return o.id, o.siret, err
		}
	}
	var siret *string
	if ValidSiret(pivot) {
		siret = &pivot
	}
	if id, ok := created[pivot]; ok && pivot != "" {
		return id, siret, nil
	}
	slug, err := freeSlug(ctx, tx, r.OrganisationName)
	if err != nil {
		return 0, nil, err
	}
	made, err := CreateOrganisation(ctx, tx, Organisation{Name: r.OrganisationName, Slug: slug, Kind: KindOther,
		Siret: siret, Description: "Créée par l'import d'un fichier des lieux de médiation numérique."})
	if err != nil {
		return 0, nil, err
	}
	created[pivot] = made.ID
	return made.ID, siret, nil
}

// freeSlug is a slug for name no organisation has: its words without accents, lower case,
// joined by dashes, numbered when taken.
func freeSlug(ctx context.Context, tx pgx.Tx, name string) (string, error) {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(name)) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		case unicode.Is(unicode.Mn, r): // an accent, decomposed
		default:
			b.WriteByte('-')
		}
	}
	base := strings.Join(strings.FieldsFunc(b.String(), func(r rune) bool { return r == '-' }), "-")
	base = strings.Trim(base[:min(len(base), 50)], "-")
	if len(base) < 2 {
		base = "lieu"
	}
	for n := 1; ; n++ {
		slug := base
		if n > 1 {
			slug = fmt.Sprintf("%s-%d", base, n)
		}
		var taken bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisations WHERE slug = $1)`, slug).Scan(&taken); err != nil {
			return "", fmt.Errorf("find a free slug: %w", err)
		}
		if !taken {
			return slug, nil
		}
	}
}
