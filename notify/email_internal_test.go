package notify_test

import (
	"net/mail"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify/email"
)

func renderEmail(t *testing.T, subject string) []byte {
	t.Helper()
	from, err := mail.ParseAddress("policywatch <alerts@policywatch.example>")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := email.Render(from, &email.Message{
		To: "ada@example.org", Subject: subject, Text: "text", HTML: "<p>html</p>",
		Date: time.Date(2026, 5, 12, 9, 0, 0, 0, time.UTC), MessageID: "policywatch.1.abc@policywatch.example",
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}
