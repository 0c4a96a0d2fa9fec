package notify_test

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
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
