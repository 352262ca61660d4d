package graph

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/language"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/openinghours"
)

// problems collects the userErrors of one mutation's input. A mutation checks everything it
// can before writing, so that a client fixes all its mistakes in one round trip.
type problems []UserError

// add records a problem with the input field named by field, a dotted path for nested inputs
// (`equipment.computers`), or "" when no single field is at fault.
func (p *problems) add(code UserErrorCode, field, format string, args ...any) {
	var path []string
	if field != "" {
		path = append([]string{"input"}, strings.Split(field, ".")...)
	}
	*p = append(*p, UserError{Field: path, Message: fmt.Sprintf(format, args...), Code: code})
}

// text checks a free text: required means not blank; max counts characters, not bytes;
// control characters (but tabs and line breaks) have no place in the catalogue or a name.
func (p *problems) text(field, value string, required bool, max int) {
	switch {
	case checkText(value) != nil: // refused at coercion already (coerce.go); kept for inputs built in Go
		p.add(UserErrorCodeInvalid, field, "%s must not contain control characters", field)
	case required && strings.TrimSpace(value) == "":
		p.add(UserErrorCodeRequired, field, "%s must not be blank", field)
	case utf8.RuneCountInString(value) > max:
		p.add(UserErrorCodeTooLong, field, "%s must be at most %d characters", field, max)
	}
}

// optText is text for optional fields stored as NULL when absent.
func (p *problems) optText(field string, value *string, max int) {
	if value != nil {
		p.text(field, *value, false, max)
	}
}

// list checks the number of items of a list and the length of each.
func (p *problems) list(field string, values []string, minItems, maxItems, maxLen int) {
	if len(values) < minItems {
		p.add(UserErrorCodeRequired, field, "%s needs at least %d item(s)", field, minItems)
	}
	if len(values) > maxItems {
		p.add(UserErrorCodeTooLong, field, "%s has at most %d items", field, maxItems)
	}
	for _, v := range values {
		if strings.TrimSpace(v) == "" || utf8.RuneCountInString(v) > maxLen {
			p.add(UserErrorCodeInvalid, field, "each item of %s must be 1 to %d characters", field, maxLen)
			return
		}
	}
}

// intRange checks min <= v <= max.
func (p *problems) intRange(field string, v, min, max int) {
	if v < min || v > max {
		p.add(UserErrorCodeInvalid, field, "%s must be between %d and %d", field, min, max)
	}
}

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func (p *problems) slug(field, s string) {
	if len(s) < 2 || len(s) > 60 || !slugPattern.MatchString(s) {
		p.add(UserErrorCodeInvalid, field, "%s must be 2 to 60 lowercase letters, digits and single dashes, like regie-quartier-stains", field)
	}
}

// siret normalises a SIRET (spaces removed) and checks it: 14 digits whose Luhn sum is a
// multiple of 10. La Poste's establishments (SIREN 356000000) may follow another rule
// instead: the sum of their digits is a multiple of 5.
func (p *problems) siret(field string, s *string) *string {
	if s == nil {
		return nil
	}
	n := strings.ReplaceAll(*s, " ", "")
	if n == "" {
		return nil
	}
	if !db.ValidSiret(n) {
		p.add(UserErrorCodeInvalid, field, "%s must be 14 digits with a valid check digit (Luhn)", field)
	}
	return &n
}

var inseePattern = regexp.MustCompile(`^([0-9]{2}|2A|2B)[0-9]{3}$`)

func (p *problems) insee(field string, s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	if !inseePattern.MatchString(*s) {
		p.add(UserErrorCodeInvalid, field, "%s must be a 5-character INSEE commune code, like 93072", field)
	}
	return s
}

// coordinates checks a point: both or neither, within range.
func (p *problems) coordinates(lat, lon *float64) {
	if (lat == nil) != (lon == nil) {
		p.add(UserErrorCodeInvalid, "latitude", "give both latitude and longitude, or neither")
		return
	}
	if lat != nil && (*lat < -90 || *lat > 90 || *lon < -180 || *lon > 180) {
		p.add(UserErrorCodeInvalid, "latitude", "latitude must be between -90 and 90 and longitude between -180 and 180")
	}
}

func (p *problems) openingHours(field string, s *string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	if err := openinghours.Validate(*s); err != nil {
		p.add(UserErrorCodeInvalid, field, "%s: %v", field, err)
	}
	return s
}

// languages checks and canonicalises BCP 47 tags (`fr`, `ar`, `en-GB`).
func (p *problems) languages(field string, tags []string) []string {
	if len(tags) > 10 {
		p.add(UserErrorCodeTooLong, field, "%s has at most 10 items", field)
		return nil
	}
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		tag, err := language.Parse(t)
		if err != nil || len(t) > 35 {
			p.add(UserErrorCodeInvalid, field, "%s must hold BCP 47 language tags like fr or ar", field)
			return nil
		}
		out = append(out, tag.String())
	}
	return out
}

// nonEmpty returns nil for a blank optional text: an empty string clears the field.
func nonEmpty(s *string) *string {
	if s == nil || strings.TrimSpace(*s) == "" {
		return nil
	}
	t := strings.TrimSpace(*s)
	return &t
}

// errInvalid abandons a database update whose input has problems; the problems say why.
var errInvalid = errors.New("invalid input")

// err returns errInvalid when there are problems, for change functions of db updates.
func (p problems) err() error {
	if len(p) > 0 {
		return errInvalid
	}
	return nil
}

// errs returns the problems as the userErrors of a payload: never null, as the schema says.
func (p problems) errs() []UserError {
	if p == nil {
		return []UserError{}
	}
	return p
}

func deref[T any](v *T) T {
	var zero T
	if v == nil {
		return zero
	}
	return *v
}

// or returns *v, or def when the client sent nothing or an explicit null: a field with a
// default in the schema may still arrive as null.
func or[T any](v *T, def T) T {
	if v == nil {
		return def
	}
	if s, ok := any(*v).([]string); ok && s == nil {
		return def
	}
	return *v
}

// set copies an optional input value over a field when the client sent one.
func set[T any](field *T, v *T) {
	if v != nil {
		*field = *v
	}
}
