package db_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
)

// Retention, with a controlled clock: a realistic small dataset of past and future seats,
// referrals, outcomes, orientations, equipment and reads; run the job at several instants and
// check in SQL that no personal data remains past its period, while every statistic is the same.
func TestRetentionRemovesPersonalDataOnTimeAndKeepsTheFigures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := dbtest.New(t)
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	var host, partner, workshop, venue int64
	if err := pool.QueryRow(ctx, `
		WITH h AS (INSERT INTO organisations (name, slug, kind, hosts_workshops) VALUES ('Régie', 'regie', 'REGIE_DE_QUARTIER', true) RETURNING id),
		     p AS (INSERT INTO organisations (name, slug, kind, refers_people) VALUES ('FT', 'ft', 'FRANCE_TRAVAIL', true) RETURNING id),
		     w AS (INSERT INTO workshops (organisation_id, title, topics, level, duration_minutes, audiences, status)
		           SELECT id, 'CV', '{CV_AND_JOB_SEARCH}', 'BEGINNER', 120, '{EVERYONE}', 'PUBLISHED' FROM h RETURNING id),
		     v AS (INSERT INTO venues (organisation_id, name, street_address, postal_code, city) SELECT id, 'E', '1 rue', '93240', 'Stains' FROM h RETURNING id)
		SELECT (SELECT id FROM h), (SELECT id FROM p), (SELECT id FROM w), (SELECT id FROM v)`).Scan(&host, &partner, &workshop, &venue); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	// Slots that ended 400, 200 and 30 days ago, and one next week.
	slots := map[int]int64{}
	for _, daysAgo := range []int{400, 200, 30, -7} {
		var id int64
		start := now.AddDate(0, 0, -daysAgo)
		if err := pool.QueryRow(ctx, `INSERT INTO slots (organisation_id, workshop_id, venue_id, starts_at, ends_at, capacity,
				visibility, registration_closes_at, allow_overlap)
			VALUES ($1, $2, $3, $4::timestamptz, $4::timestamptz + interval '2 hours', 20, 'PUBLIC', $4::timestamptz, true) RETURNING id`, host, workshop, venue, start).Scan(&id); err != nil {
			t.Fatal(err)
		}
		slots[daysAgo] = id
	}
	// Two people per slot, one referred by the partner with an outcome and a re-orientation.
	n := 0
	var regs []int64
	for daysAgo, slot := range slots {
		for i := range 2 {
			n++
			var id int64
			referred := i == 0
			var org, counsellor, reason any
			if referred {
				org, counsellor, reason = partner, "Mme Benali", "Recherche d'emploi"
			}
			attendance := any(nil)
			if daysAgo > 0 {
				attendance = "PRESENT"
			}
			if err := pool.QueryRow(ctx, `INSERT INTO registrations (slot_id, status, confirmation_code, token_hash,
					first_name, last_name, phone, email, postal_code, age_bracket, has_computer, consent_version, consented_at,
					referring_org_id, counsellor_name, referral_reason, priority, priority_reason, attendance, confirmed_at)
				VALUES ($1, 'CONFIRMED', $2, $3, 'Awa', $4, $5, $6, '93240', 'UNDER_26', false, '2026-11', now(),
					$7, $8, $9, true, 'Jeune sans équipement', $10, now()) RETURNING id`,
				slot, fmt.Sprintf("RET%05d", n), []byte(fmt.Sprintf("token-%d", n)), fmt.Sprintf("Diallo %d", n),
				fmt.Sprintf("+3363998%04d", n), fmt.Sprintf("awa%d@example.fr", n), org, counsellor, reason, attendance).Scan(&id); err != nil {
				t.Fatal(err)
			}
			regs = append(regs, id)
			if referred && daysAgo > 0 {
				exec(`UPDATE registrations SET outcome = 'CV_WRITTEN', outcome_note = 'CV imprimé', outcome_recorded_at = now() WHERE id = $1`, id)
				exec(`INSERT INTO orientations (registration_id, from_org_id, to_org_id, reason, first_name, phone, created_at)
					VALUES ($1, $2, $3, 'Suite du parcours', 'Awa', '+33639980999', $4)`, id, host, partner, now.AddDate(0, 0, -daysAgo))
			}
			exec(`INSERT INTO registration_links (token_hash, registration_id) VALUES ($1, $2)`, []byte(fmt.Sprintf("link-%d", n)), id)
		}
	}
	exec(`UPDATE slots s SET seats_taken = (SELECT count(*) FROM registrations r WHERE r.slot_id = s.id)`)
	var key int64
	if err := pool.QueryRow(ctx, `INSERT INTO api_keys (organisation_id, label, prefix, secret_hash, scopes)
		VALUES ($1, 'k', 'k', '\x01', '{REGISTRATIONS_READ}') RETURNING id`, host).Scan(&key); err != nil {
		t.Fatal(err)
	}
	exec(`INSERT INTO audit_log (at, api_key_id, organisation_id, operation, object_ids) VALUES ($1, $2, $3, 'register', '{}')`,
		now.AddDate(0, 0, -400), key, host)
	for _, daysAgo := range []int{400, 10} {
		exec(`INSERT INTO personal_data_reads (read_at, api_key_id, organisation_id, operation, registration_ids)
			VALUES ($1, $2, $3, 'personHistory', $4)`, now.AddDate(0, 0, -daysAgo), key, host, regs[:1])
	}

	// Equipment: a laptop given 400 days ago, and a need still open.
	var device int64
	if err := pool.QueryRow(ctx, `INSERT INTO devices (organisation_id, kind, donor, received_on, condition, status)
		VALUES ($1, 'LAPTOP', 'Ecodair', '2025-01-01', 'GOOD', 'GIVEN') RETURNING id`, host).Scan(&device); err != nil {
		t.Fatal(err)
	}
	for i, status := range []string{"GIVEN", "OPEN"} {
		var req int64
		if err := pool.QueryRow(ctx, `INSERT INTO equipment_requests (organisation_id, requested_by_org_id, first_name, phone, age_bracket,
				situation, has_computer, has_smartphone, has_internet, reason, consent_version, status, created_at)
			VALUES ($1, $1, 'Bakary', $2, 'UNDER_26', 'RESIDENT', false, true, false, 'Alternance', '2026-11', $3, $4) RETURNING id`,
			host, fmt.Sprintf("+336399870%02d", i), status, now.AddDate(0, 0, -401)).Scan(&req); err != nil {
			t.Fatal(err)
		}
		if status == "GIVEN" {
			exec(`INSERT INTO equipment_handovers (device_id, request_id, status, rules_version, rules, rank, score, reasons,
					proposed_at, given_at, given_by, acknowledgement)
				VALUES ($1, $2, 'GIVEN', 0, '{}', 1, 10000, '[]', $3, $3, 'Samia', 'Signé par Bakary')`, device, req, now.AddDate(0, 0, -400))
		}
	}
	figures := func() string {
		var s string
		if err := pool.QueryRow(ctx, `SELECT string_agg(x, ';' ORDER BY x) FROM (
			SELECT concat_ws(',', r.slot_id, r.status, r.attendance, r.age_bracket, r.postal_code, r.has_computer,
				r.referring_org_id, r.outcome, r.priority, count(*)) x
			FROM registrations r GROUP BY r.slot_id, r.status, r.attendance, r.age_bracket, r.postal_code, r.has_computer,
				r.referring_org_id, r.outcome, r.priority
			UNION ALL SELECT concat_ws(',', 'orientation', from_org_id, to_org_id, status, count(*)) FROM orientations GROUP BY from_org_id, to_org_id, status
			UNION ALL SELECT concat_ws(',', 'equipment', e.status, e.age_bracket, e.situation, e.has_computer, h.status, count(*))
				FROM equipment_requests e LEFT JOIN equipment_handovers h ON h.request_id = e.id GROUP BY e.status, e.age_bracket, e.situation, e.has_computer, h.status) f`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := figures()
	// personalLeft counts the personal data left past its period: contacts, follow-up details,
	// links and the equipment's.
	personalLeft := func(contactCutoff, followUpCutoff, equipmentCutoff time.Time) (contacts, followUps, links int) {
		t.Helper()
		pool.QueryRow(ctx, `SELECT
			(SELECT count(*) FROM registrations r JOIN slots s ON s.id = r.slot_id WHERE s.ends_at < $1
				AND (r.first_name IS NOT NULL OR r.last_name IS NOT NULL OR r.phone IS NOT NULL OR r.email IS NOT NULL
				  OR r.priority_reason IS NOT NULL OR r.anonymised_at IS NULL))
			+ (SELECT count(*) FROM orientations WHERE created_at < $1 AND (phone IS NOT NULL OR first_name IS NOT NULL)),
			(SELECT count(*) FROM registrations r JOIN slots s ON s.id = r.slot_id WHERE s.ends_at < $2
				AND (r.counsellor_name IS NOT NULL OR r.referral_reason IS NOT NULL OR r.outcome_note IS NOT NULL))
			+ (SELECT count(*) FROM orientations WHERE created_at < $2 AND reason IS NOT NULL),
			(SELECT count(*) FROM registration_links l JOIN registrations r ON r.id = l.registration_id WHERE r.anonymised_at IS NOT NULL)
			+ (SELECT count(*) FROM equipment_requests e JOIN equipment_handovers h ON h.request_id = e.id
				WHERE h.given_at < $3 AND (e.phone IS NOT NULL OR e.first_name IS NOT NULL OR h.acknowledgement IS NOT NULL))`,
			contactCutoff, followUpCutoff, equipmentCutoff).Scan(&contacts, &followUps, &links)
		return
	}
	r := db.DefaultRetention
	for i, at := range []time.Time{now, now.AddDate(0, 0, 200), now.AddDate(2, 0, 0)} {
		got, err := db.Anonymise(ctx, pool, at, r)
		if err != nil {
			t.Fatal(err)
		}
		contacts, followUps, links := personalLeft(at.Add(-r.Contact), at.Add(-r.FollowUp), at.Add(-r.Equipment))
		if contacts != 0 || followUps != 0 || links != 0 {
			t.Errorf("at %s (%+v): %d contacts, %d follow-ups and %d links left past their period", at.Format(time.DateOnly), got, contacts, followUps, links)
		}
		if after := figures(); after != before {
			t.Errorf("at %s the figures changed:\n%s\nwant\n%s", at.Format(time.DateOnly), after, before)
		}
		if i == 0 {
			// Today: the seats of 400 and 200 days ago lost their contacts, their follow-up is
			// kept (18 months); last month's and next week's people keep everything.
			var kept, followed int
			pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE r.phone IS NOT NULL), count(*) FILTER (WHERE r.counsellor_name IS NOT NULL)
				FROM registrations r WHERE r.slot_id = ANY($1)`, []int64{slots[30], slots[-7]}).Scan(&kept, &followed)
			if kept != 4 || followed != 2 || got.Registrations != 4 || got.FollowUps != 0 {
				t.Errorf("today: %+v, %d contacts and %d referrals kept on the recent slots; want 4 anonymised, no follow-up removed, 4 and 2 kept", got, kept, followed)
			}
		}
	}
	// Nothing more to do when run again; the read 400 days old is gone, the recent one kept.
	if again, err := db.Anonymise(ctx, pool, now.AddDate(2, 0, 0), r); err != nil || again != (db.Anonymised{}) {
		t.Errorf("a second run: %+v, %v; want nothing", again, err)
	}
	var reads, changes int
	pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM personal_data_reads), (SELECT count(*) FROM audit_log)`).Scan(&reads, &changes)
	if reads != 0 || changes != 0 {
		t.Errorf("%d records of reads and %d of changes after two years, want none", reads, changes)
	}
	// The open need keeps its person: it is kept as long as it is open.
	var open int
	pool.QueryRow(ctx, `SELECT count(*) FROM equipment_requests WHERE status = 'OPEN' AND phone IS NOT NULL`).Scan(&open)
	if open != 1 {
		t.Errorf("the open equipment request after two years: %d with their phone, want 1", open)
	}
	// No management token opens an anonymised registration any more.
	var usable int
	pool.QueryRow(ctx, `SELECT count(*) FROM registrations WHERE token_hash <> decode(md5('anonymised registration ' || id), 'hex')`).Scan(&usable)
	if usable != 0 {
		t.Errorf("%d registrations still open with their token after two years, want none", usable)
	}
}
