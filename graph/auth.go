package graph

import (
	"github.com/regiestains/ateliers/db"
)

// requireKey refuses anonymous callers: checked before any lookup, so the public learns
// nothing about which objects exist.
func requireKey(c db.Caller) error {
	if c.Anonymous() {
		return errUnauthenticated("this operation needs an API key: send Authorization: Bearer <key>")
	}
	return nil
}

// requireScope allows callers acting for organisation orgID with scope s. The scope is checked
// first: a key without it could do nothing whoever owned the object, and "belongs to another
// organisation" sent a partner looking for the wrong mistake.
func requireScope(c db.Caller, orgID int64, s db.Scope) error {
	if err := requireKey(c); err != nil {
		return err
	}
	if !c.Has(s) {
		return errForbidden("your API key lacks the " + string(s) + " scope")
	}
	if !c.MemberOf(orgID) {
		return errForbidden("this object belongs to another organisation")
	}
	return nil
}

// requireOwnScope allows callers acting for an organisation with scope s, and returns that
// organisation's id: the owner of anything they create.
func requireOwnScope(c db.Caller, s db.Scope) (int64, error) {
	if c.Anonymous() {
		return 0, errUnauthenticated("this operation needs an API key: send Authorization: Bearer <key>")
	}
	if c.OrganisationID == 0 {
		return 0, errForbidden("a network administrator key acts for no organisation: use a key of the organisation")
	}
	return c.OrganisationID, requireScope(c, c.OrganisationID, s)
}

// requireAdmin allows network administrators only.
func requireAdmin(c db.Caller) error {
	if c.Anonymous() {
		return errUnauthenticated("this operation needs an API key: send Authorization: Bearer <key>")
	}
	if !c.NetworkAdmin {
		return errForbidden("this operation needs a network administrator key")
	}
	return nil
}
