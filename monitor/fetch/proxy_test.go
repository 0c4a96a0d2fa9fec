package fetch

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"golang.org/x/net/http/httpproxy"
)

// The tests of this file fetch through a forwarding proxy (plain http in
// absolute form, https through CONNECT) listening on 127.0.0.3, a private
// address as a home server's squid on the LAN would be. As in
// TestRedirectFromPublicToPrivateIsRefused, the client takes 127.0.0.1
// for public and the rest of loopback for private. The names:
//
//	                      the client's check    where a connection goes
//	public.example.com    127.0.0.1             127.0.0.1
//	www.example.com       127.0.0.1             127.0.0.1
//	private.example.com   127.0.0.2             127.0.0.2
//	rebind.example.com    127.0.0.1             127.0.0.2 (DNS rebinding)
//	127.2                 no such host          127.0.0.2 for the proxy, which
//	                                            resolves as getaddrinfo does
//
// (*.example.com because httptest's certificate names them.) The page on
// 127.0.0.1 is "<p>policy</p>"; the one on 127.0.0.2, "<p>router</p>".
const (
	proxyPolicy = "<p>policy</p>"
	proxyRouter = "<p>router</p>"
)

// proxyWorld is the servers the proxy tests fetch from.
type proxyWorld struct {
	proxy *forwardProxy

	public, publicTLS, private string // port of each server
	routerHits                 atomic.Int64
	roots                      *x509.CertPool
}

// connectTo is where a connection to host goes, whoever makes it.
func connectTo(host string) (string, bool) {
	switch host {
	case "public.example.com", "www.example.com":
		return "127.0.0.1", true
	case "private.example.com", "rebind.example.com":
		return "127.0.0.2", true
	}
	return "", false
}

// listenOn starts h on addr, with TLS if asked, and returns its port;
// configure, if not nil, sets the server up before it starts.
func listenOn(t *testing.T, addr string, h http.Handler, withTLS bool, configure func(*http.Server)) (*httptest.Server, string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	if configure != nil {
		configure(srv.Config)
	}
	if withTLS {
		srv.StartTLS()
	} else {
		srv.Start()
	}
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return srv, port
}

func newProxyWorld(t *testing.T) *proxyWorld {
	w := &proxyWorld{}
	public := http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if to := r.URL.Query().Get("to"); to != "" {
			http.Redirect(rw, r, to, http.StatusFound)
			return
		}
		_, _ = io.WriteString(rw, proxyPolicy)
	})
	_, w.public = listenOn(t, "127.0.0.1:0", public, false, nil)
	tlsSrv, port := listenOn(t, "127.0.0.1:0", public, true, nil)
	w.publicTLS = port
	w.roots = x509.NewCertPool()
	w.roots.AddCert(tlsSrv.Certificate())
	_, w.private = listenOn(t, "127.0.0.2:0", http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		w.routerHits.Add(1)
		_, _ = io.WriteString(rw, proxyRouter)
	}), false, nil)
	w.proxy = startForwardProxy(t)
	return w
}

// client returns a Client whose proxy settings are those of the
// environment cfg (HTTP_PROXY, HTTPS_PROXY, NO_PROXY; "PROXY" stands for
// the proxy's URL), resolved as net/http resolves the real environment's
// (http.ProxyFromEnvironment reads the environment once a process, so
// t.Setenv would not reach it).
// Its connections are made by its own dialer, which refuses private
// addresses where the hop's context says so; dialed records their
// addresses.
func (w *proxyWorld) client(cfg httpproxy.Config, dialed *[]string) *Client {
	for _, s := range []*string{&cfg.HTTPProxy, &cfg.HTTPSProxy} {
		*s = strings.ReplaceAll(*s, "PROXY", w.proxy.url)
	}
	c := New(testOptions())
	onLoopback(c, map[string][]string{
		"public.example.com":  {"127.0.0.1"},
		"www.example.com":     {"127.0.0.1"},
		"rebind.example.com":  {"127.0.0.1"},
		"private.example.com": {"127.0.0.2"},
	})
	transport := c.http.Transport.(*http.Transport)
	transport.TLSClientConfig.RootCAs = w.roots
	proxyFor := cfg.ProxyFunc()
	transport.Proxy = func(r *http.Request) (*url.URL, error) { return proxyFor(r.URL) }
	dial := transport.DialContext // New's: refusePrivate has the last word
	var mu sync.Mutex
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		mu.Lock()
		*dialed = append(*dialed, addr)
		mu.Unlock()
		if host, port, err := net.SplitHostPort(addr); err == nil {
			if ip, ok := connectTo(host); ok {
				addr = net.JoinHostPort(ip, port)
			}
		}
		return dial(ctx, network, addr)
	}
	return c
}

// forwardProxy is a forwarding HTTP proxy: it forwards absolute-form
// requests with an http.Transport and splices CONNECT tunnels, connecting
// where connectTo says, or where getaddrinfo would ("127.2"), without
// checking anything, as squid would. It closes the connection after each
// forwarded response, so that every hop of a fetch dials it anew.
type forwardProxy struct {
	url, addr string // "http://127.0.0.3:port", "127.0.0.3:port"

	mu    sync.Mutex
	asked []string // "GET http://…", "CONNECT host:port"
	conns int      // connections accepted

	forward *http.Transport
	spliced []net.Conn // both ends of every tunnel
	tunnels sync.WaitGroup
}

func (p *forwardProxy) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if host, port, err := net.SplitHostPort(addr); err == nil {
		if ip, ok := connectTo(host); ok {
			addr = net.JoinHostPort(ip, port)
		} else if host == "127.2" { // inet_aton's 127.0.0.2
			addr = net.JoinHostPort("127.0.0.2", port)
		}
	}
	return (&net.Dialer{}).DialContext(ctx, network, addr)
}

func startForwardProxy(t *testing.T) *forwardProxy {
	p := &forwardProxy{}
	p.forward = &http.Transport{DialContext: p.dial} // no Proxy: it connects itself
	t.Cleanup(p.forward.CloseIdleConnections)
	srv, _ := listenOn(t, "127.0.0.3:0", p, false, func(s *http.Server) {
		s.SetKeepAlivesEnabled(false)
		s.ConnState = func(_ net.Conn, state http.ConnState) {
			if state == http.StateNew {
				p.mu.Lock()
				p.conns++
				p.mu.Unlock()
			}
		}
	})
	t.Cleanup(func() {
		p.mu.Lock()
		for _, c := range p.spliced {
			c.Close()
		}
		p.mu.Unlock()
		p.tunnels.Wait()
	})
	p.addr = srv.Listener.Addr().String()
	p.url = "http://" + p.addr
	return p
}

func (p *forwardProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodConnect {
		p.note("CONNECT " + r.Host)
		p.tunnel(w, r)
		return
	}
	if !r.URL.IsAbs() {
		http.Error(w, "a proxy is asked for absolute URLs", http.StatusBadRequest)
		return
	}
	p.note(r.Method + " " + r.URL.String())
	out := r.Clone(r.Context())
	out.RequestURI = ""
	out.Header.Del("Proxy-Connection")
	out.Header.Del("Connection")
	resp, err := p.forward.RoundTrip(out)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for name, values := range resp.Header {
		w.Header()[name] = values
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

func (p *forwardProxy) tunnel(w http.ResponseWriter, r *http.Request) {
	upstream, err := p.dial(r.Context(), "tcp", r.Host)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	conn, buffered, err := http.NewResponseController(w).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	if _, err := io.WriteString(conn, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		conn.Close()
		upstream.Close()
		return
	}
	p.mu.Lock()
	p.spliced = append(p.spliced, conn, upstream)
	p.mu.Unlock()
	p.tunnels.Add(2)
	go func() {
		defer p.tunnels.Done()
		_, _ = io.Copy(upstream, buffered.Reader) // what the client sent after CONNECT, then the rest
		upstream.Close()
		conn.Close()
	}()
	go func() {
		defer p.tunnels.Done()
		_, _ = io.Copy(conn, upstream)
		conn.Close()
		upstream.Close()
	}()
}

func (p *forwardProxy) note(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.asked = append(p.asked, s)
}

// seen returns what the proxy was asked and how many connections it
// accepted since the last call.
func (p *forwardProxy) seen() (asked []string, conns int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	asked, conns = p.asked, p.conns
	p.asked, p.conns = nil, 0
	return asked, conns
}

// bothProxies is HTTP_PROXY and HTTPS_PROXY set to the proxy.
var bothProxies = httpproxy.Config{HTTPProxy: "PROXY", HTTPSProxy: "PROXY"}

// TestFetchThroughProxy: a watch of a public address fetched through a
// proxy on a private address works, redirect hops included: the proxy
// makes the connections to the pages, so the client's connections, all to
// the proxy, are not held to the public-only rule of a redirect hop. The
// proxy saw every request and the client connected to nothing else; the
// proxy closes its connections, so the redirect hop connected to it anew,
// with the hop's context.
func TestFetchThroughProxy(t *testing.T) {
	w := newProxyWorld(t)
	var dialed []string
	client := w.client(bothProxies, &dialed)
	t.Cleanup(client.CloseIdleConnections)
	proxyAddr := netip.MustParseAddrPort(w.proxy.addr).Addr()
	if client.public(proxyAddr) {
		t.Fatalf("the proxy's address %s is public to the client; the test needs a private one", proxyAddr)
	}

	for _, tc := range []struct {
		name, url, final string
		asked            []string
	}{
		{"http", "http://public.example.com:" + w.public + "/?to=http://www.example.com:" + w.public + "/policy",
			"http://www.example.com:" + w.public + "/policy",
			[]string{
				"GET http://public.example.com:" + w.public + "/?to=http://www.example.com:" + w.public + "/policy",
				"GET http://www.example.com:" + w.public + "/policy",
			}},
		{"https", "https://public.example.com:" + w.publicTLS + "/?to=https://www.example.com:" + w.publicTLS + "/policy",
			"https://www.example.com:" + w.publicTLS + "/policy",
			[]string{"CONNECT public.example.com:" + w.publicTLS, "CONNECT www.example.com:" + w.publicTLS}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dialed = nil
			resp, attempts, err := client.Fetch(t.Context(), Request{URL: tc.url})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if string(resp.Body) != proxyPolicy || resp.FinalURL != tc.final || len(attempts) != 1 {
				t.Errorf("body %q from %s in %d attempts, want %q from %s in 1", resp.Body, resp.FinalURL, len(attempts), proxyPolicy, tc.final)
			}
			asked, conns := w.proxy.seen()
			if !slices.Equal(asked, tc.asked) {
				t.Errorf("the proxy was asked %q, want %q", asked, tc.asked)
			}
			if want := []string{w.proxy.addr, w.proxy.addr}; !slices.Equal(dialed, want) || conns != 2 {
				t.Errorf("the client dialed %q and the proxy accepted %d connections, want %q and 2", dialed, conns, want)
			}
		})
	}
}

// TestRedirectToPrivateThroughProxyIsRefused: through a proxy the page's
// redirects are still held to the rule on their names (see Client): a
// redirect from a public name to a name of a private address, or to a name
// that does not resolve here and that the proxy would resolve its own way
// ("127.2", which getaddrinfo reads as 127.0.0.2 and Go's resolver as a
// name that does not exist), is refused before the proxy is asked for it.
// What the name-based check cannot see it does not stop: a name whose
// answer changes from the check to the proxy's connection (DNS rebinding)
// leads the proxy where it likes, as the Client's doc says.
func TestRedirectToPrivateThroughProxyIsRefused(t *testing.T) {
	w := newProxyWorld(t)
	var dialed []string
	client := w.client(bothProxies, &dialed)
	t.Cleanup(client.CloseIdleConnections)

	for _, tc := range []struct {
		name, from, to string
		first          string // what the proxy is asked
		says           string
	}{
		{"http to a name with a private address", "http://public.example.com:" + w.public, "http://private.example.com:" + w.private + "/",
			"GET http://public.example.com:" + w.public + "/?to=http://private.example.com:" + w.private + "/",
			"HTTP 302 redirects to \"http://private.example.com:" + w.private + "/\", which is 127.0.0.2"},
		{"https to a name with a private address", "https://public.example.com:" + w.publicTLS, "https://private.example.com:" + w.private + "/",
			"CONNECT public.example.com:" + w.publicTLS,
			"HTTP 302 redirects to \"https://private.example.com:" + w.private + "/\", which is 127.0.0.2"},
		{"http to a name that does not resolve here", "http://public.example.com:" + w.public, "http://127.2:" + w.private + "/",
			"GET http://public.example.com:" + w.public + "/?to=http://127.2:" + w.private + "/",
			"HTTP 302 redirects to \"http://127.2:" + w.private + "/\", whose name does not resolve here"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.routerHits.Store(0)
			w.proxy.seen()
			_, attempts, err := client.Fetch(t.Context(), Request{URL: tc.from + "/?to=" + tc.to})
			var fe *Error
			if !errors.As(err, &fe) || fe.Kind != KindRedirectPrivate || fe.Transient() || fe.Status != http.StatusFound {
				t.Fatalf("Fetch: %v, want a redirect_private error, not retried", err)
			}
			if len(attempts) != 1 || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%d attempts, error %q, want 1 saying %q", len(attempts), err, tc.says)
			}
			if asked, _ := w.proxy.seen(); !slices.Equal(asked, []string{tc.first}) {
				t.Errorf("the proxy was asked %q, want only %q", asked, tc.first)
			}
			if n := w.routerHits.Load(); n != 0 {
				t.Errorf("the private page was served %d times", n)
			}
		})
	}

	t.Run("to a name whose answer changes, the proxy connects", func(t *testing.T) {
		w.proxy.seen()
		to := "http://rebind.example.com:" + w.private + "/"
		resp, _, err := client.Fetch(t.Context(), Request{URL: "http://public.example.com:" + w.public + "/?to=" + to})
		if err != nil || string(resp.Body) != proxyRouter {
			t.Fatalf("Fetch: %v; want the page the proxy connected to", err)
		}
		if asked, _ := w.proxy.seen(); len(asked) != 2 || asked[1] != "GET "+to {
			t.Errorf("the proxy was asked %q, want the redirect's page second", asked)
		}
	})
}

// TestRedirectWhoseNameCannotBeCheckedIsRetried: through a proxy, a
// resolver that fails (times out, answers SERVFAIL) while a redirect is
// checked, on the redirect's name or on the page's own, says nothing of
// where the redirect leads: the attempt fails as a transient dns error and
// is retried, where a name that does not exist is refused for good (see
// TestRedirectToPrivateThroughProxyIsRefused).
func TestRedirectWhoseNameCannotBeCheckedIsRetried(t *testing.T) {
	w := newProxyWorld(t)
	var dialed []string
	client := w.client(bothProxies, &dialed)
	t.Cleanup(client.CloseIdleConnections)
	resolve := client.lookup
	var failing atomic.Value // the name whose next lookup fails
	client.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
		if failing.CompareAndSwap(host, "") {
			return nil, &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}
		}
		return resolve(ctx, host)
	}
	from := "http://public.example.com:" + w.public + "/?to=http://www.example.com:" + w.public + "/policy"
	for _, name := range []string{"www.example.com", "public.example.com"} {
		t.Run("lookup of "+name+" fails once", func(t *testing.T) {
			failing.Store(name)
			resp, attempts, err := client.Fetch(t.Context(), Request{URL: from})
			if err != nil {
				t.Fatalf("Fetch: %v, want the page after a retry", err)
			}
			if string(resp.Body) != proxyPolicy || len(attempts) != 2 {
				t.Fatalf("body %q in %d attempts, want %q in 2", resp.Body, len(attempts), proxyPolicy)
			}
			if want := "server misbehaving"; !strings.Contains(attempts[0].Err, want) || !strings.Contains(attempts[0].Err, name) {
				t.Errorf("first attempt's error %q, want it to name %s and say %q", attempts[0].Err, name, want)
			}
		})
	}
	t.Run("lookup keeps failing", func(t *testing.T) {
		client.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
			if host == "www.example.com" {
				return nil, &net.DNSError{Err: "i/o timeout", Name: host, IsTimeout: true}
			}
			return resolve(t.Context(), host)
		}
		_, attempts, err := client.Fetch(t.Context(), Request{URL: from})
		var fe *Error
		if !errors.As(err, &fe) || fe.Kind != KindDNS || !fe.Transient() || fe.Status != http.StatusFound {
			t.Fatalf("Fetch: %v, want a transient dns error after the 302", err)
		}
		if len(attempts) != 3 {
			t.Errorf("%d attempts, want 3 (2 retries)", len(attempts))
		}
	})
}

// TestRedirectPastTheProxyIsCheckedAtTheConnection: whether a hop goes
// through the proxy is decided hop by hop, as net/http decides it. A
// redirect the proxy settings leave to the client (NO_PROXY lists its
// host; it is http and only HTTPS_PROXY is set) is connected to by the
// client, and held to the rule at the connection again: a name whose
// answer changes to a private address between the check and the
// connection (DNS rebinding) is refused there, the proxy having seen only
// the first page.
func TestRedirectPastTheProxyIsCheckedAtTheConnection(t *testing.T) {
	w := newProxyWorld(t)
	to := "http://rebind.example.com:" + w.private + "/"
	for _, tc := range []struct {
		name  string
		cfg   httpproxy.Config
		from  string
		first string // what the proxy is asked
	}{
		{"NO_PROXY", httpproxy.Config{HTTPProxy: "PROXY", HTTPSProxy: "PROXY", NoProxy: "rebind.example.com"},
			"http://public.example.com:" + w.public + "/?to=" + to, "GET http://public.example.com:" + w.public + "/?to=" + to},
		{"HTTPS_PROXY only", httpproxy.Config{HTTPSProxy: "PROXY"},
			"https://public.example.com:" + w.publicTLS + "/?to=" + to, "CONNECT public.example.com:" + w.publicTLS},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w.routerHits.Store(0)
			var dialed []string
			client := w.client(tc.cfg, &dialed)
			t.Cleanup(client.CloseIdleConnections)
			_, attempts, err := client.Fetch(t.Context(), Request{URL: tc.from})
			var fe *Error
			if !errors.As(err, &fe) || fe.Kind != KindRedirectPrivate || fe.Transient() || fe.Status != http.StatusFound {
				t.Fatalf("Fetch: %v, want a redirect_private error, not retried", err)
			}
			says := `the redirect to "` + to + `" connected to 127.0.0.2, a private address, though its name resolved to public ones`
			if len(attempts) != 1 || !strings.Contains(err.Error(), says) {
				t.Errorf("%d attempts, error %q, want 1 saying %q", len(attempts), err, says)
			}
			if want := []string{w.proxy.addr, "rebind.example.com:" + w.private}; !slices.Equal(dialed, want) {
				t.Errorf("the client dialed %q, want %q", dialed, want)
			}
			if asked, _ := w.proxy.seen(); !slices.Equal(asked, []string{tc.first}) {
				t.Errorf("the proxy was asked %q, want only %q", asked, tc.first)
			}
			if n := w.routerHits.Load(); n != 0 {
				t.Errorf("the private page was served %d times", n)
			}
		})
	}
}
