package monitor_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/browser"
	"github.com/policywatch/policywatch/monitor/fetch"
)

// requireChromium skips, loudly, when no Chromium is installed (.ci/run
// installs Debian's chromium package).
func requireChromium(t *testing.T) {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if _, err := exec.LookPath(name); err == nil {
			return
		}
	}
	t.Skip("SKIPPED: NO CHROMIUM ON PATH — install it with `apt-get install chromium` to run the browser tests")
}

// jsShell writes its policy only from JavaScript, as React pages do.
const jsShell = `<!DOCTYPE html><html lang="en"><head><title>Privacy Center</title></head><body>
<noscript>You need to enable JavaScript to run this app.</noscript><div id="root"></div>
<script>setTimeout(function () {
  var p = "We collect the posts, photos and comments you share, information about your device and your approximate location, and we use it to provide and improve our services, to show advertising and to keep people safe. ";
  document.getElementById("root").innerHTML = "<main><h1>Privacy Policy</h1><p>Effective June 26, 2024</p><p>" + p + p + p + "</p></main>";
}, 150);</script></body></html>`

func browserPages(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		switch r.URL.Path {
		case "/shell":
			fmt.Fprint(w, jsShell)
		case "/bots-forbidden":
			if ua := r.UserAgent(); !strings.Contains(ua, "Mozilla") || strings.Contains(ua, "policywatch") {
				http.Error(w, "Forbidden", http.StatusForbidden)
				return
			}
			fmt.Fprint(w, string(policyPage("en", "Privacy Policy", strings.Repeat(longParagraph, 4))))
		case "/hang":
			<-r.Context().Done()
		case "/forbidden":
			http.Error(w, "Forbidden", http.StatusForbidden)
		case "/gone":
			http.Error(w, "Gone", http.StatusGone)
		default:
			fmt.Fprint(w, string(policyPage("en", "Privacy Policy", strings.Repeat(longParagraph, 4))))
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newBrowserChecker(t *testing.T, rig *faultRig) (*monitor.Checker, *browser.Browser) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The timeout covers opening a tab, which can take seconds when the
	// whole repository's tests load the machine; TestHungPageDoesNotBlockOthers
	// waits for it once.
	b := browser.New(browser.Options{Timeout: 6 * time.Second, IdleTimeout: time.Minute, MaxTabs: 2, NetworkIdleCap: 2 * time.Second}, quiet)
	t.Cleanup(func() { b.Close() })
	return monitor.NewChecker(newTestFetcher(), rig.db, monitor.WithLogger(quiet), monitor.WithRenderer(b)), b
}

// TestFetchersOnAJavaScriptPage: the http fetcher sees an empty shell (an
// anomaly, js_shell); browser and auto read the text, and auto remembers
// that the browser is what works.
func TestFetchersOnAJavaScriptPage(t *testing.T) {
	requireChromium(t)
	srv := browserPages(t)
	rig := newFaultRig(t, srv.URL)
	checker, _ := newBrowserChecker(t, rig)
	ctx := context.Background()

	httpRes, err := checker.Check(ctx, monitor.Watch{Name: "via-http", URL: srv.URL + "/shell", Fetcher: "http"})
	if err != nil {
		t.Fatal(err)
	}
	if httpRes.Outcome != monitor.OutcomeAnomaly || len(httpRes.Events) != 1 || httpRes.Events[0].Reason != monitor.ReasonJSShell {
		t.Fatalf("http fetcher: outcome %s, events %+v; want an anomaly js_shell", httpRes.Outcome, httpRes.Events)
	}
	for _, via := range []string{"browser", "auto"} {
		res, err := checker.Check(ctx, monitor.Watch{Name: "via-" + via, URL: srv.URL + "/shell", Fetcher: via})
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != monitor.OutcomeBaseline || res.Fetcher != "browser" {
			t.Fatalf("%s fetcher: outcome %s by %s (%v); want a baseline by the browser", via, res.Outcome, res.Fetcher, res.Err)
		}
		v, err := rig.db.LatestVersion(ctx, "via-"+via)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(v.Text, "Effective June 26, 2024") {
			t.Errorf("%s: text lacks what the script wrote:\n%s", via, v.Text)
		}
		body, err := rig.db.Body(ctx, v.BodyID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(body.Agent, "Chrom") {
			t.Errorf("%s: body agent %q does not name the browser", via, body.Agent)
		}
	}
	watches, err := rig.db.Watches(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range watches {
		if w.Name == "via-auto" && w.Fetcher != "browser" {
			t.Errorf("auto watch: working fetcher %q, want browser", w.Fetcher)
		}
	}
}

// TestAutoGetsPastABotBlock: a page answering 403 to non-browser clients
// is read by auto through the browser.
func TestAutoGetsPastABotBlock(t *testing.T) {
	requireChromium(t)
	srv := browserPages(t)
	rig := newFaultRig(t, srv.URL)
	checker, _ := newBrowserChecker(t, rig)
	res, err := checker.Check(context.Background(), monitor.Watch{Name: "blocked", URL: srv.URL + "/bots-forbidden", Fetcher: "auto"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != monitor.OutcomeBaseline || res.Fetcher != "browser" {
		t.Fatalf("outcome %s by %s (%v), want a baseline by the browser", res.Outcome, res.Fetcher, res.Err)
	}
	checks, err := rig.db.Checks(context.Background(), "blocked", 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks[0].Attempts) != 2 || checks[0].Attempts[0].Status != http.StatusForbidden || checks[0].Attempts[1].Status != http.StatusOK {
		t.Errorf("attempts %+v, want the HTTP 403 then the browser's 200", checks[0].Attempts)
	}
}

// TestHungPageDoesNotBlockOthers: a page that never finishes loading times
// out while two other watches in the same pass are read.
func TestHungPageDoesNotBlockOthers(t *testing.T) {
	requireChromium(t)
	srv := browserPages(t)
	rig := newFaultRig(t, srv.URL)
	checker, _ := newBrowserChecker(t, rig)
	watches := []monitor.Watch{
		{Name: "hung", URL: srv.URL + "/hang", Fetcher: "browser"},
		{Name: "one", URL: srv.URL + "/one", Fetcher: "browser"},
		{Name: "two", URL: srv.URL + "/two", Fetcher: "browser"},
	}
	outcomes := map[string]monitor.Outcome{}
	reasons := map[string]string{}
	err := monitor.CheckAll(context.Background(), checker, watches, 3, func(w monitor.Watch, res *monitor.Result) {
		outcomes[w.Name] = res.Outcome
		if len(res.Events) > 0 {
			reasons[w.Name] = res.Events[0].Reason
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if outcomes["hung"] != monitor.OutcomeFetchError || reasons["hung"] != "timeout" {
		t.Errorf("hung page: %s (%s), want fetch_error (timeout)", outcomes["hung"], reasons["hung"])
	}
	if outcomes["one"] != monitor.OutcomeBaseline || outcomes["two"] != monitor.OutcomeBaseline {
		t.Errorf("the other watches: %v, want baselines", outcomes)
	}
}

// TestBrowserErrorStatusReasons: an error status the browser met is named
// as plain HTTP names it — bot_block for a refusal, http_status otherwise —
// so a watch's failures read the same whichever fetcher met them.
func TestBrowserErrorStatusReasons(t *testing.T) {
	requireChromium(t)
	srv := browserPages(t)
	rig := newFaultRig(t, srv.URL)
	checker, _ := newBrowserChecker(t, rig)
	for path, want := range map[string]string{"/forbidden": monitor.ReasonBotBlock, "/gone": "http_status"} {
		for _, fetcher := range []string{"http", "browser"} {
			res, err := checker.Check(context.Background(), monitor.Watch{Name: fetcher + path, URL: srv.URL + path, Fetcher: fetcher})
			if err != nil {
				t.Fatal(err)
			}
			if res.Outcome != monitor.OutcomeFetchError || len(res.Events) != 1 || res.Events[0].Reason != want {
				t.Errorf("%s with %s: %s %+v, want fetch_error (%s)", path, fetcher, res.Outcome, res.Events, want)
			}
		}
	}
}

// TestBrowserFetcherWithoutChromium: a clear fetch_error saying how to
// install it, recorded like any failed fetch.
func TestBrowserFetcherWithoutChromium(t *testing.T) {
	srv := browserPages(t)
	rig := newFaultRig(t, srv.URL)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := browser.New(browser.Options{ExecPath: "/nonexistent/chromium"}, quiet)
	defer b.Close()
	checker := monitor.NewChecker(newTestFetcher(), rig.db, monitor.WithLogger(quiet), monitor.WithRenderer(b))
	res, err := checker.Check(context.Background(), monitor.Watch{Name: "needs-browser", URL: srv.URL + "/one", Fetcher: "browser"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != monitor.OutcomeFetchError || len(res.Events) != 1 {
		t.Fatalf("outcome %s, events %v; want one fetch_error", res.Outcome, res.Events)
	}
	if e := res.Events[0]; e.Reason != "no_browser" || !strings.Contains(e.Detail, "apt-get install chromium") {
		t.Errorf("event: reason %q, detail %q; want no_browser and how to install it", e.Reason, e.Detail)
	}
}

// TestBrowserSendsTheSameAcceptLanguageAsHTTP: a site that knows "fr" but
// not "fr-FR" serves its French policy to the browser too, as it does to
// plain HTTP, which falls back from the watch's tag to its base language.
func TestBrowserSendsTheSameAcceptLanguageAsHTTP(t *testing.T) {
	requireChromium(t)
	french := policyPage("fr", "Politique de confidentialité", "En vigueur à compter du 3 mars 2026",
		strings.Repeat("Nous collectons les contenus que vous créez et partagez, comme vos publications, vos photos et leurs légendes, et vos commentaires, ainsi que des informations sur votre appareil et votre position approximative. ", 6))
	english := policyPage("en", "Privacy Policy", strings.Repeat(longParagraph, 4))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		for tag := range strings.SplitSeq(r.Header.Get("Accept-Language"), ",") {
			if lang, _, _ := strings.Cut(strings.TrimSpace(tag), ";"); lang == "fr" {
				w.Write(french)
				return
			}
		}
		w.Write(english)
	}))
	t.Cleanup(srv.Close)
	rig := newFaultRig(t, srv.URL)
	checker, _ := newBrowserChecker(t, rig)
	for _, via := range []string{"http", "browser"} {
		res, err := checker.Check(context.Background(), monitor.Watch{Name: "fr-" + via, URL: srv.URL + "/", Fetcher: via, Language: "fr-FR"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != monitor.OutcomeBaseline {
			t.Errorf("%s fetcher: outcome %s, events %+v; want the French baseline", via, res.Outcome, res.Events)
		}
	}
}

// guardedFetcher is a fetch.Client whose DialForPage lets a page reach
// only its own server, as the real one lets a page of the internet reach
// only the internet (fetch's TestDialForPage; loopback is all a test has).
type guardedFetcher struct {
	*fetch.Client
	allowed string // host:port
}

func (f guardedFetcher) DialForPage(_ context.Context, pageURL string) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		if address != f.allowed {
			return nil, &fetch.Error{Kind: fetch.KindRedirectPrivate, URL: pageURL, Err: fmt.Errorf("the page asked the browser to connect to %s", address)}
		}
		var d net.Dialer
		return d.DialContext(ctx, network, address)
	}
}

// TestBrowserConnectsAsTheFetcherSays: a watch rendered by the browser
// connects through the fetcher's DialForPage: its page renders, and a
// redirect to another server is a fetch_error redirect_private, as for
// plain HTTP, that server never reached.
func TestBrowserConnectsAsTheFetcherSays(t *testing.T) {
	requireChromium(t)
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		fmt.Fprint(w, string(policyPage("en", "Router", strings.Repeat(longParagraph, 4))))
	}))
	t.Cleanup(other.Close)
	pages := browserPages(t)
	mux := http.NewServeMux()
	mux.Handle("/to-router", http.RedirectHandler(other.URL+"/admin", http.StatusFound))
	mux.Handle("/", pages.Config.Handler)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	rig := newFaultRig(t, srv.URL)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	b := browser.New(browser.Options{Timeout: 5 * time.Second, IdleTimeout: time.Minute, NetworkIdleCap: 2 * time.Second}, quiet)
	t.Cleanup(func() { b.Close() })
	fetcher := guardedFetcher{Client: newTestFetcher(), allowed: strings.TrimPrefix(srv.URL, "http://")}
	checker := monitor.NewChecker(fetcher, rig.db, monitor.WithLogger(quiet), monitor.WithRenderer(b))
	ctx := context.Background()

	res, err := checker.Check(ctx, monitor.Watch{Name: "shell", URL: srv.URL + "/shell", Fetcher: "browser"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != monitor.OutcomeBaseline {
		t.Fatalf("the page itself: %s (%v), want a baseline", res.Outcome, res.Err)
	}
	res, err = checker.Check(ctx, monitor.Watch{Name: "to-router", URL: srv.URL + "/to-router", Fetcher: "browser"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != monitor.OutcomeFetchError || len(res.Events) != 1 || res.Events[0].Reason != string(fetch.KindRedirectPrivate) {
		t.Errorf("a redirect to another server: %s %+v (%v), want a fetch_error %s", res.Outcome, res.Events, res.Err, fetch.KindRedirectPrivate)
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the other server was reached %d times", n)
	}
}
