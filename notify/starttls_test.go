package notify_test

import (
	"context"
	"strings"
	"testing"

	"github.com/policywatch/policywatch/notify/email"
)

// TestStartTLSRefusedInTheConfigurationsWords: a server that offers no
// STARTTLS, with tls: starttls (the default), fails each message for now
// with what to set; go-mail alone said "STARTTLS mode set to:
// \"TLSMandatory\"", a name no configuration has.
func TestStartTLSRefusedInTheConfigurationsWords(t *testing.T) {
	ms := newStoppedMailServer(t)
	ms.serverTLS = nil // offers no STARTTLS
	ms.start()
	cfg := ms.config()
	cfg.Username, cfg.Password = "", "" // no authentication without TLS
	cl, err := email.New(*cfg)
	if err != nil {
		t.Fatal(err)
	}
	var result error
	msgs := []*email.Message{{To: "ada@example.org", Subject: "s", Text: "t"}}
	if err := cl.Send(context.Background(), msgs, nil, func(_ int, err error) error { result = err; return nil }); err != nil {
		t.Fatal(err)
	}
	want := "the server does not offer STARTTLS, which notify.smtp.tls: starttls requires"
	if result == nil || !strings.Contains(result.Error(), want) {
		t.Errorf("sending to a server without STARTTLS: %v; want it to say %q", result, want)
	}
	if got := ms.messages(); len(got) != 0 {
		t.Errorf("%d messages were sent without TLS", len(got))
	}
}
