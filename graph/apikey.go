package graph

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/regiestains/ateliers/db"
)

func (r *mutationResolver) createAPIKey(ctx context.Context, in CreateAPIKeyInput) (*CreateAPIKeyPayload, error) {
	c := callerFrom(ctx)
	var p problems
	k := db.NewAPIKey{Label: strings.TrimSpace(in.Label), Scopes: slices.Compact(slices.Sorted(slices.Values(in.Scopes)))}
	switch {
	case in.OrganisationID == nil && c.NetworkAdmin:
		k.NetworkAdmin = true // another administrator key
	case in.OrganisationID == nil:
		id := c.OrganisationID
		k.OrganisationID = &id
	default:
		id, err := idOf(kindOrganisation, *in.OrganisationID)
		if err != nil {
			p.add(UserErrorCodeNotFound, "organisationId", "organisationId is not an organisation id")
			return &CreateAPIKeyPayload{UserErrors: p}, nil
		}
		k.OrganisationID = &id
	}
	if err := authorizeKeyCreation(c, k); err != nil {
		return nil, err
	}
	p.text("label", k.Label, true, 100)
	if !k.NetworkAdmin && len(k.Scopes) == 0 {
		p.add(UserErrorCodeRequired, "scopes", "an organisation key needs at least one scope")
	}
	if len(p) > 0 {
		return &CreateAPIKeyPayload{UserErrors: p}, nil
	}
	if k.OrganisationID != nil {
		if _, err := db.OrganisationByID(ctx, r.Pool, *k.OrganisationID); errors.Is(err, db.ErrNotFound) {
			p.add(UserErrorCodeNotFound, "organisationId", "no organisation with this id")
			return &CreateAPIKeyPayload{UserErrors: p}, nil
		} else if err != nil {
			return nil, err
		}
	}
	key, secret, err := db.CreateAPIKey(ctx, r.Pool, k)
	if err != nil {
		return nil, err
	}
	return &CreateAPIKeyPayload{APIKey: &key, Secret: &secret, UserErrors: p.errs()}, nil
}

// authorizeKeyCreation: administrators create any key; a KEYS_MANAGE key creates keys of its
// own organisation with no more rights than it has, so a key can never mint a stronger one.
func authorizeKeyCreation(c db.Caller, k db.NewAPIKey) error {
	if c.NetworkAdmin {
		return nil
	}
	if c.Anonymous() {
		return errUnauthenticated("this operation needs an API key: send Authorization: Bearer <key>")
	}
	if err := requireScope(c, *k.OrganisationID, db.ScopeKeysManage); err != nil {
		return err
	}
	for _, s := range k.Scopes {
		if !c.Has(s) {
			return errForbidden("a key cannot grant the " + string(s) + " scope it does not hold")
		}
	}
	return nil
}

// canManageKey reports whether the caller may see and revoke key k.
func canManageKey(c db.Caller, k db.APIKey) bool {
	if c.NetworkAdmin {
		return true
	}
	return k.OrganisationID != nil && c.MemberOf(*k.OrganisationID) && c.Has(db.ScopeKeysManage)
}

func (r *mutationResolver) revokeAPIKey(ctx context.Context, in RevokeAPIKeyInput) (*APIKeyPayload, error) {
	c := callerFrom(ctx)
	if c.Anonymous() {
		return nil, errUnauthenticated("this operation needs an API key: send Authorization: Bearer <key>")
	}
	var p problems
	id, err := idOf(kindAPIKey, in.ID)
	if err != nil {
		p.add(UserErrorCodeNotFound, "id", "id is not an API key id")
		return &APIKeyPayload{UserErrors: p}, nil
	}
	k, err := db.APIKeyByID(ctx, r.Pool, id)
	if errors.Is(err, db.ErrNotFound) || (err == nil && !canManageKey(c, k)) {
		// Keys one may not manage are not shown either (as with node): ids reveal nothing.
		p.add(UserErrorCodeNotFound, "id", "no API key with this id that you manage")
		return &APIKeyPayload{UserErrors: p}, nil
	}
	if err != nil {
		return nil, err
	}
	revoked, err := db.RevokeAPIKey(ctx, r.Pool, id)
	if err != nil {
		return nil, err
	}
	return &APIKeyPayload{APIKey: &revoked, UserErrors: p.errs()}, nil
}
