package db

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jackc/pgx/v5"
)

// Orientation is a person sent on from a registration to another structure of the network.
type Orientation struct {
	ID                int64
	RegistrationID    int64 // the registration it was sent from
	FromOrgID         int64
	ToOrgID           int64
	Reason            string
	Person            OrientedPerson
	Status            OrientationStatus
	NewRegistrationID *int64  // the registration the receiver made, once ACCEPTED
	DeclineReason     *string // why the receiver declined, once DECLINED
	SentAt            time.Time
	AnsweredAt        *time.Time
	ByToken           bool // reached by the person's management link (their own data)
}

// OrientedPerson is what the receiving structure needs to call the person back, copied from
// the registration: nothing more.
type OrientedPerson struct {
	FirstName        *string
	LastName         *string
	Phone            *string
	Email            *string
	PreferredChannel *ContactChannel
}

// Orientation refusals.
var (
	ErrAlreadyOriented     = errors.New("already oriented to this organisation, waiting for an answer")
	ErrOrientationAnswered = errors.New("the orientation has already been answered")
	ErrNotAStructure       = errors.New("the organisation neither hosts workshops nor refers people")
	ErrNoSuchOrientation   = errors.New("no pending or answered orientation to this organisation")
)

const orientationColumns = `o.id, o.registration_id, o.from_org_id, o.to_org_id, o.reason, o.first_name,
	o.last_name, o.phone, o.email, o.preferred_channel, o.status, o.new_registration_id, o.decline_reason, o.created_at, o.answered_at`

func scanOrientation(row pgx.CollectableRow) (Orientation, error) {
	var o Orientation
	p := &o.Person
	err := row.Scan(&o.ID, &o.RegistrationID, &o.FromOrgID, &o.ToOrgID, &o.Reason, &p.FirstName,
		&p.LastName, &p.Phone, &p.Email, &p.PreferredChannel, &o.Status, &o.NewRegistrationID, &o.DeclineReason, &o.SentAt, &o.AnsweredAt)
	return o, err
}

// Reorient sends the person of registration regID on from organisation from (its host or its
// referrer: the caller checks) to organisation to, which must host workshops or refer people.
func Reorient(ctx context.Context, q Querier, regID, from, to int64, reason string) (Orientation, error) {
	var structure bool
	err := q.QueryRow(ctx, `SELECT hosts_workshops OR refers_people FROM organisations WHERE id = $1`, to).Scan(&structure)
	if err != nil {
		return Orientation{}, notFound(err, fmt.Sprintf("reorient registration %d to organisation %d", regID, to))
	}
	if !structure {
		return Orientation{}, ErrNotAStructure
	}
	rows, _ := q.Query(ctx, `INSERT INTO orientations AS o (registration_id, from_org_id, to_org_id, reason,
			first_name, last_name, phone, email, preferred_channel)
		SELECT r.id, $2, $3, $4, r.first_name, r.last_name, r.phone, r.email, r.preferred_channel
		FROM registrations r WHERE r.id = $1
		RETURNING `+orientationColumns, regID, from, to, reason)
	o, err := pgx.CollectExactlyOneRow(rows, scanOrientation)
	switch {
	case isUniqueViolation(err, "orientations_pending"):
		return Orientation{}, ErrAlreadyOriented
	case err != nil:
		return Orientation{}, notFound(err, fmt.Sprintf("reorient registration %d to organisation %d", regID, to))
	}
	return o, nil
}

// OrientationByID returns one orientation, with no access rule: callers check who may see it.
func OrientationByID(ctx context.Context, q Querier, id int64) (Orientation, error) {
	return queryOne(ctx, q, fmt.Sprintf("orientation %d", id), scanOrientation,
		`SELECT `+orientationColumns+` FROM orientations o WHERE o.id = $1`, id)
}

// IncomingOrientations lists the orientations sent to an organisation, newest first.
func IncomingOrientations(ctx context.Context, q Querier, orgID int64, p Page) ([]Orientation, error) {
	_, afterID := p.after()
	if afterID == 0 {
		afterID = math.MaxInt64
	}
	rows, _ := q.Query(ctx, `SELECT `+orientationColumns+` FROM orientations o
		WHERE o.to_org_id = $1 AND o.id < $2 ORDER BY o.id DESC LIMIT $3`, orgID, afterID, p.limit())
	os, err := pgx.CollectRows(rows, scanOrientation)
	if err != nil {
		return nil, fmt.Errorf("orientations to organisation %d: %w", orgID, err)
	}
	return os, nil
}

// OrientationsOf returns the orientations sent from each of the registrations, oldest first;
// a registration without any gets none in the map.
func OrientationsOf(ctx context.Context, q Querier, regIDs []int64) (map[int64][]Orientation, error) {
	rows, _ := q.Query(ctx, `SELECT `+orientationColumns+` FROM orientations o
		WHERE o.registration_id = ANY($1) ORDER BY o.registration_id, o.id`, regIDs)
	os, err := pgx.CollectRows(rows, scanOrientation)
	if err != nil {
		return nil, fmt.Errorf("orientations of registrations: %w", err)
	}
	m := make(map[int64][]Orientation, len(regIDs))
	for _, o := range os {
		m[o.RegistrationID] = append(m[o.RegistrationID], o)
	}
	return m, nil
}

// takeOrientation locks a pending orientation to the caller's organisation, for the
// registration that answers it, and returns who sent it.
func takeOrientation(ctx context.Context, tx pgx.Tx, id, orgID int64) (int64, error) {
	var from int64
	var status OrientationStatus
	err := tx.QueryRow(ctx, `SELECT from_org_id, status FROM orientations WHERE id = $1 AND to_org_id = $2 FOR UPDATE`,
		id, orgID).Scan(&from, &status)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, ErrNoSuchOrientation
	case err != nil:
		return 0, err
	case status != OrientationPending:
		return 0, ErrOrientationAnswered
	}
	return from, nil
}

// acceptOrientation marks a locked orientation answered by registration regID.
func acceptOrientation(ctx context.Context, tx pgx.Tx, id, regID int64) error {
	_, err := tx.Exec(ctx, `UPDATE orientations SET status = 'ACCEPTED', new_registration_id = $2, answered_at = now()
		WHERE id = $1`, id, regID)
	return err
}

// DeclineOrientation records that the receiving organisation orgID will not register the
// person, with a reason for the sender: ErrNoSuchOrientation when it was not sent to orgID,
// ErrOrientationAnswered once answered.
func DeclineOrientation(ctx context.Context, q Querier, id, orgID int64, reason string) (Orientation, error) {
	var o Orientation
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		if _, err := takeOrientation(ctx, tx, id, orgID); err != nil {
			return err
		}
		rows, _ := tx.Query(ctx, `UPDATE orientations o SET status = 'DECLINED', decline_reason = $2, answered_at = now()
			WHERE o.id = $1 RETURNING `+orientationColumns, id, reason)
		var err error
		o, err = pgx.CollectExactlyOneRow(rows, scanOrientation)
		return err
	})
	if err != nil {
		return Orientation{}, fmt.Errorf("decline orientation %d: %w", id, err)
	}
	return o, nil
}
