package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/regiestains/ateliers/lmn"
	"github.com/regiestains/ateliers/tableschema"
)

// getOpenData fetches one of the open data files without a key, and checks it is served as
// its kind of file.
func getOpenData(t *testing.T, a *testAPI, ext string) string {
	t.Helper()
	res, err := patientClient.Get(a.URL + "/open-data/lieux-mediation-numerique." + ext)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	want := map[string]string{"json": "application/json", "csv": "text/csv"}[ext]
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), want) {
		t.Fatalf("GET .%s: %d %s\n%s", ext, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	return string(body)
}

// lexicalRecords reads a JSON export into records of lexical values, the form a CSV gives,
// after checking that every record is valid against the shipped schema, field by field.
func jsonRecords(t *testing.T, body string) []map[string]string {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(body))
	d.UseNumber()
	var records []map[string]any
	if err := d.Decode(&records); err != nil {
		t.Fatalf("the JSON export is not an array of objects: %v\n%s", err, body)
	}
	return checkRecords(t, "JSON", records)
}

// csvRecords reads a CSV export whose header must be the schema's field names in order.
func csvRecords(t *testing.T, body string) []map[string]string {
	t.Helper()
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) == 0 {
		t.Fatalf("the CSV export does not read: %v\n%s", err, body)
	}
	if got, want := rows[0], lmn.Schema.Names(); !slices.Equal(got, want) {
		t.Fatalf("CSV header %q, want the schema's fields in order %q", got, want)
	}
	var records []map[string]any
	for _, row := range rows[1:] {
		r := map[string]any{}
		for i, cell := range row {
			if cell != "" {
				r[rows[0][i]] = cell
			}
		}
		records = append(records, r)
	}
	return checkRecords(t, "CSV", records)
}

func checkRecords(t *testing.T, format string, records []map[string]any) []map[string]string {
	t.Helper()
	dups := lmn.Schema.Duplicates(records)
	out := make([]map[string]string, len(records))
	for i, r := range records {
		if problems := append(lmn.Schema.Check(r), dups[i]...); len(problems) > 0 {
			t.Errorf("%s record %d breaks the schema: %v", format, i+1, problems)
		}
		out[i] = map[string]string{}
		for k, v := range r {
			if s, _ := tableschema.Lexical(v); s != "" {
				out[i][k] = s
			}
		}
	}
	return out
}

const importDoc = `mutation($in: ImportVenuesInput!) { importVenues(input: $in) {
	report { applied created updated unchanged rejected { row recordId field reason } }
	userErrors { field code message } } }`

type importResult struct {
	ImportVenues struct {
		Report *struct {
			Applied                     bool
			Created, Updated, Unchanged int
			Rejected                    []struct {
				Row             int
				RecordID, Field *string
				Reason          string
			}
		}
		UserErrors []userError
	}
}

func importVenues(a *testAPI, key, format, content string) importResult {
	a.t.Helper()
	var out importResult
	a.query(key, importDoc, map[string]any{"in": map[string]any{"format": format, "content": content}}, &out)
	return out
}

// The open data of the venues, as a consumer reads it: public venues with a pivot, every
// record valid against the national schema, the JSON and the CSV alike; then imported into
// an empty database and exported again, the same records.
func TestOpenDataVenuesRoundTrip(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.org("regie-stains", "CATALOGUE_WRITE")
	a.venue(key, map[string]any{"name": "Espace numérique", "pivot": "EXEMPLE0000001", "openingHours": "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
		"inseeCode": "93072", "phone": "01 48 00 00 00", "email": "lieu@example.fr", "website": "https://example.fr/lieu",
		"summary": "Ateliers numériques, « démarches » ; CAF, \"France Travail\"", "services": []string{"JOB_INSERTION", "ADMINISTRATIVE_PROCEDURES"},
		"specificAudiences": []string{"SENIORS"}, "specificSupport": []string{"ENGLISH", "DEAFNESS"}, "fees": []string{"FREE"},
		"accessModes": []string{"WALK_IN"}, "supportModes": []string{"GROUP_WORKSHOP", "REMOTE"}, "mobility": []string{"FIXED", "ITINERANT"},
		"accesLibreUrl": "https://acceslibre.beta.gouv.fr/app/93-stains/a/lieu/erp/x/", "bookingUrl": "https://rdv.example.fr/"})
	a.venue(key, map[string]any{"name": "Salle sans coordonnées", "pivot": "W931234567", "latitude": nil, "longitude": nil})
	a.venue(key, map[string]any{"name": "Lieu sans pivot"}) // its organisation has no SIRET: not published
	archived := a.venue(key, map[string]any{"name": "Lieu fermé", "pivot": "EXEMPLE0000001"})
	a.query(key, `mutation($id: ID!) { archiveVenue(input: {id: $id}) { venue { id } } }`, map[string]any{"id": archived}, nil)

	fromJSON := jsonRecords(t, getOpenData(t, a, "json"))
	fromCSV := csvRecords(t, getOpenData(t, a, "csv"))
	if len(fromJSON) != 2 {
		t.Fatalf("%d records, want the 2 public venues with a pivot: %v", len(fromJSON), fromJSON)
	}
	if !slices.EqualFunc(fromJSON, fromCSV, mapsEqual) {
		t.Errorf("the JSON and the CSV differ:\n%v\n%v", fromJSON, fromCSV)
	}
	first := fromJSON[slices.IndexFunc(fromJSON, func(r map[string]string) bool { return r["nom"] == "Espace numérique" })]
	for field, want := range map[string]string{"services": "Aide aux démarches administratives|Insertion professionnelle via le numérique",
		"prise_en_charge_specifique": "Surdité|Langues étrangères (anglais)", "itinerance": "Itinérant|Fixe",
		"telephone": "+33148000000", "latitude": "48.9536", "horaires": "Mo-Fr 09:00-12:00,14:00-17:00; PH off",
		"source": "Org regie-stains", "pivot": "EXEMPLE0000001"} {
		if first[field] != want {
			t.Errorf("%s = %q, want %q", field, first[field], want)
		}
	}

	// Into an empty database, through the mutation, and out again.
	b := newTestAPI(t)
	admin := b.adminKey()
	export := getOpenData(t, a, "json")
	if r := importVenues(b, admin, "JSON", export); r.ImportVenues.Report == nil || !r.ImportVenues.Report.Applied || r.ImportVenues.Report.Created != 2 {
		t.Fatalf("import: %+v", r.ImportVenues)
	}
	if again := jsonRecords(t, getOpenData(t, b, "json")); !slices.EqualFunc(fromJSON, again, mapsEqual) {
		t.Errorf("exported again after the import:\n%v\nwant\n%v", again, fromJSON)
	}
	// The same file twice changes nothing; the CSV export reads back the same.
	r := importVenues(b, admin, "CSV", getOpenData(t, a, "csv")).ImportVenues.Report
	if r == nil || r.Unchanged != 2 || r.Created+r.Updated != 0 {
		t.Errorf("second import: %+v, want 2 unchanged", r)
	}
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// importVenues: network administrators only; a file with rejected records writes nothing and
// reports every one of them; a file that does not read is a userError.
func TestImportVenuesMutation(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.org("regie-stains", "CATALOGUE_WRITE")
	admin := a.adminKey()
	valid := "id,pivot,nom,commune,code_postal,adresse,date_maj\nlieu-1,43493312300029,Lieu,Stains,93240,1 rue Carnot,2024-04-02\n"

	for _, c := range []struct{ name, key, code string }{{"anonymous", "", "UNAUTHENTICATED"}, {"an organisation's key", key, "FORBIDDEN"}} {
		r := a.post(c.key, importDoc, map[string]any{"in": map[string]any{"format": "CSV", "content": valid}})
		if len(r.Errors) != 1 || r.Errors[0].Code() != c.code {
			t.Errorf("%s: errors %+v, want %s", c.name, r.Errors, c.code)
		}
	}

	bad := valid +
		"lieu-2,43493312300029,Lieu 2,Stains,9324,1 rue Carnot,2024-04-02\n" + // postal code of 4 digits
		"lieu-1,43493312300029,Lieu 3,Stains,93240,1 rue Carnot,02/04/2024\n" + // id twice, a French date
		"lieu-4,43493312300028,Lieu 4,Stains,93240,1 rue Carnot,2024-04-02\n" // a SIRET with a wrong check digit
	r := importVenues(a, admin, "CSV", bad).ImportVenues
	if r.Report == nil || r.Report.Applied || r.Report.Created != 0 || len(r.UserErrors) != 1 || r.UserErrors[0].Code != "INVALID" {
		t.Fatalf("a file with bad records: %+v", r)
	}
	var got []string
	for _, x := range r.Report.Rejected {
		got = append(got, fmt.Sprintf("%d %s %s", x.Row, deref(x.RecordID), deref(x.Field)))
	}
	want := []string{"2 lieu-2 code_postal", "3 lieu-1 date_maj", "3 lieu-1 id", "4 lieu-4 pivot"}
	if !slices.Equal(got, want) {
		t.Errorf("rejected %q, want %q", got, want)
	}
	if n := len(jsonRecords(t, getOpenData(t, a, "json"))); n != 0 {
		t.Errorf("%d venues published after a refused import, want none: nothing half-imported", n)
	}

	for _, c := range []struct{ name, format, content string }{
		{"a CSV with an unknown column", "CSV", "id,nom,horaire\n1,Lieu,Mo 09:00-12:00\n"},
		{"JSON that is not an array", "JSON", `{"id": "1"}`},
	} {
		r := importVenues(a, admin, c.format, c.content).ImportVenues
		if r.Report != nil || len(r.UserErrors) != 1 || r.UserErrors[0].Code != "INVALID" {
			t.Errorf("%s: %+v, want one INVALID userError", c.name, r)
		}
	}

	if r := importVenues(a, admin, "CSV", valid).ImportVenues; r.Report == nil || !r.Report.Applied || r.Report.Created != 1 {
		t.Errorf("a valid file: %+v", r)
	}
	var buf bytes.Buffer
	lmn.WriteCSV(&buf, nil)
	if strings.TrimSpace(buf.String()) != strings.Join(lmn.Schema.Names(), ",") {
		t.Errorf("an empty export is not the header alone: %q", buf.String())
	}
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
