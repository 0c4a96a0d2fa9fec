package fetch

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"

	"golang.org/x/net/http/httpguts"
)

// DefaultUserAgent names the project so that a site operator who sees it in
// a log can find out who is asking.
const DefaultUserAgent = "policywatch/0.1 (+https://github.com/policywatch/policywatch)"

// accept is what a browser asks for, so that servers send the page a reader
// gets.
const accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

// Options configures a Client. Zero values mean the documented defaults.
type Options struct {
	UserAgent      string        // default DefaultUserAgent
	Timeout        time.Duration // total per attempt (connect + headers + body, all redirect hops); default 30s
	ConnectTimeout time.Duration // TCP connect and TLS handshake; default 10s
	MaxBody        int64         // bytes, on the wire and after undoing Content-Encoding; default 20 MiB
	MaxRedirects   int           // default 10; -1 follows none
	Retries        int           // extra attempts after a transient failure; default 3; -1 for none
	BackoffBase    time.Duration // ceiling of the first retry's wait, doubled for each next; default 2s
	BackoffMax     time.Duration // ceiling of any retry wait; default 2m

	// MaxRetryAfter is the longest Retry-After honoured within one Fetch.
	// Longer, Fetch gives up and reports it in Error.RetryAfter so that
	// the scheduler can come back later. Default 5m.
	MaxRetryAfter time.Duration

	// HostInterval is the least time between the starts of two requests
	// to one host (redirect hops included), across all goroutines using
	// the Client. 0 disables it. The waits do not count toward Timeout.
	//
	// Whatever HostInterval, a Retry-After a host answered (429, 503)
	// holds back the Client's other requests to that host too, for as
	// long as it asks but at most MaxRetryAfter: a request it would hold
	// back longer is not made, and its Fetch fails at once, as the one
	// told would, with an *Error of that status whose RetryAfter is what
	// is left of the host's.
	HostInterval time.Duration
}

func (o Options) withDefaults() Options {
	if o.UserAgent == "" {
		o.UserAgent = DefaultUserAgent
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = 10 * time.Second
	}
	if o.MaxBody <= 0 {
		o.MaxBody = 20 << 20
	}
	switch {
	case o.MaxRedirects == 0:
		o.MaxRedirects = 10
	case o.MaxRedirects < 0:
		o.MaxRedirects = 0
	}
	switch {
	case o.Retries == 0:
		o.Retries = 3
	case o.Retries < 0:
		o.Retries = 0
	}
	if o.BackoffBase <= 0 {
		o.BackoffBase = 2 * time.Second
	}
	if o.BackoffMax <= 0 {
		o.BackoffMax = 2 * time.Minute
	}
	if o.MaxRetryAfter <= 0 {
		o.MaxRetryAfter = 5 * time.Minute
	}
	return o
}

// Client fetches pages. It is safe for concurrent use; all its fetches share
// one connection pool and one per-host interval.
//
// A page asked of a public address is not followed by a redirect to a
// private one — loopback, a private network, link-local (a cloud's
// metadata service at 169.254.169.254), shared address space — so that a
// page on the internet cannot make a home server fetch, store and show
// its router's or its own pages as evidence. A page asked of a private
// address (an intranet's policy, a test server) may redirect anywhere.
// Each redirect's host is resolved before it is followed, and the
// connection it opens is refused if it goes to a private address all the
// same: a host whose DNS answer changed in between (DNS rebinding). Through
// a proxy (HTTP_PROXY, HTTPS_PROXY) the proxy connects, and only the
// first check applies; a redirect to a name that does not resolve, which
// the proxy would resolve its own way, is refused. A resolver that fails
// during the check is no answer: a transient dns error, retried.
type Client struct {
	opts  Options
	http  *http.Client
	hosts *hostGate

	// public says whether an address is on the internet at large (tests
	// pin it: they only have loopback); lookup resolves a host name.
	public func(netip.Addr) bool
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)

	// jitter picks the wait before a retry from [0, ceiling]; tests pin it.
	jitter func(ceiling time.Duration) time.Duration
}

// New returns a Client with opts, defaults filled in.
func New(opts Options) *Client {
	opts = opts.withDefaults()
	c := &Client{}
	dialer := &net.Dialer{Timeout: opts.ConnectTimeout, KeepAlive: 30 * time.Second, ControlContext: c.refusePrivate}
	transport := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            dialer.DialContext,
		TLSClientConfig:        &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:    opts.ConnectTimeout,
		ForceAttemptHTTP2:      true,
		DisableCompression:     true, // we ask for and undo encodings ourselves, capped
		MaxIdleConns:           64,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        90 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
	*c = Client{
		opts: opts,
		http: &http.Client{
			Transport: transport,
			// Redirects are followed in attempt, hop by hop, so that each
			// hop waits for its host's interval and is capped and recorded.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		hosts:  newHostGate(opts.HostInterval, opts.MaxRetryAfter),
		jitter: fullJitter,
		public: publicAddr,
		lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		},
	}
	return c
}

// publicOnlyKey marks the context of a hop that may connect to public
// addresses only: a redirect from a page asked of a public address.
type publicOnlyKey struct{}

// privateDialError is a connection refused by refusePrivate.
type privateDialError struct{ addr netip.Addr }

func (e *privateDialError) Error() string {
	return fmt.Sprintf("connecting to %s, a private address", e.addr)
}

// refusePrivate is the dialer's last word before it connects to an
// address: for a hop that may reach public addresses only, any other is
// refused, whatever the name resolved to when the redirect was checked.
func (c *Client) refusePrivate(ctx context.Context, _, address string, _ syscall.RawConn) error {
	if ctx.Value(publicOnlyKey{}) == nil {
		return nil
	}
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return nil // not an IP connection
	}
	if !c.public(ap.Addr()) {
		return &privateDialError{ap.Addr()}
	}
	return nil
}

// sharedAddressSpace is 100.64.0.0/10 (RFC 6598), a carrier's NAT: not
// the internet at large.
var sharedAddressSpace = netip.MustParsePrefix("100.64.0.0/10")

// publicAddr reports whether a is an address of the internet at large:
// not loopback, private, link-local, multicast, unspecified or shared.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsGlobalUnicast() && !a.IsPrivate() && !sharedAddressSpace.Contains(a)
}

// isPublic reports whether host (a name or an address) is public: for a
// name, whether every address it resolves to is. A name that does not
// resolve is not public; known says whether it resolved, and lookupErr
// why it did not.
func (c *Client) isPublic(ctx context.Context, host string) (public, known bool, private netip.Addr, lookupErr error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return c.public(a), true, a, nil
	}
	addrs, err := c.lookup(ctx, host)
	if err == nil && len(addrs) == 0 {
		err = &net.DNSError{Err: "no addresses", Name: host, IsNotFound: true}
	}
	if err != nil {
		return false, false, netip.Addr{}, err
	}
	for _, a := range addrs {
		if !c.public(a) {
			return false, true, a, nil
		}
	}
	return true, true, netip.Addr{}, nil
}

// lookupFailed is the Error of a check of host that could not be made
// because the resolver failed (timed out, or answered SERVFAIL): a
// transient dns error, retried, where "no such host" is an answer the
// caller judges itself. It is nil for any other err. status, when not 0,
// is the redirect's.
func lookupFailed(status int, host string, err error) *Error {
	if !resolverFailed(err) {
		return nil
	}
	err = fmt.Errorf("whether %s is a public address could not be checked: %w", host, err)
	if status != 0 {
		err = fmt.Errorf("HTTP %d redirects, and %w", status, err)
	}
	return &Error{Kind: KindDNS, Status: status, Err: err}
}

// proxied reports whether a request of u goes through a proxy, which
// then makes the connection to u's host.
func (c *Client) proxied(u *url.URL) bool {
	t, ok := c.http.Transport.(*http.Transport)
	if !ok || t.Proxy == nil {
		return false
	}
	p, err := t.Proxy(&http.Request{URL: u})
	return err == nil && p != nil
}

// CloseIdleConnections closes the pooled connections that are idle, for a
// clean shutdown.
func (c *Client) CloseIdleConnections() { c.http.CloseIdleConnections() }

// Request is one page to fetch.
type Request struct {
	URL string

	// Header holds extra request headers; they override the defaults
	// (User-Agent, Accept, Accept-Language) but not Accept-Encoding, which
	// the Client owns because it must undo what it asks for.
	Header map[string]string

	// Language is a BCP 47 tag sent as Accept-Language with its base
	// language as fallback: "fr-FR" becomes "fr-FR,fr;q=0.9".
	Language string

	// ETag and LastModified, from an earlier Response, make the request
	// conditional: an unchanged page answers 304 and Response.NotModified.
	ETag, LastModified string
}

// Attempt is one HTTP request made by Fetch, kept whether it worked or not.
// Redirect hops are part of one attempt.
type Attempt struct {
	Start    time.Time
	URL      string      // asked for
	FinalURL string      // the last hop's URL
	Status   int         // of the last hop; 0 if no response arrived
	Header   http.Header // of the last hop's response
	Bytes    int64       // body bytes received, before Content-Encoding was undone
	Duration time.Duration
	Err      string // "" when the attempt succeeded
}

// Response is a page fetched successfully.
type Response struct {
	URL, FinalURL string
	Status        int
	Header        http.Header
	ContentType   string

	// Body is the page as served with its Content-Encoding undone and its
	// charset untouched, because it is evidence; see DecodeCharset.
	Body []byte

	NotModified bool // the server answered 304 to a conditional request; Body is empty
}

// Fetch gets req.URL, retrying transient failures with exponential backoff
// and full jitter, and honouring Retry-After on 429 and 503 up to
// Options.MaxRetryAfter. It returns one Attempt per HTTP request it made, in
// every case. A failure is an *Error, except when ctx ends: then Fetch
// returns promptly with an error wrapping ctx's.
func (c *Client) Fetch(ctx context.Context, req Request) (*Response, []Attempt, error) {
	target, header, err := c.prepare(req)
	if err != nil {
		return nil, nil, &Error{Kind: KindInvalidRequest, URL: req.URL, Err: err}
	}
	conditional := req.ETag != "" || req.LastModified != ""

	var attempts []Attempt
	for n := 1; ; n++ {
		resp, attempt, fetchErr := c.attempt(ctx, target, header, conditional)
		if !attempt.Start.IsZero() {
			attempts = append(attempts, attempt)
		}
		if fetchErr == nil {
			return resp, attempts, nil
		}
		if ctx.Err() != nil {
			return nil, attempts, fmt.Errorf("GET %s: %w", req.URL, ctx.Err())
		}
		fetchErr.URL = req.URL
		fetchErr.Attempts = len(attempts)
		if !fetchErr.Transient() || n > c.opts.Retries || fetchErr.RetryAfter > c.opts.MaxRetryAfter {
			return nil, attempts, fetchErr
		}
		wait := c.jitter(backoffCeiling(c.opts.BackoffBase, c.opts.BackoffMax, n))
		if fetchErr.RetryAfter > 0 {
			wait = fetchErr.RetryAfter
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, attempts, fmt.Errorf("GET %s: waiting to retry after %s: %w", req.URL, fetchErr.summary(), err)
		}
	}
}

// prepare checks req and builds the headers every hop sends.
func (c *Client) prepare(req Request) (*url.URL, http.Header, error) {
	target, err := url.Parse(req.URL)
	if err != nil {
		return nil, nil, err
	}
	if target.Scheme != "http" && target.Scheme != "https" {
		return nil, nil, fmt.Errorf("scheme %q: only http and https are fetched", target.Scheme)
	}
	if target.Host == "" {
		return nil, nil, errors.New("URL has no host")
	}

	header := make(http.Header, 8)
	header.Set("User-Agent", c.opts.UserAgent)
	header.Set("Accept", accept)
	if req.Language != "" {
		header.Set("Accept-Language", AcceptLanguage(req.Language))
	}
	for name, value := range req.Header {
		header.Set(name, value)
	}
	header.Set("Accept-Encoding", acceptEncoding)
	if req.ETag != "" {
		header.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		header.Set("If-Modified-Since", req.LastModified)
	}
	for name, values := range header {
		if !httpguts.ValidHeaderFieldName(name) {
			return nil, nil, fmt.Errorf("invalid header name %q", name)
		}
		for _, v := range values {
			if !httpguts.ValidHeaderFieldValue(v) {
				return nil, nil, fmt.Errorf("invalid value for header %s: %q", name, v)
			}
		}
	}
	return target, header, nil
}

// AcceptLanguage turns a tag into an Accept-Language value that falls back
// to the tag's base language: "fr-FR" → "fr-FR,fr;q=0.9"; "fr" → "fr".
func AcceptLanguage(tag string) string {
	tag = strings.ReplaceAll(strings.TrimSpace(tag), "_", "-")
	base, _, found := strings.Cut(tag, "-")
	if !found || base == "" {
		return tag
	}
	return tag + "," + base + ";q=0.9"
}

// attempt makes one HTTP request, following redirects. The returned
// Attempt has a zero Start if ctx ended before any request was made.
func (c *Client) attempt(ctx context.Context, target *url.URL, header http.Header, conditional bool) (*Response, Attempt, *Error) {
	a := Attempt{URL: target.String(), FinalURL: target.String()}
	fail := func(e *Error) (*Response, Attempt, *Error) {
		if !a.Start.IsZero() {
			a.Duration = time.Since(a.Start)
		}
		a.Err = e.detail()
		return nil, a, e
	}

	// budget is what is left of Timeout: host waits between hops do not
	// count, network time does.
	budget := c.opts.Timeout
	header = header.Clone()
	var publicOrigin *bool // whether target's first host is public, known at the first redirect
	publicOnly := false    // this hop may connect to public addresses only (refusePrivate)
	for hop := 0; ; hop++ {
		start, err := c.hosts.wait(ctx, target.Hostname())
		var held *heldError
		if errors.As(err, &held) {
			// As the request would have been answered: the scheduler comes
			// back when the host asked, as for the fetch that was told.
			return fail(&Error{Kind: KindHTTPStatus, Status: held.status, RetryAfter: held.left, Err: held})
		}
		if err != nil {
			return fail(&Error{Kind: KindOther, Err: err})
		}
		if hop == 0 {
			a.Start = start
		}
		if budget <= 0 {
			return fail(&Error{Kind: KindTimeout, Err: fmt.Errorf("no response within %s", c.opts.Timeout)})
		}
		hopCtx, cancel := context.WithTimeout(ctx, budget)
		if publicOnly {
			hopCtx = context.WithValue(hopCtx, publicOnlyKey{}, true)
		}
		resp, final, err := c.hop(hopCtx, target, header)
		var private *privateDialError
		if errors.As(err, &private) {
			cancel()
			return fail(&Error{Kind: KindRedirectPrivate, Status: a.Status,
				Err: fmt.Errorf("the redirect to %q connected to %s, a private address, though its name resolved to public ones when the redirect was checked; the page was asked of a public address", target.Redacted(), private.addr)})
		}
		if err != nil {
			cancel()
			e := classify(hopCtx, err)
			if errors.Is(hopCtx.Err(), context.DeadlineExceeded) {
				e.Err = fmt.Errorf("no response within %s: %w", c.opts.Timeout, e.Err)
			}
			return fail(e)
		}
		a.Status, a.Header = resp.StatusCode, resp.Header

		if !final {
			drain(resp.Body)
			cancel()
			budget -= time.Since(start)
			if hop >= c.opts.MaxRedirects {
				return fail(&Error{Kind: KindRedirectLoop, Status: resp.StatusCode,
					Err: fmt.Errorf("more than %d redirects, the last to %q", hop, resp.Header.Get("Location"))})
			}
			next, err := nextHop(target, resp)
			if err != nil {
				return fail(&Error{Kind: KindOther, Status: resp.StatusCode, Err: err})
			}
			if publicOrigin == nil {
				public, _, _, err := c.isPublic(ctx, target.Hostname())
				if e := lookupFailed(resp.StatusCode, target.Hostname(), err); e != nil {
					// Not knowing whether the page is public would leave
					// its redirects unchecked: try again later.
					return fail(e)
				}
				publicOrigin = &public
			}
			// A name that does not resolve is left to the connection to
			// report (and to refusePrivate), unless a proxy makes the
			// connection: the proxy resolves the name its own way ("127.1"
			// is 127.0.0.1 to getaddrinfo, no name to Go's resolver),
			// unchecked; then a resolver that failed is no answer either
			// way, and the fetch is retried.
			public, known, addr, err := c.isPublic(ctx, next.Hostname())
			if *publicOrigin && c.proxied(next) {
				if e := lookupFailed(resp.StatusCode, next.Hostname(), err); e != nil {
					return fail(e)
				}
			}
			if *publicOrigin && known && !public {
				return fail(&Error{Kind: KindRedirectPrivate, Status: resp.StatusCode,
					Err: fmt.Errorf("HTTP %d redirects to %q, which is %s; the page was asked of a public address", resp.StatusCode, next.Redacted(), addr)})
			}
			if *publicOrigin && !known && c.proxied(next) {
				return fail(&Error{Kind: KindRedirectPrivate, Status: resp.StatusCode,
					Err: fmt.Errorf("HTTP %d redirects to %q, whose name does not resolve here, and the proxy would connect wherever it resolves it to; the page was asked of a public address", resp.StatusCode, next.Redacted())})
			}
			if *publicOrigin && !c.proxied(next) {
				publicOnly = true
			}
			if next.Host != target.Host {
				// As net/http does: credentials stay with their host.
				for _, h := range []string{"Authorization", "Www-Authenticate", "Cookie", "Cookie2", "Proxy-Authorization"} {
					header.Del(h)
				}
			}
			target = next
			a.FinalURL = target.String()
			continue
		}

		r, wireBytes, e := c.finish(hopCtx, resp, conditional)
		cancel()
		a.Bytes = wireBytes
		if e != nil {
			// The host's other pages wait as this one does (or give up,
			// as it does beyond MaxRetryAfter), rather than be asked
			// at once and told the same.
			c.hosts.hold(target.Hostname(), e.Status, e.RetryAfter)
			return fail(e)
		}
		a.Duration = time.Since(a.Start)
		r.URL, r.FinalURL = a.URL, a.FinalURL
		return r, a, nil
	}
}

// hop sends one request and reports whether its response is the final one
// (not a redirect to follow).
func (c *Client) hop(ctx context.Context, target *url.URL, header http.Header) (*http.Response, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target.String(), nil)
	if err != nil {
		return nil, false, err
	}
	req.Header = header
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, false, err
	}
	switch resp.StatusCode {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return resp, resp.Header.Get("Location") == "", nil
	}
	return resp, true, nil
}

// nextHop resolves the Location of a redirect against the URL that sent it.
func nextHop(from *url.URL, resp *http.Response) (*url.URL, error) {
	loc := resp.Header.Get("Location")
	next, err := from.Parse(loc)
	if err != nil {
		return nil, fmt.Errorf("HTTP %d with a bad Location %q: %w", resp.StatusCode, loc, err)
	}
	if next.Scheme != "http" && next.Scheme != "https" {
		return nil, fmt.Errorf("HTTP %d redirects to %q: only http and https are followed", resp.StatusCode, loc)
	}
	return next, nil
}

// finish turns the final response into a Response or an error, reading the
// body only when it is wanted, and says how many body bytes came over the
// wire.
func (c *Client) finish(ctx context.Context, resp *http.Response, conditional bool) (*Response, int64, *Error) {
	r := &Response{
		Status:      resp.StatusCode,
		Header:      resp.Header,
		ContentType: resp.Header.Get("Content-Type"),
	}
	switch {
	case resp.StatusCode == http.StatusNotModified && conditional:
		drain(resp.Body)
		r.NotModified = true
		return r, 0, nil
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		drain(resp.Body)
		e := &Error{Kind: KindHTTPStatus, Status: resp.StatusCode}
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
			e.RetryAfter = RetryAfter(resp.Header, time.Now())
		}
		return nil, 0, e
	}

	body, wireBytes, bodyErr := readBody(resp, c.opts.MaxBody)
	_ = resp.Body.Close() // unread data (over the cap) closes the connection rather than draining it
	if bodyErr != nil {
		e := &Error{Kind: bodyErr.kind, Status: resp.StatusCode, Err: bodyErr.err}
		if bodyErr.kind == "" {
			e = classify(ctx, bodyErr.err)
			e.Status = resp.StatusCode
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				e.Err = fmt.Errorf("body not complete within %s: %w", c.opts.Timeout, e.Err)
			}
		}
		return nil, wireBytes, e
	}
	r.Body = body
	return r, wireBytes, nil
}
