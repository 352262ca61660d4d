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
