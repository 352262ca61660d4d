// Package lmn publishes the network's venues as "lieux de médiation numérique" open data and
// imports partners' venues from files in that national standard (LaMednum/standard-mediation-num,
// schema v1.0.2, schema.json beside this file, see SOURCE.md).
//
// A record is a map from the schema's field names to values: strings, and float64 for the
// coordinates (numbers); a field left out is absent. Records are checked against the shipped
// Table Schema (package tableschema) both ways: what is exported, and what is imported.
package lmn

import (
	_ "embed"
	"strconv"
	"strings"
	"time"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/tableschema"
)

//go:embed schema.json
var schemaJSON []byte

// Schema is the national standard's Table Schema.
var Schema = mustParse(schemaJSON)

func mustParse(b []byte) *tableschema.Schema {
	s, err := tableschema.Parse(b)
	if err != nil {
		panic(err)
	}
	return s
}

// Record is one venue in the standard's fields.
type Record map[string]any

// sampleSource marks the demo's venues in `source`: an export of demo data says it is one.
const sampleSource = " (données d'exemple)"

// FromVenue is v's record; ok is false when the venue has no pivot (neither its own nor its
// organisation's SIRET): the standard requires one, so such a venue is not published.
func FromVenue(v db.OpenDataVenue) (r Record, ok bool) {
	pivot := v.OpenDataPivot()
	if pivot == "" {
		return nil, false
	}
	r = Record{"id": v.OpenDataID, "pivot": pivot, "nom": v.Name, "commune": v.City,
		"code_postal": v.PostalCode, "adresse": v.StreetAddress, "date_maj": v.UpdatedOn}
	set := func(field string, s *string) {
		if s != nil && *s != "" {
			r[field] = *s
		}
	}
	if v.InseeCode != nil && Schema.Fields[fieldIndex("code_insee")].Check(*v.InseeCode) == nil {
		r["code_insee"] = *v.InseeCode // the API takes a few codes the standard's pattern does not
	}
	if v.Latitude != nil {
		r["latitude"], r["longitude"] = *v.Latitude, *v.Longitude
	}
	if v.Phone != nil && Schema.Fields[fieldIndex("telephone")].Check(*v.Phone) == nil {
		r["telephone"] = *v.Phone // the standard takes French numbers only
	}
	set("courriels", v.Email)
	set("site_web", v.Website)
	set("horaires", v.OpeningHours)
	set("presentation_resume", &v.Summary)
	set("presentation_detail", &v.Description)
	source := v.OrganisationName
	if v.OpenDataSource != nil {
		source = *v.OpenDataSource
	} else if v.IsSample && !strings.HasSuffix(source, sampleSource) {
		source += sampleSource
	}
	set("source", &source)
	if v.SourceUpdatedOn != nil {
		r["date_maj"] = v.SourceUpdatedOn.Format(time.DateOnly)
	}
	list := func(field, text string) {
		set(field, &text)
	}
	list("itinerance", mobilities.labels(v.Mobility))
	list("services", services.labels(v.Services))
	list("publics_specifiquement_adresses", audiences.labels(v.SpecificAudiences))
	list("prise_en_charge_specifique", supports.labels(v.SpecificSupport))
	list("frais_a_charge", fees.labels(v.Fees))
	list("modalites_acces", accessModes.labels(v.AccessModes))
	list("modalites_accompagnement", supportModes.labels(v.SupportModes))
	set("fiche_acces_libre", v.AccesLibreURL)
	set("prise_rdv", v.BookingURL)
	return r, true
}

func fieldIndex(name string) int {
	for i, f := range Schema.Fields {
		if f.Name == name {
			return i
		}
	}
	panic("lmn: no field " + name)
}

// text is a field's value as text: a CSV cell, or a JSON value in its lexical form.
func (r Record) text(field string) string {
	s, _ := tableschema.Lexical(r[field])
	return strings.TrimSpace(s)
}

func (r Record) optional(field string) *string {
	if s := r.text(field); s != "" {
		return &s
	}
	return nil
}

func (r Record) number(field string) *float64 {
	if s := r.text(field); s != "" {
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return &n
		}
	}
	return nil
}
