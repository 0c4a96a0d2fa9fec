package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"slices"
	"sync"
	"time"

	"github.com/chromedp/cdproto/target"
)

// DialFunc makes a connection for a page (Request.Dial).
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// guardProxy is a forward proxy on loopback that one render's browser
// context sends every request through (Request.Dial): the document, its
// redirects, frames, scripts, workers and their requests alike, whatever
// process of Chromium makes them. The connections are made by dial, which
// decides what the page may reach; the browser resolves no name itself.
// Intercepting requests over DevTools instead (Fetch.enable) sees only the
// tab's own process, not out-of-process frames or workers.
type guardProxy struct {
	dial DialFunc
	log  *slog.Logger
	ln   net.Listener
	srv  *http.Server
	out  *http.Transport // forwards plain http requests

	// ctx ends the tunnels when the render is over.
	ctx    context.Context
	cancel context.CancelFunc

	mu       sync.Mutex
	refusals []refusal      // the first connections dial refused, at most maxRefusals
	closed   bool           // close has begun: no tunnel is added
	tunnels  sync.WaitGroup // added to under mu, while not closed (see addTunnel)
}

// refusal is a connection dial did not make.
type refusal struct {
	address string // host:port, as the browser asked
	err     error
}

// maxRefusals bounds what a page that asks for thousands of refused
// connections makes the proxy keep.
const maxRefusals = 16

// proxyIdleTimeout closes the keep-alive connections the browser leaves
// open to the proxy, and the forwarded ones.
const proxyIdleTimeout = 30 * time.Second

// startGuardProxy starts the proxy of a render of page. Its log lines name
// the page and the proxy's address: renders run side by side, and a
// connection refused or made must be told apart by render.
func startGuardProxy(dial DialFunc, log *slog.Logger, page string) (*guardProxy, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("browser: starting the proxy the page's connections go through: %w", err)
	}
	log = log.With("page", page, "proxy", ln.Addr().String())
	p := &guardProxy{dial: dial, log: log, ln: ln}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.out = &http.Transport{
		DialContext:           p.dialNoting,
		Proxy:                 nil, // dial decides; see Request.Dial
		DisableCompression:    true,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       proxyIdleTimeout,
		ResponseHeaderTimeout: time.Minute,
	}
	forward := &httputil.ReverseProxy{
		// The request goes where the browser asked, as it asked: Rewrite
		// (not Director) adds no X-Forwarded headers.
		Rewrite: func(r *httputil.ProxyRequest) {
			r.Out.URL = r.In.URL
			r.Out.Host = r.In.Host
		},
		Transport:    p.out,
		ErrorHandler: p.forwardFailed,
		ErrorLog:     slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	p.srv = &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch {
			case r.Method == http.MethodConnect:
				p.tunnel(w, r)
			case r.URL.IsAbs():
				forward.ServeHTTP(w, r)
			default:
				http.Error(w, "a proxy: absolute URLs only", http.StatusBadRequest)
			}
		}),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       proxyIdleTimeout,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

// url is the proxy's address as a browser context's proxyServer.
func (p *guardProxy) url() string { return "http://" + p.ln.Addr().String() }

// browserContext makes a render's browser context use the proxy for every
// request: "<-loopback>" takes away Chromium's own exception for
// localhost and loopback addresses, which would let a page reach them
// directly.
func (p *guardProxy) browserContext(params *target.CreateBrowserContextParams) {
	params.ProxyServer = p.url()
	params.ProxyBypassList = "<-loopback>"
}

// dialNoting dials with p.dial and keeps the first refusals. Each
// connection made is logged at debug level, as plain HTTP's requests are
// (-v): what a render reached.
func (p *guardProxy) dialNoting(ctx context.Context, network, address string) (net.Conn, error) {
	conn, err := p.dial(ctx, network, address)
	if err == nil {
		p.log.Debug("browser: connected for the page", "address", address)
	}
	if err != nil && ctx.Err() == nil {
		p.mu.Lock()
		if len(p.refusals) < maxRefusals {
			p.refusals = append(p.refusals, refusal{address: address, err: err})
		}
		p.mu.Unlock()
		p.log.Info("browser: a connection the page asked for was not made", "address", address, "err", err)
	}
	return conn, err
}

// refusalOf says why a render failed, if a connection was refused: the
// first refusal of an address the document was asked of (its URL, a
// redirect's target), else the first refusal of any, or nil. A refusal of
// a connection the page did not need (an ad's script, or Chromium's own
// preconnection to its search engine) is no reason for a document that
// failed to load.
func (p *guardProxy) refusalOf(documentAddresses []string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, r := range p.refusals {
		if slices.Contains(documentAddresses, r.address) {
			return r.err
		}
	}
	if len(p.refusals) > 0 {
		return p.refusals[0].err
	}
	return nil
}

// forwardFailed answers a request that could not be forwarded by closing
// the browser's connection: Chromium reads that as a network error
// (net::ERR_EMPTY_RESPONSE), where an error page of the proxy's would be
// rendered, and kept, as the site's.
func (p *guardProxy) forwardFailed(w http.ResponseWriter, r *http.Request, err error) {
	if rc := http.NewResponseController(w); rc != nil {
		if conn, _, herr := rc.Hijack(); herr == nil {
			conn.Close()
			return
		}
	}
	w.WriteHeader(http.StatusBadGateway)
}

// tunnel answers CONNECT (https, WebSockets over TLS): the bytes go both
// ways between the browser and the connection dial made, unread.
func (p *guardProxy) tunnel(w http.ResponseWriter, r *http.Request) {
	upstream, err := p.dialNoting(r.Context(), "tcp", r.Host)
	if err != nil {
		// Chromium: net::ERR_TUNNEL_CONNECTION_FAILED.
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	conn, buffered, err := http.NewResponseController(w).Hijack()
	if err != nil {
		upstream.Close()
		return
	}
	if !p.addTunnel() {
		conn.Close()
		upstream.Close()
		return
	}
	if _, err := conn.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
		conn.Close()
		upstream.Close()
		p.tunnels.Done()
		return
	}
	go func() {
		defer p.tunnels.Done()
		stop := context.AfterFunc(p.ctx, func() {
			conn.Close()
			upstream.Close()
		})
		defer stop()
		done := make(chan struct{})
		go func() {
			// What the browser sent after the CONNECT, already read.
			if n := buffered.Reader.Buffered(); n > 0 {
				head, _ := buffered.Reader.Peek(n)
				if _, err := upstream.Write(head); err != nil {
					conn.Close()
				}
			}
			_, _ = io.Copy(upstream, conn)
			closeWrite(upstream)
			close(done)
		}()
		_, _ = io.Copy(conn, upstream)
		closeWrite(conn)
		<-done
		conn.Close()
		upstream.Close()
	}()
}

// addTunnel counts a tunnel in p.tunnels, unless close has begun. A
// CONNECT's handler can hijack its connection as close begins: the
// server's Shutdown forgets hijacked connections, and close went on to
// wait for the tunnels while the handler was about to add one, an Add
// concurrent with Wait (the race detector's report, under
// TestOverlappingRendersThroughDialLeaveNothingBehind), and a tunnel
// nobody waited for.
func (p *guardProxy) addTunnel() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.tunnels.Add(1)
	return true
}

// closeWrite half-closes a TCP connection, so that the other side reads
// the end of what was sent.
func closeWrite(c net.Conn) {
	if tc, ok := c.(interface{ CloseWrite() error }); ok {
		_ = tc.CloseWrite()
		return
	}
	c.Close()
}

// close stops the proxy and ends its connections and tunnels.
func (p *guardProxy) close() {
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.cancel()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if err := p.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		p.log.Debug("browser: closing the proxy", "err", err)
	}
	_ = p.srv.Close()
	p.out.CloseIdleConnections()
	p.tunnels.Wait()
}
