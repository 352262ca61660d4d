package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/graph"
	"github.com/regiestains/ateliers/messages"
	"github.com/regiestains/ateliers/webhooks"
)

// startJobs starts this instance's workers of the job queue (River, in the database): they
// follow up booking events, remind and send messages, deliver webhooks. Every instance runs them; River hands
// each job to one worker at a time. stop waits for the jobs in hand to finish, or ctx to end.
func startJobs(ctx context.Context, c config, pool *pgxpool.Pool) (stop func(context.Context) error, err error) {
	mc, err := messagesConfig(c)
	if err != nil {
		return nil, err
	}
	if c.JobWorkers == 0 {
		return func(context.Context) error { return nil }, nil
	}
	workers := river.NewWorkers()
	messages.AddWorkers(workers, pool, mc)
	river.AddWorker(workers, &retentionWorker{pool: pool, retention: c.Retention})
	webhooks.AddWorkers(workers, pool, webhooks.Config{
		Policy: webhooks.Policy{AllowLoopback: c.WebhookAllowLoopback}, Vault: c.WebhookSecrets, Timeout: c.WebhookTimeout,
		Retries: c.WebhookRetries, GlobalID: graph.GlobalID, UserAgent: "ateliers-webhooks/1",
	})
	client, err := river.NewClient(riverpgxv5.New(pool), &river.Config{
		// Webhooks have a queue of their own: receivers slow to answer (up to WEBHOOK_TIMEOUT
		// each) must not hold up the messages to people.
		Queues: map[string]river.QueueConfig{
			river.QueueDefault: {MaxWorkers: c.JobWorkers},
			db.WebhookQueue:    {MaxWorkers: c.WebhookWorkers},
		},
		Workers:      workers,
		PeriodicJobs: retentionJobs(),
		Logger:       slog.Default(),
		Middleware:   jobMiddleware(c),
		// Completed jobs are kept a day, for whoever investigates; the delivery log is the
		// record of messages.
		CompletedJobRetentionPeriod: 24 * time.Hour,
	})
	if err != nil {
		return nil, fmt.Errorf("job queue: %w", err)
	}
	if err := client.Start(ctx); err != nil {
		return nil, fmt.Errorf("start the job queue: %w", err)
	}
	return client.Stop, nil
}

// messagesConfig is how this server sends messages: by the providers configured, or, for
// the demo without any, into the delivery log only (messages.Journal).
func messagesConfig(c config) (messages.Config, error) {
	mc := messages.Config{
		RemindAt: messages.DayBeforeAt(c.ReminderHour), LinkBase: c.MessageLinkBase,
		QuietFrom: 20, QuietUntil: 9, Stale: 10 * time.Minute,
	}
	if c.SMTPURL != "" {
		email, err := messages.NewSMTP(c.SMTPURL, c.MailFrom)
		if err != nil {
			return mc, err
		}
		mc.Email = messages.Paced(email, float64(c.EmailPerSecond))
	}
	if c.TwilioAccountSID != "" {
		keySID, secret := c.TwilioKeySID, c.TwilioKeySecret
		if keySID == "" {
			keySID, secret = c.TwilioAccountSID, c.TwilioAuthToken
		}
		mc.SMS = messages.Paced(&messages.Twilio{BaseURL: c.TwilioBaseURL, AccountSID: c.TwilioAccountSID, KeySID: keySID, Secret: secret,
			From: c.TwilioFrom, MessagingService: c.TwilioMessagingService, StatusCallback: c.PublicURL + "/receipts/twilio",
			Client: &http.Client{Timeout: 10 * time.Second}}, float64(c.SMSPerSecond))
	}
	if c.DemoData {
		if mc.Email == nil {
			mc.Email = messages.Journal{}
		}
		if mc.SMS == nil {
			mc.SMS = messages.Journal{}
		}
	}
	return mc, nil
}
