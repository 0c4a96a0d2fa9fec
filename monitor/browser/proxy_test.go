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
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/syncbuf"
)

// errPrivate is what the tests' Dial answers for anything but the
// made-up public name.
var errPrivate = errors.New("a private address, refused")

// dialLog is what a Dial was asked for; the proxy dials concurrently.
type dialLog struct {
	mu        sync.Mutex
	addresses []string
}

func (l *dialLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.addresses, " ")
}

// publicOnly returns a Dial that connects "public.test" (any port) to
// srv and refuses everything else, as monitor/fetch's refuses private
// addresses to a page of the internet; dialed records what was asked.
func publicOnly(srv *httptest.Server, dialed *dialLog) DialFunc {
	var d net.Dialer
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		dialed.mu.Lock()
		dialed.addresses = append(dialed.addresses, address)
		dialed.mu.Unlock()
		host, _, err := net.SplitHostPort(address)
		if err != nil || host != "public.test" {
			return nil, fmt.Errorf("connecting to %s: %w", address, errPrivate)
		}
		return d.DialContext(ctx, network, srv.Listener.Addr().String())
	}
}

// TestRenderConnectsOnlyThroughDial: with Request.Dial, every connection
// of the page goes through it, loopback included (Chromium's own
// exception for it is taken away): a page on a public name renders, its
// frame, script and fetch of a loopback server are not made, and a
// redirect to one fails the render with Dial's refusal. The same page
// rendered without Dial does reach that server: the page is able to.
func TestRenderConnectsOnlyThroughDial(t *testing.T) {
	b := newBrowser(t, Options{})
	var privateHits atomic.Int32
	private, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		privateHits.Add(1)
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = io.WriteString(w, "/* the router's page */")
	}))
	mux := http.NewServeMux()
	mux.Handle("/", htmlHandler(fmt.Sprintf(`<p id="policy">A public page.</p>
<iframe src="%[1]s/frame"></iframe>
<script src="%[1]s/script.js"></script>
<script>fetch("%[1]s/fetch", {mode: "no-cors"}).catch(() => {})</script>`, private.URL)))
	mux.Handle("/redirect", http.RedirectHandler(private.URL+"/secret", http.StatusFound))
	public, _ := serve(t, mux)

	dialed := &dialLog{}
	p, err := b.Render(t.Context(), Request{URL: "http://public.test/", Dial: publicOnly(public, dialed)})
	if err != nil {
		t.Fatalf("render of the public page: %v", err)
	}
	if !strings.Contains(string(p.HTML), "A public page.") || p.Status != http.StatusOK {
		t.Errorf("status %d, HTML:\n%s", p.Status, p.HTML)
	}
	if n := privateHits.Load(); n != 0 {
		t.Errorf("the loopback server was reached %d times through a page rendered with Dial", n)
	}
	privateHost := strings.TrimPrefix(private.URL, "http://")
	if !strings.Contains(dialed.String(), privateHost) {
		t.Errorf("Dial was asked for %v, not for the loopback server %s the page loads from", dialed, privateHost)
	}
	// Nor does Chromium connect anywhere for itself from a render's
	// context (a preconnection to its search engine, AI Mode's
	// eligibility: session.go's disable-features).
	for _, address := range strings.Fields(dialed.String()) {
		if address != "public.test:80" && address != privateHost {
			t.Errorf("Dial was asked for %s, which the page does not load: Chromium's own connection (all: %v)", address, dialed)
		}
	}

	dialed = &dialLog{}
	_, err = b.Render(t.Context(), Request{URL: "http://public.test/redirect", Dial: publicOnly(public, dialed)})
	if !errors.Is(err, errPrivate) || !strings.Contains(err.Error(), privateHost) {
		t.Errorf("render of a redirect to loopback: %v, want an error wrapping Dial's refusal of %s", err, privateHost)
	}
	if n := privateHits.Load(); n != 0 {
		t.Errorf("the redirect reached the loopback server (%d requests)", n)
	}

	// Without Dial, the same page reaches it.
	if _, err := b.Render(t.Context(), Request{URL: public.URL + "/"}); err != nil {
		t.Fatal(err)
	}
	if privateHits.Load() == 0 {
		t.Error("the page rendered without Dial did not reach the loopback server: the test shows nothing")
	}
}

// TestProxyTunnelsThroughDial: the proxy's CONNECT (https) goes through
// Dial, byte for byte (TLS end to end with the server), and one Dial
// refuses is answered 502 and kept as the refusal; plain requests are
// forwarded with their body and status, a refused one ends the
// connection without a response (a network error to the browser, not a
// page).
func TestProxyTunnelsThroughDial(t *testing.T) {
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusTeapot)
		fmt.Fprintf(w, "over TLS: %s %s %q", r.Method, r.Host, body)
	}))
	defer tlsSrv.Close()
	var logged syncbuf.Buffer
	proxy, err := startGuardProxy(publicOnly(tlsSrv, &dialLog{}), slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug})), "https://public.test/p")
	if err != nil {
		t.Fatal(err)
	}
	defer proxy.close()
	proxyURL, _ := url.Parse(proxy.url())
	transport := tlsSrv.Client().Transport.(*http.Transport).Clone()
	transport.Proxy = http.ProxyURL(proxyURL)
	transport.TLSClientConfig.ServerName = "example.com" // what httptest's certificate names
	client := &http.Client{Transport: transport}

	resp, err := client.Post("https://public.test/p", "text/plain", strings.NewReader("sent"))
	if err != nil {
		t.Fatalf("https through the proxy: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot || string(body) != `over TLS: POST public.test "sent"` {
		t.Errorf("https through the proxy: %d %q", resp.StatusCode, body)
	}
	if proxy.refusalOf(nil) != nil {
		t.Errorf("a refusal noted where none was: %v", proxy.refusalOf(nil))
	}

	if _, err := client.Get("https://router.test/"); err == nil {
		t.Error("https to a refused name went through")
	}
	if !errors.Is(proxy.refusalOf(nil), errPrivate) {
		t.Errorf("refusal %v, want Dial's", proxy.refusalOf(nil))
	}

	plain := &http.Client{Transport: &http.Transport{Proxy: http.ProxyURL(proxyURL)}}
	if _, err := plain.Get("http://printer.test/"); err == nil || !strings.Contains(err.Error(), "EOF") {
		t.Errorf("plain http to a refused name: %v, want the connection ended without a response", err)
	}

	// The reason a render failed is the refusal of its document's
	// address, whichever came first; else the first.
	for _, c := range []struct {
		document []string
		want     string
	}{
		{nil, "router.test:443"},
		{[]string{"public.test:443", "printer.test:80"}, "printer.test:80"},
		{[]string{"printer.test:443"}, "router.test:443"},
	} {
		if err := proxy.refusalOf(c.document); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("refusal for a document asked of %v: %v, want %s's", c.document, err, c.want)
		}
	}

	// Each connection made and refused is logged with the page and the
	// proxy, so that renders side by side can be told apart.
	named := "page=https://public.test/p proxy=" + proxy.ln.Addr().String()
	for _, want := range []string{
		`level=DEBUG msg="browser: connected for the page" ` + named + " address=public.test:443",
		`level=INFO msg="browser: a connection the page asked for was not made" ` + named + " address=router.test:443",
		`level=INFO msg="browser: a connection the page asked for was not made" ` + named + " address=printer.test:80",
	} {
		if !strings.Contains(logged.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, logged.String())
		}
	}
}

// TestScriptNavigationThroughDialIsRefused: a script that sends the page
// to a loopback address after it loaded fails the render with Dial's
// refusal; what the browser then shows (its own error document) is not
// read as the page, and the loopback server is never reached.
func TestScriptNavigationThroughDialIsRefused(t *testing.T) {
	b := newBrowser(t, Options{NetworkIdleCap: 3 * time.Second})
	var privateHits atomic.Int32
	private, _ := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		privateHits.Add(1)
		htmlHandler("<p>the router's admin page</p>")(w, r)
	}))
	public, _ := serve(t, htmlHandler(fmt.Sprintf(`<p id="policy">A public page.</p>
<script>setTimeout(() => { location = "%s/admin" }, 100)</script>`, private.URL)))

	p, err := b.Render(t.Context(), Request{URL: "http://public.test/", Dial: publicOnly(public, &dialLog{})})
	if !errors.Is(err, errPrivate) {
		t.Errorf("render of a page that navigates to loopback: page %v, error %v; want an error wrapping Dial's refusal", p, err)
	}
	if n := privateHits.Load(); n != 0 {
		t.Errorf("the loopback server was reached %d times", n)
	}
}
