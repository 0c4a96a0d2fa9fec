package notify_test

import (
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/policywatch/policywatch/internal/syncbuf"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/store"
)

// TestFailedSendToAnInternationalisedDomainLogsNoAddress: an address whose
// domain is internationalised goes on the wire with its domain as an
// A-label (ada@xn--bcher-kva.example), and that is how the mail library
// and the server quote it in an error ("affected recipient(s): …"): the
// log and the outbox must hold the subscriber's id in its place, as for
// any other address, not that spelling of the address.
func TestFailedSendToAnInternationalisedDomainLogsNoAddress(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	ada := r.subscribe("ada@bücher.example", nil)
	// The server quotes the address as it received it: its domain an
	// A-label.
	ms.onData = func() error {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<ada@xn--bcher-kva.example>: mailbox unavailable"}
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
	if got := strings.ToLower(rows[0].LastError); strings.Contains(got, "ada@") || !strings.Contains(got, who) {
		t.Errorf("recorded error %q: want %q, not the address", rows[0].LastError, who)
	}
	out := logs.String()
	if !strings.Contains(out, "notification failed for good") {
		t.Fatalf("no failure logged:\n%s", out)
	}
	if strings.Contains(strings.ToLower(out), "ada@") {
		t.Errorf("the log names the address:\n%s", out)
	}
}
