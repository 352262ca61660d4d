package db

import (
	"fmt"
	"math"
	"strings"
)

// where builds a WHERE clause from fixed SQL fragments and numbered arguments. Only fragments
// written in this package go into the SQL text; every value from a caller is an argument.
// Building the clause (rather than one query with `$n IS NULL OR ...` for every filter) lets
// PostgreSQL plan each combination of filters on its own indexes.
type where struct {
	conds []string
	args  []any
}

// add appends a condition; each %d in fragment is replaced by the number of the next argument.
func (w *where) add(fragment string, args ...any) {
	nums := make([]any, len(args))
	for i, a := range args {
		w.args = append(w.args, a)
		nums[i] = len(w.args)
	}
	w.conds = append(w.conds, fmt.Sprintf(fragment, nums...))
}

func (w *where) sql() string {
	if len(w.conds) == 0 {
		return ""
	}
	return "WHERE " + strings.Join(w.conds, " AND ")
}

// near keeps the rows of table alias t within a circle: a bounding box that an index can use,
// then the great-circle (haversine) distance.
func (w *where) near(t string, n *Near) {
	if n == nil {
		return
	}
	// One degree of latitude, on the same sphere as the distance below, so the box never
	// cuts into the circle.
	const earthRadiusKm = 6371
	dLat := n.RadiusKm / (earthRadiusKm * math.Pi / 180)
	w.add(t+".latitude BETWEEN $%d AND $%d", n.Latitude-dLat, n.Latitude+dLat)
	// The box in longitude too, so that venues_location bounds both coordinates: the widest
	// a circle of angular radius d around latitude φ spreads in longitude is
	// asin(sin d / cos φ) (with a hair of margin for rounding). When the circle reaches a
	// pole, or crosses the antimeridian (Wallis-et-Futuna lies at 176° W), the box spans every
	// longitude.
	d, phi := n.RadiusKm/earthRadiusKm, n.Latitude*math.Pi/180
	if x := math.Sin(d) / math.Cos(phi); x < 1 {
		dLon := math.Asin(x)*180/math.Pi + 1e-9
		if n.Longitude-dLon >= -180 && n.Longitude+dLon <= 180 {
			w.add(t+".longitude BETWEEN $%d AND $%d", n.Longitude-dLon, n.Longitude+dLon)
		}
	}
	w.add(fmt.Sprintf(`%[2]d * 2 * asin(sqrt(power(sin(radians(%[1]s.latitude - $%%d) / 2), 2)
		+ cos(radians($%%d)) * cos(radians(%[1]s.latitude)) * power(sin(radians(%[1]s.longitude - $%%d) / 2), 2))) <= $%%d`, t, earthRadiusKm),
		n.Latitude, n.Latitude, n.Longitude, n.RadiusKm)
}

// accessibility keeps the venues (alias t) meeting every need.
func (w *where) accessibility(t string, needs []AccessibilityNeed) {
	for _, n := range needs {
		switch n {
		case NeedWheelchair:
			w.add(t + ".wheelchair_accessible")
		case NeedHearingLoop:
			w.add(t + ".hearing_loop")
		}
	}
}

// arg appends an argument that no condition of w uses (the query around the clause does) and
// returns its number.
func (w *where) arg(a any) int {
	w.args = append(w.args, a)
	return len(w.args)
}
