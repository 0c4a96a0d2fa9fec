package notify_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/store"
)

// TestSigningKeyOnlySendsNothing: a service whose configuration only had
// its signing key read (what the preview of digests and the unsubscribe
// page need) asks for no SMTP password — its file may be missing — signs
// and checks links with the configured key, as the daemon does, and
// refuses to send: without the password, every message would fail for
// good.
func TestSigningKeyOnlySendsNothing(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "signing-key"), []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "smtp-password"), []byte(smtpPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var handler http.Handler
	web := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) { handler.ServeHTTP(w, req) }))
	t.Cleanup(web.Close)
	config := func(passwordFile string) notify.Config {
		smtp := ms.config()
		smtp.Password = ""
		return notify.Config{SMTP: smtp, SMTPPasswordFile: passwordFile, BaseURL: web.URL, SecretFile: filepath.Join(dir, "signing-key")}
	}
	newService := func(cfg notify.Config) *notify.Service {
		t.Helper()
		svc, err := notify.New(cfg, r.store, notify.WithClock(r.clock.Now), notify.WithLogger(quiet),
			notify.WithEmailOptions(email.WithTLSConfig(ms.clientTLS)))
		if err != nil {
			t.Fatal(err)
		}
		return svc
	}

	// The daemon, with every secret.
	sending := config(filepath.Join(dir, "smtp-password"))
	if err := sending.ResolveSecrets(nil); err != nil {
		t.Fatal(err)
	}
	sender := newService(sending)

	signing := config(filepath.Join(dir, "nowhere"))
	if err := signing.ResolveSigningKey(nil); err != nil {
		t.Fatalf("ResolveSigningKey read the password file: %v", err)
	}
	signer := newService(signing)
	handler = signer.Handler()
	ada := r.subscribe("ada@example.org", nil)
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	ctx := context.Background()
	if _, err := signer.Dispatch(ctx); !errors.Is(err, notify.ErrNotSending) {
		t.Errorf("Dispatch: %v, want ErrNotSending", err)
	}
	if _, err := sender.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := signer.SendDue(ctx); !errors.Is(err, notify.ErrNotSending) {
		t.Errorf("SendDue: %v, want ErrNotSending", err)
	}
	if err := signer.Run(ctx); !errors.Is(err, notify.ErrNotSending) {
		t.Errorf("Run: %v, want ErrNotSending", err)
	}
	// Nor does it plan what it would not send: a digest made now, or a
	// turn's dispatch and digests.
	if _, err := signer.DigestNow(ctx); !errors.Is(err, notify.ErrNotSending) {
		t.Errorf("DigestNow: %v, want ErrNotSending", err)
	}
	r.check("policy-v1.html", t0.Add(2*time.Hour)) // a revert, not dispatched yet
	before, _, _ := r.store.NotifyState(ctx)
	if err := signer.Tick(ctx); !errors.Is(err, notify.ErrNotSending) {
		t.Errorf("Tick: %v, want ErrNotSending", err)
	}
	if after, _, _ := r.store.NotifyState(ctx); after != before {
		t.Errorf("Tick moved the notification cursor %d → %d", before, after)
	}
	rows := r.outbox()
	if len(rows) != 1 || rows[0].Status != store.OutboxPending || rows[0].Attempts != 0 || len(ms.messages()) != 0 {
		t.Fatalf("outbox %+v, %d messages; want the alert pending, not tried", rows, len(ms.messages()))
	}

	// The daemon sends the alert; its link is the one the signing service
	// checks.
	tick(t, sender)
	link := unsubscribeLink(t, ms, ada.Email)
	if !strings.HasPrefix(link, web.URL+"/unsubscribe?token=") {
		t.Fatalf("List-Unsubscribe link %q", link)
	}
	if status, body := do(t, http.MethodGet, link); status != http.StatusOK || !strings.Contains(body, ada.Email) {
		t.Errorf("the signing service refused the daemon's link: %d\n%s", status, body)
	}
}
