package db

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// CalendarFeed is an organisation's private calendar of the slots of the people it referred,
// read at a secret address. Its token is never stored, only its SHA-256.
type CalendarFeed struct {
	ID             int64
	OrganisationID int64
	Label          string
	Prefix         string
	CreatedAt      time.Time
	LastReadAt     *time.Time
	RevokedAt      *time.Time
}

const calendarFeedColumns = `id, organisation_id, label, prefix, created_at, last_read_at, revoked_at`

func scanCalendarFeed(row pgx.CollectableRow) (CalendarFeed, error) {
	var f CalendarFeed
	err := row.Scan(&f.ID, &f.OrganisationID, &f.Label, &f.Prefix, &f.CreatedAt, &f.LastReadAt, &f.RevokedAt)
	return f, err
}

// CreateCalendarFeed stores a new feed of organisation orgID and returns it with its token,
// which exists nowhere else.
func CreateCalendarFeed(ctx context.Context, q Querier, orgID int64, label string) (CalendarFeed, string, error) {
	token, hash := newSecret()
	f, err := queryOne(ctx, q, "create calendar feed", scanCalendarFeed, `
		INSERT INTO calendar_feeds (organisation_id, label, prefix, token_hash) VALUES ($1, $2, $3, $4)
		RETURNING `+calendarFeedColumns, orgID, label, token[:len(secretPrefix)+6], hash)
	if err != nil {
		return CalendarFeed{}, "", err
	}
	return f, token, nil
}

// CalendarFeedByID returns one feed, revoked or not, with no access rule: callers check who
// may see it.
func CalendarFeedByID(ctx context.Context, q Querier, id int64) (CalendarFeed, error) {
	return queryOne(ctx, q, fmt.Sprintf("calendar feed %d", id), scanCalendarFeed,
		`SELECT `+calendarFeedColumns+` FROM calendar_feeds WHERE id = $1`, id)
}

// CalendarFeeds lists an organisation's feeds, revoked ones included, newest first. The
// cursor key is unused: ids grow with time.
func CalendarFeeds(ctx context.Context, q Querier, orgID int64, p Page) ([]CalendarFeed, error) {
	_, afterID := p.after()
	if afterID == 0 {
		afterID = math.MaxInt64
	}
	return queryAll(ctx, q, fmt.Sprintf("calendar feeds of organisation %d", orgID), scanCalendarFeed, `
		SELECT `+calendarFeedColumns+` FROM calendar_feeds
		WHERE organisation_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, orgID, afterID, p.limit())
}

// RevokeCalendarFeed revokes a feed at once; revoking twice keeps the first revocation time.
func RevokeCalendarFeed(ctx context.Context, q Querier, id int64) (CalendarFeed, error) {
	return queryOne(ctx, q, fmt.Sprintf("revoke calendar feed %d", id), scanCalendarFeed, `
		UPDATE calendar_feeds SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1
		RETURNING `+calendarFeedColumns, id)
}

// CalendarFeedByToken returns the feed a token opens, or ErrNotFound when the token is
// unknown or revoked (the same answer: a revoked address tells nothing of what it was). It
// records the read, to the minute, as CallerByKey records a key's use.
func CalendarFeedByToken(ctx context.Context, q Querier, token string) (CalendarFeed, error) {
	f, err := queryOne(ctx, q, "calendar feed by token", scanCalendarFeed, `SELECT `+calendarFeedColumns+`
		FROM calendar_feeds WHERE token_hash = $1 AND revoked_at IS NULL`, hashSecret(token))
	if err != nil {
		return CalendarFeed{}, err
	}
	if f.LastReadAt == nil || time.Since(*f.LastReadAt) > time.Minute {
		// Best effort: a calendar must not go blank because its last read was not written.
		if _, err := q.Exec(ctx, `UPDATE calendar_feeds SET last_read_at = now() WHERE id = $1
			AND (last_read_at IS NULL OR last_read_at < now() - interval '1 minute')`, f.ID); err != nil {
			slog.WarnContext(ctx, "record calendar feed read", "feed_id", f.ID, "err", err)
		}
	}
	return f, nil
}

// Booking is a registration with its slot, the slot's workshop and venue read with it (With):
// one event of a private calendar.
type Booking struct {
	Registration Registration
	Slot         Slot
}

// ReferredBookings returns the registrations organisation orgID referred on slots that start
// at from or later, by start, at most limit of them, cancelled ones included (a calendar shows
// them go), each with its slot and the slot's parents with names.
func ReferredBookings(ctx context.Context, q Querier, orgID int64, from time.Time, limit int, with With) ([]Booking, error) {
	regs, err := queryAll(ctx, q, fmt.Sprintf("referred bookings of organisation %d", orgID), scanRegistration,
		`SELECT `+registrationColumns+registrationsFrom+`
		WHERE r.referring_org_id = $1 AND s.starts_at >= $2 ORDER BY s.starts_at, r.id LIMIT $3`, orgID, from, limit)
	if err != nil {
		return nil, err
	}
	return bookingsOf(ctx, q, regs, with)
}

// BookingOf returns a registration with its slot and the slot's parents with names.
func BookingOf(ctx context.Context, q Querier, reg Registration, with With) (Booking, error) {
	b, err := bookingsOf(ctx, q, []Registration{reg}, with)
	if err != nil {
		return Booking{}, err
	}
	return b[0], nil
}

// bookingsOf reads the slots of regs, with their parents, in one statement.
func bookingsOf(ctx context.Context, q Querier, regs []Registration, with With) ([]Booking, error) {
	ids := make([]int64, len(regs))
	for i, r := range regs {
		ids[i] = r.SlotID
	}
	columns, scan := with.plan()
	slots, err := queryAll(ctx, q, "slots of bookings", scan, `SELECT `+columns+slotsFrom+`WHERE s.id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[int64]Slot, len(slots))
	for _, s := range slots {
		byID[s.ID] = s
	}
	out := make([]Booking, len(regs))
	for i, r := range regs {
		s, ok := byID[r.SlotID]
		if !ok {
			return nil, fmt.Errorf("slot %d of registration %d: %w", r.SlotID, r.ID, ErrNotFound)
		}
		out[i] = Booking{Registration: r, Slot: s}
	}
	return out, nil
}
