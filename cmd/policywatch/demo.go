package main

import (
	"context"
	"embed"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/fetch"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/web"
)

// demoPages are the fictional company's policy pages, written for the
// demo: Kestrel, a social network that does not exist. {{TOKEN}} in a page
// is replaced by a token that changes every day, as real sites' markup
// does, to show that markup churn is not a change.
//
//go:embed demo/*.html
var demoPages embed.FS

// demoStep is one day of the demo's history.
type demoStep struct {
	story string    // what this day shows, for the newcomer
	pages [2]string // the English and the French page served
}

// demoScript is the demo's history, a day per step.
func demoScript() []demoStep {
	return []demoStep{
		{"First capture of each language: a baseline.", [2]string{"en-1.html", "fr-1.html"}},
		{"Only the markup changed (class names, link tokens): no event.", [2]string{"en-1.html", "fr-1.html"}},
		{"Kestrel adds AI training on public posts and a new effective date: critical.", [2]string{"en-2.html", "fr-2.html"}},
		{"The day AI training starts, and a deadline to object before it, appear: critical.", [2]string{"en-3.html", "fr-3.html"}},
		{"The effective date and the start of AI training move a month later: critical.", [2]string{"en-4.html", "fr-4.html"}},
		{"The English page serves an error page: an anomaly, no new version.", [2]string{"error-en.html", "fr-4.html"}},
		{"The page is back: recovered, and no change.", [2]string{"en-4.html", "fr-4.html"}},
	}
}

// demoStart is when the demo's history begins; each step is a day later.
var demoStart = time.Date(2025, 4, 14, 9, 0, 0, 0, time.UTC)

func demoCommand() *command {
	type opts struct{ listen string }
	return &command{
		name: "demo", args: "[--listen ADDR]", maxArgs: 0, noDB: true, noConf: true,
		// --db and --config are refused: the demo's history is made up
		// and kept apart, and must not land in a real database, nor seem
		// to read a configuration.
		notReadWhy: "the demo watches a made-up policy into a temporary database",
		short:      "see policywatch at work on a short made-up history, with no network",
		long: `Plays a week in the life of a fictional company's privacy policy, in English
and French, from a local server: the policy adds AI training on public
posts, announces the day it starts and a deadline to object, moves its
effective date and that day, then briefly serves an error page. The
monitor checks it once a "day" into a temporary database (deleted at the
end) and prints what it finds; then the web view opens on that history,
with the alerts, the diffs and the analysis, until you press Ctrl-C.
Nothing leaves this machine.

Example:
  policywatch demo
  policywatch demo --listen 127.0.0.1:8080`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.StringVar(&o.listen, "listen", "127.0.0.1:0", "address of the web view, `host:port` on loopback (port 0: any free port)")
			return o
		},
		run: func(ctx context.Context, a *app, o any, _ []string) error {
			return runDemo(ctx, a, o.(*opts).listen)
		},
	}
}

// demoClock is the demo's time: the day being replayed.
type demoClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *demoClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *demoClock) set(t time.Time)         { c.mu.Lock(); c.now = t; c.mu.Unlock() }
func (c *demoClock) advance(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

func runDemo(ctx context.Context, a *app, listen string) error {
	if loopback, err := web.ListenIsLoopback(listen); err != nil {
		return usageError{msg: fmt.Sprintf("--listen: %v", err)}
	} else if !loopback {
		return usageError{msg: fmt.Sprintf("--listen %s: the demo serves on loopback only (127.0.0.1)", listen)}
	}
	// The port first: a taken one must not cost the whole replay.
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", listen)
	if err != nil {
		return fmt.Errorf("demo: listen on %s: %w", listen, err)
	}
	defer ln.Close()
	tmp, err := os.MkdirTemp("", "policywatch-demo-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	db, err := store.Open(ctx, filepath.Join(tmp, "demo.db"))
	if err != nil {
		return err
	}
	defer db.Close()

	clock := &demoClock{now: demoStart}
	watches, critical, err := replayDemo(ctx, a.stdout, db, clock)
	if err != nil {
		return err
	}

	srv, err := web.New(web.Config{Listen: listen}, db,
		web.WithWatches(watches), web.WithNotFound(store.ErrNotFound), web.WithClock(clock.Now), web.WithLogger(a.log))
	if err != nil {
		return err
	}
	url := "http://" + ln.Addr().String() + "/"
	fmt.Fprintf(a.stdout, "\nThe web view of this history: %s\n", url)
	if critical != 0 {
		fmt.Fprintf(a.stdout, "The first critical change, with its diff and analysis: %sevents/%d\n", url, critical)
	}
	fmt.Fprintf(a.stdout, "Open it in a browser; press Ctrl-C to stop (the demo database is deleted).\n")
	if err := srv.Serve(ctx, ln); err != nil {
		return err
	}
	return nil
}

// replayDemo serves the demo's pages from a local server and checks them
// once per step, the clock set to the step's day, printing what each
// check found. It returns the watches it checked and the id of the first
// critical event.
func replayDemo(ctx context.Context, out io.Writer, db *store.DB, clock *demoClock) (watches []monitor.Watch, critical int64, err error) {
	site := newDemoSite(clock.Now)
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, 0, fmt.Errorf("demo: start the demo site: %w", err)
	}
	server := &http.Server{Handler: site, ReadHeaderTimeout: 5 * time.Second}
	go server.Serve(ln)
	defer server.Close()
	base := "http://" + ln.Addr().String()

	watches = []monitor.Watch{
		{Name: "kestrel-privacy", URL: base + "/en/privacy", Select: []string{"main"}, Fetcher: "http", Schedule: "@daily", Language: "en-US"},
		{Name: "kestrel-privacy-fr", URL: base + "/fr/confidentialite", Select: []string{"main"}, Fetcher: "http", Schedule: "@daily", Language: "fr-FR"},
	}
	client := fetch.New(fetch.Options{UserAgent: "policywatch-demo", Retries: -1, Timeout: 10 * time.Second})
	checker := monitor.NewChecker(client, db, monitor.WithClock(clock.Now), monitor.WithLogger(slog.New(slog.DiscardHandler)))

	fmt.Fprintf(out, "policywatch demo: a week of Kestrel's privacy policy (a made-up company), in English and French,\nserved from %s and checked once a day.\n", base)
	for i, step := range demoScript() {
		day := demoStart.AddDate(0, 0, i)
		clock.set(day)
		site.serve(step.pages, strconv.Itoa(i+1))
		fmt.Fprintf(out, "\nDay %d, %s — %s\n", i+1, day.Format("Mon 2 Jan 2006"), step.story)
		for _, w := range watches {
			res, err := checker.Check(ctx, w)
			if err != nil {
				return nil, 0, fmt.Errorf("demo: %w", err)
			}
			if res.Err != nil {
				return nil, 0, fmt.Errorf("demo: the demo site failed: %w", res.Err)
			}
			if len(res.Events) == 0 {
				fmt.Fprintf(out, "  %-20s %s\n", w.Name, res.Outcome)
			}
			for _, e := range res.Events {
				if critical == 0 && e.Severity == monitor.SeverityCritical {
					critical = e.ID
				}
				fmt.Fprintf(out, "  %-20s %-10s %-8s %s\n", w.Name, e.Kind, e.Severity, printable(e.Summary))
			}
			clock.advance(time.Minute) // the French page a minute after the English one
		}
	}
	clock.set(demoStart.AddDate(0, 0, len(demoScript())-1).Add(12 * time.Hour))
	return watches, critical, nil
}

// demoSite serves the pages of the current step: /en/privacy and
// /fr/confidentialite.
type demoSite struct {
	mu    sync.Mutex
	pages [2]string
	token string
	now   func() time.Time
}

// newDemoSite serves pages dated (their Date header) at now, the replay's
// clock, as the server of a real history would have: the evidence bundles
// give the response's headers beside the fetch time.
func newDemoSite(now func() time.Time) *demoSite { return &demoSite{now: now} }

func (s *demoSite) serve(pages [2]string, token string) {
	s.mu.Lock()
	s.pages, s.token = pages, token
	s.mu.Unlock()
}

func (s *demoSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	pages, token := s.pages, s.token
	s.mu.Unlock()
	var name string
	switch r.URL.Path {
	case "/en/privacy":
		name = pages[0]
	case "/fr/confidentialite":
		name = pages[1]
	default:
		http.NotFound(w, r)
		return
	}
	page, err := demoPages.ReadFile("demo/" + name)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	// The token stands in for the class names and link parameters that
	// real sites rotate on every request.
	body := strings.ReplaceAll(string(page), "{{TOKEN}}", "d"+token)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	io.WriteString(w, body)
}
