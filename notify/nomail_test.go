package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

// TestChangesWaitForAMailServer: changes found while no mail server is
// configured are not lost. They are held for each subscriber's next digest
// (a catch-up one for a subscriber without a digest, of what it would have
// been alerted of), and go out once a server is configured and the daemon
// started again — one digest each, not a flood of stale alerts.
func TestChangesWaitForAMailServer(t *testing.T) {
	r := newRig(t)
	ada := r.subscribe("ada@example.org", nil) // daily, alerts from critical
	cy := r.subscribe("cy@example.org", func(s *notify.Subscriber) { s.Digest = notify.DigestNone })
	bob := r.subscribe("bob@example.org", func(s *notify.Subscriber) { s.Watches = []string{"other"} })
	cfg := notify.Config{BaseURL: "https://pw.example", DigestSchedule: "0 8 * * *"}
	bare := r.service(cfg, nil)
	tick(t, bare)

	r.check("policy-v1.html", t0)
	critical := r.check("policy-v2-ai.html", t0.Add(time.Hour))
	tick(t, bare)
	notable := r.check("policy-v3-date.html", t0.Add(2*time.Hour))
	tick(t, bare)
	if len(critical) != 1 || len(notable) != 1 {
		t.Fatalf("events %+v, %+v; want one change each", critical, notable)
	}
	if rows := r.outbox(); len(rows) != 0 {
		t.Fatalf("outbox %+v, want nothing planned to send without a mail server", rows)
	}
	for _, c := range []struct {
		sub  notify.Subscriber
		want []int64
	}{
		{ada, []int64{critical[0].ID, notable[0].ID}},
		{cy, []int64{critical[0].ID}}, // no digest: only what it is alerted of
		{bob, nil},                    // follows another watch
	} {
		held, err := r.db.DigestEventIDs(context.Background(), c.sub.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(held, c.want) {
			t.Errorf("%s: held %v, want %v", c.sub.Email, held, c.want)
		}
	}
	// Changing another setting of a subscriber without a digest keeps
	// what it waits for.
	if _, err := r.store.Subscribe(context.Background(), notify.Subscriber{Email: cy.Email, Digest: notify.DigestNone,
		MinSeverity: cy.MinSeverity, Watches: []string{r.watch.Name}}); err != nil {
		t.Fatal(err)
	}
	if held, err := r.db.DigestEventIDs(context.Background(), cy.ID, 0); err != nil || len(held) != 1 {
		t.Errorf("%s after subscribing again: held %v, %v; want the critical change still", cy.Email, held, err)
	}

	// The operator configures a mail server and restarts the daemon.
	ms := newMailServer(t)
	svc := r.service(cfg, ms)
	tick(t, svc) // the schedule starts
	if n := len(ms.messages()); n != 0 {
		t.Fatalf("%d messages before the digest time, want none", n)
	}
	r.atDigestTime(t, svc)
	msgs := ms.messages()
	if got := recipients(msgs); !slices.Equal(got, []string{ada.Email, cy.Email}) {
		t.Fatalf("messages to %v, want one digest each to %s and %s", got, ada.Email, cy.Email)
	}
	for i, want := range []string{
		"[policywatch] Daily digest: 2 changes to nimbus",
		"[policywatch] Catch-up digest: 1 change to nimbus",
	} {
		m := parseMail(t, msgs[i].Data)
		if got := m.subject(t); !strings.HasPrefix(got, want) {
			t.Errorf("subject %q, want %q…", got, want)
		}
		if !strings.Contains(m.Text, fmt.Sprintf("https://pw.example/events/%d", critical[0].ID)) {
			t.Errorf("the critical change is not in the digest to %v:\n%s", msgs[i].To, m.Text)
		}
	}
}

// TestDaemonWarnsWithoutAMailServer: the daemon says at its start, as a
// warning, that subscribers get no email — only when there are some and
// no mail server.
func TestDaemonWarnsWithoutAMailServer(t *testing.T) {
	for _, c := range []struct {
		name        string
		subscribers bool
		smtp        bool
		want        bool
	}{
		{"subscribers, no mail server", true, false, true},
		{"no subscribers, no mail server", false, false, false},
		{"subscribers and a mail server", true, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t)
			if c.subscribers {
				r.subscribe("ada@example.org", nil)
			}
			var ms *mailServer
			if c.smtp {
				ms = newMailServer(t)
			}
			var logs bytes.Buffer
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// The first turn reads the clock after the start is logged:
			// stopping there runs Run's start, and only that.
			stopAtFirstTurn := func() time.Time { cancel(); return t0 }
			svc := r.service(notify.Config{}, ms, notify.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
				notify.WithClock(stopAtFirstTurn))
			if err := svc.Run(ctx); err != nil {
				t.Fatal(err)
			}
			warned := strings.Contains(logs.String(), `level=WARN msg="subscribers get no email: no mail server is configured (notify.smtp)`)
			if warned != c.want {
				t.Errorf("warned %v, want %v; logs:\n%s", warned, c.want, logs.String())
			}
			if c.want && !strings.Contains(logs.String(), "subscribers=1") {
				t.Errorf("the warning does not count the subscribers:\n%s", logs.String())
			}
		})
	}
}
