// Package webhooks delivers the webhook messages of booking events to the endpoints that
// organisations registered: signed as the Standard Webhooks specification says
// (https://www.standardwebhooks.com), sent by jobs of the queue with retries, to addresses
// checked at connection time so that a URL cannot reach the network the server runs in.
package webhooks

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sign sets the three headers of the specification on h for the message id sent at t with
// body: webhook-id, webhook-timestamp (Unix seconds) and webhook-signature, one "v1,"
// signature per secret, separated by spaces (during a rotation, the receiver may hold either
// secret). A signature is the base64 HMAC-SHA256, keyed by the secret, of "id.timestamp.body".
func Sign(h http.Header, id string, t time.Time, body []byte, secrets [][]byte) {
	ts := strconv.FormatInt(t.Unix(), 10)
	sigs := make([]string, len(secrets))
	for i, key := range secrets {
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(id + "." + ts + "."))
		mac.Write(body)
		sigs[i] = "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil))
	}
	h.Set("webhook-id", id)
	h.Set("webhook-timestamp", ts)
	h.Set("webhook-signature", strings.Join(sigs, " "))
}
