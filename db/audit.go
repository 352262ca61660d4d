package db

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// AuditEntry is one change recorded in the audit log: a mutation that succeeded.
type AuditEntry struct {
	ID             int64
	At             time.Time
	APIKeyID       *int64
	OrganisationID *int64
	NetworkAdmin   bool
	Operation      string
	ObjectIDs      []string // the global ids the mutation named and returned
}

// RecordChange appends an entry to the audit log for caller c.
func RecordChange(ctx context.Context, q Querier, c Caller, operation string, objectIDs []string) error {
	var key, org *int64
	if c.KeyID > 0 {
		key = &c.KeyID
	}
	if c.OrganisationID != 0 {
		org = &c.OrganisationID
	}
	if len(objectIDs) > 100 {
		objectIDs = objectIDs[:100]
	}
	_, err := q.Exec(ctx, `INSERT INTO audit_log (api_key_id, organisation_id, network_admin, operation, object_ids)
		VALUES ($1, $2, $3, $4, $5)`, key, org, c.NetworkAdmin, operation, nonNil(objectIDs))
	if err != nil {
		return fmt.Errorf("record %s in the audit log: %w", operation, err)
	}
	return nil
}

// AuditLog lists the entries of an organisation (all of them for orgID 0: the network
// administrator), the latest first.
func AuditLog(ctx context.Context, q Querier, orgID int64, p Page) ([]AuditEntry, error) {
	_, afterID := p.after()
	if afterID == 0 {
		afterID = math.MaxInt64
	}
	return queryAll(ctx, q, "audit log", func(row pgx.CollectableRow) (AuditEntry, error) {
		var e AuditEntry
		err := row.Scan(&e.ID, &e.At, &e.APIKeyID, &e.OrganisationID, &e.NetworkAdmin, &e.Operation, &e.ObjectIDs)
		return e, err
	}, `SELECT id, at, api_key_id, organisation_id, network_admin, operation, object_ids FROM audit_log
		WHERE ($1 = 0 OR organisation_id = $1) AND id < $2 ORDER BY id DESC LIMIT $3`, orgID, afterID, p.limit())
}

// PersonalDataRead is one record of who read personal data.
type PersonalDataRead struct {
	ID              int64
	At              time.Time
	APIKeyID        int64
	Operation       string
	RegistrationIDs []int64
}

// PersonalDataReads lists an organisation's records of reads, the latest first.
func PersonalDataReads(ctx context.Context, q Querier, orgID int64, p Page) ([]PersonalDataRead, error) {
	_, afterID := p.after()
	if afterID == 0 {
		afterID = math.MaxInt64
	}
	return queryAll(ctx, q, "personal data reads", func(row pgx.CollectableRow) (PersonalDataRead, error) {
		var r PersonalDataRead
		err := row.Scan(&r.ID, &r.At, &r.APIKeyID, &r.Operation, &r.RegistrationIDs)
		return r, err
	}, `SELECT id, read_at, api_key_id, operation, registration_ids FROM personal_data_reads
		WHERE organisation_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, orgID, afterID, p.limit())
}

// RecordRead records that caller's key read the personal data of registrations in operation.
func RecordRead(ctx context.Context, q Querier, c Caller, operation string, registrationIDs []int64) error {
	if len(operation) > 100 {
		operation = operation[:100]
	}
	_, err := q.Exec(ctx, `INSERT INTO personal_data_reads (api_key_id, organisation_id, operation, registration_ids)
		VALUES ($1, $2, $3, $4)`, c.KeyID, c.OrganisationID, operation, registrationIDs)
	if err != nil {
		return fmt.Errorf("record a read: %w", err)
	}
	return nil
}
