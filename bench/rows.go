package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// The COPY sources of the plan: one row at a time, so 5,000,000 registrations never sit in
// memory. Each reuses its row slice: pgx encodes a row before asking for the next.

var organisationColumns = []string{"name", "slug", "kind", "description", "email", "hosts_workshops", "refers_people"}

func (p *plan) organisationRows() pgx.CopyFromSource {
	r := rng(p.seed, 11)
	partnerKinds := []string{"FRANCE_TRAVAIL", "CCAS", "ASSOCIATION", "CAF", "MAIRIE"}
	hostKinds := []string{"ASSOCIATION", "ASSOCIATION", "MEDIATHEQUE", "REGIE_DE_QUARTIER", "MAIRIE", "CCAS", "OTHER"}
	referKinds := []string{"FRANCE_TRAVAIL", "CAF", "CCAS", "ASSOCIATION", "MAIRIE"}
	label := map[string]string{
		"FRANCE_TRAVAIL": "France Travail", "CCAS": "CCAS de", "ASSOCIATION": "Association numérique de",
		"CAF": "CAF de", "MAIRIE": "Mairie de", "MEDIATHEQUE": "Médiathèque de",
		"REGIE_DE_QUARTIER": "Régie de Quartier de", "OTHER": "Tiers-lieu de",
	}
	i := 0
	row := make([]any, len(organisationColumns))
	return pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(p.orgs) {
			return nil, nil
		}
		o := p.orgs[i]
		city := departments[o.dept].city
		kind := hostKinds[r.IntN(len(hostKinds))]
		switch {
		case i == 0:
			kind = "REGIE_DE_QUARTIER"
		case i <= partnerCount:
			kind = partnerKinds[i-1]
		case !o.hosts:
			kind = referKinds[r.IntN(len(referKinds))]
		}
		name := fmt.Sprintf("%s %s (%d)", label[kind], city, i+1)
		slug := fmt.Sprintf("structure-%d", i+1)
		if i == 0 {
			name, slug = "Régie de Quartier de Stains", "regie-quartier-stains"
		}
		row[0], row[1], row[2] = name, slug, kind
		row[3] = "Structure du réseau d'inclusion numérique : accueil, accompagnement aux démarches en ligne et ateliers."
		row[4] = fmt.Sprintf("contact@%s.example.org", slug)
		row[5], row[6] = o.hosts, o.refers
		i++
		return row, nil
	})
}

var venueColumns = []string{"organisation_id", "name", "street_address", "postal_code", "city", "insee_code",
	"latitude", "longitude", "opening_hours", "wheelchair_accessible", "hearing_loop", "computers", "wifi",
	"printer", "scanner", "access_instructions"}

var venueKinds = []string{"Espace numérique", "Médiathèque", "France Services", "Centre social", "Maison de quartier", "Tiers-lieu"}
var streets = []string{"rue Jean Jaurès", "avenue de la République", "rue Victor Hugo", "place de la Mairie",
	"rue Pasteur", "boulevard Gambetta", "rue des Écoles", "avenue Paul Vaillant-Couturier", "rue Louise Michel", "allée des Tilleuls"}
var openingHours = []string{"Mo-Fr 09:00-12:00,14:00-17:30", "Tu,Th 09:00-12:00; We 14:00-18:00; Sa 10:00-12:00", "Mo-Sa 10:00-18:00"}

func (p *plan) venueRows() pgx.CopyFromSource {
	r := rng(p.seed, 12)
	i := 0
	row := make([]any, len(venueColumns))
	return pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(p.venues) {
			return nil, nil
		}
		v := p.venues[i]
		d := departments[v.dept]
		city := d.city
		if v.code > 0 {
			city = fmt.Sprintf("%s %d", d.city, v.code)
		}
		row[0] = int64(v.org + 1)
		row[1] = fmt.Sprintf("%s %s n°%d", venueKinds[r.IntN(len(venueKinds))], city, i+1)
		if i == 0 {
			row[1] = "Régie de Quartier de Stains, espace numérique"
		}
		row[2] = fmt.Sprintf("%d %s", 1+r.IntN(120), streets[r.IntN(len(streets))])
		row[3], row[4], row[5] = d.postalCode(v.code), city, d.inseeCode(v.code)
		row[6], row[7] = v.lat, v.lon
		row[8] = openingHours[r.IntN(len(openingHours))]
		row[9], row[10] = r.Float64() < 0.7, r.Float64() < 0.2
		row[11] = int32(r.IntN(16))
		row[12], row[13], row[14] = r.Float64() < 0.9, r.Float64() < 0.6, r.Float64() < 0.5
		row[15] = "Accueil au rez-de-chaussée, sonner à l'interphone."
		i++
		return row, nil
	})
}

var workshopColumns = []string{"organisation_id", "title", "summary", "description", "topics", "level",
	"duration_minutes", "audiences", "what_to_bring", "status"}

var topics = []string{"CV_AND_JOB_SEARCH", "FRANCE_TRAVAIL_PROCEDURES", "CAF_PROCEDURES", "HEALTH_INSURANCE",
	"TAXES", "SMARTPHONE", "SCANNING_DOCUMENTS", "EMAIL", "ONLINE_SAFETY", "COMPUTER_BASICS"}
var topicTitles = []string{"Faire son CV en ligne", "Mon espace France Travail", "Déclarer à la CAF", "Créer son compte Ameli",
	"Déclarer ses revenus en ligne", "Prendre en main son smartphone", "Scanner et envoyer un document",
	"Créer et utiliser une adresse mail", "Se protéger des arnaques en ligne", "Premiers pas sur l'ordinateur"}
var audiences = []string{"EVERYONE", "JOB_SEEKERS", "YOUNG_PEOPLE", "SENIORS", "EMPLOYEES_IN_INSERTION", "FAMILIES"}
var levels = []string{"BEGINNER", "BEGINNER", "INTERMEDIATE", "ADVANCED"}

// pickDistinct draws n distinct values of from.
func pickDistinct(r *rand.Rand, from []string, n int) []string {
	perm := r.Perm(len(from))[:n]
	out := make([]string, n)
	for i, j := range perm {
		out[i] = from[j]
	}
	return out
}

func (p *plan) workshopRows() pgx.CopyFromSource {
	r := rng(p.seed, 13)
	i := 0
	row := make([]any, len(workshopColumns))
	return pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(p.shops) {
			return nil, nil
		}
		ts := pickDistinct(r, topics, 1+r.IntN(3))
		aud := pickDistinct(r, audiences, 1+r.IntN(2))
		status := "PUBLISHED"
		switch x := r.Float64(); {
		case x < 0.05:
			status = "DRAFT"
		case x < 0.08:
			status = "ARCHIVED"
		}
		title := topicTitles[indexOf(topics, ts[0])]
		if i == 0 {
			title, ts, aud, status = hotWorkshopTitle, []string{"CV_AND_JOB_SEARCH"}, []string{"EVERYONE"}, "PUBLISHED"
		}
		row[0] = int64(p.shops[i].org + 1)
		row[1] = fmt.Sprintf("%s (%d)", title, i+1)
		row[2] = "Un atelier de deux heures en petit groupe, avec une médiatrice numérique."
		row[3] = "Nous partons de vos démarches réelles. Chacun repart avec ce qu'il a fait et les liens utiles. " +
			"Les modules Les Bons Clics servent de support ; aucun niveau n'est demandé."
		row[4], row[5], row[6], row[7] = ts, levels[r.IntN(len(levels))], int32(p.shops[i].duration), aud
		row[8] = []string{"Une pièce d'identité", "Son téléphone chargé", "Ses identifiants si on les a"}
		row[9] = status
		i++
		return row, nil
	})
}

func indexOf(xs []string, x string) int {
	for i, y := range xs {
		if y == x {
			return i
		}
	}
	return -1
}

var slotColumns = []string{"organisation_id", "workshop_id", "venue_id", "starts_at", "ends_at", "capacity",
	"seats_taken", "waitlist_length", "status", "cancellation_reason", "cancelled_at", "visibility",
	"registration_opens_at", "registration_closes_at", "facilitator_name", "allow_overlap"}

var facilitators = []string{"Awa", "Karim", "Sophie", "Mehdi", "Fatou", "Julien", "Inès", "Thomas"}

func (p *plan) slotRows() pgx.CopyFromSource {
	i := 0
	row := make([]any, len(slotColumns))
	return pgx.CopyFromFunc(func() ([]any, error) {
		if i == len(p.slots) {
			return nil, nil
		}
		s := p.slots[i]
		w := p.shops[s.workshop]
		start := time.Unix(s.start, 0)
		row[0], row[1], row[2] = int64(w.org+1), int64(s.workshop+1), int64(s.venue+1)
		row[3], row[4] = start, start.Add(time.Duration(w.duration)*time.Minute)
		row[5], row[6], row[7] = int32(s.capacity), int32(s.conf), int32(s.wait)
		row[8], row[9], row[10] = "SCHEDULED", nil, nil
		if s.cancelled {
			row[8], row[9] = "CANCELLED", "Médiatrice absente, atelier reporté."
			row[10] = minTime(start.Add(-72*time.Hour), p.now.Add(-time.Hour))
		}
		row[11] = visibilities[s.visibility]
		closes := start
		if s.closesEarly {
			closes = start.Add(-24 * time.Hour)
		}
		row[12], row[13] = nil, closes
		if s.opensLater {
			row[12] = closes.Add(-30 * 24 * time.Hour)
		}
		row[14] = facilitators[i%len(facilitators)]
		// Slots are drawn at random hours and venues, so some share a venue and a time: they
		// are written as the host allowing it (migration 013), as migrated data is.
		row[15] = true
		i++
		return row, nil
	})
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

var registrationColumns = []string{"slot_id", "status", "confirmation_code", "token_hash", "first_name",
	"last_name", "phone", "email", "postal_code", "age_bracket", "has_computer", "has_internet",
	"has_smartphone", "preferred_channel", "consent_version", "consented_at", "registered_by_org_id",
	"referring_org_id", "counsellor_name", "referral_reason", "partner_reference", "joined_at",
	"confirmed_at", "cancelled_at", "cancellation_reason", "attendance", "attendance_marked_at", "created_at",
	"person_key"}

var firstNames = []string{"Awa", "Mohamed", "Fatima", "Jean", "Aïcha", "Mamadou", "Marie", "Youssef", "Nadia", "Pierre",
	"Aminata", "Ali", "Sandrine", "Moussa", "Leïla", "Christian", "Kadiatou", "Rachid", "Monique", "Samir"}
var lastNames = []string{"Diallo", "Traoré", "Benali", "Martin", "Koné", "Bernard", "Haddad", "Camara", "Petit", "Mendy",
	"Dubois", "Cissé", "Nguyen", "Moreau", "Sissoko", "Lefebvre", "Bouzid", "Fofana", "Garcia", "Keita"}
var counsellors = []string{"Mme Ndiaye", "M. Lambert", "Mme Roux", "M. Kaci", "Mme Fontaine", "M. Sy"}
var ageBrackets = []string{"UNDER_26", "FROM_26_TO_59", "FROM_26_TO_59", "SIXTY_AND_OVER"}

// registrationRows writes, slot after slot, its confirmed seats, then its waiting list, then its
// cancelled registrations, with the counts planned (so the slots' counters match the rows).
func (p *plan) registrationRows() pgx.CopyFromSource {
	r := rng(p.seed, 15)
	now := p.now
	slot, k, n := 0, 0, 0 // slot index, registration within the slot, registration overall
	row := make([]any, len(registrationColumns))
	return pgx.CopyFromFunc(func() ([]any, error) {
		for slot < p.size.Slots {
			s := p.slots[slot]
			if k < int(s.conf)+int(s.wait)+int(s.canc) {
				break
			}
			slot, k = slot+1, 0
		}
		if slot == p.size.Slots {
			return nil, nil
		}
		s := p.slots[slot]
		start := time.Unix(s.start, 0)
		status := "CANCELLED"
		switch {
		case k < int(s.conf):
			status = "CONFIRMED"
		case k < int(s.conf)+int(s.wait):
			status = "WAITLISTED"
		}
		joined := start.Add(-time.Duration(1+r.IntN(30*24)) * time.Hour)
		if status == "WAITLISTED" {
			joined = start.Add(-time.Duration(k) * time.Hour / 4) // after the seats were gone
		}
		if !joined.Before(now) {
			joined = now.Add(-time.Duration(1+r.IntN(30*24)) * time.Hour)
		}
		row[0], row[1], row[2], row[3] = int64(slot+1), status, p.confirmationCode(n), p.tokenHash(n)
		row[4], row[5] = firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		row[6] = fmt.Sprintf("+337%08d", n)
		row[7] = nil
		if n%7 == 0 {
			row[7] = fmt.Sprintf("p%d@example.org", n)
		}
		row[8] = departments[p.venues[s.venue].dept].postalCode(p.venues[s.venue].code)
		row[9] = ageBrackets[r.IntN(len(ageBrackets))]
		row[10], row[11], row[12] = r.Float64() < 0.4, r.Float64() < 0.6, r.Float64() < 0.9
		row[13], row[14], row[15] = "SMS", "2026-11", joined
		row[16], row[17], row[18], row[19], row[20] = nil, nil, nil, nil, nil
		if r.Float64() < 0.25 { // a referral (orientation) by a partner
			org := p.referrer[r.IntN(len(p.referrer))]
			if r.Float64() < 0.3 {
				org = 1 + r.IntN(partnerCount)
			}
			row[16], row[17] = int64(org+1), int64(org+1)
			row[18] = counsellors[r.IntN(len(counsellors))]
			row[19], row[20] = "Recherche d'emploi, besoin d'un CV à jour.", fmt.Sprintf("DOS-%07d", n)
		}
		row[21], row[22], row[23], row[24], row[25], row[26] = joined, nil, nil, nil, nil, nil
		switch status {
		case "CONFIRMED":
			row[22] = joined
			if start.Before(now) {
				switch x := r.Float64(); {
				case x < 0.75:
					row[25] = "PRESENT"
				case x < 0.93:
					row[25] = "ABSENT"
				default:
					row[25] = "EXCUSED"
				}
				row[26] = minTime(start.Add(3*time.Hour), now)
			}
		case "CANCELLED":
			row[23] = minTime(joined.Add(time.Duration(1+r.IntN(72))*time.Hour), now)
			row[24] = "Empêchement"
		}
		row[27] = joined
		// COPY with triggers off gives no key: each registration its own person, as their
		// phones are (+337..., one per registration).
		var key [16]byte
		binary.BigEndian.PutUint64(key[8:], uint64(n)+1)
		row[28] = key
		k, n = k+1, n+1
		return row, nil
	})
}
