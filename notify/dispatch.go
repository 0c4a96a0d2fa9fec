package notify

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// Dispatch plans the events recorded since the cursor, oldest first, each
// in its own transaction with the cursor's move past it. It returns how
// many events it planned. When another dispatcher moves the cursor
// meanwhile, it stops without error: the other one goes on.
//
// The cursor says what was planned, not who was there: it stays where it
// was while only 'check' runs, for weeks maybe. So each recipient hears
// only of the events recorded after it started — a subscriber after it
// subscribed, a webhook after a policywatch process first saw it
// configured (RecordWebhooks, which the first Dispatch calls if the
// command did not).
func (s *Service) Dispatch(ctx context.Context) (int, error) {
	if s.cfg.sendless {
		return 0, ErrNotSending // it would plan what nobody sends
	}
	hooks, err := s.webhookStarts(ctx)
	if err != nil {
		return 0, fmt.Errorf("dispatch: %w", err)
	}
	cursor, _, err := s.store.NotifyState(ctx)
	if err != nil {
		return 0, err
	}
	planned := 0
	for {
		events, err := s.store.Events(ctx, monitor.EventFilter{AfterID: cursor, Limit: batchSize})
		if err != nil {
			return planned, fmt.Errorf("dispatch: %w", err)
		}
		if len(events) == 0 {
			return planned, nil
		}
		// Read once a batch: a subscription made while a batch is planned
		// starts with the next one.
		subs, err := s.store.Subscribers(ctx, false)
		if err != nil {
			return planned, fmt.Errorf("dispatch: %w", err)
		}
		for i := range events {
			e := &events[i]
			p, err := s.plan(ctx, e, subs, hooks, s.store)
			if err != nil {
				return planned, fmt.Errorf("dispatch event %d: %w", e.ID, err)
			}
			p.After, p.Through = cursor, e.ID
			if err := s.store.RecordPlan(ctx, p); errors.Is(err, monitor.ErrConflict) {
				s.log.Debug("dispatch: another dispatcher is planning", "after", cursor)
				return planned, nil
			} else if err != nil {
				return planned, fmt.Errorf("dispatch event %d: %w", e.ID, err)
			}
			cursor = e.ID
			planned++
		}
	}
}

// RecordWebhooks records the configured webhooks that no policywatch
// process has seen yet as starting after the newest event, and reads where
// each one starts. The daemon calls it before its first pass, so that the
// pass's events are the new webhooks' first; Dispatch calls it once
// otherwise. Without webhooks it reads nothing.
func (s *Service) RecordWebhooks(ctx context.Context) error {
	_, err := s.webhookStarts(ctx)
	return err
}

// webhookStarts returns each configured webhook's start by URL, recorded
// and read once: a process's configuration does not change, and a start,
// once recorded, never does.
func (s *Service) webhookStarts(ctx context.Context) (map[string]int64, error) {
	s.hooksMu.Lock()
	defer s.hooksMu.Unlock()
	if s.hooksAfter != nil || len(s.cfg.Webhooks) == 0 {
		return s.hooksAfter, nil
	}
	starts, err := s.store.RecordWebhooks(ctx, s.cfg.WebhookURLs(), s.now().UTC())
	if err != nil {
		return nil, err
	}
	s.hooksAfter = starts
	return starts, nil
}

// lastAlerts says when the last alert about a watch was planned for a
// subscriber (Outbox.LastAlertAt): the store, or a preview's view of it
// (previewAlerts).
type lastAlerts interface {
	LastAlertAt(ctx context.Context, subscriberID int64, watch string) (time.Time, error)
}

// plan decides who hears of e, and how. hooks are the webhooks' starts
// (webhookStarts); alerts, the alerts planned before e.
func (s *Service) plan(ctx context.Context, e *monitor.Event, subs []Subscriber, hooks map[string]int64, alerts lastAlerts) (Plan, error) {
	var p Plan
	if e.Imported {
		return p, nil // backfilled history: never notified
	}
	now := s.now().UTC()
	row := func(key, channel, kind, recipient string, subscriber int64) OutboxItem {
		return OutboxItem{
			Key: key, Channel: channel, Kind: kind, Recipient: recipient, SubscriberID: subscriber,
			EventID: e.ID, Watch: e.Watch, CreatedAt: now, NextAttemptAt: now, Status: StatusPending,
		}
	}
	for _, w := range s.cfg.Webhooks {
		if e.ID <= hooks[w.URL] || e.Severity.Rank() < monitor.Severity(w.MinSeverity).Rank() || !follows(w.Watches, e.Watch) {
			continue
		}
		p.Outbox = append(p.Outbox, row("webhook:"+strconv.FormatInt(e.ID, 10)+":"+w.URL, ChannelWebhook, KindWebhook, w.URL, 0))
	}

	switch e.Kind {
	case monitor.KindChange, monitor.KindRevert:
		// A change found long ago (a check run while no daemon was
		// sending, a daemon stopped for days) is no longer news to be told
		// at once: it goes in the digest, as an alert held that long does
		// (ReleaseHeldAlerts), and is not sent beside the later change
		// that may have undone it.
		fresh := now.Sub(e.Time) <= heldStale
		flipping, err := s.flipping(ctx, e)
		if err != nil {
			return p, err
		}
		for _, sub := range subs {
			if e.ID <= sub.AfterEvent || !sub.Follows(e.Watch) {
				continue
			}
			alertable := e.Severity.Rank() >= threshold(sub).Rank()
			// Without a mail server nothing can go at once, but the change
			// must not be lost: it waits for the subscriber's next digest
			// (a catch-up one without a digest) once a server is
			// configured. One message per subscriber, not a late flood of
			// stale alerts.
			immediate := alertable && s.from != nil && fresh && !flipping
			if immediate {
				last, err := alerts.LastAlertAt(ctx, sub.ID, e.Watch)
				if err != nil {
					return p, err
				}
				// At most one alert per watch per hour: the rest wait.
				immediate = last.IsZero() || now.Sub(last) >= alertInterval
			}
			switch {
			case immediate:
				p.Outbox = append(p.Outbox, row(fmt.Sprintf("alert:%d:%d", sub.ID, e.ID), ChannelEmail, KindAlert, sub.Email, sub.ID))
			case sub.Digest != DigestNone || alertable:
				// A change waits for the subscriber's digest; one that
				// called for an alert that could not go at once (the
				// hourly limit, no mail server) waits even for a
				// subscriber who wants no digest — they asked to hear of
				// it — and is marked: held by the hourly limit, it goes
				// when the hour is up (ReleaseHeldAlerts), unless it is a
				// flip; else a weekly subscriber gets it at the next daily
				// digest time.
				p.Held = append(p.Held, HeldEvent{SubscriberID: sub.ID, EventID: e.ID, Alert: alertable, Flip: alertable && flipping})
			}
		}
	case monitor.KindAnomaly, monitor.KindFetchError, monitor.KindRecovered:
		if s.cfg.Operator == "" || s.from == nil {
			break
		}
		note, send, err := s.operatorNotice(ctx, e)
		if err != nil {
			return p, err
		}
		if send {
			it := row("operator:"+strconv.FormatInt(e.ID, 10), ChannelEmail, KindOperator, s.cfg.Operator, 0)
			it.Note = note
			p.Outbox = append(p.Outbox, it)
		}
	}
	return p, nil
}

// flipping reports whether e is a revert on a watch that already reverted
// within the flap window: a page that alternates between two texts (a
// test of two variants, edges serving two versions) is a change, then a
// revert told at once (the change may have been withdrawn), then flips
// that tell nothing new; those go in the digest (a catch-up one for a
// subscriber without a digest), where they are listed, instead of an
// urgent alert each, saying the opposite of the last.
func (s *Service) flipping(ctx context.Context, e *monitor.Event) (bool, error) {
	if e.Kind != monitor.KindRevert {
		return false, nil
	}
	earlier, err := s.store.Events(ctx, monitor.EventFilter{
		Watch: e.Watch, Kinds: []monitor.EventKind{monitor.KindRevert}, Since: e.Time.Add(-s.flapWindow),
		BeforeID: e.ID, Limit: 1, FoundOnly: true,
	})
	if err != nil {
		return false, fmt.Errorf("reverts of %s before event %d: %w", e.Watch, e.ID, err)
	}
	return len(earlier) > 0, nil
}

// ReleaseHeldAlerts plans, once the hour is up, the alerts the hourly
// limit held back (see plan): for each subscriber and watch, the oldest
// change held, as its own alert, which starts the next hour. A change
// held back for longer than two hours (no mail server then, a daemon
// stopped) is not released: it waits for the digest with the others, in
// one message. It returns how many alerts it planned.
func (s *Service) ReleaseHeldAlerts(ctx context.Context) (int, error) {
	if s.cfg.sendless {
		return 0, ErrNotSending
	}
	if s.from == nil {
		return 0, nil
	}
	now := s.now().UTC()
	rows, err := s.store.ReleaseHeldAlerts(ctx, now.Add(-alertInterval), now.Add(-heldStale), now)
	if err != nil {
		return 0, fmt.Errorf("release held alerts: %w", err)
	}
	for _, it := range rows {
		s.log.Info("alert held by the hourly limit planned", "watch", it.Watch, "event", it.EventID, "subscriber", it.SubscriberID)
	}
	return len(rows), nil
}

// threshold is the least severity alerted at once to sub.
func threshold(sub Subscriber) monitor.Severity {
	if sub.MinSeverity == "" {
		return monitor.SeverityCritical
	}
	return sub.MinSeverity
}

func follows(watches []string, watch string) bool {
	return Subscriber{Watches: watches}.Follows(watch)
}

// operatorNotice decides whether the operator hears of an episode event.
// Each episode is told once when it opens and once when it closes. A
// failure that changes along the way (a 500, then a consent page, then a
// selector that matches nothing) is several episodes, each told, but one
// failure: only the openings that follow a recovery (or start the
// history) start one. Failures whose starts follow each other within the
// flap window form a run; the run's FlapThreshold-th start is told as
// "flapping", and what follows — its later episodes, the later failures
// and their recoveries — is not told at all, until a quiet window ends
// the run.
func (s *Service) operatorNotice(ctx context.Context, e *monitor.Event) (note string, send bool, err error) {
	history, err := s.store.Events(ctx, monitor.EventFilter{
		Watch: e.Watch, Kinds: []monitor.EventKind{monitor.KindAnomaly, monitor.KindFetchError, monitor.KindRecovered},
	})
	if err != nil {
		return "", false, fmt.Errorf("episodes of %s: %w", e.Watch, err)
	}
	// The starts of failures up to e, and whether e is one.
	var starts []time.Time
	failing, isStart := false, false
	for _, o := range history {
		if o.ID > e.ID {
			break
		}
		isStart = false
		switch {
		case o.Kind == monitor.KindRecovered:
			failing = false
		case !failing:
			failing, isStart = true, true
			starts = append(starts, o.Time)
		}
	}
	if len(starts) == 0 {
		return "", e.Kind != monitor.KindRecovered, nil
	}
	run := 1
	for i := len(starts) - 1; i > 0 && starts[i].Sub(starts[i-1]) <= s.flapWindow; i-- {
		run++
	}
	switch {
	case run < s.flapThreshold:
		return "", true, nil
	case run == s.flapThreshold && isStart && e.Kind != monitor.KindRecovered:
		return NoteFlapping, true, nil
	}
	return "", false, nil
}
