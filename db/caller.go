package db

import "slices"

// Caller is who sends a request, resolved from its API key. The zero Caller is anonymous:
// the public website.
type Caller struct {
	KeyID          int64
	OrganisationID int64 // 0 when the key belongs to no organisation (network administrator)
	Scopes         []Scope
	NetworkAdmin   bool
}

// Anonymous reports whether the caller sent no API key.
func (c Caller) Anonymous() bool { return c.KeyID == 0 }

// Partner reports whether the caller holds a key of the network, which lets it see
// partners-only slots.
func (c Caller) Partner() bool { return c.KeyID != 0 }

// Has reports whether the caller's key carries scope s.
func (c Caller) Has(s Scope) bool { return slices.Contains(c.Scopes, s) }

// MemberOf reports whether the caller acts for organisation id.
func (c Caller) MemberOf(id int64) bool { return c.OrganisationID != 0 && c.OrganisationID == id }
