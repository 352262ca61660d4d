package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/regiestains/ateliers/db"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// getPublic GETs path with no key, from the website's origin, and returns the status, body and
// headers.
func (a *testAPI) getPublic(path, etag string) (int, []byte, http.Header) {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	req.Header.Set("Origin", siteOrigin)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	res, err := patientClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, body, res.Header
}

// inclusionSchema compiles the data·inclusion JSON Schema of kind (structure, service) shipped in
// testdata, with formats (uri, email, date) asserted, not only annotated.
func inclusionSchema(t *testing.T, kind string) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/data-inclusion/" + kind + ".json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	url := "https://data-inclusion.example/schemas/v1/" + kind + ".json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile(url)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// inclusionRecords GETs path, checks it is public JSON, and validates every record against
// schema; it returns the records decoded.
func inclusionRecords(t *testing.T, a *testAPI, path string, schema *jsonschema.Schema) []map[string]any {
	t.Helper()
	status, body, h := a.getPublic(path, "")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "application/json") {
		t.Fatalf("GET %s: %d %s", path, status, h.Get("Content-Type"))
	}
	if h.Get("Access-Control-Allow-Origin") != siteOrigin {
		t.Errorf("GET %s: Access-Control-Allow-Origin %q, want the website's origin", path, h.Get("Access-Control-Allow-Origin"))
	}
	if status, _, _ := a.getPublic(path, h.Get("ETag")); status != http.StatusNotModified {
		t.Errorf("GET %s with its ETag: %d, want 304", path, status)
	}
	var raw []any
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	var records []map[string]any
	for i, r := range raw {
		if err := schema.Validate(r); err != nil {
			t.Errorf("GET %s: record %d does not validate: %v\n%v", path, i, err, r)
		}
		records = append(records, r.(map[string]any))
	}
	return records
}

// enumValues lists a GraphQL enum's values, by introspection: a topic or audience added later
// is in the test without anyone adding it here.
func enumValues(a *testAPI, name string) []string {
	a.t.Helper()
	var out struct {
		Type struct{ EnumValues []struct{ Name string } } `json:"__type"`
	}
	a.query("", `query($n: String!) { __type(name: $n) { enumValues { name } } }`, map[string]any{"n": name}, &out)
	var names []string
	for _, v := range out.Type.EnumValues {
		names = append(names, v.Name)
	}
	return names
}

// The data·inclusion open data, as data·inclusion reads it: every record of structures.json and
// services.json validates against the published JSON Schemas (testdata/data-inclusion); a
// workshop is a service at each venue of its public slots, with every topic and audience the
// API knows mapped into data·inclusion's vocabularies; nothing the public may not see is there
// (drafts, internal and partners-only slots, a facilitator's name); every service names a
// structure of the file.
func TestDataInclusionRecords(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{"WORKSHOP_PAGE_BASE": "https://ateliers.example.fr/ateliers/"})
	orgGID, key := a.host("regie-stains")
	a.exec(`UPDATE organisations SET name = 'Régie de Quartier de Stains', kind = 'REGIE_DE_QUARTIER', siret = '13003013300016',
		phone = '+33148210000', email = 'contact@regie-stains.example', website = 'https://regie-stains.example/',
		description = 'Structure d''insertion par l''activité économique.' WHERE id = $1`, dbID(t, orgGID))
	center := a.venue(key, map[string]any{"name": "Centre social Yamina Setti", "inseeCode": "93072",
		"openingHours": "Mo-Fr 09:00-12:00,14:00-17:30", "phone": "+33148211111",
		"accesLibreUrl": "https://acceslibre.beta.gouv.fr/app/93-stains/a/centre-social/erp/centre-social-yamina-setti/"})
	library := a.venue(key, map[string]any{"name": "Médiathèque Louis Aragon", "streetAddress": "2 rue Jean Durand"})
	_, otherKey := a.host("ccas-stains")
	a.exec(`UPDATE organisations SET kind = 'CCAS', name = 'CCAS' WHERE slug = 'ccas-stains'`)
	ccasVenue := a.venue(otherKey, nil)
	a.org("france-travail") // refers people, hosts nothing: not a structure of the file
	a.exec(`UPDATE organisations SET hosts_workshops = false WHERE slug = 'france-travail'`)

	topics, audiences := enumValues(a, "Topic"), enumValues(a, "Audience")
	everything := a.workshop(key, map[string]any{"title": "Tout le numérique", "topics": topics,
		"audiences": []string{"EVERYONE"}, "prerequisites": "Savoir lire le français", "whatToBring": []string{"votre téléphone"}})
	forSome := a.workshop(key, map[string]any{"title": "CV", "topics": []string{"CV_AND_JOB_SEARCH"},
		"audiences": slices.DeleteFunc(slices.Clone(audiences), func(s string) bool { return s == "EVERYONE" })})
	draft := a.workshop(key, map[string]any{"title": "En préparation", "status": "DRAFT"})
	internalOnly := a.workshop(key, map[string]any{"title": "Réservé aux salariés"})
	ccasWorkshop := a.workshop(otherKey, map[string]any{"title": "Démarches CAF", "topics": []string{"CAF_PROCEDURES"}})
	a.slot(key, everything, center, "2032-06-01T14:00", map[string]any{"facilitatorName": "Aïcha Benali"})
	a.slot(key, everything, library, "2032-06-02T14:00", nil)
	a.slot(key, everything, library, "2032-06-09T14:00", nil)
	a.slot(key, forSome, center, "2032-06-03T14:00", nil)
	a.slot(key, forSome, library, "2032-06-04T14:00", map[string]any{"visibility": "PARTNERS"})
	a.slot(key, draft, center, "2032-06-05T14:00", nil)
	a.slot(key, internalOnly, center, "2032-06-06T14:00", map[string]any{"visibility": "INTERNAL"})
	a.slot(otherKey, ccasWorkshop, ccasVenue, "2032-06-07T14:00", nil)

	structures := inclusionRecords(t, a, inclusionStructuresPath, inclusionSchema(t, "structure"))
	serviceSchema := inclusionSchema(t, "service")
	services := inclusionRecords(t, a, inclusionServicesPath, serviceSchema)

	// The validation has teeth: an unknown thematique, a link that is no URI, a date that is
	// no date are each refused.
	for field, bad := range map[string]any{"thematiques": []any{"numerique--inconnu"}, "lien_mobilisation": "pas un lien", "date_maj": "2032-13-45"} {
		broken := map[string]any{}
		for k, v := range services[0] {
			broken[k] = v
		}
		broken[field] = bad
		if serviceSchema.Validate(broken) == nil {
			t.Errorf("a service with %s %v validates: the schema is not applied", field, bad)
		}
	}

	structureIDs := map[string]map[string]any{}
	for _, s := range structures {
		structureIDs[s["id"].(string)] = s
	}
	regie := structureIDs["ateliers-numeriques--"+orgGID]
	if len(structures) != 2 || regie == nil {
		t.Fatalf("structures %v, want the two hosts (not France Travail, which hosts nothing)", structureIDs)
	}
	for field, want := range map[string]any{"nom": "Régie de Quartier de Stains", "siret": "13003013300016",
		"adresse": "6 avenue George Sand", "code_postal": "93240", "commune": "Stains", "code_insee": "93072",
		"horaires_accueil": "Mo-Fr 09:00-12:00,14:00-17:30", "site_web": "https://regie-stains.example/", "source": "ateliers-numeriques",
		"accessibilite_lieu": "https://acceslibre.beta.gouv.fr/app/93-stains/a/centre-social/erp/centre-social-yamina-setti/"} {
		if regie[field] != want {
			t.Errorf("the régie's structure: %s %v, want %v (its oldest venue gives the address)", field, regie[field], want)
		}
	}

	byName := map[string][]map[string]any{}
	for _, s := range services {
		byName[s["nom"].(string)] = append(byName[s["nom"].(string)], s)
		if structureIDs[s["structure_id"].(string)] == nil {
			t.Errorf("service %s: structure_id %s is not in structures.json", s["id"], s["structure_id"])
		}
	}
	if got := len(services); got != 4 {
		t.Errorf("%d services, want 4: the full workshop at 2 venues, the CV workshop at the centre only, the CCAS's", got)
	}
	for _, hidden := range []string{"En préparation", "Réservé aux salariés"} {
		if byName[hidden] != nil {
			t.Errorf("service %q is exported: it has no public slot of a published workshop", hidden)
		}
	}
	full := byName["Tout le numérique"]
	if len(full) != 2 {
		t.Fatalf("the full workshop: %d services, want one per venue", len(full))
	}
	s := full[0]
	if got := s["publics"]; !equalJSON(got, []string{"tous-publics"}) {
		t.Errorf("publics %v, want tous-publics alone for EVERYONE", got)
	}
	if got := s["thematiques"].([]any); len(got) < 4 {
		t.Errorf("thematiques %v, want the mapping of every topic", got)
	}
	for field, want := range map[string]any{"type": "atelier", "frais": "gratuit", "conditions_acces": "Savoir lire le français",
		"lien_mobilisation": "https://ateliers.example.fr/ateliers/" + everything, "telephone": "+33148211111",
		"modes_accueil": []string{"en-presentiel"}, "mobilisable_par": []string{"usagers", "professionnels"},
		"modes_mobilisation": []string{"utiliser-lien-mobilisation", "telephoner", "envoyer-un-courriel"},
		"structure_id":       "ateliers-numeriques--" + orgGID} {
		if !equalJSON(s[field], want) {
			t.Errorf("the full workshop's service: %s %v, want %v", field, s[field], want)
		}
	}
	if d := s["description"].(string); !strings.Contains(d, "Durée : 2 h") || !strings.Contains(d, "votre téléphone") {
		t.Errorf("description %q, want the duration and what to bring", d)
	}
	if cv := byName["Atelier CV"]; len(cv) != 1 || cv[0]["publics_precisions"] == nil || slices.Contains(cv[0]["publics"].([]any), "tous-publics") {
		t.Errorf("the CV workshop: %v, want one service (its library slot is for partners), named to 3 characters at least, every audience but everyone", cv)
	}
	if ccas := byName["Démarches CAF"]; len(ccas) != 1 || !equalJSON(structureIDs[ccas[0]["structure_id"].(string)]["reseaux_porteurs"], []string{"ccas-cias"}) {
		t.Errorf("the CCAS's service %v, want it under a structure of network ccas-cias", ccas)
	}
	_, body, _ := a.getPublic(inclusionServicesPath, "")
	if strings.Contains(string(body), "Aïcha") {
		t.Errorf("services.json names the facilitator: no person's name goes in open data")
	}
}

// Every topic and audience the API knows maps into data·inclusion's vocabularies (the schema's
// enums, checked by TestDataInclusionRecords); a topic added without a mapping fails here.
func TestDataInclusionVocabularies(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	for _, topic := range enumValues(a, "Topic") {
		if len(thematiquesOf([]db.Topic{db.Topic(topic)})) == 0 {
			t.Errorf("topic %s has no data·inclusion thematique", topic)
		}
	}
	for _, audience := range enumValues(a, "Audience") {
		if _, ok := publicsByAudience[db.Audience(audience)]; !ok {
			t.Errorf("audience %s has no data·inclusion public", audience)
		}
	}
}

// equalJSON compares a decoded JSON value with want, as JSON.
func equalJSON(got, want any) bool {
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	return string(g) == string(w)
}
