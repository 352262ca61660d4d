package graph

import (
	"context"
	"errors"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// checkOrganisation validates the fields every organisation write shares.
func checkOrganisation(p *problems, o *db.Organisation) {
	o.Name = strings.TrimSpace(o.Name)
	p.text("name", o.Name, true, 200)
	p.text("description", o.Description, false, 5000)
}

func (r *mutationResolver) createOrganisation(ctx context.Context, in CreateOrganisationInput) (*OrganisationPayload, error) {
	if err := requireAdmin(callerFrom(ctx)); err != nil {
		return nil, err
	}
	var p problems
	o := db.Organisation{
		Name: in.Name, Slug: in.Slug, Kind: in.Kind, Phone: in.Phone, Email: in.Email,
		Website: in.Website, Description: deref(in.Description),
		HostsWorkshops: deref(in.HostsWorkshops), RefersPeople: deref(in.RefersPeople),
	}
	p.slug("slug", o.Slug)
	o.Siret = p.siret("siret", in.Siret)
	checkOrganisation(&p, &o)
	if len(p) > 0 {
		return &OrganisationPayload{UserErrors: p}, nil
	}
	created, err := db.CreateOrganisation(ctx, r.Pool, o)
	if errors.Is(err, db.ErrTaken) {
		p.add(UserErrorCodeTaken, "slug", "slug %q is already used by another organisation", o.Slug)
		return &OrganisationPayload{UserErrors: p}, nil
	}
	if err != nil {
		return nil, err
	}
	return &OrganisationPayload{Organisation: &created, UserErrors: p.errs()}, nil
}

func (r *mutationResolver) updateOrganisation(ctx context.Context, in UpdateOrganisationInput) (*OrganisationPayload, error) {
	var p problems
	id, err := idOf(kindOrganisation, in.ID)
	if err != nil {
		p.add(UserErrorCodeNotFound, "id", "id is not an organisation id")
		return &OrganisationPayload{UserErrors: p}, nil
	}
	c := callerFrom(ctx)
	if !c.NetworkAdmin {
		if err := requireScope(c, id, db.ScopeCatalogueWrite); err != nil {
			return nil, err
		}
	}
	updated, err := db.UpdateOrganisation(ctx, r.Pool, id, func(o *db.Organisation) error {
		set(&o.Name, in.Name)
		set(&o.Kind, in.Kind)
		if in.Siret != nil {
			o.Siret = p.siret("siret", in.Siret)
		}
		if in.Phone != nil {
			o.Phone = in.Phone
		}
		if in.Email != nil {
			o.Email = in.Email
		}
		if in.Website != nil {
			o.Website = in.Website
		}
		set(&o.Description, in.Description)
		set(&o.HostsWorkshops, in.HostsWorkshops)
		set(&o.RefersPeople, in.RefersPeople)
		checkOrganisation(&p, o)
		return p.err()
	})
	switch {
	case errors.Is(err, errInvalid):
		return &OrganisationPayload{UserErrors: p}, nil
	case errors.Is(err, db.ErrNotFound):
		p.add(UserErrorCodeNotFound, "id", "no organisation with this id")
		return &OrganisationPayload{UserErrors: p}, nil
	case err != nil:
		return nil, err
	}
	return &OrganisationPayload{Organisation: &updated, UserErrors: p.errs()}, nil
}

// venuesOfOrganisation is Organisation.venues: Query.venues with the organisation as the only
// organisationIds, through a loader that lists the venues of every organisation of the page
// at once.
func (r *Resolver) venuesOfOrganisation(ctx context.Context, o *db.Organisation, first *int, after *string) (*VenueConnection, error) {
	p, err := pageOf(kindVenue, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := loadersFrom(ctx).organisationVenues.load(ctx, o.ID, p)
	if err != nil {
		return nil, err
	}
	edges, info := connection(kindVenue, rows, p, venueCursor, func(c string, v db.Venue) VenueEdge { return VenueEdge{c, v} })
	return &VenueConnection{Edges: edges, PageInfo: info}, nil
}

// workshopsOfOrganisation is Organisation.workshops: the organisation's workshops the caller
// may see (all of them for its members, its published ones for others), through a loader
// that lists the workshops of every organisation of the page at once.
func (r *Resolver) workshopsOfOrganisation(ctx context.Context, o *db.Organisation, first *int, after *string) (*WorkshopConnection, error) {
	p, err := pageOf(kindWorkshop, first, after)
	if err != nil {
		return nil, err
	}
	rows, err := loadersFrom(ctx).organisationWorkshops.load(ctx, o.ID, p)
	if err != nil {
		return nil, err
	}
	edges, info := connection(kindWorkshop, rows, p, workshopCursor, func(c string, w db.Workshop) WorkshopEdge { return WorkshopEdge{c, w} })
	return &WorkshopConnection{Edges: edges, PageInfo: info}, nil
}
