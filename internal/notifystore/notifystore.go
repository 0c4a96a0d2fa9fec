// Package notifystore adapts the SQLite store to what the notification
// service needs. notify may not import store (the arrows point inward at
// monitor), so each side declares the same records and this package
// converts between them with plain type conversions. The command and
// notify's own tests use it; it imports store and notify, nothing else of
// ours.
package notifystore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/store"
)

// Store adapts *store.DB to notify.Store.
type Store struct{ *store.DB }

var _ notify.Store = Store{}

func (s Store) Subscribe(ctx context.Context, sub notify.Subscriber) (notify.Subscriber, error) {
	r, err := s.DB.Subscribe(ctx, store.Subscriber(sub))
	return notify.Subscriber(r), err
}

func (s Store) SubscriberByID(ctx context.Context, id int64) (notify.Subscriber, error) {
	r, err := s.DB.SubscriberByID(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		err = fmt.Errorf("%w: %w", notify.ErrNoSubscriber, err)
	}
	return notify.Subscriber(r), err
}

func (s Store) Subscribers(ctx context.Context, all bool) ([]notify.Subscriber, error) {
	rs, err := s.DB.Subscribers(ctx, all)
	return convertAll(rs, func(r store.Subscriber) notify.Subscriber { return notify.Subscriber(r) }), err
}

func (s Store) Unsubscribe(ctx context.Context, id int64, at time.Time) (notify.Subscriber, error) {
	r, err := s.DB.Unsubscribe(ctx, id, at)
	return notify.Subscriber(r), err
}

// Busy is store.IsBusy: notify cannot import store to ask it.
func (Store) Busy(err error) bool { return store.IsBusy(err) }

func (s Store) RecordPlan(ctx context.Context, p notify.Plan) error {
	return s.DB.RecordNotifyPlan(ctx, store.NotifyPlan{
		After: p.After, Through: p.Through,
		Outbox: convertAll(p.Outbox, func(it notify.OutboxItem) store.OutboxItem { return store.OutboxItem(it) }),
		Held:   convertAll(p.Held, func(h notify.HeldEvent) store.HeldEvent { return store.HeldEvent(h) }),
	})
}

func (s Store) RecordDigests(ctx context.Context, r notify.DigestRun, now time.Time) ([]notify.OutboxItem, error) {
	rows, err := s.DB.RecordDigests(ctx, store.DigestRun(r), now)
	return convertAll(rows, toNotifyItem), err
}

func (s Store) ReleaseHeldAlerts(ctx context.Context, holdStart, heldSince, now time.Time) ([]notify.OutboxItem, error) {
	rows, err := s.DB.ReleaseHeldAlerts(ctx, holdStart, heldSince, now)
	return convertAll(rows, toNotifyItem), err
}

func (s Store) ClaimOutbox(ctx context.Context, due, now time.Time, lease time.Duration, limit int) ([]notify.OutboxItem, error) {
	rows, err := s.DB.ClaimOutbox(ctx, due, now, lease, limit)
	return convertAll(rows, toNotifyItem), err
}

func (s Store) OutboxRows(ctx context.Context, statuses []string, limit int) ([]notify.OutboxItem, error) {
	rows, err := s.DB.OutboxRows(ctx, statuses, limit)
	return convertAll(rows, toNotifyItem), err
}

func toNotifyItem(it store.OutboxItem) notify.OutboxItem { return notify.OutboxItem(it) }

func convertAll[T, U any](in []T, f func(T) U) []U {
	if in == nil {
		return nil
	}
	out := make([]U, len(in))
	for i, v := range in {
		out[i] = f(v)
	}
	return out
}
