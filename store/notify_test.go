package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/sqlitelock"
	"github.com/policywatch/policywatch/monitor"
)

// recordEvents stores n fetch_error checks of testWatch, an hour apart
// from t0, each with one event, and returns the events' ids.
func recordEvents(t *testing.T, db *DB, n int) []int64 {
	t.Helper()
	times := make([]time.Time, n)
	for i := range times {
		times[i] = t0.Add(time.Duration(i) * time.Hour)
	}
	return recordEventsAt(t, db, times...)
}

func TestSubscribers(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	ada, err := db.Subscribe(ctx, Subscriber{Email: "Ada@Example.org", Digest: "daily", MinSeverity: monitor.SeverityCritical, UpdatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if ada.ID == 0 || ada.Watches != nil || !ada.CreatedAt.Equal(t0) {
		t.Errorf("stored %+v", ada)
	}
	// The same address in another case updates the subscription.
	again, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Watches: []string{"a", "b"}, Digest: "weekly",
		MinSeverity: monitor.SeverityNotable, UpdatedAt: t0.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if again.ID != ada.ID || again.Digest != "weekly" || fmt.Sprint(again.Watches) != "[a b]" || !again.CreatedAt.Equal(t0) {
		t.Errorf("updated %+v", again)
	}
	if _, err := db.SubscriberByID(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown id: %v", err)
	}

	// Unsubscribing cancels what is pending and drops what is held.
	events := recordEvents(t, db, 2)
	if err := db.RecordNotifyPlan(ctx, NotifyPlan{Through: events[1],
		Outbox: []OutboxItem{{Key: "alert:1", Channel: "email", Kind: "alert", Recipient: ada.Email, SubscriberID: ada.ID, EventID: events[0], CreatedAt: t0}},
		Held:   []HeldEvent{{SubscriberID: ada.ID, EventID: events[1]}},
	}); err != nil {
		t.Fatal(err)
	}
	gone, err := db.Unsubscribe(ctx, ada.ID, t0.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if !gone.UnsubscribedAt.Equal(t0.Add(2 * time.Hour)) {
		t.Errorf("unsubscribed at %v", gone.UnsubscribedAt)
	}
	twice, err := db.Unsubscribe(ctx, ada.ID, t0.Add(3*time.Hour))
	if err != nil || !twice.UnsubscribedAt.Equal(gone.UnsubscribedAt) {
		t.Errorf("second unsubscribe: %+v %v; want the first time kept", twice, err)
	}
	rows, _ := db.OutboxRows(ctx, nil, 0)
	if len(rows) != 1 || rows[0].Status != OutboxCancelled {
		t.Errorf("rows %+v, want the alert cancelled", rows)
	}
	if held, _ := db.DigestEventIDs(ctx, ada.ID, 0); len(held) != 0 {
		t.Errorf("held %v after unsubscribing", held)
	}
	if active, _ := db.Subscribers(ctx, false); len(active) != 0 {
		t.Errorf("active %+v", active)
	}
	if all, _ := db.Subscribers(ctx, true); len(all) != 1 {
		t.Errorf("all %+v", all)
	}
	// Switching the digest off drops what waited for it.
	bob, _ := db.Subscribe(ctx, Subscriber{Email: "bob@example.org", Digest: "daily", MinSeverity: monitor.SeverityCritical})
	more := recordEvents(t, db, 1)
	if err := db.RecordNotifyPlan(ctx, NotifyPlan{After: events[1], Through: more[0], Held: []HeldEvent{{SubscriberID: bob.ID, EventID: more[0]}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Subscribe(ctx, Subscriber{Email: "bob@example.org", Digest: "none", MinSeverity: monitor.SeverityCritical}); err != nil {
		t.Fatal(err)
	}
	if held, _ := db.DigestEventIDs(ctx, bob.ID, 0); len(held) != 0 {
		t.Errorf("held %v after digest none", held)
	}
	// Subscribing again makes it active.
	back, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Digest: "daily", MinSeverity: monitor.SeverityCritical})
	if err != nil || !back.UnsubscribedAt.IsZero() || back.ID != ada.ID {
		t.Errorf("resubscribed %+v %v", back, err)
	}
}

// TestSubscriberStarts: a subscriber hears of the events after the newest
// one when it subscribed; changing its settings keeps that start, and
// subscribing again after an unsubscribe starts anew.
func TestSubscriberStarts(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	first := recordEvents(t, db, 2)
	ada, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Digest: "daily", MinSeverity: monitor.SeverityCritical, AfterEvent: 99})
	if err != nil || ada.AfterEvent != first[1] {
		t.Fatalf("new subscriber %+v, %v; want a start of %d, the newest event, whatever was given", ada, err, first[1])
	}
	more := recordEvents(t, db, 1)
	if again, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Digest: "weekly", MinSeverity: monitor.SeverityCritical}); err != nil || again.AfterEvent != first[1] {
		t.Errorf("updated subscriber %+v, %v; want its start kept at %d", again, err, first[1])
	}
	if _, err := db.Unsubscribe(ctx, ada.ID, t0); err != nil {
		t.Fatal(err)
	}
	if gone, err := db.SubscriberByID(ctx, ada.ID); err != nil || gone.AfterEvent != first[1] {
		t.Errorf("unsubscribed %+v, %v", gone, err)
	}
	later := recordEvents(t, db, 1)
	back, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Digest: "daily", MinSeverity: monitor.SeverityCritical})
	if err != nil || back.AfterEvent != later[0] || back.AfterEvent <= more[0] {
		t.Errorf("subscribed again %+v, %v; want a start of %d: what happened while away is not news", back, err, later[0])
	}
}

// TestRecordWebhooks: a webhook starts after the newest event when first
// seen, and keeps that start however often it is seen again: a process
// that restarts, a webhook removed from the configuration and added back.
func TestRecordWebhooks(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	const a, b = "https://hooks.example/a?token=x", "https://hooks.example/b"
	starts, err := db.RecordWebhooks(ctx, []string{a}, t0)
	if err != nil || len(starts) != 1 || starts[a] != 0 {
		t.Fatalf("on an empty history: %v, %v; want %s at 0", starts, err, a)
	}
	events := recordEvents(t, db, 2)
	starts, err = db.RecordWebhooks(ctx, []string{b}, t0.Add(time.Hour)) // a left the configuration
	if err != nil || starts[b] != events[1] {
		t.Fatalf("%v, %v; want %s at %d", starts, err, b, events[1])
	}
	recordEvents(t, db, 1)
	starts, err = db.RecordWebhooks(ctx, []string{a, b}, t0.Add(2*time.Hour)) // and came back
	if err != nil || starts[a] != 0 || starts[b] != events[1] {
		t.Errorf("%v, %v; want the first starts kept: %s at 0, %s at %d", starts, err, a, b, events[1])
	}
}

func TestNotifyPlanCursor(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	events := recordEvents(t, db, 3)
	cursor, slot, err := db.NotifyState(ctx)
	if err != nil || cursor != 0 || !slot.IsZero() {
		t.Fatalf("fresh state: %d %v %v", cursor, slot, err)
	}
	row := OutboxItem{Key: "webhook:1", Channel: "webhook", Kind: "webhook", Recipient: "https://h.example", EventID: events[0], CreatedAt: t0}
	if err := db.RecordNotifyPlan(ctx, NotifyPlan{After: 0, Through: events[0], Outbox: []OutboxItem{row}}); err != nil {
		t.Fatal(err)
	}
	// A second dispatcher that read the old cursor writes nothing.
	err = db.RecordNotifyPlan(ctx, NotifyPlan{After: 0, Through: events[1], Outbox: []OutboxItem{{Key: "other", Channel: "email", Kind: "alert", Recipient: "x@example.org", CreatedAt: t0}}})
	if !errors.Is(err, monitor.ErrConflict) {
		t.Fatalf("stale plan: %v, want ErrConflict", err)
	}
	// A row planned again is left as it is.
	if err := db.RecordNotifyPlan(ctx, NotifyPlan{After: events[0], Through: events[2], Outbox: []OutboxItem{row}}); err != nil {
		t.Fatal(err)
	}
	rows, _ := db.OutboxRows(ctx, nil, 0)
	if len(rows) != 1 || rows[0].Key != "webhook:1" || rows[0].Status != OutboxPending {
		t.Errorf("rows %+v", rows)
	}
	if cursor, _, _ = db.NotifyState(ctx); cursor != events[2] {
		t.Errorf("cursor %d, want %d", cursor, events[2])
	}
}

// TestNotifyCursorStartsAtExistingEvents: upgrading a database that has a
// history must not alert its past.
func TestNotifyCursorStartsAtExistingEvents(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	events := recordEvents(t, db, 4)
	// Go back to schema 1, as a database written before notifications.
	for _, stmt := range []string{
		`DROP TABLE notify_webhooks`,
		`DROP TABLE notify_digest_items`, `DROP TABLE notify_outbox`, `DROP TABLE notify_subscribers`, `DROP TABLE notify_state`,
		`DROP TABLE pruned_checks`, `DROP TABLE pruned_attempts`,
		`DROP TRIGGER checks_add_to_totals`, `DROP TRIGGER attempts_add_to_totals`,
		`DROP TRIGGER checks_counted_columns_fixed`, `DROP TRIGGER attempts_counted_columns_fixed`,
		`DROP TABLE check_totals`, `DROP TABLE attempt_totals`, `DROP TABLE latency_bounds`,
		`ALTER TABLE watches DROP COLUMN episode_short_since`, `ALTER TABLE watches DROP COLUMN episode_short_checks`,
		`ALTER TABLE watches DROP COLUMN accepted_shape`, `ALTER TABLE watches DROP COLUMN accepted_length`,
		`ALTER TABLE watches DROP COLUMN accepted_parsed_at`,
		`DELETE FROM schema_migrations WHERE version >= 2`,
	} {
		if _, err := db.sql.ExecContext(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	again, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	cursor, _, err := again.NotifyState(ctx)
	if err != nil || cursor != events[3] {
		t.Errorf("cursor %d (%v), want %d: the last event before the upgrade", cursor, err, events[3])
	}
}

func TestClaimOutboxLease(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	events := recordEvents(t, db, 1)
	var plan NotifyPlan
	plan.Through = events[0]
	for i := 0; i < 3; i++ {
		plan.Outbox = append(plan.Outbox, OutboxItem{Key: fmt.Sprint("k", i), Channel: "email", Kind: "operator",
			Recipient: "ops@example.org", EventID: events[0], CreatedAt: t0, NextAttemptAt: t0.Add(time.Duration(i) * time.Minute)})
	}
	if err := db.RecordNotifyPlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	got, err := db.ClaimOutbox(ctx, t0.Add(time.Minute), t0.Add(time.Minute), time.Minute, 10)
	if err != nil || len(got) != 2 || got[0].Key != "k0" || got[0].Attempts != 1 {
		t.Fatalf("claim: %+v %v, want the two due rows", got, err)
	}
	// Claimed rows are not taken again during the lease…
	if again, _ := db.ClaimOutbox(ctx, t0.Add(90*time.Second), t0.Add(90*time.Second), time.Minute, 10); len(again) != 0 {
		t.Errorf("claimed twice during the lease: %+v", again)
	}
	// …but are once it ends (the sender died, or is slow).
	again, err := db.ClaimOutbox(ctx, t0.Add(3*time.Minute), t0.Add(3*time.Minute), time.Minute, 10)
	if err != nil || len(again) != 3 || again[0].Attempts != 2 || !again[0].ClaimedUntil.Equal(t0.Add(4*time.Minute)) {
		t.Fatalf("after the lease: %+v, %v", again, err)
	}
	// The first claim lost its rows: it can neither renew them nor record
	// a failure, and the second claim still holds them.
	if _, held, err := db.RenewOutbox(ctx, got[1].ID, got[1].ClaimedUntil, t0.Add(3*time.Minute), time.Minute); held || err != nil {
		t.Errorf("the lost claim renewed its row: %v, %v", held, err)
	}
	if held, err := db.MarkOutboxFailed(ctx, got[1].ID, got[1].ClaimedUntil, "timeout", time.Time{}); held || err != nil {
		t.Errorf("the lost claim recorded a failure: %v, %v", held, err)
	}
	// A renewal moves the lease, and the token with it.
	until, held, err := db.RenewOutbox(ctx, again[1].ID, again[1].ClaimedUntil, t0.Add(210*time.Second), time.Minute)
	if err != nil || !held || !until.Equal(t0.Add(270*time.Second)) {
		t.Fatalf("renew: %v, %v, %v", until, held, err)
	}
	if _, held, _ := db.RenewOutbox(ctx, again[1].ID, again[1].ClaimedUntil, t0.Add(210*time.Second), time.Minute); held {
		t.Error("renewed with the token the renewal replaced")
	}
	if kept, held, _ := db.RenewOutbox(ctx, again[1].ID, until, t0, time.Minute); !held || !kept.Equal(until) {
		t.Errorf("a clock set back: lease until %v, want it kept at %v", kept, until)
	}
	back, _ := db.ClaimOutbox(ctx, t0.Add(4*time.Minute), t0.Add(4*time.Minute), time.Minute, 10)
	if len(back) != 2 || back[0].ID != got[0].ID || back[1].ID == again[1].ID {
		t.Fatalf("claimable once the second lease ended: %+v, want all but the renewed row", back)
	}
	// A delivery is recorded even by a claim that lost the row: it went
	// out, and the row's holder must not send it again.
	if held, err := db.MarkOutboxSent(ctx, got[0].ID, got[0].ClaimedUntil, t0.Add(4*time.Minute)); held || err != nil {
		t.Fatalf("sent by the lost claim: held %v, %v", held, err)
	}
	if _, held, _ := db.RenewOutbox(ctx, got[0].ID, back[0].ClaimedUntil, t0.Add(4*time.Minute), time.Minute); held {
		t.Error("a row recorded as sent renewed")
	}
	if held, err := db.MarkOutboxSent(ctx, got[0].ID, back[0].ClaimedUntil, t0.Add(5*time.Minute)); held || err != nil {
		t.Errorf("sent again: held %v, %v; want the first record kept", held, err)
	}
	if held, err := db.MarkOutboxFailed(ctx, got[1].ID, until, "refused", t0.Add(time.Hour)); !held || err != nil {
		t.Fatalf("failed by its holder: %v, %v", held, err)
	}
	rows, _ := db.OutboxRows(ctx, nil, 0)
	if held, err := db.MarkOutboxFailed(ctx, 3, rows[2].ClaimedUntil, "gone", time.Time{}); !held || err != nil {
		t.Fatalf("failed by its holder: %v, %v", held, err)
	}
	rows, _ = db.OutboxRows(ctx, nil, 0)
	if rows[0].Status != OutboxSent || !rows[0].SentAt.Equal(t0.Add(4*time.Minute)) ||
		rows[1].Status != OutboxPending || rows[1].LastError != "refused" || !rows[1].NextAttemptAt.Equal(t0.Add(time.Hour)) ||
		rows[2].Status != OutboxFailed {
		t.Errorf("rows %+v", rows)
	}
	if pending, _ := db.OutboxRows(ctx, []string{OutboxPending, OutboxFailed}, 0); len(pending) != 2 {
		t.Errorf("pending or failed: %+v", pending)
	}
	if newest, _ := db.OutboxRows(ctx, nil, 1); len(newest) != 1 || newest[0].Key != "k2" {
		t.Errorf("newest: %+v", newest)
	}
}

// TestMarkOutboxSentAll: the rows one message carried are recorded sent
// together, those another claim took over included (they went out), and
// named as lost.
func TestMarkOutboxSentAll(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	events := recordEvents(t, db, 1)
	plan := NotifyPlan{Through: events[0]}
	for i := 0; i < 3; i++ {
		plan.Outbox = append(plan.Outbox, OutboxItem{Key: fmt.Sprint("k", i), Channel: "email", Kind: "operator",
			Recipient: "ops@example.org", EventID: events[0], CreatedAt: t0, NextAttemptAt: t0})
	}
	if err := db.RecordNotifyPlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	got, err := db.ClaimOutbox(ctx, t0, t0, time.Minute, 10)
	if err != nil || len(got) != 3 {
		t.Fatalf("claim: %+v %v", got, err)
	}
	// The lease ends, and another sender takes the second row.
	if _, err := db.sql.ExecContext(ctx, `UPDATE notify_outbox SET claimed_until = ? WHERE id = ?`,
		toUnixNano(t0.Add(time.Hour)), got[1].ID); err != nil {
		t.Fatal(err)
	}
	claims := map[int64]time.Time{}
	for _, it := range got {
		claims[it.ID] = it.ClaimedUntil
	}
	lost, err := db.MarkOutboxSentAll(ctx, claims, t0.Add(time.Minute))
	if err != nil || len(lost) != 1 || lost[0] != got[1].ID {
		t.Fatalf("lost %v, %v; want the second row", lost, err)
	}
	rows, _ := db.OutboxRows(ctx, nil, 0)
	for _, it := range rows {
		if it.Status != OutboxSent || !it.SentAt.Equal(t0.Add(time.Minute)) {
			t.Errorf("row %s: %s at %s, want sent at %s", it.Key, it.Status, it.SentAt, t0.Add(time.Minute))
		}
	}
}

// TestReleaseOutbox: a sender that stops gives back the rows it claimed
// and did not try: they are claimable at once, their attempt uncounted.
// Only the claim that holds a row releases it: not a claim another
// sender took over, nor one that renewed since, nor a row sent.
func TestReleaseOutbox(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	events := recordEvents(t, db, 1)
	plan := NotifyPlan{Through: events[0]}
	for i := 0; i < 4; i++ {
		plan.Outbox = append(plan.Outbox, OutboxItem{Key: fmt.Sprint("k", i), Channel: "webhook", Kind: "webhook",
			Recipient: "https://hooks.example.org/h", EventID: events[0], CreatedAt: t0, NextAttemptAt: t0})
	}
	if err := db.RecordNotifyPlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	got, err := db.ClaimOutbox(ctx, t0, t0, time.Minute, 10)
	if err != nil || len(got) != 4 {
		t.Fatalf("claim: %+v %v", got, err)
	}
	// The first row is sent; the second renewed (its first token is
	// stale); the third lost to another sender, which holds it.
	if held, err := db.MarkOutboxSent(ctx, got[0].ID, got[0].ClaimedUntil, t0); !held || err != nil {
		t.Fatal(held, err)
	}
	if _, held, err := db.RenewOutbox(ctx, got[1].ID, got[1].ClaimedUntil, t0.Add(time.Second), time.Minute); !held || err != nil {
		t.Fatal(held, err)
	}
	other := t0.Add(time.Hour)
	if _, err := db.sql.ExecContext(ctx, `UPDATE notify_outbox SET claimed_until = ?, attempts = 2 WHERE id = ?`,
		toUnixNano(other), got[2].ID); err != nil {
		t.Fatal(err)
	}
	claims := map[int64]time.Time{}
	for _, it := range got {
		claims[it.ID] = it.ClaimedUntil
	}
	released, err := db.ReleaseOutbox(ctx, claims)
	if err != nil || len(released) != 1 || released[0] != got[3].ID {
		t.Fatalf("released %v, %v; want the fourth row alone", released, err)
	}
	rows, _ := db.OutboxRows(ctx, nil, 0)
	if rows[0].Status != OutboxSent ||
		rows[1].Status != OutboxPending || rows[1].Attempts != 1 || !rows[1].ClaimedUntil.After(t0) ||
		rows[2].Attempts != 2 || !rows[2].ClaimedUntil.Equal(other) ||
		rows[3].Status != OutboxPending || rows[3].Attempts != 0 || !rows[3].ClaimedUntil.IsZero() || rows[3].LastError != "" {
		t.Errorf("rows after the release: %+v", rows)
	}
	again, err := db.ClaimOutbox(ctx, t0, t0, time.Minute, 10)
	if err != nil || len(again) != 1 || again[0].ID != got[3].ID || again[0].Attempts != 1 {
		t.Errorf("claimable after the release, at the same instant: %+v, %v; want the row released, its attempt counted once", again, err)
	}
	if next, err := db.NextOutboxAttempt(ctx); err != nil || !next.After(t0) {
		t.Errorf("next attempt %v, %v", next, err)
	}
}

// errOf is the error of a mark made by the claim that holds the row.
func errOf(_ bool, err error) error { return err }

func TestRecordDigests(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	events := recordEvents(t, db, 3)
	subs := map[string]Subscriber{}
	for _, s := range []Subscriber{
		{Email: "daily@example.org", Digest: "daily"}, {Email: "weekly@example.org", Digest: "weekly"},
		{Email: "quiet@example.org", Digest: "daily"},
	} {
		s.MinSeverity = monitor.SeverityCritical
		stored, err := db.Subscribe(ctx, s)
		if err != nil {
			t.Fatal(err)
		}
		subs[s.Email] = stored
	}
	held := []HeldEvent{
		{SubscriberID: subs["daily@example.org"].ID, EventID: events[0]}, {SubscriberID: subs["daily@example.org"].ID, EventID: events[1]},
		{SubscriberID: subs["weekly@example.org"].ID, EventID: events[2]},
	}
	if err := db.RecordNotifyPlan(ctx, NotifyPlan{Through: events[2], Held: held}); err != nil {
		t.Fatal(err)
	}
	// The first run starts the schedule.
	if _, err := db.RecordDigests(ctx, DigestRun{Slot: t0}, t0); err != nil {
		t.Fatal(err)
	}
	slot := t0.Add(24 * time.Hour)
	rows, err := db.RecordDigests(ctx, DigestRun{Slot: slot, Previous: t0, Frequencies: []string{"daily"}}, slot)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1 || rows[0].Recipient != "daily@example.org" || rows[0].Note != "daily" || rows[0].ID == 0 {
		t.Fatalf("digests %+v, want one for the daily subscriber with changes", rows)
	}
	if ids, _ := db.DigestEventIDs(ctx, 0, rows[0].ID); fmt.Sprint(ids) != fmt.Sprint(events[:2]) {
		t.Errorf("digest carries %v, want %v", ids, events[:2])
	}
	if ids, _ := db.DigestEventIDs(ctx, subs["daily@example.org"].ID, 0); len(ids) != 0 {
		t.Errorf("still held: %v", ids)
	}
	// The same time again, by a second process: refused.
	if _, err := db.RecordDigests(ctx, DigestRun{Slot: slot, Previous: t0, Frequencies: []string{"daily"}}, slot); !errors.Is(err, monitor.ErrConflict) {
		t.Errorf("second run of a time: %v, want ErrConflict", err)
	}
	// The next day has nothing for daily subscribers.
	next := slot.Add(24 * time.Hour)
	if rows, err := db.RecordDigests(ctx, DigestRun{Slot: next, Previous: slot, Frequencies: []string{"daily"}}, next); err != nil || len(rows) != 0 {
		t.Errorf("empty day: %+v %v", rows, err)
	}
	if _, got, _ := db.NotifyState(ctx); !got.Equal(next) {
		t.Errorf("digest slot %v, want %v", got, next)
	}
	// A manual digest leaves the schedule alone.
	rows, err = db.RecordDigests(ctx, DigestRun{Slot: next.Add(time.Hour), Frequencies: []string{"daily", "weekly"}, Manual: true}, next)
	if err != nil || len(rows) != 1 || rows[0].Recipient != "weekly@example.org" {
		t.Errorf("manual: %+v %v", rows, err)
	}
	if _, got, _ := db.NotifyState(ctx); !got.Equal(next) {
		t.Errorf("digest slot %v after a manual digest, want %v", got, next)
	}
}

func TestNotifySecret(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	a, err := db.NotifySecret(ctx)
	if err != nil || len(a) != 32 {
		t.Fatalf("secret %x %v", a, err)
	}
	b, _ := db.NotifySecret(ctx)
	db.Close()
	again, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	c, _ := again.NotifySecret(ctx)
	if string(a) != string(b) || string(a) != string(c) {
		t.Error("the secret changed")
	}
}

// TestNotifySecretOnceMadeNeedsNoWriteLock: the secret, once made, is
// read without a write. It names the feeds (their ids) and signs
// unsubscribe links, read by the web view and the notifier: an UPDATE at
// every read waited for another process's write lock (a sqlite3 shell
// with a transaction open) for the busy timeout, then failed the feed
// with a 500.
func TestNotifySecretOnceMadeNeedsNoWriteLock(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	made, err := db.NotifySecret(ctx)
	if err != nil {
		t.Fatal(err)
	}
	release := sqlitelock.Hold(t, path)
	defer release()
	read, err := db.NotifySecret(ctx)
	if err != nil {
		t.Fatalf("the secret read while another process writes: %v", err)
	}
	if string(read) != string(made) {
		t.Error("the secret changed")
	}
}

// TestRequeueFailed: failed rows go back in the queue, due now, with their
// attempts from zero — all of them or those named — and so do pending rows
// waiting for a retry after a failure, except the rows of a subscriber who
// has unsubscribed since; other pending rows and sent ones are left.
func TestRequeueFailed(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	events := recordEvents(t, db, 1)
	ada, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Digest: "daily", MinSeverity: "critical"})
	if err != nil {
		t.Fatal(err)
	}
	bob, err := db.Subscribe(ctx, Subscriber{Email: "bob@example.org", Digest: "daily", MinSeverity: "critical"})
	if err != nil {
		t.Fatal(err)
	}
	plan := NotifyPlan{Through: events[0]}
	for i, sub := range []int64{0, ada.ID, bob.ID, ada.ID, ada.ID} { // the fourth stays pending; the last waits for a retry
		kind, to := "alert", "someone@example.org"
		if sub == 0 {
			kind, to = "operator", "ops@example.org"
		}
		plan.Outbox = append(plan.Outbox, OutboxItem{Key: fmt.Sprint("k", i), Channel: "email", Kind: kind,
			Recipient: to, SubscriberID: sub, EventID: events[0], CreatedAt: t0, NextAttemptAt: t0})
	}
	if err := db.RecordNotifyPlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	claimed, err := db.ClaimOutbox(ctx, t0, t0, time.Minute, 10)
	if err != nil || len(claimed) != 5 {
		t.Fatalf("claim: %+v %v", claimed, err)
	}
	for _, it := range claimed[:3] {
		if _, err := db.MarkOutboxFailed(ctx, it.ID, it.ClaimedUntil, "535 authentication failed", time.Time{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.MarkOutboxFailed(ctx, claimed[4].ID, claimed[4].ClaimedUntil, "connection refused", t0.Add(100*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Unsubscribe(ctx, bob.ID, t0); err != nil {
		t.Fatal(err)
	}
	later := t0.Add(48 * time.Hour)
	if n, err := db.RequeueFailed(ctx, []int64{claimed[1].ID}, later); err != nil || n != 1 {
		t.Fatalf("requeue one: %d, %v", n, err)
	}
	if n, err := db.RequeueFailed(ctx, nil, later); err != nil || n != 2 {
		t.Fatalf("requeue the rest: %d, %v; want the operator's row and the one waiting for a retry (bob unsubscribed)", n, err)
	}
	rows, err := db.OutboxRows(ctx, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{OutboxPending, OutboxPending, OutboxFailed, OutboxPending, OutboxPending}
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for i, r := range rows {
		if r.Status != want[i] {
			t.Errorf("row %s: %s, want %s", r.Key, r.Status, want[i])
		}
		if (i < 2 || i == 4) && (r.Attempts != 0 || !r.NextAttemptAt.Equal(later)) {
			t.Errorf("requeued row %s: attempts %d, next %s; want 0 and now", r.Key, r.Attempts, r.NextAttemptAt)
		}
	}
	if due, _ := db.ClaimOutbox(ctx, later, later, time.Minute, 10); len(due) != 4 {
		t.Errorf("due after the requeue: %d rows, want 4 (three requeued, one pending)", len(due))
	}
}

// TestDigestOffKeepsHeldAlerts: a subscriber without a digest still waits
// for the changes held because they called for an alert that could not go
// at once (the hourly limit, no mail server): subscribing again — to
// change another setting — keeps those, and drops only the changes below
// its threshold, which no digest will carry any more.
func TestDigestOffKeepsHeldAlerts(t *testing.T) {
	for _, c := range []struct {
		min  monitor.Severity
		keep []monitor.Severity
	}{
		{monitor.SeverityCritical, []monitor.Severity{monitor.SeverityCritical}},
		{monitor.SeverityNotable, []monitor.Severity{monitor.SeverityNotable, monitor.SeverityCritical}},
		{monitor.SeverityInfo, []monitor.Severity{monitor.SeverityInfo, monitor.SeverityNotable, monitor.SeverityCritical}},
		{"", []monitor.Severity{monitor.SeverityCritical}}, // notify reads "" as critical
	} {
		t.Run(string(c.min), func(t *testing.T) {
			ctx := context.Background()
			db, _ := openDB(t)
			cy, err := db.Subscribe(ctx, Subscriber{Email: "cy@example.org", Digest: "daily", MinSeverity: monitor.SeverityInfo})
			if err != nil {
				t.Fatal(err)
			}
			ids := recordEvents(t, db, 3)
			bySeverity := map[int64]monitor.Severity{}
			for i, sev := range []monitor.Severity{monitor.SeverityInfo, monitor.SeverityNotable, monitor.SeverityCritical} {
				if _, err := db.sql.ExecContext(ctx, `UPDATE events SET severity = ? WHERE id = ?`, sev, ids[i]); err != nil {
					t.Fatal(err)
				}
				bySeverity[ids[i]] = sev
			}
			var held []HeldEvent
			for _, id := range ids {
				held = append(held, HeldEvent{SubscriberID: cy.ID, EventID: id})
			}
			if err := db.RecordNotifyPlan(ctx, NotifyPlan{Through: ids[2], Held: held}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.Subscribe(ctx, Subscriber{Email: cy.Email, Digest: "none", MinSeverity: c.min}); err != nil {
				t.Fatal(err)
			}
			left, err := db.DigestEventIDs(ctx, cy.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			var got []monitor.Severity
			for _, id := range left {
				got = append(got, bySeverity[id])
			}
			if fmt.Sprint(got) != fmt.Sprint(c.keep) {
				t.Errorf("held after digest none from %q: %v, want %v", c.min, got, c.keep)
			}
		})
	}
}

// TestNotificationCounts: the rows pending (a first attempt or a retry to
// come) and failed for good, by status and channel; sent and cancelled
// rows are not counted.
func TestNotificationCounts(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	if counts, err := db.NotificationCounts(ctx); err != nil || len(counts) != 0 {
		t.Fatalf("empty outbox: %v, %v", counts, err)
	}
	events := recordEvents(t, db, 1)
	plan := NotifyPlan{Through: events[0]}
	for i, channel := range []string{"email", "email", "email", "email", "webhook", "webhook"} {
		plan.Outbox = append(plan.Outbox, OutboxItem{Key: fmt.Sprint("k", i), Channel: channel, Kind: "operator",
			Recipient: "ops@example.org", EventID: events[0], CreatedAt: t0, NextAttemptAt: t0})
	}
	if err := db.RecordNotifyPlan(ctx, plan); err != nil {
		t.Fatal(err)
	}
	rows, err := db.ClaimOutbox(ctx, t0, t0, time.Minute, 10)
	if err != nil || len(rows) != 6 {
		t.Fatalf("claim: %d rows, %v", len(rows), err)
	}
	for _, err := range []error{
		errOf(db.MarkOutboxSent(ctx, rows[0].ID, rows[0].ClaimedUntil, t0)),
		errOf(db.MarkOutboxFailed(ctx, rows[1].ID, rows[1].ClaimedUntil, "550 no such user", time.Time{})),
		errOf(db.MarkOutboxFailed(ctx, rows[2].ID, rows[2].ClaimedUntil, "451 try later", t0.Add(time.Minute))), // a retry to come
		db.CancelOutbox(ctx, rows[3].ID, "unsubscribed"),
		errOf(db.MarkOutboxFailed(ctx, rows[4].ID, rows[4].ClaimedUntil, "410 Gone", time.Time{})),
		// rows[5], a webhook, claimed: still pending
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	counts, err := db.NotificationCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int64{
		OutboxPending: {"email": 1, "webhook": 1},
		OutboxFailed:  {"email": 1, "webhook": 1},
	}
	if fmt.Sprint(counts) != fmt.Sprint(want) {
		t.Errorf("NotificationCounts = %v, want %v", counts, want)
	}
}

// recordEventsAt stores a fetch_error check of testWatch at each of times,
// each with one event, and returns the events' ids. The store reads
// neither kind nor severity where these are used: only the times.
func recordEventsAt(t *testing.T, db *DB, times ...time.Time) []int64 {
	t.Helper()
	ctx := context.Background()
	var ids []int64
	for _, at := range times {
		st, err := db.State(ctx, testWatch)
		if err != nil {
			t.Fatal(err)
		}
		evs, err := db.RecordCheck(ctx, &monitor.CheckRecord{
			Watch: testWatch, BaseSeq: st.Seq, Started: at, Finished: at, Fetcher: "http", Outcome: monitor.OutcomeFetchError,
			Events: []monitor.Event{{Watch: testWatch.Name, Time: at, Kind: monitor.KindFetchError, Severity: monitor.SeverityNotable, Summary: "x"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, evs[0].ID)
	}
	return ids
}

// TestReleaseHeldAlerts: what ReleaseHeldAlerts plans, turn after turn,
// of the changes held back by the hourly limit — and that
// NextHeldAlertRelease, asked at each turn before it, names the time of
// its next release by the same rule: now when one is due, none when none
// ever will be. Four changes of one watch are checked at t0, +10, +20 and
// +30 minutes; the notifier's hour and two-hour cut-off.
func TestReleaseHeldAlerts(t *testing.T) {
	const hold, stale = time.Hour, 2 * time.Hour
	const none = -1 // no next release
	type alert struct {
		event int // of the four
		at    time.Duration
	}
	type turn struct {
		at, next time.Duration // next: NextHeldAlertRelease at at, before the turn
		want     []int         // the changes released as alerts, oldest first
	}
	for _, c := range []struct {
		name        string
		alerts      []alert
		unsubscribe bool // after the alerts, before the changes are held
		held        []int
		notAlert    bool // held for the digest, not back from an alert
		turns       []turn
	}{
		{name: "oldest first, one an hour",
			alerts: []alert{{0, 0}}, held: []int{1, 2},
			turns: []turn{{30 * time.Minute, time.Hour, nil}, {59 * time.Minute, time.Hour, nil},
				{time.Hour, time.Hour, []int{1}}, {90 * time.Minute, 2 * time.Hour, nil},
				{2 * time.Hour, 2 * time.Hour, []int{2}}, {3 * time.Hour, none, nil}, {4 * time.Hour, none, nil}}},
		{name: "a change already alerted is not again",
			alerts: []alert{{0, 0}, {1, 10 * time.Minute}}, held: []int{1, 2},
			turns: []turn{{30 * time.Minute, 70 * time.Minute, nil}, {time.Hour, 70 * time.Minute, nil},
				{70 * time.Minute, 70 * time.Minute, []int{2}}, {3 * time.Hour, none, nil}}},
		{name: "a change alerted out of order holds none back",
			// Alerts out of the order of their events (no plan makes
			// them, but a database must not be stuck by them): the change
			// alerted is the oldest held after the last alert.
			alerts: []alert{{1, 0}, {0, 5 * time.Minute}}, held: []int{1, 2},
			turns: []turn{{30 * time.Minute, 65 * time.Minute, nil},
				{65 * time.Minute, 65 * time.Minute, []int{2}}, {3 * time.Hour, none, nil}}},
		{name: "a subscriber who unsubscribed",
			// The dispatcher read the subscribers before the unsubscribe.
			alerts: []alert{{0, 0}}, unsubscribe: true, held: []int{1},
			turns: []turn{{30 * time.Minute, none, nil}, {time.Hour, none, nil}, {90 * time.Minute, none, nil}}},
		{name: "stale: held past the cut-off",
			// The daemon was stopped from 30 minutes to 2h15.
			alerts: []alert{{0, 0}}, held: []int{1},
			turns: []turn{{30 * time.Minute, time.Hour, nil}, {135 * time.Minute, none, nil}}},
		{name: "the second goes stale in the first's hour",
			alerts: []alert{{0, 0}}, held: []int{1, 2},
			turns: []turn{{30 * time.Minute, time.Hour, nil}, {110 * time.Minute, 110 * time.Minute, []int{1}},
				{2 * time.Hour, none, nil}, {170 * time.Minute, none, nil}}},
		{name: "no alert before it",
			held:  []int{1, 2},
			turns: []turn{{30 * time.Minute, none, nil}, {time.Hour, none, nil}}},
		{name: "held for the digest only",
			alerts: []alert{{0, 0}}, held: []int{1}, notAlert: true,
			turns: []turn{{30 * time.Minute, none, nil}, {time.Hour, none, nil}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx := context.Background()
			db, _ := openDB(t)
			ada, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Digest: "daily", MinSeverity: monitor.SeverityCritical})
			if err != nil {
				t.Fatal(err)
			}
			events := recordEventsAt(t, db, t0, t0.Add(10*time.Minute), t0.Add(20*time.Minute), t0.Add(30*time.Minute))
			plan := NotifyPlan{Through: events[0]}
			for _, a := range c.alerts {
				plan.Outbox = append(plan.Outbox, OutboxItem{Key: fmt.Sprintf("alert:%d:%d", ada.ID, events[a.event]),
					Channel: "email", Kind: "alert", Recipient: ada.Email, SubscriberID: ada.ID, EventID: events[a.event],
					Watch: testWatch.Name, CreatedAt: t0.Add(a.at)})
			}
			if err := db.RecordNotifyPlan(ctx, plan); err != nil {
				t.Fatal(err)
			}
			if c.unsubscribe {
				if _, err := db.Unsubscribe(ctx, ada.ID, t0.Add(5*time.Minute)); err != nil {
					t.Fatal(err)
				}
			}
			plan = NotifyPlan{After: events[0], Through: events[3]}
			for _, i := range c.held {
				plan.Held = append(plan.Held, HeldEvent{SubscriberID: ada.ID, EventID: events[i], Alert: !c.notAlert})
			}
			if err := db.RecordNotifyPlan(ctx, plan); err != nil {
				t.Fatal(err)
			}

			for _, turn := range c.turns {
				now := t0.Add(turn.at)
				next, ok, err := db.NextHeldAlertRelease(ctx, hold, stale, now)
				if err != nil {
					t.Fatal(err)
				}
				switch {
				case turn.next == none && ok:
					t.Errorf("at +%s: next release %s, want none", turn.at, next.Sub(t0))
				case turn.next != none && (!ok || !next.Equal(t0.Add(turn.next))):
					t.Errorf("at +%s: next release +%s (%v), want +%s", turn.at, next.Sub(t0), ok, turn.next)
				}
				rows, err := db.ReleaseHeldAlerts(ctx, now.Add(-hold), now.Add(-stale), now)
				if err != nil {
					t.Fatal(err)
				}
				var got, want []int64
				for _, it := range rows {
					got = append(got, it.EventID)
					if it.Key != fmt.Sprintf("alert:%d:%d", ada.ID, it.EventID) || !it.CreatedAt.Equal(now) || it.ID == 0 {
						t.Errorf("at +%s: row %+v", turn.at, it)
					}
				}
				for _, i := range turn.want {
					want = append(want, events[i])
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("at +%s: released %v, want %v", turn.at, got, want)
				}
			}
			// Each change was alerted once at most, and a change released
			// left the changes held for the digest.
			alerts, err := db.OutboxRows(ctx, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[int64]bool{}
			for _, it := range alerts {
				if seen[it.EventID] {
					t.Errorf("event %d alerted twice: %+v", it.EventID, alerts)
				}
				seen[it.EventID] = true
			}
			left, err := db.DigestEventIDs(ctx, ada.ID, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range left {
				if seen[id] && !slices.ContainsFunc(c.alerts, func(a alert) bool { return events[a.event] == id }) {
					t.Errorf("event %d released and still held for the digest", id)
				}
			}
		})
	}
}

// TestLastMailsCountsFailedAttempts: the attempts of a subscriber's last
// mail, retrying, are its failed ones — not the attempt on its way while
// a sender holds it (ClaimOutbox counts that one when it claims). A mail
// requeued (its attempts from zero) is not retrying until it failed again.
func TestLastMailsCountsFailedAttempts(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	ada, err := db.Subscribe(ctx, Subscriber{Email: "ada@example.org", Digest: "daily", MinSeverity: monitor.SeverityCritical})
	if err != nil {
		t.Fatal(err)
	}
	events := recordEvents(t, db, 1)
	if err := db.RecordNotifyPlan(ctx, NotifyPlan{Through: events[0], Outbox: []OutboxItem{{Key: "alert:1", Channel: "email",
		Kind: "alert", Recipient: ada.Email, SubscriberID: ada.ID, EventID: events[0], CreatedAt: t0}}}); err != nil {
		t.Fatal(err)
	}
	now := t0
	var claimed OutboxItem
	claim := func() error {
		rows, err := db.ClaimOutbox(ctx, now, now, time.Minute, 10)
		if err == nil && len(rows) != 1 {
			err = fmt.Errorf("claimed %+v", rows)
		}
		if err == nil {
			claimed = rows[0]
		}
		return err
	}
	var failedAt time.Time
	fail := func() error {
		failedAt = now
		return errOf(db.MarkOutboxFailed(ctx, claimed.ID, claimed.ClaimedUntil, "451 try later", now.Add(time.Minute)))
	}
	requeue := func() error { // right after the failure, before its retry
		_, err := db.RequeueFailed(ctx, nil, failedAt.Add(time.Second))
		return err
	}
	for _, step := range []struct {
		what string
		do   []func() error
		want int // failed attempts; 0: not listed (no outcome)
	}{
		{"held for its first attempt", []func() error{claim}, 0},
		{"failed", []func() error{fail}, 1},
		{"held for a second attempt", []func() error{claim}, 1},
		{"failed twice", []func() error{fail}, 2},
		{"held for a third attempt", []func() error{claim}, 2},
		{"failed three times", []func() error{fail}, 3},
		{"requeued", []func() error{requeue}, 0},
		{"held after the requeue", []func() error{claim}, 0},
		{"failed after the requeue", []func() error{fail}, 1},
	} {
		for _, do := range step.do {
			if err := do(); err != nil {
				t.Fatalf("%s: %v", step.what, err)
			}
		}
		last, err := db.LastMails(ctx)
		if err != nil {
			t.Fatal(err)
		}
		it, listed := last[ada.ID]
		switch {
		case step.want == 0 && listed:
			t.Errorf("%s: last mail %s with %d failed attempts, want none with an outcome", step.what, it.Status, it.Attempts)
		case step.want > 0 && (!listed || it.Status != OutboxPending || it.Attempts != step.want):
			t.Errorf("%s: last mail %q with %d failed attempts (listed %v), want pending with %d", step.what, it.Status, it.Attempts, listed, step.want)
		}
		now = now.Add(time.Minute)
	}
}
