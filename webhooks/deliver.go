package webhooks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"net/url"
	"time"

	"code.dny.dev/ssrf"
	"github.com/riverqueue/river"

	"github.com/regiestains/ateliers/db"
)

// DefaultRetries are the waits after each failed try of a message: quick ones for a blip,
// then longer, about three days in all (2 days 22 h 42 min); after the last, the message
// fails, and its endpoint is disabled if nothing has got through to it meanwhile.
var DefaultRetries = []time.Duration{5 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute,
	30 * time.Minute, time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 24 * time.Hour}

// Config is how messages are delivered.
type Config struct {
	Policy  Policy
	Vault   *Vault          // opens the endpoints' secrets
	Timeout time.Duration   // of one attempt, connection included
	Retries []time.Duration // DefaultRetries if nil
	// GlobalID spells database ids as the API does (graph.GlobalID), so that a receiver can
	// fetch what a message names.
	GlobalID func(typ string, id int64) string
	// UserAgent names the sender to receivers.
	UserAgent string
}

// AddWorkers registers the delivery worker on w; it uses q for the database.
func AddWorkers(w *river.Workers, q db.Querier, c Config) {
	if c.Retries == nil {
		c.Retries = DefaultRetries
	}
	river.AddWorker(w, &worker{q: q, c: c, client: c.Policy.Client(c.Timeout)})
}

type worker struct {
	river.WorkerDefaults[db.WebhookArgs]
	q      db.Querier
	c      Config
	client *http.Client
}

// Timeout bounds a job: one attempt, and the database work around it.
func (w *worker) Timeout(*river.Job[db.WebhookArgs]) time.Duration {
	return w.c.Timeout + 30*time.Second
}

func (w *worker) Work(ctx context.Context, job *river.Job[db.WebhookArgs]) error {
	// An attempt under way holds the message a little longer than it may take, so that no
	// other job sends it meanwhile, and a worker that died mid-way does not hold it for long.
	d, ok, wait, err := db.ClaimWebhookMessage(ctx, w.q, job.Args.MessageID, w.c.Timeout+5*time.Second)
	if err != nil {
		return err
	}
	if !ok {
		if wait > 0 {
			return river.JobSnooze(wait)
		}
		return nil
	}
	o := w.attempt(ctx, d)
	o.Try = d.Try
	if !o.Succeeded && d.Try <= len(w.c.Retries) && d.Message.EventType != db.WebhookPing {
		o.RetryIn = w.c.Retries[d.Try-1] // a ping is tried once: it tests a receiver now
	}
	disabled, err := db.RecordWebhookAttempt(context.WithoutCancel(ctx), w.q, d.Message.ID, o)
	if err != nil {
		return err
	}
	if disabled {
		slog.WarnContext(ctx, "webhook endpoint disabled: every delivery failed for the whole retry period",
			"endpoint_id", d.Message.EndpointID, "message_id", d.Message.ID)
	}
	if !o.Succeeded && o.RetryIn > 0 {
		return river.JobSnooze(o.RetryIn)
	}
	return nil
}

// Body is the JSON a message carries, as the specification suggests: its type, when the event
// happened, and its data: the ids of what it is about and its status, nothing personal (the
// receiver reads names and contacts through the API, with its key's rights).
type Body struct {
	Type      string         `json:"type"`
	Timestamp time.Time      `json:"timestamp"`
	Data      map[string]any `json:"data"`
}

// Encode returns the body of m, the same at every attempt (a receiver may compare retries byte
// for byte); id spells database ids as the API does.
func Encode(m db.WebhookMessage, id func(typ string, id int64) string) ([]byte, error) {
	data := maps.Clone(m.Data)
	if data == nil {
		data = map[string]any{}
	}
	if m.SlotID != nil {
		data["slotId"] = id("Slot", *m.SlotID)
	}
	if m.RegistrationID != nil {
		data["registrationId"] = id("Registration", *m.RegistrationID)
	}
	data["endpointId"] = id("WebhookEndpoint", m.EndpointID)
	return json.Marshal(Body{Type: m.EventType.Wire(), Timestamp: m.CreatedAt.UTC(), Data: data})
}

func (w *worker) attempt(ctx context.Context, d db.WebhookDelivery) db.WebhookOutcome {
	o := db.WebhookOutcome{Attempt: d.Message.Attempts}
	body, err := Encode(d.Message, w.c.GlobalID)
	if err != nil {
		o.Error = "could not write the message: " + err.Error()
		return o
	}
	ctx, cancel := context.WithTimeout(ctx, w.c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(body))
	if err != nil {
		o.Error = "invalid URL"
		return o
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", w.c.UserAgent)
	keys := make([][]byte, len(d.Secrets))
	for i, stored := range d.Secrets {
		if keys[i], err = w.c.Vault.Open(stored); err != nil {
			o.Error = err.Error()
			return o
		}
	}
	Sign(req.Header, w.c.GlobalID("WebhookMessage", d.Message.ID), time.Now(), body, keys)
	start := time.Now()
	resp, err := w.client.Do(req)
	if err == nil {
		// Read a little of the answer so that the connection can serve the next message, and
		// keep none of it: what a receiver writes is not ours to store.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		resp.Body.Close()
	}
	o.Duration = time.Since(start)
	switch {
	case err != nil:
		o.Error = failure(err, w.c.Timeout)
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		o.ResponseCode, o.Succeeded = resp.StatusCode, true
	case resp.StatusCode >= 300 && resp.StatusCode < 400:
		o.ResponseCode, o.Error = resp.StatusCode, "answered "+resp.Status+": redirects are not followed, register the final URL"
	default:
		o.ResponseCode, o.Error = resp.StatusCode, "answered "+resp.Status
	}
	return o
}

// failure says why a request got no answer, without the URL (its owner knows it).
func failure(err error, timeout time.Duration) string {
	var ne net.Error
	switch {
	case errors.Is(err, ssrf.ErrProhibitedIP), errors.Is(err, ssrf.ErrProhibitedPort), errors.Is(err, ssrf.ErrProhibitedNetwork):
		return "refused to connect: the host resolved to a loopback, private, link-local or other reserved address"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return fmt.Sprintf("no answer within %s", timeout)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return err.Error()
}
