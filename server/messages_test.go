package main

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regiestains/ateliers/messages/mailtest"
)

// messagingAPI is the server with its job workers running, as main starts them, sending email
// to a real SMTP server in the test's process.
func messagingAPI(t *testing.T) (*testAPI, *mailtest.Server) {
	t.Helper()
	box := mailtest.Start(t)
	a := newTestAPIWith(t, map[string]string{
		"SMTP_URL": "smtp://" + box.Addr + "?tls=none", "MAIL_FROM": "Ateliers <ateliers@regie-stains.example>",
		"MESSAGE_LINK_BASE": "https://ateliers.example/r/", "EMAIL_PER_SECOND": "1000",
	})
	stop, err := startJobs(context.Background(), a.config, a.Pool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(context.Background()) })
	return a, box
}

func byEmail(n int) map[string]any {
	return map[string]any{"participant": map[string]any{
		"firstName": "Awa", "lastName": fmt.Sprintf("Diallo %d", n), "email": fmt.Sprintf("awa%d@example.fr", n),
		"preferredChannel": "EMAIL", "consent": true, "consentVersion": "2026-11"}}
}

var linkPattern = regexp.MustCompile(`https://ateliers\.example/r/([A-Za-z0-9_-]+)`)

// A registration through the API is confirmed by email within seconds; the link in it manages
// the registration; the delivery log shows the message to the host and to the person, and the
// person can stop reminders.
func TestARegistrationIsConfirmedByEmail(t *testing.T) {
	t.Parallel()
	a, box := messagingAPI(t)
	hostKey, slot := a.bookable("regie-stains", 10)
	reg := a.register("", slot, 1, byEmail(1))
	if reg.ManageToken == nil {
		t.Fatalf("register: %+v", reg)
	}
	waitFor(t, 20*time.Second, "the confirmation email", func() bool { return len(box.Mails()) == 1 })
	mail := string(box.Mails()[0].Data)
	if !strings.Contains(mail, "awa1@example.fr") || !strings.Contains(mail, reg.Registration.ConfirmationCode) {
		t.Errorf("the confirmation does not name its person or code:\n%s", mail)
	}
	link := linkPattern.FindStringSubmatch(strings.ReplaceAll(mail, "=\r\n", ""))
	if link == nil {
		t.Fatalf("no management link in the email:\n%s", mail)
	}

	const logDoc = `query($t: String!) { registrationByToken(token: $t) { id remindersStopped messages { kind channel status text } } }`
	var viaLink struct {
		RegistrationByToken struct {
			ID               string
			RemindersStopped *bool
			Messages         []struct {
				Kind, Status string
				Channel      *string
				Text         *string
			}
		}
	}
	// The mail is in the box a moment before the sender records it SENT: wait for the record.
	waitFor(t, 10*time.Second, "the message recorded as sent", func() bool {
		a.query("", logDoc, map[string]any{"t": link[1]}, &viaLink)
		ms := viaLink.RegistrationByToken.Messages
		return len(ms) == 1 && ms[0].Status != "SENDING"
	})
	got := viaLink.RegistrationByToken
	if got.ID != reg.Registration.ID {
		t.Fatalf("the email's link opens %q, want the registration %q", got.ID, reg.Registration.ID)
	}
	if len(got.Messages) != 1 || got.Messages[0].Kind != "CONFIRMATION" || got.Messages[0].Status != "SENT" ||
		got.Messages[0].Channel == nil || *got.Messages[0].Channel != "EMAIL" || got.Messages[0].Text == nil {
		t.Errorf("the person's delivery log: %+v", got.Messages)
	}

	var byHost struct {
		Node struct {
			Messages []struct{ Kind, Status string }
		}
	}
	a.query(hostKey, `query($id: ID!) { node(id: $id) { ... on Registration { messages { kind status } } } }`, map[string]any{"id": reg.Registration.ID}, &byHost)
	if len(byHost.Node.Messages) != 1 || byHost.Node.Messages[0].Status != "SENT" {
		t.Errorf("the host's delivery log: %+v", byHost.Node.Messages)
	}

	// The person says they got nothing: the host sends it again; not while it is on its way.
	var ids struct {
		Node struct{ Messages []struct{ ID string } }
	}
	a.query(hostKey, `query($id: ID!) { node(id: $id) { ... on Registration { messages { id } } } }`, map[string]any{"id": reg.Registration.ID}, &ids)
	const resendDoc = `mutation($id: ID!) { resendMessage(input: {id: $id}) { message { id kind status } userErrors { code } } }`
	var resent struct {
		ResendMessage struct {
			Message    *struct{ ID, Kind, Status string }
			UserErrors []userError
		}
	}
	a.query(hostKey, resendDoc, map[string]any{"id": ids.Node.Messages[0].ID}, &resent)
	if m := resent.ResendMessage.Message; m == nil || m.Kind != "CONFIRMATION" || m.ID == ids.Node.Messages[0].ID {
		t.Fatalf("resendMessage: %+v", resent.ResendMessage)
	}
	waitFor(t, 20*time.Second, "the confirmation sent again", func() bool { return len(box.Mails()) == 2 })
	if code := a.errorCode("", resendDoc, map[string]any{"id": ids.Node.Messages[0].ID}); code != "UNAUTHENTICATED" {
		t.Errorf("resendMessage without a key: %s", code)
	}
	otherKey, _ := a.bookable("emmaus-connect", 1)
	var other struct {
		ResendMessage struct{ UserErrors []userError }
	}
	a.query(otherKey, resendDoc, map[string]any{"id": ids.Node.Messages[0].ID}, &other)
	if len(other.ResendMessage.UserErrors) != 1 || other.ResendMessage.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("another organisation resending: %+v", other.ResendMessage.UserErrors)
	}

	var stopped struct {
		StopReminders struct {
			Registration struct{ RemindersStopped *bool }
			UserErrors   []userError
		}
	}
	a.query("", `mutation($t: String!) { stopReminders(input: {token: $t}) { registration { remindersStopped } userErrors { code } } }`,
		map[string]any{"t": *reg.ManageToken}, &stopped)
	if r := stopped.StopReminders.Registration.RemindersStopped; r == nil || !*r {
		t.Errorf("stopReminders: %+v", stopped.StopReminders)
	}
	var wrong struct {
		StopReminders struct{ UserErrors []userError }
	}
	a.query("", `mutation($t: String!) { stopReminders(input: {token: $t}) { userErrors { code } } }`, map[string]any{"t": "not-a-token"}, &wrong)
	if len(wrong.StopReminders.UserErrors) != 1 || wrong.StopReminders.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("stopReminders with a wrong token: %+v", wrong.StopReminders.UserErrors)
	}
}

// Many registrations at once through the API give exactly one confirmation each, counted in
// SQL and in the mailbox: no message lost, none sent twice.
func TestEveryRegistrationGetsExactlyOneConfirmation(t *testing.T) {
	t.Parallel()
	const people, clients = 200, 8
	a, box := messagingAPI(t)
	_, slot := a.bookable("regie-stains", people)
	start := time.Now()
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for n := c; n < people; n += clients {
				if r := a.register("", slot, n, byEmail(n)); r.Registration == nil {
					t.Errorf("person %d: %+v", n, r.UserErrors)
				}
			}
		})
	}
	wg.Wait()
	registered := time.Since(start)
	var sent, rows int
	count := func() {
		if err := a.Pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE status = 'SENT'), count(*) FROM messages WHERE kind = 'CONFIRMATION'`).Scan(&sent, &rows); err != nil {
			t.Fatal(err)
		}
	}
	// The worker records a message SENT once the mail server took it: the last mail may be in
	// the box a moment before its row says so.
	waitFor(t, 60*time.Second, "every confirmation", func() bool {
		count()
		return len(box.Mails()) >= people && sent >= people
	})
	t.Logf("%d registrations in %v, their %d confirmations sent after %v", people, registered.Round(time.Millisecond), people, time.Since(start).Round(time.Millisecond))
	time.Sleep(200 * time.Millisecond) // a message sent twice would reach the mailbox by now
	count()
	to := map[string]int{}
	for _, m := range box.Mails() {
		to[m.To[0]]++
	}
	if sent != people || rows != people || len(box.Mails()) != people || len(to) != people {
		t.Errorf("%d people: %d confirmations written, %d sent, %d mails to %d addresses", people, rows, sent, len(box.Mails()), len(to))
	}
}
