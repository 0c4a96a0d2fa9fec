package monitor_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/fetch"
	"github.com/policywatch/policywatch/store"
)

// arrivals is a test server that answers each path as told (503 by
// default) and notes when each request arrived.
type arrivals struct {
	*httptest.Server
	mu     sync.Mutex
	status map[string]int // path → status to answer; 200 serves a policy
	header http.Header    // sent with every error answer
	seen   map[string][]time.Time
}

func newArrivals(t *testing.T) *arrivals {
	page := policyPage("en", "Privacy Policy", strings.Repeat(longParagraph, 4))
	a := &arrivals{status: map[string]int{}, seen: map[string][]time.Time{}}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a.mu.Lock()
		a.seen[r.URL.Path] = append(a.seen[r.URL.Path], time.Now())
		status, header := a.status[r.URL.Path], a.header
		a.mu.Unlock()
		switch status {
		case http.StatusOK:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Write(page)
		case 0:
			status = http.StatusServiceUnavailable
			fallthrough
		default:
			for k, v := range header {
				w.Header()[k] = v
			}
			http.Error(w, "down", status)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func (a *arrivals) set(path string, status int) { a.mu.Lock(); a.status[path] = status; a.mu.Unlock() }

// forget clears the requests noted so far.
func (a *arrivals) forget() { a.mu.Lock(); a.seen = map[string][]time.Time{}; a.mu.Unlock() }

func (a *arrivals) times(path string) []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]time.Time(nil), a.seen[path]...)
}

// waitFor waits until path has had n requests, or until timeout.
func (a *arrivals) waitFor(path string, n int, timeout time.Duration) []time.Time {
	deadline := time.Now().Add(timeout)
	for {
		ts := a.times(path)
		if len(ts) >= n || time.Now().After(deadline) {
			return ts
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

func openTestDB(t *testing.T) *store.DB {
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "restart.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// checkBefore checks w n times with a checker of its own, as `policywatch
// check` or a daemon since stopped would, and returns when the last check
// ended, as recorded.
func checkBefore(t *testing.T, db *store.DB, w monitor.Watch, n int, opts ...monitor.CheckerOption) time.Time {
	t.Helper()
	checker := monitor.NewChecker(newTestFetcher(), db, append([]monitor.CheckerOption{monitor.WithLogger(quietLog)}, opts...)...)
	for range n {
		if _, err := checker.Check(context.Background(), w); err != nil {
			t.Fatal(err)
		}
	}
	checks, err := db.Checks(context.Background(), w.Name, 1)
	if err != nil || len(checks) != 1 {
		t.Fatalf("the last check of %s: %v, %v", w.Name, checks, err)
	}
	return checks[0].Finished
}

// startScheduler starts a daemon's scheduler on db; the returned function
// stops it.
func startScheduler(t *testing.T, db *store.DB, client *fetch.Client, watches []monitor.Watch, opts ...monitor.SchedulerOption) (stop func()) {
	t.Helper()
	checker := monitor.NewChecker(client, db, monitor.WithLogger(quietLog))
	sched := monitor.NewScheduler(checker, db, watches, 4, quietLog, opts...)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- sched.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("scheduler: %v", err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// TestRestartKeepsTheQuickRetry: a watch whose fetches failed before the
// daemon started (a daemon stopped mid-outage, or `policywatch check`) is
// tried again when the running daemon would have retried it — its last
// check plus the retry delay of its episode's count of failed checks —
// not a whole period later; and the daemon's next retries go on from that
// count (doubling), as if it had never stopped. A restart used to wait
// for the schedule: up to six hours with the default one.
func TestRestartKeepsTheQuickRetry(t *testing.T) {
	const first = 200 * time.Millisecond
	for _, tc := range []struct {
		name     string
		failures int           // failed checks before the start
		due      time.Duration // after the last of them
	}{
		{"one failure: the first retry delay", 1, first},
		{"three failures: the delay doubled twice", 3, 4 * first},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newArrivals(t)
			db := openTestDB(t)
			w := monitor.Watch{Name: "down", URL: srv.URL + "/down", Fetcher: "http", Schedule: "@every 1h"}
			last := checkBefore(t, db, w, tc.failures)
			srv.forget()
			startScheduler(t, db, newTestFetcher(), []monitor.Watch{w}, monitor.WithFirstRetryDelay(first))
			got := srv.waitFor("/down", 2, 10*time.Second)
			if len(got) == 0 {
				t.Fatalf("no fetch within 10 s of the start; want one %s after the last failed check", tc.due)
			}
			if at := got[0].Sub(last); at < tc.due-20*time.Millisecond || at > tc.due+3*time.Second {
				t.Errorf("first fetch %s after the last failed check, want %s (the running daemon's retry delay)", at.Round(time.Millisecond), tc.due)
			}
			if len(got) < 2 {
				t.Fatalf("one fetch within 10 s; want the next retry %s after it", 2*tc.due)
			}
			// The retry after it counts the failed checks before the
			// start: the delay doubles again.
			if gap := got[1].Sub(got[0]); gap < 2*tc.due-50*time.Millisecond {
				t.Errorf("next retry %s after the first, want %s: the episode's failures count", gap.Round(time.Millisecond), 2*tc.due)
			}
		})
	}
}

// TestRestartHonoursRetryAfter: a failure whose response asked to retry
// after a while (429, 503 with Retry-After) is not retried sooner after a
// restart than the running daemon would have retried it.
func TestRestartHonoursRetryAfter(t *testing.T) {
	srv := newArrivals(t)
	srv.header = http.Header{"Retry-After": {"2"}}
	db := openTestDB(t)
	w := monitor.Watch{Name: "busy", URL: srv.URL + "/busy", Fetcher: "http", Schedule: "@every 1h"}
	last := checkBefore(t, db, w, 1)
	srv.forget()
	startScheduler(t, db, newTestFetcher(), []monitor.Watch{w}, monitor.WithFirstRetryDelay(50*time.Millisecond))
	got := srv.waitFor("/busy", 1, 10*time.Second)
	if len(got) == 0 {
		t.Fatal("no fetch within 10 s of the start; want one 2 s after the last failed check")
	}
	if at := got[0].Sub(last); at < 1900*time.Millisecond || at > 5*time.Second {
		t.Errorf("first fetch %s after the last failed check, want 2 s (the site's Retry-After)", at.Round(time.Millisecond))
	}
}

// TestRestartLeavesOtherWatchesToTheirSchedule: at start, a watch checked
// within its period is not fetched, whether its last check was good or an
// anomaly (the running daemon does not retry those early: the page was
// served, only not the policy); one never checked, or not within its
// period, is fetched at once.
func TestRestartLeavesOtherWatchesToTheirSchedule(t *testing.T) {
	srv := newArrivals(t)
	db := openTestDB(t)
	srv.set("/ok", http.StatusOK)
	srv.set("/stale", http.StatusOK)
	srv.set("/new", http.StatusOK)
	srv.set("/shell", http.StatusOK)
	hourly := func(name string) monitor.Watch {
		return monitor.Watch{Name: name, URL: srv.URL + "/" + name, Fetcher: "http", Schedule: "@every 1h"}
	}
	ok, stale, fresh, shell := hourly("ok"), hourly("stale"), hourly("new"), hourly("shell")
	shell.Select = []string{"#nothing-matches"}
	checkBefore(t, db, ok, 1)
	checkBefore(t, db, shell, 1)
	checkBefore(t, db, stale, 1, monitor.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) }))
	state, err := db.State(context.Background(), shell)
	if err != nil || state.Episode == nil || state.Episode.Kind != monitor.KindAnomaly {
		t.Fatalf("shell watch before the start: %+v, %v; want an open anomaly", state, err)
	}
	srv.forget()
	startScheduler(t, db, newTestFetcher(), []monitor.Watch{ok, stale, fresh, shell}, monitor.WithFirstRetryDelay(50*time.Millisecond))
	srv.waitFor("/stale", 1, 10*time.Second)
	srv.waitFor("/new", 1, 10*time.Second)
	time.Sleep(time.Second)
	for path, want := range map[string]int{"/ok": 0, "/shell": 0, "/stale": 1, "/new": 1} {
		if n := len(srv.times(path)); n != want {
			t.Errorf("%s: %d fetches in the first second, want %d", path, n, want)
		}
	}
}

// TestRestartSpacesRetriesToOneHost: failing watches of one host, all due
// for a retry at start, are fetched host_interval apart, not in a burst.
func TestRestartSpacesRetriesToOneHost(t *testing.T) {
	const interval = 300 * time.Millisecond
	srv := newArrivals(t)
	db := openTestDB(t)
	var watches []monitor.Watch
	for _, name := range []string{"a", "b", "c", "d"} {
		w := monitor.Watch{Name: name, URL: srv.URL + "/host", Fetcher: "http", Schedule: "@every 1h"}
		checkBefore(t, db, w, 1)
		watches = append(watches, w)
	}
	srv.forget()
	client := fetch.New(fetch.Options{UserAgent: "policywatch-test", Timeout: 5 * time.Second, Retries: -1, HostInterval: interval})
	start := time.Now()
	startScheduler(t, db, client, watches, monitor.WithFirstRetryDelay(50*time.Millisecond))
	got := srv.waitFor("/host", 4, 10*time.Second)
	if len(got) < 4 {
		t.Fatalf("%d fetches within 10 s of the start, want the 4 failing watches retried", len(got))
	}
	// The fetcher spaces the requests' starts; their arrivals here move
	// with the scheduling of a loaded machine (one started late arrives
	// late, the next on time): each gap is held to half the interval,
	// which a burst is far under, and the three together to the whole.
	for i := 1; i < 4; i++ {
		if gap := got[i].Sub(got[i-1]); gap < interval/2 {
			t.Errorf("fetches %d and %d %s apart, want about host_interval (%s)", i, i+1, gap.Round(time.Millisecond), interval)
		}
	}
	if span := got[3].Sub(got[0]); span < 3*interval-interval/2 {
		t.Errorf("fetches 1 to 4 %s apart, want about 3 host_intervals (%s)", span.Round(time.Millisecond), 3*interval)
	}
	if d := got[3].Sub(start); d > 5*time.Second {
		t.Errorf("the fourth retry %s after the start", d.Round(time.Millisecond))
	}
}

// TestRestartKeepsAnEveryScheduleOnTime: a watch on an "@every" schedule,
// checked within its period before the start, is checked a period after
// that last check. cron counts "@every" from when the daemon starts, so
// that it was checked up to a period late after each restart (an upgrade,
// a reboot): a watch "@every 24h" restarted an hour before it was due
// waited a day more, and a daemon restarted more often than its period
// checked it only when a start found it overdue, every other period.
func TestRestartKeepsAnEveryScheduleOnTime(t *testing.T) {
	const every = 4 * time.Second
	srv := newArrivals(t)
	srv.set("/every", http.StatusOK)
	db := openTestDB(t)
	w := monitor.Watch{Name: "every", URL: srv.URL + "/every", Fetcher: "http", Schedule: "@every 4s"}
	last := time.Now().Add(-3 * time.Second)
	checkBefore(t, db, w, 1, monitor.WithClock(func() time.Time { return last }))
	srv.forget()
	startScheduler(t, db, newTestFetcher(), []monitor.Watch{w})
	got := srv.waitFor("/every", 1, 10*time.Second)
	if len(got) == 0 {
		t.Fatal("no fetch within 10 s of the start")
	}
	// A period after the last check, give or take the watch's offset
	// (a tenth of the period at most) and a loaded machine.
	if at := got[0].Sub(last); at < every-100*time.Millisecond || at > every+every/10+time.Second {
		t.Errorf("first fetch %s after the last check, want %s (its schedule), not a period after the start", at.Round(time.Millisecond), every)
	}
}

// TestRestartWithTheClockBehind: a host whose clock is behind at boot (a
// board without a real-time clock, before NTP sets it) finds the last
// check in the future. An "@every" watch is then checked a period after
// the start, as cron counts it, not held until the time of that check
// comes round again on the wrong clock.
func TestRestartWithTheClockBehind(t *testing.T) {
	srv := newArrivals(t)
	srv.set("/later", http.StatusOK)
	db := openTestDB(t)
	w := monitor.Watch{Name: "later", URL: srv.URL + "/later", Fetcher: "http", Schedule: "@every 2s"}
	checkBefore(t, db, w, 1, monitor.WithClock(func() time.Time { return time.Now().Add(time.Hour) }))
	srv.forget()
	start := time.Now()
	startScheduler(t, db, newTestFetcher(), []monitor.Watch{w})
	got := srv.waitFor("/later", 1, 6*time.Second)
	if len(got) == 0 {
		t.Fatal("no fetch within 6 s of the start; want one a period (2 s) after it")
	}
	if at := got[0].Sub(start); at > 4*time.Second {
		t.Errorf("first fetch %s after the start, want about 2 s", at.Round(time.Millisecond))
	}
}
