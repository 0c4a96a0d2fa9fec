package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/store"
)

// TestDigestLeavesOutAWatchNoLongerFollowed: a subscriber who runs
// subscribe again to follow fewer watches hears no more of those left:
// the changes held for the next digest before the change of setting are
// not sent either. The digest listed them under a footer saying the
// address follows the other watch only.
func TestDigestLeavesOutAWatchNoLongerFollowed(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	ada := r.subscribe("ada@example.org", func(s *notify.Subscriber) { s.Watches = nil })
	svc := r.service(notify.Config{BaseURL: "https://pw.example", DigestSchedule: "0 8 * * *"}, ms)
	tick(t, svc) // Tuesday 09:00: the schedule starts

	r.checkAs("nimbus", "policy-v2-ai.html", t0.Add(time.Hour))
	r.checkAs("meta", "policy-v2-ai.html", t0.Add(time.Hour))
	r.checkAs("nimbus", "policy-v3-date.html", t0.Add(2*time.Hour)) // notable: held for the digest
	r.checkAs("meta", "policy-v3-date.html", t0.Add(2*time.Hour))   // notable: held for the digest
	tick(t, svc)

	// subscribe ada@example.org --watch nimbus
	narrowed := ada
	narrowed.Watches = []string{"nimbus"}
	if _, err := r.store.Subscribe(t.Context(), narrowed); err != nil {
		t.Fatal(err)
	}
	r.atDigestTime(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want ada's digest", len(msgs))
	}
	m := parseMail(t, msgs[0].Data)
	if got, want := m.subject(t), "[policywatch] Daily digest: 1 change to nimbus"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	if strings.Contains(m.Text, "meta") || !strings.Contains(m.Text, "subscribed to policywatch for nimbus.") {
		t.Errorf("the digest tells of meta, which ada no longer follows:\n%s", m.Text)
	}
}

// TestAlertLeftOutForAWatchNoLongerFollowed: an alert waiting for a retry
// (the mail server deferred it) when its subscriber stops following the
// watch is not sent: it is cancelled.
func TestAlertLeftOutForAWatchNoLongerFollowed(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	ada := r.subscribe("ada@example.org", func(s *notify.Subscriber) { s.Watches = nil })
	svc := r.service(notify.Config{}, ms)
	ms.deferNext(1)
	r.checkAs("meta", "policy-v1.html", t0)
	r.checkAs("meta", "policy-v2-ai.html", t0.Add(time.Hour)) // critical: an alert, deferred
	tick(t, svc)
	if rows := r.outbox(store.OutboxPending); len(rows) != 1 || rows[0].Kind != notify.KindAlert {
		t.Fatalf("pending rows %+v, want the alert waiting for its retry", r.outbox())
	}

	narrowed := ada
	narrowed.Watches = []string{"nimbus"}
	if _, err := r.store.Subscribe(t.Context(), narrowed); err != nil {
		t.Fatal(err)
	}
	r.clock.Add(time.Hour) // past the backoff
	tick(t, svc)
	if n := len(ms.messages()); n != 0 {
		t.Errorf("%d messages, want none: ada no longer follows meta", n)
	}
	if rows := r.outbox(store.OutboxCancelled); len(rows) != 1 {
		t.Errorf("outbox %+v, want the alert cancelled", r.outbox())
	}
}
