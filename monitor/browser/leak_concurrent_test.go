package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/cdproto/security"
	"github.com/chromedp/chromedp"
)

// TestOverlappingRendersThroughDialLeaveNothingBehind renders batches of
// pages through a Dial at once, more of them than Options.MaxTabs so that
// some wait for a tab while others close theirs: pages that render, hold a
// fetch and a WebSocket open over http and https, reach a tarpit, are
// redirected where Dial refuses, are never answered, or are given up by
// the caller a few milliseconds in. The daemon renders MaxTabs pages at
// once, each with a proxy and a browser context of its own; a clean-up
// that only works when renders take turns would leak there, and a render
// could be handed another's tab or proxy. So every render must return,
// with its own page or the error its page calls for, and once the tabs are
// closed the process and Chromium must hold no more than before.
func TestOverlappingRendersThroughDialLeaveNothingBehind(t *testing.T) {
	const (
		tabs    = 2
		batches = 3
	)
	b := newBrowser(t, Options{MaxTabs: tabs, IdleTimeout: 10 * time.Minute, Timeout: 15 * time.Second})

	// Registered before the servers, so that it is closed after them: a
	// leaked connection to it must not hold up their Close.
	tp := startTarpit(t)

	// The caller of a render may give up when its page asks for a given
	// path, so that it gives up in its tab, however long the renders
	// ahead of it in the queue for a tab took.
	mux := http.NewServeMux()
	var hooksMu sync.Mutex
	hooks := map[string]func(){} // marker and path → the caller giving up
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hooksMu.Lock()
		giveUp := hooks[r.FormValue("m")+" "+r.URL.Path]
		hooksMu.Unlock()
		if giveUp != nil {
			giveUp()
		}
		mux.ServeHTTP(w, r)
	})
	tlsSrv := httptest.NewUnstartedServer(handler)
	tlsSrv.Config.ErrorLog = slog.NewLogLogger(testLogger(t).Handler(), slog.LevelDebug)
	tlsSrv.StartTLS()
	t.Cleanup(tlsSrv.Close)
	plain, release := serve(t, handler)

	// Every page writes the marker of the render that asked for it, so
	// that a page read in another render's tab shows. Its script comes
	// after <body>: the body of a page whose script is its only content
	// is made only when the parser is told the document has ended, which
	// may come after the refusals of /ok's fetches (a millisecond each),
	// and the page's document.body.insertAdjacentHTML then threw on null
	// and its render waited for #policy until its timeout (1 run in 20
	// under load; every time with the end of the page held back).
	marked := func(script string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			htmlHandler(fmt.Sprintf("<!doctype html><body><script>const marker = %q;\n%s</script>", r.FormValue("m"), script))(w, r)
		}
	}
	mux.Handle("/ok", marked(`
Promise.allSettled([
	fetch("http://router.test/", {mode: "no-cors"}),
	fetch("https://router.test/", {mode: "no-cors"}),
]).then(() => document.body.insertAdjacentHTML("beforeend", '<p id="policy">refusals seen ' + marker + '</p>'));`))
	mux.Handle("/held", marked(`
window.held = [];
const socket = new Promise((open, fail) => {
	const ws = new WebSocket(location.origin.replace("http", "ws") + "/ws?m=" + marker);
	window.held.push(ws);
	ws.onopen = open;
	ws.onerror = () => fail(new Error("WebSocket failed"));
});
const body = fetch("/endless?m=" + marker).then(r => { const reader = r.body.getReader(); window.held.push(reader); return reader.read(); });
Promise.all([socket, body]).then(
	() => document.body.insertAdjacentHTML("beforeend", '<p id="policy">held open ' + marker + '</p>'),
	e => document.body.insertAdjacentHTML("beforeend", '<p id="policy">not held: ' + e + '</p>'));`))
	mux.HandleFunc("/ws", holdWebSocket(release))
	mux.HandleFunc("/endless", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = io.WriteString(w, "the first part")
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	// Each tarpit page reaches the tarpit under a name of its own, since
	// the tarpit's count is shared by the renders in flight.
	mux.Handle("/tarpit", marked(`
fetch("http://" + marker + ".tarpit.test/", {mode: "no-cors"});
fetch("https://" + marker + ".tarpit.test/", {mode: "no-cors"});
fetch("/tarpit-reached?m=" + marker).then(r => r.text()).then(text =>
	document.body.insertAdjacentHTML("beforeend", '<p id="policy">' + text + ' ' + marker + '</p>'));`))
	var dialedMu sync.Mutex
	dialed := map[string]bool{} // tarpit addresses
	mux.HandleFunc("/tarpit-reached", func(w http.ResponseWriter, r *http.Request) {
		m := r.FormValue("m")
		for {
			dialedMu.Lock()
			both := dialed[m+".tarpit.test:80"] && dialed[m+".tarpit.test:443"]
			dialedMu.Unlock()
			if both {
				break
			}
			select {
			case <-r.Context().Done():
				return
			case <-release:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
		_, _ = io.WriteString(w, "tarpit reached")
	})
	mux.Handle("/redirect", http.RedirectHandler("http://router.test/admin", http.StatusFound))
	mux.HandleFunc("/unanswered", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})

	var d net.Dialer
	routes := map[string]string{
		"public.test:80":  plain.Listener.Addr().String(),
		"public.test:443": tlsSrv.Listener.Addr().String(),
	}
	dial := func(ctx context.Context, network, address string) (net.Conn, error) {
		to, ok := routes[address]
		if host, p, _ := net.SplitHostPort(address); strings.HasSuffix(host, ".tarpit.test") && (p == "80" || p == "443") {
			to, ok = tp.Addr().String(), true
		}
		if !ok {
			return nil, fmt.Errorf("connecting to %s: %w", address, errPrivate)
		}
		conn, err := d.DialContext(ctx, network, to)
		if err == nil && to == tp.Addr().String() {
			dialedMu.Lock()
			dialed[address] = true
			dialedMu.Unlock()
		}
		return conn, err
	}
	ports := map[string]string{
		port(plain.Listener.Addr()):  "the page server",
		port(tlsSrv.Listener.Addr()): "the TLS page server",
		port(tp.Addr()):              "the tarpit",
	}

	warmUp, err := b.Render(t.Context(), Request{URL: "http://public.test/ok?m=warm", WaitSelectors: []string{"#policy"}, Dial: dial})
	if err != nil {
		t.Fatalf("warm-up render: %v", err)
	}
	if !strings.Contains(string(warmUp.HTML), "refusals seen warm") {
		t.Fatalf("warm-up render:\n%s", warmUp.HTML)
	}
	waitTabsClosed(t, b)
	if _, err := chromedp.CallBrowser(sessionContext(t, b), security.SetIgnoreCertificateErrors, security.SetIgnoreCertificateErrorsParams{Ignore: true}); err != nil {
		t.Fatalf("ignoring certificate errors: %v", err)
	}
	baseline := settle(t, b, tp, ports)
	t.Logf("baseline after the warm-up: %s", baseline)

	type render struct {
		path   string
		https  bool
		giveUp time.Duration // the caller's deadline, from the start of the batch; 0: none
		// The caller gives up after cancelAfter once the page asks for
		// cancelOn, if not "".
		cancelOn    string
		cancelAfter time.Duration
		want        string // the page's text before its marker, when it renders
		err         error  // what the render fails with, else nil
		either      bool   // given up so early or so late that the page may render, or not
	}
	renders := []render{
		{path: "/ok", want: "refusals seen"},
		{path: "/held", want: "held open"},
		{path: "/held", https: true, want: "held open"},
		{path: "/tarpit", want: "tarpit reached"},
		{path: "/redirect", err: errPrivate},
		// Its deadline counts the wait for a tab, so it may end there
		// as well as in its own tab: both must leave nothing.
		{path: "/unanswered", giveUp: 1500 * time.Millisecond, err: context.DeadlineExceeded},
		{path: "/ok", giveUp: 2 * time.Millisecond, err: context.DeadlineExceeded},
		{path: "/ok", cancelOn: "/ok", cancelAfter: 5 * time.Millisecond, err: context.Canceled, want: "refusals seen", either: true},
		// Given up before the server answers what the page needs to
		// render: its connections are open through the proxy.
		{path: "/held", cancelOn: "/endless", err: context.Canceled},
		{path: "/held", https: true, cancelOn: "/ws", err: context.Canceled},
		{path: "/tarpit", https: true, cancelOn: "/tarpit-reached", err: context.Canceled},
	}
	if len(renders) <= tabs {
		t.Fatal("no render would wait for a tab")
	}

	var stages []string // where given-up renders ended, to show what the batches did
	for batch := range batches {
		start := time.Now()
		var inFlight, most atomic.Int32
		type result struct {
			url  string
			page *Page
			err  error
		}
		results := make([]result, len(renders))
		var wg sync.WaitGroup
		for i := range renders {
			// Each batch starts them in another order, so that other
			// renders wait for a tab.
			i := (i + batch*4) % len(renders)
			c := renders[i]
			scheme := "http"
			if c.https {
				scheme = "https"
			}
			marker := fmt.Sprintf("b%dr%d", batch, i)
			url := fmt.Sprintf("%s://public.test%s?m=%s", scheme, c.path, marker)
			results[i].url = url
			wg.Go(func() {
				limit := 30 * time.Second
				if c.giveUp > 0 {
					limit = c.giveUp
				}
				ctx, cancel := context.WithTimeout(t.Context(), limit)
				defer cancel()
				if c.cancelOn != "" {
					hooksMu.Lock()
					hooks[marker+" "+c.cancelOn] = func() {
						if c.cancelAfter == 0 {
							cancel()
						} else {
							time.AfterFunc(c.cancelAfter, cancel)
						}
					}
					hooksMu.Unlock()
				}
				n := inFlight.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				results[i].page, results[i].err = b.Render(ctx, Request{URL: url, WaitSelectors: []string{"#policy"}, Dial: dial})
				inFlight.Add(-1)
			})
		}
		returned := make(chan struct{})
		go func() {
			wg.Wait()
			close(returned)
		}()
		select {
		case <-returned:
		case <-time.After(40 * time.Second):
			// Render returns when ctx is done: none may outlive its 30s.
			for _, r := range results {
				if r.page == nil && r.err == nil {
					t.Errorf("batch %d: render of %s has not returned", batch, r.url)
				}
			}
			t.FailNow()
		}
		if n := most.Load(); n <= tabs {
			t.Errorf("batch %d: at most %d renders were in flight at once, no more than the %d tabs", batch, n, tabs)
		}

		for i, c := range renders {
			r := results[i]
			marker := r.url[strings.LastIndex(r.url, "=")+1:]
			switch {
			case r.err != nil && (c.err == nil || !errors.Is(r.err, c.err)):
				t.Errorf("batch %d: %s: %v; want %v", batch, r.url, r.err, c.err)
			case r.err != nil && slices.ContainsFunc(results, func(o result) bool { return o.url != r.url && strings.Contains(r.err.Error(), o.url+":") }):
				t.Errorf("batch %d: %s: the error is another render's: %v", batch, r.url, r.err)
			case r.err != nil:
				if c.giveUp > 0 || c.cancelOn != "" {
					stage, _, _ := strings.Cut(strings.Replace(r.err.Error(), r.url+": ", "", 1), ": context")
					stages = append(stages, c.path+": "+stage)
				}
			case r.page == nil:
				t.Errorf("batch %d: %s: no page and no error", batch, r.url)
			case c.err != nil && !c.either:
				t.Errorf("batch %d: %s rendered; want an error wrapping %v", batch, r.url, c.err)
			case r.page.URL != r.url || r.page.FinalURL != r.url:
				t.Errorf("batch %d: %s came back as the page of %s, read at %s", batch, r.url, r.page.URL, r.page.FinalURL)
			case !strings.Contains(string(r.page.HTML), `<p id="policy">`+c.want+" "+marker+"</p>"):
				// Without it the page is another render's, or the
				// connections its case is about were not open when the
				// render ended.
				t.Errorf("batch %d: the page of %s does not say %q:\n%s", batch, r.url, c.want+" "+marker, r.page.HTML)
			}
		}
		waitTabsClosed(t, b)
		t.Logf("batch %d: %d renders, at most %d in flight, done in %v", batch, len(renders), most.Load(), time.Since(start).Round(time.Millisecond))
		waitNothingLeft(t, b, tp, ports, baseline)
		if t.Failed() {
			break
		}
	}
	t.Logf("given-up renders ended: %q", stages)
}
