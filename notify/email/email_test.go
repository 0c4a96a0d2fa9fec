package email

import (
	"mime"
	"net/mail"
	"strings"
	"testing"
	"time"
)

func TestHeaderText(t *testing.T) {
	for _, c := range []struct {
		in   string
		max  int
		want string
	}{
		{"a\r\nBcc: x@evil.example", 100, "a Bcc: x@evil.example"},
		{"tab\there\u2028and\u0085there\x00", 100, "tab here and there"},
		{"\u202eright-to-left", 100, "right-to-left"},
		{"été ünïcode", 100, "été ünïcode"},
		{"  many   spaces\t", 100, "many spaces"},
		{"bad\xffutf8", 100, "bad\uFFFDutf8"},
		{"0123456789", 5, "0123…"},
		{"exactly8", 8, "exactly8"},
	} {
		if got := HeaderText(c.in, c.max); got != c.want {
			t.Errorf("HeaderText(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestBuildRefuses(t *testing.T) {
	from, _ := mail.ParseAddress("policywatch <alerts@example.org>")
	for _, m := range []Message{
		{To: "ada@example.org\r\nBcc: x@evil.example"},
		{To: "Ada <ada@example.org>"},
		{To: "ada@example.org, bob@example.org"},
		{To: ""},
		{To: "ada@example.org", MessageID: "a b@c"},
		{To: "ada@example.org", MessageID: "x@y>\r\nBcc: z@evil.example"},
		{To: "ada@example.org", Unsubscribe: "javascript:alert(1)"},
		{To: "ada@example.org", Unsubscribe: "https://pw.example/u?t=1>, <mailto:x@evil.example"},
	} {
		if _, err := Build(from, &m); err == nil {
			t.Errorf("Build accepted %+v", m)
		}
	}
}

func TestRenderHeaders(t *testing.T) {
	from, _ := mail.ParseAddress("policywatch <alerts@example.org>")
	raw, err := Render(from, &Message{
		To: "ada@example.org", Subject: "Änderung: nimbus\r\nBcc: x@evil.example", Text: "text", HTML: "<p>html</p>",
		Date: time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC), MessageID: "policywatch.1.abc@example.org",
		ListID: "policywatch <policywatch.example.org>", Unsubscribe: "https://pw.example/unsubscribe?token=a.b",
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil || subject != "Änderung: nimbus Bcc: x@evil.example" {
		t.Errorf("subject %q (%v)", subject, err)
	}
	for key, want := range map[string]string{
		"Date":                  "Tue, 12 May 2026 09:00:00 +0000",
		"Message-Id":            "<policywatch.1.abc@example.org>",
		"List-Id":               "policywatch <policywatch.example.org>",
		"List-Unsubscribe":      "<https://pw.example/unsubscribe?token=a.b>",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"To":                    "<ada@example.org>",
		"Bcc":                   "",
	} {
		if got := m.Header.Get(key); got != want {
			t.Errorf("%s: %q, want %q", key, got, want)
		}
	}
	if ct := m.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative") {
		t.Errorf("Content-Type %q", ct)
	}
}

// TestSubjectCannotAddHeader tries every way a scraped subject could end
// a header line and start another.
func TestSubjectCannotAddHeader(t *testing.T) {
	from, _ := mail.ParseAddress("policywatch <alerts@policywatch.example>")
	for _, subject := range []string{
		"x\r\nBcc: victim@evil.example", "x\nBcc: victim@evil.example", "x\rBcc: v@e.example",
		"x\u2028Bcc: v@e.example", "x\x00\x1b[31m", "=?utf-8?q?=0D=0ABcc:_v@e.example?=",
	} {
		raw, err := Render(from, &Message{
			To: "ada@example.org", Subject: subject, Text: "text", HTML: "<p>html</p>",
			Date: time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC), MessageID: "policywatch.1.abc@policywatch.example",
		})
		if err != nil {
			t.Fatal(err)
		}
		head, _, _ := strings.Cut(string(raw), "\r\n\r\n")
		m, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Header["Bcc"]) != 0 || strings.Contains(strings.ToLower(head), "\r\nbcc:") {
			t.Errorf("subject %q injected a header:\n%s", subject, head)
		}
		// Nor a line break where a mail client shows it: an encoded word
		// of the text is shown as written, not decoded.
		shown, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
		if err != nil || strings.ContainsAny(shown, "\r\n\u2028\x00\x1b") {
			t.Errorf("subject %q is shown as %q (%v)", subject, shown, err)
		}
		for _, line := range strings.Split(head, "\r\n") {
			if len(line) > 78 {
				t.Errorf("header line of %d characters: %q", len(line), line)
			}
		}
	}
}

func TestConfigValidate(t *testing.T) {
	good := Config{Host: "smtp.example.org", From: "a@example.org"}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []Config{
		{From: "a@example.org"},
		{Host: "h", From: "a@example.org", TLS: "ssl"},
		{Host: "h", From: "not an address"},
		{Host: "h", From: "a@example.org", Username: "u"}, // no password found
		{Host: "h", From: "a@example.org", Port: 70000},
	} {
		if err := bad.Validate(); err == nil {
			t.Errorf("accepted %+v", bad)
		}
	}
}

// TestInternationalisedDomains: a sender or recipient whose domain is
// internationalised goes on the wire as its A-label (SMTP without
// SMTPUTF8, Message-IDs and List-Ids take ASCII); one that is no valid
// domain name is refused when the sender is read, not at every message.
func TestInternationalisedDomains(t *testing.T) {
	from, err := ParseFrom("policywatch <alerts@bücher.example>")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := Render(from, &Message{To: "ada@bücher.example", Subject: "s", Text: "t",
		Date: time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC), MessageID: "policywatch.1.abc@xn--bcher-kva.example"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{
		"From": `"policywatch" <alerts@xn--bcher-kva.example>`,
		"To":   "<ada@xn--bcher-kva.example>",
	} {
		if got := m.Header.Get(key); got != want {
			t.Errorf("%s: %q, want %q", key, got, want)
		}
	}
	for _, bad := range []string{"alerts@-bü.example", "alerts@ab--bü.example", "alerts@bü\u200d.example"} {
		if _, err := ParseFrom(bad); err == nil || !strings.Contains(err.Error(), "internationalised domain") {
			t.Errorf("ParseFrom(%q): %v, want the domain refused", bad, err)
		}
	}
}

// TestOneClickOnlyOverHTTPS: RFC 8058's List-Unsubscribe-Post goes with
// an https unsubscribe URL only; an http one is still listed.
func TestOneClickOnlyOverHTTPS(t *testing.T) {
	from, _ := mail.ParseAddress("policywatch <alerts@example.org>")
	for link, oneClick := range map[string]bool{
		"https://pw.example/unsubscribe?token=a.b":    true,
		"http://127.0.0.1:8080/unsubscribe?token=a.b": false,
	} {
		raw, err := Render(from, &Message{To: "ada@example.org", Subject: "s", Text: "t",
			Date: time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC), MessageID: "policywatch.1.abc@example.org", Unsubscribe: link})
		if err != nil {
			t.Fatal(err)
		}
		m, err := mail.ReadMessage(strings.NewReader(string(raw)))
		if err != nil {
			t.Fatal(err)
		}
		if got := m.Header.Get("List-Unsubscribe"); got != "<"+link+">" {
			t.Errorf("List-Unsubscribe %q, want <%s>", got, link)
		}
		if got := m.Header.Get("List-Unsubscribe-Post") != ""; got != oneClick {
			t.Errorf("%s: List-Unsubscribe-Post sent %v, want %v", link, got, oneClick)
		}
	}
}
