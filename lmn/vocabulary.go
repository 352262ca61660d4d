package lmn

import (
	"slices"
	"strings"

	"github.com/regiestains/ateliers/db"
)

// A vocabulary pairs the enum values stored in the database (db/enums.go) with the standard's
// French labels, in the standard's order: a list is exported in that order, whatever the order
// it was given in, so that an export is stable.
type vocabulary[T ~string] []struct {
	value T
	label string
}

var (
	services = vocabulary[db.VenueService]{
		{db.ServiceAdministrativeProcedures, "Aide aux démarches administratives"},
		{db.ServiceEverydayDigitalTools, "Maîtrise des outils numériques du quotidien"},
		{db.ServiceJobInsertion, "Insertion professionnelle via le numérique"},
		{db.ServiceSafeDigitalUse, "Utilisation sécurisée du numérique"},
		{db.ServiceParentingAndEducation, "Parentalité et éducation avec le numérique"},
		{db.ServiceLeisureAndCreation, "Loisirs et créations numériques"},
		{db.ServiceUnderstandingDigitalWorld, "Compréhension du monde numérique"},
		{db.ServiceInternetAndEquipmentAccess, "Accès internet et matériel informatique"},
		{db.ServiceAffordableEquipment, "Acquisition de matériel informatique à prix solidaire"},
	}
	audiences = vocabulary[db.VenueAudience]{
		{db.VenueAudienceYoungPeople, "Jeunes"},
		{db.VenueAudienceStudents, "Étudiants"},
		{db.VenueAudienceFamilies, "Familles et/ou enfants"},
		{db.VenueAudienceSeniors, "Seniors"},
		{db.VenueAudienceWomen, "Femmes"},
	}
	supports = vocabulary[db.SpecificSupport]{
		{db.SupportDeafness, "Surdité"},
		{db.SupportMotorDisability, "Handicaps moteurs"},
		{db.SupportMentalDisability, "Handicaps mentaux"},
		{db.SupportIlliteracy, "Illettrisme"},
		{db.SupportEnglish, "Langues étrangères (anglais)"},
		{db.SupportOtherLanguages, "Langues étrangères (autres)"},
		{db.SupportVisualImpairment, "Déficience visuelle"},
	}
	fees = vocabulary[db.VenueFee]{
		{db.FeeFree, "Gratuit"},
		{db.FeeFreeUnderConditions, "Gratuit sous condition"},
		{db.FeePaid, "Payant"},
	}
	accessModes = vocabulary[db.AccessMode]{
		{db.AccessWalkIn, "Se présenter"},
		{db.AccessPhone, "Téléphoner"},
		{db.AccessEmail, "Contacter par mail"},
		{db.AccessOnlineBooking, "Prendre un RDV en ligne"},
		{db.AccessNoPublic, "Ce lieu n'accueille pas de public"},
		{db.AccessPrescriptionByEmail, "Envoyer un mail avec une fiche de prescription"},
	}
	supportModes = vocabulary[db.SupportMode]{
		{db.SupportSelfService, "En autonomie"},
		{db.SupportIndividual, "Accompagnement individuel"},
		{db.SupportGroupWorkshop, "Dans un atelier collectif"},
		{db.SupportRemote, "À distance"},
	}
	mobilities = vocabulary[db.VenueMobility]{
		{db.MobilityItinerant, "Itinérant"},
		{db.MobilityFixed, "Fixe"},
	}
)

// separator joins the values of a list in one field (the standard's v1 uses "|").
const separator = "|"

// labels is the field's text for values: their labels in the vocabulary's order, "" for none.
func (voc vocabulary[T]) labels(values []T) string {
	var out []string
	for _, e := range voc {
		if slices.Contains(values, e.value) {
			out = append(out, e.label)
		}
	}
	return strings.Join(out, separator)
}

// values reads a field's text, once the schema's pattern has checked its labels: the values
// in the vocabulary's order, each once.
func (voc vocabulary[T]) values(text string) []T {
	given := strings.Split(text, separator)
	out := []T{}
	for _, e := range voc {
		if slices.Contains(given, e.label) {
			out = append(out, e.value)
		}
	}
	return out
}
