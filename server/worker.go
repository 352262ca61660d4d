package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/regiestains/ateliers/db"
)

// workerInterval is how often the booking worker looks for work: reserved seats whose release
// time has come (the waiting list then moves by itself), expired idempotency keys and idle
// rate buckets, the texts of messages and the webhook messages past their retention; and
// webhook messages whose job was lost (db.RescueWebhookMessages).
const workerInterval = 30 * time.Second

// runWorker does the booking's periodic work until ctx ends. Every instance runs one; the
// work is safe to run twice at once (slot locks, idempotent deletes).
func runWorker(ctx context.Context, pool *pgxpool.Pool) {
	t := time.NewTicker(workerInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := db.ReleaseDueAllocations(ctx, pool); err != nil {
			slog.ErrorContext(ctx, "release reserved seats", "err", err)
		} else if n > 0 {
			slog.InfoContext(ctx, "released reserved seats", "slots", n)
		}
		if _, err := db.PurgeIdempotencyKeys(ctx, pool); err != nil {
			slog.ErrorContext(ctx, "purge idempotency keys", "err", err)
		}
		if _, err := db.PurgeRateBuckets(ctx, pool); err != nil {
			slog.ErrorContext(ctx, "purge rate buckets", "err", err)
		}
		if _, err := db.PurgeMessageBodies(ctx, pool); err != nil {
			slog.ErrorContext(ctx, "purge message texts", "err", err)
		}
		if _, err := db.PurgeWebhookMessages(ctx, pool); err != nil {
			slog.ErrorContext(ctx, "purge webhook messages", "err", err)
		}
		if n, err := db.RescueWebhookMessages(ctx, pool); err != nil {
			slog.ErrorContext(ctx, "rescue webhook messages", "err", err)
		} else if n > 0 {
			slog.WarnContext(ctx, "webhook messages had lost their job: queued again", "messages", n)
		}
	}
}
