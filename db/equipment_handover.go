package db

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// EquipmentHandover is a device proposed to a person's request, then given, declined or returned. The
// rank, score and reasons the ranking gave when it was proposed, and the version of the rules,
// stay with it, so that the decision can be explained afterwards.
type EquipmentHandover struct {
	ID              int64
	DeviceID        int64
	RequestID       int64
	OrganisationID  int64 // the device's
	Status          HandoverStatus
	RulesVersion    int
	Rules           EquipmentRules // the weights the ranking followed
	Rank            int
	Score           int
	Reasons         []PriorityReason
	OverrideReason  *string // why a request other than the first was chosen
	ProposedAt      time.Time
	GivenAt         *time.Time
	GivenBy         *string
	Acknowledgement *string
	DeclinedAt      *time.Time
	DeclineReason   *string
	ReturnedAt      *time.Time
	ReturnNote      *string
}

// EquipmentHandover refusals.
var (
	ErrDeviceNotInStock   = errors.New("the device is not in stock")
	ErrNoOpenRequest      = errors.New("no open request to propose a device to")
	ErrNotFirst           = errors.New("the request is not the first of the ranking")
	ErrHandoverNotPending = errors.New("the device is no longer proposed: it was given, declined or returned")
	ErrHandoverNotGiven   = errors.New("the device was not given, or was already returned")
	// ErrNoSuchRequest is ErrNotFound for the request named to ProposeDevice (not the device).
	ErrNoSuchRequest = fmt.Errorf("no such equipment request: %w", ErrNotFound)
)

const handoverColumns = `h.id, h.device_id, h.request_id, d.organisation_id, h.status, h.rules_version, h.rules, h.rank,
	h.score, h.reasons, h.override_reason, h.proposed_at, h.given_at, h.given_by, h.acknowledgement,
	h.declined_at, h.decline_reason, h.returned_at, h.return_note`

const handoversFrom = ` FROM equipment_handovers h JOIN devices d ON d.id = h.device_id `

func scanHandover(row pgx.CollectableRow) (EquipmentHandover, error) {
	var h EquipmentHandover
	err := row.Scan(&h.ID, &h.DeviceID, &h.RequestID, &h.OrganisationID, &h.Status, &h.RulesVersion, &h.Rules, &h.Rank,
		&h.Score, &h.Reasons, &h.OverrideReason, &h.ProposedAt, &h.GivenAt, &h.GivenBy, &h.Acknowledgement,
		&h.DeclinedAt, &h.DeclineReason, &h.ReturnedAt, &h.ReturnNote)
	return h, err
}

// HandoverByID returns one handover, with no access rule: callers check who may see it.
func HandoverByID(ctx context.Context, q Querier, id int64) (EquipmentHandover, error) {
	return queryOne(ctx, q, fmt.Sprintf("handover %d", id), scanHandover, `SELECT `+handoverColumns+handoversFrom+`WHERE h.id = $1`, id)
}

// HandoversOf lists the handovers of devices (by device id) or of requests (by request id),
// oldest first.
func HandoversOf(ctx context.Context, q Querier, column string, ids []int64) (map[int64][]EquipmentHandover, error) {
	if column != "device_id" && column != "request_id" {
		return nil, fmt.Errorf("handovers of %q: no such list", column)
	}
	rows, err := queryAll(ctx, q, "handovers of "+column, scanHandover,
		`SELECT `+handoverColumns+handoversFrom+`WHERE h.`+column+` = ANY($1) ORDER BY h.id`, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[int64][]EquipmentHandover, len(ids))
	for _, id := range ids {
		out[id] = []EquipmentHandover{}
	}
	for _, h := range rows {
		key := h.DeviceID
		if column == "request_id" {
			key = h.RequestID
		}
		out[key] = append(out[key], h)
	}
	return out, nil
}

// ProposeDevice proposes device deviceID of organisation orgID to a request: the first of the
// ranking when requestID is 0, or the one named, which must then be the first or come with an
// override reason. The device is RESERVED and the request PROPOSED until the handover is given
// or declined. Proposals of one organisation queue on one lock, so that two devices proposed
// at once to "the first request" go to the first and the second; the unique indexes of the
// handovers hold the rest (a device with one person, a request with one device).
func ProposeDevice(ctx context.Context, q Querier, orgID, deviceID, requestID int64, overrideReason *string, keyID int64) (EquipmentHandover, error) {
	var h EquipmentHandover
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('equipment proposals ' || $1::bigint::text, 0))`, orgID); err != nil {
			return err
		}
		var status DeviceStatus
		err := tx.QueryRow(ctx, `SELECT status FROM devices WHERE id = $1 AND organisation_id = $2 FOR UPDATE`, deviceID, orgID).Scan(&status)
		if err != nil {
			return notFound(err, fmt.Sprintf("device %d", deviceID))
		}
		if status != DeviceInStock {
			return ErrDeviceNotInStock
		}
		rules, ranked, err := ranking(ctx, tx, orgID, " FOR UPDATE OF e")
		if err != nil {
			return err
		}
		chosen, err := choose(ctx, tx, orgID, ranked, requestID, overrideReason)
		if err != nil {
			return err
		}
		if chosen.Rank == 1 {
			overrideReason = nil // the first needs no reason
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO equipment_handovers (device_id, request_id, rules_version, rules, rank, score,
				reasons, override_reason, proposed_by_key)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, nullif($9, 0)) RETURNING id`,
			deviceID, chosen.Request.ID, rules.Version, rules, chosen.Rank, chosen.Score, chosen.Reasons, overrideReason, keyID).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE devices SET status = 'RESERVED', updated_at = now() WHERE id = $1`, deviceID); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `UPDATE equipment_requests SET status = 'PROPOSED' WHERE id = $1 AND status = 'OPEN'`, chosen.Request.ID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 { // withdrawn meanwhile
			return ErrRequestNotOpen
		}
		h, err = HandoverByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return EquipmentHandover{}, fmt.Errorf("propose device %d: %w", deviceID, err)
	}
	return h, nil
}

// choose picks the request a device goes to: the first of the ranking, or the one asked, which
// must be open and, unless it is the first, come with an override reason.
func choose(ctx context.Context, tx pgx.Tx, orgID int64, ranked []RankedRequest, requestID int64, overrideReason *string) (RankedRequest, error) {
	if requestID == 0 {
		if len(ranked) == 0 {
			return RankedRequest{}, ErrNoOpenRequest
		}
		return ranked[0], nil
	}
	for _, r := range ranked {
		if r.Request.ID != requestID {
			continue
		}
		if r.Rank > 1 && overrideReason == nil {
			return RankedRequest{}, ErrNotFirst
		}
		return r, nil
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT FROM equipment_requests WHERE id = $1 AND organisation_id = $2)`, requestID, orgID).Scan(&exists); err != nil {
		return RankedRequest{}, err
	}
	if exists {
		return RankedRequest{}, ErrRequestNotOpen
	}
	return RankedRequest{}, fmt.Errorf("equipment request %d: %w", requestID, ErrNoSuchRequest)
}

// moveHandover locks handover id of organisation orgID, checks it is in state from (else
// refused), and lets apply write the change, in one transaction; it returns the handover after.
func moveHandover(ctx context.Context, q Querier, orgID, id int64, from HandoverStatus, refused error, apply func(pgx.Tx, EquipmentHandover) error) (EquipmentHandover, error) {
	var h EquipmentHandover
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, `SELECT `+handoverColumns+handoversFrom+`WHERE h.id = $1 AND d.organisation_id = $2 FOR UPDATE OF h`, id, orgID)
		locked, err := pgx.CollectExactlyOneRow(rows, scanHandover)
		if err != nil {
			return notFound(err, fmt.Sprintf("handover %d", id))
		}
		if locked.Status != from {
			return refused
		}
		if err := apply(tx, locked); err != nil {
			return err
		}
		h, err = HandoverByID(ctx, tx, id)
		return err
	})
	if err != nil {
		return EquipmentHandover{}, fmt.Errorf("handover %d: %w", id, err)
	}
	return h, nil
}

// execAll runs statements in order, each with its arguments.
func execAll(ctx context.Context, tx pgx.Tx, stmts ...[]any) error {
	for _, s := range stmts {
		if _, err := tx.Exec(ctx, s[0].(string), s[1:]...); err != nil {
			return err
		}
	}
	return nil
}

// GiveDevice records that the proposed device was handed over: when, by whom, and the
// person's acknowledgement (how they confirmed receiving it).
func GiveDevice(ctx context.Context, q Querier, orgID, id int64, givenBy, acknowledgement string) (EquipmentHandover, error) {
	return moveHandover(ctx, q, orgID, id, HandoverProposed, ErrHandoverNotPending, func(tx pgx.Tx, h EquipmentHandover) error {
		return execAll(ctx, tx,
			[]any{`UPDATE equipment_handovers SET status = 'GIVEN', given_at = now(), given_by = $2, acknowledgement = $3 WHERE id = $1`, h.ID, givenBy, acknowledgement},
			[]any{`UPDATE devices SET status = 'GIVEN', updated_at = now() WHERE id = $1`, h.DeviceID},
			[]any{`UPDATE equipment_requests SET status = 'GIVEN' WHERE id = $1`, h.RequestID})
	})
}

// DeclineDevice records that the person declined the proposed device: it goes back to stock,
// and the request back to the ranking, or closed when the person wants no device any more.
func DeclineDevice(ctx context.Context, q Querier, orgID, id int64, reason string, closeRequest bool) (EquipmentHandover, error) {
	return moveHandover(ctx, q, orgID, id, HandoverProposed, ErrHandoverNotPending, func(tx pgx.Tx, h EquipmentHandover) error {
		request := `UPDATE equipment_requests SET status = 'OPEN' WHERE id = $1`
		if closeRequest {
			request = `UPDATE equipment_requests SET status = 'CLOSED', closed_reason = $2 WHERE id = $1`
		}
		args := []any{request, h.RequestID}
		if closeRequest {
			args = append(args, reason)
		}
		return execAll(ctx, tx,
			[]any{`UPDATE equipment_handovers SET status = 'DECLINED', declined_at = now(), decline_reason = $2 WHERE id = $1`, h.ID, reason},
			[]any{`UPDATE devices SET status = 'IN_STOCK', updated_at = now() WHERE id = $1`, h.DeviceID},
			args)
	})
}

// ReturnDevice records that a person gave a device back: it is RETURNED, to be wiped and
// checked before it goes back to stock (UpdateDevice). The request stays answered.
func ReturnDevice(ctx context.Context, q Querier, orgID, id int64, note string) (EquipmentHandover, error) {
	return moveHandover(ctx, q, orgID, id, HandoverGiven, ErrHandoverNotGiven, func(tx pgx.Tx, h EquipmentHandover) error {
		return execAll(ctx, tx,
			[]any{`UPDATE equipment_handovers SET status = 'RETURNED', returned_at = now(), return_note = nullif($2, '') WHERE id = $1`, h.ID, note},
			[]any{`UPDATE devices SET status = 'RETURNED', updated_at = now() WHERE id = $1`, h.DeviceID})
	})
}

// EquipmentTotals are the devices an organisation gave over a period, for the funder.
type EquipmentTotals struct {
	Given        int
	ByAgeBracket map[AgeBracket]int
	BySituation  map[Situation]int
	ByKind       map[DeviceKind]int
}

// EquipmentGiven counts the devices organisation of.OrganisationID (0: the network) handed over,
// or with of.Referred those handed over to the people whose need it recorded (at any holder),
// from from (included) to to (excluded), returned since or not. They come from what anonymisation keeps (age bracket,
// situation, kind), so they do not change when the people's data goes.
func EquipmentGiven(ctx context.Context, q Querier, of ReportOf, from, to time.Time) (EquipmentTotals, error) {
	orgID, scope := of.OrganisationID, `($1 = 0 OR d.organisation_id = $1)`
	if of.Referred {
		scope = `e.requested_by_org_id = $1`
	}
	f := EquipmentTotals{ByAgeBracket: map[AgeBracket]int{}, BySituation: map[Situation]int{}, ByKind: map[DeviceKind]int{}}
	rows, _ := q.Query(ctx, `SELECT e.age_bracket, e.situation, d.kind, count(*)
		FROM equipment_handovers h JOIN devices d ON d.id = h.device_id JOIN equipment_requests e ON e.id = h.request_id
		WHERE `+scope+` AND h.given_at >= $2 AND h.given_at < $3
		GROUP BY 1, 2, 3`, orgID, from, to)
	var age AgeBracket
	var situation Situation
	var kind DeviceKind
	var n int
	_, err := pgx.ForEachRow(rows, []any{&age, &situation, &kind, &n}, func() error {
		f.Given += n
		f.ByAgeBracket[age] += n
		f.BySituation[situation] += n
		f.ByKind[kind] += n
		return nil
	})
	if err != nil {
		return EquipmentTotals{}, fmt.Errorf("equipment figures of organisation %d: %w", orgID, err)
	}
	return f, nil
}
