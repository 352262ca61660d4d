package messages

import (
	"context"
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// Twilio sends SMS through Twilio's Programmable Messaging API, widely used in France and the
// one provider among those we weighed whose delivery receipts are signed (HMAC-SHA1 with the
// account's auth token), so that a forged receipt cannot mark a message delivered. Its API
// takes no idempotency key for messages: what "sent once" means with it is in Send.
//
// It is a small client written here rather than Twilio's SDK, whose base URL cannot be pointed
// at a test server: the request and the answers are those Twilio documents for
// POST /2010-04-01/Accounts/{AccountSid}/Messages.json.
type Twilio struct {
	BaseURL    string // https://api.twilio.com, or a test server
	AccountSID string // AC…, in the URL
	// KeySID and Secret authenticate (an API key SK… and its secret, or the AccountSID and the
	// auth token).
	KeySID, Secret string
	// From is the sender shown on phones: an alphanumeric sender ID (at most 11 letters and
	// digits, as French operators require for automated SMS), or MessagingService, a Messaging
	// Service's SID (MG…), instead.
	From, MessagingService string
	// StatusCallback is where Twilio posts delivery receipts; the message's id is appended as
	// ?message=ID. Empty: no receipts.
	StatusCallback string
	Client         *http.Client // http.DefaultClient if nil; the context bounds each call
}

// twilioError is Twilio's error body.
type twilioError struct {
	Code     int    `json:"code"`
	Message  string `json:"message"`
	MoreInfo string `json:"more_info"`
	Status   int    `json:"status"`
}

// twilioPermanent are the error codes that retrying will not cure: the number is invalid, not
// a mobile, has opted out (STOP), cannot be reached, or the body is too long.
var twilioPermanent = map[int]bool{21211: true, 21614: true, 21610: true, 21612: true, 21408: true, 21617: true}

// Send asks Twilio to send m and returns the message's SID. Twilio takes no idempotency key,
// so the outcome decides what happens next: refused for good (an invalid number) is permanent;
// refused for now (429, or the connection failed before the request went) is temporary and is
// tried again; a 5xx or a lost answer after the request went is Uncertain: the message may
// exist, so it is not sent again until its delivery receipt has had time to say so.
func (t *Twilio) Send(ctx context.Context, m Outgoing) (string, error) {
	form := url.Values{"To": {m.To}, "Body": {m.Text.Body}}
	if t.MessagingService != "" {
		form.Set("MessagingServiceSid", t.MessagingService)
	} else {
		form.Set("From", t.From)
	}
	if t.StatusCallback != "" {
		form.Set("StatusCallback", t.callbackURL(m.MessageID))
	}
	endpoint := strings.TrimRight(t.BaseURL, "/") + "/2010-04-01/Accounts/" + url.PathEscape(t.AccountSID) + "/Messages.json"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return "", Permanent(err)
	}
	req.SetBasicAuth(t.KeySID, t.Secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	client := t.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return "", fmt.Errorf("twilio unreachable: %w", err) // nothing was sent
		}
		return "", Uncertain(fmt.Errorf("twilio: %w", err))
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusCreated:
		var ok struct {
			SID string `json:"sid"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&ok); err != nil || ok.SID == "" {
			return "", Uncertain(fmt.Errorf("twilio: 201 without a message sid: %v", err))
		}
		return ok.SID, nil
	case resp.StatusCode >= 500:
		return "", Uncertain(fmt.Errorf("twilio: %s", resp.Status))
	}
	var e twilioError
	_ = json.NewDecoder(resp.Body).Decode(&e)
	err = fmt.Errorf("twilio %d: error %d: %s", resp.StatusCode, e.Code, e.Message)
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		return "", err
	case twilioPermanent[e.Code], resp.StatusCode == http.StatusUnauthorized:
		return "", Permanent(err)
	case resp.StatusCode >= 400 && resp.StatusCode < 500:
		return "", Permanent(err) // the request itself is wrong: sending it again will not help
	}
	return "", Uncertain(err)
}

func (t *Twilio) callbackURL(id int64) string {
	sep := "?"
	if strings.Contains(t.StatusCallback, "?") {
		sep = "&"
	}
	return t.StatusCallback + sep + "message=" + strconv.FormatInt(id, 10)
}

// TwilioSignature is what Twilio puts in X-Twilio-Signature for a request to fullURL (exactly
// as configured, query included) with the form params: base64 of HMAC-SHA1, keyed with the
// auth token, over the URL followed by each parameter's name and value, names sorted.
func TwilioSignature(authToken, fullURL string, params url.Values) string {
	names := make([]string, 0, len(params))
	for name := range params {
		names = append(names, name)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, name := range names {
		for _, v := range params[name] {
			b.WriteString(name)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// Receipt is a delivery receipt: what Twilio says became of a message.
type Receipt struct {
	MessageID int64  // ours, from the callback's URL
	SID       string // Twilio's
	Status    string // queued, sending, sent, delivered, undelivered, failed…
	ErrorCode string // on undelivered and failed
}

// TwilioReceipt checks and reads a delivery receipt posted to publicURL (the URL Twilio was
// given, as it is seen from outside: behind a proxy the request's own Host may differ). A
// receipt whose signature does not match is refused: anyone can post to the endpoint.
func TwilioReceipt(authToken, publicURL string, r *http.Request) (Receipt, error) {
	if err := r.ParseForm(); err != nil {
		return Receipt{}, err
	}
	want := TwilioSignature(authToken, publicURL, r.PostForm)
	if !hmac.Equal([]byte(want), []byte(r.Header.Get("X-Twilio-Signature"))) {
		return Receipt{}, errors.New("the receipt's signature does not match")
	}
	u, err := url.Parse(publicURL)
	if err != nil {
		return Receipt{}, err
	}
	id, err := strconv.ParseInt(u.Query().Get("message"), 10, 64)
	if err != nil {
		return Receipt{}, errors.New("the receipt names no message")
	}
	return Receipt{MessageID: id, SID: r.PostForm.Get("MessageSid"), Status: r.PostForm.Get("MessageStatus"),
		ErrorCode: r.PostForm.Get("ErrorCode")}, nil
}
