package spreadsheet

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"
)

// Workbook is an XLSX workbook written sheet by sheet. excelize, the maintained Go library for
// the format, streams each sheet's rows to a temporary file past 16 MB, so a large export does
// not sit in memory; the workbook is zipped to the writer at the end (the format needs the
// whole of each part before the archive's directory).
type Workbook struct {
	f      *excelize.File
	sheets int
}

// NewWorkbook starts an empty workbook. Close it when done, to remove its temporary files.
func NewWorkbook() *Workbook {
	return &Workbook{f: excelize.NewFile()}
}

// Sheet is a worksheet being written, row by row.
type Sheet struct {
	w    *excelize.StreamWriter
	name string
	rows int
}

// Sheet adds a worksheet named name (at most 31 characters) and returns it to write. Write a
// sheet's rows and Flush it before the next.
func (b *Workbook) Sheet(name string) (*Sheet, error) {
	if b.sheets == 0 {
		if err := b.f.SetSheetName("Sheet1", name); err != nil {
			return nil, err
		}
	} else if _, err := b.f.NewSheet(name); err != nil {
		return nil, err
	}
	b.sheets++
	w, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	return &Sheet{w: w, name: name}, nil
}

// Row writes the next row.
func (s *Sheet) Row(cells ...any) error {
	s.rows++
	values := make([]any, len(cells))
	for i, v := range cells {
		switch v := cell(v).(type) {
		case string:
			values[i] = v // a text cell is never a formula in XLSX
		case bool:
			values[i] = csvText(v)
		case time.Time:
			values[i] = csvText(v)
		default:
			values[i] = v
		}
	}
	ref, err := excelize.CoordinatesToCellName(1, s.rows)
	if err != nil {
		return err
	}
	return s.w.SetRow(ref, values)
}

// Rows is how many rows were written.
func (s *Sheet) Rows() int { return s.rows }

// Flush ends the sheet.
func (s *Sheet) Flush() error { return s.w.Flush() }

// ColumnChart draws a column chart on sheet s (flushed) beside its table: one series, the
// values of column valueCol (B, C...) against the categories of column categoryCol, from row
// 2 to the last; the series is named by row 1's cell.
func (b *Workbook) ColumnChart(s *Sheet, title, categoryCol, valueCol, at string) error {
	if s.rows < 2 {
		return nil // no data to draw
	}
	return b.f.AddChart(s.name, at, &excelize.Chart{
		Type: excelize.Col,
		Series: []excelize.ChartSeries{{
			Name:       fmt.Sprintf("'%s'!$%s$1", s.name, valueCol),
			Categories: fmt.Sprintf("'%s'!$%s$2:$%s$%d", s.name, categoryCol, categoryCol, s.rows),
			Values:     fmt.Sprintf("'%s'!$%s$2:$%s$%d", s.name, valueCol, valueCol, s.rows),
		}},
		Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: title}}},
		Legend: excelize.ChartLegend{Position: "none"},
	})
}

// WriteTo writes the workbook to w.
func (b *Workbook) WriteTo(w io.Writer) (int64, error) { return b.f.WriteTo(w) }

// Close removes the workbook's temporary files.
func (b *Workbook) Close() error { return b.f.Close() }
