package graph

import (
	"testing"

	"github.com/regiestains/ateliers/db"
)

func TestSiretsAreLuhnChecked(t *testing.T) {
	for s, want := range map[string]bool{
		"73282932000074": true, // a published example SIRET
		"35600000000048": true, // La Poste's head office, Luhn-valid
		"35600000000010": true, // a La Poste establishment: digit sum a multiple of 5
		"35600000000011": false,
		"73282932000075": false, // last digit off by one
		"7328293200007":  false, // 13 digits
		"7328293200007A": false,
	} {
		if got := db.ValidSiret(s); got != want {
			t.Errorf("db.ValidSiret(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestProblemsCountCharactersNotBytes(t *testing.T) {
	var p problems
	p.text("name", "Régie", true, 5) // 5 characters, 6 bytes
	if len(p) != 0 {
		t.Errorf("got %v, want no problem", p)
	}
	p.text("name", "   ", true, 5)
	if len(p) != 1 || p[0].Code != UserErrorCodeRequired || p[0].Field[1] != "name" {
		t.Errorf("got %+v, want one REQUIRED on [input name]", p)
	}
}
