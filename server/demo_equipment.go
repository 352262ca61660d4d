package main

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/regiestains/ateliers/db"
)

// demoEquipment gives the Régie a small stock of laptops and a tablet from Ecodair, one laptop
// already handed over, and three people waiting, so that the README's equipmentRanking shows a
// ranked list with its reasons: Bakary (under 26, no computer, two months in the Régie) before
// Mehdi (under 26, no computer, not an employee), before Fatima (no computer, 20 months in the
// Régie).
func demoEquipment(ctx context.Context, tx pgx.Tx, regie int64) error {
	today := time.Now().UTC().Truncate(24 * time.Hour)
	received := today.AddDate(0, -1, 0)
	var first db.Device
	for i, d := range []db.Device{
		{Kind: db.DeviceLaptop, InventoryNumber: ptr("ECO-2026-001"), SerialNumber: ptr("5CG1234ABC"), Condition: db.ConditionGood,
			Installed: "Linux Mint 22, LibreOffice, Firefox", Description: "Chargeur fourni, clavier AZERTY."},
		{Kind: db.DeviceLaptop, InventoryNumber: ptr("ECO-2026-002"), SerialNumber: ptr("5CG1234ABD"), Condition: db.ConditionGood,
			Installed: "Linux Mint 22, LibreOffice, Firefox", Description: "Chargeur fourni, clavier AZERTY."},
		{Kind: db.DeviceLaptop, InventoryNumber: ptr("ECO-2026-003"), SerialNumber: ptr("5CG1234ABE"), Condition: db.ConditionFair,
			Installed: "Windows 10, LibreOffice", Description: "Batterie faible : à utiliser branché."},
		{Kind: db.DeviceTablet, InventoryNumber: ptr("ECO-2026-004"), Condition: db.ConditionAsNew, Installed: "Android 13"},
	} {
		d.OrganisationID, d.Donor, d.ReceivedOn = regie, "Ecodair", received
		added, err := db.AddDevice(ctx, tx, d)
		if err != nil {
			return err
		}
		if i == 0 {
			first = added
		}
	}
	need := func(first string, phone int, age db.AgeBracket, situation db.Situation, since *time.Time, reason string) (db.EquipmentRequest, error) {
		p := demoPerson(first, "Exemple", phone, age)
		return db.RequestEquipment(ctx, tx, db.EquipmentRequest{OrganisationID: regie, RequestedByOrgID: regie,
			FirstName: p.FirstName, LastName: p.LastName, Phone: p.Phone, AgeBracket: age, Situation: situation,
			EmployeeSince: since, HasSmartphone: true, Reason: reason, ConsentVersion: demoConsentVersion})
	}
	// Sandrine had her laptop when the data was loaded: the figures have one device given.
	sandrine, err := need("Sandrine", 52, db.Age26To59, db.SituationResident, nil, "Recherche d'emploi depuis chez elle")
	if err != nil {
		return err
	}
	h, err := db.ProposeDevice(ctx, tx, regie, first.ID, sandrine.ID, nil, 0)
	if err != nil {
		return err
	}
	if _, err := db.GiveDevice(ctx, tx, regie, h.ID, "Samia (médiatrice numérique)", "Signature sur la fiche de remise"); err != nil {
		return err
	}
	for _, n := range []struct {
		first     string
		phone     int
		age       db.AgeBracket
		situation db.Situation
		since     *time.Time
		reason    string
	}{
		{"Fatima", 61, db.Age26To59, db.SituationEmployeeInInsertion, ptr(today.AddDate(0, -20, 0)), "Suivre sa formation en ligne le soir"},
		{"Mehdi", 53, db.AgeUnder26, db.SituationResident, nil, "A commencé son CV à l'Espace, rien pour le finir chez lui"},
		{"Bakary", 62, db.AgeUnder26, db.SituationEmployeeInInsertion, ptr(today.AddDate(0, -2, 0)), "Candidatures en alternance"},
	} {
		if _, err := need(n.first, n.phone, n.age, n.situation, n.since, n.reason); err != nil {
			return err
		}
	}
	return nil
}
