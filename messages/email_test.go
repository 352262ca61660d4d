package messages

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/regiestains/ateliers/messages/mailtest"
)

func smtpTo(t *testing.T, box *mailtest.Server) *SMTP {
	t.Helper()
	s, err := NewSMTP("smtp://"+box.Addr+"?tls=none", "Ateliers numériques <ateliers@regie-stains.example>")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// An email crosses SMTP with its accents intact: an encoded subject, a UTF-8 body in
// quoted-printable, and a Message-ID made of our message's id.
func TestEmailCrossesSMTPWithItsAccents(t *testing.T) {
	box := mailtest.Start(t)
	text, err := Render(Confirmation, Email, typical)
	if err != nil {
		t.Fatal(err)
	}
	id, err := smtpTo(t, box).Send(context.Background(), Outgoing{MessageID: 42, To: "awa.diallo@example.fr", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	if id != "<message-42@regie-stains.example>" {
		t.Errorf("provider id %q", id)
	}
	mails := box.Mails()
	if len(mails) != 1 || len(mails[0].To) != 1 || mails[0].To[0] != "awa.diallo@example.fr" || mails[0].From != "ateliers@regie-stains.example" {
		t.Fatalf("received %+v", mails)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(mails[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	h := msg.Header
	subject, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subject != "Inscription confirmée : Faire son CV, mardi 8 décembre" {
		t.Errorf("Subject %q (raw %q), %v", subject, h.Get("Subject"), err)
	}
	if !strings.HasPrefix(h.Get("Subject"), "=?UTF-8?") {
		t.Errorf("the subject is not encoded: %q", h.Get("Subject"))
	}
	from, err := mail.ParseAddress(h.Get("From"))
	if err != nil || from.Name != "Ateliers numériques" {
		t.Errorf("From %q: %v", h.Get("From"), err)
	}
	if h.Get("Message-Id") != "<message-42@regie-stains.example>" {
		t.Errorf("Message-ID %q", h.Get("Message-Id"))
	}
	if ct := h.Get("Content-Type"); !strings.Contains(ct, "text/plain") || !strings.Contains(strings.ToLower(ct), "charset=utf-8") {
		t.Errorf("Content-Type %q", ct)
	}
	if h.Get("Content-Transfer-Encoding") != "quoted-printable" {
		t.Errorf("Content-Transfer-Encoding %q", h.Get("Content-Transfer-Encoding"))
	}
	body, err := io.ReadAll(quotedprintable.NewReader(msg.Body))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != text.Body {
		t.Errorf("body:\n%s\nwant:\n%s", got, text.Body)
	}
}

// A server that refuses an address for good (5xx) makes a permanent error; one that asks to
// try later (4xx) a temporary one.
func TestEmailRefusalsArePermanentOrTemporaryAsTheServerSays(t *testing.T) {
	box := mailtest.Start(t)
	s := smtpTo(t, box)
	text := Text{Subject: "Rappel", Body: "Bonjour\n"}
	box.Refuse(550)
	if _, err := s.Send(context.Background(), Outgoing{MessageID: 1, To: "nobody@example.fr", Text: text}); err == nil || !IsPermanent(err) {
		t.Errorf("550: got %v, want a permanent error", err)
	}
	box.Refuse(451)
	if _, err := s.Send(context.Background(), Outgoing{MessageID: 2, To: "later@example.fr", Text: text}); err == nil || IsPermanent(err) {
		t.Errorf("451: got %v, want a temporary error", err)
	}
	box.Refuse(0)
	if _, err := s.Send(context.Background(), Outgoing{MessageID: 3, To: "pas une adresse", Text: text}); err == nil || !IsPermanent(err) {
		t.Errorf("an invalid address: got %v, want a permanent error", err)
	}
	if n := len(box.Mails()); n != 0 {
		t.Errorf("%d mails went through", n)
	}
}

func TestProviderWordsLoseTheAddressTheyQuote(t *testing.T) {
	for in, want := range map[string]string{
		"550 5.1.1 <awa.diallo@example.fr>: Recipient address rejected":                      "550 5.1.1 <an address>: Recipient address rejected",
		"twilio 400: error 21211: The 'To' number +33612345678 is not a valid phone number.": "twilio 400: error 21211: The 'To' number a number is not a valid phone number.",
		"dial tcp 127.0.0.1:25: connection refused":                                          "dial tcp 127.0.0.1:25: connection refused",
	} {
		if got := redact(errors.New(in)); got != want {
			t.Errorf("redact(%q) = %q, want %q", in, got, want)
		}
	}
}

// A paced sender hands the provider no more than its rate, however many workers send at once.
func TestPacedSenderKeepsTheProvidersRate(t *testing.T) {
	phones := newPhoneBook(t)
	s := Paced(phones, 20) // 20 a second
	start := time.Now()
	var wg sync.WaitGroup
	for n := range 10 {
		wg.Go(func() {
			s.Send(context.Background(), Outgoing{MessageID: int64(n), To: "+33612345678", Text: Text{Body: "x"}})
		})
	}
	wg.Wait()
	// The first goes at once, the nine others one every 50 ms: at least 450 ms in all.
	if took := time.Since(start); took < 400*time.Millisecond || len(phones.texts()) != 10 {
		t.Errorf("10 messages at 20 a second took %v (%d sent); want about 450 ms", took, len(phones.texts()))
	}
}
