package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Programme is an ordered list of workshops taken as one course (parcours).
type Programme struct {
	ID             int64
	OrganisationID int64
	Title          string
	Description    string
	Status         WorkshopStatus
	OrderRule      ProgrammeOrderRule
	WorkshopIDs    []int64 // in course order
}

// The workshop ids come in course order from the join table, aggregated in the same query.
const programmeColumns = `p.id, p.organisation_id, p.title, p.description, p.status, p.order_rule,
	coalesce((SELECT array_agg(pw.workshop_id ORDER BY pw.position)
	          FROM programme_workshops pw WHERE pw.programme_id = p.id), '{}')`

func scanProgramme(row pgx.CollectableRow) (Programme, error) {
	var p Programme
	err := row.Scan(&p.ID, &p.OrganisationID, &p.Title, &p.Description, &p.Status, &p.OrderRule, &p.WorkshopIDs)
	return p, err
}

// programmeVisible: published programmes are public, the others only to their organisation.
const programmeVisible = `(p.status = 'PUBLISHED' OR p.organisation_id = $%d)`

// ProgrammeByID returns one programme whatever its status.
func ProgrammeByID(ctx context.Context, q Querier, id int64) (Programme, error) {
	return queryOne(ctx, q, fmt.Sprintf("programme %d", id), scanProgramme, `SELECT `+programmeColumns+` FROM programmes p WHERE p.id = $1`, id)
}

// ProgrammesByID returns the programmes of ids that exist, whatever their status, in no order.
func ProgrammesByID(ctx context.Context, q Querier, ids []int64) ([]Programme, error) {
	return queryAll(ctx, q, "programmes by id", scanProgramme, `SELECT `+programmeColumns+` FROM programmes p WHERE p.id = ANY($1)`, ids)
}

// VisibleProgramme returns one programme if the caller may see it, else ErrNotFound.
func VisibleProgramme(ctx context.Context, q Querier, c Caller, id int64) (Programme, error) {
	w := where{}
	w.add(programmeVisible, c.OrganisationID)
	w.add("p.id = $%d", id)
	return queryOne(ctx, q, fmt.Sprintf("programme %d", id), scanProgramme, `SELECT `+programmeColumns+` FROM programmes p `+w.sql(), w.args...)
}

// ProgrammeFilter narrows Programmes.
type ProgrammeFilter struct {
	OrganisationIDs []int64
	Statuses        []WorkshopStatus // default: published
}

// Programmes lists the programmes the caller may see, by title.
func Programmes(ctx context.Context, q Querier, c Caller, f ProgrammeFilter, p Page) ([]Programme, error) {
	w := where{}
	w.add(programmeVisible, c.OrganisationID)
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = []WorkshopStatus{StatusPublished}
	}
	w.add("p.status = ANY($%d)", statuses)
	if len(f.OrganisationIDs) > 0 {
		w.add("p.organisation_id = ANY($%d)", f.OrganisationIDs)
	}
	if key, id := p.after(); key != nil {
		w.add("(p.title, p.id) > ($%d, $%d)", *key, id)
	}
	sql := `SELECT ` + programmeColumns + ` FROM programmes p ` + w.sql() +
		fmt.Sprintf(` ORDER BY p.title, p.id LIMIT %d`, p.limit())
	return queryAll(ctx, q, "list programmes", scanProgramme, sql, forValues(w.args)...)
}

// CreateProgramme inserts p and its ordered workshops in one transaction.
func CreateProgramme(ctx context.Context, q Querier, p Programme) (Programme, error) {
	if p.OrderRule == "" {
		p.OrderRule = OrderInOrder
	}
	var id int64
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			INSERT INTO programmes (organisation_id, title, description, status, order_rule)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`,
			p.OrganisationID, p.Title, p.Description, p.Status, p.OrderRule).Scan(&id)
		if err != nil {
			return err
		}
		return setProgrammeWorkshops(ctx, tx, id, p.WorkshopIDs)
	})
	if err != nil {
		return Programme{}, fmt.Errorf("create programme: %w", err)
	}
	return ProgrammeByID(ctx, q, id)
}

// UpdateProgramme locks programme id, lets change modify it, and writes every editable field
// and its workshop list.
func UpdateProgramme(ctx context.Context, q Querier, id int64, change func(*Programme) error) (Programme, error) {
	p, err := update(ctx, q, `SELECT `+programmeColumns+` FROM programmes p WHERE p.id = $1 FOR UPDATE`,
		id, scanProgramme, change, writeProgramme)
	if err != nil {
		return Programme{}, fmt.Errorf("update programme %d: %w", id, err)
	}
	return p, nil
}

func writeProgramme(ctx context.Context, tx pgx.Tx, p Programme) (Programme, error) {
	if _, err := tx.Exec(ctx, `
		UPDATE programmes SET title = $2, description = $3, status = $4, order_rule = $5, updated_at = now()
		WHERE id = $1`, p.ID, p.Title, p.Description, p.Status, p.OrderRule); err != nil {
		return Programme{}, err
	}
	if err := setProgrammeWorkshops(ctx, tx, p.ID, p.WorkshopIDs); err != nil {
		return Programme{}, err
	}
	return ProgrammeByID(ctx, tx, p.ID)
}

func setProgrammeWorkshops(ctx context.Context, tx pgx.Tx, id int64, workshopIDs []int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM programme_workshops WHERE programme_id = $1`, id); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO programme_workshops (programme_id, position, workshop_id)
		SELECT $1, ord, wid FROM unnest($2::bigint[]) WITH ORDINALITY AS t(wid, ord)`, id, workshopIDs)
	return err
}
