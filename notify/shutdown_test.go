package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/webhook"
	"github.com/policywatch/policywatch/store"
)

// heldReceiver takes notifications over one channel, and holds the first
// delivery until released: a webhook that takes seconds to answer, a mail
// server slow to accept a DATA. The daemon is stopped meanwhile.
type heldReceiver struct {
	cfg     notify.Config
	ms      *mailServer // email
	arrived chan struct{}
	release chan struct{}
	free    sync.Once

	mu    sync.Mutex
	calls int
	hooks []string // webhook: the delivery id of each post received, in turn
}

// newHeldReceiver makes the receiver; once released, the held delivery is
// accepted (webhook: it was received when it arrived, whatever becomes of
// the answer) or, for email when refuse, refused for now.
func newHeldReceiver(t *testing.T, r *rig, channel string, refuse bool) *heldReceiver {
	hr := &heldReceiver{arrived: make(chan struct{}), release: make(chan struct{})}
	switch channel {
	case notify.ChannelEmail:
		hr.ms = newMailServer(t)
		hr.ms.onData = func() error {
			if hr.hold() && refuse {
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "timed out"}
			}
			return nil
		}
		for _, a := range []string{"ada@example.org", "bob@example.org", "cy@example.org", "dee@example.org"} {
			r.subscribe(a, nil)
		}
	case notify.ChannelWebhook:
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			hr.mu.Lock()
			hr.hooks = append(hr.hooks, req.Header.Get(webhook.HeaderDelivery))
			hr.mu.Unlock()
			hr.hold()
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(srv.Close)
		for _, path := range []string{"/a", "/b", "/c"} {
			hr.cfg.Webhooks = append(hr.cfg.Webhooks, notify.Webhook{Config: webhook.Config{URL: srv.URL + path}})
		}
	}
	t.Cleanup(hr.unblock) // before the servers close: they wait for their handlers
	return hr
}

// hold waits, at the first delivery, until released; it says whether
// this was the first.
func (hr *heldReceiver) hold() bool {
	hr.mu.Lock()
	hr.calls++
	first := hr.calls == 1
	hr.mu.Unlock()
	if first {
		close(hr.arrived)
		<-hr.release
	}
	return first
}

func (hr *heldReceiver) unblock() { hr.free.Do(func() { close(hr.release) }) }

// received returns the notifications received, in turn, each named by
// its webhook delivery id or, for email, its recipient.
func (hr *heldReceiver) received() []string {
	if hr.ms == nil {
		hr.mu.Lock()
		defer hr.mu.Unlock()
		return append([]string(nil), hr.hooks...)
	}
	var out []string
	for _, m := range hr.ms.messages() {
		out = append(out, strings.Join(m.To, ","))
	}
	return out
}

// TestStopLetsTheMessageInFlightFinish: the daemon is stopped (SIGTERM)
// while a notification is on its way to a slow receiver. That one is
// given the time to finish and its delivery is recorded; the rows claimed
// with it and not tried yet are released at once, so that the next start
// sends them without waiting for the lease to end; and nothing is
// delivered twice. (The lease used to hold them all five minutes, the one
// in flight, cut short, sent again after the others.)
func TestStopLetsTheMessageInFlightFinish(t *testing.T) {
	for _, channel := range []string{notify.ChannelEmail, notify.ChannelWebhook} {
		t.Run(channel, func(t *testing.T) { testStop(t, channel, false) })
	}
}

// TestStopCutsAMessageThatOutlastsTheGrace: a receiver that hangs does not
// hold the daemon's stop past the grace. The row whose delivery was cut
// is released with a temporary failure, due at once and before the rows
// that came after it; the next start sends it again — a copy, with the
// same delivery id, when the receiver did get it: the documented
// at-least-once case — and then the others.
func TestStopCutsAMessageThatOutlastsTheGrace(t *testing.T) {
	for _, channel := range []string{notify.ChannelEmail, notify.ChannelWebhook} {
		t.Run(channel, func(t *testing.T) { testStop(t, channel, true) })
	}
}

func testStop(t *testing.T, channel string, hang bool) {
	ctx := context.Background()
	r := newRig(t)
	hr := newHeldReceiver(t, r, channel, hang)
	// A receiver that answers does so well within the grace; one that
	// hangs is cut at its end, which the test waits for.
	grace := 5 * time.Second
	if hang {
		grace = 500 * time.Millisecond
	}
	svc := r.service(hr.cfg, hr.ms, notify.WithShutdownGrace(grace), notify.WithPollInterval(time.Hour))
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	if _, err := svc.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	rows := r.outbox(store.OutboxPending)
	if len(rows) < 4 {
		t.Fatalf("%d rows planned, want at least 4", len(rows))
	}

	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- svc.Run(runCtx) }()
	select {
	case <-hr.arrived:
	case err := <-done:
		t.Fatalf("Run returned before the first delivery: %v", err)
	case <-time.After(10 * time.Second):
		t.Fatal("the first delivery never reached the receiver")
	}
	stop() // SIGTERM, the first notification in flight
	stopped := time.Now()
	if !hang {
		time.Sleep(200 * time.Millisecond)
		hr.unblock() // the receiver answers within the grace
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Run: %v", err)
		}
	case <-time.After(grace + 10*time.Second):
		t.Fatal("Run did not return after its context ended")
	}
	took := time.Since(stopped)
	switch {
	case hang && (took < grace || took > grace+5*time.Second):
		t.Errorf("Run stopped %v after its context ended, want after the grace (%v) and soon after", took, grace)
	case !hang && took > grace:
		t.Errorf("Run stopped %v after its context ended, want as soon as the delivery in flight was answered", took)
	}
	hr.unblock() // a hanging receiver answers at last
	first := hr.received()

	now := r.clock.Now()
	for _, it := range r.outbox() {
		switch {
		case it.ID == rows[0].ID && !hang:
			if it.Status != store.OutboxSent || it.Attempts != 1 {
				t.Errorf("row in flight %s: %s after %d attempts (error %q), want sent at the first",
					it.Key, it.Status, it.Attempts, it.LastError)
			}
		case it.ID == rows[0].ID:
			if it.Status != store.OutboxPending || !it.ClaimedUntil.IsZero() || it.Attempts != 1 ||
				!strings.Contains(it.LastError, "stop") || it.NextAttemptAt.After(now) || it.NextAttemptAt.After(rows[1].NextAttemptAt) {
				t.Errorf("row cut %s: %s, claimed until %v, attempts %d, next attempt %v, error %q; "+
					"want pending, released, its attempt counted and a failure for the stop recorded, due at once and first",
					it.Key, it.Status, it.ClaimedUntil, it.Attempts, it.NextAttemptAt, it.LastError)
			}
		default:
			if it.Status != store.OutboxPending || !it.ClaimedUntil.IsZero() || it.Attempts != 0 || it.LastError != "" {
				t.Errorf("row not tried %s: %s, claimed until %v, attempts %d, error %q; want pending, released, no attempt counted",
					it.Key, it.Status, it.ClaimedUntil, it.Attempts, it.LastError)
			}
		}
	}

	// The next start sends what is left at once: the clock has not moved.
	next := r.service(hr.cfg, hr.ms)
	n, err := next.SendDue(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := len(rows) - 1
	if hang {
		want = len(rows)
	}
	if n != want {
		t.Errorf("the next start sent %d, want %d", n, want)
	}
	for _, it := range r.outbox(store.OutboxPending, store.OutboxFailed) {
		t.Errorf("row %s left after the next start: %s, claimed until %v", it.Key, it.Status, it.ClaimedUntil)
	}
	all := hr.received()
	again := all[len(first):]
	counts := map[string]int{}
	for _, id := range all {
		counts[id]++
	}
	// The row in flight: its recipient, or its delivery id (the first the
	// receiver saw).
	inFlight := rows[0].Recipient
	if channel == notify.ChannelWebhook && len(first) > 0 {
		inFlight = first[0]
	}
	if hang && (len(again) == 0 || again[0] != inFlight) {
		t.Errorf("the next start delivered %v after %v; want the row cut (%s) first", again, first, inFlight)
	}
	for id, c := range counts {
		if c != 1 && !(hang && channel == notify.ChannelWebhook && id == inFlight && c == 2) {
			t.Errorf("%s delivered %d times; want once (the row cut by the stop: twice at most, the receiver had it)", id, c)
		}
	}
	if len(counts) != len(rows) {
		t.Errorf("%d notifications received, want %d", len(counts), len(rows))
	}
}
