package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

// TestPreviewNowKeepsTheHourlyLimit: a preview records nothing, yet
// it plans as Dispatch does, the hourly limit included: of two critical
// changes to a watch within the hour, not yet planned, the first is
// previewed as an alert and the second as held for the digest — what
// Dispatch then plans — not as two alerts.
func TestPreviewNowKeepsTheHourlyLimit(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	cy := r.subscribe("cy@example.org", nil)
	svc := r.service(notify.Config{BaseURL: "https://pw.example"}, ms)
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	r.check("policy-v1.html", t0.Add(time.Hour+10*time.Minute))
	r.check("policy-v2-ai.html", t0.Add(time.Hour+20*time.Minute))
	ctx := context.Background()

	previewed, digests, noMail, err := svc.PreviewNow(ctx)
	if err != nil || noMail {
		t.Fatal(err, noMail)
	}
	if len(r.outbox()) != 0 {
		t.Fatalf("the preview wrote to the outbox: %+v", r.outbox())
	}
	alerts := 0
	for _, n := range previewed {
		if n.Item.Kind == notify.KindAlert && n.Item.Recipient == cy.Email {
			alerts++
		}
	}
	if alerts != 1 || len(digests) != 1 {
		t.Errorf("previewed %d alerts and %d digests, want 1 alert and the digest of the changes held back", alerts, len(digests))
	}

	if _, err := svc.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	planned := 0
	for _, it := range r.outbox() {
		if it.Kind == notify.KindAlert {
			planned++
		}
	}
	held, err := r.db.DigestEventIDs(ctx, cy.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if planned != alerts || len(held) == 0 {
		t.Errorf("Dispatch planned %d alerts and held %v; the preview showed %d alerts and a digest", planned, held, alerts)
	}
}
