package lmn

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The standard's own valid example passes the checker, and reads into a venue the
// database's rules accept.
func TestStandardExampleIsValid(t *testing.T) {
	content, err := os.ReadFile("testdata/exemple-valide.csv")
	if err != nil {
		t.Fatal(err)
	}
	records, err := Decode(CSV, content)
	if err != nil || len(records) != 1 {
		t.Fatalf("Decode: %d records, %v", len(records), err)
	}
	if problems := Schema.Check(records[0]); len(problems) > 0 {
		t.Errorf("the standard's example breaks the schema: %v", problems)
	}
	if _, problems := records[0].venue(); len(problems) > 0 {
		t.Errorf("the standard's example breaks the database's rules: %v", problems)
	}
}

// Each vocabulary holds exactly the labels its field's pattern allows: a new version of the
// standard that changes a list fails here, not in a partner's import.
func TestVocabulariesMatchTheSchema(t *testing.T) {
	alternatives := regexp.MustCompile(`^\(\?:\(\?:\^\|\\\|\)\((.*)\)\)\+\$$`)
	check := func(field string, labels []string) {
		t.Helper()
		f := Schema.Fields[fieldIndex(field)]
		m := alternatives.FindStringSubmatch(f.Constraints.Pattern)
		if m == nil {
			t.Fatalf("%s: pattern %q is not a list of labels", field, f.Constraints.Pattern)
		}
		allowed := strings.Split(regexp.MustCompile(`\\(.)`).ReplaceAllString(m[1], "$1"), "|")
		if strings.Join(allowed, "\n") != strings.Join(labels, "\n") {
			t.Errorf("%s: vocabulary\n%q\nschema allows\n%q", field, labels, allowed)
		}
	}
	check("services", labelsOf(services))
	check("publics_specifiquement_adresses", labelsOf(audiences))
	check("prise_en_charge_specifique", labelsOf(supports))
	check("frais_a_charge", labelsOf(fees))
	check("modalites_acces", labelsOf(accessModes))
	check("modalites_accompagnement", labelsOf(supportModes))
	check("itinerance", labelsOf(mobilities))
}

func labelsOf[T ~string](voc vocabulary[T]) []string {
	var out []string
	for _, e := range voc {
		out = append(out, e.label)
	}
	return out
}

// The checker refuses what the standard refuses, field by field.
func TestCheckerRefuses(t *testing.T) {
	valid := func() Record {
		return Record{"id": "lieu-1", "pivot": "43493312300029", "nom": "Lieu", "commune": "Stains",
			"code_postal": "93240", "adresse": "1 rue Carnot", "date_maj": "2024-04-02"}
	}
	if p := Schema.Check(valid()); len(p) > 0 {
		t.Fatalf("a minimal record is refused: %v", p)
	}
	for _, c := range []struct {
		name, field string
		value       any
		want        string
	}{
		{"no id", "id", nil, "is required"},
		{"postal code of four digits", "code_postal", "9324", "does not match"},
		{"postal code as a JSON number", "code_postal", 93240.0, "must be a string"},
		{"INSEE code 20000", "code_insee", "20000", "does not match"},
		{"latitude in words", "latitude", "nord", "is not a number"},
		{"date in French order", "date_maj", "02/04/2024", "is not a date"},
		{"date that does not exist", "date_maj", "2024-02-30", "is not a date"},
		{"summary of 281 characters", "presentation_resume", strings.Repeat("é", 281), "at most 280"},
		{"unknown service", "services", "Cours de cuisine", "does not match"},
		{"services separated by semicolons", "services", "Loisirs et créations numériques;Jeunes", "does not match"},
		{"trailing separator", "services", "Loisirs et créations numériques|", "does not match"},
		{"phone in national form", "telephone", "0148000000", "does not match"},
		{"unknown field", "horaire", "Mo 09:00-12:00", "not a field"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := valid()
			r[c.field] = c.value
			got := Schema.Check(r)
			if len(got) != 1 || got[0].Field != c.field || !strings.Contains(got[0].Message, c.want) {
				t.Errorf("got %v, want one problem on %s containing %q", got, c.field, c.want)
			}
		})
	}
}
