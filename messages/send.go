package messages

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"golang.org/x/time/rate"

	"github.com/regiestains/ateliers/db"
)

// A Sender hands a message to a provider of its channel and returns the provider's id for it.
// An error it wraps with Permanent will not go away by retrying (an invalid address): the
// other channel is tried, if the person has one, and the message fails. Any other error is
// temporary: the message waits and its job tries again, with backoff.
type Sender interface {
	Send(ctx context.Context, m Outgoing) (providerID string, err error)
}

// Outgoing is what a Sender sends.
type Outgoing struct {
	MessageID int64  // ours, unique: for the provider's idempotency and its delivery receipts
	To        string // an E.164 phone number for SMS, an address for email
	Text      Text
}

type permanent struct{ error }

func (p permanent) Unwrap() error { return p.error }

// Permanent marks err as one that retrying will not cure.
func Permanent(err error) error { return permanent{err} }

// IsPermanent reports whether err was marked Permanent.
func IsPermanent(err error) bool { return errors.As(err, new(permanent)) }

type uncertain struct{ error }

func (u uncertain) Unwrap() error { return u.error }

// Uncertain marks err as one after which the message may have gone all the same (the provider
// failed after taking the request, the answer was lost): it is not sent again until Stale has
// passed without news of it (a delivery receipt).
func Uncertain(err error) error { return uncertain{err} }

// IsUncertain reports whether err was marked Uncertain.
func IsUncertain(err error) bool { return errors.As(err, new(uncertain)) }

// Config is how messages are sent.
type Config struct {
	SMS, Email Sender // nil: the channel is not configured, and never chosen
	// RemindAt tells when to remind of a slot starting at start (DayBeforeAt).
	RemindAt func(start time.Time) time.Time
	// LinkBase, followed by a management token, is the page where a person sees or cancels
	// their registration; empty: messages carry no link.
	LinkBase string
	// Quiet hours, in Paris: no SMS from QuietFrom to QuietUntil o'clock; it waits for the
	// morning, or is dropped if the slot starts before then.
	QuietFrom, QuietUntil int
	// Stale is how long a message handed to a provider may go without its answer recorded
	// before another try may send it again (its sender died mid-way).
	Stale time.Duration
	// Now is the clock; time.Now if nil.
	Now func() time.Time
}

// DayBeforeAt returns the reminder time of the default policy: the day before the slot, at
// hour o'clock in Paris.
func DayBeforeAt(hour int) func(time.Time) time.Time {
	return func(start time.Time) time.Time {
		d := start.In(paris).AddDate(0, 0, -1)
		return time.Date(d.Year(), d.Month(), d.Day(), hour, 0, 0, 0, paris)
	}
}

func (c Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

// AddWorkers registers the workers of the messages on w: following up booking events,
// reminding, sending. They use q for the database.
func AddWorkers(w *river.Workers, q db.Querier, c Config) {
	river.AddWorker(w, &eventWorker{q: q, c: c})
	river.AddWorker(w, &reminderWorker{q: q})
	river.AddWorker(w, &sendWorker{q: q, c: c})
}

type eventWorker struct {
	river.WorkerDefaults[db.EventArgs]
	q db.Querier
	c Config
}

func (w *eventWorker) Work(ctx context.Context, job *river.Job[db.EventArgs]) error {
	return db.FollowEvent(ctx, w.q, job.Args.EventID, w.c.RemindAt)
}

type reminderWorker struct {
	river.WorkerDefaults[db.ReminderArgs]
	q db.Querier
}

func (w *reminderWorker) Work(ctx context.Context, job *river.Job[db.ReminderArgs]) error {
	_, err := db.RemindIfStillDue(ctx, w.q, job.Args.RegistrationID, job.Args.StartsAt)
	return err
}

type sendWorker struct {
	river.WorkerDefaults[db.SendArgs]
	q db.Querier
	c Config
}

func (w *sendWorker) Work(ctx context.Context, job *river.Job[db.SendArgs]) error {
	out, ok, wait, err := db.ClaimMessage(ctx, w.q, job.Args.MessageID, w.c.Stale)
	if err != nil {
		return err
	}
	if !ok {
		if wait > 0 { // another try may have sent it: wait for its news
			return river.JobSnooze(wait)
		}
		return nil
	}
	id := out.ID
	if reason := noLongerTrue(out, w.c.now()); reason != "" {
		return db.RecordNotSent(ctx, w.q, id, db.MessageSuppressed, nil, reason)
	}
	channels := w.channels(out.Registration.Participant, out.Channel)
	if len(channels) == 0 {
		reason := "no phone or email to send it to"
		if out.Channel != nil {
			reason = "cannot go by " + string(*out.Channel) + ": the person gave no such contact, or no provider is configured for it"
		} else if w.c.SMS == nil && w.c.Email == nil {
			reason = "no SMS or email provider is configured"
		} else if w.c.SMS == nil || w.c.Email == nil {
			reason = "no provider is configured for the person's contact"
		}
		return db.RecordNotSent(ctx, w.q, id, db.MessageSuppressed, nil, reason)
	}
	var failures []string
	refused := false // by a provider, rather than held back by the night
	for _, ch := range channels {
		if ch.channel == SMS {
			if wait, drop := w.quiet(out.SlotStartsAt); drop != "" {
				failures = append(failures, drop)
				continue
			} else if wait > 0 {
				if err := db.Unclaim(ctx, w.q, id, "waits for the morning: no SMS at night"); err != nil {
					return err
				}
				return river.JobSnooze(wait)
			}
		}
		text, err := w.render(ctx, out, ch.channel)
		if err != nil {
			return err
		}
		providerID, err := ch.sender.Send(ctx, Outgoing{MessageID: id, To: ch.to, Text: text})
		if err == nil {
			return db.RecordSent(ctx, w.q, id, ch.channel, providerID, strings.TrimPrefix(text.Subject+"\n"+text.Body, "\n"))
		}
		if IsUncertain(err) {
			// It may have gone: it stays SENDING, so that no one sends it again before its
			// receipt has had time to come (Stale); then, without news, it is sent again.
			slog.WarnContext(ctx, "message may not have been sent", "message_id", id, "channel", ch.channel, "err", redact(err))
			return river.JobSnooze(w.c.Stale)
		}
		if !IsPermanent(err) {
			reason := redact(err)
			slog.WarnContext(ctx, "message not sent, will retry", "message_id", id, "channel", ch.channel, "err", reason)
			if uerr := db.Unclaim(ctx, w.q, id, "provider unavailable, will retry: "+reason); uerr != nil {
				return uerr
			}
			// River logs and keeps the error of a job: without the provider's words, which
			// may quote the address.
			return fmt.Errorf("send message %d by %s: provider unavailable", id, ch.channel)
		}
		failures = append(failures, fmt.Sprintf("%s refused: %s", ch.channel, redact(err)))
		refused = true
	}
	status := db.MessageSuppressed
	if refused {
		status = db.MessageFailed
	}
	return db.RecordNotSent(ctx, w.q, id, status, nil, strings.Join(failures, "; "))
}

type route struct {
	channel Channel
	sender  Sender
	to      string
}

// channels lists how to reach a person, preferred first: SMS when they prefer SMS or a phone
// call (the API does not call), email when they prefer email; then the other, if they gave it.
// A message sent again by a given channel (only) goes by that one alone.
func (w *sendWorker) channels(p db.Participant, only *db.MessageChannel) []route {
	all := w.byPreference(p)
	if only == nil {
		return all
	}
	for _, r := range all {
		if r.channel == *only {
			return []route{r}
		}
	}
	return nil
}

func (w *sendWorker) byPreference(p db.Participant) []route {
	var sms, email []route
	if p.Phone != nil && *p.Phone != "" && w.c.SMS != nil {
		sms = []route{{SMS, w.c.SMS, *p.Phone}}
	}
	if p.Email != nil && *p.Email != "" && w.c.Email != nil {
		email = []route{{Email, w.c.Email, *p.Email}}
	}
	if p.PreferredChannel != nil && *p.PreferredChannel == db.ChannelEmail {
		return append(email, sms...)
	}
	return append(sms, email...)
}

// quiet tells, for an SMS about a slot starting at start, how long to wait for the morning,
// or why it is dropped: the slot starts before the morning comes.
func (w *sendWorker) quiet(start time.Time) (wait time.Duration, drop string) {
	now := w.c.now().In(paris)
	h := now.Hour()
	if w.c.QuietFrom == w.c.QuietUntil || (h < w.c.QuietFrom && h >= w.c.QuietUntil) {
		return 0, ""
	}
	morning := time.Date(now.Year(), now.Month(), now.Day(), w.c.QuietUntil, 0, 0, 0, paris)
	if h >= w.c.QuietFrom {
		morning = morning.AddDate(0, 0, 1)
	}
	if start.Before(morning) {
		return 0, "not sent: no SMS at night, and the slot starts before the morning"
	}
	return morning.Sub(now), ""
}

// noLongerTrue says why a message would now be untrue (the seat it is about is gone, the slot
// moved or started), or "" if it still holds.
func noLongerTrue(out db.Outgoing, now time.Time) string {
	reg := out.Registration
	switch out.Kind {
	case Cancelled, SlotCancelled:
		return ""
	case Waitlisted:
		if reg.Status != db.RegistrationWaitlisted {
			return "no longer on the waiting list"
		}
	case SlotMoved:
		if reg.Status == db.RegistrationCancelled {
			return "the registration was cancelled meanwhile"
		}
	default: // holding a seat
		if reg.Status != db.RegistrationConfirmed {
			return "the registration no longer holds a seat"
		}
	}
	if out.SlotStatus != db.SlotScheduled {
		return "the slot was cancelled meanwhile"
	}
	if !out.SlotStartsAt.After(now) {
		return "the slot has started"
	}
	if out.Kind == Reminder {
		if out.RemindersStopped {
			return "the person stopped reminders"
		}
		if out.ReminderFor != nil && !out.ReminderFor.Equal(out.SlotStartsAt) {
			return "the slot moved: the reminder of its new time is sent instead"
		}
	}
	return ""
}

// render writes the message for ch, with a link of its own when the person may still act.
func (w *sendWorker) render(ctx context.Context, out db.Outgoing, ch Channel) (Text, error) {
	reg := out.Registration
	c := Content{
		Workshop: out.Workshop, StartsAt: out.SlotStartsAt, Venue: out.Venue, Address: out.Address,
		AccessInstructions: out.AccessInstructions, WhatToBring: out.WhatToBring,
		Code: reg.ConfirmationCode, Organisation: out.Organisation,
		ByOrganisation: out.Cause != nil && *out.Cause == db.CancelledByOrganisation,
	}
	if reg.Participant.FirstName != nil {
		c.FirstName = *reg.Participant.FirstName
	}
	if reg.WaitlistPosition != nil {
		c.WaitlistPosition = *reg.WaitlistPosition
	}
	switch {
	case out.OrganisationPhone != nil:
		c.OrganisationContact = frenchPhone(*out.OrganisationPhone)
	case out.OrganisationEmail != nil:
		c.OrganisationContact = *out.OrganisationEmail
	}
	if out.SlotCancelReason != nil {
		c.Reason = *out.SlotCancelReason
	} else if reg.CancellationReason != nil && c.ByOrganisation {
		c.Reason = *reg.CancellationReason
	}
	if k := out.Kind; w.c.LinkBase != "" && k != Cancelled && k != SlotCancelled {
		token, err := db.NewLink(ctx, w.q, reg.ID)
		if err != nil {
			return Text{}, err
		}
		c.ManageURL = w.c.LinkBase + token
	}
	return Render(out.Kind, ch, c)
}

// frenchPhone writes a French number stored in E.164 (+33148210000) as the French read it
// (01 48 21 00 00); any other number as stored.
func frenchPhone(e164 string) string {
	if len(e164) != 12 || !strings.HasPrefix(e164, "+33") {
		return e164
	}
	d := "0" + e164[3:]
	return d[0:2] + " " + d[2:4] + " " + d[4:6] + " " + d[6:8] + " " + d[8:10]
}

// Journal is the Sender of a server with no provider for a channel in the demo: it sends
// nothing and takes every message, which the delivery log then shows, text included, so that
// a newcomer sees what people would be told.
type Journal struct{}

func (Journal) Send(_ context.Context, m Outgoing) (string, error) {
	return fmt.Sprintf("journal-%d", m.MessageID), nil
}

// Providers quote the address they refuse ("550 <awa@example.fr>: unknown user"); what the
// API logs and keeps of their words says "an address" or "a number" instead.
var (
	emailWords = regexp.MustCompile(`[^\s<>"'(),;:]+@[^\s<>"'(),;:]+`)
	phoneWords = regexp.MustCompile(`\+\d{8,15}\b|\b0\d(?:[ .-]?\d{2}){4}\b`) // E.164, or as the French write it
)

func redact(err error) string {
	s := emailWords.ReplaceAllString(err.Error(), "an address")
	return phoneWords.ReplaceAllString(s, "a number")
}

// Paced is a Sender that hands a provider at most perSecond messages a second, across this
// instance's workers, as the provider's contract allows (Twilio queues what comes faster, and
// an SMTP relay may defer or refuse it). Each instance has its own pace: with n instances, give
// each the provider's rate divided by n.
func Paced(s Sender, perSecond float64) Sender {
	return &paced{s: s, limit: rate.NewLimiter(rate.Limit(perSecond), 1)}
}

type paced struct {
	s     Sender
	limit *rate.Limiter
}

func (p *paced) Send(ctx context.Context, m Outgoing) (string, error) {
	if err := p.limit.Wait(ctx); err != nil {
		return "", fmt.Errorf("waiting for the provider's pace: %w", err) // temporary: tried again
	}
	return p.s.Send(ctx, m)
}
