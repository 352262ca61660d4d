package graph

import (
	"github.com/regiestains/ateliers/db"
)

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
