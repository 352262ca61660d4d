package lmn

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/tableschema"
)

// MaxRecords is the most records a file may hold: ten times the venues of a département.
const MaxRecords = 10000

// Export is the network's published venues as records (db.OpenDataVenues, those with a pivot).
func Export(ctx context.Context, q db.Querier) ([]Record, error) {
	venues, err := db.OpenDataVenues(ctx, q)
	if err != nil {
		return nil, err
	}
	records := make([]Record, 0, len(venues))
	for _, v := range venues {
		if r, ok := FromVenue(v); ok {
			records = append(records, r)
		}
	}
	return records, nil
}

// WriteCSV writes records as the standard publishes its example: UTF-8 without a byte order
// mark, comma-separated, a header of the schema's field names in order, empty cells for absent
// values, lists joined by "|".
func WriteCSV(w io.Writer, records []Record) error {
	cw := csv.NewWriter(w)
	names := Schema.Names()
	cw.Write(names)
	row := make([]string, len(names))
	for _, r := range records {
		for i, name := range names {
			row[i], _ = tableschema.Lexical(r[name])
		}
		cw.Write(row)
	}
	cw.Flush()
	return cw.Error()
}

// WriteJSON writes records as a JSON array of objects whose keys are the schema's field names
// in order, absent values as null.
func WriteJSON(w io.Writer, records []Record) error {
	var b bytes.Buffer
	b.WriteString("[")
	for i, r := range records {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n{")
		for j, name := range Schema.Names() {
			if j > 0 {
				b.WriteString(",")
			}
			k, _ := json.Marshal(name)
			v, err := json.Marshal(r[name])
			if err != nil {
				return fmt.Errorf("write record %d: %w", i+1, err)
			}
			b.Write(k)
			b.WriteString(":")
			b.Write(v)
		}
		b.WriteString("}")
	}
	b.WriteString("\n]\n")
	_, err := w.Write(b.Bytes())
	return err
}

// Decode reads a file of records in format. A JSON file is an array of objects; a CSV file
// has a header of field names (any order, optional fields may be left out), separated by
// commas or semicolons, in UTF-8 with or without a byte order mark.
func Decode(format Format, content []byte) ([]Record, error) {
	records, err := decode(format, content)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnreadable, err)
	}
	return records, nil
}

// ErrUnreadable is a file that is not one of records: not UTF-8, not a JSON array of
// objects, not a CSV, a header naming an unknown field.
var ErrUnreadable = errors.New("the file cannot be read")

func decode(format Format, content []byte) ([]Record, error) {
	content = bytes.TrimPrefix(content, []byte("\uFEFF"))
	if !utf8.Valid(content) {
		return nil, errors.New("it is not in UTF-8")
	}
	if bytes.IndexByte(content, 0) >= 0 {
		return nil, errors.New("it contains NUL bytes")
	}
	var records []Record
	var err error
	switch format {
	case JSON:
		records, err = decodeJSON(content)
	case CSV:
		records, err = decodeCSV(content)
	default:
		return nil, fmt.Errorf("unknown format %q: JSON or CSV", format)
	}
	if err == nil && len(records) > MaxRecords {
		err = fmt.Errorf("it holds %d records, more than %d", len(records), MaxRecords)
	}
	return records, err
}

func decodeJSON(content []byte) ([]Record, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(content, &items); err != nil {
		return nil, errors.New("it is not a JSON array of objects")
	}
	records := make([]Record, len(items))
	for i, item := range items {
		d := json.NewDecoder(bytes.NewReader(item))
		d.UseNumber()
		if err := d.Decode(&records[i]); err != nil || records[i] == nil {
			return nil, fmt.Errorf("record %d is not a JSON object", i+1)
		}
	}
	return records, nil
}

func decodeCSV(content []byte) ([]Record, error) {
	header, _, _ := bytes.Cut(content, []byte("\n"))
	cr := csv.NewReader(bytes.NewReader(content))
	if bytes.Count(header, []byte(";")) > bytes.Count(header, []byte(",")) {
		cr.Comma = ';'
	}
	rows, err := cr.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("it is not a valid CSV: %w", err)
	}
	if len(rows) == 0 {
		return nil, errors.New("it is empty: a CSV needs a header of field names")
	}
	names := rows[0]
	for i, name := range names {
		names[i] = strings.TrimSpace(name)
		if !slices.Contains(Schema.Names(), names[i]) {
			return nil, fmt.Errorf("column %d of the header, %q, is not a field of the standard", i+1, names[i])
		}
		if slices.Contains(names[:i], names[i]) {
			return nil, fmt.Errorf("column %q appears twice in the header", names[i])
		}
	}
	records := make([]Record, 0, len(rows)-1)
	for _, row := range rows[1:] {
		r := Record{}
		for i, cell := range row {
			if cell != "" {
				r[names[i]] = cell
			}
		}
		records = append(records, r)
	}
	return records, nil
}
