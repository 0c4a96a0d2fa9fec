package notify_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/webhook"
)

// TestWebhookHearsOnlyOfLaterEvents: an operator ran 'check' for weeks
// without a notify section, then added a webhook. The dispatcher's cursor
// had not moved meanwhile, and the webhook got every change those checks
// found, weeks old, as if new. It hears of the events recorded after it was
// first seen, and of none before.
func TestWebhookHearsOnlyOfLaterEvents(t *testing.T) {
	r := newRig(t)
	rc := newReceiver(t, 0)
	r.check("policy-v1.html", t0)
	old := r.check("policy-v2-ai.html", t0.Add(time.Hour))

	svc := r.service(notify.Config{Webhooks: []notify.Webhook{{Config: webhook.Config{URL: rc.URL + "/hook"}}}}, nil)
	tick(t, svc)
	if n := rc.count(); n != 0 {
		t.Errorf("%d requests for the events recorded before the webhook was configured, want none:\n%s", n, rc.bodies)
	}
	if rows := r.outbox(); len(rows) != 0 {
		t.Errorf("outbox %+v, want nothing planned for the old events", rows)
	}

	later := r.check("policy-v3-date.html", t0.Add(2*time.Hour))
	tick(t, svc)
	if n := rc.count(); n != 1 {
		t.Fatalf("%d requests after a change recorded once the webhook was there, want 1", n)
	}
	var got monitor.Event
	if err := json.Unmarshal(rc.bodies[0], &got); err != nil {
		t.Fatal(err)
	}
	if len(later) != 1 || got.ID != later[0].ID || got.ID <= old[0].ID {
		t.Errorf("posted event %d, want the later change %v", got.ID, later)
	}

	// Another process (digest --now, the next daemon) of the same
	// configuration keeps the first start: nothing old comes back.
	tick(t, r.service(notify.Config{Webhooks: []notify.Webhook{{Config: webhook.Config{URL: rc.URL + "/hook"}}}}, nil))
	if n := rc.count(); n != 1 {
		t.Errorf("%d requests after another process's turn, want still 1", n)
	}
}

// TestSubscriberHearsOnlyOfLaterChanges: an address subscribed while the
// daemon was stopped got alerts and digest entries for the changes 'check'
// had found before it subscribed. It hears of the changes recorded after
// it subscribed: ada (alerts from critical) gets the later notable change
// in her digest and nothing else; bob (alerts from notable) an alert for
// it and nothing else.
func TestSubscriberHearsOnlyOfLaterChanges(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	r.check("policy-v1.html", t0)
	before := r.check("policy-v2-ai.html", t0.Add(time.Hour)) // critical

	ada := r.subscribe("ada@example.org", nil)
	bob := r.subscribe("bob@example.org", func(s *notify.Subscriber) { s.MinSeverity = monitor.SeverityNotable })
	after := r.check("policy-v3-date.html", t0.Add(2*time.Hour)) // notable
	if len(before) != 1 || before[0].Severity != monitor.SeverityCritical || len(after) != 1 || after[0].Severity != monitor.SeverityNotable {
		t.Fatalf("events %+v then %+v, want a critical change then a notable one", before, after)
	}
	svc := r.service(notify.Config{BaseURL: "https://pw.example", DigestSchedule: "0 8 * * *"}, ms)
	tick(t, svc)
	r.atDigestTime(t, svc)

	msgs := ms.messages()
	if len(msgs) != 2 {
		t.Fatalf("%d messages to %v, want an alert to bob and a digest to ada", len(msgs), recipients(msgs))
	}
	link := func(id int64) *regexp.Regexp {
		return regexp.MustCompile(fmt.Sprintf(`https://pw\.example/events/%d\b`, id))
	}
	beforeLink, afterLink := link(before[0].ID), link(after[0].ID)
	for _, raw := range msgs {
		m := parseMail(t, raw.Data)
		subject := m.subject(t)
		switch raw.To[0] {
		case ada.Email:
			if !strings.Contains(subject, "Daily digest: 1 change") {
				t.Errorf("ada got %q, want a digest of one change", subject)
			}
		case bob.Email:
			if strings.Contains(subject, "digest") {
				t.Errorf("bob got %q, want the alert alone", subject)
			}
		}
		if beforeLink.MatchString(m.Text) || strings.Contains(m.Text, "Purpose added: AI training") {
			t.Errorf("%s heard of the change recorded before subscribing (%q):\n%s", raw.To[0], subject, m.Text)
		}
		if !afterLink.MatchString(m.Text) {
			t.Errorf("%s did not hear of the change recorded after subscribing (%q):\n%s", raw.To[0], subject, m.Text)
		}
	}
}
