package lmn

import (
	"context"
	"testing"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// The import's rules on a real database: a venue's organisation is the one with its SIRET,
// else the one of a venue with its pivot, else a new one (kind OTHER, named after the venue);
// an update keeps what the standard does not carry.
func TestImportRules(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	siret := "43493312300029"
	known, err := db.CreateOrganisation(ctx, pool, db.Organisation{Name: "CCAS", Slug: "ccas", Kind: db.KindCCAS, Siret: &siret})
	if err != nil {
		t.Fatal(err)
	}
	file := "id,pivot,nom,commune,code_postal,adresse,date_maj,services\n" +
		"a,43493312300029,Lieu A,Stains,93240,1 rue Carnot,2024-04-02,Loisirs et créations numériques\n" +
		"b,W931234567,Médiathèque Élémentaire,Stains,93240,2 rue Carnot,2024-04-02,\n" +
		"c,W931234567,Annexe,Stains,93240,3 rue Carnot,2024-04-02,\n"
	report, err := Import(ctx, pool, CSV, []byte(file))
	if err != nil || report.Created != 3 || len(report.Rejected) > 0 {
		t.Fatalf("import: %+v, %v", report, err)
	}
	venues, err := db.OpenDataVenues(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]db.OpenDataVenue{}
	for _, v := range venues {
		byID[v.OpenDataID] = v
	}
	if a := byID["a"]; a.OrganisationID != known.ID || a.Pivot != nil {
		t.Errorf("venue a: organisation %d pivot %v, want the CCAS (matched by SIRET) and no pivot of its own", a.OrganisationID, a.Pivot)
	}
	if b, c := byID["b"], byID["c"]; b.OrganisationID != c.OrganisationID || b.OrganisationID == known.ID {
		t.Errorf("venues b and c share a pivot: organisations %d and %d, want one new organisation", b.OrganisationID, c.OrganisationID)
	}
	created, err := db.OrganisationByID(ctx, pool, byID["b"].OrganisationID)
	if err != nil || created.Kind != db.KindOther || created.Name != "Médiathèque Élémentaire" || created.Slug != "mediatheque-elementaire" || created.Siret != nil {
		t.Errorf("created organisation %+v, %v", created, err)
	}

	// Accessibility set here survives an import that changes the name.
	if _, err := db.UpdateVenue(ctx, pool, byID["b"].ID, func(v *db.Venue) error {
		v.Accessibility.WheelchairAccessible = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	file2 := "id,pivot,nom,commune,code_postal,adresse,date_maj\nb,W931234567,Médiathèque,Stains,93240,2 rue Carnot,2024-05-01\n" +
		"c,W931234567,Annexe,Stains,93240,3 rue Carnot,2024-04-02\n"
	report, err = Import(ctx, pool, CSV, []byte(file2))
	if err != nil || report.Updated != 1 || report.Unchanged != 1 {
		t.Fatalf("second import: %+v, %v", report, err)
	}
	b, err := db.VenueByID(ctx, pool, byID["b"].ID)
	if err != nil || b.Name != "Médiathèque" || !b.Accessibility.WheelchairAccessible || b.SourceUpdatedOn.Format("2006-01-02") != "2024-05-01" {
		t.Errorf("venue b after the update: %+v, %v", b, err)
	}
}

// Records the schema accepts but the database would not are rejected with the reason.
func TestImportDatabaseRules(t *testing.T) {
	for _, c := range []struct{ name, field, value string }{
		{"latitude beyond the pole", "latitude", "91"},
		{"latitude without longitude", "latitude", "48.9"},
		{"opening hours in words", "horaires", "du lundi au vendredi"},
		{"name of 201 characters", "nom", ""},
		{"not an email", "courriels", "accueil at example.fr"},
		{"not a URL", "prise_rdv", "rdv.example.fr"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := Record{"id": "x", "pivot": "W931234567", "nom": "Lieu", "commune": "Stains", "code_postal": "93240",
				"adresse": "1 rue", "date_maj": "2024-04-02"}
			r[c.field] = c.value
			if c.field == "nom" {
				r[c.field] = stringOf('a', 201)
			}
			_, problems := r.venue()
			if len(problems) == 0 || problems[0].Field != c.field {
				t.Errorf("problems %v, want one on %s", problems, c.field)
			}
		})
	}
}

func stringOf(r rune, n int) string {
	s := make([]rune, n)
	for i := range s {
		s[i] = r
	}
	return string(s)
}

// A file never takes over what the network manages here: a venue of an organisation that
// hosts workshops, a venue archived here, a new record under such an organisation's SIRET.
// Blanks, ids that differ by spaces and a pivot of zeros are read as what they are.
func TestImportLeavesTheNetworksOwnAlone(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	siret := "43493312300029"
	regie, err := db.CreateOrganisation(ctx, pool, db.Organisation{Name: "Régie", Slug: "regie", Kind: db.KindRegieDeQuartier,
		Siret: &siret, HostsWorkshops: true})
	if err != nil {
		t.Fatal(err)
	}
	own, err := db.CreateVenue(ctx, pool, db.Venue{OrganisationID: regie.ID, Name: "Espace numérique", StreetAddress: "6 avenue George Sand",
		PostalCode: "93240", City: "Stains", OpenData: db.OpenData{OpenDataID: "espace"}})
	if err != nil {
		t.Fatal(err)
	}
	header := "id,pivot,nom,commune,code_postal,adresse,date_maj\n"
	report, err := Import(ctx, pool, CSV, []byte(header+
		"espace,W999999999,Pris,Paris,75001,1 rue de Rivoli,2024-04-02\n"+
		"nouveau,43493312300029,Annexe de la Régie,Stains,93240,2 rue Carnot,2024-04-02\n"+
		"zero-1,00000000000000,Lieu de Lille,Lille,59000,1 rue,2024-04-02\n"+
		"zero-2,00000000000000,Lieu de Marseille,Marseille,13001,1 rue,2024-04-02\n"))
	if err != nil || report.Skipped != 2 || report.Created != 2 || len(report.Rejected) > 0 {
		t.Fatalf("import: %+v, %v; want the Régie's two skipped, two created", report, err)
	}
	if v, err := db.VenueByID(ctx, pool, own.ID); err != nil || v.OrganisationID != regie.ID || v.Name != "Espace numérique" {
		t.Errorf("the Régie's venue after the import: %+v, %v", v, err)
	}
	venues, err := db.OpenDataVenues(ctx, pool)
	if err != nil {
		t.Fatal(err)
	}
	orgs := map[string]int64{}
	for _, v := range venues {
		orgs[v.OpenDataID] = v.OrganisationID
	}
	if orgs["zero-1"] == orgs["zero-2"] || orgs["nouveau"] != 0 {
		t.Errorf("organisations %v: want Lille and Marseille apart, and no annexe under the Régie", orgs)
	}
	lille, err := db.OrganisationByID(ctx, pool, orgs["zero-1"])
	if err != nil || lille.HostsWorkshops || lille.Siret != nil {
		t.Errorf("the organisation an import made: %+v, %v; want one hosting no workshops, without a SIRET", lille, err)
	}

	if _, err := pool.Exec(ctx, `UPDATE venues SET archived_at = now() WHERE open_data_id = 'zero-1'`); err != nil {
		t.Fatal(err)
	}
	report, err = Import(ctx, pool, CSV, []byte(header+"zero-1,00000000000000,Lieu de Lille rouvert,Lille,59000,1 rue,2024-05-02\n"))
	if err != nil || report.Skipped != 1 || report.Updated != 0 {
		t.Errorf("a venue archived here: %+v, %v; want it skipped", report, err)
	}

	report, err = Import(ctx, pool, CSV, []byte(header+
		"x,W931234567,Lieu,Stains,93240,1 rue,2024-04-02\n"+
		" x ,W931234567,Lieu bis,Stains,93240,1 rue,2024-04-02\n"+
		"y,W931234567,   ,Stains,93240,1 rue,2024-04-02\n"))
	if err != nil || len(report.Rejected) != 2 || report.Rejected[0].Row != 2 || report.Rejected[0].Field != "id" ||
		report.Rejected[1].Row != 3 || report.Rejected[1].Field != "nom" {
		t.Errorf("an id twice (but for spaces) and a blank name: %+v, %v", report, err)
	}
}
