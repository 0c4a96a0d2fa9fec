// Package replaytest runs the daemon's code path in tests: a real HTTP
// server serving whatever page the test sets, the Checker with a clock the
// test moves, and a real SQLite file. Replays of the shared corpus, the web
// view's tests and benchmarks drive it step by step.
//
// It is test support only: no production package imports it.
package replaytest

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/fetch"
	"github.com/policywatch/policywatch/store"
)

// PageServer serves whatever page the test sets, as a real HTTP server.
type PageServer struct {
	*httptest.Server
	mu     sync.Mutex
	body   []byte
	header http.Header
	status int
}

// NewPageServer starts a page server, closed when the test ends.
func NewPageServer(tb testing.TB) *PageServer {
	p := &PageServer{status: http.StatusOK}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.mu.Lock()
		body, header, status := p.body, p.header, p.status
		p.mu.Unlock()
		for k, vs := range header {
			w.Header()[k] = vs
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
		}
		w.WriteHeader(status)
		w.Write(body)
	}))
	tb.Cleanup(p.Close)
	return p
}

// Serve sets the response of the next requests.
func (p *PageServer) Serve(status int, body []byte, header http.Header) {
	p.mu.Lock()
	p.status, p.body, p.header = status, body, header
	p.mu.Unlock()
}

// Clock is a replay's clock: each step happens at its own date.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// Set moves the clock.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// Now reads the clock.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Quiet is a logger that discards everything.
func Quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// Rig is the daemon's code path — fetch.Client over real HTTP, the
// Checker, a real SQLite file — pointed at a local page server.
type Rig struct {
	Pages   *PageServer
	Clock   *Clock
	DB      *store.DB
	Checker *monitor.Checker
	Watch   monitor.Watch // its URL points at Pages
}

// NewRig builds a rig for the watch, its database in a temporary folder.
func NewRig(tb testing.TB, watch monitor.Watch) *Rig {
	tb.Helper()
	db, err := store.Open(context.Background(), filepath.Join(tb.TempDir(), "policywatch.db"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	r := &Rig{Pages: NewPageServer(tb), Clock: &Clock{}, DB: db, Watch: watch}
	r.Watch.URL = r.Pages.URL + "/policy"
	if r.Watch.Fetcher == "" {
		r.Watch.Fetcher = monitor.FetcherHTTP
	}
	client := fetch.New(fetch.Options{UserAgent: "policywatch-test", Retries: -1, Timeout: 10 * time.Second})
	r.Checker = monitor.NewChecker(client, db, monitor.WithClock(r.Clock.Now), monitor.WithLogger(Quiet()))
	return r
}

// Step serves the page at time at and runs one check.
func (r *Rig) Step(tb testing.TB, at time.Time, status int, body []byte, header http.Header) *monitor.Result {
	tb.Helper()
	r.Pages.Serve(status, body, header)
	r.Clock.Set(at)
	res, err := r.Checker.Check(context.Background(), r.Watch)
	if err != nil {
		tb.Fatalf("check at %s: %v", at, err)
	}
	return res
}
