package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The metrics say what a person on call looks at first: requests by route and status, the
// pool, the queue, the messages and the webhooks.
func TestMetricsShowRequestsQueueAndMessages(t *testing.T) {
	t.Parallel()
	a, box := messagingAPI(t)
	_, slot := a.bookable("regie-stains", 10)
	a.exec(`INSERT INTO webhook_endpoints (organisation_id, url, event_types, secret)
		VALUES ($1, 'https://hooks.invalid/regie', '{REGISTRATION_CONFIRMED}', 'k')`, orgID(t, a, "regie-stains"))
	a.register("", slot, 1, byEmail(1))
	waitFor(t, 20*time.Second, "the confirmation", func() bool { return len(box.Mails()) == 1 })
	srv := httptest.NewServer(promhttp.HandlerFor(metricsRegistry(a.Pool, nil), promhttp.HandlerOpts{}))
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, want := range []string{
		`ateliers_http_request_duration_seconds_count{method="POST",operation="mutation register",route="/graphql",status="200"}`,
		`ateliers_db_pool_connections{state="idle"}`,
		`ateliers_db_pool_max_connections 10`,
		`ateliers_messages{channel="EMAIL",status="SENT"} 1`,
		`ateliers_webhook_endpoints{status="ENABLED"} 1`,
		`ateliers_webhook_messages{status="`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("the metrics do not show %s", want)
		}
	}
	if strings.Contains(string(body), "awa1@example.fr") || strings.Contains(string(body), "Diallo") {
		t.Error("the metrics show personal data")
	}
}
