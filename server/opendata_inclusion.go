package main

import (
	"cmp"
	"context"
	"encoding/json"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
)

// The network's offer as data·inclusion records (schema v1, https://www.data.inclusion.gouv.fr/):
// GET /open-data/data-inclusion/structures.json and services.json, each a JSON array of
// records, public like the calendar feeds. server/testdata/data-inclusion holds the JSON
// Schemas the tests hold every record to. Fields the API has no data for are null (the schema
// allows it): a structure's complement_adresse, a service's
// horaires_accueil, zone_eligibilite, nombre_semaines, volume_horaire_hebdomadaire,
// contact_nom_prenom (never a person's name in open data).

const (
	inclusionStructuresPath = "/open-data/data-inclusion/structures.json"
	inclusionServicesPath   = "/open-data/data-inclusion/services.json"
	// openDataCache lets anyone keep the records an hour: data·inclusion reads them daily.
	openDataCache = "public, max-age=3600"
	// serviceHistory is how long a workshop stays listed at a venue after its last public slot
	// there: between two sessions, it is still on offer.
	serviceHistory = 90 * 24 * time.Hour
)

// routeOpenData serves the open data and the slots' structured data (opendata_event.go).
func routeOpenData(mux *http.ServeMux, c config, pool *pgxpool.Pool) {
	cors := corsFor(c.CORSOrigins)
	mux.Handle("GET "+inclusionStructuresPath, cors.Handler(openData(c, pool, inclusionStructures)))
	mux.Handle("GET "+inclusionServicesPath, cors.Handler(openData(c, pool, inclusionServices)))
	mux.Handle("GET /slots/{id}/event.jsonld", cors.Handler(slotEvent(c, pool)))
}

// openData serves the records records reads as a JSON array.
func openData[T any](c config, pool *pgxpool.Pool, records func(context.Context, config, db.Querier) ([]T, error)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), c.RequestTimeout)
		defer cancel()
		rs, err := records(ctx, c, pool)
		if err != nil {
			openDataUnavailable(w, r, err)
			return
		}
		body, err := json.MarshalIndent(rs, "", " ")
		if err != nil {
			openDataUnavailable(w, r, err)
			return
		}
		serveData(w, r, body, "application/json; charset=utf-8", openDataCache)
	})
}

// inclusionPlace is where a structure or a service is, as both records say it (encoding/json
// writes its fields among the record's).
type inclusionPlace struct {
	Adresse           *string  `json:"adresse"`
	ComplementAdresse *string  `json:"complement_adresse"`
	CodePostal        *string  `json:"code_postal"`
	Commune           *string  `json:"commune"`
	CodeInsee         *string  `json:"code_insee"`
	Latitude          *float64 `json:"latitude"`
	Longitude         *float64 `json:"longitude"`
	HorairesAccueil   *string  `json:"horaires_accueil"`
}

// placeOf is where venue v is, without its hours.
func placeOf(v db.Venue) inclusionPlace {
	return inclusionPlace{Adresse: &v.StreetAddress, CodePostal: &v.PostalCode, Commune: &v.City, CodeInsee: v.InseeCode,
		Latitude: v.Latitude, Longitude: v.Longitude}
}

// inclusionStructure is a data·inclusion structure record (schema v1).
type inclusionStructure struct {
	Source      string  `json:"source"`
	ID          string  `json:"id"`
	Nom         string  `json:"nom"`
	DateMaj     string  `json:"date_maj"`
	Siret       *string `json:"siret"`
	Description *string `json:"description"`
	SiteWeb     *string `json:"site_web"`
	Telephone   *string `json:"telephone"`
	Courriel    *string `json:"courriel"`
	inclusionPlace
	AccessibiliteLieu *string  `json:"accessibilite_lieu"`
	LienSource        *string  `json:"lien_source"`
	ReseauxPorteurs   []string `json:"reseaux_porteurs"`
}

// inclusionService is a data·inclusion service record (schema v1).
type inclusionService struct {
	Source                 string   `json:"source"`
	ID                     string   `json:"id"`
	StructureID            string   `json:"structure_id"`
	Nom                    string   `json:"nom"`
	Description            string   `json:"description"`
	DateMaj                string   `json:"date_maj"`
	Type                   string   `json:"type"`
	Thematiques            []string `json:"thematiques"`
	Publics                []string `json:"publics"`
	PublicsPrecisions      *string  `json:"publics_precisions"`
	ConditionsAcces        *string  `json:"conditions_acces"`
	Frais                  string   `json:"frais"`
	FraisPrecisions        *string  `json:"frais_precisions"`
	ModesAccueil           []string `json:"modes_accueil"`
	ModesMobilisation      []string `json:"modes_mobilisation"`
	MobilisablePar         []string `json:"mobilisable_par"`
	MobilisationPrecisions *string  `json:"mobilisation_precisions"`
	LienMobilisation       *string  `json:"lien_mobilisation"`
	LienSource             *string  `json:"lien_source"`
	Telephone              *string  `json:"telephone"`
	Courriel               *string  `json:"courriel"`
	ContactNomPrenom       *string  `json:"contact_nom_prenom"`
	inclusionPlace
	ZoneEligibilite           []string `json:"zone_eligibilite"`
	NombreSemaines            *int     `json:"nombre_semaines"`
	VolumeHoraireHebdomadaire *float64 `json:"volume_horaire_hebdomadaire"`
}

// inclusionStructures are the network's organisations as structures.
func inclusionStructures(ctx context.Context, c config, q db.Querier) ([]inclusionStructure, error) {
	os, err := db.OpenStructures(ctx, q)
	if err != nil {
		return nil, err
	}
	out := make([]inclusionStructure, 0, len(os))
	for _, s := range os {
		o := s.Organisation
		r := inclusionStructure{
			Source: c.DataInclusionSource, ID: inclusionID(c, graph.GlobalID("Organisation", o.ID)),
			Nom: fitName(o.Name, "Structure "), DateMaj: parisDate(s.UpdatedAt),
			Siret: o.Siret, Description: between(o.Description, 5, 10000), SiteWeb: o.Website,
			Telephone: o.Phone, Courriel: o.Email, ReseauxPorteurs: reseauxPorteurs[o.Kind],
		}
		if v := s.Venue; v != nil {
			r.inclusionPlace = placeOf(*v)
			r.HorairesAccueil = v.OpeningHours
			r.AccessibiliteLieu = v.AccesLibreURL // its Acceslibre page, as the venues' open data has it
		}
		out = append(out, r)
	}
	return out, nil
}

// inclusionServices are the published workshops, one service per venue they are given at.
func inclusionServices(ctx context.Context, c config, q db.Querier) ([]inclusionService, error) {
	ss, err := db.OpenServices(ctx, q, time.Now().Add(-serviceHistory))
	if err != nil {
		return nil, err
	}
	orgIDs := make([]int64, 0, len(ss))
	for _, s := range ss {
		orgIDs = append(orgIDs, s.Workshop.OrganisationID)
	}
	orgs, err := db.OrganisationsByID(ctx, q, orgIDs)
	if err != nil {
		return nil, err
	}
	byID := map[int64]db.Organisation{}
	for _, o := range orgs {
		byID[o.ID] = o
	}
	out := make([]inclusionService, 0, len(ss))
	for _, s := range ss {
		out = append(out, inclusionServiceOf(c, s, byID[s.Workshop.OrganisationID]))
	}
	return out, nil
}

// inclusionServiceOf is one workshop at one venue, with its host o.
func inclusionServiceOf(c config, s db.OpenService, o db.Organisation) inclusionService {
	w, v := s.Workshop, s.Venue
	workshopID := graph.GlobalID("Workshop", w.ID)
	r := inclusionService{
		Source: c.DataInclusionSource, ID: inclusionID(c, workshopID+"--"+graph.GlobalID("Venue", v.ID)),
		StructureID: inclusionID(c, graph.GlobalID("Organisation", o.ID)),
		Nom:         fitName(w.Title, "Atelier "), Description: serviceDescription(w), DateMaj: parisDate(s.UpdatedAt),
		Type: "atelier", Thematiques: thematiquesOf(w.Topics), Frais: "gratuit",
		ModesAccueil: []string{"en-presentiel"}, MobilisablePar: []string{"usagers", "professionnels"},
		Telephone: cmp.Or(v.Phone, o.Phone), Courriel: cmp.Or(v.Email, o.Email),
		inclusionPlace:  placeOf(v), // hours: a workshop's are its slots, not opening hours
		ConditionsAcces: between(w.Prerequisites, 1, 10000),
	}
	r.Publics, r.PublicsPrecisions = publicsOf(w.Audiences)
	if c.WorkshopPageBase != "" {
		link := c.WorkshopPageBase + workshopID
		r.LienMobilisation, r.LienSource = &link, &link
		r.ModesMobilisation = append(r.ModesMobilisation, "utiliser-lien-mobilisation")
	}
	if r.Telephone != nil {
		r.ModesMobilisation = append(r.ModesMobilisation, "telephoner")
	}
	if r.Courriel != nil {
		r.ModesMobilisation = append(r.ModesMobilisation, "envoyer-un-courriel")
	}
	precisions := "Inscription sur les créneaux de l'atelier, par la personne elle-même ou par un professionnel qui l'oriente."
	r.MobilisationPrecisions = &precisions
	return r
}

// inclusionID is a record's id: the producer, then the API's global id (data·inclusion's
// "<source>--<id>"), which a reader can pass to the API's node(id:).
func inclusionID(c config, id string) string { return c.DataInclusionSource + "--" + id }
