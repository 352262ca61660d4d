package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	ical "github.com/emersion/go-ical"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/regiestains/ateliers/db"
)

const (
	createFeedDoc = `mutation($in: CreateCalendarFeedInput!) { createCalendarFeed(input: $in) {
		calendarFeed { id label prefix revokedAt organisation { id } } path userErrors { field message code } } }`
	revokeFeedDoc = `mutation($id: ID!) { revokeCalendarFeed(input: {id: $id}) {
		calendarFeed { id revokedAt } userErrors { field message code } } }`
	listFeedsDoc = `{ calendarFeeds(first: 10) { edges { node { id label prefix lastReadAt revokedAt } } } }`
)

type createdFeed struct {
	CreateCalendarFeed struct {
		CalendarFeed *struct {
			ID, Label, Prefix string
			RevokedAt         *string
		}
		Path       *string
		UserErrors []userError
	}
}

// calendarGet fetches a calendar path; it returns the status, the body and the headers.
func calendarGet(t *testing.T, a *testAPI, path, etag string) (int, string, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, a.URL+path, nil)
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	res, err := patientClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body), res.Header
}

// calendarEvents fetches a private calendar as an app does and parses it with the independent
// parser; every line of it is folded to 75 octets.
func calendarEvents(t *testing.T, a *testAPI, path string) ([]ical.Event, http.Header) {
	t.Helper()
	status, body, h := calendarGet(t, a, path, "")
	if status != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/calendar") {
		t.Fatalf("GET %s: %d %s", redacted(path), status, h.Get("Content-Type"))
	}
	if cc := h.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
		t.Errorf("GET %s: Cache-Control %q, want private", redacted(path), cc)
	}
	for _, line := range strings.Split(body, "\r\n") {
		if len(line) > 75 {
			t.Errorf("a line of %d octets: %q", len(line), line)
		}
	}
	cal, err := ical.NewDecoder(strings.NewReader(body)).Decode()
	if err != nil {
		t.Fatalf("GET %s: %v\n%s", redacted(path), err, body)
	}
	return cal.Events(), h
}

// redacted names a private path in a test's messages without its secret.
func redacted(path string) string { return loggedPath(path) }

func eventText(e ical.Event, name string) string {
	s, _ := e.Props.Text(name)
	return s
}

// A long title with commas, a semicolon and accents: folded, escaped, and read back whole.
const feedWorkshopTitle = "Démarches CAF, France Travail; Ameli : créer son espace, déposer ses pièces justificatives"

// A partner's private feed, as a counsellor's calendar app reads it: the slots of the people
// that organisation referred, and only those (not another partner's referrals, not the host's
// own registrations); one event per registration, showing "Zoé É." and never the last name,
// phone or the referral's reason; a waitlisted person TENTATIVE, then CONFIRMED when promoted,
// a cancelled registration or slot CANCELLED, with a SEQUENCE that rises; 304 to its ETag;
// listed without its secret; revoked, its address answers 404 as an unknown one does.
func TestReferralsFeed(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostKey, _ := a.bookable("host", 1)
	workshop, venue := a.workshop(hostKey, map[string]any{"title": feedWorkshopTitle}), a.venue(hostKey, nil)
	slot := a.slot(hostKey, workshop, venue, "2032-06-01T14:00", map[string]any{"capacity": 1})
	other := a.slot(hostKey, workshop, venue, "2032-06-08T14:00", map[string]any{"capacity": 5})
	partner, key := a.org("partner", db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite)
	_, otherKey := a.org("other-partner", db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite)
	writeOnly := anotherKey(t, a, partner, db.ScopeRegistrationsWrite)

	referral := map[string]any{"counsellorName": "Nadia Benali", "reason": "RAISON-SECRETE", "partnerReference": "FT-7654321"}
	zoe := map[string]any{"firstName": "Zoé", "lastName": "éléonore-Sentinelle", "phone": "06 98 76 54 32", "consent": true, "consentVersion": "2026-11"}
	confirmed := a.register(key, slot, 1, map[string]any{"participant": zoe, "referral": referral})
	waitlisted := a.register(key, slot, 2, map[string]any{"referral": referral, "joinWaitlist": true})
	a.register(key, other, 3, map[string]any{"referral": referral})
	a.register(otherKey, other, 4, map[string]any{"referral": referral})
	a.register(hostKey, other, 5, nil)
	if confirmed.Registration == nil || waitlisted.Registration == nil || waitlisted.Registration.Status != "WAITLISTED" {
		t.Fatalf("the referrals: %+v, %+v", confirmed, waitlisted)
	}

	// Refusals: least privilege, and userErrors for bad input.
	if r := a.post(writeOnly, createFeedDoc, map[string]any{"in": map[string]any{"label": "Agence"}}); len(codesOf(r)) == 0 || codesOf(r)[0] != "FORBIDDEN" {
		t.Errorf("a REGISTRATIONS_WRITE key creates a feed: %+v", r.Errors)
	}
	for label, code := range map[string]string{"   ": "REQUIRED", strings.Repeat("é", 101): "TOO_LONG"} {
		var out createdFeed
		a.query(key, createFeedDoc, map[string]any{"in": map[string]any{"label": label}}, &out)
		p := out.CreateCalendarFeed
		if p.CalendarFeed != nil || p.Path != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != code ||
			!slices.Equal(p.UserErrors[0].Field, []string{"input", "label"}) {
			t.Errorf("label %q: %+v, want one %s userError on input.label", label, p, code)
		}
	}

	var out createdFeed
	a.query(key, createFeedDoc, map[string]any{"in": map[string]any{"label": "Agence de Stains"}}, &out)
	feed, path := out.CreateCalendarFeed.CalendarFeed, out.CreateCalendarFeed.Path
	if feed == nil || path == nil || !strings.HasPrefix(*path, "/calendar/referrals/ateliers_") || !strings.HasSuffix(*path, ".ics") {
		t.Fatalf("createCalendarFeed: %+v", out.CreateCalendarFeed)
	}
	secret := strings.TrimSuffix(strings.TrimPrefix(*path, "/calendar/referrals/"), ".ics")
	if !strings.HasPrefix(secret, feed.Prefix) || len(feed.Prefix) >= len(secret)/2 {
		t.Errorf("prefix %q of a secret of %d characters", feed.Prefix, len(secret))
	}

	events, h := calendarEvents(t, a, *path)
	if len(events) != 3 {
		t.Fatalf("%d events, want the partner's 3 referrals", len(events))
	}
	first, second := events[0], events[1]
	if got := eventText(first, ical.PropSummary); got != feedWorkshopTitle+" — Zoé É." {
		t.Errorf("SUMMARY %q, want the workshop and Zoé É.", got)
	}
	if eventText(first, ical.PropStatus) != "CONFIRMED" || eventText(second, ical.PropStatus) != "TENTATIVE" {
		t.Errorf("STATUS %s and %s, want CONFIRMED and TENTATIVE (the waiting list)", eventText(first, ical.PropStatus), eventText(second, ical.PropStatus))
	}
	if start, err := first.DateTimeStart(nil); err != nil || start.Format("2006-01-02 15:04 MST") != "2032-06-01 14:00 CEST" {
		t.Errorf("starts %v (%v), want 14:00 Paris time", start, err)
	}
	uids := map[string]bool{}
	for _, e := range events {
		uids[eventText(e, ical.PropUID)] = true
		for _, secret := range []string{"Sentinelle", "éléonore", "698765432", "RAISON-SECRETE", "FT-7654321", "Diallo"} {
			if text := eventText(e, ical.PropSummary) + eventText(e, ical.PropDescription); strings.Contains(text, secret) {
				t.Errorf("%q in an event: %q", secret, text)
			}
		}
	}
	if len(uids) != 3 {
		t.Errorf("UIDs %v, want one per registration", uids)
	}
	if status, _, _ := calendarGet(t, a, *path, h.Get("ETag")); status != http.StatusNotModified {
		t.Errorf("GET with its ETag: %d, want 304", status)
	}

	// The seat is cancelled: the waiting list moves; both events change, UIDs kept, SEQUENCE up.
	seq := func(e ical.Event) string { return e.Props.Get(ical.PropSequence).Value }
	before := []string{seq(first), seq(second)}
	rulesMustCancel(t, a, key, map[string]any{"id": confirmed.Registration.ID, "reason": "Empêchée"})
	after, h2 := calendarEvents(t, a, *path)
	if h2.Get("ETag") == h.Get("ETag") {
		t.Errorf("the ETag did not change with the feed")
	}
	if eventText(after[0], ical.PropUID) != eventText(first, ical.PropUID) || eventText(after[0], ical.PropStatus) != "CANCELLED" ||
		eventText(after[1], ical.PropStatus) != "CONFIRMED" {
		t.Errorf("after the cancellation: %s %s, %s; want the first CANCELLED under its UID, the second CONFIRMED",
			eventText(after[0], ical.PropUID), eventText(after[0], ical.PropStatus), eventText(after[1], ical.PropStatus))
	}
	if seq(after[0]) <= before[0] || seq(after[1]) <= before[1] {
		t.Errorf("SEQUENCE %v then %s %s: want both risen", before, seq(after[0]), seq(after[1]))
	}
	slotCancel(t, a, hostKey, slot)
	cancelled, _ := calendarEvents(t, a, *path)
	if eventText(cancelled[1], ical.PropStatus) != "CANCELLED" || seq(cancelled[1]) <= seq(after[1]) {
		t.Errorf("the slot cancelled: %s, SEQUENCE %s; want CANCELLED, risen", eventText(cancelled[1], ical.PropStatus), seq(cancelled[1]))
	}

	// Listed without the secret, to its organisation only.
	list := a.post(key, listFeedsDoc, nil)
	if !strings.Contains(string(list.Data), feed.ID) || strings.Contains(string(list.Data), secret) || !strings.Contains(string(list.Data), `"lastReadAt":"`) {
		t.Errorf("calendarFeeds: %s; want the feed, read, without its secret", list.Data)
	}
	if list := a.post(otherKey, listFeedsDoc, nil); strings.Contains(string(list.Data), feed.ID) {
		t.Errorf("another partner lists the feed: %s", list.Data)
	}
	if n := a.post(otherKey, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": feed.ID}); string(n.Data) != `{"node":null}` {
		t.Errorf("another partner's node(id): %s", n.Data)
	}

	// Revoked: 404, as an unknown secret, a malformed path, or another partner's revocation.
	var revoke struct {
		RevokeCalendarFeed struct {
			CalendarFeed *struct{ RevokedAt *string }
			UserErrors   []userError
		}
	}
	a.query(otherKey, revokeFeedDoc, map[string]any{"id": feed.ID}, &revoke)
	if p := revoke.RevokeCalendarFeed; p.CalendarFeed != nil || len(p.UserErrors) != 1 || p.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("another partner revokes the feed: %+v", p)
	}
	if status, _, _ := calendarGet(t, a, *path, ""); status != http.StatusOK {
		t.Errorf("after another partner's attempt: %d, want 200", status)
	}
	a.query(key, revokeFeedDoc, map[string]any{"id": feed.ID}, &revoke)
	if p := revoke.RevokeCalendarFeed; p.CalendarFeed == nil || p.CalendarFeed.RevokedAt == nil || len(p.UserErrors) > 0 {
		t.Fatalf("revokeCalendarFeed: %+v", p)
	}
	_, notFound, _ := calendarGet(t, a, "/calendar/referrals/ateliers_nope.ics", "")
	for _, p := range []string{*path, "/calendar/referrals/ateliers_nope.ics", "/calendar/referrals/" + secret, "/calendar/referrals/.ics",
		"/calendar/referrals/" + strings.Repeat("x", 120) + ".ics"} {
		if status, body, _ := calendarGet(t, a, p, ""); status != http.StatusNotFound || body != notFound {
			t.Errorf("GET %s: %d %q, want 404 %q", redacted(p), status, body, notFound)
		}
	}
}

// A person's own .ics, from their management token: one event, their slot, with no name; it
// follows the registration to CANCELLED; an unknown token is 404.
func TestOwnCalendar(t *testing.T) {
	t.Parallel()
	a := newTestAPI(t)
	hostKey, _ := a.bookable("host", 1)
	workshop := a.workshop(hostKey, map[string]any{"title": feedWorkshopTitle, "whatToBring": []string{"pièce d'identité", "téléphone"}})
	slot := a.slot(hostKey, workshop, a.venue(hostKey, map[string]any{"name": "Maison du projet, Clos Saint-Lazare"}), "2032-01-12T09:30", nil)
	r := a.register("", slot, 1, nil)
	if r.ManageToken == nil {
		t.Fatalf("register: %+v", r)
	}
	path := "/calendar/registrations/" + *r.ManageToken + ".ics"
	events, h := calendarEvents(t, a, path)
	if len(events) != 1 {
		t.Fatalf("%d events, want 1", len(events))
	}
	e := events[0]
	if got := eventText(e, ical.PropSummary); got != feedWorkshopTitle {
		t.Errorf("SUMMARY %q", got)
	}
	if got := eventText(e, ical.PropLocation); got != "Maison du projet, Clos Saint-Lazare, 6 avenue George Sand, 93240 Stains" {
		t.Errorf("LOCATION %q", got)
	}
	description := eventText(e, ical.PropDescription)
	for _, want := range []string{"Votre place est confirmée.", r.Registration.ConfirmationCode, "À apporter : pièce d'identité, téléphone."} {
		if !strings.Contains(description, want) {
			t.Errorf("DESCRIPTION %q, want %q", description, want)
		}
	}
	if strings.Contains(description, "Awa") || strings.Contains(description, "Diallo") {
		t.Errorf("DESCRIPTION %q names the person", description)
	}
	if start, err := e.DateTimeStart(nil); err != nil || start.Format("2006-01-02 15:04 MST") != "2032-01-12 09:30 CET" {
		t.Errorf("starts %v (%v), want 09:30 Paris winter time", start, err)
	}
	if status, _, _ := calendarGet(t, a, path, h.Get("ETag")); status != http.StatusNotModified {
		t.Errorf("GET with its ETag: %d, want 304", status)
	}
	rulesMustCancel(t, a, "", map[string]any{"token": *r.ManageToken})
	cancelled, _ := calendarEvents(t, a, path)
	if eventText(cancelled[0], ical.PropStatus) != "CANCELLED" || eventText(cancelled[0], ical.PropUID) != eventText(e, ical.PropUID) {
		t.Errorf("after the cancellation: %s %s", eventText(cancelled[0], ical.PropStatus), eventText(cancelled[0], ical.PropUID))
	}
	for _, p := range []string{"/calendar/registrations/" + *r.ManageToken + "x.ics", "/calendar/registrations/" + *r.ManageToken} {
		if status, _, _ := calendarGet(t, a, p, ""); status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", redacted(p), status)
		}
	}
}

// The private calendars' secrets stay out of the traces too: the span's name and its url.path
// attribute have the path as loggedPath writes it. Not parallel: it sets the global tracer.
func TestPrivateCalendarSecretsStayOutOfTraces(t *testing.T) {
	col := &collector{spans: map[string][]string{}}
	srv := httptest.NewServer(col)
	defer srv.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL) // the exporter reads the process's environment
	stop, err := startTracing(context.Background(), func(k string) string {
		return map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { otel.SetTracerProvider(noop.NewTracerProvider()) })
	a := newTestAPIWith(t, map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": srv.URL})
	_, slot := a.bookable("host", 5)
	_, key := a.org("partner", db.ScopeRegistrationsRead, db.ScopeRegistrationsWrite)
	r := a.register(key, slot, 1, map[string]any{"referral": map[string]any{"counsellorName": "Nadia"}})
	var out createdFeed
	a.query(key, createFeedDoc, map[string]any{"in": map[string]any{"label": "Agence"}}, &out)
	if r.ManageToken == nil || out.CreateCalendarFeed.Path == nil {
		t.Fatalf("register %+v, createCalendarFeed %+v", r, out)
	}
	own, feed := "/calendar/registrations/"+*r.ManageToken+".ics", *out.CreateCalendarFeed.Path
	for _, p := range []string{own, feed, "/calendar//referrals/" + strings.TrimPrefix(feed, "/calendar/referrals/")} {
		if status, _, _ := calendarGet(t, a, p, ""); status != http.StatusOK {
			t.Errorf("GET %s: %d", loggedPath(p), status)
		}
	}
	if err := stop(context.Background()); err != nil { // flushes the spans
		t.Fatal(err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	secrets := []string{*r.ManageToken, strings.TrimSuffix(strings.TrimPrefix(feed, "/calendar/referrals/"), ".ics")}
	seen := 0
	for name, spans := range col.spans {
		for _, attrs := range spans {
			for _, s := range secrets {
				if strings.Contains(name+" "+attrs, s) {
					t.Errorf("a span holds a secret: %s: %s", name, attrs)
				}
			}
			if strings.Contains(attrs, "url.path=/calendar/") {
				seen++
			}
		}
	}
	if seen < 4 { // the 301 of the unclean path, then the three calendars
		t.Errorf("%d spans of calendar requests, want 4: is the collector receiving them? %v", seen, col.spans)
	}
}
