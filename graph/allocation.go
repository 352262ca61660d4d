package graph

import (
	"github.com/regiestains/ateliers/db"
)

// canSeeAllocation: the host sees every reservation on its slots, an organisation its own,
// unless the slot is internal: then only the host's people may see the slot, by any path.
func canSeeAllocation(c db.Caller, s db.Slot, a db.Allocation) bool {
	return c.MemberOf(s.OrganisationID) || (c.MemberOf(a.OrganisationID) && s.Visibility != db.VisibilityInternal)
}
