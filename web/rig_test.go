package web_test

import (
	"context"
	"io"
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
	"github.com/policywatch/policywatch/web"
)

// pageServer serves whatever page the test sets, as a real HTTP server.
type pageServer struct {
	*httptest.Server
	mu     sync.Mutex
	body   []byte
	header http.Header
	status int
}

func newPageServer(t testing.TB) *pageServer {
	p := &pageServer{status: http.StatusOK}
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
	t.Cleanup(p.Close)
	return p
}

func (p *pageServer) serve(status int, body []byte, header http.Header) {
	p.mu.Lock()
	p.status, p.body, p.header = status, body, header
	p.mu.Unlock()
}

// clock is the replay's clock: each step happens at its own date.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// rig is the daemon's code path — fetch.Client over real HTTP, the
// Checker, a real SQLite file — pointed at a local page server, with the
// web view over the same database.
type rig struct {
	pages   *pageServer
	clock   *clock
	db      *store.DB
	checker *monitor.Checker
	watch   monitor.Watch
}

func newRig(t testing.TB, watch monitor.Watch) *rig {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "policywatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	r := &rig{pages: newPageServer(t), clock: &clock{}, db: db, watch: watch}
	r.watch.URL = r.pages.URL + "/policy"
	r.watch.Fetcher = "http"
	client := fetch.New(fetch.Options{UserAgent: "policywatch-test", Retries: -1, Timeout: 10 * time.Second})
	r.checker = monitor.NewChecker(client, db, monitor.WithClock(r.clock.Now), monitor.WithLogger(quiet()))
	return r
}

// step serves body at time at and runs one check.
func (r *rig) step(t testing.TB, at time.Time, status int, body []byte, header http.Header) *monitor.Result {
	t.Helper()
	r.pages.serve(status, body, header)
	r.clock.set(at)
	res, err := r.checker.Check(context.Background(), r.watch)
	if err != nil {
		t.Fatalf("check at %s: %v", at, err)
	}
	return res
}

// server returns the web view of the rig's database, served over HTTP on
// loopback.
func (r *rig) server(t testing.TB, opts ...web.Option) (*web.Server, *httptest.Server) {
	t.Helper()
	opts = append([]web.Option{
		web.WithLogger(quiet()), web.WithNotFound(store.ErrNotFound),
		web.WithWatches([]monitor.Watch{r.watch}), web.WithClock(r.clock.Now),
	}, opts...)
	s, err := web.New(web.Config{}, r.db, opts...)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return s, ts
}

func quiet() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// get fetches url and returns the response and its body.
func get(t testing.TB, url string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// eventOf returns the first event of kind in res.
func eventOf(t testing.TB, res *monitor.Result, kind monitor.EventKind) monitor.Event {
	t.Helper()
	for _, e := range res.Events {
		if e.Kind == kind {
			return e
		}
	}
	t.Fatalf("no %s event among %v", kind, res.Events)
	return monitor.Event{}
}
