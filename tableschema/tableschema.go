// Package tableschema checks records against a Frictionless Table Schema
// (https://specs.frictionlessdata.io/table-schema/), the form in which French national data
// standards (schema.data.gouv.fr) are published.
//
// It reads what those standards use: the field types string, number, integer, boolean, date,
// array and list, and the constraints required, unique, pattern, enum, minLength, maxLength,
// minimum and maximum. A value is either a CSV cell (a string in the field's lexical form) or
// a value decoded from JSON (string, json.Number or float64, bool, []any); nil and "" are
// missing values. No maintained Go library implements Table Schema (frictionless-go stopped
// in 2020, before the v1 specification), and this is what the standards need, readably.
package tableschema

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Schema is a Table Schema: its fields in order.
type Schema struct {
	Name    string  `json:"name"`
	Version string  `json:"version"`
	Fields  []Field `json:"fields"`
}

// Field is one column of a Table Schema.
type Field struct {
	Name        string      `json:"name"`
	Type        string      `json:"type"`
	Format      string      `json:"format"`
	Delimiter   string      `json:"delimiter"` // of a list; "," when empty
	Constraints Constraints `json:"constraints"`
	pattern     *regexp.Regexp
}

// Constraints restrict a field's values.
type Constraints struct {
	Required  bool   `json:"required"`
	Unique    bool   `json:"unique"`
	Pattern   string `json:"pattern"`
	Enum      []any  `json:"enum"`
	MinLength *int   `json:"minLength"`
	MaxLength *int   `json:"maxLength"`
	Minimum   any    `json:"minimum"`
	Maximum   any    `json:"maximum"`
}

// Parse reads a Table Schema in JSON and compiles its patterns. A pattern matches the whole
// value, as the specification says (XML Schema regular expressions are anchored).
func Parse(data []byte) (*Schema, error) {
	var s Schema
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("read table schema: %w", err)
	}
	for i, f := range s.Fields {
		switch f.Type {
		case "string", "number", "integer", "boolean", "date", "array", "list":
		default:
			return nil, fmt.Errorf("field %s: type %q is not supported", f.Name, f.Type)
		}
		if f.Constraints.Pattern != "" {
			re, err := regexp.Compile(`^(?:` + f.Constraints.Pattern + `)$`)
			if err != nil {
				return nil, fmt.Errorf("field %s: pattern: %w", f.Name, err)
			}
			s.Fields[i].pattern = re
		}
	}
	return &s, nil
}

// Names are the fields' names in order: a CSV's header.
func (s *Schema) Names() []string {
	names := make([]string, len(s.Fields))
	for i, f := range s.Fields {
		names[i] = f.Name
	}
	return names
}

// Problem is a value that breaks the schema.
type Problem struct {
	Field   string
	Message string
}

func (p Problem) Error() string { return p.Field + ": " + p.Message }

// Check checks one record, a value per field name, and returns its problems in field order.
// A name the schema does not have is a problem too.
func (s *Schema) Check(record map[string]any) []Problem {
	var problems []Problem
	known := make(map[string]bool, len(s.Fields))
	for _, f := range s.Fields {
		known[f.Name] = true
		if err := f.Check(record[f.Name]); err != nil {
			problems = append(problems, Problem{f.Name, err.Error()})
		}
	}
	for name := range record {
		if !known[name] {
			problems = append(problems, Problem{name, "is not a field of the schema"})
		}
	}
	return problems
}

// Duplicates returns, for each record, the problems of its unique fields whose value an
// earlier record already had.
func (s *Schema) Duplicates(records []map[string]any) [][]Problem {
	out := make([][]Problem, len(records))
	for _, f := range s.Fields {
		if !f.Constraints.Unique {
			continue
		}
		seen := map[string]int{}
		for i, r := range records {
			v, ok := Lexical(r[f.Name])
			if !ok || v == "" {
				continue
			}
			if first, dup := seen[v]; dup {
				out[i] = append(out[i], Problem{f.Name, fmt.Sprintf("must be unique: record %d has it too", first+1)})
				continue
			}
			seen[v] = i
		}
	}
	return out
}

// Check checks one value of the field.
func (f Field) Check(v any) error {
	lex, ok := Lexical(v)
	if !ok {
		return fmt.Errorf("must be a %s, not a JSON %T", f.Type, v)
	}
	if v == nil || lex == "" {
		if f.Constraints.Required {
			return fmt.Errorf("is required")
		}
		return nil
	}
	length, err := f.checkType(v, lex)
	if err != nil {
		return err
	}
	c := f.Constraints
	if f.pattern != nil && !f.pattern.MatchString(lex) {
		return fmt.Errorf("%q does not match the pattern %s", lex, c.Pattern)
	}
	if len(c.Enum) > 0 && !inEnum(c.Enum, lex) {
		return fmt.Errorf("%q is not one of the allowed values", lex)
	}
	if c.MinLength != nil && length < *c.MinLength {
		return fmt.Errorf("must have at least %d characters or items", *c.MinLength)
	}
	if c.MaxLength != nil && length > *c.MaxLength {
		return fmt.Errorf("must have at most %d characters or items, has %d", *c.MaxLength, length)
	}
	return f.checkRange(lex)
}

// checkType checks that v is of the field's type, and returns its length for
// minLength/maxLength: characters of a string, items of an array or a list.
func (f Field) checkType(v any, lex string) (int, error) {
	_, isString := v.(string)
	switch f.Type {
	case "string":
		if !isString {
			return 0, fmt.Errorf("must be a string")
		}
		return utf8.RuneCountInString(lex), nil
	case "number":
		if _, err := parseNumber(lex); err != nil {
			return 0, fmt.Errorf("%q is not a number", lex)
		}
	case "integer":
		if _, err := strconv.ParseInt(lex, 10, 64); err != nil {
			return 0, fmt.Errorf("%q is not an integer", lex)
		}
	case "boolean":
		if lex != "true" && lex != "false" {
			return 0, fmt.Errorf("%q is not a boolean (true or false)", lex)
		}
	case "date":
		if !isString {
			return 0, fmt.Errorf("must be a date as a string, YYYY-MM-DD")
		}
		if _, err := time.Parse(time.DateOnly, lex); err != nil {
			return 0, fmt.Errorf("%q is not a date YYYY-MM-DD", lex)
		}
	case "array":
		var items []any
		if err := json.Unmarshal([]byte(lex), &items); err != nil {
			return 0, fmt.Errorf("must be a JSON array")
		}
		return len(items), nil
	case "list":
		if !isString {
			return 0, fmt.Errorf("must be a list as a string")
		}
		return len(strings.Split(lex, f.delimiter())), nil
	}
	return 0, nil
}

func (f Field) delimiter() string {
	if f.Delimiter == "" {
		return ","
	}
	return f.Delimiter
}

// checkRange checks minimum and maximum of numbers, integers and dates.
func (f Field) checkRange(lex string) error {
	for _, bound := range []struct {
		limit any
		below bool
	}{{f.Constraints.Minimum, true}, {f.Constraints.Maximum, false}} {
		if bound.limit == nil {
			continue
		}
		limit := fmt.Sprint(bound.limit)
		var cmp int
		switch f.Type {
		case "number", "integer":
			a, _ := parseNumber(lex)
			b, err := parseNumber(limit)
			if err != nil {
				return fmt.Errorf("the schema's bound %q is not a number", limit)
			}
			cmp = compare(a, b)
		case "date":
			cmp = strings.Compare(lex, limit) // YYYY-MM-DD sorts as text
		default:
			continue
		}
		if bound.below && cmp < 0 {
			return fmt.Errorf("must be at least %s", limit)
		}
		if !bound.below && cmp > 0 {
			return fmt.Errorf("must be at most %s", limit)
		}
	}
	return nil
}

func compare(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// parseNumber reads a number's lexical form: a decimal, without NaN or infinities.
func parseNumber(s string) (float64, error) {
	n, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.ContainsAny(s, "nNiIxX_") { // NaN, Inf, hexadecimal, underscores
		return 0, fmt.Errorf("not a number")
	}
	return n, nil
}

func inEnum(enum []any, lex string) bool {
	for _, e := range enum {
		if s, ok := Lexical(e); ok && s == lex {
			return true
		}
	}
	return false
}

// Lexical is a value's lexical form, as a CSV cell holds it: ok is false for a JSON value of
// no Table Schema type (an object).
func Lexical(v any) (string, bool) {
	switch v := v.(type) {
	case nil:
		return "", true
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64), true
	case int:
		return strconv.Itoa(v), true
	case bool:
		return strconv.FormatBool(v), true
	case []any:
		b, err := json.Marshal(v)
		return string(b), err == nil
	}
	return "", false
}
