package monitor_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// The idle hook runs when the last check of a pass ends and the next one is
// further off than its quiet time, not between checks that follow each
// other closely.
func TestIdleHookWaitsForQuiet(t *testing.T) {
	page := policyPage("en", "Privacy Policy", strings.Repeat(longParagraph, 4))
	var served atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		// Long enough that the start's two checks overlap: the pass ends
		// once, when the second one does.
		time.Sleep(50 * time.Millisecond)
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	quiet := func(t *testing.T, schedule string, enough func(served int32) bool) int32 {
		t.Helper()
		rig := newFaultRig(t, srv.URL)
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		checker := monitor.NewChecker(newTestFetcher(), rig.db, monitor.WithLogger(log))
		served.Store(0)
		var idle atomic.Int32
		sched := monitor.NewScheduler(checker, rig.db, []monitor.Watch{
			{Name: "a", URL: srv.URL + "/a", Fetcher: "http", Schedule: schedule},
			{Name: "b", URL: srv.URL + "/b", Fetcher: "http", Schedule: schedule},
		}, 4, log, monitor.WithIdleHook(func() { idle.Add(1) }, time.Minute))
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- sched.Run(ctx) }()
		deadline := time.Now().Add(20 * time.Second)
		for !enough(served.Load()) || (schedule == "@every 1h" && idle.Load() == 0) {
			if time.Now().After(deadline) {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		return idle.Load()
	}
	t.Run("checks every second: never quiet for a minute", func(t *testing.T) {
		if n := quiet(t, "@every 1s", func(n int32) bool { return n >= 6 }); n != 0 {
			t.Errorf("the idle hook ran %d times between checks a second apart", n)
		}
		if served.Load() < 6 {
			t.Errorf("%d checks in 20 s", served.Load())
		}
	})
	t.Run("checks every hour: once, after the first pass", func(t *testing.T) {
		if n := quiet(t, "@every 1h", func(n int32) bool { return n >= 2 }); n != 1 {
			t.Errorf("the idle hook ran %d times after a pass of two checks, want 1", n)
		}
	})
}
