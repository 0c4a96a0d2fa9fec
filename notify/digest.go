package notify

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/policywatch/policywatch/monitor"
)

// maxCatchUp bounds how far back a daemon that was stopped looks for
// digest times it missed: they are sent as one digest anyway.
const maxCatchUp = 8 * 24 * time.Hour

// catchUpDigest is the note of a digest of the alerts held back alone,
// as the store plans it (DigestRun.HeldAlerts).
const catchUpDigest = "catch-up"

// ScheduledDigests plans the digests whose time has come since the last
// digest time handled: one digest per subscriber with changes held, daily
// ones (and the alerts held back from subscribers without a digest) at
// every time of the schedule and weekly ones when a Monday's first time
// (in the schedule's zone) was passed. Missed times (the daemon was stopped) are caught up as one,
// unless a digest went out after them (see notCoveredYet).
// The very first call only starts the schedule. It returns the digests
// planned.
func (s *Service) ScheduledDigests(ctx context.Context) (int, error) {
	if s.cfg.sendless {
		return 0, ErrNotSending // it would plan what nobody sends
	}
	if s.from == nil {
		return 0, nil
	}
	_, last, err := s.store.NotifyState(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now()
	// The first call starts the schedule. So does a clock that went back
	// after a jump ahead: counted from that last digest time, none would go
	// out until the clock caught up with it.
	if last.IsZero() || last.After(now) {
		_, err := s.store.RecordDigests(ctx, DigestRun{Slot: s.scheduleStart(now), Previous: last}, now)
		if errors.Is(err, monitor.ErrConflict) {
			return 0, nil
		}
		return 0, err
	}
	slot, freqs, heldAlerts := s.digestsDue(catchUpFrom(last, now), now)
	if slot.IsZero() {
		return 0, nil
	}
	if freqs, heldAlerts, err = s.notCoveredYet(ctx, slot, now, freqs, heldAlerts); err != nil {
		return 0, err
	}
	rows, err := s.store.RecordDigests(ctx, DigestRun{Slot: slot, Previous: last, Frequencies: freqs, HeldAlerts: heldAlerts}, now)
	if errors.Is(err, monitor.ErrConflict) {
		return 0, nil // another process handled this time
	}
	if err != nil {
		return 0, err
	}
	if len(rows) > 0 {
		s.log.Info("digests planned", "slot", slot, "digests", len(rows), "frequencies", freqs)
	}
	return len(rows), nil
}

// scheduleStart is the digest time a schedule started at now counts as
// handled last: the schedule's last time before now, with nothing planned
// for it, so that its next time is the first to plan digests. Not now
// itself, which is no digest time of the schedule: counted as one, a
// start on a Monday before the day's first time (a first start, the first
// with a mail server) made that time the day's second, and the weekly
// digests, sent at a Monday's first time only, waited another week. An
// interval ("@every 30h") counts from now, its start.
func (s *Service) scheduleStart(now time.Time) time.Time {
	if _, ok := s.digest.(cron.ConstantDelaySchedule); ok {
		return now
	}
	if prev, _, _ := s.digestsDue(now.Add(-maxCatchUp), now); !prev.IsZero() {
		return prev
	}
	return now
}

// notCoveredYet is what of the digests due at slot, a time missed, is
// still to plan now: none when a digest went out after slot, since it
// carried what slot would have. The digest time handled last does not
// say so alone: 'digest --now' plans digests without moving it (a cron
// job's digest while the daemon was stopped), and a digest caught up late
// went out after its time, which a schedule changed meanwhile may have
// placed times before (08:00 caught up at 09:00, then the daemon restarted
// at 10:00 with 08:30): each sent a second digest an hour or two after
// the first. The weekly digests due at slot are kept, as a late catch-up
// of another weekday did not carry them: a week's wait would be worse
// than a weekly digest soon after a daily one. A last digest after now is
// a clock that went back (see ScheduledDigests), and is not believed.
func (s *Service) notCoveredYet(ctx context.Context, slot, now time.Time, freqs, heldAlerts []string) ([]string, []string, error) {
	lastDigest, err := s.store.LastDigestAt(ctx)
	if err != nil {
		return nil, nil, err
	}
	if !lastDigest.After(slot) || lastDigest.After(now) {
		return freqs, heldAlerts, nil
	}
	s.log.Info("digest time passed over: a digest went out after it", "slot", slot, "last_digest", lastDigest)
	if slices.Contains(freqs, DigestWeekly) {
		return []string{DigestWeekly}, nil, nil
	}
	return nil, nil, nil
}

// catchUpFrom is where the digest times to plan at upTo start: after the
// last one handled, but at most maxCatchUp back (a daemon stopped for a
// month sends one digest, not thirty). Schedules without a time zone run
// in the clock's.
func catchUpFrom(last, upTo time.Time) time.Time {
	from := last.In(upTo.Location())
	if upTo.Sub(from) > maxCatchUp {
		from = upTo.Add(-maxCatchUp)
	}
	return from
}

// digestsDue says what the schedule's times after from, up to upTo, plan
// as one: the last of them (zero: none), the digest settings due there,
// and those whose subscribers get only the alerts held back from them. Daily
// digests (and "none": alerts the hourly limit held back, see plan) go at
// every time, weekly ones when a Monday's time was passed; a weekly
// subscriber's held alerts go at every other time, in a catch-up of their
// own, rather than up to a week later.
func (s *Service) digestsDue(from, upTo time.Time) (slot time.Time, freqs, heldAlerts []string) {
	// Days in the schedule's zone: "0 8 * * 1" with CRON_TZ=Asia/Tokyo is
	// Monday morning in Tokyo, Sunday night on a server in UTC. Only a
	// Monday's first time: with "0 */6 * * *", one weekly digest, not four.
	loc := scheduleLocation(s.digest, from.Location())
	weekly := false
	prev := from
	for t := s.digest.Next(from); !t.IsZero() && !t.After(upTo); t = s.digest.Next(t) {
		slot = t
		day := t.In(loc)
		weekly = weekly || day.Weekday() == time.Monday && !sameDay(prev.In(loc), day)
		prev = t
	}
	if weekly {
		return slot, []string{DigestDaily, DigestNone, DigestWeekly}, nil
	}
	return slot, []string{DigestDaily, DigestNone}, []string{DigestWeekly}
}

// ErrNoMailServer is returned by DigestNow without notify.smtp: no digest
// can be sent, but webhooks still can (policywatch digest --now sends
// them).
var ErrNoMailServer = errors.New("no mail server configured (notify.smtp)")

// DigestNow plans at once a digest for every subscriber with changes held
// (daily, weekly, and alerts held back from subscribers without a digest),
// leaving the schedule alone: policywatch digest --now, which then sends
// them with everything else due (SendDue). It returns the rows planned.
func (s *Service) DigestNow(ctx context.Context) ([]OutboxItem, error) {
	if s.cfg.sendless {
		return nil, ErrNotSending // it would plan what nobody sends
	}
	if s.from == nil {
		return nil, ErrNoMailServer
	}
	now := s.now()
	return s.store.RecordDigests(ctx, DigestRun{
		Slot: now, Frequencies: []string{DigestDaily, DigestWeekly, DigestNone}, Manual: true,
	}, now)
}

// PreviewNow builds, without recording or sending anything, what
// policywatch digest --now would plan: the notifications Dispatch would
// plan for the events not yet planned — alerts, operator notices and
// webhook posts, in the order they would be planned — and the digest each
// subscriber would get now, the changes those events would hold for it
// included (subscribers with nothing held get none). The events are
// planned once, for both. Without a mail server the digests are none and
// noMail is true, as DigestNow would fail with ErrNoMailServer.
func (s *Service) PreviewNow(ctx context.Context) (planned, digests []*Notification, noMail bool, err error) {
	subs, plans, err := s.previewPlans(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	for _, p := range plans {
		for _, it := range p.Outbox {
			n, err := s.notification(ctx, it)
			if err != nil {
				return nil, nil, false, fmt.Errorf("%s of event %d: %w", it.Kind, it.EventID, err)
			}
			planned = append(planned, n)
		}
	}
	if s.from == nil {
		return planned, nil, true, nil
	}
	digests, err = s.previewDigests(ctx, subs, plans, []string{DigestDaily, DigestWeekly, DigestNone}, nil)
	return planned, digests, false, err
}

// PreviewNextDigests builds the digests of the next scheduled digest time
// (after now, or after the last time handled if later), which it returns: only the digests that time would plan,
// by the daemon's rule (ScheduledDigests, catchUpFrom) — weekly ones only
// when a Monday's time is reached, and otherwise a weekly subscriber's
// alerts held back, alone.
func (s *Service) PreviewNextDigests(ctx context.Context) (time.Time, []*Notification, error) {
	_, last, err := s.store.NotifyState(ctx)
	if err != nil {
		return time.Time{}, nil, err
	}
	now := s.now()
	base := last
	if base.Before(now) {
		base = now
	}
	next := s.digest.Next(base.In(now.Location()))
	if next.IsZero() {
		return next, nil, nil
	}
	// The first call of ScheduledDigests only starts the schedule.
	from := s.scheduleStart(now)
	if !last.IsZero() && !last.After(now) {
		from = catchUpFrom(last, next)
	}
	_, freqs, heldAlerts := s.digestsDue(from, next)
	subs, plans, err := s.previewPlans(ctx)
	if err != nil {
		return next, nil, err
	}
	ns, err := s.previewDigests(ctx, subs, plans, freqs, heldAlerts)
	return next, ns, err
}

// PreviewDue builds, without recording or sending anything, the
// notifications of the outbox rows SendDueRows would try now: pending,
// due, and held by no other sender. A row that would be cancelled instead
// (its subscriber left) is left out.
func (s *Service) PreviewDue(ctx context.Context) ([]*Notification, error) {
	rows, err := s.store.OutboxRows(ctx, []string{StatusPending}, 0)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out []*Notification
	for _, it := range rows {
		if it.NextAttemptAt.After(now) || it.ClaimedUntil.After(now) {
			continue
		}
		n, err := s.notification(ctx, it)
		if errors.Is(err, errGone) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("outbox row %d: %w", it.ID, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// PreviewTogether makes of the notifications PreviewDue and PreviewNow
// returned — due, planned and digests alike, all at once — the messages
// the sender would send, as policywatch digest --now claims them in one
// batch: the operator notices to one address in one email, and the
// digests to one subscriber (one due in the outbox after a failure, and
// the one DigestNow would make) in one digest of all their changes (see
// together). A row the sender would cancel is left out, as PreviewDue
// leaves it out. The sender claims rows by batches of batchSize: past
// that many, the rows of one subscriber can fall in two batches and go
// as two messages where the preview shows one.
func (s *Service) PreviewTogether(ctx context.Context, ns []*Notification) ([]*Notification, error) {
	return s.together(ctx, ns, func(_ context.Context, _ []*Notification, err error) error {
		if errors.Is(err, errGone) {
			return nil
		}
		return err
	})
}

// previewPlans returns the active subscribers and the plans Dispatch
// would make now for them of the events not yet planned, oldest first,
// and records nothing: not the plans, not the webhooks not seen before
// (their starts are those RecordWebhooks would record).
func (s *Service) previewPlans(ctx context.Context) ([]Subscriber, []Plan, error) {
	subs, err := s.store.Subscribers(ctx, false)
	if err != nil {
		return nil, nil, err
	}
	cursor, _, err := s.store.NotifyState(ctx)
	if err != nil {
		return nil, nil, err
	}
	unplanned, err := s.store.Events(ctx, monitor.EventFilter{AfterID: cursor})
	if err != nil {
		return nil, nil, err
	}
	hooks, err := s.previewWebhookStarts(ctx)
	if err != nil {
		return nil, nil, err
	}
	alerts := &previewAlerts{store: s.store, planned: map[alertOf]time.Time{}}
	plans := make([]Plan, 0, len(unplanned))
	for i := range unplanned {
		p, err := s.plan(ctx, &unplanned[i], subs, hooks, alerts)
		if err != nil {
			return nil, nil, fmt.Errorf("event %d: %w", unplanned[i].ID, err)
		}
		alerts.add(p.Outbox)
		plans = append(plans, p)
	}
	return subs, plans, nil
}

// previewWebhookStarts is webhookStarts without recording: the starts
// read once by this Service, else those the store would record now.
func (s *Service) previewWebhookStarts(ctx context.Context) (map[string]int64, error) {
	s.hooksMu.Lock()
	hooks := s.hooksAfter
	s.hooksMu.Unlock()
	if hooks != nil || len(s.cfg.Webhooks) == 0 {
		return hooks, nil
	}
	return s.store.WebhookStarts(ctx, s.cfg.WebhookURLs())
}

// previewAlerts is the store's LastAlertAt as it would read once the
// alerts a preview planned so far were recorded: a preview records none,
// but the hourly limit that the first of two changes' alert sets must
// hold back the second, as it does in Dispatch.
type previewAlerts struct {
	store   lastAlerts
	planned map[alertOf]time.Time
}

type alertOf struct {
	subscriber int64
	watch      string
}

func (a *previewAlerts) LastAlertAt(ctx context.Context, subscriberID int64, watch string) (time.Time, error) {
	if at, ok := a.planned[alertOf{subscriberID, watch}]; ok {
		return at, nil // planned now: later than any recorded
	}
	return a.store.LastAlertAt(ctx, subscriberID, watch)
}

func (a *previewAlerts) add(rows []OutboxItem) {
	for _, it := range rows {
		if it.Kind == KindAlert {
			a.planned[alertOf{it.SubscriberID, it.Watch}] = it.CreatedAt
		}
	}
}

// previewDigests builds, for the subscribers and the plans previewPlans
// made, the digests of the subscribers whose setting is in freqs, and the catch-ups of those whose setting is in heldAlerts: of
// the alerts held back from them that the dispatcher has not planned yet
// (the held changes the store has do not say which were alerts).
func (s *Service) previewDigests(ctx context.Context, subs []Subscriber, plans []Plan, freqs, heldAlerts []string) ([]*Notification, error) {
	var err error
	wouldHold, wouldHoldAlerts := map[int64][]int64{}, map[int64][]int64{}
	for _, p := range plans {
		for _, h := range p.Held {
			wouldHold[h.SubscriberID] = append(wouldHold[h.SubscriberID], h.EventID)
			if h.Alert {
				wouldHoldAlerts[h.SubscriberID] = append(wouldHoldAlerts[h.SubscriberID], h.EventID)
			}
		}
	}
	var out []*Notification
	for _, sub := range subs {
		var ids []int64
		note := sub.Digest
		switch {
		case slices.Contains(freqs, sub.Digest):
			ids, err = s.store.DigestEventIDs(ctx, sub.ID, 0)
			if err != nil {
				return nil, err
			}
			ids = append(ids, wouldHold[sub.ID]...)
		case slices.Contains(heldAlerts, sub.Digest):
			ids, note = wouldHoldAlerts[sub.ID], catchUpDigest
		}
		if len(ids) == 0 {
			continue
		}
		item := OutboxItem{Kind: KindDigest, Channel: ChannelEmail, Recipient: sub.Email, SubscriberID: sub.ID,
			Note: note, CreatedAt: s.now()}
		n, err := s.digestNotification(ctx, []OutboxItem{item}, note, sub, ids)
		if err != nil {
			return nil, fmt.Errorf("digest for %s: %w", sub.Email, err)
		}
		out = append(out, n)
	}
	return out, nil
}

// sameDay says whether a and b, in the same time zone, fall on one day.
func sameDay(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd
}
