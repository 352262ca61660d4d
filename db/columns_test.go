package db

import (
	"slices"
	"testing"
)

// A read takes the columns of the fields it names, the id always, and every column when it
// names a field the row type does not have.
func TestPickTakesTheColumnsOfTheNamedFields(t *testing.T) {
	cs := new(Venue).columns()
	sqlOf := func(at []int) []string {
		var out []string
		for _, c := range columnsAt(cs, at) {
			out = append(out, c.sql)
		}
		return out
	}
	for name, c := range map[string]struct {
		fields []string
		want   []string
	}{
		"none":          {[]string{}, []string{"v.id"}},
		"some":          {[]string{"City", "Name"}, []string{"v.id", "v.name", "v.city"}},
		"twice":         {[]string{"Name", "Name", "ID"}, []string{"v.id", "v.name"}},
		"several cols":  {[]string{"Accessibility"}, []string{"v.id", "v.wheelchair_accessible", "v.hearing_loop", "v.other_support"}},
		"unknown field": {[]string{"Name", "FullAddress"}, sqlOf(all(cs))},
		"every field": {[]string{"OrganisationID", "Name", "StreetAddress", "PostalCode", "City", "InseeCode", "Latitude", "Longitude", "OpeningHours", "Accessibility", "Equipment", "Phone", "Email", "AccessInstructions", "ArchivedAt",
			"OpenDataID", "Pivot", "OpenDataSource", "SourceUpdatedOn", "Summary", "Description", "Website", "AccesLibreURL", "BookingURL",
			"Services", "SpecificAudiences", "SpecificSupport", "Fees", "AccessModes", "SupportModes", "Mobility"}, sqlOf(all(cs))},
	} {
		if got := sqlOf(pick(cs, c.fields)); !slices.Equal(got, c.want) {
			t.Errorf("%s: got %v, want %v", name, got, c.want)
		}
	}
	if got, want := venueColumns, columnList(cs); got != want || len(cs) != 37 {
		t.Errorf("venueColumns %q, %d columns", got, len(cs))
	}
}
