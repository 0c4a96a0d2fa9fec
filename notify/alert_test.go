package notify_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/email"
)

// TestCriticalChangeAlertsOnce: a critical change reaches the subscribed
// address once, as text and HTML with the summary, the dates and the
// quotes; a notable change that follows waits for the digest.
func TestCriticalChangeAlertsOnce(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	ada := r.subscribe("ada@example.org", nil)
	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, ms)

	r.check("policy-v1.html", t0)
	tick(t, svc)
	if n := len(ms.messages()); n != 0 {
		t.Fatalf("%d messages after the baseline, want none", n)
	}

	events := r.check("policy-v2-ai.html", t0.Add(6*time.Hour))
	if len(events) != 1 || events[0].Severity != "critical" {
		t.Fatalf("events %+v, want one critical change", events)
	}
	tick(t, svc)
	tick(t, svc) // nothing twice
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want 1", len(msgs))
	}
	if got := msgs[0].To; len(got) != 1 || got[0] != ada.Email {
		t.Errorf("delivered to %v, want %s", got, ada.Email)
	}
	m := parseMail(t, msgs[0].Data)
	subject := m.subject(t)
	for _, want := range []string{"nimbus", "critical", "Purpose added: AI training"} {
		if !strings.Contains(subject, want) {
			t.Errorf("subject %q lacks %q", subject, want)
		}
	}
	for _, part := range []struct{ name, body string }{{"text", m.Text}, {"html", m.HTML}} {
		for _, want := range []string{
			"Purpose added: AI training",               // the summary
			"3 Mar 2026", "27 May 2026", "26 May 2026", // the dates changed, written as the summary writes them
			"We use public posts and photos you share to develop and improve artificial intelligence technology", // a quote
			"https://nimbus.example/object-ai", // where to object
			"https://pw.example/events/2",      // the web view
			"https://pw.example/unsubscribe?token=",
		} {
			if !strings.Contains(part.body, want) {
				t.Errorf("%s part lacks %q:\n%s", part.name, want, part.body)
			}
		}
	}
	oneDateStyle(t, m)
	if !strings.Contains(m.HTML, `<a href="https://nimbus.example/object-ai">`) {
		t.Errorf("the objection form is not a link in the HTML part:\n%s", m.HTML)
	}
	h := m.Header
	if _, err := h.Date(); err != nil {
		t.Errorf("Date: %v", err)
	}
	if id := h.Get("Message-Id"); !regexp.MustCompile(`^<policywatch\.\d+\.[0-9a-f]{16}@policywatch\.example>$`).MatchString(id) {
		t.Errorf("Message-ID %q", id)
	}
	if got := h.Get("List-Id"); got != "policywatch <policywatch.policywatch.example>" {
		t.Errorf("List-Id %q", got)
	}
	if got := h.Get("List-Unsubscribe"); !strings.HasPrefix(got, "<https://pw.example/unsubscribe?token=") || !strings.HasSuffix(got, ">") {
		t.Errorf("List-Unsubscribe %q", got)
	}
	if got := h.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post %q", got)
	}
	if got := h.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted %q", got)
	}

	// A notable change an hour later waits for the digest.
	notable := r.check("policy-v3-date.html", t0.Add(7*time.Hour))
	if len(notable) != 1 || notable[0].Severity != "notable" {
		t.Fatalf("events %+v, want one notable change", notable)
	}
	tick(t, svc)
	if n := len(ms.messages()); n != 1 {
		t.Errorf("%d messages after a notable change, want still 1", n)
	}
	held, err := r.db.DigestEventIDs(context.Background(), ada.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 1 || held[0] != notable[0].ID {
		t.Errorf("held for the digest: %v, want [%d]", held, notable[0].ID)
	}
	t.Logf("subject: %s\n%s", subject, m.Text)
}

// isoDate is a date written as the machines write it.
var isoDate = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)

// oneDateStyle fails when a message writes a date for its reader as
// "2026-07-14", where its summaries write "14 Jul 2026".
func oneDateStyle(t *testing.T, m *parsedMail) {
	t.Helper()
	for _, part := range []struct{ name, body string }{{"text", m.Text}, {"html", m.HTML}} {
		if d := isoDate.FindString(part.body); d != "" {
			t.Errorf("%s part writes the date %s, not as its summaries do:\n%s", part.name, d, part.body)
		}
	}
}

// TestAlternatingPageAlertsOnceEachWay: a page that alternates between two
// texts already recorded (two variants served in turn) is a change,
// alerted; a revert, alerted too (the change may have been withdrawn);
// then flips that go in the digest, not an urgent alert each saying the
// opposite of the last, nor one an hour; a subscriber without a digest
// gets them in a catch-up at the digest time.
func TestAlternatingPageAlertsOnceEachWay(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	ada := r.subscribe("ada@example.org", nil)
	cy := r.subscribe("cy@example.org", func(s *notify.Subscriber) { s.Digest = notify.DigestNone })
	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, ms)
	r.check("policy-v1.html", t0)
	tick(t, svc)

	var told, flips []int64 // the change and the first revert; the flips after
	at := t0
	for i := range 6 {
		at = at.Add(2 * time.Hour)
		page := "policy-v2-ai.html"
		if i%2 == 1 {
			page = "policy-v1.html"
		}
		events := r.check(page, at)
		if len(events) != 1 || events[0].Severity != "critical" {
			t.Fatalf("flip %d: events %+v, want one critical change or revert", i, events)
		}
		if i < 2 {
			told = append(told, events[0].ID)
		} else {
			flips = append(flips, events[0].ID)
		}
		r.clock.Set(at.Add(time.Minute))
		tick(t, svc)
	}
	msgs := ms.messages()
	var subjects []string
	for _, m := range msgs {
		subjects = append(subjects, parseMail(t, m.Data).subject(t))
	}
	if len(msgs) != 4 || !strings.Contains(subjects[0], " changed ") || !strings.Contains(subjects[2], "went back") {
		t.Fatalf("%d alerts, want 2 to each subscriber (the change, then the first revert):\n%s", len(msgs), strings.Join(subjects, "\n"))
	}
	for _, sub := range []notify.Subscriber{ada, cy} {
		held, err := r.db.DigestEventIDs(context.Background(), sub.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(held, flips) {
			t.Errorf("held for %s: %v, want the later flips %v", sub.Email, held, flips)
		}
	}

	// Two days without flips later, a revert is news again.
	later := at.Add(2 * 24 * time.Hour)
	events := r.check("policy-v2-ai.html", later)
	if len(events) != 1 || events[0].Kind != "revert" {
		t.Fatalf("events %+v, want one revert", events)
	}
	tick(t, svc)
	tick(t, svc)
	var alerts []int64
	for _, it := range r.outbox() {
		if it.Kind == notify.KindAlert {
			alerts = append(alerts, it.EventID)
		}
	}
	var want []int64
	for _, id := range append(told, events[0].ID) {
		want = append(want, id, id) // to ada, then to cy
	}
	if !slices.Equal(alerts, want) {
		t.Errorf("alerts for events %v, want %v", alerts, want)
	}
	var catchUp bool
	for _, it := range r.outbox() {
		catchUp = catchUp || it.Kind == notify.KindDigest && it.SubscriberID == cy.ID
	}
	if !catchUp {
		t.Errorf("no catch-up digest to %s, who wants no digest, for the flips", cy.Email)
	}
}

// TestChangeFoundLongAgoGoesToTheDigest: changes recorded while nothing
// sent (a check run by hand, a daemon stopped for days) are not alerted
// when the daemon next runs, as if they were news, beside the revert that
// undid them: both go in the next digest.
func TestChangeFoundLongAgoGoesToTheDigest(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	ada := r.subscribe("ada@example.org", nil)
	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, ms)
	tick(t, svc)
	r.check("policy-v1.html", t0)
	change := r.check("policy-v2-ai.html", t0.Add(time.Hour))
	revert := r.check("policy-v1.html", t0.Add(2*time.Hour))
	if len(change) != 1 || len(revert) != 1 || change[0].Severity != "critical" || revert[0].Severity != "critical" {
		t.Fatalf("events %+v then %+v, want a critical change and a critical revert", change, revert)
	}

	r.clock.Set(t0.Add(10 * 24 * time.Hour))
	tick(t, svc)
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want one digest", len(msgs))
	}
	subject := parseMail(t, msgs[0].Data).subject(t)
	if !strings.Contains(subject, "digest") || !strings.Contains(subject, "2 changes") {
		t.Errorf("subject %q, want a digest of the 2 changes", subject)
	}
	if rows := r.outbox(); len(rows) != 1 || rows[0].Kind != notify.KindDigest || rows[0].SubscriberID != ada.ID {
		t.Errorf("outbox %+v, want the one digest", rows)
	}

	// The same change found two hours ago is still news.
	r.check("policy-v2-ai.html", t0.Add(10*24*time.Hour-2*time.Hour))
	tick(t, svc)
	if msgs := ms.messages(); len(msgs) != 2 || !strings.Contains(parseMail(t, msgs[1].Data).subject(t), "went back") {
		t.Errorf("%d messages, want the digest and an alert for the change found two hours ago", len(msgs))
	}
}

// TestSenderWithAnInternationalisedDomain: notify.smtp.from at an
// internationalised domain, which config check accepts, sends: its
// Message-IDs and List-Id take the domain's A-label, where every message
// failed for good on its invalid Message-ID; the envelope is ASCII too.
func TestSenderWithAnInternationalisedDomain(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@bücher.example", nil)
	cfg := notify.Config{BaseURL: "https://pw.example", SMTP: ms.config()}
	cfg.SMTP.From = "policywatch <alerts@bücher.example>"
	svc, err := notify.New(cfg, r.store, notify.WithClock(r.clock.Now), notify.WithLogger(quiet),
		notify.WithEmailOptions(email.WithTLSConfig(ms.clientTLS)))
	if err != nil {
		t.Fatal(err)
	}
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want the alert; outbox %+v", len(msgs), r.outbox())
	}
	if msgs[0].From != "alerts@xn--bcher-kva.example" || !slices.Equal(msgs[0].To, []string{"ada@xn--bcher-kva.example"}) {
		t.Errorf("envelope from %q to %v, want the A-label domain", msgs[0].From, msgs[0].To)
	}
	h := parseMail(t, msgs[0].Data).Header
	if id := h.Get("Message-Id"); !strings.HasSuffix(id, "@xn--bcher-kva.example>") {
		t.Errorf("Message-ID %q", id)
	}
	if got := h.Get("List-Id"); got != "policywatch <policywatch.xn--bcher-kva.example>" {
		t.Errorf("List-Id %q", got)
	}
}
