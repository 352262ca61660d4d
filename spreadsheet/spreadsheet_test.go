package spreadsheet

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"
)

// What a French spreadsheet user opens: BOM, `;`, decimal comma, Paris times, and text that
// never runs as a formula.
func TestCSVCells(t *testing.T) {
	var buf bytes.Buffer
	c, err := NewCSV(&buf)
	if err != nil {
		t.Fatal(err)
	}
	n, rate := 3, 0.6667
	var none *int
	winter := time.Date(2026, 1, 13, 13, 0, 0, 0, time.UTC)
	if err := c.Row("Awa; Diallo", &n, none, rate, &rate, true, winter, "=HYPERLINK(\"x\")", "+33612345678", "-2", "@SUM(A1)", "Émile"); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); err != nil {
		t.Fatal(err)
	}
	body, ok := bytes.CutPrefix(buf.Bytes(), []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Fatal("no byte order mark")
	}
	r := csv.NewReader(bytes.NewReader(body))
	r.Comma = ';'
	got, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Awa; Diallo", "3", "", "0,6667", "0,6667", "oui", "2026-01-13 14:00", "'=HYPERLINK(\"x\")",
		"'+33612345678", "'-2", "'@SUM(A1)", "Émile"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d: got %q, want %q", i, got[i], want[i])
		}
	}
}
