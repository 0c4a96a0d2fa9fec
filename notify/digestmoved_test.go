package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

// TestMovedScheduleSendsNoDigestTooSoon: a digest time missed while the
// daemon was stopped is caught up at its start, unless a digest went out
// after that time: the daemon then found a time of the new schedule (or a
// time 'digest --now' had already covered) as missed, and sent a second
// digest an hour or two after the last.
func TestMovedScheduleSendsNoDigestTooSoon(t *testing.T) {
	wed := func(h, m int) time.Time { return time.Date(2026, 5, 13, h, m, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name string
		// The day's first digest goes out at sent, 08:00 or later, through
		// a Service of the old schedule (Tuesday 09:00 started it): by its
		// turn, or by 'digest --now'.
		sent      time.Time
		digestNow bool
		schedule  string // the schedule the daemon restarts with, at 10:00
		// want is the messages after the restart's turns: the first
		// digest, and a second one if its time is after the first.
		want int
	}{
		{
			// The review's case: 08:00 sent on time; the 18:00 of the new
			// schedule is still to come.
			name:     "sent at 08:00, moved to 18:00",
			sent:     wed(8, 0),
			schedule: "0 18 * * *", want: 1,
		},
		{
			// The daemon was stopped over the night; 'digest --now' (a
			// cron job) sent the digest at 08:00. Tuesday 18:00 of the new
			// schedule came before it.
			name: "digest --now at 08:00, moved to 18:00",
			sent: wed(8, 0), digestNow: true,
			schedule: "0 18 * * *", want: 1,
		},
		{
			// The same schedule: the 08:00 that 'digest --now' covered is
			// not caught up at 10:00.
			name: "digest --now at 08:05, schedule kept",
			sent: wed(8, 5), digestNow: true,
			schedule: "0 8 * * *", want: 1,
		},
		{
			// The daemon started at 09:00 and caught 08:00 up; restarted
			// with 08:30, which came before that digest.
			name:     "caught up at 09:00, moved to 08:30",
			sent:     wed(9, 0),
			schedule: "30 8 * * *", want: 1,
		},
		{
			// A time after the last digest is still caught up.
			name:     "sent at 08:00, moved to 09:00",
			sent:     wed(8, 0),
			schedule: "0 9 * * *", want: 2,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t)
			ms := newMailServer(t)
			r.subscribe("ada@example.org", nil)
			old := r.service(notify.Config{DigestSchedule: "0 8 * * *"}, ms)
			tick(t, old) // Tuesday 09:00: the schedule starts
			r.check("policy-v2-ai.html", t0.Add(time.Hour))
			r.check("policy-v3-date.html", t0.Add(2*time.Hour)) // notable: for the digest
			r.clock.Set(tc.sent)
			if tc.digestNow {
				digestNow(t, old)
			} else {
				tick(t, old)
			}
			if n := len(ms.messages()); n != 1 {
				t.Fatalf("%d messages after the first digest, want 1; outbox %+v", n, r.outbox())
			}
			r.check("policy-v2-ai.html", wed(9, 30)) // held for the next digest

			r.clock.Set(wed(10, 0))
			moved := r.service(notify.Config{DigestSchedule: tc.schedule}, ms)
			tick(t, moved)
			tick(t, moved)
			if n := len(ms.messages()); n != tc.want {
				t.Errorf("%d messages after the restart at 10:00 with %q, want %d; outbox %+v", n, tc.schedule, tc.want, r.outbox())
			}
		})
	}
}

// TestMovedScheduleKeepsTheWeeklyDigest: a Monday's time passed over
// because a digest went out after it (TestMovedScheduleSendsNoDigestTooSoon)
// still sends the weekly digests, which that digest, caught up for
// Sunday's time, did not carry: they would have waited a week.
func TestMovedScheduleKeepsTheWeeklyDigest(t *testing.T) {
	mon := func(h, m int) time.Time { return time.Date(2026, 5, 18, h, m, 0, 0, time.UTC) }
	r := newRig(t)
	ms := newMailServer(t)
	ada := r.subscribe("ada@example.org", nil)
	bob := r.subscribe("bob@example.org", func(s *notify.Subscriber) { s.Digest = notify.DigestWeekly })
	old := r.service(notify.Config{DigestSchedule: "0 18 * * *"}, ms)
	tick(t, old) // Tuesday 09:00: the schedule starts
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	r.check("policy-v3-date.html", t0.Add(2*time.Hour)) // notable: for the digests
	// Stopped until Monday 10:00: Sunday 18:00 is caught up, a daily digest.
	r.clock.Set(mon(10, 0))
	tick(t, old)
	if msgs := ms.messages(); len(msgs) != 1 || msgs[0].To[0] != ada.Email {
		t.Fatalf("messages to %v, want the daily digest to %s", recipients(msgs), ada.Email)
	}
	// Restarted at 10:30 with 08:00: Monday's time came before ada's digest.
	r.clock.Set(mon(10, 30))
	moved := r.service(notify.Config{DigestSchedule: "0 8 * * *"}, ms)
	tick(t, moved)
	tick(t, moved)
	msgs := ms.messages()
	if len(msgs) != 2 || msgs[1].To[0] != bob.Email {
		t.Fatalf("messages to %v, want the weekly digest to %s after the daily one", recipients(msgs), bob.Email)
	}
	if got := parseMail(t, msgs[1].Data).subject(t); !strings.HasPrefix(got, "[policywatch] Weekly digest: ") {
		t.Errorf("subject %q, want the weekly digest", got)
	}
}

// digestNow does what 'policywatch digest --now' does: plan the events
// not planned yet, a digest for every subscriber with changes held, and
// send everything due.
func digestNow(t *testing.T, svc *notify.Service) {
	t.Helper()
	ctx := context.Background()
	if _, err := svc.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.DigestNow(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SendDue(ctx); err != nil {
		t.Fatal(err)
	}
}
