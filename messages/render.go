// Package messages tells people about their registrations: what each message says (templates/,
// in plain short French), how an SMS is counted, and the jobs that send them.
package messages

import (
	"bytes"
	"embed"
	"fmt"
	"strings"
	"text/template"
	"time"
	_ "time/tzdata" // Europe/Paris on machines without a zoneinfo database

	"github.com/regiestains/ateliers/db"
)

// Kind is what a message tells (db.MessageKind, whose values the delivery log stores).
type Kind = db.MessageKind

// Kinds of messages, one per thing that happens to a registration.
const (
	Confirmation  = db.MessageConfirmation
	Waitlisted    = db.MessageWaitlisted
	Promoted      = db.MessagePromoted
	Reminder      = db.MessageReminder
	SlotMoved     = db.MessageSlotMoved
	SlotCancelled = db.MessageSlotCancelled
	Cancelled     = db.MessageCancelled
)

// Kinds lists every kind, for the tests that check each has its templates.
var Kinds = []Kind{Confirmation, Waitlisted, Promoted, Reminder, SlotMoved, SlotCancelled, Cancelled}

// Channel is how a message travels.
type Channel = db.MessageChannel

// Channels.
const (
	SMS   = db.ChannelOfSMS
	Email = db.ChannelOfEmail
)

// Content is what a message may say. Times are shown in Paris.
type Content struct {
	FirstName           string
	Workshop            string
	StartsAt            time.Time
	Venue               string
	Address             string // street, postal code and city
	AccessInstructions  string
	WhatToBring         []string
	Code                string // the confirmation code
	WaitlistPosition    int
	ManageURL           string // where the person sees or cancels their registration; empty if none
	Organisation        string // the host
	OrganisationContact string // its phone or email, for questions
	ByOrganisation      bool   // a cancellation made by an organisation, not the person
	Reason              string // why the host cancelled
}

// Text is a rendered message: Subject is empty for an SMS.
type Text struct {
	Subject string
	Body    string
}

//go:embed templates/*.txt
var templateFiles embed.FS

var paris = func() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err) // time/tzdata is linked in
	}
	return l
}()

var (
	weekdays = [...]string{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"}
	months   = [...]string{"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
		"septembre", "octobre", "novembre", "décembre"}
)

var funcs = template.FuncMap{
	// date is "mardi 8 décembre", in Paris.
	"date": func(t time.Time) string {
		t = t.In(paris)
		return fmt.Sprintf("%s %d %s", weekdays[t.Weekday()], t.Day(), months[t.Month()-1])
	},
	// clock is "14h" or "14h30", in Paris.
	"clock": func(t time.Time) string {
		t = t.In(paris)
		if t.Minute() == 0 {
			return fmt.Sprintf("%dh", t.Hour())
		}
		return fmt.Sprintf("%dh%02d", t.Hour(), t.Minute())
	},
	"join": strings.Join,
}

// templates holds one template per kind and channel, named "<kind>.<channel>.txt" in lower
// case; the email ones share details.email.txt.
var templates = func() map[string]*template.Template {
	shared := template.Must(template.New("").Funcs(funcs).ParseFS(templateFiles, "templates/details.email.txt"))
	out := map[string]*template.Template{}
	for _, k := range Kinds {
		for _, ch := range []Channel{SMS, Email} {
			name := templateName(k, ch)
			base := template.New(name).Funcs(funcs)
			if ch == Email {
				base = template.Must(shared.Clone())
			}
			out[name] = template.Must(base.ParseFS(templateFiles, "templates/"+name))
		}
	}
	return out
}()

func templateName(k Kind, ch Channel) string {
	return strings.ToLower(string(k)) + "." + strings.ToLower(string(ch)) + ".txt"
}

// Render writes the message of kind k for channel ch. An SMS is folded into the GSM alphabet
// (foldGSM) so that it is not sent in UCS-2, where a segment holds 70 characters, not 160. An
// email's first line is its subject.
func Render(k Kind, ch Channel, c Content) (Text, error) {
	t, ok := templates[templateName(k, ch)]
	if !ok {
		return Text{}, fmt.Errorf("no %s template for %s", ch, k)
	}
	var b bytes.Buffer
	if err := t.ExecuteTemplate(&b, templateName(k, ch), c); err != nil {
		return Text{}, fmt.Errorf("render %s %s: %w", k, ch, err)
	}
	out := strings.TrimSpace(b.String())
	if ch == SMS {
		return Text{Body: foldGSM(strings.Join(strings.Fields(out), " "))}, nil
	}
	subject, body, _ := strings.Cut(out, "\n")
	return Text{Subject: strings.TrimSpace(subject), Body: strings.TrimSpace(body) + "\n"}, nil
}

// gsmFolds replaces the characters of French text that the GSM alphabet lacks by their nearest
// letter: "Vous etes" reads well, and keeps 160 characters to a segment.
var gsmFolds = strings.NewReplacer(
	"â", "a", "ê", "e", "î", "i", "ô", "o", "û", "u", "ë", "e", "ï", "i", "ç", "c", "ÿ", "y",
	"À", "A", "Â", "A", "È", "E", "Ê", "E", "Ë", "E", "Î", "I", "Ï", "I", "Ô", "O", "Û", "U", "Ù", "U",
	"œ", "oe", "Œ", "OE", "’", "'", "‘", "'", "“", "\"", "”", "\"", "«", "\"", "»", "\"",
	"\u00a0", " ", "\u202f", " ", "–", "-", "—", "-", "…", "...",
)

func foldGSM(s string) string { return gsmFolds.Replace(s) }
