package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/store"
)

// TestDigestNowSendsEverythingDue: digest --now sends every notification
// due, past the 1,000 a daemon's turn sends at most (its next turn goes
// on), and says nothing of another process: none is running. It used to
// stop at 1,000 and blame the 60 left on "another policywatch process".
func TestDigestNowSendsEverythingDue(t *testing.T) {
	c := newCLI(t)
	page := newPolicyServer(t)
	mail := newPlainSMTP(t)
	c.env["POLICYWATCH_CONFIG"] = mailConfig(t, page.URL, mail.addr)
	checkACriticalChange(t, c, page)
	ctx := context.Background()
	db := c.openDB()
	events, err := db.Events(ctx, monitor.EventFilter{})
	if err != nil || len(events) == 0 {
		t.Fatalf("events: %v, %v", events, err)
	}
	cursor, _, err := db.NotifyState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const n = 1060
	var items []store.OutboxItem
	at := time.Now().Add(-time.Hour)
	for i := range n {
		items = append(items, store.OutboxItem{Key: fmt.Sprintf("operator:%d", i), Channel: "email", Kind: "operator",
			Recipient: fmt.Sprintf("ops%d@example.org", i), EventID: events[0].ID, Watch: "nimbus", CreatedAt: at, NextAttemptAt: at})
	}
	if err := db.RecordNotifyPlan(ctx, store.NotifyPlan{After: cursor, Through: cursor, Outbox: items}); err != nil {
		t.Fatal(err)
	}
	out, _, err := c.run("digest", "--now")
	if err != nil {
		t.Fatalf("digest --now: %v\n%s", err, out)
	}
	if strings.Contains(out, "another policywatch process") {
		t.Errorf("digest --now blamed another process, with none running:\n%s", lastLines(out, 5))
	}
	if got := len(mail.received()); got < n {
		t.Errorf("%d messages received, want at least %d", got, n)
	}
	if rows, _ := db.OutboxRows(ctx, []string{store.OutboxPending}, 0); len(rows) != 0 {
		t.Errorf("%d notifications still pending after digest --now", len(rows))
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
