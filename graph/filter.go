package graph

import (
	"github.com/regiestains/ateliers/db"
)

// The filters of the list queries: ids decoded, circles checked, before db applies them in
// SQL (so pages are never short).

// filterIDs decodes the ids of a filter; a wrong id is the client's mistake, said plainly.
func filterIDs(k kind, field string, gids []string) ([]int64, error) {
	if len(gids) > maxFirst {
		return nil, errBadInput(field + " takes at most 100 ids")
	}
	ids, err := idsOf(k, gids)
	if err != nil {
		return nil, errBadInput(field + " must hold " + string(k) + " ids")
	}
	return ids, nil
}

// near checks a circle filter.
func near(n *NearInput) (*db.Near, error) {
	if n == nil {
		return nil, nil
	}
	if n.Latitude < -90 || n.Latitude > 90 || n.Longitude < -180 || n.Longitude > 180 {
		return nil, errBadInput("near: latitude must be between -90 and 90 and longitude between -180 and 180")
	}
	if n.RadiusKm < 0.1 || n.RadiusKm > 200 {
		return nil, errBadInput("near: radiusKm must be between 0.1 and 200")
	}
	return &db.Near{Latitude: n.Latitude, Longitude: n.Longitude, RadiusKm: n.RadiusKm}, nil
}
