package messages

import (
	"strings"
	"testing"
)

func TestSegments(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		encoding Encoding
		segments int
	}{
		{"empty", "", GSM7, 1},
		{"160 plain characters fit one", strings.Repeat("a", 160), GSM7, 1},
		{"161 take two of 153", strings.Repeat("a", 161), GSM7, 2},
		{"306 fill two", strings.Repeat("a", 306), GSM7, 2},
		{"307 take three", strings.Repeat("a", 307), GSM7, 3},
		{"French accents of the alphabet", "Atelier à 14h, café offert : é è ù ì ò à É Ç", GSM7, 1},
		{"the euro counts twice", strings.Repeat("€", 80), GSM7, 1},
		{"81 euros do not fit", strings.Repeat("€", 81), GSM7, 2},
		{"an escaped pair is never cut", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 10), GSM7, 2},
		{"an escaped pair at the edge moves", strings.Repeat("a", 152) + "€" + strings.Repeat("a", 152), GSM7, 3},
		{"a lower-case ç is not in the alphabet", "Reçu", UCS2, 1},
		{"ê needs UCS-2", strings.Repeat("ê", 70), UCS2, 1},
		{"71 UCS-2 units take two of 67", strings.Repeat("ê", 71), UCS2, 2},
		{"a typographic apostrophe needs UCS-2", "l’atelier", UCS2, 1},
		{"an emoji is two units", strings.Repeat("😀", 35), UCS2, 1},
		{"a surrogate pair is never cut", strings.Repeat("a", 66) + "😀" + strings.Repeat("a", 10), UCS2, 2},
		{"the escape character alone is not text", "\x1b", UCS2, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, n := Segments(tt.text)
			if enc != tt.encoding || n != tt.segments {
				t.Errorf("Segments(%q) = %s, %d; want %s, %d", tt.text, enc, n, tt.encoding, tt.segments)
			}
		})
	}
}
