package main

import (
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
)

// The words of the webhook tests: an organisation's receiver, a real HTTP server on loopback,
// and the API with its job workers delivering to it.

// webhookAPI is the server with its job workers running, as main starts them, allowed to
// deliver to loopback (receivers in the test's process) and retrying quickly.
func webhookAPI(t *testing.T, env map[string]string) *testAPI {
	t.Helper()
	settings := map[string]string{"WEBHOOK_ALLOW_LOOPBACK": "on", "WEBHOOK_RETRY_DELAYS": "20ms,20ms,20ms", "WEBHOOK_TIMEOUT": "2s",
		"WEBHOOK_SECRETS_KEY": "q83vEjRWeJCrze8SNFZ4kKvN7xI0VniQq83vEjRWeJA="} // secrets sealed at rest, as in production
	maps.Copy(settings, env)
	a := newTestAPIWith(t, settings)
	stop, err := startJobs(context.Background(), a.config, a.Pool)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stop(context.Background()) })
	return a
}

// delivery is one request a receiver got.
type delivery struct {
	Header http.Header
	Body   []byte
	Type   string
	Data   map[string]any
}

// receiver is an organisation's webhook endpoint: it records what it gets and answers with
// the status answer returns for the nth request (from 1); 204 when answer is nil.
type receiver struct {
	URL    string
	mu     sync.Mutex
	got    []delivery
	answer func(n int, d delivery) int
}

func newReceiver(t *testing.T, answer func(n int, d delivery) int) *receiver {
	t.Helper()
	r := &receiver{answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		d := delivery{Header: req.Header.Clone(), Body: body}
		var msg struct {
			Type string
			Data map[string]any
		}
		if err := json.Unmarshal(body, &msg); err != nil {
			t.Errorf("receiver: body is not JSON: %s", body)
		}
		d.Type, d.Data = msg.Type, msg.Data
		r.mu.Lock()
		r.got = append(r.got, d)
		n := len(r.got)
		r.mu.Unlock()
		status := http.StatusNoContent
		if r.answer != nil {
			status = r.answer(n, d)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL + "/hooks"
	return r
}

// deliveries returns what the receiver got so far.
func (r *receiver) deliveries() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

// waitFor waits until the receiver has got n requests and returns them.
func (r *receiver) waitFor(t *testing.T, n int) []delivery {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for len(r.deliveries()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %d webhook deliveries; got %v", n, types(r.deliveries()))
		}
		time.Sleep(10 * time.Millisecond)
	}
	return r.deliveries()
}

// types returns the types of ds, in the order they came.
func types(ds []delivery) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.Type
	}
	return out
}

// verify checks d's signature with the Standard Webhooks library, an implementation of the
// specification independent of ours.
func (d delivery) verify(t *testing.T, secret string) {
	t.Helper()
	wh, err := standardwebhooks.NewWebhook(secret)
	if err != nil {
		t.Fatal(err)
	}
	if err := wh.Verify(d.Body, d.Header); err != nil {
		t.Errorf("signature of %s does not verify with the secret: %v (headers %v)", d.Type, err, d.Header)
	}
}

// endpointDoc creates an endpoint and returns it with its secret.
const endpointDoc = `mutation($in: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $in) {
	endpoint { id url eventTypes status } secret userErrors { field message code } } }`

// endpointCreated is the payload of createWebhookEndpoint.
type endpointCreated struct {
	Endpoint *struct {
		ID, URL, Status string
		EventTypes      []string
	}
	Secret     *string
	UserErrors []userError
}

// createEndpoint calls createWebhookEndpoint and returns its payload, whatever it says.
func createEndpoint(t *testing.T, a *testAPI, key, url string, types ...string) endpointCreated {
	t.Helper()
	var out struct{ CreateWebhookEndpoint endpointCreated }
	a.withT(t).query(key, endpointDoc, map[string]any{"in": map[string]any{"url": url, "eventTypes": types}}, &out)
	return out.CreateWebhookEndpoint
}

// endpoint registers url for the organisation of key, for types, and returns the endpoint's
// id and signing secret.
func endpoint(t *testing.T, a *testAPI, key, url string, types ...string) (id, secret string) {
	t.Helper()
	out := createEndpoint(t, a, key, url, types...)
	if len(out.UserErrors) > 0 || out.Endpoint == nil || out.Secret == nil {
		t.Fatalf("createWebhookEndpoint: got %+v", out)
	}
	return out.Endpoint.ID, *out.Secret
}

// allEventTypes are the types an organisation may subscribe to.
var allEventTypes = []string{"REGISTRATION_CREATED", "REGISTRATION_CONFIRMED", "REGISTRATION_WAITLISTED",
	"REGISTRATION_PROMOTED", "REGISTRATION_CANCELLED", "ATTENDANCE_MARKED", "SLOT_CHANGED", "SLOT_CANCELLED",
	"SLOT_SEATS_CHANGED"}

// endpointState is what an organisation reads of its endpoint and its delivery log.
type endpointState struct {
	Status         string
	DisabledReason *string
	Messages       struct {
		Edges []struct {
			Node struct {
				ID, EventType, Status, Body string
				StatusReason                *string
				Attempts                    int
				AttemptLog                  []struct {
					Attempt        int
					ResponseStatus *int
					Error          *string
					Succeeded      bool
				}
			}
		}
	}
}

// readEndpoint reads endpoint id through node, as its organisation's key.
func readEndpoint(t *testing.T, a *testAPI, key, id string) *endpointState {
	t.Helper()
	var out struct {
		Node *endpointState
	}
	a.withT(t).query(key, `query($id: ID!) { node(id: $id) { ... on WebhookEndpoint { status disabledReason
		messages(first: 100) { edges { node { id eventType status statusReason attempts body
			attemptLog { attempt responseStatus error succeeded } } } } } } }`, map[string]any{"id": id}, &out)
	return out.Node
}
