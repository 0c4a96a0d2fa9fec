package monitor_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/fetch"
)

// TestRetryAfterHoldsTheSitesOtherWatches: two watches of one site; the
// site answers the first with 429 and Retry-After: 3600. The second used
// to be fetched right after, asking the site again what it had just
// asked not to be asked. It is now not fetched: its check is recorded as
// a fetch error (an episode's fetch_error event, never a change), at once
// (no one-shot check waits beyond MaxRetryAfter), and carries what is
// left of the site's Retry-After for the scheduler's retry. Once the hold
// has run (MaxRetryAfter at most), it is fetched again and recovers,
// still without a change.
func TestRetryAfterHoldsTheSitesOtherWatches(t *testing.T) {
	good := readFixture(t, "policy-en.html")
	var mu sync.Mutex
	busy := false
	asked := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked[r.URL.Path]++
		b := busy
		mu.Unlock()
		if b && r.URL.Path == "/terms" {
			w.Header().Set("Retry-After", "3600")
			http.Error(w, "slow down", http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(good)
	}))
	t.Cleanup(srv.Close)
	count := func(path string) int { mu.Lock(); defer mu.Unlock(); return asked[path] }

	rig := newFaultRig(t, srv.URL)
	terms := monitor.Watch{Name: "terms", URL: srv.URL + "/terms", Fetcher: "http", Language: "en"}
	privacy := monitor.Watch{Name: "privacy", URL: srv.URL + "/privacy", Fetcher: "http", Language: "en"}
	check := func(w monitor.Watch) (*monitor.Result, time.Duration) {
		t.Helper()
		rig.watch = w
		start := time.Now()
		res := rig.check(t)
		return res, time.Since(start)
	}
	for _, w := range []monitor.Watch{terms, privacy} {
		if res, _ := check(w); res.Outcome != monitor.OutcomeBaseline {
			t.Fatalf("%s: %s, want a baseline", w.Name, res.Outcome)
		}
	}

	mu.Lock()
	busy = true
	mu.Unlock()
	if res, _ := check(terms); res.Outcome != monitor.OutcomeFetchError {
		t.Fatalf("terms, told 429: %s", res.Outcome)
	}
	before := count("/privacy")
	res, took := check(privacy)
	var fe *fetch.Error
	if res.Outcome != monitor.OutcomeFetchError || !errors.As(res.Err, &fe) || fe.RetryAfter < 59*time.Minute {
		t.Errorf("privacy, right after the site's Retry-After: %s, %v; want a fetch error carrying what is left of the hour", res.Outcome, res.Err)
	}
	if n := count("/privacy") - before; n != 0 {
		t.Errorf("privacy was asked %d times right after the site's Retry-After: 3600", n)
	}
	if took > time.Second {
		t.Errorf("privacy's check took %s: a one-shot check must not wait for the hold", took)
	}
	if len(res.Events) != 1 || res.Events[0].Kind != monitor.KindFetchError {
		t.Errorf("privacy's events: %+v, want one fetch_error", res.Events)
	}

	// The hold lasts MaxRetryAfter at most.
	time.Sleep(faultMaxRetryAfter + 100*time.Millisecond)
	res, _ = check(privacy)
	if res.Outcome != monitor.OutcomeUnchanged || len(res.Events) != 1 || res.Events[0].Kind != monitor.KindRecovered {
		t.Errorf("privacy once the hold has run: %s, %+v; want unchanged and recovered", res.Outcome, res.Events)
	}
	events, err := rig.db.Events(context.Background(), monitor.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range events {
		if e.Kind == monitor.KindChange || e.Kind == monitor.KindRevert {
			t.Errorf("a %s event: %s", e.Kind, e.Summary)
		}
	}
}
