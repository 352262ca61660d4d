package main

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/regiestains/ateliers/messages"
)

// Twilio's delivery receipts reach the message they name when signed with the auth token, as
// seen from PUBLIC_URL (the request itself reaches a test address); anything else gets 403 and
// changes nothing.
func TestDeliveryReceiptsAreCheckedThenRecorded(t *testing.T) {
	t.Parallel()
	a := newTestAPIWith(t, map[string]string{
		"TWILIO_ACCOUNT_SID": "AC00000000000000000000000000000001", "TWILIO_AUTH_TOKEN": "token",
		"TWILIO_FROM": "RegieStains", "PUBLIC_URL": "https://api.example.fr",
	})
	_, slot := a.bookable("regie-stains", 10)
	reg := a.register("", slot, 1, nil)
	var id int64
	err := a.Pool.QueryRow(context.Background(), `INSERT INTO messages (registration_id, kind, channel, status, provider_message_id, sent_at)
		VALUES ($1, 'CONFIRMATION', 'SMS', 'SENT', 'SM1', now()) RETURNING id`, dbID(t, reg.Registration.ID)).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	path := "/receipts/twilio?message=" + strconv.FormatInt(id, 10)
	form := url.Values{"MessageSid": {"SM1"}, "MessageStatus": {"delivered"}, "AccountSid": {"AC00000000000000000000000000000001"}}
	post := func(signature string) int {
		req, _ := http.NewRequest(http.MethodPost, a.URL+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Twilio-Signature", signature)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	status := func() (s string) {
		a.Pool.QueryRow(context.Background(), `SELECT status FROM messages WHERE id = $1`, id).Scan(&s)
		return s
	}
	if code := post(messages.TwilioSignature("another token", "https://api.example.fr"+path, form)); code != http.StatusForbidden || status() != "SENT" {
		t.Errorf("a receipt signed with another token: %d, message %s; want 403 and SENT", code, status())
	}
	if code := post(messages.TwilioSignature("token", a.URL+path, form)); code != http.StatusForbidden {
		t.Errorf("a receipt signed for the address the request reached, not PUBLIC_URL's: %d, want 403", code)
	}
	if code := post(messages.TwilioSignature("token", "https://api.example.fr"+path, form)); code != http.StatusNoContent || status() != "DELIVERED" {
		t.Errorf("a signed receipt: %d, message %s; want 204 and DELIVERED", code, status())
	}
}
