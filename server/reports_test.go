package main

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/thedatashed/xlsxreader"

	"github.com/regiestains/ateliers/db"
)

// The funder's report as a host and a network administrator read it: the GraphQL report, and
// the same figures as CSV and XLSX files, opened by independent readers (encoding/csv, and
// xlsxreader, which shares no code with the writer, excelize).

const reportFields = `registrations confirmed waitlisted cancelled attended absent excused unmarked walkIns
	slotsHeld slotsCancelled seatsOffered attendanceRate uniqueParticipants firstTimeParticipants`

type reportFigures struct {
	Registrations, Confirmed, Waitlisted, Cancelled, Attended, Absent, Excused, Unmarked, WalkIns int
	SlotsHeld, SlotsCancelled, SeatsOffered                                                       *int
	AttendanceRate                                                                                *float64
	UniqueParticipants, FirstTimeParticipants                                                     int
}

type reportRow struct {
	Key, Label string
	Figures    reportFigures
}

type reportAnswer struct {
	Report struct {
		Organisation                                          *struct{ ID string }
		From, To                                              string
		Totals                                                reportFigures
		ByWorkshop, ByTopic, ByMonth, ByVenue, ByOrganisation []reportRow
		ByAgeBracket, ByPostalCode, ByReferrer, ByOutcome     []reportRow
		DevicesGiven                                          struct{ Given int }
	}
}

const reportDoc = `query($from: Date!, $to: Date!, $org: ID) { report(from: $from, to: $to, organisationId: $org) {
	organisation { id } from to totals { ` + reportFields + ` } devicesGiven { given }
	byWorkshop { key label figures { ` + reportFields + ` } } byTopic { key label figures { ` + reportFields + ` } }
	byMonth { key label figures { ` + reportFields + ` } } byVenue { key label figures { ` + reportFields + ` } }
	byOrganisation { key label figures { ` + reportFields + ` } } byAgeBracket { key label figures { ` + reportFields + ` } }
	byPostalCode { key label figures { ` + reportFields + ` } } byReferrer { key label figures { ` + reportFields + ` } }
	byOutcome { key label figures { ` + reportFields + ` } } } }`

// reportHost is a host with two past slots in January and February 2026 and their people.
type reportHost struct {
	id, key, readOnly   string
	partner, partnerKey string // an organisation that referred the first person, and its key
	slots               []string
	regs                []string
}

func newReportHost(t *testing.T, a *testAPI, slug string) reportHost {
	t.Helper()
	h := reportHost{}
	h.id, h.key = a.org(slug, "CATALOGUE_WRITE", "REGISTRATIONS_WRITE", "REGISTRATIONS_READ", "ATTENDANCE_WRITE", "REPORTS_READ")
	h.readOnly = anotherKey(t, a, h.id, "REPORTS_READ")
	w, v := a.workshop(h.key, map[string]any{"topics": []string{"CV_AND_JOB_SEARCH", "EMAIL"}}), a.venue(h.key, nil)
	for i, when := range []string{"2026-01-13 14:00", "2026-02-10 14:00", "2026-02-20 14:00"} {
		s := a.slot(h.key, w, v, fmt.Sprintf("2032-06-0%dT14:00", i+1), map[string]any{"capacity": 3})
		h.slots = append(h.slots, s)
		for n := range 4 { // the fourth waits
			r := a.register(h.key, s, 100*i+n, map[string]any{"participant": map[string]any{"firstName": "Awa",
				"lastName": fmt.Sprintf("Diallo %d", n), "phone": fmt.Sprintf("+336%08d", 10000000+n),
				"postalCode": []string{"93240", "93380"}[n%2], "ageBracket": "UNDER_26", "consent": true, "consentVersion": "2026-11"}, "joinWaitlist": n == 3})
			if r.Registration == nil {
				t.Fatalf("register: %+v", r.UserErrors)
			}
			h.regs = append(h.regs, r.Registration.ID)
		}
		if i == 2 {
			slotCancel(t, a, h.key, s)
		}
		a.exec(`UPDATE slots SET starts_at = $2::timestamp AT TIME ZONE 'Europe/Paris',
			ends_at = $2::timestamp AT TIME ZONE 'Europe/Paris' + interval '2 hours',
			registration_closes_at = $2::timestamp AT TIME ZONE 'Europe/Paris' WHERE id = $1`, dbID(t, s), when)
	}
	// January: two present, one absent; February: one present (Diallo 0 again), one excused,
	// one unmarked; the third slot was cancelled.
	for i, att := range []string{"PRESENT", "PRESENT", "ABSENT", "", "PRESENT", "EXCUSED"} {
		if att != "" {
			a.exec(`UPDATE registrations SET attendance = $2, attendance_marked_at = now() WHERE id = $1`, dbID(t, h.regs[i]), att)
		}
	}
	// The first was referred by a partner and wrote her CV; a laptop was given in February.
	partner, partnerKey := a.org(slug+"-partner", "REGISTRATIONS_WRITE", "REPORTS_READ")
	h.partner, h.partnerKey = partner, partnerKey
	a.exec(`UPDATE registrations SET referring_org_id = $2, counsellor_name = 'Mme Benali', outcome = 'CV_WRITTEN',
		outcome_recorded_at = now() WHERE id = $1`, dbID(t, h.regs[0]), dbID(t, partner))
	a.exec(`WITH d AS (INSERT INTO devices (organisation_id, kind, donor, received_on, condition, status)
			VALUES ($1, 'LAPTOP', 'Ecodair', '2026-01-05', 'GOOD', 'GIVEN') RETURNING id),
		e AS (INSERT INTO equipment_requests (organisation_id, requested_by_org_id, first_name, phone, age_bracket, situation,
				has_computer, has_smartphone, has_internet, reason, consent_version, status, created_at)
			VALUES ($1, $1, 'Bakary', '+33639987001', 'UNDER_26', 'RESIDENT', false, true, false, 'Alternance', '2026-11', 'GIVEN', '2026-01-20')
			RETURNING id)
		INSERT INTO equipment_handovers (device_id, request_id, status, rules_version, rules, rank, score, reasons,
			proposed_at, given_at, given_by, acknowledgement)
		SELECT d.id, e.id, 'GIVEN', 0, '{}', 1, 10000, '[]', '2026-02-01', '2026-02-01', 'Samia', 'Signé' FROM d, e`, dbID(t, h.id))
	return h
}

// export fetches an export with key and returns its status and body.
func (a *testAPI) export(key, path string) (int, []byte, http.Header) {
	a.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		a.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatal(err)
	}
	return resp.StatusCode, body, resp.Header
}

// readCSV reads an export's CSV as a French spreadsheet would: BOM, then `;`.
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	rest, ok := bytes.CutPrefix(body, []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Fatalf("the CSV has no UTF-8 byte order mark: %q", body[:min(20, len(body))])
	}
	r := csv.NewReader(bytes.NewReader(rest))
	r.Comma = ';'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// readXLSX reads a sheet of an export's workbook with an independent reader.
func readXLSX(t *testing.T, body []byte, sheet string) [][]string {
	t.Helper()
	x, err := xlsxreader.NewReader(body)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for row := range x.ReadRows(sheet) {
		if row.Error != nil {
			t.Fatal(row.Error)
		}
		for len(rows) < row.Index-1 {
			rows = append(rows, nil)
		}
		cells := make([]string, 0, 19)
		for _, c := range row.Cells {
			for len(cells) < c.ColumnIndex() {
				cells = append(cells, "")
			}
			cells = append(cells, c.Value)
		}
		rows = append(rows, cells)
	}
	return rows
}

// figureLine is a report's row as the files must write it.
func figureLine(f reportFigures) []string {
	n := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	rate := ""
	if f.AttendanceRate != nil {
		rate = strconv.FormatFloat(*f.AttendanceRate, 'f', -1, 64)
	}
	return []string{n(f.SlotsHeld), n(f.SlotsCancelled), n(f.SeatsOffered), strconv.Itoa(f.Registrations),
		strconv.Itoa(f.Confirmed), strconv.Itoa(f.Waitlisted), strconv.Itoa(f.Cancelled), strconv.Itoa(f.Attended),
		strconv.Itoa(f.Absent), strconv.Itoa(f.Excused), strconv.Itoa(f.Unmarked), strconv.Itoa(f.WalkIns), rate,
		strconv.Itoa(f.UniqueParticipants), strconv.Itoa(f.FirstTimeParticipants)}
}

// wantLines is the report as lines of the files: rubric, key, label, figures (devices apart).
func wantLines(r reportAnswer) map[string][]string {
	lines := map[string][]string{"total|": append(append([]string{"total"}, figureLine(r.Report.Totals)...),
		strconv.Itoa(r.Report.DevicesGiven.Given))}
	for name, rows := range map[string][]reportRow{"atelier": r.Report.ByWorkshop, "thème": r.Report.ByTopic,
		"mois": r.Report.ByMonth, "lieu": r.Report.ByVenue, "structure": r.Report.ByOrganisation,
		"tranche d'âge": r.Report.ByAgeBracket, "code postal": r.Report.ByPostalCode,
		"orienté par": r.Report.ByReferrer, "suite donnée": r.Report.ByOutcome} {
		for _, row := range rows {
			lines[name+"|"+row.Key] = append(append([]string{row.Label}, figureLine(row.Figures)...), "")
		}
	}
	return lines
}

// gotLines reads the figure lines of a file's table, the rate read back with a point.
func gotLines(t *testing.T, rows [][]string) map[string][]string {
	t.Helper()
	if len(rows) == 0 || rows[0][0] != "rubrique" || len(rows[0]) != 19 {
		t.Fatalf("header %v", rows[:min(1, len(rows))])
	}
	lines := map[string][]string{}
	for _, r := range rows[1:] {
		if strings.HasPrefix(r[0], "appareils") {
			continue
		}
		for len(r) < 19 {
			r = append(r, "")
		}
		r[15] = strings.Replace(r[15], ",", ".", 1)
		lines[r[0]+"|"+r[1]] = r[2:19]
	}
	return lines
}

func TestReportFiguresAgreeInGraphQLCSVAndXLSX(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := newReportHost(t, a, "report-regie")
	var r reportAnswer
	a.query(h.readOnly, reportDoc, map[string]any{"from": "2026-01-01", "to": "2026-12-31"}, &r)
	tot := r.Report.Totals
	if *tot.SlotsHeld != 2 || *tot.SlotsCancelled != 1 || *tot.SeatsOffered != 6 || tot.Registrations != 8 ||
		tot.Confirmed != 6 || tot.Waitlisted != 2 || tot.Attended != 3 || tot.Absent != 1 || tot.Excused != 1 ||
		tot.Unmarked != 1 || tot.UniqueParticipants != 2 || tot.FirstTimeParticipants != 2 || *tot.AttendanceRate != 0.5 {
		t.Errorf("totals %+v", tot)
	}
	if r.Report.Organisation == nil || r.Report.Organisation.ID != h.id || r.Report.From != "2026-01-01" || r.Report.To != "2026-12-31" {
		t.Errorf("report of %+v from %s to %s", r.Report.Organisation, r.Report.From, r.Report.To)
	}
	if len(r.Report.ByMonth) != 2 || r.Report.ByMonth[0].Key != "2026-01" || r.Report.ByMonth[0].Figures.Attended != 2 {
		t.Errorf("by month %+v", r.Report.ByMonth)
	}
	if len(r.Report.ByReferrer) != 2 || len(r.Report.ByOutcome) != 2 || r.Report.DevicesGiven.Given != 1 {
		t.Errorf("referrers %+v, outcomes %+v, devices %d", r.Report.ByReferrer, r.Report.ByOutcome, r.Report.DevicesGiven.Given)
	}
	want := wantLines(r)

	status, body, header := a.export(h.readOnly, "/reports/figures.csv?from=2026-01-01&to=2026-12-31")
	csvBody := body
	if status != http.StatusOK || header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		header.Get("Content-Disposition") != `attachment; filename="rapport-2026-01-01-2026-12-31.csv"` {
		t.Fatalf("CSV: %d %v %s", status, header, body)
	}
	checkLines(t, "CSV", want, gotLines(t, readCSV(t, body)))

	status, body, _ = a.export(h.readOnly, "/reports/figures.xlsx?from=2026-01-01&to=2026-12-31")
	if status != http.StatusOK {
		t.Fatalf("XLSX: %d %s", status, body)
	}
	checkLines(t, "XLSX", want, gotLines(t, readXLSX(t, body, "Chiffres")))
	if got := devicesLines(readCSV(t, csvBody)); got != "appareils par type|LAPTOP|1;appareils par tranche d'âge|UNDER_26|1;appareils par situation|RESIDENT|1" {
		t.Errorf("the devices' lines: %s", got)
	}
	months := readXLSX(t, body, "Par mois")
	if len(months) != 3 || months[1][0] != "2026-01" || months[1][1] != "2" || months[2][0] != "2026-02" || months[2][1] != "1" {
		t.Errorf("sheet Par mois %v", months)
	}
	// The chart of attendance by month draws from that sheet.
	z, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	chart := ""
	for _, f := range z.File {
		if strings.HasPrefix(f.Name, "xl/charts/chart") {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			chart = string(b)
		}
	}
	if !strings.Contains(chart, "Par mois&#39;!$B$2:$B$3") || !strings.Contains(chart, "barChart") {
		t.Errorf("no column chart of the months in the workbook: %s", chart)
	}

	// Years later, every person's data anonymised: the same report, the same file.
	if _, err := db.Anonymise(t.Context(), a.Pool, time.Now().AddDate(3, 0, 0), db.DefaultRetention); err != nil {
		t.Fatal(err)
	}
	var later reportAnswer
	a.query(h.readOnly, reportDoc, map[string]any{"from": "2026-01-01", "to": "2026-12-31"}, &later)
	if !reflect.DeepEqual(later, r) {
		t.Errorf("the report changed with anonymisation:\n%+v\n%+v", r, later)
	}
	_, body, _ = a.export(h.readOnly, "/reports/figures.csv?from=2026-01-01&to=2026-12-31")
	checkLines(t, "CSV after anonymisation", want, gotLines(t, readCSV(t, body)))
}

// devicesLines are the devices' lines of a figures file: rubric|key|count;...
func devicesLines(rows [][]string) string {
	var out []string
	for _, r := range rows {
		if strings.HasPrefix(r[0], "appareils") {
			out = append(out, r[0]+"|"+r[1]+"|"+r[18])
		}
	}
	return strings.Join(out, ";")
}

func checkLines(t *testing.T, format string, want, got map[string][]string) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d lines, want %d (%v)", format, len(got), len(want), got)
	}
	for k, w := range want {
		if g := got[k]; strings.Join(g, ";") != strings.Join(w, ";") {
			t.Errorf("%s line %s:\n got %v\nwant %v", format, k, g, w)
		}
	}
}

func TestReportOfTheNetworkAndWhoMayReadIt(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := newReportHost(t, a, "report-a")
	other := newReportHost(t, a, "report-b")
	admin := a.adminKey()
	var r reportAnswer
	a.query(admin, reportDoc, map[string]any{"from": "2026-01-01", "to": "2026-12-31"}, &r)
	if r.Report.Organisation != nil || r.Report.Totals.Registrations != 16 || len(r.Report.ByOrganisation) != 2 {
		t.Errorf("network report: %+v", r.Report)
	}
	a.query(admin, reportDoc, map[string]any{"from": "2026-01-01", "to": "2026-12-31", "org": other.id}, &r)
	if r.Report.Organisation == nil || r.Report.Organisation.ID != other.id || r.Report.Totals.Registrations != 8 {
		t.Errorf("the administrator's report of one organisation: %+v", r.Report)
	}
	_, noReports := a.org("report-c", "REGISTRATIONS_READ")
	for _, c := range []struct {
		name, key string
		vars      map[string]any
		code      string
	}{
		{"anonymous", "", nil, "UNAUTHENTICATED"},
		{"without REPORTS_READ", noReports, nil, "FORBIDDEN"},
		{"another organisation's", h.key, map[string]any{"org": other.id}, "FORBIDDEN"},
		{"not an organisation id", admin, map[string]any{"org": h.slots[0]}, "BAD_USER_INPUT"},
		{"an organisation that does not exist", admin, map[string]any{"org": "T3JnYW5pc2F0aW9uOjk5OTk"}, "BAD_USER_INPUT"},
		{"to before from", h.key, map[string]any{"from": "2026-02-01", "to": "2026-01-31"}, "BAD_USER_INPUT"},
		{"over three years", h.key, map[string]any{"from": "2020-01-01", "to": "2026-12-31"}, "BAD_USER_INPUT"},
	} {
		vars := map[string]any{"from": "2026-01-01", "to": "2026-12-31"}
		for k, v := range c.vars {
			vars[k] = v
		}
		resp := a.post(c.key, reportDoc, vars)
		if len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != c.code {
			t.Errorf("%s: %+v, want %s", c.name, resp.Errors, c.code)
		}
	}
	// The exports refuse the same, as HTTP statuses.
	for _, c := range []struct {
		name, key, path string
		status          int
	}{
		{"anonymous", "", "/reports/figures.csv?from=2026-01-01&to=2026-12-31", 401},
		{"a wrong key", "ateliers_nope", "/reports/figures.csv?from=2026-01-01&to=2026-12-31", 401},
		{"without REPORTS_READ", noReports, "/reports/figures.xlsx?from=2026-01-01&to=2026-12-31", 403},
		{"another organisation's", h.key, "/reports/figures.csv?from=2026-01-01&to=2026-12-31&organisation=" + other.id, 403},
		{"no dates", h.key, "/reports/figures.csv", 400},
		{"a date in another form", h.key, "/reports/figures.csv?from=01/01/2026&to=2026-12-31", 400},
		{"an organisation that does not exist", admin, "/reports/figures.csv?from=2026-01-01&to=2026-12-31&organisation=T3JnYW5pc2F0aW9uOjk5OTk", 400},
		{"another format", h.key, "/reports/figures.pdf?from=2026-01-01&to=2026-12-31", 404},
		{"the lists without REGISTRATIONS_READ", h.readOnly, "/reports/registrations.csv?from=2026-01-01&to=2026-12-31", 403},
		{"the lists with an administrator key", admin, "/reports/registrations.csv?from=2026-01-01&to=2026-12-31", 403},
	} {
		if status, body, _ := a.export(c.key, c.path); status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, status, body, c.status)
		}
	}
}

func TestRegistrationsExportListsTheHostsSlotsAndRecordsTheRead(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := newReportHost(t, a, "report-lists")
	newReportHost(t, a, "report-elsewhere") // whose people must not appear
	// A slot without registrations is listed too, once.
	w, v := a.workshop(h.key, map[string]any{"title": "Scanner ses papiers"}), a.venue(h.key, nil)
	a.slot(h.key, w, v, "2026-12-30T10:00", nil)
	// One registration anonymised: listed, without its person.
	a.exec(`UPDATE registrations SET first_name = NULL, last_name = NULL, phone = NULL, email = NULL,
		anonymised_at = now(), token_hash = '\x00' WHERE id = $1`, dbID(t, h.regs[0]))

	status, body, header := a.export(h.key, "/reports/registrations.csv?from=2026-01-01&to=2026-12-31")
	if status != http.StatusOK || header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		header.Get("Content-Disposition") != `attachment; filename="inscriptions-2026-01-01-2026-12-31.csv"` ||
		header.Get("Cache-Control") != "no-store" {
		t.Fatalf("%d %v %s", status, header, body)
	}
	rows := readCSV(t, body)
	if len(rows) != 1+12+1 || rows[0][0] != "créneau" || len(rows[0]) != 21 {
		t.Fatalf("%d rows, want a header, 12 registrations and the empty slot: %v", len(rows), rows)
	}
	if got := rows[1]; got[6] != h.regs[0] || got[11] != "" || got[13] != "" || got[20] == "" {
		t.Errorf("the anonymised registration: %v", got)
	}
	// The phone stays text: a leading + would make a spreadsheet read a formula.
	if got := rows[2]; got[6] != h.regs[1] || got[1] != "2026-01-13 14:00" || got[8] != "CONFIRMED" ||
		got[9] != "PRESENT" || got[11] != "Awa" || got[13] != "'+33610000001" || got[16] != "UNDER_26" {
		t.Errorf("a registration: %v", got)
	}
	if got := rows[13]; got[4] != "Scanner ses papiers" || got[6] != "" {
		t.Errorf("the slot without registrations: %v", got)
	}
	for _, r := range rows {
		if strings.Contains(strings.Join(r, ";"), "report-elsewhere") {
			t.Errorf("another organisation's line: %v", r)
		}
	}
	var reads int
	var ids []int64
	if err := a.Pool.QueryRow(t.Context(), `SELECT count(*), max(registration_ids) FROM personal_data_reads
		WHERE operation = 'export registrations'`).Scan(&reads, &ids); err != nil {
		t.Fatal(err)
	}
	if reads != 1 || len(ids) != 11 {
		t.Errorf("%d reads of %d registrations recorded, want one of the 11 not anonymised", reads, len(ids))
	}

	status, body, header = a.export(h.key, "/reports/registrations.xlsx?from=2026-01-01&to=2026-12-31")
	if status != http.StatusOK || header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("%d %s", status, body)
	}
	sheet := readXLSX(t, body, "Inscriptions")
	if len(sheet) != 14 || sheet[2][11] != "Awa" || sheet[2][13] != "+33610000001" {
		t.Errorf("the workbook's list: %v", sheet[:min(3, len(sheet))])
	}
}

// A key's exports draw from a budget of their own: ten at once, then 429 with Retry-After.
func TestExportsHaveABudget(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	_, key := a.org("report-budget", "REPORTS_READ")
	for i := range 10 {
		if status, body, _ := a.export(key, "/reports/figures.csv?from=2026-01-01&to=2026-12-31"); status != http.StatusOK {
			t.Fatalf("export %d: %d %s", i+1, status, body)
		}
	}
	status, body, header := a.export(key, "/reports/figures.csv?from=2026-01-01&to=2026-12-31")
	if status != http.StatusTooManyRequests || header.Get("Retry-After") == "" {
		t.Errorf("the eleventh export: %d %s, Retry-After %q", status, body, header.Get("Retry-After"))
	}
	// Another key has its own budget.
	_, other := a.org("report-budget-2", "REPORTS_READ")
	if status, _, _ := a.export(other, "/reports/figures.csv?from=2026-01-01&to=2026-12-31"); status != http.StatusOK {
		t.Errorf("another key's export: %d", status)
	}
}

// The partner's own report: the one person it referred, what came of it; slots do not apply.
func TestReportOfAReferrerThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	h := newReportHost(t, a, "report-referrer")
	var r struct {
		Report struct {
			Organisation struct{ ID string }
			Referred     bool
			Totals       reportFigures
			ByOutcome    []reportRow
		}
	}
	a.query(h.partnerKey, `{ report(from: "2026-01-01", to: "2026-12-31", referred: true) { organisation { id } referred
		totals { `+reportFields+` } byOutcome { key label figures { `+reportFields+` } } } }`, nil, &r)
	if got := r.Report; got.Organisation.ID != h.partner || !got.Referred || got.Totals.Registrations != 1 ||
		got.Totals.Attended != 1 || got.Totals.SlotsHeld != nil || len(got.ByOutcome) != 1 || got.ByOutcome[0].Key != "CV_WRITTEN" {
		t.Errorf("the partner's report: %+v", got)
	}
	status, body, _ := a.export(h.partnerKey, "/reports/figures.csv?from=2026-01-01&to=2026-12-31&referred=true")
	rows := readCSV(t, body)
	if status != http.StatusOK || rows[1][0] != "total" || rows[1][3] != "" || rows[1][6] != "1" {
		t.Errorf("the partner's file: %d %v", status, rows[:min(2, len(rows))])
	}
	if status, body, _ := a.export(h.partnerKey, "/reports/figures.csv?from=2026-01-01&to=2026-12-31&referred=yes"); status != http.StatusBadRequest {
		t.Errorf("referred=yes: %d %s", status, body)
	}
	resp := a.post(a.adminKey(), `{ report(from: "2026-01-01", to: "2026-12-31", referred: true) { referred } }`, nil)
	if len(resp.Errors) == 0 || resp.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("an administrator's referrals of no one: %+v", resp.Errors)
	}
}
