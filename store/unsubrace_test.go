package store

import (
	"context"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestPlanAfterAnUnsubscribeHoldsNothing: the notifier reads the
// subscribers, then records its plan; a subscriber who unsubscribes (by
// its link, in the web view's process) between the two must get nothing
// from that plan. Its alert was cancelled when drafted, but the changes
// held for its digest stayed, and went out in the first digest after it
// subscribed again, although a new subscription starts after the newest
// event.
func TestPlanAfterAnUnsubscribeHoldsNothing(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	ada, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Digest: "daily", MinSeverity: monitor.SeverityCritical, UpdatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	events := recordEvents(t, db, 2)
	// The plan, made from the subscribers as they were read.
	plan := NotifyPlan{Through: events[1],
		Outbox: []OutboxItem{{Key: "alert:ada", Channel: "email", Kind: "alert", Recipient: ada.Email, SubscriberID: ada.ID, EventID: events[0], CreatedAt: t0}},
		Held:   []HeldEvent{{SubscriberID: ada.ID, EventID: events[1]}},
	}
	if _, err := db.Unsubscribe(ctx, ada.ID, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordNotifyPlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	if rows, err := db.OutboxRows(ctx, []string{OutboxPending}, 0); err != nil || len(rows) != 0 {
		t.Errorf("pending after the unsubscribe: %+v (%v)", rows, err)
	}
	if held, err := db.DigestEventIDs(ctx, ada.ID, 0); err != nil || len(held) != 0 {
		t.Errorf("held %v for a subscriber who had unsubscribed (%v)", held, err)
	}

	// Back a day later: the next digest carries nothing from before.
	if _, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Digest: "daily", MinSeverity: monitor.SeverityCritical, UpdatedAt: t0.Add(24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	slot := t0.Add(25 * time.Hour)
	rows, err := db.RecordDigests(ctx, DigestRun{Slot: slot, Frequencies: []string{"daily"}, Manual: true}, slot)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 0 {
		t.Errorf("digest %+v after subscribing again: it carries changes held before the unsubscribe", rows)
	}
}
