package openinghours

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tokKind classifies a token. The lexer is deliberately coarse: it only
// groups characters (digits, letters, punctuation, quoted text) and leaves
// every decision about meaning and value ranges to the parser, which knows
// the context and can therefore produce the more useful error message.
type tokKind int

const (
	tEOF     tokKind = iota
	tBad             // a character outside the grammar; when present it is the last token
	tNum             // run of ASCII digits: day, week, year, nth...
	tTime            // digits ':' digits, e.g. "09:00"; field widths are checked by the parser
	tWord            // run of ASCII letters: Mo, Dec, week, off...
	tComment         // double-quoted text, quotes included
	tPunct           // one of - , ; : [ ] / +
	tOr              // "||", the fallback rule separator
)

// token is one lexeme; pos is its byte offset in the input, turned into a
// character position only when an error is reported.
type token struct {
	kind tokKind
	text string
	pos  int
	msg  string // why a tBad token is bad
}

// lex splits s into tokens ending with tEOF. On the first character that
// cannot start any token it instead ends with a tBad token: the parser
// reports it only if it gets that far, so the error shown is always the
// leftmost one.
func lex(s string) []token {
	var toks []token
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
			continue
		case isDigit(c):
			j := span(s, i, isDigit)
			kind := tNum
			// A time is lexed as one token so that "09:00" cannot be confused
			// with the wide-range ':' separator in "Dec 25: 10:00-12:00".
			if j+1 < len(s) && s[j] == ':' && isDigit(s[j+1]) {
				j = span(s, j+1, isDigit)
				kind = tTime
			}
			toks = append(toks, token{kind: kind, text: s[i:j], pos: i})
			i = j
		case isLetter(c):
			j := span(s, i, isLetter)
			toks = append(toks, token{kind: tWord, text: s[i:j], pos: i})
			i = j
		case c == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return append(toks, token{kind: tBad, pos: i, msg: `unterminated comment: missing closing '"'`})
			}
			toks = append(toks, token{kind: tComment, text: s[i : i+end+2], pos: i})
			i += end + 2
		case c == '|' && i+1 < len(s) && s[i+1] == '|':
			toks = append(toks, token{kind: tOr, text: "||", pos: i})
			i += 2
		case strings.IndexByte("-,;:[]/+", c) >= 0:
			toks = append(toks, token{kind: tPunct, text: s[i : i+1], pos: i})
			i++
		default:
			r, _ := utf8.DecodeRuneInString(s[i:])
			msg := fmt.Sprintf("unexpected character %q", r)
			switch r {
			case '–', '—', '‐', '‑', '−': // dashes pasted from word processors
				msg += ` (use the ASCII hyphen "-")`
			case '\u00a0', '\n', '\r':
				msg += " (only spaces and tabs may separate tokens)"
			}
			return append(toks, token{kind: tBad, pos: i, msg: msg})
		}
	}
	return append(toks, token{kind: tEOF, pos: len(s)})
}

func isDigit(c byte) bool  { return '0' <= c && c <= '9' }
func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// span returns the end of the run of bytes satisfying ok that starts at i.
func span(s string, i int, ok func(byte) bool) int {
	for i < len(s) && ok(s[i]) {
		i++
	}
	return i
}

// Vocabulary. Keywords are case-sensitive, as in the specification; a
// miscapitalised one gets a "did you mean" hint rather than silent acceptance.
var (
	weekdays   = map[string]bool{"Mo": true, "Tu": true, "We": true, "Th": true, "Fr": true, "Sa": true, "Su": true}
	modifiers  = map[string]bool{"open": true, "closed": true, "off": true, "unknown": true}
	monthIndex = map[string]int{"Jan": 1, "Feb": 2, "Mar": 3, "Apr": 4, "May": 5, "Jun": 6,
		"Jul": 7, "Aug": 8, "Sep": 9, "Oct": 10, "Nov": 11, "Dec": 12}
	// monthDays is indexed by month; Feb has 29 because dates recur yearly.
	monthDays = [13]int{0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}
	keywords  = []string{"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su", "PH", "SH",
		"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
		"week", "open", "closed", "off", "unknown"}
	// unsupported lists valid OSM words outside this package's subset, so the
	// error can say so instead of calling them unknown.
	unsupported = map[string]bool{"sunrise": true, "sunset": true, "dawn": true, "dusk": true,
		"easter": true, "day": true, "days": true}
)

func isPunct(t token, s string) bool { return t.kind == tPunct && t.text == s }
func isWeekday(t token) bool         { return t.kind == tWord && weekdays[t.text] }
func isHoliday(t token) bool         { return t.kind == tWord && (t.text == "PH" || t.text == "SH") }
func isWeekdayOrHoliday(t token) bool {
	return isWeekday(t) || isHoliday(t)
}
func isMonth(t token) bool { return t.kind == tWord && monthIndex[t.text] != 0 }

// isYear tells a year (2026) from a time written without colon (0900),
// which must reach the time parser to get a time-shaped error message.
func isYear(t token) bool { return t.kind == tNum && len(t.text) == 4 && t.text >= "1900" }

// parser is a recursive-descent parser over the token slice. Each method
// consumes one grammar production or panics with a *SyntaxError.
type parser struct {
	src  string
	toks []token
	i    int
}

func (p *parser) peek() token { return p.peekAt(0) }

// peekAt looks n tokens ahead, clamping to the last token (tEOF or tBad).
func (p *parser) peekAt(n int) token { return p.toks[min(p.i+n, len(p.toks)-1)] }

func (p *parser) next() token {
	t := p.peek()
	p.i = min(p.i+1, len(p.toks)-1)
	return t
}

func (p *parser) accept(punct string) bool {
	if isPunct(p.peek(), punct) {
		p.next()
		return true
	}
	return false
}

// fail stops parsing at t. A lexer error at t takes precedence, since the
// parser would have accepted nothing there anyway.
func (p *parser) fail(t token, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if t.kind == tBad {
		msg = t.msg
	}
	panic(&SyntaxError{Pos: utf8.RuneCountInString(p.src[:t.pos]) + 1, Msg: msg})
}

// expected fails with "expected <what>, got <t>", adding a hint for words
// that are miscapitalised keywords or valid OSM we deliberately do not support.
func (p *parser) expected(t token, what string) {
	if t.kind == tWord {
		lw := strings.ToLower(t.text)
		if unsupported[lw] {
			p.fail(t, "%q is valid OSM syntax but outside the subset this validator supports", t.text)
		}
		for _, k := range keywords {
			if strings.ToLower(k) == lw && k != t.text {
				p.fail(t, "expected %s, got %q (did you mean %q?)", what, t.text, k)
			}
		}
	}
	p.fail(t, "expected %s, got %s", what, p.describe(t))
}

// describe quotes what the user wrote at t. A word or number is widened to
// the whole run of characters up to the next blank or separator, so that
// "9h", "24/7" or "fermé" is shown whole rather than as the lexer's pieces.
func (p *parser) describe(t token) string {
	switch t.kind {
	case tEOF:
		return "end of input"
	case tComment:
		return "comment " + t.text
	case tPunct, tOr:
		return strconv.Quote(t.text)
	}
	end := t.pos
	for n, r := range p.src[t.pos:] {
		if n >= 20 || unicode.IsSpace(r) || strings.ContainsRune(`-,;[]+"|`, r) {
			break
		}
		end = t.pos + n + utf8.RuneLen(r)
	}
	return strconv.Quote(p.src[t.pos:end])
}

// number consumes t as an integer in [lo, hi], describing it as what.
func (p *parser) number(t token, what string, lo, hi int) int {
	if t.kind != tNum {
		p.expected(t, what)
	}
	n, err := strconv.Atoi(t.text)
	if err != nil || n < lo || n > hi {
		p.fail(t, "%s must be between %d and %d, got %q", what, lo, hi, t.text)
	}
	return n
}
