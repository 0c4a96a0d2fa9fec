package notify_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/webhook"
	"github.com/policywatch/policywatch/store"
)

// A database restored from a backup gives the ids of what was recorded
// since again: a new alert gets the row id and key of one already sent.
// Its Message-ID and webhook delivery id must differ all the same, or a
// mail client or receiver that drops repeats would drop the new alert.
func TestRestoredDatabaseGivesNewMessageIDs(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	ms := newMailServer(t)
	rc := newReceiver(t, 0)
	r.subscribe("ada@example.org", nil)
	cfg := notify.Config{Webhooks: []notify.Webhook{{Config: webhook.Config{URL: rc.URL + "/hook", MinSeverity: "critical"}}}}
	r.check("policy-v1.html", t0)
	tick(t, r.service(cfg, ms))

	// The secret that signs Message-IDs exists when the backup is taken,
	// as in any database that has sent mail before.
	if _, err := r.store.NotifySecret(ctx); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	if err := r.db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	first := r.check("policy-v2-ai.html", t0.Add(time.Hour))
	tick(t, r.service(cfg, ms))

	// Restored: the backup, without the change and its notifications.
	r2 := r.restored(backup)
	second := r2.check("policy-v2-ai.html", t0.Add(2*time.Hour))
	tick(t, r2.service(cfg, ms))

	if len(first) != 1 || len(second) != 1 || first[0].ID != second[0].ID {
		t.Fatalf("events %v and %v: want one change each, with the same id (the restore gives it again)", first, second)
	}
	// The case at hand: the restored database gave the alert's outbox row
	// the id and key of the one already sent.
	before, after := alertRow(t, r.outbox()), alertRow(t, r2.outbox())
	if before.ID != after.ID || before.Key != after.Key {
		t.Fatalf("alert rows %d %q and %d %q: want the same id and key, as a restore gives them", before.ID, before.Key, after.ID, after.Key)
	}
	msgs := ms.messages()
	if len(msgs) != 2 || rc.count() != 2 {
		t.Fatalf("%d messages and %d webhook deliveries, want 2 of each", len(msgs), rc.count())
	}
	if a, b := parseMail(t, msgs[0].Data).Header.Get("Message-Id"), parseMail(t, msgs[1].Data).Header.Get("Message-Id"); a == b {
		t.Errorf("the alert after the restore has the Message-ID of the one before: %s", a)
	}
	if a, b := rc.requests[0].Header.Get(webhook.HeaderDelivery), rc.requests[1].Header.Get(webhook.HeaderDelivery); a == b || a == "" {
		t.Errorf("the delivery after the restore has the id of the one before: %q, %q", a, b)
	}
}

// alertRow returns the one alert among rows.
func alertRow(t *testing.T, rows []store.OutboxItem) store.OutboxItem {
	t.Helper()
	var alerts []store.OutboxItem
	for _, r := range rows {
		if r.Kind == notify.KindAlert {
			alerts = append(alerts, r)
		}
	}
	if len(alerts) != 1 {
		t.Fatalf("%d alert rows in %+v, want 1", len(alerts), rows)
	}
	return alerts[0]
}
