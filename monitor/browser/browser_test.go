package browser

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// These tests drive a real headless Chromium against pages served on
// 127.0.0.1. Without one they are skipped, loudly.

func requireChromium(t testing.TB) {
	t.Helper()
	if _, err := findExec(""); err != nil {
		t.Skipf("SKIPPED: NO CHROMIUM ON PATH, THE BROWSER IS NOT TESTED (%v)", err)
	}
}

// newBrowser returns a Browser closed at the end of the test, after which
// it checks that no process of it is left.
func newBrowser(t testing.TB, opts Options) *Browser {
	t.Helper()
	requireChromium(t)
	b := New(opts, testLogger(t))
	t.Cleanup(func() {
		pid := b.PID()
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if pid != 0 && alive(pid) {
			t.Errorf("browser process %d still alive after Close", pid)
		}
	})
	return b
}

// testLogger logs through t, so that failures show what the browser did.
func testLogger(t testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// serve starts a loopback server; release is closed before the server
// shuts down, so that handlers that block on it let go.
func serve(t testing.TB, h http.Handler) (srv *httptest.Server, release <-chan struct{}) {
	t.Helper()
	srv = httptest.NewServer(h)
	t.Cleanup(srv.Close)
	done := make(chan struct{})
	t.Cleanup(func() { close(done) }) // runs before srv.Close
	return srv, done
}

func htmlHandler(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, body)
	}
}

// scriptedPolicy writes its text only from JavaScript, after a delay.
const scriptedPolicy = `<!doctype html>
<title>Privacy Policy</title>
<div id="app"><div id="policy"></div></div>
<script>
setTimeout(() => {
	document.getElementById("policy").textContent = "We collect the content you provide.";
}, 300);
</script>`

func TestRenderWaitsForScriptWrittenText(t *testing.T) {
	b := newBrowser(t, Options{})
	srv, _ := serve(t, htmlHandler(scriptedPolicy))

	p, err := b.Render(t.Context(), Request{URL: srv.URL + "/privacy", WaitSelectors: []string{"#nothing", "#policy"}})
	if err != nil {
		t.Fatal(err)
	}
	// The placeholder is in the served HTML, empty: only the text proves
	// that Render waited for the script.
	if !strings.Contains(string(p.HTML), `<div id="policy">We collect the content you provide.</div>`) {
		t.Errorf("HTML lacks the scripted text:\n%s", p.HTML)
	}
	if !strings.HasPrefix(string(p.HTML), "<!DOCTYPE html><html>") {
		t.Errorf("HTML does not start with the doctype and root: %.60q", p.HTML)
	}
	if p.Status != http.StatusOK || p.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("status %d, Content-Type %q", p.Status, p.Header.Get("Content-Type"))
	}
	if p.URL != srv.URL+"/privacy" || p.FinalURL != srv.URL+"/privacy" {
		t.Errorf("URL %q, FinalURL %q", p.URL, p.FinalURL)
	}
	if !strings.Contains(p.BrowserVersion, "Chrome/") {
		t.Errorf("BrowserVersion %q", p.BrowserVersion)
	}
}

func TestRenderWithoutSelectorsWaitsForNetworkIdle(t *testing.T) {
	b := newBrowser(t, Options{NetworkIdleCap: 20 * time.Second})
	mux := http.NewServeMux()
	mux.Handle("/", htmlHandler(`<!doctype html><div id="policy"></div>
<script>
fetch("/text").then(r => r.text()).then(t => document.getElementById("policy").textContent = t);
</script>`))
	mux.HandleFunc("/text", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(700 * time.Millisecond) // longer than the 500 ms of quiet that is "idle"
		fmt.Fprint(w, "Fetched after the load.")
	})
	srv, _ := serve(t, mux)

	p, err := b.Render(t.Context(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(p.HTML), "Fetched after the load.") {
		t.Errorf("HTML lacks the fetched text:\n%s", p.HTML)
	}
}

func TestRenderReadsPageThatNeverGoesIdle(t *testing.T) {
	b := newBrowser(t, Options{NetworkIdleCap: time.Second, Timeout: 20 * time.Second})
	mux := http.NewServeMux()
	mux.Handle("/", htmlHandler(`<!doctype html><p>Policy text.</p>
<script>setInterval(() => fetch("/poll"), 100);</script>`))
	mux.HandleFunc("/poll", func(w http.ResponseWriter, r *http.Request) {})
	srv, _ := serve(t, mux)

	p, err := b.Render(t.Context(), Request{URL: srv.URL})
	if err != nil {
		t.Fatalf("a page that polls forever must be read when NetworkIdleCap runs out, got %v", err)
	}
	if !strings.Contains(string(p.HTML), "Policy text.") {
		t.Errorf("HTML:\n%s", p.HTML)
	}
}

// blocksBots answers 403 to anything that does not look like a browser,
// as some sites do.
func blocksBots(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ua := strings.ToLower(r.UserAgent())
		if !strings.HasPrefix(ua, "mozilla/5.0") || strings.Contains(ua, "go-http-client") || strings.Contains(ua, "policywatch") {
			w.Header().Set("X-Blocked", "yes")
			http.Error(w, "Forbidden", http.StatusForbidden)
			return
		}
		w.Header().Set("X-Policy-Version", "7")
		w.Header().Add("Set-Cookie", "a=1")
		w.Header().Add("Set-Cookie", "b=2")
		htmlHandler(body)(w, r)
	}
}

func TestRenderGetsPastUserAgentBlock(t *testing.T) {
	srv, _ := serve(t, blocksBots(`<!doctype html><main id="policy">Browsers only.</main>`))

	// The block is real: Go's client and policywatch's own UA get 403.
	for _, ua := range []string{"", "policywatch/0.1 (+https://github.com/policywatch/policywatch)"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL, nil)
		if ua != "" {
			req.Header.Set("User-Agent", ua)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Fatalf("UA %q: status %d, the test server does not block", ua, resp.StatusCode)
		}
	}

	b := newBrowser(t, Options{})
	p, err := b.Render(t.Context(), Request{URL: srv.URL, WaitSelectors: []string{"#policy"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != http.StatusOK || !strings.Contains(string(p.HTML), "Browsers only.") {
		t.Fatalf("status %d, HTML:\n%s", p.Status, p.HTML)
	}
	if got := p.Header.Get("X-Policy-Version"); got != "7" {
		t.Errorf("X-Policy-Version %q", got)
	}
	if got := p.Header.Values("Set-Cookie"); len(got) != 2 {
		t.Errorf("Set-Cookie %q, want both", got)
	}

	t.Run("status of a blocked page is recorded", func(t *testing.T) {
		b := newBrowser(t, Options{UserAgent: "policywatch-test"})
		p, err := b.Render(t.Context(), Request{URL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if p.Status != http.StatusForbidden || p.Header.Get("X-Blocked") != "yes" {
			t.Errorf("status %d, X-Blocked %q", p.Status, p.Header.Get("X-Blocked"))
		}
	})
}

func TestRenderSendsLanguageAndHeaders(t *testing.T) {
	b := newBrowser(t, Options{})
	var fromScript atomic.Value
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		htmlHandler(fmt.Sprintf(`<p id="lang">%s|%s</p><script>fetch("/xhr")</script>`,
			r.Header.Get("Accept-Language"), r.Header.Get("X-Watch")))(w, r)
	})
	mux.HandleFunc("/xhr", func(w http.ResponseWriter, r *http.Request) {
		fromScript.Store(r.Header.Get("Accept-Language"))
	})
	srv, _ := serve(t, mux)

	p, err := b.Render(t.Context(), Request{
		URL:      srv.URL,
		Language: "de-DE,de;q=0.9",
		Header:   map[string]string{"X-Watch": "meta-privacy"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(p.HTML), "de-DE,de;q=0.9|meta-privacy") {
		t.Errorf("document request lacked the headers:\n%s", p.HTML)
	}
	if got, _ := fromScript.Load().(string); got != "de-DE,de;q=0.9" {
		t.Errorf("the page's own request had Accept-Language %q", got)
	}
}

func TestRenderFollowsRedirects(t *testing.T) {
	b := newBrowser(t, Options{})
	mux := http.NewServeMux()
	mux.Handle("/old", http.RedirectHandler("/middle", http.StatusMovedPermanently))
	mux.Handle("/middle", htmlHandler(`<script>location.replace("/new")</script>`))
	mux.Handle("/new", htmlHandler(`<p id="policy">Moved here.</p>`))
	srv, _ := serve(t, mux)

	p, err := b.Render(t.Context(), Request{URL: srv.URL + "/old", WaitSelectors: []string{"#policy"}})
	if err != nil {
		t.Fatal(err)
	}
	if p.FinalURL != srv.URL+"/new" || p.Status != http.StatusOK || !strings.Contains(string(p.HTML), "Moved here.") {
		t.Errorf("FinalURL %q, status %d, HTML:\n%s", p.FinalURL, p.Status, p.HTML)
	}
}

// hang sends the start of a page and then nothing, never finishing it.
func hang(release <-chan struct{}) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, `<!doctype html><p id="policy">The first half of the policy`)
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}
}

func TestHungPageTimesOutWithoutBlockingOthers(t *testing.T) {
	// The timeout is what ends the hung pages, and it bounds the others
	// too, from the opening of their tab: it took more than 2 s under the
	// load of a whole-repository test run (5 runs of 7 failed so with a
	// 5 s timeout), and the pages that render took more than 5 s at a
	// load average of 20. The test takes as long as the timeout.
	b := newBrowser(t, Options{MaxTabs: 3, Timeout: 30 * time.Second})
	mux := http.NewServeMux()
	srv, release := serve(t, mux)
	mux.Handle("/hung-body", hang(release))
	mux.HandleFunc("/hung-headers", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	mux.Handle("/a", htmlHandler(`<p id="policy">Page A.</p>`))
	mux.Handle("/b", htmlHandler(`<p id="policy">Page B.</p>`))

	paths := []string{"/hung-body", "/a", "/hung-headers", "/b"}
	pages := make([]*Page, len(paths))
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i, path := range paths {
		wg.Go(func() {
			pages[i], errs[i] = b.Render(t.Context(), Request{URL: srv.URL + path, WaitSelectors: []string{"#policy"}})
		})
	}
	wg.Wait()

	for i, path := range paths {
		if strings.HasPrefix(path, "/hung") {
			// A half-sent document must not pass for a page, even though
			// its #policy is visible.
			if !errors.Is(errs[i], context.DeadlineExceeded) {
				t.Errorf("%s: want a timeout, got page %v, error %v", path, pages[i] != nil, errs[i])
			}
			continue
		}
		if errs[i] != nil {
			t.Errorf("%s: %v", path, errs[i])
		} else if want := "Page " + strings.ToUpper(path[1:]) + "."; !strings.Contains(string(pages[i].HTML), want) {
			t.Errorf("%s: HTML lacks %q", path, want)
		}
	}
	t.Logf("hung page error: %v", errs[0])
}

func TestTruncatedDocumentIsAnError(t *testing.T) {
	b := newBrowser(t, Options{})
	srv, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Promise more than is sent, then drop the connection.
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		body := `<!doctype html><p id="policy">We collect`
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n%s", len(body)+1000, body)
		buf.Flush()
	}))

	p, err := b.Render(t.Context(), Request{URL: srv.URL})
	if err == nil {
		t.Fatalf("a cut-off document rendered as a page:\n%s", p.HTML)
	}
	if !strings.Contains(err.Error(), "failed to load") {
		t.Errorf("error %v", err)
	}
	t.Log(err)
}

func TestIdleTimeoutStopsBrowser(t *testing.T) {
	rssBefore := rssKB(t, "self")
	b := newBrowser(t, Options{IdleTimeout: time.Second})
	srv, _ := serve(t, htmlHandler(`<p id="policy">Policy.</p>`))
	render := func() {
		t.Helper()
		if _, err := b.Render(t.Context(), Request{URL: srv.URL, WaitSelectors: []string{"#policy"}}); err != nil {
			t.Fatal(err)
		}
	}

	if b.Running() || b.PID() != 0 {
		t.Fatal("New started a browser")
	}
	render()
	// Held while the browser is looked at: the idle timer, armed once the
	// tab has closed, would otherwise stop it under a test that took more
	// than IdleTimeout to read /proc (a loaded machine).
	if _, err := b.acquire(t.Context()); err != nil {
		t.Fatal(err)
	}
	pid := b.PID()
	if !b.Running() || !alive(pid) {
		t.Fatalf("no browser process after Render (pid %d)", pid)
	}
	dir, home := userDataDir(pid), environ(pid, "HOME")
	children := descendants(t, pid)
	if dir == "" || home == "" || len(children) == 0 {
		t.Fatalf("browser %d: user data dir %q, home %q, children %v", pid, dir, home, children)
	}
	for _, d := range []string{dir, home} {
		if _, err := os.Stat(d); err != nil {
			t.Fatal(err)
		}
	}
	if left := processesUsing(t, home); len(left) == 0 {
		t.Logf("no process has %s in its arguments: the crash handler is not running", home)
	}
	rssRunning, pssBrowser := rssKB(t, "self"), treePSSKB(t, pid)
	b.release()

	// Generous: IdleTimeout, then a graceful close of up to closeTimeout
	// (5 s) and the kill, on a machine that may be loaded.
	deadline := time.Now().Add(time.Minute)
	for b.Running() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if b.Running() {
		t.Fatal("browser still running a minute after IdleTimeout")
	}
	b.wg.Wait() // the shutdown goroutine
	if _, _, ok := procStat(pid); ok {
		t.Errorf("browser process %d still in /proc", pid)
	}
	zombies := 0
	for _, c := range children {
		if alive(c) {
			t.Errorf("child process %d (%s) still alive", c, strings.Join(cmdline(c), " "))
		}
		if _, _, ok := procStat(c); ok {
			zombies++
		}
	}
	t.Logf("%d children of the browser, %d left as zombies", len(children), zombies)
	for _, d := range []string{dir, home} {
		if left := processesUsing(t, d); len(left) > 0 {
			t.Errorf("processes %v still use %s", left, d)
		}
		if _, err := os.Stat(d); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s not removed: %v", d, err)
		}
	}
	rssAfter := rssKB(t, "self")
	t.Logf("VmRSS of the Go process: %d kB before, %d kB with the browser running, %d kB after the idle close; the browser's processes: %d kB PSS, none after",
		rssBefore, rssRunning, rssAfter, pssBrowser)

	render()
	if !b.Running() || b.PID() == pid {
		t.Errorf("Render after the idle close: running %v, pid %d (was %d)", b.Running(), b.PID(), pid)
	}
}

func TestRestartsAfterBrowserDies(t *testing.T) {
	b := newBrowser(t, Options{})
	srv, _ := serve(t, htmlHandler(`<p id="policy">Policy.</p>`))
	req := Request{URL: srv.URL, WaitSelectors: []string{"#policy"}}
	if _, err := b.Render(t.Context(), req); err != nil {
		t.Fatal(err)
	}
	pid := b.PID()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// Generous: chromedp sees the process gone within milliseconds, on
	// a loaded machine later.
	deadline := time.Now().Add(time.Minute)
	for b.Running() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if b.Running() {
		t.Fatal("Running a minute after the process was killed")
	}
	p, err := b.Render(t.Context(), req)
	if err != nil {
		t.Fatalf("Render after the browser died: %v", err)
	}
	if !strings.Contains(string(p.HTML), "Policy.") || b.PID() == pid || !alive(b.PID()) {
		t.Errorf("pid %d (was %d), HTML:\n%s", b.PID(), pid, p.HTML)
	}
}

func TestMissingBrowser(t *testing.T) {
	b := New(Options{ExecPath: "/nonexistent/chromium"}, nil)
	defer b.Close()
	_, err := b.Render(t.Context(), Request{URL: "http://127.0.0.1:1/"})
	if !errors.Is(err, ErrNoBrowser) {
		t.Fatalf("got %v, want ErrNoBrowser", err)
	}
	if !strings.Contains(err.Error(), "apt-get install chromium") || !strings.Contains(err.Error(), "/nonexistent/chromium") {
		t.Errorf("message does not say what is missing and how to install it: %v", err)
	}
	if b.Running() {
		t.Error("Running after a failed start")
	}
}

// doneOnceStarted is a caller's context that acquire finds done when it
// waits for the start, and only once the start it began has ended: both
// cases of the wait are ready then, as when a start ends as the caller
// gives up, the interleaving select used to decide at random.
type doneOnceStarted struct {
	context.Context
	b      *Browser
	cancel context.CancelFunc
}

func (c doneOnceStarted) Done() <-chan struct{} {
	c.b.mu.Lock()
	s := c.b.sess
	c.b.mu.Unlock()
	if s != nil {
		<-s.ready
	}
	c.cancel()
	return c.Context.Done()
}

// acquireOnceStarted runs acquire with a doneOnceStarted context, and
// gives back the session it hands out, if any.
func acquireOnceStarted(t *testing.T, b *Browser) (handed bool, err error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	s, err := b.acquire(doneOnceStarted{Context: ctx, b: b, cancel: cancel})
	if s != nil {
		b.release()
	}
	return s != nil, err
}

// A start that fails as the caller gives up is the caller's error: it
// says more (the checker reports a missing Chromium as such, not as a
// timeout), and the failed session goes, idle timer and all. Fifty tries:
// the select that decided it at random gave the caller ctx's error, and
// left the failed session in place, half the time.
func TestStartFailureOutranksCallerGivingUp(t *testing.T) {
	for try := range 50 {
		b := New(Options{ExecPath: "/nonexistent/chromium"}, nil)
		if _, err := acquireOnceStarted(t, b); !errors.Is(err, ErrNoBrowser) {
			t.Fatalf("try %d: %v, want the start's ErrNoBrowser", try, err)
		}
		b.mu.Lock()
		sess, active, idle := b.sess, b.active, b.idle
		b.mu.Unlock()
		if sess != nil || active != 0 || idle != nil {
			t.Fatalf("try %d: after the failed start, session %v, %d uses, idle timer %v; want none", try, sess != nil, active, idle != nil)
		}
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// A Chromium that has started as the caller gives up is handed over, as
// when the caller gives up a moment later (the render ends at its first
// stage, with ctx's error), and stays for the next Render. Twenty tries:
// the select that decided it at random gave ctx's error half the time.
func TestCallerGivingUpAsChromiumStartsGetsIt(t *testing.T) {
	b := newBrowser(t, Options{})
	for try := range 20 {
		if handed, err := acquireOnceStarted(t, b); !handed || err != nil {
			t.Fatalf("try %d: handed the browser %v, error %v; want the started browser", try, handed, err)
		}
	}
	pid := b.PID()
	b.mu.Lock()
	active := b.active
	b.mu.Unlock()
	if pid == 0 || active != 0 {
		t.Fatalf("after the callers gave up: pid %d, %d uses; want the browser running, unused", pid, active)
	}
	srv, _ := serve(t, htmlHandler(`<p id="policy">Policy.</p>`))
	if _, err := b.Render(t.Context(), Request{URL: srv.URL, WaitSelectors: []string{"#policy"}}); err != nil {
		t.Fatal(err)
	}
	if b.PID() != pid {
		t.Errorf("the next Render ran in browser %d, not in %d that had started", b.PID(), pid)
	}
}

// TestChromiumExitingWhileStartingIsStartedAgain: a Chromium that exits
// while starting (as Debian's now and then does on a loaded machine) is
// started again, and the render goes on; one that always does is an
// error naming what it printed, after startAttempts tries.
func TestChromiumExitingWhileStartingIsStartedAgain(t *testing.T) {
	requireChromium(t)
	chromium, err := findExec("")
	if err != nil {
		t.Fatal(err)
	}
	// launcher runs Chromium after failing the first `fails` times.
	launcher := func(fails int) (path string, launches func() int) {
		dir := t.TempDir()
		path = filepath.Join(dir, "chromium")
		script := fmt.Sprintf(`#!/bin/sh
echo >> %[1]s/launches
if [ "$(wc -l < %[1]s/launches)" -le %[2]d ]; then echo "simulated crash at start" >&2; exit 1; fi
exec %[3]s "$@"
`, dir, fails, chromium)
		if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		return path, func() int {
			b, _ := os.ReadFile(filepath.Join(dir, "launches"))
			return strings.Count(string(b), "\n")
		}
	}
	srv, _ := serve(t, htmlHandler(`<p id="policy">Policy.</p>`))

	path, launches := launcher(1)
	b := newBrowser(t, Options{ExecPath: path})
	p, err := b.Render(t.Context(), Request{URL: srv.URL, WaitSelectors: []string{"#policy"}})
	if err != nil || !strings.Contains(string(p.HTML), "Policy.") {
		t.Fatalf("render with a Chromium that exits at its first start: %v", err)
	}
	if n := launches(); n != 2 {
		t.Errorf("Chromium launched %d times, want 2", n)
	}

	path, launches = launcher(startAttempts)
	b = newBrowser(t, Options{ExecPath: path})
	_, err = b.Render(t.Context(), Request{URL: srv.URL, WaitSelectors: []string{"#policy"}})
	if err == nil || !strings.Contains(err.Error(), "simulated crash at start") {
		t.Errorf("render with a Chromium that never starts: %v, want its output in the error", err)
	}
	if n := launches(); n != startAttempts {
		t.Errorf("Chromium launched %d times, want %d", n, startAttempts)
	}
}

func TestRejectsNonHTTPURLs(t *testing.T) {
	b := New(Options{ExecPath: "/nonexistent/chromium"}, nil)
	defer b.Close()
	for _, u := range []string{"file:///etc/passwd", "chrome://settings", "javascript:alert(1)", "/relative", "http://"} {
		_, err := b.Render(t.Context(), Request{URL: u})
		if err == nil || errors.Is(err, ErrNoBrowser) {
			t.Errorf("%q: got %v, want a refusal before starting anything", u, err)
		}
	}
}

func TestRenderCapsSize(t *testing.T) {
	b := newBrowser(t, Options{MaxBytes: 10 << 10})
	big := strings.Repeat("<p>We collect data.</p>", 2000) // 46 KB
	srv, _ := serve(t, htmlHandler(`<body id="policy">`+big+`<script>document.body.append("é".repeat(3000))</script>`))
	_, err := b.Render(t.Context(), Request{URL: srv.URL, WaitSelectors: []string{"#policy"}})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("got %v, want ErrTooLarge", err)
	}

	// Just under the cap in UTF-16 but over it in UTF-8: still refused.
	b2 := newBrowser(t, Options{MaxBytes: 5000})
	srv2, _ := serve(t, htmlHandler(`<body id="policy"><script>document.body.append("é".repeat(4500))</script>`))
	_, err = b2.Render(t.Context(), Request{URL: srv2.URL, WaitSelectors: []string{"#policy"}})
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("multi-byte text: got %v, want ErrTooLarge", err)
	}
}

func TestInvalidSelector(t *testing.T) {
	b := newBrowser(t, Options{})
	srv, _ := serve(t, htmlHandler(`<p>x</p>`))
	_, err := b.Render(t.Context(), Request{URL: srv.URL, WaitSelectors: []string{"p[", "p"}})
	if err == nil || !strings.Contains(err.Error(), `invalid CSS selector "p["`) {
		t.Errorf("got %v", err)
	}
}

func TestHostilePages(t *testing.T) {
	// The pages that never finish are given 2 s by their caller; the
	// others the page timeout, long enough for a loaded machine (the
	// looping renderers burn a core until their tab is gone).
	b := newBrowser(t, Options{Timeout: 20 * time.Second})
	var popupHits atomic.Int32
	mux := http.NewServeMux()
	srv, _ := serve(t, mux)
	mux.Handle("/loop", htmlHandler(`<p id="policy">Loading</p><script>for (;;) {}</script>`))
	mux.Handle("/loop-later", htmlHandler(`<p id="policy">Shown</p><script>setTimeout(() => { for (;;) {} }, 0)</script>`))
	mux.Handle("/dialogs", htmlHandler(`<p id="out"></p><script>
alert("hello");
const ok = confirm("sure?");
const name = prompt("name?", "x");
document.getElementById("out").outerHTML = '<p id="policy">confirm=' + ok + ' prompt=' + name + '</p>';
</script>`))
	mux.Handle("/popups", htmlHandler(`<a id="link" href="/popup-target" target="_blank">x</a><script>
for (let i = 0; i < 20; i++) window.open("/popup-target?" + i);
document.getElementById("link").click();
setTimeout(() => document.body.insertAdjacentHTML("beforeend", '<p id="policy">done</p>'), 500);
</script>`))
	mux.HandleFunc("/popup-target", func(w http.ResponseWriter, r *http.Request) { popupHits.Add(1) })
	mux.HandleFunc("/download", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="policy.bin"`)
		fmt.Fprint(w, "binary")
	})
	mux.Handle("/normal", htmlHandler(`<p id="policy">Normal.</p>`))
	render := func(path string) (*Page, error) {
		return b.Render(t.Context(), Request{URL: srv.URL + path, WaitSelectors: []string{"#policy"}})
	}

	for _, path := range []string{"/loop", "/loop-later"} {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		_, err := b.Render(ctx, Request{URL: srv.URL + path, WaitSelectors: []string{"#policy"}})
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: want a timeout, got %v", path, err)
		}
	}
	p, err := render("/dialogs")
	if err != nil {
		t.Errorf("dialogs: %v", err)
	} else if !strings.Contains(string(p.HTML), "confirm=false prompt=null") {
		t.Errorf("dialogs were not dismissed:\n%s", p.HTML)
	}
	if _, err := render("/popups"); err != nil {
		t.Errorf("popups: %v", err)
	}
	if n := popupHits.Load(); n != 0 {
		t.Errorf("%d popups loaded", n)
	}
	if _, err := render("/download"); err == nil || !strings.Contains(err.Error(), "download") {
		t.Errorf("download: got %v", err)
	}
	// After all that the browser still works.
	if p, err := render("/normal"); err != nil || !strings.Contains(string(p.HTML), "Normal.") {
		t.Errorf("normal page after hostile ones: %v", err)
	}
}

func TestCloseDuringRender(t *testing.T) {
	b := newBrowser(t, Options{})
	arrived := make(chan struct{})
	var once sync.Once
	mux := http.NewServeMux()
	srv, release := serve(t, mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(arrived) })
		hang(release)(w, r)
	})
	errc := make(chan error, 1)
	go func() {
		_, err := b.Render(t.Context(), Request{URL: srv.URL})
		errc <- err
	}()
	<-arrived
	pid := b.PID()
	if err := b.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-errc; err == nil {
		t.Error("Render in progress succeeded after Close")
	}
	if alive(pid) {
		t.Errorf("process %d alive after Close", pid)
	}
	if _, err := b.Render(t.Context(), Request{URL: srv.URL}); !errors.Is(err, ErrClosed) {
		t.Errorf("Render after Close: %v", err)
	}
}

func TestCallerContextCancelsRender(t *testing.T) {
	b := newBrowser(t, Options{Timeout: time.Minute})
	mux := http.NewServeMux()
	srv, release := serve(t, mux)
	mux.Handle("/", hang(release))
	ctx, cancel := context.WithTimeout(t.Context(), 1500*time.Millisecond)
	defer cancel()
	_, err := b.Render(ctx, Request{URL: srv.URL})
	if !errors.Is(err, context.DeadlineExceeded) || ctx.Err() == nil {
		t.Errorf("got %v", err)
	}
}

// chromiumFlags reads the command line of a running browser, to check the
// isolation flags.
func TestBrowserIsIsolated(t *testing.T) {
	b := newBrowser(t, Options{})
	srv, _ := serve(t, htmlHandler(`<p id="policy">x</p>`))
	if _, err := b.Render(t.Context(), Request{URL: srv.URL, WaitSelectors: []string{"#policy"}}); err != nil {
		t.Fatal(err)
	}
	args := " " + strings.Join(cmdline(b.PID()), " ") + " "
	for _, flag := range []string{"--headless", "--disable-extensions", "--disable-background-networking",
		"--remote-debugging-pipe", "--user-data-dir=", "--disable-gpu", "--disable-quic", "--disable-sync",
		"--gaia-url=http://127.0.0.1:0/"} {
		if !strings.Contains(args, " "+flag) {
			t.Errorf("Chromium runs without %s: %s", flag, args)
		}
	}
	// Options.netLog is the tests' only: no net log is written otherwise.
	if strings.Contains(args, "--remote-debugging-port") || strings.Contains(args, "--disable-popup-blocking") ||
		strings.Contains(args, "--log-net-log") {
		t.Errorf("Chromium command line: %s", args)
	}
	// No TCP port is open for DevTools: the browser listens on nothing.
	if ports := listeningPorts(t, b.PID()); len(ports) > 0 {
		t.Errorf("browser listens on TCP ports %v", ports)
	}
}

// listeningPorts lists the TCP ports in LISTEN state whose socket inode
// belongs to pid or its descendants.
func listeningPorts(t *testing.T, pid int) []string {
	t.Helper()
	inodes := map[string]bool{}
	for _, p := range append(descendants(t, pid), pid) {
		fds, _ := os.ReadDir("/proc/" + strconv.Itoa(p) + "/fd")
		for _, fd := range fds {
			link, err := os.Readlink("/proc/" + strconv.Itoa(p) + "/fd/" + fd.Name())
			if inode, ok := strings.CutPrefix(link, "socket:["); ok {
				inodes[strings.TrimSuffix(inode, "]")] = true
			} else if err != nil {
				continue
			}
		}
	}
	var ports []string
	eachTCPSocket(func(fields []string) {
		if fields[3] == "0A" && inodes[fields[9]] {
			ports = append(ports, fields[1])
		}
	})
	return ports
}

// eachTCPSocket calls f with the fields of each socket of /proc/net/tcp
// and tcp6: sl, local_address, rem_address, st, …, inode (field 9).
func eachTCPSocket(f func(fields []string)) {
	for _, file := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		r, err := os.Open(file)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) > 9 && fields[0] != "sl" {
				f(fields)
			}
		}
		r.Close()
	}
}

// TestHeaderOverridesLanguage: an Accept-Language among a watch's headers
// is the one sent, by the browser as by the HTTP fetcher.
func TestHeaderOverridesLanguage(t *testing.T) {
	for _, name := range []string{"Accept-Language", "accept-language"} {
		tb := &tab{req: Request{Language: "fr-FR,fr;q=0.9", Header: map[string]string{name: "de", "X-Watch": "1"}}}
		h := tb.headers()
		if len(h) != 2 || h[name] != "de" || h["X-Watch"] != "1" {
			t.Errorf("header %s: sent %v, want %s: de and X-Watch: 1", name, h, name)
		}
	}
}
