package graph

import (
	"fmt"
	"io"
	"net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Europe/Paris must resolve on machines without a zoneinfo database.

	"github.com/99designs/gqlgen/graphql"
	"github.com/nyaruka/phonenumbers"
)

// paris is the time zone of every wall-clock time the API reads or writes.
var paris = mustLoadLocation("Europe/Paris")

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// MarshalDateTime writes an instant as RFC 3339 in Europe/Paris.
func MarshalDateTime(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(t.In(paris).Format(time.RFC3339)))
	})
}

// UnmarshalDateTime reads an RFC 3339 instant; the offset is required, since a bare local
// time would be ambiguous (use LocalDateTime for Paris wall-clock input).
func UnmarshalDateTime(v any) (time.Time, error) {
	s, ok := v.(string)
	if !ok {
		return time.Time{}, errBadInput("DateTime must be a string like 2026-12-01T14:00:00+01:00")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil || t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, errBadInput("DateTime must be RFC 3339 with an offset, like 2026-12-01T14:00:00+01:00")
	}
	return t, nil
}

// MarshalDate writes a date (kept as midnight UTC) as 2026-12-01.
func MarshalDate(t time.Time) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		io.WriteString(w, strconv.Quote(t.Format(time.DateOnly)))
	})
}

// UnmarshalDate reads 2026-12-01 as midnight UTC, the way PostgreSQL's date comes back.
func UnmarshalDate(v any) (time.Time, error) {
	s, ok := v.(string)
	if ok {
		if t, err := time.Parse(time.DateOnly, s); err == nil && t.Year() >= 1900 && t.Year() <= 2200 {
			return t, nil
		}
	}
	return time.Time{}, errBadInput("Date must be a date like 2026-12-01, between the years 1900 and 2200")
}

// LocalDateTime is a Europe/Paris wall-clock date and time, as staff enter it.
type LocalDateTime struct {
	Year                      int
	Month                     time.Month
	Day, Hour, Minute, Second int
}

var localLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05"}

// UnmarshalGQL reads `2026-12-01T14:00` or `2026-12-01T14:00:00`.
func (l *LocalDateTime) UnmarshalGQL(v any) error {
	s, ok := v.(string)
	if ok {
		for _, layout := range localLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				*l = LocalDateTime{t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second()}
				return nil
			}
		}
	}
	return errBadInput("LocalDateTime must be a Europe/Paris wall-clock time like 2026-12-01T14:00, without offset")
}

// MarshalGQL writes the value as it is read.
func (l LocalDateTime) MarshalGQL(w io.Writer) {
	fmt.Fprintf(w, "%q", fmt.Sprintf("%04d-%02d-%02dT%02d:%02d:%02d", l.Year, l.Month, l.Day, l.Hour, l.Minute, l.Second))
}

// In returns the instant of the wall-clock time in Paris, days later (for weekly series).
// ok is false when that time does not exist: the hour skipped when clocks go forward. When it
// exists twice (the hour repeated in autumn) Go picks the first, summer-time one.
func (l LocalDateTime) In(days int) (t time.Time, ok bool) {
	t = time.Date(l.Year, l.Month, l.Day+days, l.Hour, l.Minute, l.Second, 0, paris)
	return t, t.Hour() == l.Hour && t.Minute() == l.Minute
}

// MarshalPhoneNumber writes a stored E.164 number.
func MarshalPhoneNumber(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalPhoneNumber accepts E.164 or a French national number and returns E.164.
func UnmarshalPhoneNumber(v any) (string, error) {
	s, ok := v.(string)
	if !ok || len(s) > 30 {
		return "", errBadInput("PhoneNumber must be a string like +33612345678 or 06 12 34 56 78")
	}
	return normalizePhone(s)
}

// phoneShape is what a person types for a phone number: ASCII digits with spaces, dots,
// dashes or parentheses, after an optional leading + (00 is digits already). libphonenumber
// alone reads far more: letters as keypad digits ("7731-phone" became +33773174663), an
// extension it drops ("ext 5"), tel: URIs and non-ASCII digits, so that a number the person
// never typed was stored.
var phoneShape = regexp.MustCompile(`^\+?[0-9 .()-]+$`)

// fictionNumbers is the range ARCEP reserves for fiction (06 39 98 00 00 to 06 39 98 99 99),
// which libphonenumber calls invalid: the sample data uses it, and must pass the API's rules.
const fictionNumbers = "+3363998"

var errInvalidPhone = errBadInput("PhoneNumber is not a valid number: use +33612345678 or 06 12 34 56 78")

// normalizePhone validates a phone number with libphonenumber's French rules and formats it
// in E.164.
func normalizePhone(s string) (string, error) {
	if !phoneShape.MatchString(s) {
		return "", errInvalidPhone
	}
	n, err := phonenumbers.Parse(s, "FR")
	if err != nil {
		return "", errInvalidPhone
	}
	e164 := phonenumbers.Format(n, phonenumbers.E164)
	if strings.HasPrefix(e164, fictionNumbers) && len(e164) == len("+33639980000") {
		return e164, nil
	}
	// E.164 holds 15 digits at most, and so does the CHECK of every phone column (7 to 15
	// digits), but libphonenumber accepts a few longer numbers (+49 20100000000000, 16 digits):
	// refused here, not by the database as an internal error.
	if digits := len(e164) - 1; !phonenumbers.IsValidNumber(n) || digits < 7 || digits > 15 {
		return "", errInvalidPhone
	}
	return e164, nil
}

// MarshalEmail writes an email address.
func MarshalEmail(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalEmail accepts a bare address (validEmail).
func UnmarshalEmail(v any) (string, error) {
	if s, ok := v.(string); ok && validEmail(s) {
		return s, nil
	}
	return "", errBadInput("Email must be an address like name@example.fr")
}

// validEmail accepts a bare address (no display name) of at most 254 characters whose domain
// has a dot: `a@b` is a valid address for net/mail, but no message would ever reach it.
func validEmail(s string) bool {
	if len(s) > 254 {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	domain := s[strings.LastIndexByte(s, '@')+1:]
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.HasPrefix(domain, "[") // an address literal, not a domain
}

// MarshalPostalCode writes a postal code.
func MarshalPostalCode(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalPostalCode accepts five digits.
func UnmarshalPostalCode(v any) (string, error) {
	s, ok := v.(string)
	if !ok || len(s) != 5 || strings.Trim(s, "0123456789") != "" {
		return "", errBadInput("PostalCode must be five digits, like 93240")
	}
	return s, nil
}

// MarshalURL writes a URL.
func MarshalURL(s string) graphql.Marshaler { return graphql.MarshalString(s) }

// UnmarshalURL accepts an absolute http(s) URL of at most 2,000 characters.
func UnmarshalURL(v any) (string, error) {
	s, ok := v.(string)
	if ok && len(s) <= 2000 {
		if u, err := url.Parse(s); err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" {
			return s, nil
		}
	}
	return "", errBadInput("URL must be an absolute https:// or http:// address")
}
