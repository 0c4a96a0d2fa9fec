package notify_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

// TestWeeklyDigestAfterAStartOnAMondayMorning: a daemon that starts its
// digest schedule on a Monday before the day's first digest time (its
// first start, or its first with a mail server, the changes held for the
// subscribers meanwhile) sends the weekly digests at that time. The start
// is no digest time: counted as one, it made Monday's time the day's
// second, and the weekly subscribers waited another week.
func TestWeeklyDigestAfterAStartOnAMondayMorning(t *testing.T) {
	mon := func(h, m int) time.Time { return time.Date(2026, 5, 18, h, m, 0, 0, time.UTC) }
	r := newRig(t)
	ms := newMailServer(t)
	bob := r.subscribe("bob@example.org", func(s *notify.Subscriber) { s.Digest = notify.DigestWeekly })
	v1, err := os.ReadFile("testdata/policy-v1.html")
	if err != nil {
		t.Fatal(err)
	}
	sun := mon(0, 0).Add(-14 * time.Hour)
	r.check(string(v1), sun)
	if events := r.check(strings.Replace(string(v1), "March 3, 2026", "April 3, 2026", 1), sun.Add(time.Hour)); len(events) != 1 {
		t.Fatalf("events %+v, want a change for the digest", events)
	}
	r.clock.Set(mon(7, 30))
	svc := r.service(notify.Config{DigestSchedule: "0 8 * * *"}, ms)
	// What 'policywatch digest' says before the daemon ever ran: the
	// weekly digest at 08:00.
	next, previews, err := svc.PreviewNextDigests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !next.Equal(mon(8, 0)) || len(previews) != 1 || !strings.HasPrefix(previews[0].Subject, "[policywatch] Weekly digest: ") {
		var subjects []string
		for _, p := range previews {
			subjects = append(subjects, p.Subject)
		}
		t.Errorf("next digest time %s, digests %q; want the weekly digest at 08:00", next, subjects)
	}
	tick(t, svc) // the schedule starts; the change is held for bob's weekly digest
	if n := len(ms.messages()); n != 0 {
		t.Fatalf("%d messages at the start, want none", n)
	}
	r.clock.Set(mon(8, 1))
	tick(t, svc)
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 || msgs[0].To[0] != bob.Email {
		t.Fatalf("messages to %v after Monday's 08:00, want the weekly digest to %s", recipients(msgs), bob.Email)
	}
	if got := parseMail(t, msgs[0].Data).subject(t); !strings.HasPrefix(got, "[policywatch] Weekly digest: ") {
		t.Errorf("subject %q, want the weekly digest", got)
	}
}
