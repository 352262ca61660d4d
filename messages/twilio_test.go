package messages

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// Twilio's own test vector (the request validator's tests of its Go SDK).
func TestTwilioSignatureMatchesTwilios(t *testing.T) {
	params := url.Values{
		"Digits": {"1234"}, "CallSid": {"CA1234567890ABCDE"}, "To": {"+18005551212"},
		"Caller": {"+14158675309"}, "From": {"+14158675309"}, "ReasonConferenceEnded": {"test"}, "Reason": {"Participant"},
	}
	if got := TwilioSignature("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", params); got != "vOEb5UThFn24KEfnOFLQY2AE5FY=" {
		t.Errorf("signature %s, want vOEb5UThFn24KEfnOFLQY2AE5FY=", got)
	}
}

// fakeTwilio answers POST /2010-04-01/Accounts/{sid}/Messages.json as Twilio documents it,
// after checking the request as Twilio would; answer, if set, replaces a 201. It keeps every
// request's form, and the messages it took (accepted).
type fakeTwilio struct {
	mu       sync.Mutex
	forms    []url.Values
	accepted []url.Values
	answer   func(w http.ResponseWriter, form url.Values) bool
}

var e164 = regexp.MustCompile(`^\+[1-9]\d{1,14}$`)

func (f *fakeTwilio) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	fail := func(status, code int, msg string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "more_info": "https://www.twilio.com/docs/errors/" + strconv.Itoa(code), "status": status})
	}
	if r.Method != http.MethodPost || r.URL.Path != "/2010-04-01/Accounts/AC00000000000000000000000000000001/Messages.json" {
		fail(404, 20404, "The requested resource was not found")
		return
	}
	if user, pass, ok := r.BasicAuth(); !ok || user != "SK00000000000000000000000000000001" || pass != "secret" {
		fail(401, 20003, "Authenticate")
		return
	}
	if r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		fail(400, 20001, "content type")
		return
	}
	if err := r.ParseForm(); err != nil {
		fail(400, 20001, "form")
		return
	}
	f.mu.Lock()
	f.forms = append(f.forms, r.PostForm)
	answer := f.answer
	f.mu.Unlock()
	switch {
	case !e164.MatchString(r.PostForm.Get("To")):
		fail(400, 21211, "The 'To' number is not a valid phone number.")
		return
	case r.PostForm.Get("From") == "" && r.PostForm.Get("MessagingServiceSid") == "":
		fail(400, 21606, "The 'From' phone number provided is not a valid message-capable phone number.")
		return
	case len([]rune(r.PostForm.Get("Body"))) > 1600:
		fail(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
		return
	}
	if answer != nil && answer(w, r.PostForm) {
		return
	}
	f.mu.Lock()
	f.accepted = append(f.accepted, r.PostForm)
	sid := fmt.Sprintf("SM%032d", len(f.accepted)+41)
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"sid": sid, "status": "queued", "num_segments": "1", "api_version": "2010-04-01", "error_code": nil})
}

func newTwilio(t *testing.T, f *fakeTwilio) *Twilio {
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return &Twilio{BaseURL: srv.URL, AccountSID: "AC00000000000000000000000000000001", KeySID: "SK00000000000000000000000000000001",
		Secret: "secret", From: "RegieStains", StatusCallback: "https://api.example.fr/receipts/twilio"}
}

func TestTwilioSendsAsTwilioDocuments(t *testing.T) {
	f := &fakeTwilio{}
	tw := newTwilio(t, f)
	sid, err := tw.Send(context.Background(), Outgoing{MessageID: 42, To: "+33612345678", Text: Text{Body: "Rappel : Faire son CV mardi 8 décembre à 14h"}})
	if err != nil || sid != "SM00000000000000000000000000000042" {
		t.Fatalf("got %q, %v", sid, err)
	}
	form := f.forms[0]
	want := url.Values{"To": {"+33612345678"}, "From": {"RegieStains"}, "Body": {"Rappel : Faire son CV mardi 8 décembre à 14h"},
		"StatusCallback": {"https://api.example.fr/receipts/twilio?message=42"}}
	if form.Encode() != want.Encode() {
		t.Errorf("form %v, want %v", form, want)
	}
}

func TestTwilioRefusalsAreClassifiedAsTwilioDocuments(t *testing.T) {
	for _, tc := range []struct {
		name      string
		to        string
		answer    func(w http.ResponseWriter, form url.Values) bool
		permanent bool
		uncertain bool
	}{
		{name: "an invalid number (21211)", to: "+33 6 12", permanent: true},
		{name: "too many requests (429)", to: "+33612345678", answer: func(w http.ResponseWriter, _ url.Values) bool {
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"code":20429,"message":"Too Many Requests","status":429}`))
			return true
		}},
		{name: "a landline (21614)", to: "+33148210000", answer: func(w http.ResponseWriter, _ url.Values) bool {
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"code":21614,"message":"'To' number is not a valid mobile number","status":400}`))
			return true
		}, permanent: true},
		{name: "a server error after the request (500)", to: "+33612345678", answer: func(w http.ResponseWriter, _ url.Values) bool {
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}, uncertain: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tw := newTwilio(t, &fakeTwilio{answer: tc.answer})
			_, err := tw.Send(context.Background(), Outgoing{MessageID: 1, To: tc.to, Text: Text{Body: "x"}})
			if err == nil || IsPermanent(err) != tc.permanent || IsUncertain(err) != tc.uncertain {
				t.Errorf("got %v (permanent %v, uncertain %v); want permanent %v, uncertain %v", err, IsPermanent(err), IsUncertain(err), tc.permanent, tc.uncertain)
			}
		})
	}
	down := &Twilio{BaseURL: "http://127.0.0.1:1", AccountSID: "AC1", From: "X"}
	if _, err := down.Send(context.Background(), Outgoing{MessageID: 1, To: "+33612345678"}); err == nil || IsPermanent(err) || IsUncertain(err) {
		t.Errorf("Twilio unreachable: got %v; want a temporary error (nothing was sent)", err)
	}
}

func TestTwilioReceiptsAreCheckedAndRead(t *testing.T) {
	public := "https://api.example.fr/receipts/twilio?message=42"
	form := url.Values{"MessageSid": {"SM00000000000000000000000000000042"}, "MessageStatus": {"undelivered"}, "ErrorCode": {"30003"},
		"AccountSid": {"AC00000000000000000000000000000001"}, "To": {"+33612345678"}, "From": {"RegieStains"}, "ApiVersion": {"2010-04-01"}}
	post := func(signature string) *http.Request {
		r := httptest.NewRequest(http.MethodPost, "http://10.0.0.5:8080/receipts/twilio?message=42", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.Header.Set("X-Twilio-Signature", signature)
		return r
	}
	got, err := TwilioReceipt("token", public, post(TwilioSignature("token", public, form)))
	if err != nil || got.MessageID != 42 || got.SID != "SM00000000000000000000000000000042" || got.Status != "undelivered" || got.ErrorCode != "30003" {
		t.Errorf("got %+v, %v", got, err)
	}
	if _, err := TwilioReceipt("token", public, post(TwilioSignature("another token", public, form))); err == nil {
		t.Error("a receipt signed with another token was accepted")
	}
	if _, err := TwilioReceipt("token", public, post("")); err == nil {
		t.Error("an unsigned receipt was accepted")
	}
}
