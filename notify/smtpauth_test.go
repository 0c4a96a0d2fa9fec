package notify_test

import (
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/policywatch/policywatch/internal/syncbuf"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/store"
)

// TestSMTPPasswordFixedWhileRunning: a password the server refuses (535)
// is retried, and the password file is read again before the next
// attempt, so that the running daemon sends once the file is put right.
func TestSMTPPasswordFixedWhileRunning(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@example.org", nil)
	file := filepath.Join(t.TempDir(), "smtp-password")
	if err := os.WriteFile(file, []byte("wrong password\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := notify.Config{SMTP: ms.config(), SMTPPasswordFile: file}
	if err := cfg.ResolveSecrets(nil); err != nil {
		t.Fatal(err)
	}
	svc, err := notify.New(cfg, r.store, notify.WithClock(r.clock.Now), notify.WithLogger(quiet),
		notify.WithEmailOptions(email.WithTLSConfig(ms.clientTLS)))
	if err != nil {
		t.Fatal(err)
	}
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour)) // critical: an alert
	tick(t, svc)
	rows := r.outbox(store.OutboxPending)
	if len(ms.messages()) != 0 || len(rows) != 1 || !strings.Contains(rows[0].LastError, "535") {
		t.Fatalf("with a wrong password: %d messages, pending %+v; want none sent and one row waiting after a 535", len(ms.messages()), rows)
	}
	if err := os.WriteFile(file, []byte(smtpPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r.clock.Set(r.clock.Now().Add(time.Hour)) // past the backoff
	tick(t, svc)
	if n := len(ms.messages()); n != 1 {
		t.Fatalf("%d messages after the password file was put right, want the alert; outbox %+v", n, r.outbox())
	}
}

// TestFailedSendLogsNoAddress: a send the server refuses, quoting the
// address, is logged and recorded with the subscriber's id, never the
// address (logs and the outbox hold none). An address whose domain is
// internationalised goes on the wire with its domain as an A-label
// (ada@xn--bcher-kva.example), and that is how the mail library and the
// server quote it in an error: that spelling must go too.
func TestFailedSendLogsNoAddress(t *testing.T) {
	for _, tc := range []struct{ address, quoted string }{
		{"ada@example.org", "<ADA@example.org>"},
		{"ada@bücher.example", "<ada@xn--bcher-kva.example>"},
	} {
		t.Run(tc.address, func(t *testing.T) {
			r := newRig(t)
			ms := newMailServer(t)
			ada := r.subscribe(tc.address, nil)
			ms.onData = func() error {
				return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: tc.quoted + ": mailbox unavailable"}
			}
			var logs syncbuf.Buffer
			svc := r.service(notify.Config{}, ms, notify.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			r.check("policy-v1.html", t0)
			r.check("policy-v2-ai.html", t0.Add(time.Hour)) // critical: an alert
			tick(t, svc)
			rows := r.outbox(store.OutboxFailed)
			if len(rows) != 1 {
				t.Fatalf("failed rows %+v, want the alert", r.outbox())
			}
			who := "subscriber " + strconv.FormatInt(ada.ID, 10)
			if got := rows[0].LastError; strings.Contains(strings.ToLower(got), "ada@") || !strings.Contains(got, who) {
				t.Errorf("recorded error %q: want %q, not the address", got, who)
			}
			out := logs.String()
			if !strings.Contains(out, "notification failed for good") {
				t.Fatalf("no failure logged:\n%s", out)
			}
			if strings.Contains(strings.ToLower(out), "ada@") {
				t.Errorf("the log names the address:\n%s", out)
			}
		})
	}
}
