package main

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/schemaorg"
)

// data·inclusion's words for what the API says (its vocabulary, schema v1), and the texts its
// records hold, made from a workshop's and an organisation's.

// thematiquesByTopic maps the workshops' topics to data·inclusion's thematiques (v1 vocabulary,
// schemas/v1/extra/thematiques.json). Every topic has at least one (a test holds it).
var thematiquesByTopic = map[db.Topic][]string{
	db.TopicCVAndJobSearch: {"trouver-un-emploi--repondre-a-des-offres-demploi",
		"trouver-un-emploi--faire-des-candidatures-spontanees"},
	db.TopicFranceTravailProcedures: {"numerique--acceder-a-des-services-en-ligne",
		"difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"},
	db.TopicCAFProcedures: {"numerique--acceder-a-des-services-en-ligne",
		"difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives",
		"difficultes-administratives-ou-juridiques--accompagnement-pour-lacces-aux-droits"},
	db.TopicHealthInsurance: {"numerique--acceder-a-des-services-en-ligne",
		"difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives", "sante--acces-aux-soins"},
	db.TopicTaxes: {"numerique--acceder-a-des-services-en-ligne",
		"difficultes-administratives-ou-juridiques--accompagnement-aux-demarches-administratives"},
	db.TopicSmartphone:        {"numerique--maitriser-les-fondamentaux-du-numerique"},
	db.TopicScanningDocuments: {"numerique--maitriser-les-fondamentaux-du-numerique", "numerique--acceder-a-des-services-en-ligne"},
	db.TopicEmail:             {"numerique--maitriser-les-fondamentaux-du-numerique"},
	db.TopicOnlineSafety:      {"numerique--maitriser-les-fondamentaux-du-numerique"},
	db.TopicComputerBasics:    {"numerique--maitriser-les-fondamentaux-du-numerique"},
}

// thematiquesOf are the thematiques of topics, each once, in a stable order; null for none.
func thematiquesOf(topics []db.Topic) []string {
	var out []string
	for _, t := range topics {
		out = append(out, thematiquesByTopic[t]...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// publicsByAudience maps the workshops' audiences to data·inclusion's publics. Everyone is
// tous-publics, which the schema wants alone.
var publicsByAudience = map[db.Audience]string{
	db.AudienceEveryone: "tous-publics", db.AudienceJobSeekers: "demandeurs-emploi",
	db.AudienceYoungPeople: "jeunes", db.AudienceSeniors: "seniors",
	db.AudienceEmployeesInInsertion: "actifs", db.AudienceFamilies: "familles",
}

// publicsOf are the publics of audiences, and what they cannot say (salariés en insertion
// are "actifs" to data·inclusion).
func publicsOf(audiences []db.Audience) ([]string, *string) {
	if slices.Contains(audiences, db.AudienceEveryone) {
		return []string{"tous-publics"}, nil
	}
	var out []string
	var precisions *string
	for _, a := range audiences {
		if p, ok := publicsByAudience[a]; ok {
			out = append(out, p)
		}
		if a == db.AudienceEmployeesInInsertion {
			text := "Salariés en parcours d'insertion par l'activité économique (IAE)."
			precisions = &text
		}
	}
	slices.Sort(out)
	return slices.Compact(out), precisions
}

// reseauxPorteurs are the networks an organisation of a kind belongs to, when its kind says
// it (a régie de quartier, an association or a médiathèque may belong to several, or none).
var reseauxPorteurs = map[db.OrganisationKind][]string{
	db.KindFranceTravail: {"france-travail"}, db.KindCAF: {"caf"}, db.KindCCAS: {"ccas-cias"}, db.KindMairie: {"communes"},
}

// serviceDescription says what the workshop is, for how long, and what to bring: 5 to 10,000
// characters, as the schema wants.
func serviceDescription(w db.Workshop) string {
	parts := []string{schemaorg.Description(w)}
	if parts[0] == "" {
		parts[0] = "Atelier numérique : " + w.Title + "."
	}
	parts = append(parts, fmt.Sprintf("Durée : %s. Gratuit, sur inscription.", duration(w.DurationMinutes)))
	if len(w.WhatToBring) > 0 {
		parts = append(parts, "À apporter : "+strings.Join(w.WhatToBring, ", ")+".")
	}
	return truncate(strings.Join(parts, "\n\n"), 10000)
}

// duration writes minutes as a French reader does: 2 h, 1 h 30, 45 min.
func duration(minutes int) string {
	h, m := minutes/60, minutes%60
	switch {
	case h == 0:
		return fmt.Sprintf("%d min", m)
	case m == 0:
		return fmt.Sprintf("%d h", h)
	}
	return fmt.Sprintf("%d h %02d", h, m)
}

// fitName makes name a record's nom: 3 to 150 characters, no final full stop; a shorter name
// gets prefix.
func fitName(name, prefix string) string {
	name = strings.TrimRight(strings.TrimSpace(name), ".")
	if utf8.RuneCountInString(name) < 3 {
		name = prefix + name
	}
	return strings.TrimRight(truncate(name, 150), ". ")
}

// between returns text trimmed when it has min to max characters (cut to max when longer),
// else nil.
func between(text string, min, max int) *string {
	text = strings.TrimSpace(text)
	if utf8.RuneCountInString(text) < min {
		return nil
	}
	text = truncate(text, max)
	return &text
}

// truncate cuts s to at most n characters.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}

// parisDate is the Europe/Paris date of t.
func parisDate(t time.Time) string { return schemaorg.Date(t) }
