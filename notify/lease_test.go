package notify_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/webhook"
	"github.com/policywatch/policywatch/store"
)

// stallingReceiver takes notifications over one channel, and holds the
// second attempt of all until released, then refuses it: a webhook that
// hangs until its timeout, a mail server that sits on a DATA. Meanwhile
// the sender's lease runs out.
type stallingReceiver struct {
	cfg     notify.Config
	ms      *mailServer // email
	blocked chan struct{}
	release chan struct{}
	free    sync.Once

	mu       sync.Mutex
	attempts int
	hooks    map[string]int // delivery id: webhook posts accepted
}

func newStallingReceiver(t *testing.T, r *rig, channel string) *stallingReceiver {
	sr := &stallingReceiver{blocked: make(chan struct{}), release: make(chan struct{}), hooks: map[string]int{}}
	switch channel {
	case notify.ChannelEmail:
		sr.ms = newMailServer(t)
		sr.ms.onData = func() error {
			if sr.stall() {
				return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 4, 2}, Message: "timed out"}
			}
			return nil
		}
		for _, a := range []string{"ada@example.org", "bob@example.org", "cy@example.org", "dee@example.org"} {
			r.subscribe(a, nil)
		}
	case notify.ChannelWebhook:
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if sr.stall() {
				http.Error(w, "timed out", http.StatusGatewayTimeout)
				return
			}
			sr.mu.Lock()
			sr.hooks[req.Header.Get(webhook.HeaderDelivery)]++
			sr.mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		}))
		t.Cleanup(srv.Close)
		for _, path := range []string{"/a", "/b", "/c"} {
			sr.cfg.Webhooks = append(sr.cfg.Webhooks, notify.Webhook{Config: webhook.Config{URL: srv.URL + path}})
		}
	}
	t.Cleanup(sr.unblock) // before the servers close: they wait for their handlers
	return sr
}

// stall counts an attempt and, for the second, waits to be released; it
// says whether to refuse the attempt.
func (sr *stallingReceiver) stall() bool {
	sr.mu.Lock()
	sr.attempts++
	second := sr.attempts == 2
	sr.mu.Unlock()
	if !second {
		return false
	}
	close(sr.blocked)
	<-sr.release
	return true
}

// awaitStall waits until the receiver holds the second attempt of the
// sender whose outcome comes on done.
func awaitStall[T any](t *testing.T, sr *stallingReceiver, done <-chan T) {
	t.Helper()
	select {
	case <-sr.blocked:
	case res := <-done:
		t.Fatalf("the slow sender did not stall: %+v", res)
	case <-time.After(10 * time.Second):
		t.Fatal("the slow sender never reached its second row")
	}
}

func (sr *stallingReceiver) unblock() { sr.free.Do(func() { close(sr.release) }) }

// delivered returns how many times each notification was accepted, by
// Message-ID or webhook delivery id.
func (sr *stallingReceiver) delivered(t *testing.T) map[string]int {
	if sr.ms == nil {
		sr.mu.Lock()
		defer sr.mu.Unlock()
		return sr.hooks
	}
	ids := map[string]int{}
	for _, m := range sr.ms.messages() {
		ids[parseMail(t, m.Data).Header.Get("Message-Id")]++
	}
	return ids
}

// TestSenderLeavesWhatAnotherTookOver: a sender slowed down past its
// lease (the second of its rows hangs) finds the rows it has not sent yet
// taken by another sender — the daemon beside a `digest --now`. It must
// neither send them (they went out twice) nor record anything of them:
// they are the other sender's. Every row is delivered once in all, and
// the two senders' counts add up to the deliveries.
func TestSenderLeavesWhatAnotherTookOver(t *testing.T) {
	for _, channel := range []string{notify.ChannelEmail, notify.ChannelWebhook} {
		for _, otherSends := range []bool{true, false} {
			name := channel + "/the other sends"
			if !otherSends {
				name = channel + "/the other only holds"
			}
			t.Run(name, func(t *testing.T) { testTakeOver(t, channel, otherSends) })
		}
	}
}

func testTakeOver(t *testing.T, channel string, otherSends bool) {
	ctx := context.Background()
	r := newRig(t)
	sr := newStallingReceiver(t, r, channel)
	slow, other := r.service(sr.cfg, sr.ms), r.service(sr.cfg, sr.ms)
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	if _, err := slow.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	rows := r.outbox(store.OutboxPending)
	if len(rows) < 4 {
		t.Fatalf("%d rows planned, want at least 4", len(rows))
	}

	// The slow sender is a daemon's turn, which counts what it sent, or a
	// digest --now, which says what it tried.
	type result struct {
		sent  int
		tried []notify.OutboxItem
		err   error
	}
	slowDone := make(chan result, 1)
	go func() {
		var res result
		if otherSends {
			res.sent, res.err = slow.SendDue(ctx)
		} else {
			res.tried, res.err = slow.SendDueRows(ctx)
		}
		slowDone <- res
	}()
	awaitStall(t, sr, slowDone)
	// The first row is sent; the second hangs past the lease, and
	// another sender takes every row left.
	r.clock.Add(notify.Lease + time.Minute)
	now := r.clock.Now()
	var otherSent int
	var taken []store.OutboxItem
	if otherSends {
		n, err := other.SendDue(ctx)
		if err != nil {
			t.Fatal(err)
		}
		otherSent = n
	} else {
		var err error
		if taken, err = r.db.ClaimOutbox(ctx, now, now, notify.Lease, 100); err != nil {
			t.Fatal(err)
		}
		if len(taken) != len(rows)-1 {
			t.Fatalf("the other sender took %d rows, want all but the first (%d)", len(taken), len(rows)-1)
		}
	}
	sr.unblock()
	res := <-slowDone
	if res.err != nil {
		t.Fatal(res.err)
	}

	delivered := sr.delivered(t)
	total := 0
	for id, n := range delivered {
		if n != 1 {
			t.Errorf("%s delivered %d times, want once", id, n)
		}
		total += n
	}
	sent := r.outbox(store.OutboxSent)
	if len(sent) != total || (otherSends && total != len(rows)) || (!otherSends && total != 1) {
		t.Errorf("%d deliveries, %d rows sent of %d; want each row delivered once (only the first while the other sender holds the rest)",
			total, len(sent), len(rows))
	}
	if otherSends && (res.sent != 1 || otherSent != len(rows)-1) {
		t.Errorf("the slow sender sent %d, the other %d, of %d deliveries; want 1 and the rest", res.sent, otherSent, total)
	}
	// SendDueRows names the rows the slow sender tried: the first, sent,
	// and the second, whose attempt was cut short.
	if !otherSends && (len(res.tried) != 2 || res.tried[0].ID != rows[0].ID || res.tried[1].ID != rows[1].ID) {
		t.Errorf("the slow sender tried %+v, want the first two rows", res.tried)
	}

	// What the slow sender lost stays as the other left it: its failure
	// on the second row is not recorded, nor anything of the others.
	for _, it := range r.outbox() {
		switch {
		case it.ID == rows[0].ID:
			if it.Status != store.OutboxSent {
				t.Errorf("first row %s: %s, want sent by the slow sender", it.Key, it.Status)
			}
		case otherSends:
			if it.Status != store.OutboxSent || it.LastError != "" || it.Attempts != 2 {
				t.Errorf("row %s: %s, attempts %d, error %q; want sent by the other sender, the lost attempt not recorded",
					it.Key, it.Status, it.Attempts, it.LastError)
			}
		default:
			if it.Status != store.OutboxPending || it.LastError != "" || it.Attempts != 2 || !it.ClaimedUntil.Equal(now.Add(notify.Lease)) {
				t.Errorf("row %s: %s, attempts %d, error %q, claimed until %s; want pending, held by the other sender as it took it",
					it.Key, it.Status, it.Attempts, it.LastError, it.ClaimedUntil)
			}
		}
	}
	if again, err := r.db.ClaimOutbox(ctx, now, now, notify.Lease, 100); err != nil || len(again) != 0 {
		t.Errorf("claimable after the slow sender returned: %+v, %v; want none", again, err)
	}
}
