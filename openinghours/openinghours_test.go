package openinghours

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

var validCases = []string{
	// Real French venue data (lieux de médiation numérique, data.inclusion).
	"Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off",
	`Mo-Fr 09:00-12:30,13:30-17:00; Sa 09:00-12:00 "sur rendez-vous"; PH off`,
	"Tu,Th 14:00-17:00",
	"Mo 09:00-12:00; We[2] 14:00-16:00",
	`Mo-Fr 09:00-12:00 || "sur rendez-vous"`,
	`"sur rendez-vous"`,
	"Mo-Fr 09:00-12:00, Sa 10:00-12:00",
	// Whitespace tolerance.
	"  Mo-Fr   09:00 - 12:00 ;Sa 10:00-12:00\t",
	"Mo,We,Fr 10:00-12:00",
	// 24/7 and modifiers.
	"24/7",
	"24/7 closed",
	`24/7 "accueil téléphonique"`,
	"off",
	"Mo-Su open; PH unknown",
	"Sa,Su closed",
	// Weekdays: ranges, wrap-around, nth, holidays.
	"Fr-Mo 10:00-18:00",
	"Mo[1] 09:00-12:00",
	"Mo[-1] 09:00-12:00",
	"Su[1,3] 10:00-12:00",
	"Sa[1-2] 10:00-12:00",
	"PH,Su off",
	"SH Mo-Fr 10:00-12:00",
	"Mo-Fr",
	// Times: 24:00 end, past midnight, open end.
	"Fr 22:00-02:00",
	"Mo-Fr 08:00-24:00",
	"Sa 18:00+",
	"Sa 18:00-20:00+",
	"00:00-24:00",
	// Months, dates, years, weeks.
	"Jan-Jun Mo-Fr 09:00-17:00; Jul,Aug off",
	"Dec 24-26 off",
	"Dec 25 off",
	"Dec 24-Jan 02 off",
	"2026 Dec 24 09:00-12:00",
	"2026-2027 Mo-Fr 09:00-12:00",
	"Feb 29 off",
	"Dec 25: 10:00-12:00",
	"week 01-53 Mo 10:00-12:00",
	"week 1-20/2 Mo 10:00-12:00",
	"week 02,04 We 14:00-16:00",
}

var invalidCases = []struct {
	in, want string // want is the full error message
}{
	{"", "opening_hours: empty value"},
	{"   ", "opening_hours: empty value"},
	{"Mo-Fr 9h-12h", `opening_hours: at character 7: expected a time like 09:00, got "9h"`},
	{"9h-12h", `opening_hours: at character 1: expected a time like 09:00, got "9h"`},
	{"Mo-Fr 9:00-12:00", `opening_hours: at character 7: expected a time like 09:00, got "9:00"`},
	{"Mo-Fr 0900-1200", `opening_hours: at character 7: expected a time like 09:00, got "0900"`},
	{"Mo-Fr 25:00-26:00", `opening_hours: at character 7: start hour must be 00-23, got "25:00"`},
	{"Mo-Fr 09:00-26:00", `opening_hours: at character 13: end hour must be 00-24 (24:00 at most), got "26:00"`},
	{"Mo-Fr 09:00-24:30", `opening_hours: at character 13: end hour must be 00-24 (24:00 at most), got "24:30"`},
	{"Mo-Fr 09:60-10:00", `opening_hours: at character 7: minutes must be 00-59, got "09:60"`},
	{"Mo 10:00", `opening_hours: at character 9: expected "-" after 10:00 (a span like 09:00-12:00), got end of input`},
	{"Lu-Ve 09:00-12:00", `opening_hours: at character 1: expected a rule such as Mo-Fr 09:00-18:00, got "Lu"`},
	{"Mo-Fx 09:00-12:00", `opening_hours: at character 4: expected a weekday (Mo Tu We Th Fr Sa Su), got "Fx"`},
	{"Mo,Xx 09:00-12:00", `opening_hours: at character 4: expected a weekday (Mo Tu We Th Fr Sa Su) or PH, SH, got "Xx"`},
	{"mo-fr 09:00-12:00", `opening_hours: at character 1: expected a rule such as Mo-Fr 09:00-18:00, got "mo" (did you mean "Mo"?)`},
	{"Mo[6] 09:00-12:00", `opening_hours: at character 4: a week of the month 1-5 must be between 1 and 5, got "6"`},
	{"Mo[1 09:00-12:00", `opening_hours: at character 6: expected "]", got "09:00"`},
	{`Mo 09:00-12:00 "sur rendez-vous`, `opening_hours: at character 16: unterminated comment: missing closing '"'`},
	{"Mo–Fr 09:00-12:00", `opening_hours: at character 3: unexpected character '–' (use the ASCII hyphen "-")`},
	{"Mo-Fr 09:00-12:00;", `opening_hours: at character 19: expected a rule after ";", got end of input`},
	{"Mo-Fr 09:00-12:00;; Sa off", `opening_hours: at character 19: expected a rule such as Mo-Fr 09:00-18:00, got ";"`},
	{"Mo-Fr 09:00-12:00 Sa 10:00-12:00", `opening_hours: at character 19: expected ";" between rules, got "Sa"`},
	{"Mo-Fr 09:00-12:00 fermé", `opening_hours: at character 19: expected ";" between rules, got "fermé"`},
	{"Mo-Fr 24/7", `opening_hours: at character 7: expected a time like 09:00, got "24/7"`},
	{"24/8", `opening_hours: at character 4: expected "24/7", got "8"`},
	{"Sa sunrise-sunset", `opening_hours: at character 4: "sunrise" is valid OSM syntax but outside the subset this validator supports`},
	{"Feb 30 off", `opening_hours: at character 5: a day of the month must be between 1 and 29, got "30"`},
	{"Dec 24-32 off", `opening_hours: at character 8: a day of the month must be between 1 and 31, got "32"`},
	{"Jan-Foo off", `opening_hours: at character 5: expected a month (Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec), got "Foo"`},
	{"2027-2026 off", `opening_hours: at character 6: year range 2027-2026 goes backwards`},
	{"week 54 off", `opening_hours: at character 6: a week number must be between 1 and 53, got "54"`},
	{"Mo-Fr 09:00-12:00 | Sa off", `opening_hours: at character 19: unexpected character '|'`},
	{"Mo-Fr\n09:00-12:00", `opening_hours: at character 6: unexpected character '\n' (only spaces and tabs may separate tokens)`},
	{"Mo-Fr 09:00-12:00 & Sa", `opening_hours: at character 19: unexpected character '&'`},
	{"\xff", "opening_hours: value is not valid UTF-8"},
	{strings.Repeat("Mo 09:00-12:00;", 67), "opening_hours: value is longer than the maximum of 1000 characters"},
}

func TestValidateAccepts(t *testing.T) {
	for _, in := range validCases {
		if err := Validate(in); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", in, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	for _, c := range invalidCases {
		err := Validate(c.in)
		if err == nil {
			t.Errorf("Validate(%q) = nil, want %q", c.in, c.want)
			continue
		}
		if got := err.Error(); got != c.want {
			t.Errorf("Validate(%q)\n got %s\nwant %s", c.in, got, c.want)
		}
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Validate(%q) error is %T, want *SyntaxError", c.in, err)
		}
	}
}

// TestPositionCountsCharacters checks that positions count characters, not
// bytes, after a comment containing accented letters.
func TestPositionCountsCharacters(t *testing.T) {
	err := Validate(`"été" 9h`)
	var se *SyntaxError
	if !errors.As(err, &se) {
		t.Fatalf("got %v, want a *SyntaxError", err)
	}
	if se.Pos != 7 {
		t.Errorf("got position %d, want 7 (error %v)", se.Pos, err)
	}
}

func TestMaxLen(t *testing.T) {
	// Exactly MaxLen characters is accepted: 1000 = 5 + 995-character comment.
	s := `Mo "` + strings.Repeat("é", MaxLen-5) + `"`
	if n := utf8.RuneCountInString(s); n != MaxLen {
		t.Fatalf("test setup: got %d characters, want %d", n, MaxLen)
	}
	if err := Validate(s); err != nil {
		t.Errorf("Validate(%d characters) = %v, want nil", MaxLen, err)
	}
	if err := Validate(s + " "); err == nil {
		t.Errorf("Validate(%d characters) = nil, want an error", MaxLen+1)
	}
}

func FuzzValidate(f *testing.F) {
	for _, s := range validCases {
		f.Add(s)
	}
	for _, c := range invalidCases {
		f.Add(c.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := Validate(s) // must not panic
		if err != nil {
			if !strings.HasPrefix(err.Error(), "opening_hours: ") {
				t.Errorf("Validate(%q) error %q lacks the opening_hours: prefix", s, err)
			}
			var se *SyntaxError
			if !errors.As(err, &se) || se.Pos < 0 || se.Pos > len(s)+1 {
				t.Errorf("Validate(%q) error %#v: want a *SyntaxError with position in range", s, err)
			}
			return
		}
		if err := Validate(strings.TrimSpace(s)); err != nil {
			t.Errorf("Validate(%q) = nil but Validate(TrimSpace) = %v, want nil", s, err)
		}
		if len(s)+2 <= MaxLen {
			if err := Validate(" " + s + "\t"); err != nil {
				t.Errorf("Validate(%q) = nil but with surrounding blanks = %v, want nil", s, err)
			}
		}
	})
}

func ExampleValidate() {
	fmt.Println(Validate("Mo-Fr 09:00-12:00,14:00-17:30; Sa 09:00-12:00; PH off"))
	fmt.Println(Validate("Mo-Fr 9h-12h"))
	// Output:
	// <nil>
	// opening_hours: at character 7: expected a time like 09:00, got "9h"
}
