package messages

import (
	"strings"
	"unicode/utf16"
)

// An SMS carries 140 bytes: 160 characters of the GSM 03.38 alphabet (7 bits each), or 70
// UTF-16 units when any character is outside it. A longer message is cut into segments of 153
// or 67 (the rest holds the header that joins them), each billed and sent apart, and the more
// segments, the likelier one arrives late or not at all: the templates aim at one.

// gsm7 is the GSM 03.38 default alphabet; gsm7Extended its extension table, whose characters
// take two septets (an escape, then the character).
const (
	gsm7 = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
		"¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsm7Extended = "^{}\\[~]|€\f"
)

// Encoding is how an SMS is encoded.
type Encoding string

// Encodings of an SMS.
const (
	GSM7 Encoding = "GSM-7"
	UCS2 Encoding = "UCS-2"
)

// Segments tells how an SMS of text is encoded and in how many segments it is sent.
func Segments(text string) (Encoding, int) {
	septets, ok := gsm7Septets(text)
	if ok {
		return GSM7, split(text, septets, 160, 153, func(r rune) int {
			if strings.ContainsRune(gsm7Extended, r) {
				return 2
			}
			return 1
		})
	}
	units := len(utf16.Encode([]rune(text)))
	return UCS2, split(text, units, 70, 67, func(r rune) int { return utf16.RuneLen(r) })
}

// gsm7Septets counts the septets of text, or reports that a character is not in GSM 03.38.
func gsm7Septets(text string) (int, bool) {
	n := 0
	for _, r := range text {
		switch {
		case r == '\x1b':
			return 0, false // the escape itself is not text
		case strings.ContainsRune(gsm7Extended, r):
			n += 2
		case strings.ContainsRune(gsm7, r):
			n++
		default:
			return 0, false
		}
	}
	return n, true
}

// split counts the segments of a text of total units: one if it fits single, else segments of
// at most multi units, never cutting a character (an escaped pair, a surrogate pair) in two.
func split(text string, total, single, multi int, size func(rune) int) int {
	if total <= single {
		return 1
	}
	segments, used := 1, 0
	for _, r := range text {
		n := size(r)
		if used+n > multi {
			segments++
			used = 0
		}
		used += n
	}
	return segments
}
