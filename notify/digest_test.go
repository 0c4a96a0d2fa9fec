package notify_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
)

// TestDailyDigest: the changes of several watches that did not call for an
// immediate alert are sent once, grouped by watch, at the next digest time;
// an empty period sends nothing; weekly subscribers get theirs on Monday.
func TestDailyDigest(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	daily := r.subscribe("ada@example.org", nil)
	weekly := r.subscribe("bob@example.org", func(s *notify.Subscriber) { s.Digest = notify.DigestWeekly })
	r.subscribe("cy@example.org", func(s *notify.Subscriber) { s.Digest = notify.DigestNone })
	svc := r.service(notify.Config{BaseURL: "https://pw.example", DigestSchedule: "0 8 * * *"}, ms)
	tick(t, svc) // Tuesday 09:00: the schedule starts

	at := t0
	step := func(name, page string) {
		at = at.Add(time.Hour)
		r.checkAs(name, page, at)
		tick(t, svc)
	}
	step("nimbus", "policy-v2-ai.html")   // baselines: nothing to tell
	step("meta", "policy-v2-ai.html")     //
	step("nimbus", "policy-v3-date.html") // notable
	step("meta", "policy-v3-date.html")   // notable
	step("meta", "policy-v2-ai.html")     // revert: the date goes back
	if n := len(ms.messages()); n != 0 {
		t.Fatalf("%d messages before the digest time, want none", n)
	}

	r.atDigestTime(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 || msgs[0].To[0] != daily.Email {
		t.Fatalf("messages %d (to %v), want one digest to %s", len(msgs), recipients(msgs), daily.Email)
	}
	m := parseMail(t, msgs[0].Data)
	if got, want := m.subject(t), "[policywatch] Daily digest: 3 changes to nimbus, meta"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	for _, part := range []struct{ name, body string }{{"text", m.Text}, {"html", m.HTML}} {
		for _, want := range []string{
			"nimbus", "meta",
			"went back to the text first seen on 12 May 2026 (version 2)",                // which text came back
			"meta: the text went back to the one first seen on 12 May 2026 (version 2, ", // its summary
			"Effective date 27 May 2026 → 1 Jul 2026",                                    // summaries
			"Effective date: 27 May 2026 ",                                               // dates changed, written as the summaries write them
			"Effective July 1, 2026",                                                     // the quote of a date
			"https://pw.example/events/",                                                 // links to the web view
			"https://pw.example/unsubscribe?token=",
		} {
			if !strings.Contains(part.body, want) {
				t.Errorf("%s part lacks %q:\n%s", part.name, want, part.body)
			}
		}
	}
	oneDateStyle(t, m)
	if i, j := strings.Index(m.Text, "== nimbus =="), strings.Index(m.Text, "== meta =="); i < 0 || j < i {
		t.Errorf("changes are not grouped by watch, in order:\n%s", m.Text)
	}
	if m.Header.Get("List-Unsubscribe-Post") == "" {
		t.Error("digest without one-click unsubscribe")
	}

	// Thursday: nothing happened, nothing is sent.
	r.clock.Set(time.Date(2026, 5, 14, 8, 0, 0, 0, time.UTC))
	tick(t, svc)
	if n := len(ms.messages()); n != 1 {
		t.Errorf("%d messages after an empty day, want still 1", n)
	}

	// Monday: the weekly subscriber gets the week's changes, once.
	r.clock.Set(time.Date(2026, 5, 18, 8, 0, 30, 0, time.UTC))
	tick(t, svc)
	tick(t, svc)
	msgs = ms.messages()
	if len(msgs) != 2 || msgs[1].To[0] != weekly.Email {
		t.Fatalf("messages to %v, want a second one to %s", recipients(msgs), weekly.Email)
	}
	if got := parseMail(t, msgs[1].Data).subject(t); !strings.HasPrefix(got, "[policywatch] Weekly digest: 3 changes") {
		t.Errorf("weekly subject %q", got)
	}
	r.clock.Set(time.Date(2026, 5, 25, 8, 0, 0, 0, time.UTC))
	tick(t, svc)
	if n := len(ms.messages()); n != 2 {
		t.Errorf("%d messages after an empty week, want still 2", n)
	}
}

func recipients(msgs []received) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.To...)
	}
	return out
}

// TestDigestAfterTheClockWentBack: a clock that jumped a month ahead (and
// planned a digest then) and was set right again does not hold the
// digests back until it catches up.
func TestDigestAfterTheClockWentBack(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@example.org", nil)
	svc := r.service(notify.Config{DigestSchedule: "0 8 * * *"}, ms)
	right := r.clock.Now()
	tick(t, svc) // the schedule starts
	r.clock.Set(right.Add(30 * 24 * time.Hour))
	tick(t, svc) // a month "later": a digest time is recorded, nothing to send
	r.clock.Set(right)
	r.checkAs("nimbus", "policy-v2-ai.html", right.Add(time.Hour))
	r.checkAs("nimbus", "policy-v3-date.html", right.Add(2*time.Hour)) // notable: for the digest
	tick(t, svc)
	r.clock.Set(right.Add(24 * time.Hour).Truncate(24 * time.Hour).Add(8 * time.Hour)) // the next 08:00
	tick(t, svc)
	tick(t, svc)
	if msgs := ms.messages(); len(msgs) != 1 {
		t.Fatalf("%d messages at the next digest time after the clock was set right, want the digest; outbox %+v", len(msgs), r.outbox())
	}
}

// TestAlertHeldBackWithoutDigest: a subscriber without a digest gets the
// first critical change of a watch at once; a second one within the hour
// is held back by the hourly limit and comes in a catch-up digest at the
// next digest time, not never.
func TestAlertHeldBackWithoutDigest(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	cy := r.subscribe("cy@example.org", func(s *notify.Subscriber) { s.Digest = notify.DigestNone })
	svc := r.service(notify.Config{BaseURL: "https://pw.example", DigestSchedule: "0 8 * * *"}, ms)
	tick(t, svc) // Tuesday 09:00: the schedule starts

	r.check("policy-v1.html", t0)
	first := r.check("policy-v2-ai.html", t0.Add(time.Hour))
	tick(t, svc)
	back := r.check("policy-v1.html", t0.Add(time.Hour+10*time.Minute))
	again := r.check("policy-v2-ai.html", t0.Add(time.Hour+20*time.Minute))
	tick(t, svc)
	for _, es := range [][]monitor.Event{first, again} {
		if len(es) != 1 || es[0].Severity != monitor.SeverityCritical {
			t.Fatalf("events %+v, want one critical", es)
		}
	}
	msgs := ms.messages()
	if len(msgs) != 1 || !strings.Contains(parseMail(t, msgs[0].Data).subject(t), "critical") {
		t.Fatalf("%d messages (to %v), want the first alert only", len(msgs), recipients(msgs))
	}
	held, err := r.db.DigestEventIDs(context.Background(), cy.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{again[0].ID}
	if back[0].Severity == monitor.SeverityCritical {
		want = []int64{back[0].ID, again[0].ID}
	}
	if !slices.Equal(held, want) {
		t.Fatalf("held back %v, want %v", held, want)
	}

	r.atDigestTime(t, svc)
	msgs = ms.messages()
	if len(msgs) != 2 || msgs[1].To[0] != cy.Email {
		t.Fatalf("messages to %v, want a second one to %s", recipients(msgs), cy.Email)
	}
	m := parseMail(t, msgs[1].Data)
	// The subject says a critical change is in it: held back among others,
	// it would otherwise read like any digest.
	if got := m.subject(t); !strings.HasPrefix(got, "[policywatch] Catch-up digest: ") || !strings.HasSuffix(got, fmt.Sprintf("(%d critical)", len(want))) {
		t.Errorf("subject %q, want a catch-up digest saying it holds %d critical", got, len(want))
	}
	if !strings.Contains(m.Text, fmt.Sprintf("https://pw.example/events/%d", again[0].ID)) {
		t.Errorf("the held-back change is not in the digest:\n%s", m.Text)
	}

	// Thursday: nothing held, nothing sent.
	r.clock.Set(time.Date(2026, 5, 14, 8, 0, 0, 0, time.UTC))
	tick(t, svc)
	if n := len(ms.messages()); n != 2 {
		t.Errorf("%d messages after a quiet day, want still 2", n)
	}
}

// heldBack is cy, a daily subscriber from notable up, alerted of a
// notable change at t0+1h, and of a critical one ten minutes later that
// the hourly limit holds back.
type heldBack struct {
	r             *rig
	ms            *mailServer
	svc           *notify.Service
	cy            notify.Subscriber
	first, second []monitor.Event
}

func holdOneBack(t *testing.T) heldBack {
	t.Helper()
	h := heldBack{r: newRig(t), ms: newMailServer(t)}
	h.cy = h.r.subscribe("cy@example.org", func(s *notify.Subscriber) {
		s.Digest, s.MinSeverity = notify.DigestDaily, monitor.SeverityNotable
	})
	h.svc = h.r.service(notify.Config{BaseURL: "https://pw.example", DigestSchedule: "0 8 * * *"}, h.ms)
	tick(t, h.svc) // Tuesday 09:00: the schedule starts

	v1, err := os.ReadFile("testdata/policy-v1.html")
	if err != nil {
		t.Fatal(err)
	}
	h.r.check(string(v1), t0)
	h.first = h.r.check(strings.Replace(string(v1), "March 3, 2026", "April 3, 2026", 1), t0.Add(time.Hour)) // alerted
	tick(t, h.svc)
	h.second = h.r.check("policy-v2-ai.html", t0.Add(time.Hour+10*time.Minute)) // critical: held back
	tick(t, h.svc)
	if len(h.first) != 1 || h.first[0].Severity != monitor.SeverityNotable || len(h.second) != 1 ||
		h.second[0].Severity != monitor.SeverityCritical || len(h.ms.messages()) != 1 {
		t.Fatalf("events %+v, %+v, %d messages; want a notable change alerted, then a critical one held back", h.first, h.second, len(h.ms.messages()))
	}
	return h
}

// TestHeldAlertGoesWhenTheHourIsUp: the second critical change of a watch
// within the hour, held back from an alert, goes as an alert once the hour
// since the first is up — not at the next digest time, up to a day later
// (a critical change right after a lesser alert waited so) — and starts
// the next hour: one alert per watch an hour still.
func TestHeldAlertGoesWhenTheHourIsUp(t *testing.T) {
	h := holdOneBack(t)
	r, ms, svc, cy, second := h.r, h.ms, h.svc, h.cy, h.second
	third := r.check("policy-v3-date.html", t0.Add(time.Hour+20*time.Minute))
	tick(t, svc)
	if len(third) != 1 {
		t.Fatalf("events %+v; want another change", third)
	}
	if n := len(ms.messages()); n != 1 {
		t.Fatalf("%d messages within the hour, want the first alert only", n)
	}
	held, err := r.db.DigestEventIDs(context.Background(), cy.ID, 0)
	if err != nil || !slices.Equal(held, []int64{second[0].ID, third[0].ID}) {
		t.Fatalf("held %v, %v; want %d and %d", held, err, second[0].ID, third[0].ID)
	}

	r.clock.Set(t0.Add(time.Hour + 59*time.Minute))
	tick(t, svc)
	if n := len(ms.messages()); n != 1 {
		t.Fatalf("%d messages before the hour is up, want 1", n)
	}
	// The hour is up: the critical change goes, as an alert of its own.
	r.clock.Set(t0.Add(2*time.Hour + time.Minute))
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 2 || msgs[1].To[0] != cy.Email {
		t.Fatalf("messages to %v, want the held critical change to %s", recipients(msgs), cy.Email)
	}
	m := parseMail(t, msgs[1].Data)
	if got := m.subject(t); strings.Contains(got, "digest") || !strings.Contains(got, "critical") {
		t.Errorf("subject %q, want the critical change's alert", got)
	}
	if !strings.Contains(m.Text, fmt.Sprintf("https://pw.example/events/%d", second[0].ID)) {
		t.Errorf("the alert is not about the held change %d:\n%s", second[0].ID, m.Text)
	}
	// It started the next hour: the third change waits for it.
	r.clock.Set(t0.Add(2*time.Hour + 30*time.Minute))
	tick(t, svc)
	if n := len(ms.messages()); n != 2 {
		t.Fatalf("%d messages within the next hour, want still 2", n)
	}
	r.clock.Set(t0.Add(3*time.Hour + 2*time.Minute))
	tick(t, svc)
	if msgs := ms.messages(); len(msgs) != 3 || !strings.Contains(parseMail(t, msgs[2].Data).Text, fmt.Sprintf("/events/%d", third[0].ID)) {
		t.Fatalf("%d messages, want a third: the last held change's alert", len(msgs))
	}
	if held, err := r.db.DigestEventIDs(context.Background(), cy.ID, 0); err != nil || len(held) != 0 {
		t.Errorf("still held %v, %v; want nothing: each went as an alert", held, err)
	}
	// Nothing left for the digest: none is sent.
	r.atDigestTime(t, svc)
	if n := len(ms.messages()); n != 3 {
		t.Errorf("%d messages after the digest time, want still 3", n)
	}
}

// TestWeeklySubscriberGetsHeldAlertsNextDay: a weekly subscriber's second
// critical change of a watch within the hour, held back from an alert and
// not released when the hour was up (the daemon was stopped), comes in a
// catch-up digest at the next daily digest time, alone; it used to wait
// for Monday's digest, up to a week, among changes that never called for
// an alert. Those still wait for Monday.
func TestWeeklySubscriberGetsHeldAlertsNextDay(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	bob := r.subscribe("bob@example.org", func(s *notify.Subscriber) { s.Digest = notify.DigestWeekly })
	svc := r.service(notify.Config{BaseURL: "https://pw.example", DigestSchedule: "0 8 * * *"}, ms)
	tick(t, svc) // Tuesday 09:00: the schedule starts

	r.check("policy-v1.html", t0)
	first := r.check("policy-v2-ai.html", t0.Add(time.Hour)) // critical: alerted
	tick(t, svc)
	back := r.check("policy-v1.html", t0.Add(time.Hour+10*time.Minute))
	again := r.check("policy-v2-ai.html", t0.Add(time.Hour+20*time.Minute)) // critical: held back
	tick(t, svc)
	date := r.check("policy-v3-date.html", t0.Add(time.Hour+30*time.Minute)) // notable: for Monday
	tick(t, svc)
	// No turn until the digest time (the daemon was stopped): the hold
	// ends unseen, and a change held more than two hours waits for the
	// digest (TestHeldAlertGoesWhenTheHourIsUp has the turn).
	for _, es := range [][]monitor.Event{first, again} {
		if len(es) != 1 || es[0].Severity != monitor.SeverityCritical {
			t.Fatalf("events %+v, want one critical", es)
		}
	}
	if len(date) != 1 || date[0].Severity == monitor.SeverityCritical {
		t.Fatalf("events %+v, want one change that is not critical", date)
	}
	if n := len(ms.messages()); n != 1 {
		t.Fatalf("%d messages, want the first alert only", n)
	}

	r.atDigestTime(t, svc)
	msgs := ms.messages()
	if len(msgs) != 2 || msgs[1].To[0] != bob.Email {
		t.Fatalf("messages to %v, want a catch-up to %s on Wednesday", recipients(msgs), bob.Email)
	}
	m := parseMail(t, msgs[1].Data)
	if got := m.subject(t); !strings.HasPrefix(got, "[policywatch] Catch-up digest: ") || !strings.Contains(got, "critical)") {
		t.Errorf("subject %q, want a catch-up digest of critical changes", got)
	}
	if !strings.Contains(m.Text, fmt.Sprintf("https://pw.example/events/%d", again[0].ID)) {
		t.Errorf("the held-back critical change is not in the catch-up:\n%s", m.Text)
	}
	for _, e := range append(back, date...) {
		if e.Severity != monitor.SeverityCritical && strings.Contains(m.Text, fmt.Sprintf("https://pw.example/events/%d", e.ID)) {
			t.Errorf("the catch-up carries %s change %d, which waits for Monday", e.Severity, e.ID)
		}
	}

	r.clock.Set(time.Date(2026, 5, 18, 8, 0, 0, 0, time.UTC)) // Monday 08:00
	tick(t, svc)
	tick(t, svc)
	msgs = ms.messages()
	if len(msgs) != 3 || msgs[2].To[0] != bob.Email {
		t.Fatalf("messages to %v, want the weekly digest to %s on Monday", recipients(msgs), bob.Email)
	}
	m = parseMail(t, msgs[2].Data)
	if got := m.subject(t); !strings.HasPrefix(got, "[policywatch] Weekly digest: ") {
		t.Errorf("subject %q, want the weekly digest", got)
	}
	if !strings.Contains(m.Text, fmt.Sprintf("https://pw.example/events/%d", date[0].ID)) {
		t.Errorf("the notable change is not in the weekly digest:\n%s", m.Text)
	}
}

// TestLongDigestShowsItsCriticalChanges: a digest of more changes than it
// shows counts the rest, but never hides a critical change its subject
// announces: critical changes are shown first, the others fill the rest.
func TestLongDigestShowsItsCriticalChanges(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@example.org", nil)
	svc := r.service(notify.Config{BaseURL: "https://pw.example", DigestSchedule: "0 8 * * *"}, ms)
	tick(t, svc) // Tuesday 09:00: the schedule starts

	// 32 notable changes, then a critical one, found while nothing sent
	// (a check run by hand): all wait for the digest.
	at := t0
	for i := range 32 {
		name := fmt.Sprintf("w%02d", i)
		r.checkAs(name, "policy-v2-ai.html", at)
		if es := r.checkAs(name, "policy-v3-date.html", at.Add(time.Minute)); len(es) != 1 || es[0].Severity != monitor.SeverityNotable {
			t.Fatalf("events %+v, want one notable change", es)
		}
	}
	r.checkAs("nimbus", "policy-v1.html", at)
	critical := r.checkAs("nimbus", "policy-v2-ai.html", at.Add(2*time.Minute))
	if len(critical) != 1 || critical[0].Severity != monitor.SeverityCritical {
		t.Fatalf("events %+v, want one critical change", critical)
	}

	r.atDigestTime(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want the digest", len(msgs))
	}
	m := parseMail(t, msgs[0].Data)
	if got := m.subject(t); !strings.Contains(got, "33 changes") || !strings.HasSuffix(got, "(1 critical)") {
		t.Errorf("subject %q, want 33 changes, 1 critical", got)
	}
	link := fmt.Sprintf("https://pw.example/events/%d", critical[0].ID)
	for _, part := range []struct{ name, body string }{{"text", m.Text}, {"html", m.HTML}} {
		if !strings.Contains(part.body, link) {
			t.Errorf("%s part does not show the critical change (%s):\n%s", part.name, link, part.body)
		}
		if !strings.Contains(part.body, "and 3 more changes") {
			t.Errorf("%s part does not count the 3 changes left out", part.name)
		}
	}
}
