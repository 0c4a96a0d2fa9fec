package web_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/web"
)

// TestMetricsNotifications: /metrics counts the outbox's notifications
// pending (a first attempt or a retry to come) and failed for good, by
// channel, every state and channel served even at 0; sent ones are not
// counted. There were no notification figures at all: an operator could
// not alert on mail that fails.
func TestMetricsNotifications(t *testing.T) {
	ctx := context.Background()
	r, _ := examplePolicy(t)
	at := time.Date(2025, 6, 1, 8, 0, 0, 0, time.UTC)
	row := func(key, channel string, due time.Time) store.OutboxItem {
		to := "ops@example.org"
		if channel == "webhook" {
			to = "https://hooks.example.org/policywatch"
		}
		return store.OutboxItem{Key: key, Channel: channel, Kind: "operator", Recipient: to, CreatedAt: at, NextAttemptAt: due}
	}
	if err := r.DB.RecordNotifyPlan(ctx, store.NotifyPlan{Through: 1, Outbox: []store.OutboxItem{
		row("waiting", "email", at.Add(time.Hour)), // not due yet: its first attempt to come
		row("refused", "email", at),
		row("delivered", "email", at),
		row("retried", "webhook", at),
	}}); err != nil {
		t.Fatal(err)
	}
	claimed, err := r.DB.ClaimOutbox(ctx, at, at, time.Minute, 10)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim: %+v, %v; want the three rows due", claimed, err)
	}
	for _, it := range claimed {
		var err error
		switch it.Key {
		case "refused":
			_, err = r.DB.MarkOutboxFailed(ctx, it.ID, it.ClaimedUntil, "550 no such user", time.Time{})
		case "delivered":
			_, err = r.DB.MarkOutboxSent(ctx, it.ID, it.ClaimedUntil, at)
		case "retried":
			_, err = r.DB.MarkOutboxFailed(ctx, it.ID, it.ClaimedUntil, "503 Service Unavailable", at.Add(time.Minute))
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	_, ts := r.server(t)
	families, body := parseMetrics(t, ts.URL)
	for _, c := range []struct {
		state, channel string
		want           float64
	}{
		{"pending", "email", 1},
		{"failed", "email", 1},
		{"pending", "webhook", 1},
		{"failed", "webhook", 0},
	} {
		if got, ok := seriesValue(families, "policywatch_notifications", "state", c.state, "channel", c.channel); !ok || got != c.want {
			t.Errorf("policywatch_notifications{state=%q,channel=%q} = %v (present: %v), want %v", c.state, c.channel, got, ok, c.want)
		}
	}
	if f := families["policywatch_notifications"]; f == nil || len(f.Metric) != 4 || f.GetType().String() != "GAUGE" {
		t.Errorf("policywatch_notifications: %v, want 4 gauge series\n%s", f, body)
	}
	if v, _ := seriesValue(families, "policywatch_metrics_read_errors"); v != 0 {
		t.Errorf("policywatch_metrics_read_errors = %v", v)
	}
	if !strings.Contains(body, `policywatch_notifications{state="failed",channel="email"} 1`) {
		t.Errorf("no series in the documented form in\n%s", body)
	}
}

// TestMetricsDatabaseSizeCountsTheLog: policywatch_database_size_bytes is
// what the database takes on disk, its write-ahead log included. It
// counted the database's pages alone, while megabytes of log sat beside
// the file.
func TestMetricsDatabaseSizeCountsTheLog(t *testing.T) {
	r, _ := examplePolicy(t)
	_, ts := r.server(t)
	families, _ := parseMetrics(t, ts.URL)
	size := func(p string) int64 {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Size()
	}
	file, wal := size(r.DB.Path()), size(r.DB.Path()+"-wal")
	if wal == 0 {
		t.Fatal("the write-ahead log is empty: nothing to count")
	}
	if got, ok := seriesValue(families, "policywatch_database_size_bytes"); !ok || int64(got) != file+wal {
		t.Errorf("policywatch_database_size_bytes = %v (present: %v), want %d: the file's %d and the log's %d bytes", got, ok, file+wal, file, wal)
	}
}

// outboxOnFire is a history whose outbox cannot be read.
type outboxOnFire struct{ web.Reader }

func (outboxOnFire) NotificationCounts(context.Context) (map[string]map[string]int64, error) {
	return nil, errors.New("outbox on fire")
}

// TestMetricsNotificationsReadError: an outbox that cannot be read leaves
// the family out, not at 0 (which would say all is well), and sets
// policywatch_metrics_read_errors.
func TestMetricsNotificationsReadError(t *testing.T) {
	r, _ := examplePolicy(t)
	s, err := web.New(web.Config{}, outboxOnFire{r.DB}, web.WithLogger(quiet()))
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	defer ts.Close()
	families, _ := parseMetrics(t, ts.URL)
	if f, ok := families["policywatch_notifications"]; ok {
		t.Errorf("policywatch_notifications served though the outbox could not be read: %v", f)
	}
	if v, _ := seriesValue(families, "policywatch_metrics_read_errors"); v != 1 {
		t.Errorf("policywatch_metrics_read_errors = %v, want 1", v)
	}
}
