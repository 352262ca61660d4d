package graph

import "github.com/regiestains/ateliers/db"

// ReferralsFeedPath is where a partner's private calendar feeds are served: this, the feed's
// secret, then ".ics". The server routes it and keeps the secret out of its logs and traces.
const ReferralsFeedPath = "/calendar/referrals/"

// feedScope is what a key needs to create, list and revoke its organisation's calendar feeds.
// REGISTRATIONS_READ, the scope that reads referrals with personal data, because a feed is a
// standing read of them (less than `referrals` shows, but to whoever holds its address, with no
// key). Not REGISTRATIONS_WRITE alone, though `referrals` accepts it: a key that registers
// people need not hand out a read of them; nor KEYS_MANAGE, since a feed opens no part of the
// API, only this one calendar.
const feedScope = db.ScopeRegistrationsRead

// canManageFeed reports whether the caller may see and revoke feed f: a key of its organisation
// with feedScope.
func canManageFeed(c db.Caller, f db.CalendarFeed) bool {
	return c.MemberOf(f.OrganisationID) && c.Has(feedScope)
}

func calendarFeedCursor(f db.CalendarFeed) db.Cursor { return db.Cursor{ID: f.ID} }
