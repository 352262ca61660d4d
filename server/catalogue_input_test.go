package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestCatalogueInvalidInputGetsUserErrorsAndChangesNothing(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	hostID, key := a.host("regie-stains")
	_, otherKey := a.host("emmaus-connect")
	venue := a.venue(key, nil)
	workshop := a.workshop(key, nil)
	second := a.workshop(key, map[string]any{"title": "Scanner un document", "topics": []string{"SCANNING_DOCUMENTS"}})
	otherWorkshop := a.workshop(otherKey, nil)
	programme := catID(catWrite(a, key, catCreateProgramme, map[string]any{"title": "Parcours", "workshopIds": []string{workshop}}))

	org := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"name": "Mairie de Stains", "slug": "mairie-stains", "kind": "MAIRIE"}, over)
	}
	newVenue := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"name": "Médiathèque", "streetAddress": "1 rue Carnot", "postalCode": "93240", "city": "Stains"}, over)
	}
	newWorkshop := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"title": "Créer son adresse mail", "topics": []string{"EMAIL"}, "durationMinutes": 60}, over)
	}
	for _, c := range []struct {
		name, key, doc string
		in             map[string]any
		code, field    string
		message        string // part of the message, when it says where the mistake is
	}{
		{"blank organisation name", admin, catCreateOrganisation, org(map[string]any{"name": "   "}), "REQUIRED", "name", ""},
		{"organisation name of 201 characters", admin, catCreateOrganisation, org(map[string]any{"name": strings.Repeat("é", 201)}), "TOO_LONG", "name", ""},
		{"slug with capitals and spaces", admin, catCreateOrganisation, org(map[string]any{"slug": "Mairie Stains"}), "INVALID", "slug", ""},
		{"slug of one character", admin, catCreateOrganisation, org(map[string]any{"slug": "m"}), "INVALID", "slug", ""},
		{"slug with a double dash", admin, catCreateOrganisation, org(map[string]any{"slug": "mairie--stains"}), "INVALID", "slug", ""},
		{"slug already taken", admin, catCreateOrganisation, org(map[string]any{"slug": "regie-stains"}), "TAKEN", "slug", ""},
		{"SIRET failing Luhn", admin, catCreateOrganisation, org(map[string]any{"siret": "73282932000075"}), "INVALID", "siret", ""},
		{"SIRET of 13 digits", admin, catCreateOrganisation, org(map[string]any{"siret": "7328293200007"}), "INVALID", "siret", ""},
		{"SIRET failing Luhn on update", key, catUpdateOrganisation, map[string]any{"id": hostID, "siret": "73282932000075"}, "INVALID", "siret", ""},
		{"blank organisation name on update", key, catUpdateOrganisation, map[string]any{"id": hostID, "name": ""}, "REQUIRED", "name", ""},

		{"blank venue name", key, catCreateVenue, newVenue(map[string]any{"name": " "}), "REQUIRED", "name", ""},
		{"INSEE code of four digits", key, catCreateVenue, newVenue(map[string]any{"inseeCode": "9307"}), "INVALID", "inseeCode", ""},
		{"latitude without longitude", key, catCreateVenue, newVenue(map[string]any{"latitude": 48.9536}), "INVALID", "latitude", ""},
		{"latitude beyond the pole", key, catCreateVenue, newVenue(map[string]any{"latitude": 91, "longitude": 2.3794}), "INVALID", "latitude", ""},
		{"opening hours 9h-12h", key, catCreateVenue, newVenue(map[string]any{"openingHours": "9h-12h"}), "INVALID", "openingHours", "at character 1"},
		{"computers beyond 500", key, catCreateVenue, newVenue(map[string]any{"equipment": map[string]any{"computers": 501}}), "INVALID", "equipment.computers", ""},
		{"INSEE code of four digits on update", key, catUpdateVenue, map[string]any{"id": venue, "inseeCode": "9307"}, "INVALID", "inseeCode", ""},
		{"latitude without longitude on update", key, catUpdateVenue, map[string]any{"id": venue, "latitude": 48.9}, "INVALID", "latitude", ""},
		{"opening hours Mo-Fr 9h-12h on update", key, catUpdateVenue, map[string]any{"id": venue, "openingHours": "Mo-Fr 9h-12h"}, "INVALID", "openingHours", "at character 7"},

		{"blank workshop title", key, catCreateWorkshop, newWorkshop(map[string]any{"title": "  "}), "REQUIRED", "title", ""},
		{"workshop title of 201 characters", key, catCreateWorkshop, newWorkshop(map[string]any{"title": strings.Repeat("é", 201)}), "TOO_LONG", "title", ""},
		{"no topics", key, catCreateWorkshop, newWorkshop(map[string]any{"topics": []string{}}), "INVALID", "topics", ""},
		{"no audiences", key, catCreateWorkshop, newWorkshop(map[string]any{"audiences": []string{}}), "REQUIRED", "audiences", ""},
		{"5-minute workshop", key, catCreateWorkshop, newWorkshop(map[string]any{"durationMinutes": 5}), "INVALID", "durationMinutes", ""},
		{"language that is not a BCP 47 tag", key, catCreateWorkshop, newWorkshop(map[string]any{"languages": []string{"français"}}), "INVALID", "languages", ""},
		{"5-minute workshop on update", key, catUpdateWorkshop, map[string]any{"id": workshop, "durationMinutes": 5}, "INVALID", "durationMinutes", ""},
		{"no topics on update", key, catUpdateWorkshop, map[string]any{"id": workshop, "topics": []string{}}, "INVALID", "topics", ""},

		{"blank programme title", key, catCreateProgramme, map[string]any{"title": " ", "workshopIds": []string{workshop}}, "REQUIRED", "title", ""},
		{"programme with another organisation's workshop", key, catCreateProgramme,
			map[string]any{"title": "Parcours", "workshopIds": []string{workshop, otherWorkshop}}, "WRONG_ORGANISATION", "workshopIds", ""},
		{"programme repeating a workshop", key, catCreateProgramme,
			map[string]any{"title": "Parcours", "workshopIds": []string{workshop, second, workshop}}, "INVALID", "workshopIds", ""},
		{"programme without workshops", key, catCreateProgramme, map[string]any{"title": "Parcours", "workshopIds": []string{}}, "INVALID", "workshopIds", ""},
		{"another organisation's workshop on update", key, catUpdateProgramme,
			map[string]any{"id": programme, "workshopIds": []string{otherWorkshop}}, "WRONG_ORGANISATION", "workshopIds", ""},
		{"repeated workshop on update", key, catUpdateProgramme,
			map[string]any{"id": programme, "workshopIds": []string{second, second}}, "INVALID", "workshopIds", ""},

		{"blank key label", admin, catCreateAPIKey, map[string]any{"organisationId": hostID, "label": " ", "scopes": []string{"CATALOGUE_WRITE"}}, "REQUIRED", "label", ""},
		{"organisation key without scopes", admin, catCreateAPIKey, map[string]any{"organisationId": hostID, "label": "Vide", "scopes": []string{}}, "REQUIRED", "scopes", ""},
	} {
		catChangesNothing(t, a, c.name, func(t *testing.T, a *testAPI) {
			res := catMutate(a, c.key, c.doc, c.in)
			catRefusedWith(t, res, c.code, strings.Split(c.field, ".")...)
			if len(res.UserErrors) == 1 && !strings.Contains(res.UserErrors[0].Message, c.message) {
				t.Errorf("message: got %q, want it to say %q", res.UserErrors[0].Message, c.message)
			}
		})
	}
}

func TestCatalogueMalformedScalarsAreGraphQLErrors(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	hostID, key := a.host("regie-stains")
	venue := a.venue(key, nil)
	org := func(over map[string]any) map[string]any {
		return catMerge(map[string]any{"name": "Mairie de Stains", "slug": "mairie-stains", "kind": "MAIRIE"}, over)
	}
	newVenue := map[string]any{"name": "Médiathèque", "streetAddress": "1 rue Carnot", "city": "Stains"}

	// Scalars are checked while the request is read, before any resolver runs: the client gets
	// a validation error (422) naming the scalar, not a userError, and nothing is written.
	for _, c := range []struct {
		name, key, doc string
		in             map[string]any
		scalar, field  string
	}{
		{"postal code of four digits", key, catCreateVenue, catMerge(newVenue, map[string]any{"postalCode": "9324"}), "PostalCode", "postalCode"},
		{"postal code of four digits on update", key, catUpdateVenue, map[string]any{"id": venue, "postalCode": "9324"}, "PostalCode", "postalCode"},
		{"phone of five digits", admin, catCreateOrganisation, org(map[string]any{"phone": "12345"}), "PhoneNumber", "phone"},
		{"phone of five digits on update", key, catUpdateOrganisation, map[string]any{"id": hostID, "phone": "12345"}, "PhoneNumber", "phone"},
		{"email without an at sign", admin, catCreateOrganisation, org(map[string]any{"email": "not-an-email"}), "Email", "email"},
		{"ftp website", admin, catCreateOrganisation, org(map[string]any{"website": "ftp://x"}), "URL", "website"},
		{"venue phone of five digits", key, catCreateVenue, catMerge(newVenue, map[string]any{"postalCode": "93240", "phone": "12345"}), "PhoneNumber", "phone"},
	} {
		catChangesNothing(t, a, c.name, func(t *testing.T, a *testAPI) {
			r := a.post(c.key, c.doc, map[string]any{"in": c.in})
			if r.Status != http.StatusUnprocessableEntity || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" ||
				!strings.Contains(r.Errors[0].Message, c.scalar) {
				t.Errorf("got status %d, errors %+v, want 422 and one GRAPHQL_VALIDATION_FAILED naming %s", r.Status, r.Errors, c.scalar)
			} else if path := r.Errors[0].Path; len(path) == 0 || path[len(path)-1] != c.field {
				t.Errorf("error path: got %v, want it to end at %s", path, c.field)
			}
			if string(r.Data) != "null" && string(r.Data) != "" {
				t.Errorf("got data %s, want null", r.Data)
			}
		})
	}

	// The same value written inline in the document is refused alike.
	catChangesNothing(t, a, "postal code of four digits inline", func(t *testing.T, a *testAPI) {
		r := a.post(key, `mutation { createVenue(input: {name: "Lieu", streetAddress: "1 rue Carnot", postalCode: "9324", city: "Stains"}) { venue { id } } }`, nil)
		if r.Status != http.StatusUnprocessableEntity || len(r.Errors) != 1 || r.Errors[0].Code() != "GRAPHQL_VALIDATION_FAILED" ||
			!strings.Contains(r.Errors[0].Message, "PostalCode") {
			t.Errorf("got status %d, errors %+v, want 422 and one GRAPHQL_VALIDATION_FAILED naming PostalCode", r.Status, r.Errors)
		}
	})
}

func TestCatalogueValidIdentifiersAndLongTextsAreAccepted(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()
	_, key := a.host("regie-stains")

	// SIRETs pass the Luhn check, except La Poste's establishments (SIREN 356000000), whose
	// digits add up to a multiple of 5; La Poste's head office itself follows Luhn.
	for i, c := range []struct{ name, siret, stored string }{
		{"SIRET passing Luhn", "73282932000074", "73282932000074"},
		{"SIRET with spaces", "732 829 320 00074", "73282932000074"},
		{"La Poste establishment, digits adding up to a multiple of 5", "35600000000010", "35600000000010"},
		{"La Poste head office, passing Luhn", "35600000000048", "35600000000048"},
	} {
		t.Run(c.name, func(t *testing.T) {
			a := a.withT(t)
			res := catMutate(a, admin, catCreateOrganisation, map[string]any{"name": "Structure", "slug": fmt.Sprintf("structure-%d", i),
				"kind": "OTHER", "siret": c.siret})
			if len(res.UserErrors) > 0 || res.O == nil || res.O["siret"] != c.stored {
				t.Errorf("got siret %v and userErrors %+v, want %s accepted", res.O["siret"], res.UserErrors, c.stored)
			}
		})
	}

	// Lengths are counted in characters, as the schema says, not in bytes: 200 accented
	// letters are a valid title.
	long := strings.Repeat("é", 200)
	for _, c := range []struct {
		name, doc string
		in        map[string]any
	}{
		{"organisation name", catCreateOrganisation, map[string]any{"name": long, "slug": "longue", "kind": "OTHER"}},
		{"venue name", catCreateVenue, map[string]any{"name": long, "streetAddress": "1 rue Carnot", "postalCode": "93240", "city": "Stains"}},
		{"workshop title", catCreateWorkshop, map[string]any{"title": long, "topics": []string{"EMAIL"}, "durationMinutes": 60}},
		{"learning resource title", catCreateWorkshop, map[string]any{"title": "Atelier", "topics": []string{"EMAIL"}, "durationMinutes": 60,
			"resources": []map[string]any{{"title": long, "url": "https://www.lesbonsclics.fr/fr/"}}}},
		{"programme title", catCreateProgramme, map[string]any{"title": long, "workshopIds": []string{a.workshop(key, nil)}}},
	} {
		t.Run(c.name+" of 200 accented letters", func(t *testing.T) {
			a := a.withT(t)
			k := key
			if c.doc == catCreateOrganisation {
				k = admin
			}
			if res := catMutate(a, k, c.doc, c.in); len(res.UserErrors) > 0 || res.O == nil {
				t.Errorf("got userErrors %+v, want the object created", res.UserErrors)
			}
		})
	}
}
