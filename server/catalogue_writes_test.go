package main

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A network administrator creates organisations; each edits its profile and writes its venues,
// workshops and programmes, which read back as written and reach the public once published.

func TestCatalogueNetworkAdminCreatesOrganisationsThatEditTheirProfile(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	admin := a.adminKey()

	in := map[string]any{
		"name": "Régie de Quartier de Stains", "slug": "regie-quartier-stains", "kind": "REGIE_DE_QUARTIER",
		"siret": "732 829 320 00074", "phone": "06 12 34 56 78", "email": "contact@regie-stains.example",
		"website": "https://regie-stains.example/ateliers", "description": "Ateliers numériques pour tous.",
		"hostsWorkshops": true, "refersPeople": false,
	}
	// The SIRET loses its spaces; the phone, entered in the French national form, becomes E.164.
	want := catMerge(in, map[string]any{"siret": "73282932000074", "phone": "+33612345678", "isSample": false})
	org := catWrite(a, admin, catCreateOrganisation, in)
	catHas(t, "created organisation", org, want)
	if _, err := time.Parse(time.RFC3339, fmt.Sprint(org["createdAt"])); err != nil {
		t.Errorf("createdAt: got %v, want an RFC 3339 instant", org["createdAt"])
	}
	catHas(t, "organisation read back", catNode(a, "", catID(org), "Organisation", catOrganisationFields), want)
	var phone, siret string
	a.Pool.QueryRow(context.Background(), `SELECT phone, siret FROM organisations WHERE slug = $1`, in["slug"]).Scan(&phone, &siret)
	if phone != "+33612345678" || siret != "73282932000074" {
		t.Errorf("stored phone and siret: got %q %q, want +33612345678 73282932000074", phone, siret)
	}

	// The administrator gives the organisation its first key; the organisation edits its profile.
	key := catMutate(a, admin, catCreateAPIKey, map[string]any{
		"organisationId": catID(org), "label": "Back-office", "scopes": []string{"CATALOGUE_WRITE"}})
	if key.Secret == nil {
		t.Fatalf("createApiKey: got userErrors %+v and no secret, want a key", key.UserErrors)
	}
	update := map[string]any{"id": catID(org), "name": "Régie de Quartier de Stains (RQS)",
		"description": "Ateliers numériques, vélo, nettoyage.", "siret": "", "refersPeople": true}
	want = catMerge(want, map[string]any{"name": update["name"], "description": update["description"],
		"siret": nil, "refersPeople": true})
	catHas(t, "updated organisation", catWrite(a, *key.Secret, catUpdateOrganisation, update), want)
	catHas(t, "organisation read back", catNode(a, "", catID(org), "Organisation", catOrganisationFields), want)

	// A network administrator may correct any organisation's profile.
	want["kind"] = "ASSOCIATION"
	catHas(t, "organisation updated by the administrator",
		catWrite(a, admin, catUpdateOrganisation, map[string]any{"id": catID(org), "kind": "ASSOCIATION"}), want)
}

func TestCatalogueHostWritesVenues(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostID, key := a.host("regie-stains")

	in := map[string]any{
		"name": "Espace numérique de la Régie", "streetAddress": "12 avenue George Sand", "postalCode": "93240",
		"city": "Stains", "inseeCode": "93072", "latitude": 48.9536, "longitude": 2.3794,
		"openingHours":  "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
		"accessibility": map[string]any{"wheelchairAccessible": true, "hearingLoop": false, "otherSupport": "accompagnement en langue arabe"},
		"equipment":     map[string]any{"computers": 8, "wifi": true, "printer": true, "scanner": false},
		"phone":         "01.23.45.67.89", "email": "numerique@regie-stains.example",
		"accessInstructions": "Bus 150 arrêt Mairie, rez-de-chaussée, sonner à l'interphone.",
	}
	want := catMerge(in, map[string]any{"phone": "+33123456789", "isArchived": false,
		"organisation": map[string]any{"id": hostID}})
	venue := catWrite(a, key, catCreateVenue, in)
	catHas(t, "created venue", venue, want)
	catHas(t, "venue read back", catNode(a, "", catID(venue), "Venue", catVenueFields), want)

	// Omitted fields stay; an empty string clears an optional text; accessibility is replaced whole.
	update := map[string]any{"id": catID(venue), "name": "Espace numérique", "inseeCode": "",
		"openingHours": "Mo-Sa 09:00-12:00", "accessibility": map[string]any{"hearingLoop": true}}
	want = catMerge(want, map[string]any{"name": "Espace numérique", "inseeCode": nil, "openingHours": "Mo-Sa 09:00-12:00",
		"accessibility": map[string]any{"wheelchairAccessible": false, "hearingLoop": true, "otherSupport": ""}})
	catHas(t, "updated venue", catWrite(a, key, catUpdateVenue, update), want)
	catHas(t, "venue read back", catNode(a, "", catID(venue), "Venue", catVenueFields), want)

	want["isArchived"] = true
	catHas(t, "archived venue", catWrite(a, key, catArchiveVenue, map[string]any{"id": catID(venue)}), want)
	catHas(t, "venue read back", catNode(a, "", catID(venue), "Venue", catVenueFields), want)
	for _, includeArchived := range []bool{false, true} {
		var out struct {
			Venues struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
		a.query("", `query($org: ID!, $all: Boolean) { venues(filter: {organisationIds: [$org], includeArchived: $all}) { edges { node { id } } } }`,
			map[string]any{"org": hostID, "all": includeArchived}, &out)
		if got := len(out.Venues.Edges); got != map[bool]int{false: 0, true: 1}[includeArchived] {
			t.Errorf("venues with includeArchived %v: got %d, want the archived venue listed only then", includeArchived, got)
		}
	}
}

func TestCatalogueHostWritesAndPublishesWorkshops(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostID, key := a.host("regie-stains")

	// A workshop is a draft, for beginners, for everyone, in French unless it says otherwise.
	draft := catWrite(a, key, catCreateWorkshop, map[string]any{
		"title": "  Faire son CV  ", "topics": []string{"CV_AND_JOB_SEARCH"}, "durationMinutes": 120})
	catHas(t, "draft", draft, map[string]any{"title": "Faire son CV", "status": "DRAFT", "level": "BEGINNER",
		"audiences": []string{"EVERYONE"}, "languages": []string{"fr"}, "whatToBring": []string{},
		"resources": []any{}, "summary": "", "organisation": map[string]any{"id": hostID}})
	if got := catNode(a, "", catID(draft), "Workshop", "id"); got != nil {
		t.Errorf("draft seen by the public: got %v, want null", got)
	}

	in := map[string]any{
		"title": "Mon espace France Travail", "summary": "Créer et utiliser son espace personnel.",
		"description": "Inscription, actualisation, candidatures.", "topics": []string{"FRANCE_TRAVAIL_PROCEDURES", "CV_AND_JOB_SEARCH"},
		"level": "INTERMEDIATE", "durationMinutes": 90, "audiences": []string{"JOB_SEEKERS", "EMPLOYEES_IN_INSERTION"},
		"whatToBring": []string{"Pièce d'identité", "Identifiants France Travail"}, "languages": []string{"fr", "ar", "en-GB"},
		"prerequisites": "Savoir allumer un téléphone.", "status": "DRAFT",
		"resources": []map[string]any{{"title": "Les Bons Clics : créer son CV", "url": "https://www.lesbonsclics.fr/fr/"}},
	}
	w := catWrite(a, key, catCreateWorkshop, in)
	want := catMerge(in, map[string]any{"organisation": map[string]any{"id": hostID}})
	catHas(t, "created workshop", w, want)

	// Publishing makes it public.
	want = catMerge(want, map[string]any{"status": "PUBLISHED", "durationMinutes": 120, "topics": []string{"FRANCE_TRAVAIL_PROCEDURES"}})
	catHas(t, "published workshop", catWrite(a, key, catUpdateWorkshop, map[string]any{
		"id": catID(w), "status": "PUBLISHED", "durationMinutes": 120, "topics": []string{"FRANCE_TRAVAIL_PROCEDURES"}}), want)
	catHas(t, "published workshop seen by the public", catNode(a, "", catID(w), "Workshop", catWorkshopFields), want)

	// Archiving withdraws it from the public; its organisation still sees it.
	want["status"] = "ARCHIVED"
	catHas(t, "archived workshop", catWrite(a, key, catArchiveWorkshop, map[string]any{"id": catID(w)}), want)
	if got := catNode(a, "", catID(w), "Workshop", "id"); got != nil {
		t.Errorf("archived workshop seen by the public: got %v, want null", got)
	}
	catHas(t, "archived workshop seen by its organisation", catNode(a, key, catID(w), "Workshop", catWorkshopFields), want)
}

func TestCatalogueProgrammeKeepsItsWorkshopsInCourseOrder(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostID, key := a.host("regie-stains")
	cv := a.workshop(key, map[string]any{"title": "Faire son CV"})
	ft := a.workshop(key, map[string]any{"title": "Mon espace France Travail", "topics": []string{"FRANCE_TRAVAIL_PROCEDURES"}})
	scan := a.workshop(key, map[string]any{"title": "Scanner un document", "topics": []string{"SCANNING_DOCUMENTS"}})
	order := func(ids ...string) []map[string]any {
		out := make([]map[string]any, len(ids))
		for i, id := range ids {
			out[i] = map[string]any{"id": id}
		}
		return out
	}

	p := catWrite(a, key, catCreateProgramme, map[string]any{"title": "Parcours numérique vers l'emploi",
		"description": "Quatre ateliers de deux heures.", "workshopIds": []string{scan, cv, ft}})
	want := map[string]any{"title": "Parcours numérique vers l'emploi", "description": "Quatre ateliers de deux heures.",
		"status": "DRAFT", "workshops": order(scan, cv, ft), "organisation": map[string]any{"id": hostID}}
	catHas(t, "created programme", p, want)
	if got := catNode(a, "", catID(p), "Programme", "id"); got != nil {
		t.Errorf("draft programme seen by the public: got %v, want null", got)
	}

	want = catMerge(want, map[string]any{"title": "Parcours emploi", "status": "PUBLISHED", "workshops": order(ft, scan)})
	catHas(t, "updated programme", catWrite(a, key, catUpdateProgramme, map[string]any{"id": catID(p),
		"title": "Parcours emploi", "status": "PUBLISHED", "workshopIds": []string{ft, scan}}), want)
	catHas(t, "programme seen by the public", catNode(a, "", catID(p), "Programme", catProgrammeFields), want)

	want["status"] = "ARCHIVED"
	catHas(t, "archived programme", catWrite(a, key, catArchiveProgramme, map[string]any{"id": catID(p)}), want)
	if got := catNode(a, "", catID(p), "Programme", "id"); got != nil {
		t.Errorf("archived programme seen by the public: got %v, want null", got)
	}
}
