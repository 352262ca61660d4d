// Package openinghours validates OpenStreetMap opening_hours values.
//
// The grammar is the one of
// https://wiki.openstreetmap.org/wiki/Key:opening_hours/specification,
// restricted to the subset that venue data (such as the French "lieux de
// médiation numérique" schema) actually uses:
//
//   - rules separated by ";", "||" (fallback) or "," (additional rule);
//   - "24/7";
//   - years "2026", "2026-2027"; months and dates "Jan-Jun", "Jul,Aug",
//     "Dec 25", "Dec 24-26", "2026 Dec 24", "Dec 24-Jan 02";
//   - weeks "week 01-53", "week 1-20/2";
//   - weekdays "Mo", "Mo-Fr", "Mo,We,Fr", "Mo[1]", "Mo[-1]", "Su[1,3]",
//     and the holidays "PH" and "SH";
//   - time spans "09:00-12:00", "22:00-02:00", "09:00-24:00", "18:00+",
//     separated by ",";
//   - the modifiers "open", "closed", "off", "unknown" and a trailing
//     comment in double quotes.
//
// Keywords are case-sensitive as in the specification, tokens may be
// separated by spaces and tabs, and values are limited to MaxLen characters.
// Anything else (variable times such as "sunrise", holiday or weekday
// offsets, lone time points, empty rules, a trailing ";"...) is refused with
// an error that gives the character position and what was expected.
package openinghours

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxLen is the maximum length, in characters, of an accepted value.
const MaxLen = 1000

// SyntaxError describes why a value is not valid opening_hours syntax.
type SyntaxError struct {
	// Pos is the 1-based character (not byte) position of the offending
	// token, or 0 when the error concerns the value as a whole.
	Pos int
	// Msg says what is wrong, in English.
	Msg string
}

// Error formats the error as "opening_hours: at character N: message".
func (e *SyntaxError) Error() string {
	if e.Pos == 0 {
		return "opening_hours: " + e.Msg
	}
	return fmt.Sprintf("opening_hours: at character %d: %s", e.Pos, e.Msg)
}

// Validate reports whether s is a well-formed opening_hours value. It returns
// nil if it is, and otherwise a *SyntaxError whose message says where and
// what is wrong, e.g.
// `opening_hours: at character 7: expected a time like 09:00, got "9h"`.
func Validate(s string) (err error) {
	// Length is checked first and stops counting at MaxLen+1, so a huge
	// input costs O(MaxLen) rather than a full scan.
	n := 0
	for range s {
		if n++; n > MaxLen {
			return &SyntaxError{Msg: fmt.Sprintf("value is longer than the maximum of %d characters", MaxLen)}
		}
	}
	switch {
	case !utf8.ValidString(s):
		return &SyntaxError{Msg: "value is not valid UTF-8"}
	case strings.Trim(s, " \t") == "":
		return &SyntaxError{Msg: "empty value"}
	}
	// The descent functions bail out by panicking with a *SyntaxError, which
	// keeps them free of error plumbing; any other panic is a bug and is
	// re-raised so that tests and fuzzing see it.
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*SyntaxError)
			if !ok {
				panic(r)
			}
			err = se
		}
	}()
	p := &parser{src: s, toks: lex(s)}
	p.domain()
	return nil
}

// domain parses rule {separator rule} end-of-input.
func (p *parser) domain() {
	for {
		p.rule()
		switch t := p.peek(); {
		case t.kind == tEOF:
			return
		case t.kind == tOr || isPunct(t, ";") || isPunct(t, ","):
			p.next()
			if p.peek().kind == tEOF {
				p.fail(p.peek(), "expected a rule after %q, got end of input", t.text)
			}
		default:
			p.expected(t, `";" between rules`)
		}
	}
}

// rule parses ("24/7" | wide-range small-range) [modifier] [comment]; at
// least one part must be present.
func (p *parser) rule() {
	start := p.i
	if t := p.peek(); t.kind == tNum && t.text == "24" && isPunct(p.peekAt(1), "/") {
		p.next()
		p.next()
		if t := p.next(); t.kind != tNum || t.text != "7" {
			p.expected(t, `"24/7"`)
		}
	} else {
		p.wideRange()
		p.smallRange()
	}
	if t := p.peek(); t.kind == tWord && modifiers[t.text] {
		p.next()
	}
	if p.peek().kind == tComment {
		p.next()
	}
	if p.i == start {
		p.expected(p.peek(), "a rule such as Mo-Fr 09:00-18:00")
	}
}

// wideRange parses [years] [months/dates] [weeks] [':'].
func (p *parser) wideRange() {
	found := false
	if isYear(p.peek()) && !isMonth(p.peekAt(1)) {
		found = true
		p.list(p.yearRange, func(t token) bool { return isYear(t) })
	}
	if isMonth(p.peek()) || isYear(p.peek()) {
		found = true
		p.list(p.monthdayRange, func(t token) bool { return isMonth(t) || isYear(t) })
	}
	if t := p.peek(); t.kind == tWord && t.text == "week" {
		found = true
		p.next()
		p.list(p.weekRange, func(t token) bool { return t.kind == tNum })
	}
	if found {
		p.accept(":")
	}
}

// smallRange parses [weekdays] [times].
func (p *parser) smallRange() {
	if isWeekdayOrHoliday(p.peek()) {
		onlyHolidays := true
		item := func() {
			if t := p.next(); !isHoliday(t) {
				onlyHolidays = false
				p.weekdayRange(t)
			}
		}
		p.list(item, func(t token) bool { return t.kind == tWord && !isMonth(t) && t.text != "week" })
		// "SH Mo-Fr" restricts school holidays to weekdays.
		if onlyHolidays && isWeekday(p.peek()) {
			p.list(func() { p.weekdayRange(p.next()) }, func(t token) bool { return t.kind == tWord })
		}
	}
	if t := p.peek(); t.kind == tTime || t.kind == tNum {
		p.list(p.timespan, func(t token) bool { return t.kind == tTime || t.kind == tNum && len(t.text) != 4 })
	}
}

// list parses item {',' item}. A ',' is taken as a list separator only when
// more(token after it) holds; otherwise it is left for domain, which reads it
// as the additional-rule separator ("Mo 10:00-12:00, We 14:00-16:00").
func (p *parser) list(item func(), more func(token) bool) {
	for {
		item()
		if !isPunct(p.peek(), ",") || !more(p.peekAt(1)) {
			return
		}
		p.next()
	}
}

// yearRange parses YYYY ['-' YYYY].
func (p *parser) yearRange() {
	from := p.number(p.next(), "a year", 1900, 9999)
	if p.accept("-") {
		t := p.peek()
		if to := p.number(p.next(), "a year", 1900, 9999); to < from {
			p.fail(t, "year range %d-%d goes backwards", from, to)
		}
	}
}

// monthdayRange parses a month range "Jan-Jun" or a date range
// "[YYYY] Mon DD [- ([YYYY] Mon DD | DD)]".
func (p *parser) monthdayRange() {
	month, day := p.date(false)
	if !p.accept("-") {
		return
	}
	if day == 0 {
		if t := p.next(); !isMonth(t) {
			p.expected(t, "a month (Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)")
		}
		return
	}
	if t := p.peek(); t.kind == tNum && len(t.text) <= 2 {
		p.number(p.next(), "a day of the month", 1, monthDays[month])
		return
	}
	p.date(true)
}

// date parses [YYYY] Mon [DD] and returns the month index and day (0 if
// absent). The day is checked against the month's length (Feb 29 allowed).
func (p *parser) date(needDay bool) (month, day int) {
	if isYear(p.peek()) {
		p.number(p.next(), "a year", 1900, 9999)
	}
	t := p.next()
	if !isMonth(t) {
		p.expected(t, "a month (Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec)")
	}
	month = monthIndex[t.text]
	if t := p.peek(); t.kind == tNum && len(t.text) <= 2 || needDay {
		day = p.number(p.next(), "a day of the month", 1, monthDays[month])
	}
	return month, day
}

// weekRange parses WW ['-' WW ['/' N]].
func (p *parser) weekRange() {
	p.number(p.next(), "a week number", 1, 53)
	if p.accept("-") {
		p.number(p.next(), "a week number", 1, 53)
		if p.accept("/") {
			p.number(p.next(), "a week interval", 1, 53)
		}
	}
}

// weekdayRange parses the rest of Mo ['-' Fr | '[' nth {',' nth} ']'],
// given the already consumed first token.
func (p *parser) weekdayRange(t token) {
	const what = "a weekday (Mo Tu We Th Fr Sa Su)"
	if !isWeekday(t) {
		p.expected(t, what+" or PH, SH")
	}
	if p.accept("-") {
		if t := p.next(); !isWeekday(t) {
			p.expected(t, what)
		}
		return
	}
	if !p.accept("[") {
		return
	}
	p.list(func() {
		if p.accept("-") { // counted from the end of the month: Mo[-1]
			p.number(p.next(), "a week of the month 1-5", 1, 5)
			return
		}
		p.number(p.next(), "a week of the month 1-5", 1, 5)
		if p.accept("-") {
			p.number(p.next(), "a week of the month 1-5", 1, 5)
		}
	}, func(token) bool { return true })
	if t := p.next(); !isPunct(t, "]") {
		p.expected(t, `"]"`)
	}
}

// timespan parses HH:MM '+' | HH:MM '-' HH:MM ['+']. A lone time point is
// refused: in venue data it is nearly always a truncated span.
func (p *parser) timespan() {
	start := p.clock(false)
	if p.accept("+") {
		return
	}
	if t := p.next(); !isPunct(t, "-") {
		p.expected(t, fmt.Sprintf(`"-" after %s (a span like 09:00-12:00)`, start))
	}
	p.clock(true)
	p.accept("+")
}

// clock parses HH:MM with minutes 00-59 and hours 00-23, or up to 24:00 for
// the end of a span. An end before the start (22:00-02:00) means past
// midnight and is fine.
func (p *parser) clock(end bool) string {
	t := p.next()
	h, m, _ := strings.Cut(t.text, ":")
	if t.kind != tTime || len(h) != 2 || len(m) != 2 {
		p.expected(t, "a time like 09:00")
	}
	hh, _ := strconv.Atoi(h)
	mm, _ := strconv.Atoi(m)
	switch {
	case mm > 59:
		p.fail(t, "minutes must be 00-59, got %q", t.text)
	case end && (hh > 24 || hh == 24 && mm > 0):
		p.fail(t, "end hour must be 00-24 (24:00 at most), got %q", t.text)
	case !end && hh > 23:
		p.fail(t, "start hour must be 00-23, got %q", t.text)
	}
	return t.text
}
