package main

import (
	"slices"
	"testing"
)

// names runs a list query and returns the names (or titles) of its nodes, in order.
func names(t *testing.T, a *testAPI, key, list, field string, filter map[string]any) []string {
	t.Helper()
	var out map[string]struct {
		Edges []struct{ Node map[string]string }
	}
	a.query(key, `query($f: `+filterType[list]+`) { `+list+`(filter: $f, first: 100) { edges { node { `+field+` } } } }`,
		map[string]any{"f": filter}, &out)
	got := []string{}
	for _, e := range out[list].Edges {
		got = append(got, e.Node[field])
	}
	return got
}

var filterType = map[string]string{
	"workshops": "WorkshopFilter", "venues": "VenueFilter", "organisations": "OrganisationFilter", "programmes": "ProgrammeFilter",
}

// The other lists filter as their schema says, and hide what the caller may not see.
func TestListsFilterAndHide(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostID, key := a.host("regie-stains")
	_, other := a.host("emmaus-connect")
	a.workshop(key, map[string]any{"title": "CV", "summary": "Écrire son CV", "audiences": []string{"JOB_SEEKERS"}})
	a.workshop(key, map[string]any{"title": "CAF", "topics": []string{"CAF_PROCEDURES"}, "audiences": []string{"EVERYONE"}})
	a.workshop(key, map[string]any{"title": "Brouillon", "status": "DRAFT", "audiences": []string{"SENIORS"}})
	a.workshop(other, map[string]any{"title": "Smartphone", "topics": []string{"SMARTPHONE"}, "audiences": []string{"SENIORS"}})
	a.venue(key, map[string]any{"name": "Stains PMR", "accessibility": map[string]any{"wheelchairAccessible": true}})
	a.venue(key, map[string]any{"name": "Paris", "postalCode": "75001", "city": "Paris", "latitude": 48.8584, "longitude": 2.3470})
	archived := a.venue(other, map[string]any{"name": "Fermé"})
	a.query(other, `mutation($id: ID!) { archiveVenue(input: {id: $id}) { userErrors { code } } }`, map[string]any{"id": archived}, nil)

	for _, c := range []struct {
		name, key, list, field string
		filter                 map[string]any
		want                   []string
	}{
		{"published workshops by title", "", "workshops", "title", nil, []string{"CAF", "CV", "Smartphone"}},
		{"a topic", "", "workshops", "title", map[string]any{"topics": []string{"CAF_PROCEDURES"}}, []string{"CAF"}},
		{"an audience (EVERYONE always matches)", "", "workshops", "title", map[string]any{"audiences": []string{"JOB_SEEKERS"}}, []string{"CAF", "CV"}},
		{"search in title or summary", "", "workshops", "title", map[string]any{"search": "écrire"}, []string{"CV"}},
		{"search with LIKE wildcards is literal", "", "workshops", "title", map[string]any{"search": "%"}, []string{}},
		{"an organisation", "", "workshops", "title", map[string]any{"organisationIds": []string{hostID}}, []string{"CAF", "CV"}},
		{"drafts are hidden from others", other, "workshops", "title", map[string]any{"statuses": []string{"DRAFT"}}, []string{}},
		{"drafts are shown to their organisation", key, "workshops", "title", map[string]any{"statuses": []string{"DRAFT"}}, []string{"Brouillon"}},
		{"venues by name, archived hidden", "", "venues", "name", nil, []string{"Paris", "Stains PMR"}},
		{"archived on request", "", "venues", "name", map[string]any{"includeArchived": true}, []string{"Fermé", "Paris", "Stains PMR"}},
		{"a postal code", "", "venues", "name", map[string]any{"postalCodes": []string{"75001"}}, []string{"Paris"}},
		{"near Stains", "", "venues", "name", map[string]any{"near": map[string]any{"latitude": 48.9536, "longitude": 2.3794, "radiusKm": 5}}, []string{"Stains PMR"}},
		{"wheelchair access", "", "venues", "name", map[string]any{"accessibility": []string{"WHEELCHAIR"}}, []string{"Stains PMR"}},
		{"organisations by name", "", "organisations", "slug", nil, []string{"emmaus-connect", "regie-stains"}},
		{"organisations by kind", "", "organisations", "slug", map[string]any{"kinds": []string{"MAIRIE"}}, []string{}},
		{"organisations that host", "", "organisations", "slug", map[string]any{"hostsWorkshops": true}, []string{"emmaus-connect", "regie-stains"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := names(t, a.withT(t), c.key, c.list, c.field, c.filter); !slices.Equal(got, c.want) {
				t.Errorf("got %v, want %v", got, c.want)
			}
		})
	}
}
