package notify_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/webhook"
	"github.com/policywatch/policywatch/store"
)

// receiver is a real HTTP endpoint that fails its first requests.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	failures int // answer this many requests with 503
	requests []*http.Request
	bodies   [][]byte
}

func newReceiver(t *testing.T, failures int) *receiver {
	rc := &receiver{failures: failures}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.requests = append(rc.requests, r)
		rc.bodies = append(rc.bodies, body)
		if rc.failures > 0 {
			rc.failures--
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) count() int { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.requests) }

// TestWebhookSignedAndRetried: the event is posted as `events --json`
// writes it, signed with the shared secret; a receiver that fails twice
// gets it on the third try, once; events under min_severity are not sent.
func TestWebhookSignedAndRetried(t *testing.T) {
	r := newRig(t)
	rc := newReceiver(t, 2)
	const secret = "a shared secret of the receiver"
	cfg := notify.Config{Webhooks: []notify.Webhook{{Config: webhook.Config{URL: rc.URL + "/hook", Secret: secret, MinSeverity: "notable"}}}}
	svc := r.service(cfg, nil, notify.WithRetry(5, time.Minute, time.Hour))

	r.check("policy-v1.html", t0) // a baseline is info: not sent
	events := r.check("policy-v2-ai.html", t0.Add(time.Hour))
	tick(t, svc)
	if n := rc.count(); n != 1 {
		t.Fatalf("%d requests after the first turn, want 1 (the change; the baseline is under min_severity)", n)
	}
	r.clock.Add(time.Minute)
	tick(t, svc)
	r.clock.Add(2 * time.Minute)
	tick(t, svc)
	r.clock.Add(time.Hour)
	tick(t, svc)
	if n := rc.count(); n != 3 {
		t.Fatalf("%d requests, want 3: two failures and the delivery", n)
	}

	want, err := json.Marshal(events[0])
	if err != nil {
		t.Fatal(err)
	}
	delivery := rc.requests[0].Header.Get(webhook.HeaderDelivery)
	for i, req := range rc.requests {
		if string(rc.bodies[i]) != string(want) {
			t.Errorf("request %d body:\n%s\nwant the events --json object:\n%s", i, rc.bodies[i], want)
		}
		if err := webhook.VerifyDelivery([]byte(secret), req.Header, rc.bodies[i], time.Now()); err != nil {
			t.Errorf("request %d: %v", i, err)
		}
		if webhook.VerifyDelivery([]byte("another secret"), req.Header, rc.bodies[i], time.Now()) == nil {
			t.Errorf("request %d: signature verifies with the wrong secret", i)
		}
		if got := req.Header.Get(webhook.HeaderDelivery); got != delivery || got == "" {
			t.Errorf("request %d: delivery id %q, want %q on every attempt", i, got, delivery)
		}
		if got := req.Header.Get("Content-Type"); got != "application/json" {
			t.Errorf("request %d: Content-Type %q", i, got)
		}
	}
	var back monitor.Event
	if err := json.Unmarshal(rc.bodies[2], &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if string(again) != string(want) || back.ID != events[0].ID || back.Kind != monitor.KindChange || back.Analysis == nil {
		t.Errorf("the payload does not read back as the event: %s", again)
	}
	if rows := r.outbox(store.OutboxSent); len(rows) != 1 || rows[0].Attempts != 3 {
		t.Errorf("sent rows %+v, want one after 3 attempts", rows)
	}
}

// TestWebhookPermanentFailure: a 404 is not retried.
func TestWebhookPermanentFailure(t *testing.T) {
	r := newRig(t)
	gone := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(gone.Close)
	svc := r.service(notify.Config{Webhooks: []notify.Webhook{{Config: webhook.Config{URL: gone.URL}}}}, nil)
	r.check("policy-v1.html", t0)
	tick(t, svc)
	failed := r.outbox(store.OutboxFailed)
	if len(failed) != 1 || failed[0].Attempts != 1 || !strings.Contains(failed[0].LastError, "404") {
		t.Errorf("failed rows %+v, want one given up after a 404", failed)
	}
}
