package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/policywatch/policywatch/internal/browsertest"
)

// These tests drive a real headless Chromium (Debian's chromium package,
// which .ci/run installs). Without one they are skipped, loudly.

// scriptLog records what scripts did in the page: dialogs opened, console
// calls, uncaught exceptions and the browser's log entries (where
// Content-Security-Policy violations and failed loads are reported). The
// web view's own script does none of these, so anything recorded means
// something ran, or tried to.
type scriptLog struct {
	mu      sync.Mutex
	entries []string
}

func (l *scriptLog) add(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.entries = append(l.entries, fmt.Sprintf(format, args...))
}

// take returns the entries recorded since the last call.
func (l *scriptLog) take() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := l.entries
	l.entries = nil
	return out
}

// newTab starts a headless Chromium with a fresh profile and returns the
// context of its tab, with a log of what scripts did in it. Dialogs are
// dismissed as they open, so that one cannot block the test.
func newTab(t *testing.T) (context.Context, *scriptLog) {
	t.Helper()
	allocCtx := browsertest.Allocator(t,
		chromedp.WindowSize(1280, 900),
		// A zone that is not UTC, so that times shown in the reader's zone
		// differ from the server's.
		chromedp.Env("TZ=America/New_York"),
	)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() {
		cancelTimeout()
		cancelTab()
	})
	scripts := &scriptLog{}
	if err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *page.EventJavascriptDialogOpening:
			scripts.add("dialog (%s): %q", ev.Type, ev.Message)
			go chromedp.Call(ctx, page.HandleJavaScriptDialog, page.HandleJavaScriptDialogParams{Accept: false})
		case *runtime.EventConsoleAPICalled:
			var args []string
			for _, a := range ev.Args {
				args = append(args, string(a.Value)+a.Description)
			}
			scripts.add("console.%s: %s", ev.Type, strings.Join(args, " "))
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			scripts.add("exception: %s (%s:%d)", d.Text, d.URL, d.LineNumber)
		case *log.EventEntryAdded:
			scripts.add("log %s/%s: %s (%s)", ev.Entry.Source, ev.Entry.Level, ev.Entry.Text, ev.Entry.URL)
		}
	}); err != nil {
		t.Fatalf("start Chromium: %v", err)
	}
	return ctx, scripts
}

// open navigates to url, waits for the page and its script to run, and
// fails the test if any script did anything.
func open(t *testing.T, ctx context.Context, scripts *scriptLog, url string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("navigate to %s: %v", url, err)
	}
	// app.js is deferred: it has run at the load event Navigate waits for.
	// A round trip through the page lets late events arrive.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`1`)); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range scripts.take() {
		// The status of the page itself (a 404 page) is not a script.
		if strings.HasPrefix(e, "log network/error: Failed to load resource: the server responded with a status of") &&
			strings.HasSuffix(e, "("+url+")") {
			continue
		}
		got = append(got, e)
	}
	if len(got) > 0 {
		t.Errorf("%s: scripts ran or were blocked in the page:\n  %s", url, strings.Join(got, "\n  "))
	}
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// visibleText is what a reader sees of the page.
func visibleText(t *testing.T, ctx context.Context) string {
	return eval[string](t, ctx, `document.body.innerText`)
}

// injected lists what in the page could run script: script elements other
// than the web view's own, event handler attributes, links that are not
// http(s), and elements that load or embed something.
const injectedJS = `(() => {
	const found = [];
	for (const s of document.querySelectorAll("script")) {
		const src = new URL(s.getAttribute("src") || s.getAttribute("href") || "", location.href).href;
		if (!src.startsWith(location.origin + "/static/app.js?")) found.push("script: " + s.outerHTML.slice(0, 80));
	}
	for (const el of document.querySelectorAll("*")) {
		for (const a of el.attributes) {
			if (a.name.toLowerCase().startsWith("on")) found.push("handler: " + el.tagName + " " + a.name);
		}
	}
	for (const a of document.querySelectorAll("a[href]")) {
		if (a.protocol !== "http:" && a.protocol !== "https:") found.push("link: " + a.getAttribute("href"));
	}
	for (const el of document.querySelectorAll("iframe, frame, object, embed, img, textarea, form:not(.filters), svg:not(.spark), base, meta[http-equiv]")) {
		found.push("element: " + el.outerHTML.slice(0, 80));
	}
	return found;
})()`

func assertInert(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	if found := eval[[]string](t, ctx, injectedJS); len(found) > 0 {
		t.Errorf("%s: the page holds what could run or load content:\n  %s", url, strings.Join(found, "\n  "))
	}
}

// allowDownloads makes the browser save downloads in dir and report their
// progress.
func allowDownloads(t *testing.T, ctx context.Context, dir string) {
	t.Helper()
	events := true
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir, EventsEnabled: &events,
	}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
}

// clickDownload clicks the link that matches the CSS selector and waits
// for the browser to finish downloading it. It returns the downloaded
// bytes.
func clickDownload(t *testing.T, ctx context.Context, dir, selector string) []byte {
	t.Helper()
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(selector))); err != nil {
		t.Fatalf("click %s: %v", selector, err)
	}
	for ev, err := range progress {
		if err != nil {
			t.Fatalf("download of %s: %v", selector, err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			path := ev.FilePath
			if path == "" {
				t.Fatalf("download of %s: no file path", selector)
			}
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			return data
		case browser.DownloadProgressStateCanceled:
			t.Fatalf("download of %s canceled", selector)
		}
	}
	t.Fatalf("download of %s never completed", selector)
	return nil
}

// downloadDir is a fresh folder for the browser's downloads.
func downloadDir(t *testing.T) string {
	dir := filepath.Join(t.TempDir(), "downloads")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
