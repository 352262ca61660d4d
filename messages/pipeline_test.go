package messages

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/regiestains/ateliers/db"
	"github.com/regiestains/ateliers/db/dbtest"
	"github.com/regiestains/ateliers/messages/mailtest"
)

// phoneBook is Twilio as the tests see it: the real client (Twilio) talking to a local server
// that checks requests as Twilio documents them (fakeTwilio), and keeps what it took.
type phoneBook struct {
	*Twilio
	fake *fakeTwilio
}

func newPhoneBook(t *testing.T) *phoneBook {
	fake := &fakeTwilio{}
	return &phoneBook{Twilio: newTwilio(t, fake), fake: fake}
}

// texts returns the SMS Twilio took, in order.
func (p *phoneBook) texts() []Outgoing {
	p.fake.mu.Lock()
	defer p.fake.mu.Unlock()
	var out []Outgoing
	for _, f := range p.fake.accepted {
		out = append(out, Outgoing{To: f.Get("To"), Text: Text{Body: f.Get("Body")}})
	}
	return out
}

// set makes Twilio refuse every SMS for now (down: 429 Too Many Requests, as when an account
// is over its rate), or take each one and lose its answer (lost: a 500 after taking it), or
// work again (neither).
func (p *phoneBook) set(down, lost bool) {
	p.fake.mu.Lock()
	defer p.fake.mu.Unlock()
	switch {
	case down:
		p.fake.answer = func(w http.ResponseWriter, _ url.Values) bool {
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"code":20429,"message":"Too Many Requests","status":429}`))
			return true
		}
	case lost:
		p.fake.answer = func(w http.ResponseWriter, form url.Values) bool {
			p.fake.mu.Lock()
			p.fake.accepted = append(p.fake.accepted, form)
			p.fake.mu.Unlock()
			w.WriteHeader(http.StatusInternalServerError)
			return true
		}
	default:
		p.fake.answer = nil
	}
}

func (p *phoneBook) down() bool {
	p.fake.mu.Lock()
	defer p.fake.mu.Unlock()
	return p.fake.answer != nil
}

// world is a database with a slot of the Régie, a mailbox, a phone book and the workers.
type world struct {
	t      *testing.T
	pool   *pgxpool.Pool
	box    *mailtest.Server
	phones *phoneBook
	cfg    Config
	slotID int64
	starts time.Time
}

func newWorld(t *testing.T, starts time.Time, capacity int) *world {
	t.Helper()
	w := &world{t: t, pool: dbtest.New(t), box: mailtest.Start(t), phones: newPhoneBook(t), starts: starts}
	email, err := NewSMTP("smtp://"+w.box.Addr+"?tls=none", "ateliers@regie-stains.example")
	if err != nil {
		t.Fatal(err)
	}
	w.cfg = Config{SMS: w.phones, Email: email, RemindAt: DayBeforeAt(18), LinkBase: "https://ateliers.example.fr/r/",
		QuietFrom: 20, QuietUntil: 9, Stale: 10 * time.Minute}
	err = w.pool.QueryRow(context.Background(), `
		WITH o AS (INSERT INTO organisations (name, slug, kind, phone) VALUES ('Régie de Quartier de Stains', 'regie', 'OTHER', '+33148210000') RETURNING id),
		     w AS (INSERT INTO workshops (organisation_id, title, topics, level, duration_minutes, audiences, status, what_to_bring)
		           SELECT id, 'Faire son CV', '{CV_AND_JOB_SEARCH}', 'BEGINNER', 120, '{EVERYONE}', 'PUBLISHED', '{pièce d''identité}' FROM o RETURNING id, organisation_id),
		     v AS (INSERT INTO venues (organisation_id, name, street_address, postal_code, city)
		           SELECT id, 'Régie de Quartier', '12 rue Carnot', '93240', 'Stains' FROM o RETURNING id)
		INSERT INTO slots (organisation_id, workshop_id, venue_id, starts_at, ends_at, capacity, visibility, registration_closes_at)
		SELECT w.organisation_id, w.id, v.id, $1::timestamptz, $1::timestamptz + interval '2 hours', $2, 'PUBLIC', $1::timestamptz
		FROM w, v RETURNING id`, starts, capacity).Scan(&w.slotID)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// register books person n, reachable by phone, email or both, preferring the first given.
func (w *world) register(n int, phone, email bool, waitlist bool) db.Registration {
	w.t.Helper()
	name := fmt.Sprintf("Personne%d", n)
	p := db.Participant{FirstName: &name, LastName: &name}
	if phone {
		v := fmt.Sprintf("+3361000%04d", n)
		p.Phone = &v
	}
	if email {
		v := fmt.Sprintf("personne%d@example.fr", n)
		p.Email = &v
		if !phone {
			ch := db.ChannelEmail
			p.PreferredChannel = &ch
		}
	}
	reg, _, err := db.Register(context.Background(), w.pool, db.RegisterRequest{SlotID: w.slotID, ConsentVersion: "2026-11", Participant: p, JoinWaitlist: waitlist})
	if err != nil {
		w.t.Fatal(err)
	}
	return reg
}

// work runs the workers until no job is left to run now, then stops them.
func (w *world) work() {
	w.t.Helper()
	ctx := context.Background()
	workers := river.NewWorkers()
	AddWorkers(workers, w.pool, w.cfg)
	client, err := river.NewClient(riverpgxv5.New(w.pool), &river.Config{
		Queues:            map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 4}},
		Workers:           workers,
		FetchCooldown:     10 * time.Millisecond,
		FetchPollInterval: 50 * time.Millisecond,
	})
	if err != nil {
		w.t.Fatal(err)
	}
	if err := client.Start(ctx); err != nil {
		w.t.Fatal(err)
	}
	defer client.Stop(ctx)
	rounds := 0
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		var left int
		err := w.pool.QueryRow(ctx, `SELECT count(*) FROM river_job
			WHERE state IN ('available', 'running', 'retryable', 'pending') AND scheduled_at <= now()`).Scan(&left)
		if err != nil {
			w.t.Fatal(err)
		}
		if left == 0 {
			// A message waiting for a person's earlier one (QUEUED, never tried) is due again
			// a few seconds later: that time passes at once here, a few times (the earlier one
			// may itself be waiting for a provider, which only later() lets come back).
			if rounds++; rounds > 5 {
				break
			}
			tag, err := w.pool.Exec(ctx, `UPDATE river_job SET state = 'available', scheduled_at = now()
				WHERE kind = 'send_message' AND state IN ('scheduled', 'available') AND scheduled_at > now()
				  AND (args->>'message_id')::bigint IN (SELECT id FROM messages WHERE status = 'QUEUED' AND status_reason IS NULL)`)
			if err != nil {
				w.t.Fatal(err)
			}
			if tag.RowsAffected() == 0 {
				break
			}
		}
		if time.Now().After(deadline) {
			w.t.Fatalf("%d jobs still to run after 30 s", left)
		}
	}
	// A job that failed is a defect of the workers: following events and reminding never
	// fail, and sending fails only while the test makes the provider refuse (its errors then
	// stay on jobs that have since gone through or wait their turn), or for good (discarded).
	rows, _ := w.pool.Query(ctx, `SELECT kind || ' ' || state || ': ' || (errors[array_length(errors, 1)]->>'error') FROM river_job
		WHERE errors IS NOT NULL AND state <> 'completed' AND (kind <> 'send_message' OR state = 'discarded')`)
	failed, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(failed) > 0 {
		w.t.Fatalf("jobs failed: %q, %v", failed, err)
	}
}

// later lets time pass for the jobs waiting (a retry's backoff, a snooze): they are due now.
func (w *world) later() {
	w.t.Helper()
	if _, err := w.pool.Exec(context.Background(), `UPDATE river_job SET state = 'available', scheduled_at = now()
		WHERE state IN ('scheduled', 'retryable', 'available') AND kind <> 'reminder'`); err != nil {
		w.t.Fatal(err)
	}
}

// log returns the delivery log of a registration: kind, channel and status of each message.
func (w *world) log(reg int64) []string {
	w.t.Helper()
	ms, err := db.MessagesOf(context.Background(), w.pool, []int64{reg})
	if err != nil {
		w.t.Fatal(err)
	}
	var out []string
	for _, m := range ms[reg] {
		ch := "-"
		if m.Channel != nil {
			ch = string(*m.Channel)
		}
		out = append(out, fmt.Sprintf("%s %s %s", m.Kind, ch, m.Status))
	}
	return out
}

func (w *world) wantLog(reg int64, want ...string) {
	w.t.Helper()
	got := w.log(reg)
	if fmt.Sprint(got) != fmt.Sprint(want) {
		w.t.Errorf("registration %d's messages: %q, want %q", reg, got, want)
	}
}

// parisAt is a time of day in Paris, days from today.
func parisAt(days, hour, minute int) time.Time {
	now := time.Now().In(paris)
	return time.Date(now.Year(), now.Month(), now.Day()+days, hour, minute, 0, 0, paris)
}

// Every committed booking change is told to the person it concerns, by their preferred
// channel, and names the workshop; nothing is told twice.
func TestEveryBookingChangeIsToldOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t, parisAt(5, 14, 0), 1)
	w.cfg.Now = func() time.Time { return parisAt(1, 10, 0) } // daytime: SMS go out
	byPhone := w.register(1, true, true, false)
	byEmail := w.register(2, false, true, true) // waitlisted
	if _, err := db.CancelRegistration(context.Background(), w.pool, byPhone.ID, "", db.CancelledByPerson); err != nil {
		t.Fatal(err) // the waiting person is promoted
	}
	w.work()
	w.work() // running again sends nothing more

	w.wantLog(byPhone.ID, "CONFIRMATION - SUPPRESSED", "CANCELLED SMS SENT")
	w.wantLog(byEmail.ID, "WAITLISTED - SUPPRESSED", "PROMOTED EMAIL SENT")
	texts := w.phones.texts()
	if len(texts) != 1 || texts[0].To != "+33610000001" {
		t.Fatalf("SMS sent: %+v", texts)
	}
	if body := texts[0].Text.Body; !strings.Contains(body, "Faire son CV") || !strings.Contains(body, "Annulation enregistrée") {
		t.Errorf("the cancellation SMS: %q", body)
	}
	mails := w.box.Mails()
	if len(mails) != 1 || mails[0].To[0] != "personne2@example.fr" || !strings.Contains(string(mails[0].Data), "Faire son CV") {
		t.Fatalf("mails: %+v", mails)
	}
}

// A rolled-back booking tells nobody anything.
func TestARolledBackBookingTellsNobody(t *testing.T) {
	t.Parallel()
	w := newWorld(t, parisAt(5, 14, 0), 5)
	w.cfg.Now = func() time.Time { return parisAt(1, 10, 0) }
	ctx := context.Background()
	gaveUp := errors.New("the caller gave up")
	err := pgx.BeginFunc(ctx, w.pool, func(tx pgx.Tx) error {
		name, phone := "Awa", "+33610000009"
		if _, _, err := db.Register(ctx, tx, db.RegisterRequest{SlotID: w.slotID, ConsentVersion: "2026-11",
			Participant: db.Participant{FirstName: &name, LastName: &name, Phone: &phone}}); err != nil {
			return err
		}
		return gaveUp
	})
	if !errors.Is(err, gaveUp) {
		t.Fatal(err)
	}
	w.work()
	var n int
	if err := w.pool.QueryRow(ctx, `SELECT count(*) FROM messages`).Scan(&n); err != nil || n != 0 {
		t.Errorf("%d messages, %v; want none", n, err)
	}
	if len(w.phones.texts()) != 0 {
		t.Errorf("SMS sent: %+v", w.phones.texts())
	}
}

// No SMS at night: it waits for the morning, or is dropped when the slot starts before then.
// Email has no quiet hours.
func TestNoSMSAtNight(t *testing.T) {
	t.Parallel()
	w := newWorld(t, parisAt(5, 14, 0), 5)
	w.cfg.Now = func() time.Time { return parisAt(1, 23, 0) }
	waits := w.register(1, true, false, false)
	mailed := w.register(2, false, true, false)
	w.work()
	w.wantLog(waits.ID, "CONFIRMATION - QUEUED")
	w.wantLog(mailed.ID, "CONFIRMATION EMAIL SENT")
	var at time.Time
	if err := w.pool.QueryRow(context.Background(), `SELECT scheduled_at FROM river_job
		WHERE kind = 'send_message' AND state = 'scheduled'`).Scan(&at); err != nil {
		t.Fatal(err)
	}
	// The clock of the workers says 23:00: the SMS waits ten hours, whatever the real time.
	if want := time.Now().Add(10 * time.Hour); at.Sub(want).Abs() > time.Minute {
		t.Errorf("the SMS waits until %v, want 10 hours from now, %v", at.In(paris), want.In(paris))
	}

	early := newWorld(t, parisAt(2, 8, 0), 5)
	early.cfg.Now = func() time.Time { return parisAt(1, 23, 0) }
	dropped := early.register(1, true, false, false)
	early.work()
	early.wantLog(dropped.ID, "CONFIRMATION - SUPPRESSED")
}

// A reminder goes out at its time if the seat and the start still hold: not for a cancelled
// registration, not for the old time of a slot that moved (the new time gets its own).
func TestRemindersCheckTheSeatWhenTheyAreDue(t *testing.T) {
	t.Parallel()
	w := newWorld(t, parisAt(5, 14, 0), 5)
	w.cfg.Now = func() time.Time { return parisAt(1, 10, 0) }
	ctx := context.Background()
	kept := w.register(1, true, false, false)
	gone := w.register(2, true, false, false)
	w.work()
	if _, err := db.CancelRegistration(ctx, w.pool, gone.ID, "", db.CancelledByPerson); err != nil {
		t.Fatal(err)
	}
	moved := parisAt(6, 10, 0)
	if _, err := db.UpdateSlot(ctx, w.pool, w.slotID, func(s *db.Slot) error {
		s.StartsAt, s.EndsAt, s.RegistrationClosesAt = moved, moved.Add(2*time.Hour), moved
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	w.work()
	var reminders []time.Time
	rows, _ := w.pool.Query(ctx, `SELECT scheduled_at FROM river_job WHERE kind = 'reminder' AND (args->>'registration_id')::bigint = $1 ORDER BY 1`, kept.ID)
	reminders, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil || len(reminders) != 2 {
		t.Fatalf("reminders of the kept registration: %v, %v; want one per start", reminders, err)
	}
	if want := parisAt(5, 18, 0); !reminders[1].Equal(want) {
		t.Errorf("the reminder of the new time is due %v, want the day before at 18:00 (%v)", reminders[1].In(paris), want)
	}
	// Their time comes.
	if _, err := w.pool.Exec(ctx, `UPDATE river_job SET scheduled_at = now(), state = 'available' WHERE kind = 'reminder'`); err != nil {
		t.Fatal(err)
	}
	w.work()
	w.wantLog(kept.ID, "CONFIRMATION SMS SENT", "SLOT_MOVED SMS SENT", "REMINDER SMS SENT")
	w.wantLog(gone.ID, "CONFIRMATION SMS SENT", "CANCELLED SMS SENT")
	last := w.phones.texts()
	if body := last[len(last)-1].Text.Body; !strings.Contains(body, "Rappel") || !strings.Contains(body, "10h") {
		t.Errorf("the reminder says %q; want the new time, 10h", body)
	}
}

// A send whose answer was lost (the provider may have taken it) is not repeated while its
// receipt may still come; the receipt settles it. Without any news, it is sent again.
func TestALostAnswerIsSettledByTheReceipt(t *testing.T) {
	t.Parallel()
	for _, receipt := range []bool{true, false} {
		w := newWorld(t, parisAt(5, 14, 0), 5)
		w.cfg.Now = func() time.Time { return parisAt(1, 10, 0) }
		w.cfg.Stale = 500 * time.Millisecond
		w.phones.set(false, true)
		reg := w.register(1, true, false, false)
		w.work()
		w.wantLog(reg.ID, "CONFIRMATION - SENDING")
		w.phones.set(false, false)
		if receipt {
			ms, _ := db.MessagesOf(context.Background(), w.pool, []int64{reg.ID})
			if err := db.RecordReceipt(context.Background(), w.pool, ms[reg.ID][0].ID, "SM1", db.MessageDelivered, ""); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(600 * time.Millisecond) // past Stale
		w.later()
		w.work()
		if receipt {
			w.wantLog(reg.ID, "CONFIRMATION - DELIVERED")
			if n := len(w.phones.texts()); n != 1 {
				t.Errorf("with its receipt, the SMS was sent %d times, want once", n)
			}
		} else {
			w.wantLog(reg.ID, "CONFIRMATION SMS SENT")
			if n := len(w.phones.texts()); n != 2 {
				t.Errorf("without news, the SMS was sent %d times, want twice (again after the stale delay)", n)
			}
		}
	}
}

// A provider down for a while: the messages wait and all go out once it is back, each
// person's in the order they were written.
func TestMessagesWaitForAProviderThatIsDown(t *testing.T) {
	t.Parallel()
	w := newWorld(t, parisAt(5, 14, 0), 10)
	w.cfg.Now = func() time.Time { return parisAt(1, 10, 0) }
	w.phones.set(true, false)
	var regs []db.Registration
	for n := range 5 {
		regs = append(regs, w.register(n, true, false, false))
	}
	moved := parisAt(6, 10, 0) // everyone is told; the first person's confirmation must come first
	if _, err := db.UpdateSlot(context.Background(), w.pool, w.slotID, func(s *db.Slot) error {
		s.StartsAt, s.EndsAt, s.RegistrationClosesAt = moved, moved.Add(2*time.Hour), moved
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	w.work()
	for _, r := range regs {
		w.wantLog(r.ID, "CONFIRMATION - QUEUED", "SLOT_MOVED - QUEUED")
	}
	w.phones.set(false, false)
	for range 4 { // a person's later message waits for the earlier one, then goes
		w.later()
		w.work()
	}
	told := map[string][]string{}
	for _, m := range w.phones.texts() {
		told[m.To] = append(told[m.To], strings.Fields(m.Text.Body)[0])
	}
	for _, r := range regs {
		w.wantLog(r.ID, "CONFIRMATION SMS SENT", "SLOT_MOVED SMS SENT")
		if got := told[*r.Participant.Phone]; fmt.Sprint(got) != "[Inscription Changement]" {
			t.Errorf("%s was told %q; want the confirmation, then the change", *r.Participant.Phone, got)
		}
	}
}

// An SMS that was not delivered goes again by email when the person gave one; a host sends a
// message again on request, and not while it is on its way.
func TestAnUndeliveredSMSGoesByEmailAndAHostCanResend(t *testing.T) {
	t.Parallel()
	w := newWorld(t, parisAt(5, 14, 0), 10)
	w.cfg.Now = func() time.Time { return parisAt(1, 10, 0) }
	ctx := context.Background()
	reg := w.register(1, true, true, false) // prefers SMS, gave an email too
	w.work()
	ms, _ := db.MessagesOf(ctx, w.pool, []int64{reg.ID})
	sms := ms[reg.ID][0]
	if err := db.RecordReceipt(ctx, w.pool, sms.ID, *sms.ProviderMessageID, db.MessageFailed, "not delivered (Twilio error 30003)"); err != nil {
		t.Fatal(err)
	}
	w.work()
	w.wantLog(reg.ID, "CONFIRMATION SMS FAILED", "CONFIRMATION EMAIL SENT")
	if n := len(w.box.Mails()); n != 1 {
		t.Fatalf("%d mails, want the confirmation by email", n)
	}

	byPhone := db.ChannelOfSMS
	again, err := db.Resend(ctx, w.pool, sms.ID, &byPhone)
	if err != nil || again.ResendOf == nil || *again.ResendOf != sms.ID {
		t.Fatalf("resend: %+v, %v", again, err)
	}
	if _, err := db.Resend(ctx, w.pool, again.ID, nil); !errors.Is(err, db.ErrMessagePending) {
		t.Errorf("resending a message on its way: got %v, want ErrMessagePending", err)
	}
	w.work()
	w.wantLog(reg.ID, "CONFIRMATION SMS FAILED", "CONFIRMATION EMAIL SENT", "CONFIRMATION SMS SENT")
}

// The text of a message is kept 90 days, then cleared; the rest of its entry stays.
func TestMessageTextsAreClearedAfterTheirRetention(t *testing.T) {
	t.Parallel()
	w := newWorld(t, parisAt(5, 14, 0), 10)
	w.cfg.Now = func() time.Time { return parisAt(1, 10, 0) }
	ctx := context.Background()
	old, recent := w.register(1, true, false, false), w.register(2, true, false, false)
	w.work()
	if _, err := w.pool.Exec(ctx, `UPDATE messages SET queued_at = now() - interval '91 days' WHERE registration_id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	if n, err := db.PurgeMessageBodies(ctx, w.pool); err != nil || n != 1 {
		t.Fatalf("purged %d, %v; want 1", n, err)
	}
	ms, _ := db.MessagesOf(ctx, w.pool, []int64{old.ID, recent.ID})
	if m := ms[old.ID][0]; m.Body != nil || m.Status != db.MessageSent {
		t.Errorf("the old message: text %v, status %s; want no text, still SENT", m.Body, m.Status)
	}
	if m := ms[recent.ID][0]; m.Body == nil {
		t.Error("the recent message lost its text")
	}
}
