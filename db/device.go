package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Device is a donated device an organisation holds or gave (its stock, migration 019).
type Device struct {
	ID              int64
	OrganisationID  int64
	Kind            DeviceKind
	Donor           string
	ReceivedOn      time.Time // a date
	Condition       DeviceCondition
	SerialNumber    *string
	InventoryNumber *string
	Installed       string // what is installed: system, office suite...
	Description     string
	Status          DeviceStatus
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// ErrInventoryNumberTaken: another device of the organisation has this inventory number.
var ErrInventoryNumberTaken = errors.New("another device of the organisation has this inventory number")

const deviceColumns = `d.id, d.organisation_id, d.kind, d.donor, d.received_on, d.condition, d.serial_number,
	d.inventory_number, d.installed, d.description, d.status, d.created_at, d.updated_at`

func scanDevice(row pgx.CollectableRow) (Device, error) {
	var d Device
	err := row.Scan(&d.ID, &d.OrganisationID, &d.Kind, &d.Donor, &d.ReceivedOn, &d.Condition, &d.SerialNumber,
		&d.InventoryNumber, &d.Installed, &d.Description, &d.Status, &d.CreatedAt, &d.UpdatedAt)
	return d, err
}

// AddDevice records a device received into an organisation's stock.
func AddDevice(ctx context.Context, q Querier, d Device) (Device, error) {
	rows, _ := q.Query(ctx, `INSERT INTO devices AS d (organisation_id, kind, donor, received_on, condition,
			serial_number, inventory_number, installed, description)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING `+deviceColumns,
		d.OrganisationID, d.Kind, d.Donor, d.ReceivedOn, d.Condition, d.SerialNumber, d.InventoryNumber, d.Installed, d.Description)
	out, err := pgx.CollectExactlyOneRow(rows, scanDevice)
	if isUniqueViolation(err, "devices_inventory_number") {
		return Device{}, ErrInventoryNumberTaken
	}
	if err != nil {
		return Device{}, fmt.Errorf("add device: %w", err)
	}
	return out, nil
}

// DeviceByID returns one device, with no access rule: callers check who may see it.
func DeviceByID(ctx context.Context, q Querier, id int64) (Device, error) {
	return queryOne(ctx, q, fmt.Sprintf("device %d", id), scanDevice, `SELECT `+deviceColumns+` FROM devices d WHERE d.id = $1`, id)
}

// DevicesByID returns the devices of ids that exist, in no order, with no access rule.
func DevicesByID(ctx context.Context, q Querier, ids []int64) ([]Device, error) {
	return queryAll(ctx, q, "devices by id", scanDevice, `SELECT `+deviceColumns+` FROM devices d WHERE d.id = ANY($1)`, ids)
}

// Devices lists an organisation's devices in the given statuses (all when none), the latest
// added first.
func Devices(ctx context.Context, q Querier, orgID int64, statuses []DeviceStatus, p Page) ([]Device, error) {
	_, afterID := p.after()
	if afterID == 0 {
		afterID = 1<<63 - 1
	}
	return queryAll(ctx, q, fmt.Sprintf("devices of organisation %d", orgID), scanDevice, `
		SELECT `+deviceColumns+` FROM devices d
		WHERE d.organisation_id = $1 AND (cardinality($2::text[]) = 0 OR d.status = ANY($2)) AND d.id < $3
		ORDER BY d.id DESC LIMIT $4`, orgID, nonNil(statuses), afterID, p.limit())
}

// UpdateDevice locks device id, lets change modify it, and writes its editable fields. Its
// status changes only between IN_STOCK, RETURNED and SCRAPPED here: proposals and handovers
// move it to and from RESERVED and GIVEN (change checks).
func UpdateDevice(ctx context.Context, q Querier, id int64, change func(*Device) error) (Device, error) {
	d, err := update(ctx, q, `SELECT `+deviceColumns+` FROM devices d WHERE d.id = $1 FOR UPDATE`, id, scanDevice, change,
		func(ctx context.Context, tx pgx.Tx, d Device) (Device, error) {
			rows, _ := tx.Query(ctx, `UPDATE devices AS d SET kind = $2, donor = $3, received_on = $4, condition = $5,
					serial_number = $6, inventory_number = $7, installed = $8, description = $9, status = $10, updated_at = now()
				WHERE d.id = $1 RETURNING `+deviceColumns, d.ID, d.Kind, d.Donor, d.ReceivedOn, d.Condition,
				d.SerialNumber, d.InventoryNumber, d.Installed, d.Description, d.Status)
			return pgx.CollectExactlyOneRow(rows, scanDevice)
		})
	if isUniqueViolation(err, "devices_inventory_number") {
		return Device{}, ErrInventoryNumberTaken
	}
	if err != nil {
		return Device{}, fmt.Errorf("update device %d: %w", id, err)
	}
	return d, nil
}
