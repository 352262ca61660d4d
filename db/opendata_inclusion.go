package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// The network's open data for data·inclusion, the national directory of the offer of social
// and professional inclusion: its organisations as structures, its workshops as services.
// Only what the public may see: published workshops, the venues of their public slots.

// OpenStructure is an organisation as its data·inclusion structure record reads it.
type OpenStructure struct {
	Organisation Organisation
	UpdatedAt    time.Time
	// Venue is the organisation's oldest venue not archived, whose address, place and
	// opening hours the structure takes (an organisation has no address of its own); nil when
	// it has none.
	Venue *Venue
}

// OpenStructures returns, by id, the organisations that host workshops or have a published
// workshop: the network's own. Partners whose venues were imported from a national file
// (hosting no workshops here) are not republished as ours.
func OpenStructures(ctx context.Context, q Querier) ([]OpenStructure, error) {
	structures, err := queryAll(ctx, q, "list open structures", func(row pgx.CollectableRow) (OpenStructure, error) {
		var s OpenStructure
		var venueID *int64
		err := row.Scan(append(s.Organisation.fields(), &s.UpdatedAt, &venueID)...)
		if venueID != nil {
			s.Venue = &Venue{ID: *venueID}
		}
		return s, err
	}, `
		SELECT `+organisationColumns+`, updated_at,
			(SELECT min(v.id) FROM venues v WHERE v.organisation_id = organisations.id AND v.archived_at IS NULL)
		FROM organisations
		WHERE hosts_workshops
		   OR EXISTS (SELECT 1 FROM workshops w WHERE w.organisation_id = organisations.id AND w.status = 'PUBLISHED')
		ORDER BY id`)
	if err != nil {
		return nil, err
	}
	var ids []int64
	for _, s := range structures {
		if s.Venue != nil {
			ids = append(ids, s.Venue.ID)
		}
	}
	venues, err := VenuesByID(ctx, q, ids)
	if err != nil {
		return nil, fmt.Errorf("list open structures: %w", err)
	}
	byID := map[int64]Venue{}
	for _, v := range venues {
		byID[v.ID] = v
	}
	for i, s := range structures {
		if s.Venue != nil {
			v := byID[s.Venue.ID]
			structures[i].Venue = &v
		}
	}
	return structures, nil
}

// OpenService is a published workshop at one venue: a data·inclusion service is offered at
// one address, and a workshop given at two venues is two services.
type OpenService struct {
	Workshop Workshop
	Venue    Venue
	// UpdatedAt is the later of the workshop's and the venue's last change.
	UpdatedAt time.Time
}

// OpenServices returns the published workshops at each venue (not archived) where they have a
// public slot, scheduled, starting at since or later, by workshop then venue. A workshop
// between two sessions stays listed while its last public slot is after since.
func OpenServices(ctx context.Context, q Querier, since time.Time) ([]OpenService, error) {
	return queryAll(ctx, q, "list open services", func(row pgx.CollectableRow) (OpenService, error) {
		var s OpenService
		err := row.Scan(append(append(dests(s.Workshop.columns()), dests(s.Venue.columns())...), &s.UpdatedAt)...)
		return s, err
	}, `
		SELECT `+workshopColumns+`, `+venueColumns+`, greatest(w.updated_at, v.updated_at)
		FROM (SELECT DISTINCT workshop_id, venue_id FROM slots
			WHERE visibility = 'PUBLIC' AND status = 'SCHEDULED' AND starts_at >= $1) p
		JOIN workshops w ON w.id = p.workshop_id
		JOIN venues v ON v.id = p.venue_id
		WHERE w.status = 'PUBLISHED' AND v.archived_at IS NULL
		ORDER BY w.id, v.id`, since)
}
