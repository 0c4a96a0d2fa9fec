package browser

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// ErrNoBrowser is returned by Render when no Chromium executable can be
// found. Errors that wrap it also say where Render looked.
var ErrNoBrowser = errors.New("no Chromium found: install it with `apt-get install chromium` on Debian/Ubuntu, or set settings.browser_path")

// ErrClosed is returned by Render after Close.
var ErrClosed = errors.New("browser: closed")

// ErrTooLarge is returned by Render when the rendered DOM is larger than
// Options.MaxBytes.
var ErrTooLarge = errors.New("rendered page is larger than the cap")

// Options configures a Browser. Zero values mean the documented defaults.
type Options struct {
	// ExecPath is the Chromium executable, a path or a name looked up on
	// PATH. "" looks for chromium, chromium-browser, google-chrome and
	// google-chrome-stable on PATH.
	ExecPath string

	// MaxTabs is how many pages are rendered at once; more Render calls
	// wait for a free tab. Default 2: each tab is a renderer process of
	// 50–150 MB.
	MaxTabs int

	// IdleTimeout closes the browser process after this long without a
	// Render in progress. Default 2m.
	IdleTimeout time.Duration

	// Timeout bounds one page, from opening its tab to reading its DOM.
	// Waiting for a free tab and starting the browser do not count.
	// Default 45s.
	Timeout time.Duration

	// NetworkIdleCap is the longest wait, after the document has loaded,
	// for the network to go idle when a Request has no WaitSelectors.
	// Pages that poll or stream never go idle; they are read when the cap
	// runs out. Default 10s.
	NetworkIdleCap time.Duration

	// UserAgent replaces Chromium's User-Agent for every page. "" keeps
	// Chromium's own: looking like a real browser is the point of this
	// fetcher.
	UserAgent string

	// MaxBytes caps the size of the rendered DOM (UTF-8). Default 20 MiB.
	MaxBytes int64

	// netLog, set by tests only, is a file Chromium writes its net log
	// to (--log-net-log): every request of every network context of the
	// process, its own included, and where each connection went.
	netLog string
}

func (o Options) withDefaults() Options {
	if o.MaxTabs <= 0 {
		o.MaxTabs = 2
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 2 * time.Minute
	}
	if o.Timeout <= 0 {
		o.Timeout = 45 * time.Second
	}
	if o.NetworkIdleCap <= 0 {
		o.NetworkIdleCap = 10 * time.Second
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = 20 << 20
	}
	return o
}

// Request is one page to render.
type Request struct {
	URL string // http or https

	// Header holds extra request headers, sent with every request the
	// page makes (the document, its scripts and their XHRs alike). An
	// Accept-Language here overrides Language, as in fetch.Request.
	Header map[string]string

	// Language is sent as Accept-Language, e.g. "en-US,en;q=0.9".
	Language string

	// WaitSelectors are CSS selectors; the page is read as soon as an
	// element matching any of them is visible. Without them the page is
	// read once the network has been idle for 500 ms, or after
	// Options.NetworkIdleCap.
	WaitSelectors []string

	// Dial, if not nil, makes every connection of the page: the
	// document's, its redirects', and those of its frames, scripts and
	// workers, which the render's browser context sends through a proxy
	// on loopback of its own (the browser then resolves no name itself).
	// It decides what the page may reach: a page of the internet need
	// not reach the machine's own network. A connection it refuses fails
	// that request in the browser; when the render fails, its error
	// wraps Dial's first refusal. nil: the browser connects as it will.
	Dial DialFunc
}

// Page is a rendered page.
type Page struct {
	URL      string // as requested
	FinalURL string // of the document that was read, after redirects

	// Status and Header are those of the main document's HTTP response
	// (the last one, after redirects). Render returns a Page for any
	// status; an error page rendered by the site is still a page.
	Status int
	Header http.Header

	// HTML is the serialised DOM of the rendered document (doctype and
	// outerHTML of the root element), in UTF-8 whatever the page's
	// charset was.
	HTML []byte

	BrowserVersion string // e.g. "HeadlessChrome/156.0.8078.108"
}

// Browser renders pages in a shared headless Chromium. Its methods are safe
// for concurrent use. The zero value is not usable; call New.
type Browser struct {
	opts Options
	log  *slog.Logger
	tabs chan struct{} // semaphore: one token per open tab

	// wg counts Render calls until their tab is closed, browser starts
	// and shutdowns. Close waits for them.
	wg sync.WaitGroup

	mu      sync.Mutex
	sess    *session    // nil when no browser process is wanted
	active  int         // Render calls holding sess
	idle    *time.Timer // closes sess when it fires; nil while active
	idleGen uint64      // invalidates idle timers that fired late
	closed  bool
}

// New returns a Browser. It starts nothing: the browser process is started
// by the first Render. log may be nil.
func New(opts Options, log *slog.Logger) *Browser {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	opts = opts.withDefaults()
	return &Browser{
		opts: opts,
		log:  log,
		tabs: make(chan struct{}, opts.MaxTabs),
	}
}

// Render loads req.URL in a new tab, waits for it to render (see Request)
// and returns its DOM. It starts the browser process if none is running.
//
// A page that is not ready within Options.Timeout fails with an error
// wrapping context.DeadlineExceeded; a DOM over Options.MaxBytes with
// ErrTooLarge; a missing Chromium with ErrNoBrowser. Render returns when
// ctx is done, whatever the page is doing.
func (b *Browser) Render(ctx context.Context, req Request) (*Page, error) {
	if err := checkURL(req.URL); err != nil {
		return nil, err
	}
	select {
	case b.tabs <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("browser: %s: waiting for a free tab: %w", req.URL, ctx.Err())
	}
	s, err := b.acquire(ctx)
	if err != nil {
		<-b.tabs
		return nil, err
	}
	p, closeTab, err := s.render(ctx, req)
	// The tab keeps its token and the browser until it is closed, so that
	// MaxTabs bounds open tabs and the idle timer cannot kill a closing
	// one; the caller does not wait for that.
	go func() {
		closeTab()
		<-b.tabs
		b.release()
	}()
	return p, err
}

// checkURL refuses anything but absolute http and https URLs: file:,
// chrome: and friends would let a watch list read the local machine.
func checkURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("browser: bad URL: %w", err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("browser: %q: only absolute http and https URLs can be rendered", raw)
	}
	return nil
}

// acquire returns a started browser session, starting one if there is none
// or the last one died, and marks it in use until release. Uses are
// counted in wg too, so that Close waits for them.
func (b *Browser) acquire(ctx context.Context) (*session, error) {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil, ErrClosed
	}
	if s := b.sess; s != nil && s.failed() {
		b.sess = nil
		b.shutdownAsync(s, "it exited")
	}
	s := b.sess
	if s == nil {
		s = newSession(b.opts, b.log)
		b.sess = s
		b.wg.Go(s.start)
	}
	b.active++
	b.wg.Add(1)
	if b.idle != nil {
		b.idle.Stop()
		b.idle = nil
	}
	b.mu.Unlock()

	// When the start has ended as ctx is done, select picks either case
	// at random; a start that has ended decides instead, whichever case
	// was picked: a failed one is dropped and its error returned
	// (ErrNoBrowser says more than the caller's timeout, and the checker
	// reports it as such), a started browser is handed over (render ends
	// at once, with ctx's error). Only a start still under way is left
	// to the next Render, and the caller gets ctx's error.
	select {
	case <-s.ready:
	case <-ctx.Done():
		if !s.started() {
			b.release()
			return nil, fmt.Errorf("browser: waiting for Chromium to start: %w", ctx.Err())
		}
	}
	if s.err != nil {
		b.mu.Lock()
		if b.sess == s {
			b.sess = nil // the next Render tries again
		}
		b.mu.Unlock()
		b.release()
		return nil, s.err
	}
	return s, nil
}

// release ends one use of the session and, when it was the last, arms the
// idle timer.
func (b *Browser) release() {
	defer b.wg.Done()
	b.mu.Lock()
	defer b.mu.Unlock()
	b.active--
	if b.active > 0 || b.closed || b.sess == nil {
		return
	}
	b.idleGen++
	gen := b.idleGen
	b.idle = time.AfterFunc(b.opts.IdleTimeout, func() { b.closeIdle(gen) })
}

// closeIdle shuts the browser down if nothing has used it since the timer
// of generation gen was armed.
func (b *Browser) closeIdle(gen uint64) {
	b.mu.Lock()
	if gen != b.idleGen || b.active > 0 || b.closed || b.sess == nil {
		b.mu.Unlock()
		return
	}
	s := b.sess
	b.sess = nil
	b.idle = nil
	b.wg.Add(1) // under mu, so that Close cannot miss it
	b.mu.Unlock()
	defer b.wg.Done()
	b.shutdown(s, "idle")
}

// shutdownAsync shuts s down in the background. b.mu must be held.
func (b *Browser) shutdownAsync(s *session, reason string) {
	b.wg.Go(func() { b.shutdown(s, reason) })
}

func (b *Browser) shutdown(s *session, reason string) {
	if err := s.shutdown(); err != nil {
		b.log.Warn("browser: shutting Chromium down", "reason", reason, "pid", s.pid, "err", err)
		return
	}
	if s.err == nil {
		b.log.Info("browser: Chromium stopped", "reason", reason, "pid", s.pid)
	}
}

// Close stops the browser process, if any, and waits until it and its
// temporary profile are gone. Render calls in progress fail. Close is
// idempotent.
func (b *Browser) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		b.wg.Wait()
		return nil
	}
	b.closed = true
	if b.idle != nil {
		b.idle.Stop()
		b.idle = nil
	}
	s := b.sess
	b.sess = nil
	b.mu.Unlock()

	var err error
	if s != nil {
		err = s.shutdown()
	}
	b.wg.Wait()
	return err
}

// Running reports whether a browser process is alive.
func (b *Browser) Running() bool {
	return b.PID() != 0
}

// PID is the process id of the running browser, or 0.
func (b *Browser) PID() int {
	b.mu.Lock()
	s := b.sess
	b.mu.Unlock()
	if s == nil || !s.started() || s.failed() {
		return 0
	}
	return s.pid
}
