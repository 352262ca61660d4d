package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
)

// The demo keys are fixed and public so that the README's examples work on every fresh
// install. They exist only where DEMO_DATA loads the sample data (the embedded database of
// `make run`); never set DEMO_DATA on a real deployment.
const (
	demoAdminKey         = "ateliers_demo-admin-not-a-secret"
	demoRegieKey         = "ateliers_demo-regie-not-a-secret"
	demoFranceTravailKey = "ateliers_demo-francetravail-not-a-secret"
	demoEmmausKey        = "ateliers_demo-emmaus-not-a-secret"
)

// demoPivot is the demo venues' LMN pivot: plainly not a SIRET (a real one might be someone's).
const demoPivot = "EXEMPLE0000001"

func printDemoKeys(port int) {
	fmt.Printf(`
Sample data for Stains is loaded. Demo API keys (public, for this local database only):
  network administrator:                  %s
  Régie de Quartier de Stains (all scopes): %s
  France Travail Stains (partner):         %s
  Emmaüs Connect (partner):                %s
Try: curl -s http://localhost:%d/graphql -H 'Content-Type: application/json' \
       -d '{"query":"{ slots(first: 5) { edges { node { startsAt seatsLeft workshop { title } venue { name } } } } }"}'
`, demoAdminKey, demoRegieKey, demoFranceTravailKey, demoEmmausKey, port)
}

// loadDemo loads the Stains sample data once. An advisory lock makes two instances starting
// together load it once between them.
func loadDemo(ctx context.Context, pool *pgxpool.Pool) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// The other instance may take a few seconds to load it: wait for it, past the
		// lock_timeout that bounds the API's own waits.
		if _, err := tx.Exec(ctx, `SET LOCAL lock_timeout = '60s'`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('ateliers demo data'))`); err != nil {
			return err
		}
		var loaded, real bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM organisations WHERE is_sample),
			EXISTS (SELECT 1 FROM organisations WHERE NOT is_sample)`).Scan(&loaded, &real)
		if err != nil || loaded {
			return err
		}
		if real {
			// Its keys are public: never on a database that serves real organisations.
			return errors.New("DEMO_DATA is set but this database holds real organisations; unset DEMO_DATA")
		}
		return seedDemo(ctx, tx)
	})
}

func seedDemo(ctx context.Context, tx pgx.Tx) error {
	str := func(s string) *string { return &s }
	f := func(v float64) *float64 { return &v }
	regie, err := db.CreateOrganisation(ctx, tx, db.Organisation{
		Name: "Régie de Quartier de Stains (exemple)", Slug: "regie-quartier-stains", Kind: db.KindRegieDeQuartier,
		Phone: str("+33148000000"), Email: str("ateliers@regie-stains.example"), Website: str("https://regie-stains.example"),
		Description:    "Données d'exemple. Structure d'insertion par l'activité économique : vélo, propreté, voirie, bâtiment. Ateliers numériques ouverts aux salariés et aux habitants.",
		HostsWorkshops: true, RefersPeople: true, IsSample: true,
	})
	if err != nil {
		return err
	}
	if _, err := db.PublishConsentText(ctx, tx, db.ConsentText{OrganisationID: regie.ID, Version: demoConsentVersion, Text: demoConsentText}); err != nil {
		return err
	}
	partners := []db.Organisation{
		{Name: "France Travail Stains (exemple)", Slug: "france-travail-stains", Kind: db.KindFranceTravail, RefersPeople: true, IsSample: true, Description: "Données d'exemple. Agence France Travail."},
		{Name: "Emmaüs Connect (exemple)", Slug: "emmaus-connect", Kind: db.KindAssociation, RefersPeople: true, IsSample: true, Description: "Données d'exemple. Association d'inclusion numérique."},
		{Name: "Industreet (exemple)", Slug: "industreet", Kind: db.KindOther, RefersPeople: true, IsSample: true, Description: "Données d'exemple. Centre de formation pour les jeunes."},
	}
	orgs := make([]db.Organisation, len(partners))
	for i, p := range partners {
		if orgs[i], err = db.CreateOrganisation(ctx, tx, p); err != nil {
			return err
		}
	}
	franceTravail, emmaus := orgs[0], orgs[1]
	espace, err := db.CreateVenue(ctx, tx, db.Venue{
		OrganisationID: regie.ID, Name: "Espace numérique de la Régie", StreetAddress: "6 avenue George Sand",
		PostalCode: "93240", City: "Stains", InseeCode: str("93072"), Latitude: f(48.9536), Longitude: f(2.3794),
		OpeningHours:       str("Mo-Fr 09:00-12:30,13:30-17:30; PH off"),
		Accessibility:      db.Accessibility{WheelchairAccessible: true, OtherSupport: "Accompagnement possible en arabe et en tamoul"},
		Equipment:          db.Equipment{Computers: 8, Wifi: true, Printer: true, Scanner: true},
		AccessInstructions: "Bus 150 et 252, arrêt Clos Saint-Lazare. Rez-de-chaussée, entrée par la cour.",
		OpenData: db.OpenData{Pivot: str(demoPivot),
			Summary:     "Ateliers numériques de la Régie : CV, France Travail, CAF, scanner un document. Ouverts aux habitants de Stains.",
			Description: "Données d'exemple. Un parcours de quatre ateliers de deux heures, des postes en libre accès le matin, une médiatrice numérique pour les démarches.",
			Website:     str("https://regie-stains.example/ateliers"),
			Services: []db.VenueService{db.ServiceAdministrativeProcedures, db.ServiceEverydayDigitalTools,
				db.ServiceJobInsertion, db.ServiceInternetAndEquipmentAccess},
			SpecificAudiences: []db.VenueAudience{db.VenueAudienceYoungPeople, db.VenueAudienceSeniors},
			SpecificSupport:   []db.SpecificSupport{db.SupportMotorDisability, db.SupportOtherLanguages},
			Fees:              []db.VenueFee{db.FeeFree},
			AccessModes:       []db.AccessMode{db.AccessWalkIn, db.AccessPhone, db.AccessPrescriptionByEmail},
			SupportModes:      []db.SupportMode{db.SupportSelfService, db.SupportIndividual, db.SupportGroupWorkshop},
			Mobility:          []db.VenueMobility{db.MobilityFixed}},
	})
	if err != nil {
		return err
	}
	salle, err := db.CreateVenue(ctx, tx, db.Venue{
		OrganisationID: regie.ID, Name: "Salle polyvalente du centre-ville", StreetAddress: "2 place Marcel Pointet",
		PostalCode: "93240", City: "Stains", InseeCode: str("93072"), Latitude: f(48.9497), Longitude: f(2.3833),
		OpeningHours: str("Tu,Th 09:00-17:00"), Equipment: db.Equipment{Wifi: true},
		AccessInstructions: "Premier étage, sans ascenseur. Apportez votre téléphone.",
		OpenData: db.OpenData{Pivot: str(demoPivot),
			Summary:      "Ateliers collectifs de la Régie le mardi et le jeudi : apportez votre téléphone.",
			Services:     []db.VenueService{db.ServiceEverydayDigitalTools, db.ServiceSafeDigitalUse},
			Fees:         []db.VenueFee{db.FeeFree},
			AccessModes:  []db.AccessMode{db.AccessPhone},
			SupportModes: []db.SupportMode{db.SupportGroupWorkshop},
			Mobility:     []db.VenueMobility{db.MobilityFixed}},
	})
	if err != nil {
		return err
	}
	// The Espace numérique has two rooms: the workshops take the computer room, so that the
	// meeting room stays free for an appointment at the same time.
	var computerRoom db.Room
	for i, r := range []db.Room{
		{Name: "Salle informatique", Description: "Rez-de-chaussée, 8 postes, imprimante et scanner."},
		{Name: "Salle de réunion", Description: "Rez-de-chaussée, au fond du couloir : rendez-vous individuels."},
	} {
		r.VenueID = espace.ID
		created, err := db.CreateRoom(ctx, tx, r)
		if err != nil {
			return err
		}
		if i == 0 {
			computerRoom = created
		}
	}
	bring := []string{"Pièce d'identité", "Téléphone portable chargé", "Identifiants de connexion si vous en avez"}
	clics := []db.LearningResource{{Title: "Les Bons Clics", URL: "https://www.lesbonsclics.fr/"}}
	audiences := []db.Audience{db.AudienceEveryone, db.AudienceEmployeesInInsertion, db.AudienceJobSeekers}
	var workshops []db.Workshop
	for _, w := range []db.Workshop{
		{Title: "Faire son CV", Summary: "Créer ou mettre à jour son CV et l'envoyer par email.", Topics: []db.Topic{db.TopicCVAndJobSearch}},
		{Title: "Démarches France Travail", Summary: "S'inscrire, s'actualiser et suivre son espace personnel.", Topics: []db.Topic{db.TopicFranceTravailProcedures}},
		{Title: "Démarches CAF", Summary: "Faire ses déclarations et suivre ses droits sur caf.fr.", Topics: []db.Topic{db.TopicCAFProcedures}},
		{Title: "Scanner et envoyer un document avec son téléphone", Summary: "Numériser un justificatif et le joindre à une démarche.", Topics: []db.Topic{db.TopicScanningDocuments, db.TopicSmartphone}},
	} {
		w.OrganisationID, w.Level, w.DurationMinutes, w.Audiences = regie.ID, db.LevelBeginner, 120, audiences
		w.WhatToBring, w.Languages, w.Resources, w.Status = bring, []string{"fr"}, clics, db.StatusPublished
		w.Description = w.Summary + " Atelier de 2 heures en petit groupe, avec une médiatrice numérique."
		created, err := db.CreateWorkshop(ctx, tx, w)
		if err != nil {
			return err
		}
		workshops = append(workshops, created)
	}
	ids := make([]int64, len(workshops))
	for i, w := range workshops {
		ids[i] = w.ID
	}
	programme, err := db.CreateProgramme(ctx, tx, db.Programme{
		OrganisationID: regie.ID, Title: "Parcours numérique vers l'emploi",
		Description: "Quatre ateliers de deux heures : CV, France Travail, CAF, documents.", Status: db.StatusPublished,
		WorkshopIDs: ids,
	})
	if err != nil {
		return err
	}
	slots, err := db.ScheduleSlots(ctx, tx, demoSlots(regie.ID, workshops, espace.ID, computerRoom.ID, salle.ID))
	if err != nil {
		return err
	}
	if err := demoRegistrations(ctx, tx, slots, franceTravail.ID); err != nil {
		return err
	}
	story := demoStory{regie: regie.ID, emmaus: emmaus.ID, programme: programme, workshops: workshops, venue: espace.ID, room: computerRoom.ID}
	if err := story.load(ctx, tx, slots); err != nil {
		return err
	}
	if err := demoEquipment(ctx, tx, regie.ID); err != nil {
		return err
	}
	if err := story.history(ctx, tx, franceTravail.ID); err != nil {
		return err
	}
	for _, k := range []struct {
		org    *int64
		label  string
		scopes []db.Scope
		admin  bool
		secret string
	}{
		{nil, "Démo : administration du réseau", nil, true, demoAdminKey},
		{&regie.ID, "Démo : équipe de la Régie", []db.Scope{db.ScopeCatalogueWrite, db.ScopeRegistrationsWrite, db.ScopeRegistrationsRead, db.ScopeAttendanceWrite, db.ScopeReportsRead, db.ScopeKeysManage, db.ScopeWebhooksManage, db.ScopeEquipmentManage}, false, demoRegieKey},
		{&franceTravail.ID, "Démo : conseillère France Travail", []db.Scope{db.ScopeRegistrationsWrite, db.ScopeRegistrationsRead, db.ScopeWebhooksManage}, false, demoFranceTravailKey},
		{&emmaus.ID, "Démo : accueil d'Emmaüs Connect", []db.Scope{db.ScopeRegistrationsWrite, db.ScopeRegistrationsRead}, false, demoEmmausKey},
	} {
		nk := db.NewAPIKey{OrganisationID: k.org, Label: k.label, Scopes: k.scopes, NetworkAdmin: k.admin}
		if _, err := db.CreateAPIKeyWithSecret(ctx, tx, nk, k.secret); err != nil {
			return err
		}
	}
	return nil
}

// demoSlots schedules the four workshops over the coming four weeks, Tuesdays 14:00 and
// Thursdays 09:30 (Paris), with one partners-only and one internal slot. The Tuesday slots
// take the Espace's computer room.
func demoSlots(orgID int64, ws []db.Workshop, espace, computerRoom, salle int64) []db.Slot {
	tuesday := nextTuesday(time.Now())
	paris := tuesday.Location()
	var slots []db.Slot
	for week := range 4 {
		for i, at := range []struct {
			days, hour, min int
			venue, room     int64
		}{{0, 14, 0, espace, computerRoom}, {2, 9, 30, salle, 0}} {
			d := tuesday.AddDate(0, 0, 7*week+at.days)
			start := time.Date(d.Year(), d.Month(), d.Day(), at.hour, at.min, 0, 0, paris)
			w := ws[(week+i)%len(ws)]
			s := db.Slot{OrganisationID: orgID, WorkshopID: w.ID, VenueID: at.venue, StartsAt: start,
				EndsAt: start.Add(2 * time.Hour), Capacity: 8, Visibility: db.VisibilityPublic,
				RegistrationClosesAt: start.Add(-2 * time.Hour), FacilitatorName: ptr("Samia (médiatrice numérique)")}
			if at.room != 0 {
				s.RoomID = &at.room
			}
			slots = append(slots, s)
		}
	}
	slots[1].Visibility = db.VisibilityPartners
	slots[2].Visibility, slots[2].Capacity = db.VisibilityInternal, 6 // reserved to the Régie's employees
	return slots
}

// demoRegistrations fills the first slot (with two people waiting) and has France Travail
// refer someone to the partners-only slot. Phone numbers are in the range ARCEP reserves for
// fiction (06 39 98 xx xx).
func demoRegistrations(ctx context.Context, tx pgx.Tx, slots []db.Slot, franceTravailID int64) error {
	full := slots[0]
	for n := range full.Capacity + 2 {
		req := db.RegisterRequest{SlotID: full.ID, Participant: samplePerson(n + 1), ConsentVersion: demoConsentVersion, JoinWaitlist: true}
		if _, _, err := db.Register(ctx, tx, req); err != nil {
			return err
		}
	}
	ft := db.Caller{KeyID: -1, OrganisationID: franceTravailID, Scopes: []db.Scope{db.ScopeRegistrationsWrite}}
	_, _, err := db.Register(ctx, tx, db.RegisterRequest{SlotID: slots[1].ID, Caller: ft, Participant: samplePerson(20),
		ConsentVersion: demoConsentVersion, Referral: db.Referral{OrganisationID: &franceTravailID,
			CounsellorName: ptr("Conseillère (exemple)"), Reason: ptr("Inscription France Travail à finaliser")}})
	return err
}

// nextTuesday is the Tuesday after now, 1 to 7 days ahead, in Paris.
func nextTuesday(now time.Time) time.Time {
	paris, _ := time.LoadLocation("Europe/Paris")
	now = now.In(paris)
	return now.AddDate(0, 0, (int(time.Tuesday)-int(now.Weekday())+6)%7+1)
}

// lastTuesday is the Tuesday before today, 1 to 7 days back, in Paris.
func lastTuesday(now time.Time) time.Time {
	paris, _ := time.LoadLocation("Europe/Paris")
	now = now.In(paris)
	return now.AddDate(0, 0, -((int(now.Weekday())-int(time.Tuesday)+6)%7 + 1))
}

// samplePerson is the n-th sample person, "Personne Exemple n", with a phone in the range
// ARCEP reserves for fiction (06 39 98 00 nn).
func samplePerson(n int) db.Participant {
	return demoPerson("Personne", fmt.Sprintf("Exemple %d", n), n, db.Age26To59)
}

// demoPerson is a sample person with the fiction phone 06 39 98 00 nn.
func demoPerson(first, last string, n int, age db.AgeBracket) db.Participant {
	return db.Participant{FirstName: ptr(first), LastName: ptr(last), Phone: ptr(fmt.Sprintf("+336399800%02d", n)),
		AgeBracket: ptr(age), HasSmartphone: ptr(true), PreferredChannel: ptr(db.ChannelSMS)}
}

func ptr[T any](v T) *T { return &v }

// The Régie's consent text in the demo: the README's registrations name its version.
const (
	demoConsentVersion = "2026-11"
	demoConsentText    = `Données d'exemple. La Régie de Quartier de Stains enregistre vos prénom, nom et téléphone (ou email) pour vous inscrire à l'atelier, vous prévenir par SMS et tenir la liste d'attente ; votre tranche d'âge, votre code postal et votre équipement servent aux statistiques de l'atelier, sans votre nom. Vos coordonnées sont effacées six mois après l'atelier. Depuis le lien reçu par SMS, vous pouvez voir vos données, annuler votre place ou tout effacer.`
)
