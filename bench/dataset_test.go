package main

import (
	"slices"
	"testing"
)

// A scaled-down dataset is a territory around Stains as dense as the national network: a
// search near home finds about as many venues at every scale.
func TestScaledDatasetKeepsTheNationalDensity(t *testing.T) {
	// venuesAt plans the organisations and venues of a scale, not the million slots.
	venuesAt := func(scale float64) *plan {
		p := &plan{seed: 1, size: sizesAt(scale), terr: territoryAt(scale)}
		p.planOrganisations()
		p.planVenues()
		return p
	}
	nationalPlan := venuesAt(1)
	// perCode is the mean number of venues per postal code of p in the départements of terr.
	perCode := func(p *plan, terr territory) float64 {
		venues, codes := 0, map[[2]int]bool{}
		for _, v := range p.venues {
			if slices.Contains(terr.depts, v.dept) {
				venues++
				codes[[2]int{v.dept, v.code}] = true
			}
		}
		return float64(venues) / float64(len(codes))
	}
	for _, scale := range []float64{0.01, 0.02, 0.1, 0.3} {
		terr := territoryAt(scale)
		if departments[terr.depts[0]].code != "93" {
			t.Errorf("scale %v: the territory starts in %s, not in Seine-Saint-Denis", scale, departments[terr.depts[0]].code)
		}
		got, national := perCode(venuesAt(scale), terr), perCode(nationalPlan, terr)
		t.Logf("scale %v: %d départements, %.1f venues per postal code (national %.1f)", scale, len(terr.depts), got, national)
		if got < national*0.75 || got > national*1.25 {
			t.Errorf("scale %v: %.1f venues per postal code, national %.1f", scale, got, national)
		}
	}
}
