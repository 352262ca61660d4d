package main

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
)

// Each organisation hears of what concerns it, in order, signed: the host of everything on
// its slots, a referring partner of the people it referred and of the slot they are on, and
// another organisation of nothing. Messages carry ids and statuses, no personal data.
func TestWebhooksGoToTheOrganisationsConcernedInOrder(t *testing.T) {
	t.Parallel()
	a := webhookAPI(t, nil)
	_, hostKey := a.org("wh-host", db.ScopeCatalogueWrite, db.ScopeRegistrationsWrite, db.ScopeRegistrationsRead, db.ScopeWebhooksManage)
	slot := a.slot(hostKey, a.workshop(hostKey, nil), a.venue(hostKey, nil), "2032-06-01T14:00", map[string]any{"capacity": 1})
	_, partnerKey := a.org("wh-partner", db.ScopeRegistrationsWrite, db.ScopeRegistrationsRead, db.ScopeWebhooksManage)
	_, otherKey := a.org("wh-other", db.ScopeRegistrationsWrite, db.ScopeWebhooksManage)
	_, leftKey := a.org("wh-left", db.ScopeRegistrationsWrite, db.ScopeWebhooksManage)
	hostHooks, partnerHooks, otherHooks, leftHooks := newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil), newReceiver(t, nil)
	_, hostSecret := endpoint(t, a, hostKey, hostHooks.URL, allEventTypes...)
	_, partnerSecret := endpoint(t, a, partnerKey, partnerHooks.URL, allEventTypes...)
	otherEndpoint, _ := endpoint(t, a, otherKey, otherHooks.URL, allEventTypes...)
	endpoint(t, a, leftKey, leftHooks.URL, allEventTypes...)

	// The partner refers two people: the first takes the only seat, the second waits. A
	// resident registers alone, on the waiting list too. Another structure refers someone,
	// then cancels: it hears no more of the slot.
	first, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 1, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
	second, _ := rulesBook(t, a, partnerKey, rulesIn(slot, 2, map[string]any{"referral": rulesReferral(), "joinWaitlist": true}), "WAITLISTED")
	rulesBook(t, a, "", rulesIn(slot, 3, map[string]any{"joinWaitlist": true}), "WAITLISTED")
	left, _ := rulesBook(t, a, leftKey, rulesIn(slot, 4, map[string]any{"referral": rulesReferral(), "joinWaitlist": true}), "WAITLISTED")
	var cancelled rulesRegPayload
	rulesDo(t, a, leftKey, rulesCancelDoc, map[string]any{"id": left.ID, "reason": "Orientée ailleurs"}, &cancelled)
	// The partner cancels its first person: the second is promoted. The host moves the slot,
	// then cancels it.
	rulesDo(t, a, partnerKey, rulesCancelDoc, map[string]any{"id": first.ID, "reason": "A trouvé un emploi"}, &cancelled)
	var moved rulesSlotPayload
	rulesDo(t, a, hostKey, rulesUpdateSlotDoc, map[string]any{"id": slot, "startsAt": "2032-06-02T14:00", "endsAt": "2032-06-02T16:00"}, &moved)
	if len(cancelled.UserErrors)+len(moved.UserErrors) > 0 {
		t.Fatalf("cancel %+v, move %+v", cancelled.UserErrors, moved.UserErrors)
	}
	slotCancel(t, a, hostKey, slot)

	wantHost := []string{
		"registration.created", "registration.confirmed", "slot.seats_changed", // first
		"registration.created", "registration.waitlisted", "slot.seats_changed", // second
		"registration.created", "registration.waitlisted", "slot.seats_changed", // the resident
		"registration.created", "registration.waitlisted", "slot.seats_changed", // the other structure's
		"registration.cancelled", "slot.seats_changed",
		"registration.cancelled", "slot.seats_changed", "registration.promoted", "slot.seats_changed",
		"slot.changed",
		"registration.cancelled", "registration.cancelled", "slot.cancelled", "slot.seats_changed",
	}
	wantPartner := []string{
		"registration.created", "registration.confirmed",
		"registration.created", "registration.waitlisted",
		"registration.cancelled", "registration.promoted",
		"slot.changed",
		"registration.cancelled", "slot.cancelled",
	}
	wantLeft := []string{"registration.created", "registration.waitlisted", "registration.cancelled"}
	hostHooks.waitFor(t, len(wantHost))
	partnerHooks.waitFor(t, len(wantPartner))
	leftHooks.waitFor(t, len(wantLeft))
	time.Sleep(200 * time.Millisecond) // time for a message that should not come
	host, partner := hostHooks.deliveries(), partnerHooks.deliveries()
	if got := types(host); !slices.Equal(got, wantHost) {
		t.Errorf("the host got\n%v\nwant\n%v", got, wantHost)
	}
	if got := types(partner); !slices.Equal(got, wantPartner) {
		t.Errorf("the partner got\n%v\nwant\n%v", got, wantPartner)
	}
	if got := types(leftHooks.deliveries()); !slices.Equal(got, wantLeft) {
		t.Errorf("the structure whose person left got\n%v\nwant\n%v", got, wantLeft)
	}
	if n := len(otherHooks.deliveries()); n > 0 {
		t.Errorf("another organisation got %d messages, want none", n)
	}
	var written int
	a.Pool.QueryRow(t.Context(), `SELECT count(*) FROM webhook_messages WHERE endpoint_id = $1`, dbID(t, otherEndpoint)).Scan(&written)
	if written > 0 {
		t.Errorf("%d messages were written for another organisation's endpoint, want none", written)
	}

	ids := map[string]bool{}
	for _, d := range host {
		d.verify(t, hostSecret)
		ids[d.Header.Get("webhook-id")] = true
	}
	for _, d := range partner {
		d.verify(t, partnerSecret)
		ids[d.Header.Get("webhook-id")] = true
	}
	if len(ids) != len(host)+len(partner) {
		t.Errorf("%d distinct webhook-ids for %d messages, want one each", len(ids), len(host)+len(partner))
	}
	for _, d := range append(host, partner...) {
		for _, personal := range []string{"Awa", "Diallo", "+336", "Benali", "emploi"} {
			if strings.Contains(string(d.Body), personal) {
				t.Errorf("a %s message carries personal data %q: %s", d.Type, personal, d.Body)
			}
		}
	}
	cancel := partner[4]
	if cancel.Data["registrationId"] != first.ID || cancel.Data["slotId"] != slot || cancel.Data["status"] != "CANCELLED" ||
		cancel.Data["cause"] != "ORGANISATION" {
		t.Errorf("the partner's registration.cancelled has data %v, want the first person's registration, the slot, CANCELLED by ORGANISATION", cancel.Data)
	}
	if promoted := partner[5]; promoted.Data["registrationId"] != second.ID || promoted.Data["status"] != "CONFIRMED" {
		t.Errorf("the partner's registration.promoted has data %v, want the second person's registration, CONFIRMED", promoted.Data)
	}
	if seats := host[17]; seats.Data["seatsLeft"] != 0.0 || seats.Data["seatsTaken"] != 1.0 || seats.Data["waitlistLength"] != 1.0 {
		t.Errorf("the host's slot.seats_changed after the promotion has data %v, want 0 left, 1 taken, 1 waiting", seats.Data)
	}
	if gone := partner[7]; gone.Data["registrationId"] != second.ID || gone.Data["cause"] != "SLOT" {
		t.Errorf("the partner's last registration.cancelled has data %v, want the second person's, cancelled with the SLOT", gone.Data)
	}
}

// A receiver that keeps failing gets every retry, each in the delivery log; then the message
// fails and, nothing having got through meanwhile, the endpoint is disabled and says why. Once
// the receiver is mended and the endpoint enabled, a replay delivers the same message (same
// webhook-id).
func TestWebhooksRetryThenDisableAFailingEndpoint(t *testing.T) {
	t.Parallel()
	a := webhookAPI(t, nil)
	_, key := a.org("wh-failing", db.ScopeCatalogueWrite, db.ScopeRegistrationsWrite, db.ScopeWebhooksManage)
	slot := a.slot(key, a.workshop(key, nil), a.venue(key, nil), "2032-06-01T14:00", map[string]any{"capacity": 5})
	mended := make(chan struct{})
	hooks := newReceiver(t, func(int, delivery) int {
		select {
		case <-mended:
			return http.StatusOK
		default:
			return http.StatusInternalServerError
		}
	})
	id, _ := endpoint(t, a, key, hooks.URL, "REGISTRATION_CONFIRMED")
	rulesBook(t, a, key, rulesIn(slot, 1, nil), "CONFIRMED")
	tries := hooks.waitFor(t, 4) // the first try and WEBHOOK_RETRY_DELAYS' three retries
	message := tries[0].Header.Get("webhook-id")
	waitFor(t, 10*time.Second, "the endpoint to be disabled", func() bool { return readEndpoint(t, a, key, id).Status == "DISABLED" })
	time.Sleep(200 * time.Millisecond)
	if n := len(hooks.deliveries()); n != 4 {
		t.Errorf("the receiver got %d tries, want 4", n)
	}
	for _, d := range tries {
		if d.Header.Get("webhook-id") != message || d.Type != "registration.confirmed" {
			t.Errorf("a retry came as %s %q, want registration.confirmed %q", d.Type, d.Header.Get("webhook-id"), message)
		}
	}
	state := readEndpoint(t, a, key, id)
	if state.DisabledReason == nil || !strings.Contains(*state.DisabledReason, "every delivery failed") || !strings.Contains(*state.DisabledReason, "500") {
		t.Errorf("disabledReason %v, want why", state.DisabledReason)
	}
	m := state.Messages.Edges[0].Node
	if m.Status != "FAILED" || m.Attempts != 4 || len(m.AttemptLog) != 4 {
		t.Fatalf("the message: %+v, want FAILED after 4 attempts, each logged", m)
	}
	for i, at := range m.AttemptLog {
		if at.Attempt != i+1 || at.Succeeded || at.ResponseStatus == nil || *at.ResponseStatus != 500 || at.Error == nil {
			t.Errorf("attempt %d logged as %+v, want a failure with 500", i+1, at)
		}
	}

	close(mended)
	var enabled struct {
		UpdateWebhookEndpoint struct {
			Endpoint   struct{ Status string }
			UserErrors []userError
		}
	}
	a.query(key, `mutation($in: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $in) { endpoint { status } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"id": id, "enabled": true}}, &enabled)
	if enabled.UpdateWebhookEndpoint.Endpoint.Status != "ENABLED" {
		t.Fatalf("enable: %+v", enabled)
	}
	var replayed struct {
		ReplayWebhookMessage struct {
			Message    *struct{ ID, Status string }
			UserErrors []userError
		}
	}
	a.query(key, `mutation($in: ReplayWebhookMessageInput!) { replayWebhookMessage(input: $in) { message { id status } userErrors { code } } }`,
		map[string]any{"in": map[string]any{"id": message}}, &replayed)
	if r := replayed.ReplayWebhookMessage; r.Message == nil || r.Message.Status != "PENDING" {
		t.Fatalf("replay: %+v", r)
	}
	last := hooks.waitFor(t, 5)[4]
	if last.Header.Get("webhook-id") != message {
		t.Errorf("the replay came as %q, want the message's webhook-id %q", last.Header.Get("webhook-id"), message)
	}
	waitFor(t, 10*time.Second, "the replay to be recorded", func() bool {
		return readEndpoint(t, a, key, id).Messages.Edges[0].Node.Status == "DELIVERED"
	})
	if m := readEndpoint(t, a, key, id).Messages.Edges[0].Node; m.Attempts != 5 || !m.AttemptLog[4].Succeeded {
		t.Errorf("after the replay: %+v, want 5 attempts, the last one a success", m)
	}
}

// A receiver that refuses one message but takes others is not dead: the message fails after
// its retries, the endpoint stays enabled.
func TestWebhooksKeepAnEndpointThatTakesOtherMessages(t *testing.T) {
	t.Parallel()
	a := webhookAPI(t, map[string]string{"WEBHOOK_RETRY_DELAYS": "300ms,300ms"})
	_, key := a.org("wh-picky", db.ScopeCatalogueWrite, db.ScopeRegistrationsWrite, db.ScopeWebhooksManage)
	slot := a.slot(key, a.workshop(key, nil), a.venue(key, nil), "2032-06-01T14:00", map[string]any{"capacity": 5})
	hooks := newReceiver(t, func(_ int, d delivery) int {
		if d.Type == "registration.confirmed" {
			return http.StatusUnprocessableEntity
		}
		return http.StatusOK
	})
	id, _ := endpoint(t, a, key, hooks.URL, "REGISTRATION_CREATED", "REGISTRATION_CONFIRMED")
	rulesBook(t, a, key, rulesIn(slot, 1, nil), "CONFIRMED")
	waitFor(t, 15*time.Second, "the confirmation to fail", func() bool {
		for _, e := range readEndpoint(t, a, key, id).Messages.Edges {
			if e.Node.EventType == "REGISTRATION_CONFIRMED" {
				return e.Node.Status == "FAILED"
			}
		}
		return false
	})
	if s := readEndpoint(t, a, key, id); s.Status != "ENABLED" {
		t.Errorf("the endpoint is %s (%v), want ENABLED: registration.created got through", s.Status, s.DisabledReason)
	}
}

// A slot's messages reach an endpoint in the order of the events, even when one has to be
// tried again; an endpoint disabled while messages wait lets them fail, and once enabled
// again it gets the next ones. Attendance reaches the referrer too.
func TestWebhooksOfASlotKeepTheirOrder(t *testing.T) {
	t.Parallel()
	a := webhookAPI(t, map[string]string{"WEBHOOK_RETRY_DELAYS": "300ms,300ms,300ms,300ms,300ms,300ms"})
	_, hostKey := a.org("wh-order", db.ScopeCatalogueWrite, db.ScopeRegistrationsWrite, db.ScopeAttendanceWrite, db.ScopeWebhooksManage)
	slot := a.slot(hostKey, a.workshop(hostKey, nil), a.venue(hostKey, nil), "2032-06-01T14:00", map[string]any{"capacity": 10})
	_, partnerKey := a.org("wh-order-partner", db.ScopeRegistrationsWrite, db.ScopeWebhooksManage)
	var failing atomic.Bool
	hooks := newReceiver(t, func(n int, d delivery) int {
		if n == 1 || failing.Load() { // the first try of the first message, then when told
			return http.StatusServiceUnavailable
		}
		return http.StatusOK
	})
	id, _ := endpoint(t, a, hostKey, hooks.URL, "REGISTRATION_CREATED")
	var regs []string
	for n := range 3 {
		r, _ := rulesBook(t, a, partnerKey, rulesIn(slot, n, map[string]any{"referral": rulesReferral()}), "CONFIRMED")
		regs = append(regs, r.ID)
	}
	got := hooks.waitFor(t, 4)
	var order []any
	for _, d := range got {
		order = append(order, d.Data["registrationId"])
	}
	if want := []any{regs[0], regs[0], regs[1], regs[2]}; !slices.Equal(order, want) {
		t.Errorf("the receiver got registrations %v, want %v: the first (tried twice) before the others", order, want)
	}

	// The receiver fails; while a message is retried and another waits behind it, the host
	// disables the endpoint: both fail, and nothing stays stuck once it is enabled again.
	failing.Store(true)
	rulesBook(t, a, hostKey, rulesIn(slot, 10, nil), "CONFIRMED")
	rulesBook(t, a, hostKey, rulesIn(slot, 11, nil), "CONFIRMED")
	hooks.waitFor(t, 5)
	update := func(enabled bool) {
		t.Helper()
		var out struct {
			UpdateWebhookEndpoint struct{ Endpoint *struct{ Status string } }
		}
		a.query(hostKey, `mutation($in: UpdateWebhookEndpointInput!) { updateWebhookEndpoint(input: $in) { endpoint { status } } }`,
			map[string]any{"in": map[string]any{"id": id, "enabled": enabled}}, &out)
		if out.UpdateWebhookEndpoint.Endpoint == nil {
			t.Fatalf("updateWebhookEndpoint(enabled: %v) refused", enabled)
		}
	}
	update(false)
	waitFor(t, 15*time.Second, "the waiting messages to fail", func() bool {
		failed := 0
		for _, e := range readEndpoint(t, a, hostKey, id).Messages.Edges {
			if e.Node.Status == "FAILED" {
				failed++
			}
		}
		return failed == 2
	})
	failing.Store(false)
	update(true)
	later, _ := rulesBook(t, a, hostKey, rulesIn(slot, 12, nil), "CONFIRMED")
	waitFor(t, 15*time.Second, "the next registration", func() bool {
		ds := hooks.deliveries()
		return ds[len(ds)-1].Data["registrationId"] == later.ID
	})

	// Attendance, once the slot has started, reaches the organisation that referred the person.
	partnerHooks := newReceiver(t, nil)
	endpoint(t, a, partnerKey, partnerHooks.URL, "ATTENDANCE_MARKED")
	slotMoveToPast(t, a, slot)
	var marked rulesRegPayload
	rulesDo(t, a, hostKey, rulesAttendanceDoc, map[string]any{"id": regs[1], "attendance": "PRESENT"}, &marked)
	d := partnerHooks.waitFor(t, 1)[0]
	if d.Type != "attendance.marked" || d.Data["registrationId"] != regs[1] || d.Data["attendance"] != "PRESENT" {
		t.Errorf("the referrer got %s %v, want attendance.marked PRESENT for its person", d.Type, d.Data)
	}
}

// pingEndpoint sends a test message to endpoint id and returns the message's id.
func pingEndpoint(t *testing.T, a *testAPI, key, id string) string {
	t.Helper()
	var out struct {
		PingWebhookEndpoint struct {
			Message    *struct{ ID string }
			UserErrors []userError
		}
	}
	a.withT(t).query(key, `mutation($in: WebhookEndpointInput!) { pingWebhookEndpoint(input: $in) { message { id } userErrors { field message code } } }`,
		map[string]any{"in": map[string]any{"id": id}}, &out)
	if out.PingWebhookEndpoint.Message == nil {
		t.Fatalf("ping: %+v", out.PingWebhookEndpoint.UserErrors)
	}
	return out.PingWebhookEndpoint.Message.ID
}

// A URL that reaches the server's own network is refused at registration: loopback, private,
// link-local (cloud metadata), credentials, http. A name that resolves there later (DNS
// rebinding) is refused at connection: nothing reaches the address.
func TestWebhooksRefuseInternalAddresses(t *testing.T) {
	t.Parallel()
	a := webhookAPI(t, map[string]string{"WEBHOOK_ALLOW_LOOPBACK": "off"})
	orgGID, key := a.org("wh-ssrf", db.ScopeWebhooksManage)
	for url, reason := range map[string]string{
		"http://partner.example/hooks": "https://",
		"ftp://partner.example/hooks":  "https://",
		"hooks":                        "absolute URL",
		"https://":                     "absolute URL",
		"https://user:password@partner.example/hooks":        "user name or password",
		"https://partner.example/hooks#x":                    "fragment",
		"https://" + strings.Repeat("a", 2000) + ".example/": "longer than 2000",
		"https://127.0.0.1/hooks":                            "public internet",
		"https://127.1.2.3:8443/hooks":                       "public internet",
		"https://localhost/hooks":                            "public internet",
		"https://[::1]/hooks":                                "public internet",
		"https://169.254.169.254/latest/meta-data/":          "public internet",
		"https://10.0.0.7/hooks":                             "public internet",
		"https://192.168.1.1/hooks":                          "public internet",
		"https://172.16.0.1/hooks":                           "public internet",
		"https://[fd00::1]/hooks":                            "public internet",
		"https://[fe80::1]/hooks":                            "public internet",
		"https://0.0.0.0/hooks":                              "public internet",
		"https://[::ffff:127.0.0.1]/hooks":                   "public internet",
		"https://100.64.0.1/hooks":                           "public internet",
	} {
		out := createEndpoint(t, a, key, url, "SLOT_CHANGED")
		if out.Endpoint != nil || len(out.UserErrors) != 1 || out.UserErrors[0].Code != "INVALID" || out.UserErrors[0].Field[1] != "url" ||
			!strings.Contains(out.UserErrors[0].Message, reason) {
			t.Errorf("%.60s: got %+v, want an INVALID url for %q", url, out, reason)
		}
	}
	if n := a.rowCount("webhook_endpoints"); n != 0 {
		t.Errorf("%d endpoints stored, want none", n)
	}

	// An endpoint whose name resolved to a public address when it was registered, and now
	// resolves to this machine: written behind the API's back, as if DNS had changed.
	hooks := newReceiver(t, nil)
	var id int64
	if err := a.Pool.QueryRow(t.Context(), `INSERT INTO webhook_endpoints (organisation_id, url, event_types, secret)
		VALUES ($1, $2, '{SLOT_CHANGED}', decode(repeat('07', 32), 'hex')) RETURNING id`, dbID(t, orgGID), strings.Replace(hooks.URL, "127.0.0.1", "localhost", 1)).Scan(&id); err != nil {
		t.Fatal(err)
	}
	gid := endpointGID(t, a, key)
	pingEndpoint(t, a, key, gid)
	waitFor(t, 10*time.Second, "the ping to fail", func() bool {
		return readEndpoint(t, a, key, gid).Messages.Edges[0].Node.Status == "FAILED"
	})
	m := readEndpoint(t, a, key, gid).Messages.Edges[0].Node
	if len(m.AttemptLog) == 0 || m.AttemptLog[0].Error == nil || !strings.Contains(*m.AttemptLog[0].Error, "refused to connect") {
		t.Errorf("the attempt: %+v, want refused to connect", m.AttemptLog)
	}
	if n := len(hooks.deliveries()); n > 0 {
		t.Errorf("the loopback receiver got %d requests, want none", n)
	}
}

// endpointGID returns the id of the only endpoint of key's organisation.
func endpointGID(t *testing.T, a *testAPI, key string) string {
	t.Helper()
	var out struct {
		WebhookEndpoints struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	a.withT(t).query(key, `{ webhookEndpoints { edges { node { id } } } }`, nil, &out)
	if len(out.WebhookEndpoints.Edges) != 1 {
		t.Fatalf("webhookEndpoints: %+v, want one", out)
	}
	return out.WebhookEndpoints.Edges[0].Node.ID
}

// Redirects are answers, not followed (the target would be the receiver's choice, unchecked);
// a receiver that does not answer within WEBHOOK_TIMEOUT fails the attempt.
func TestWebhooksFollowNoRedirectAndTimeOut(t *testing.T) {
	t.Parallel()
	a := webhookAPI(t, map[string]string{"WEBHOOK_TIMEOUT": "300ms", "WEBHOOK_RETRY_DELAYS": "10ms"})
	_, key := a.org("wh-redirect", db.ScopeWebhooksManage)
	target := newReceiver(t, nil)
	srv := redirectTo(t, target.URL)
	id, _ := endpoint(t, a, key, srv, "SLOT_CHANGED")
	pingEndpoint(t, a, key, id)
	waitFor(t, 10*time.Second, "the ping to fail", func() bool {
		return readEndpoint(t, a, key, id).Messages.Edges[0].Node.Status == "FAILED"
	})
	at := readEndpoint(t, a, key, id).Messages.Edges[0].Node.AttemptLog[0]
	if at.ResponseStatus == nil || *at.ResponseStatus != http.StatusTemporaryRedirect || at.Error == nil || !strings.Contains(*at.Error, "redirects are not followed") {
		t.Errorf("the attempt: %+v, want a 307 refused as a redirect", at)
	}
	if n := len(target.deliveries()); n > 0 {
		t.Errorf("the redirect's target got %d requests, want none", n)
	}
	if s := readEndpoint(t, a, key, id); s.Status != "ENABLED" || s.Messages.Edges[0].Node.Attempts != 1 {
		t.Errorf("after a failed ping: endpoint %s, %d attempts; want ENABLED and one attempt (a ping is not retried)",
			s.Status, s.Messages.Edges[0].Node.Attempts)
	}

	_, slowKey := a.org("wh-slow", db.ScopeWebhooksManage)
	slow := newReceiver(t, func(int, delivery) int { time.Sleep(time.Second); return http.StatusOK })
	slowID, _ := endpoint(t, a, slowKey, slow.URL, "SLOT_CHANGED")
	pingEndpoint(t, a, slowKey, slowID)
	waitFor(t, 15*time.Second, "the slow ping to fail", func() bool {
		return readEndpoint(t, a, slowKey, slowID).Messages.Edges[0].Node.Status == "FAILED"
	})
	at = readEndpoint(t, a, slowKey, slowID).Messages.Edges[0].Node.AttemptLog[0]
	if at.Error == nil || !strings.Contains(*at.Error, "no answer within 300ms") {
		t.Errorf("the slow attempt: %+v, want no answer within 300ms", at)
	}
}

// redirectTo serves a 307 to url on loopback and returns its address.
func redirectTo(t *testing.T, url string) string {
	t.Helper()
	srv := httptest.NewServer(http.RedirectHandler(url, http.StatusTemporaryRedirect))
	t.Cleanup(srv.Close)
	return srv.URL + "/hooks"
}

// During a rotation both secrets sign, so the receiver may hold either; after the overlap,
// only the new one. Secrets are sealed in the database (WEBHOOK_SECRETS_KEY).
func TestWebhooksRotateTheSecretWithAnOverlap(t *testing.T) {
	t.Parallel()
	a := webhookAPI(t, nil)
	_, key := a.org("wh-rotate", db.ScopeWebhooksManage)
	hooks := newReceiver(t, nil)
	id, old := endpoint(t, a, key, hooks.URL, "SLOT_CHANGED")
	var stored []byte
	a.Pool.QueryRow(t.Context(), `SELECT secret FROM webhook_endpoints WHERE id = $1`, dbID(t, id)).Scan(&stored)
	if raw, _ := base64.StdEncoding.DecodeString(strings.TrimPrefix(old, "whsec_")); len(raw) != 32 || bytes.Contains(stored, raw) {
		t.Errorf("the database holds the secret in clear (or the secret is not 32 bytes): %x", stored)
	}
	rotate := func(minutes int) string {
		var out struct {
			RotateWebhookSecret struct {
				Endpoint   *struct{ PreviousSecretValidUntil *string }
				Secret     *string
				UserErrors []userError
			}
		}
		a.query(key, `mutation($in: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $in) {
			endpoint { previousSecretValidUntil } secret userErrors { code } } }`,
			map[string]any{"in": map[string]any{"id": id, "overlapMinutes": minutes}}, &out)
		r := out.RotateWebhookSecret
		if r.Secret == nil || r.Endpoint == nil || (minutes > 0) != (r.Endpoint.PreviousSecretValidUntil != nil) {
			t.Fatalf("rotate(%d): %+v", minutes, r)
		}
		return *r.Secret
	}
	current := rotate(60)
	pingEndpoint(t, a, key, id)
	d := hooks.waitFor(t, 1)[0]
	if n := len(strings.Fields(d.Header.Get("webhook-signature"))); n != 2 {
		t.Errorf("during the overlap: %d signatures, want 2", n)
	}
	d.verify(t, old)
	d.verify(t, current)

	newest := rotate(0)
	pingEndpoint(t, a, key, id)
	d = hooks.waitFor(t, 2)[1]
	if n := len(strings.Fields(d.Header.Get("webhook-signature"))); n != 1 {
		t.Errorf("without overlap: %d signatures, want 1", n)
	}
	d.verify(t, newest)
}

// Endpoints are their organisation's alone, with WEBHOOKS_MANAGE; an organisation has at
// most ten; a ping cannot be subscribed to.
func TestWebhookEndpointsBelongToTheirOrganisation(t *testing.T) {
	t.Parallel()
	a := webhookAPI(t, nil)
	_, key := a.org("wh-owner", db.ScopeWebhooksManage)
	_, strangerKey := a.org("wh-stranger", db.ScopeWebhooksManage)
	_, noScopeKey := a.org("wh-noscope", db.ScopeRegistrationsWrite)
	hooks := newReceiver(t, nil)
	id, _ := endpoint(t, a, key, hooks.URL, "SLOT_CHANGED")
	ping := pingEndpoint(t, a, key, id)

	if code := a.errorCode("", endpointDoc, map[string]any{"in": map[string]any{"url": hooks.URL, "eventTypes": []string{"SLOT_CHANGED"}}}); code != "UNAUTHENTICATED" {
		t.Errorf("anonymous create: %s, want UNAUTHENTICATED", code)
	}
	if code := a.errorCode(noScopeKey, endpointDoc, map[string]any{"in": map[string]any{"url": hooks.URL, "eventTypes": []string{"SLOT_CHANGED"}}}); code != "FORBIDDEN" {
		t.Errorf("create without WEBHOOKS_MANAGE: %s, want FORBIDDEN", code)
	}
	for _, m := range []struct{ name, doc, input, id string }{
		{"updateWebhookEndpoint", "endpoint { id }", "UpdateWebhookEndpointInput", id},
		{"rotateWebhookSecret", "secret", "RotateWebhookSecretInput", id},
		{"deleteWebhookEndpoint", "deletedId", "WebhookEndpointInput", id},
		{"pingWebhookEndpoint", "message { id }", "WebhookEndpointInput", id},
		{"replayWebhookMessage", "message { id }", "ReplayWebhookMessageInput", ping},
	} {
		var out map[string]struct{ UserErrors []userError }
		a.query(strangerKey, "mutation($in: "+m.input+"!) { "+m.name+"(input: $in) { "+m.doc+" userErrors { field message code } } }",
			map[string]any{"in": map[string]any{"id": m.id}}, &out)
		if errs := out[m.name].UserErrors; len(errs) != 1 || errs[0].Code != "NOT_FOUND" {
			t.Errorf("%s by another organisation: %+v, want NOT_FOUND", m.name, errs)
		}
	}
	for _, gid := range []string{id, ping} {
		var out struct{ Node *struct{ ID string } }
		a.query(strangerKey, `query($id: ID!) { node(id: $id) { id } }`, map[string]any{"id": gid}, &out)
		if out.Node != nil {
			t.Errorf("node(%s) for another organisation: %+v, want null", gid, out.Node)
		}
	}
	if s := readEndpoint(t, a, key, id); s == nil || s.Status != "ENABLED" {
		t.Errorf("the owner's endpoint after the stranger's tries: %+v", s)
	}

	for _, types := range [][]string{{}, {"WEBHOOK_PING"}} {
		if out := createEndpoint(t, a, key, hooks.URL, types...); out.Endpoint != nil || len(out.UserErrors) == 0 {
			t.Errorf("eventTypes %v: %+v, want refused", types, out)
		}
	}
	for range db.MaxWebhookEndpoints - 1 {
		endpoint(t, a, key, hooks.URL, "SLOT_CHANGED")
	}
	out := createEndpoint(t, a, key, hooks.URL, "SLOT_CHANGED")
	if out.Endpoint != nil || len(out.UserErrors) != 1 || out.UserErrors[0].Code != "LIMIT_REACHED" {
		t.Errorf("an 11th endpoint: %+v, want LIMIT_REACHED", out)
	}
}
