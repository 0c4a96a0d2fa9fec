package notify_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

// TestScrapedEncodedWordStaysText: a page title that is written as a MIME
// encoded word ("=?UTF-8?B?…?=") reaches the subject as the text it is. A
// mail client decodes an encoded word it finds in a header, so, left
// as it is, the title would show what it encodes — here a right-to-left
// override, which the subject's cleaning removes from every scraped text
// (and could as well be a line break).
func TestScrapedEncodedWordStaysText(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@example.org", func(s *notify.Subscriber) { s.MinSeverity = "info" })
	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, ms)

	const word = "=?UTF-8?B?4oCuZ3JvLmxpYW1sb2c=?=" // U+202E "gro.liamlog"
	page, err := os.ReadFile(filepath.Join("testdata", "policy-v1.html"))
	if err != nil {
		t.Fatal(err)
	}
	// A new title, and a word of the text changed: a change whose
	// subject is ASCII throughout.
	hostile := strings.NewReplacer("<title>Nimbus Social Privacy Policy</title>", "<title>Nimbus "+word+" Policy</title>",
		"to keep people safe", "to keep everyone safe").Replace(string(page))
	if !strings.Contains(hostile, word) || !strings.Contains(hostile, "everyone") {
		t.Fatal("the test page has no title or sentence to replace")
	}
	r.check("policy-v1.html", t0)
	if events := r.check(hostile, t0.Add(time.Hour)); len(events) != 1 {
		t.Fatalf("events %+v, want the change", events)
	}
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want the alert", len(msgs))
	}
	m := parseMail(t, msgs[0].Data)
	subject := m.subject(t) // decoded as a mail client decodes it
	t.Logf("Subject: %s", m.Header.Get("Subject"))
	if strings.ContainsRune(subject, '\u202e') || !strings.Contains(subject, "(Nimbus "+word+" Policy)") {
		t.Errorf("subject as a mail client shows it: %q; want the title as it is written, %q", subject, word)
	}
}
