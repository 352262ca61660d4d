package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/regiestains/ateliers/db"
)

// retentionInterval is how often the retention job runs: personal data leaves within an hour
// of the end of its period.
const retentionInterval = time.Hour

// retentionWorker removes the personal data past its period (db.Anonymise). River's leader
// enqueues it every retentionInterval and at start, so one instance runs it at a time.
type retentionWorker struct {
	river.WorkerDefaults[db.RetentionArgs]
	pool      *pgxpool.Pool
	retention db.Retention
}

func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[db.RetentionArgs]) error {
	a, err := db.Anonymise(ctx, w.pool, time.Now(), w.retention)
	if err != nil {
		return err
	}
	slog.InfoContext(ctx, "retention: personal data past its period removed", "registrations", a.Registrations,
		"follow_ups", a.FollowUps, "orientations", a.Orientations, "orientation_notes", a.OrientationNotes,
		"equipment_requests", a.EquipmentRequests, "handover_notes", a.HandoverNotes, "reads", a.Reads)
	return nil
}

// retentionJobs is the periodic job of retention, for the job queue's configuration.
func retentionJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{river.NewPeriodicJob(river.PeriodicInterval(retentionInterval),
		func() (river.JobArgs, *river.InsertOpts) { return db.RetentionArgs{}, nil },
		&river.PeriodicJobOpts{RunOnStart: true})}
}
