package db

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// Organisation is a member of the network: it hosts workshops, refers people, or both.
type Organisation struct {
	ID             int64
	Name           string
	Slug           string
	Kind           OrganisationKind
	Siret          *string
	Phone          *string
	Email          *string
	Website        *string
	Description    string
	HostsWorkshops bool
	RefersPeople   bool
	IsSample       bool
	CreatedAt      time.Time
}

const organisationColumns = `id, name, slug, kind, siret, phone, email, website, description,
	hosts_workshops, refers_people, is_sample, created_at`

func scanOrganisation(row pgx.CollectableRow) (Organisation, error) {
	var o Organisation
	err := row.Scan(o.fields()...)
	return o, err
}

// fields are the destinations of organisationColumns, in order.
func (o *Organisation) fields() []any {
	return []any{&o.ID, &o.Name, &o.Slug, &o.Kind, &o.Siret, &o.Phone, &o.Email, &o.Website,
		&o.Description, &o.HostsWorkshops, &o.RefersPeople, &o.IsSample, &o.CreatedAt}
}

// OrganisationsByID returns the organisations with the given ids, in no particular order.
// Organisations are public: there is no visibility rule to apply.
func OrganisationsByID(ctx context.Context, q Querier, ids []int64) ([]Organisation, error) {
	return queryAll(ctx, q, "organisations by id", scanOrganisation, `SELECT `+organisationColumns+` FROM organisations WHERE id = ANY($1)`, ids)
}

// OrganisationByID returns one organisation.
func OrganisationByID(ctx context.Context, q Querier, id int64) (Organisation, error) {
	return queryOne(ctx, q, fmt.Sprintf("organisation %d", id), scanOrganisation, `SELECT `+organisationColumns+` FROM organisations WHERE id = $1`, id)
}

// OrganisationFilter narrows Organisations; zero values do not filter.
type OrganisationFilter struct {
	Kinds          []OrganisationKind
	HostsWorkshops *bool
	RefersPeople   *bool
}

// Organisations lists organisations by name.
func Organisations(ctx context.Context, q Querier, f OrganisationFilter, p Page) ([]Organisation, error) {
	afterKey, afterID := p.after()
	rows, _ := q.Query(ctx, `
		SELECT `+organisationColumns+` FROM organisations
		WHERE (cardinality($1::text[]) = 0 OR kind = ANY($1))
		  AND ($2::boolean IS NULL OR hosts_workshops = $2)
		  AND ($3::boolean IS NULL OR refers_people = $3)
		  AND ($4::text IS NULL OR (name, id) > ($4, $5))
		ORDER BY name, id LIMIT $6`,
		nonNil(f.Kinds), f.HostsWorkshops, f.RefersPeople, afterKey, afterID, p.limit())
	orgs, err := pgx.CollectRows(rows, scanOrganisation)
	if err != nil {
		return nil, fmt.Errorf("list organisations: %w", err)
	}
	return orgs, nil
}

// CreateOrganisation inserts o, returning ErrTaken when its slug is used.
func CreateOrganisation(ctx context.Context, q Querier, o Organisation) (Organisation, error) {
	rows, _ := q.Query(ctx, `
		INSERT INTO organisations (name, slug, kind, siret, phone, email, website, description,
			hosts_workshops, refers_people, is_sample)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		RETURNING `+organisationColumns,
		o.Name, o.Slug, o.Kind, o.Siret, o.Phone, o.Email, o.Website, o.Description,
		o.HostsWorkshops, o.RefersPeople, o.IsSample)
	created, err := pgx.CollectExactlyOneRow(rows, scanOrganisation)
	if isUniqueViolation(err, "organisations_slug_key") {
		return Organisation{}, fmt.Errorf("create organisation %q: %w", o.Slug, ErrTaken)
	}
	if err != nil {
		return Organisation{}, fmt.Errorf("create organisation: %w", err)
	}
	return created, nil
}

// UpdateOrganisation locks organisation id, lets change modify it, and writes every editable
// field (the slug stays: it may be in links).
func UpdateOrganisation(ctx context.Context, q Querier, id int64, change func(*Organisation) error) (Organisation, error) {
	o, err := update(ctx, q, `SELECT `+organisationColumns+` FROM organisations WHERE id = $1 FOR UPDATE`,
		id, scanOrganisation, change, writeOrganisation)
	if err != nil {
		return Organisation{}, fmt.Errorf("update organisation %d: %w", id, err)
	}
	return o, nil
}

func writeOrganisation(ctx context.Context, tx pgx.Tx, o Organisation) (Organisation, error) {
	rows, _ := tx.Query(ctx, `
		UPDATE organisations SET name = $2, kind = $3, siret = $4, phone = $5, email = $6,
			website = $7, description = $8, hosts_workshops = $9, refers_people = $10, updated_at = now()
		WHERE id = $1
		RETURNING `+organisationColumns,
		o.ID, o.Name, o.Kind, o.Siret, o.Phone, o.Email, o.Website, o.Description,
		o.HostsWorkshops, o.RefersPeople)
	return pgx.CollectExactlyOneRow(rows, scanOrganisation)
}

// nonNil returns s, or an empty slice for nil, so that a filter list reaches SQL as '{}'
// rather than NULL and `cardinality(...) = 0` reads "no filter".
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// ValidSiret reports whether s is a SIRET: 14 digits whose Luhn sum is a multiple of 10.
// La Poste's establishments (SIREN 356000000) may follow another rule instead: the sum of
// their digits is a multiple of 5.
func ValidSiret(s string) bool {
	// Fourteen zeros pass Luhn: a placeholder partners' files use, not an establishment.
	if len(s) != 14 || strings.Trim(s, "0123456789") != "" || strings.Trim(s, "0") == "" {
		return false
	}
	luhn, digits := 0, 0
	for i, c := range s {
		d := int(c - '0')
		digits += d
		if i%2 == 0 { // from the left, every other digit starting with the first is doubled
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		luhn += d
	}
	return luhn%10 == 0 || (strings.HasPrefix(s, "356000000") && digits%5 == 0)
}
