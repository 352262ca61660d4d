package db

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
)

// A person's rights over their data (RGPD): access and erasure. A person is who the duplicate
// rule says: the same contact (phone, or email case aside) and the same names (case aside), at
// one organisation (the host of the slots). So a mother erasing her data does not erase her son's,
// who shares her phone.

// PersonalData is what the API holds about one person at one organisation.
type PersonalData struct {
	ExportedAt        time.Time
	Registrations     []Registration     // at its slots, the latest slot first
	Orientations      []Orientation      // sent from those registrations
	EquipmentRequests []EquipmentRequest // at its stock, with the same contact and names
}

// samePerson selects the ids of the registrations of the person of registration $1 at its host
// organisation, not anonymised.
const samePerson = `SELECT r.id FROM registrations me JOIN slots ms ON ms.id = me.slot_id
	JOIN slots s ON s.organisation_id = ms.organisation_id JOIN registrations r ON r.slot_id = s.id
	WHERE me.id = $1 AND r.anonymised_at IS NULL
	  AND ((me.phone IS NOT NULL AND r.phone = me.phone) OR (me.email IS NOT NULL AND lower(r.email) = lower(me.email)))
	  AND lower(coalesce(r.first_name, '')) = lower(coalesce(me.first_name, ''))
	  AND lower(coalesce(r.last_name, '')) = lower(coalesce(me.last_name, ''))`

// samePersonRequests selects the equipment requests of the person of registration $1 at its
// host organisation's stock, not anonymised.
const samePersonRequests = `SELECT e.id FROM registrations me JOIN slots ms ON ms.id = me.slot_id
	JOIN equipment_requests e ON e.organisation_id = ms.organisation_id
	WHERE me.id = $1 AND e.anonymised_at IS NULL
	  AND ((me.phone IS NOT NULL AND e.phone = me.phone) OR (me.email IS NOT NULL AND lower(e.email) = lower(me.email)))
	  AND lower(coalesce(e.first_name, '')) = lower(coalesce(me.first_name, ''))
	  AND lower(coalesce(e.last_name, '')) = lower(coalesce(me.last_name, ''))`

// PersonDataOf gathers the data of the person of registration regID at its host organisation.
// A read by an API key (c.KeyID > 0) is recorded with the registrations it returned, for the
// audit of who read personal data; the person's own read (by their link) is not.
func PersonDataOf(ctx context.Context, q Querier, c Caller, regID int64) (PersonalData, error) {
	d := PersonalData{ExportedAt: time.Now()}
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		var err error
		d.Registrations, err = queryAll(ctx, tx, "a person's registrations", scanRegistration, `SELECT `+registrationColumns+registrationsFrom+`
			WHERE r.id IN (`+samePerson+`) ORDER BY s.starts_at DESC, r.id DESC`, regID)
		if err != nil {
			return err
		}
		ids := make([]int64, len(d.Registrations))
		for i, r := range d.Registrations {
			ids[i] = r.ID
		}
		if d.Orientations, err = queryAll(ctx, tx, "a person's orientations", scanOrientation,
			`SELECT `+orientationColumns+` FROM orientations o WHERE o.registration_id = ANY($1) ORDER BY o.id`, ids); err != nil {
			return err
		}
		if d.EquipmentRequests, err = queryAll(ctx, tx, "a person's equipment requests", scanEquipmentRequest,
			`SELECT `+equipmentRequestColumns+` FROM equipment_requests e WHERE e.id IN (`+samePersonRequests+`) ORDER BY e.id`, regID); err != nil {
			return err
		}
		if c.KeyID > 0 {
			_, err = tx.Exec(ctx, `INSERT INTO personal_data_reads (api_key_id, organisation_id, operation, registration_ids)
				VALUES ($1, $2, 'personalData', $3)`, c.KeyID, c.OrganisationID, ids)
		}
		return err
	})
	if err != nil {
		return PersonalData{}, fmt.Errorf("personal data of registration %d: %w", regID, err)
	}
	return d, nil
}

// Erasure counts what an erasure did.
type Erasure struct {
	CancelledSeats    int // seats and waiting-list places to come, cancelled (the lists moved)
	Registrations     int // registrations whose person was removed
	Orientations      int
	EquipmentRequests int
}

// ErasePerson erases the person of registration regID at its host organisation, at their
// request (by their link, cause PERSON) or the host's (ORGANISATION): their seats to come are
// cancelled first (the waiting lists move, as for any cancellation), then their names,
// contacts, reasons, notes and links are removed at once, from their registrations, the
// orientations sent from them and their equipment requests (a device proposed to them goes back
// to stock). What statistics need stays, as retention leaves it.
func ErasePerson(ctx context.Context, q Querier, regID int64, cause CancelCause) (Erasure, error) {
	var e Erasure
	err := pgx.BeginFunc(ctx, q, func(tx pgx.Tx) error {
		type seat struct{ ID, SlotID int64 }
		rows, _ := tx.Query(ctx, `SELECT r.id, r.slot_id FROM registrations r JOIN slots s ON s.id = r.slot_id
			WHERE r.id IN (`+samePerson+`) AND r.status <> 'CANCELLED' AND s.starts_at > now()`, regID)
		seats, err := pgx.CollectRows(rows, pgx.RowToStructByPos[seat])
		if err != nil {
			return err
		}
		// In slot order, as registerAll locks them, so that the two never deadlock.
		slices.SortFunc(seats, func(a, b seat) int { return cmp.Compare(a.SlotID, b.SlotID) })
		for _, s := range seats {
			_, err := CancelRegistration(ctx, tx, s.ID, "", cause)
			if err != nil && !errors.Is(err, ErrAlreadyCancelled) && !errors.Is(err, ErrSlotStarted) {
				return err
			}
			if err == nil {
				e.CancelledSeats++
			}
		}
		// The equipment first: it is found by the person's contact, which goes next.
		if e.EquipmentRequests, err = eraseEquipmentRequests(ctx, tx, regID); err != nil {
			return err
		}
		var ids []int64
		if err := tx.QueryRow(ctx, `WITH due AS (
				UPDATE registrations r SET `+clearContact+`, `+clearFollowUp+`,
					anonymised_at = now(), follow_up_removed_at = now()
				WHERE r.id IN (`+samePerson+`) RETURNING r.id),
			links AS (DELETE FROM registration_links l USING due WHERE l.registration_id = due.id)
			SELECT coalesce(array_agg(id), '{}') FROM due`, regID).Scan(&ids); err != nil {
			return err
		}
		e.Registrations = len(ids)
		tag, err := tx.Exec(ctx, `UPDATE orientations SET `+clearOrientedPerson+`, reason = NULL, decline_reason = NULL, anonymised_at = now()
			WHERE registration_id = ANY($1) AND anonymised_at IS NULL`, ids)
		if err != nil {
			return err
		}
		e.Orientations = int(tag.RowsAffected())
		return nil
	})
	if err != nil {
		return Erasure{}, fmt.Errorf("erase the person of registration %d: %w", regID, err)
	}
	return e, nil
}

// eraseEquipmentRequests erases the person's equipment requests at the host's stock: a device
// proposed to them goes back to stock, an open request is closed, then the person and the notes
// are removed. The person is found by registration regID's contact: before it is anonymised.
func eraseEquipmentRequests(ctx context.Context, tx pgx.Tx, regID int64) (int, error) {
	var ids []int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(array_agg(id), '{}') FROM (`+samePersonRequests+`) x`, regID).Scan(&ids); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	err := execAll(ctx, tx,
		[]any{`UPDATE devices SET status = 'IN_STOCK', updated_at = now() WHERE id IN (
			SELECT device_id FROM equipment_handovers WHERE request_id = ANY($1) AND status = 'PROPOSED')`, ids},
		[]any{`UPDATE equipment_handovers SET status = 'DECLINED', declined_at = now()
			WHERE request_id = ANY($1) AND status = 'PROPOSED'`, ids},
		[]any{`UPDATE equipment_handovers SET ` + clearHandoverNotes + `, notes_removed_at = now() WHERE request_id = ANY($1)`, ids},
		[]any{`UPDATE equipment_requests SET status = CASE WHEN status IN ('OPEN', 'PROPOSED') THEN 'CLOSED' ELSE status END,
			` + clearRequestPerson + `, anonymised_at = now() WHERE id = ANY($1)`, ids})
	return len(ids), err
}
