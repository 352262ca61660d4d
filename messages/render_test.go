package messages

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "write the golden files from the templates")

// typical is a registration as the Régie's are.
var typical = Content{
	FirstName:           "Awa",
	Workshop:            "Faire son CV",
	StartsAt:            time.Date(2026, 12, 8, 13, 0, 0, 0, time.UTC), // 14h in Paris
	Venue:               "Régie de Quartier",
	Address:             "12 rue Carnot, 93240 Stains",
	AccessInstructions:  "Sonner à l'interphone « Régie », 1er étage.",
	WhatToBring:         []string{"pièce d'identité", "identifiant France Travail"},
	Code:                "K7P-4QX",
	WaitlistPosition:    2,
	ManageURL:           "https://ateliers.example.fr/r/Zx8vQ2mN4pL6tR0w",
	Organisation:        "Régie de Quartier de Stains",
	OrganisationContact: "01 48 21 00 00",
	Reason:              "la formatrice est malade",
}

// longest is as long as real data gets: the longest titles, venues and addresses of the
// network's catalogue, a name with letters outside the GSM alphabet, a long reason.
var longest = Content{
	FirstName:        "Marie-Françoise",
	Workshop:         "Les Bons Clics : créer son espace France Travail et actualiser sa situation",
	StartsAt:         time.Date(2026, 3, 29, 7, 30, 0, 0, time.UTC), // the day clocks go forward
	Venue:            "Médiathèque Louis-Aragon, espace numérique",
	Address:          "1 place François-Mitterrand, 93240 Stains",
	WhatToBring:      []string{"pièce d'identité", "identifiant et mot de passe France Travail", "téléphone portable"},
	Code:             "K7P-4QX",
	WaitlistPosition: 12,
	ManageURL:        "https://ateliers.regiedequartier-stains.fr/r/Zx8vQ2mN4pL6tR0wYb3s",
	Organisation:     "Régie de Quartier de Stains",
	ByOrganisation:   true,
	Reason:           "la salle est fermée pour travaux, nous vous proposerons une autre date",
}

func TestEveryKindRendersAsItsGoldenFile(t *testing.T) {
	for _, k := range Kinds {
		for _, ch := range []Channel{SMS, Email} {
			name := templateName(k, ch)
			t.Run(name, func(t *testing.T) {
				text, err := Render(k, ch, typical)
				if err != nil {
					t.Fatal(err)
				}
				got := text.Body
				if ch == Email {
					got = "Subject: " + text.Subject + "\n\n" + text.Body
				}
				golden := filepath.Join("testdata", name)
				if *update {
					if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatalf("%v (go test ./messages -update writes it)", err)
				}
				if got != string(want) {
					t.Errorf("%s changed:\n%s\nwant:\n%s\n(go test ./messages -update if on purpose)", name, got, want)
				}
			})
		}
	}
}

// Every message names the workshop, and its date and time, so that a person registered on
// several workshops knows which one it is about.
func TestEveryMessageNamesTheWorkshopAndItsTime(t *testing.T) {
	for _, k := range Kinds {
		for _, ch := range []Channel{SMS, Email} {
			text, err := Render(k, ch, typical)
			if err != nil {
				t.Fatal(err)
			}
			all := text.Subject + text.Body
			for _, want := range []string{"Faire son CV", "mardi 8 decembre"[:8], "14h"} {
				if !strings.Contains(foldGSM(all), foldGSM(want)) {
					t.Errorf("%s %s does not say %q:\n%s", k, ch, want, all)
				}
			}
		}
	}
}

// An SMS fits one segment where it can: every kind with typical data but the ones carrying a
// link and an address, and none over three with the longest data.
func TestSMSLengths(t *testing.T) {
	typicalMost := map[Kind]int{Confirmation: 2, Waitlisted: 2, Promoted: 2, Reminder: 2, SlotMoved: 2, SlotCancelled: 1, Cancelled: 1}
	for _, k := range Kinds {
		for _, c := range []struct {
			name    string
			content Content
			most    int
		}{{"typical", typical, typicalMost[k]}, {"longest", longest, 3}} {
			text, err := Render(k, SMS, c.content)
			if err != nil {
				t.Fatal(err)
			}
			enc, n := Segments(text.Body)
			t.Logf("%s %s: %d characters, %s, %d segment(s)", k, c.name, len([]rune(text.Body)), enc, n)
			if enc != GSM7 {
				t.Errorf("%s %s is sent in %s (70 characters a segment): %q", k, c.name, enc, text.Body)
			}
			if n > c.most {
				t.Errorf("%s %s takes %d segments, want at most %d: %q", k, c.name, n, c.most, text.Body)
			}
		}
	}
}

func TestDatesAreInParisAndInFrench(t *testing.T) {
	summer := typical
	summer.StartsAt = time.Date(2026, 7, 14, 7, 30, 0, 0, time.UTC)
	text, err := Render(Reminder, Email, summer)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text.Subject, "mardi 14 juillet à 9h30") {
		t.Errorf("subject %q: want mardi 14 juillet à 9h30 (UTC+2 in summer)", text.Subject)
	}
}
