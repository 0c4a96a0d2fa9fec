package notify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

// TestAlertSubjectSaysHowSoon: an alert's subject says how soon its reader
// must act, where a list of subjects shows it and the summary gives only
// the date: the deadline to object when the change has one, else the day
// AI training starts, which is what the deadline is before ("AI training
// starts in 8 days"). A date further off than two weeks, or already
// passed, adds nothing.
func TestAlertSubjectSaysHowSoon(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("testdata", "policy-v1.html"))
	if err != nil {
		t.Fatal(err)
	}
	before := string(page)
	after := func(added string) string {
		return strings.Replace(before, "</main>", "<p>"+added+"</p>\n</main>", 1)
	}
	// t0 is Tuesday 12 May 2026.
	tests := []struct {
		name, added string
		want        string // in the subject, after "(critical"; "" for nothing
	}{
		{"deadline", "You can object to the use of your public posts to train our AI models until 15 May 2026.", "; deadline in 3 days)"},
		{"start", "From 20 May 2026, we will use your public posts to train our AI models.", "; AI training starts in 8 days)"},
		{"start tomorrow", "From 13 May 2026, we will use your public posts to train our AI models.", "; AI training starts tomorrow)"},
		{"both: the deadline first", "From 20 May 2026, we will use your public posts to train our AI models. You can object until 19 May 2026.", "; deadline in 7 days)"},
		{"start far off", "From 20 July 2026, we will use your public posts to train our AI models.", ")"},
		{"start passed", "Since 1 May 2026, we use your public posts to train our AI models.", ")"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRig(t)
			ms := newMailServer(t)
			r.subscribe("ada@example.org", nil)
			svc := r.service(notify.Config{}, ms)
			r.check(before, t0)
			events := r.check(after(tt.added), t0.Add(time.Hour))
			if len(events) != 1 || events[0].Severity != "critical" {
				t.Fatalf("events %+v, want one critical change", events)
			}
			tick(t, svc)
			msgs := ms.messages()
			if len(msgs) != 1 {
				t.Fatalf("%d messages, want the alert", len(msgs))
			}
			subject := parseMail(t, msgs[0].Data).subject(t)
			if !strings.Contains(subject, "(critical"+tt.want) {
				t.Errorf("subject %q, want (critical%s", subject, tt.want)
			}
		})
	}
}

// TestAlertSubjectNamesTheDeadlineStillOpen: of two deadlines to object
// (one for the UK already passed, one for the EU in three days), the
// subject names the one still open, whichever the policy states first: a
// reader told "deadline passed" does not act, though three days remain.
func TestAlertSubjectNamesTheDeadlineStillOpen(t *testing.T) {
	page, err := os.ReadFile(filepath.Join("testdata", "policy-v1.html"))
	if err != nil {
		t.Fatal(err)
	}
	before := string(page)
	uk := "<p>If you live in the UK, you could object to the use of your public posts to train our AI models until 1 May 2026.</p>"
	eu := "<p>If you live in the EU, you can object to the use of your public posts to train our AI models until 15 May 2026.</p>"
	for name, added := range map[string]string{"passed first": uk + eu, "open first": eu + uk} {
		t.Run(name, func(t *testing.T) {
			r := newRig(t)
			ms := newMailServer(t)
			r.subscribe("ada@example.org", nil)
			svc := r.service(notify.Config{}, ms)
			r.check(before, t0)
			events := r.check(strings.Replace(before, "</main>", added+"\n</main>", 1), t0.Add(time.Hour))
			if len(events) != 1 || events[0].Severity != "critical" || events[0].Analysis == nil || len(events[0].Analysis.Dates) != 2 {
				t.Fatalf("events %+v, want one critical change with its two deadlines", events)
			}
			tick(t, svc)
			msgs := ms.messages()
			if len(msgs) != 1 {
				t.Fatalf("%d messages, want the alert", len(msgs))
			}
			if subject := parseMail(t, msgs[0].Data).subject(t); !strings.Contains(subject, "(critical; deadline in 3 days)") {
				t.Errorf("subject %q, want (critical; deadline in 3 days)", subject)
			}
		})
	}
}
