package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
)

// TestRun: the daemon's loop plans and sends on its own, and returns nil
// when its context ends.
func TestRun(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@example.org", nil)
	svc := r.service(notify.Config{}, ms, notify.WithPollInterval(10*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()

	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	deadline := time.Now().Add(10 * time.Second)
	for len(ms.messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	if n := len(ms.messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}
