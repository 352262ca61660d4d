// Package spreadsheet writes tables for spreadsheet users: CSV as French spreadsheet software
// opens it (UTF-8 with a byte order mark, `;` between cells, a decimal comma), and XLSX
// workbooks through excelize's stream writer, with charts.
//
// Cells are nil (empty), int, *int (empty when nil), float64, *float64, string, *string,
// bool (oui / non) and time.Time (a Paris date and time, 2026-01-13 14:00).
package spreadsheet

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Table is a table being written, row by row.
type Table interface {
	Row(cells ...any) error
}

var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return l
}()

// CSV writes a table as CSV. Rows are buffered a few kilobytes at a time: Flush after a batch to
// send them on (the server's exports flush every few hundred rows).
type CSV struct {
	w *csv.Writer
}

// NewCSV starts a CSV table on w with its byte order mark, which tells spreadsheet software
// the text is UTF-8 (without it, accents come out garbled).
func NewCSV(w io.Writer) (*CSV, error) {
	if _, err := io.WriteString(w, "\uFEFF"); err != nil {
		return nil, err
	}
	c := csv.NewWriter(w)
	c.Comma = ';'
	c.UseCRLF = true // as spreadsheet software writes them
	return &CSV{w: c}, nil
}

// Row writes one row.
func (c *CSV) Row(cells ...any) error {
	record := make([]string, len(cells))
	for i, v := range cells {
		record[i] = csvText(v)
	}
	return c.w.Write(record)
}

// Flush sends the buffered rows to the writer.
func (c *CSV) Flush() error {
	c.w.Flush()
	return c.w.Error()
}

// csvText is a cell as CSV text: numbers with a decimal comma.
func csvText(v any) string {
	switch v := cell(v).(type) {
	case nil:
		return ""
	case int:
		return strconv.Itoa(v)
	case float64:
		return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", ",", 1)
	case string:
		return guard(v)
	case bool:
		if v {
			return "oui"
		}
		return "non"
	case time.Time:
		return v.In(paris).Format("2006-01-02 15:04")
	}
	panic(fmt.Sprintf("spreadsheet: a cell of type %T", v))
}

// cell resolves the pointers of a cell's value.
func cell(v any) any {
	switch v := v.(type) {
	case *int:
		if v == nil {
			return nil
		}
		return *v
	case *float64:
		if v == nil {
			return nil
		}
		return *v
	case *string:
		if v == nil {
			return nil
		}
		return *v
	case int64:
		return int(v)
	}
	return v
}

// guard keeps a text cell a text: spreadsheet software runs a cell that starts with = + - @ as a
// formula (CSV injection, OWASP), and names and free text come from the public. The leading
// apostrophe OWASP advises stays visible in the opened file ('+33612345678): the price of a
// file that runs nothing. A phone in E.164 form would otherwise be read as a number and lose
// its +.
func guard(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
