package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
)

// Reader is what the web view reads of the history. *store.DB satisfies
// it.
type Reader interface {
	// Watches summarises every watch the history knows.
	Watches(ctx context.Context) ([]monitor.WatchSummary, error)
	// HasWatch says whether the history knows a watch of that name.
	HasWatch(ctx context.Context, name string) (bool, error)
	// Events lists the events f selects.
	Events(ctx context.Context, f monitor.EventFilter) ([]monitor.Event, error)
	// Event returns one event.
	Event(ctx context.Context, id int64) (*monitor.Event, error)
	// Versions lists a watch's versions, oldest first, without their text.
	Versions(ctx context.Context, watch string) ([]monitor.Version, error)
	// Version returns one version with its text, links and facts.
	Version(ctx context.Context, id int64) (*monitor.Version, error)
	// Body returns a raw response body, byte for byte.
	Body(ctx context.Context, id int64) (*monitor.Body, error)
	// Checks returns a watch's last checks, newest first.
	Checks(ctx context.Context, watch string, limit int) ([]monitor.Check, error)
	// ChangeTimes returns the times of each watch's change and revert
	// events at or after since, oldest first.
	ChangeTimes(ctx context.Context, since time.Time) (map[string][]time.Time, error)
	// ImportedVersions returns the ids of a watch's versions that
	// policywatch import first recorded, not a fetch.
	ImportedVersions(ctx context.Context, watch string) (map[int64]bool, error)

	// What /metrics reads: aggregates counted by the database, so that the
	// figures are the history's, whichever process recorded the checks
	// (the daemon, or a `policywatch check` beside it), and survive
	// restarts.

	// CheckCounts counts each watch's recorded checks by outcome.
	CheckCounts(ctx context.Context) (map[string]map[monitor.Outcome]int64, error)
	// EventCounts counts each watch's events by kind.
	EventCounts(ctx context.Context) (map[string]map[monitor.EventKind]int64, error)
	// FetchLatency buckets each watch's HTTP attempts by duration, on the
	// bounds the history keeps them by: counts[w][i] in (bounds[i-1],
	// bounds[i]], the last one above every bound; sums[w] their total.
	FetchLatency(ctx context.Context) (bounds []time.Duration, counts map[string][]uint64, sums map[string]time.Duration, err error)
	// Size is the database's size in bytes; /healthz reads it to know the
	// database answers (/metrics reports DiskSize).
	Size(ctx context.Context) (int64, error)
	// DiskSize is what the database takes on disk: its file and its
	// write-ahead log.
	DiskSize() (int64, error)
	// NotificationCounts counts the outbox's notifications pending and
	// failed, by status and channel.
	NotificationCounts(ctx context.Context) (map[string]map[string]int64, error)
}

// Server is the web view. Its zero value is not usable; call New.
type Server struct {
	cfg      Config
	reader   Reader
	log      *slog.Logger
	now      func() time.Time
	watches  []monitor.Watch
	notFound error
	taxonomy *analyze.Taxonomy

	public      *http.ServeMux // routes that need no credentials
	private     *http.ServeMux // routes behind authentication, when configured
	crossOrigin *http.CrossOriginProtection
	handler     http.Handler

	pages  map[string]*template.Template
	assets map[string]string // asset name → URL with a content hash
	feeds  atomic.Bool       // a mounted handler serves /feeds/all.atom
	bufs   sync.Pool         // *bytes.Buffer of rendered pages
	diffs  chan struct{}     // held while a change view's diff is made
	health func() error      // see WithHealth
}

// Option configures a Server.
type Option func(*Server)

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(s *Server) { s.log = l } }

// WithClock sets the clock that dates "now" (the overview's bars of
// changes end at the current month).
func WithClock(now func() time.Time) Option { return func(s *Server) { s.now = now } }

// WithWatches lists the configured watches, so that the overview shows
// those never checked yet, with their URLs. Watches the history knows
// but the configuration no longer lists are shown too, marked as no
// longer watched ("retired": true in /api/watches); without this option
// no watch is. A watch filter of /api/events that names neither kind of
// watch is answered 404.
func WithWatches(ws []monitor.Watch) Option {
	return func(s *Server) { s.watches = append([]monitor.Watch(nil), ws...) }
}

// WithNotFound names the error the Reader wraps for a row that does not
// exist (store.ErrNotFound): such reads are answered 404 Not Found rather
// than 500.
func WithNotFound(err error) Option { return func(s *Server) { s.notFound = err } }

// WithHealth sets what /healthz asks beyond the database being readable:
// an error (the daemon cannot record its checks) makes it answer 503 with
// the error. nil, the default: nothing more.
func WithHealth(f func() error) Option { return func(s *Server) { s.health = f } }

// WithTaxonomy sets the taxonomy whose labels name the ids of analyses
// (default analyze.DefaultTaxonomy()).
func WithTaxonomy(t *analyze.Taxonomy) Option { return func(s *Server) { s.taxonomy = t } }

// New returns the web view of the history r reads. It fails when cfg is
// invalid, in particular when it listens beyond loopback without
// authentication (ErrAuthRequired).
func New(cfg Config, r Reader, opts ...Option) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if r == nil {
		return nil, errors.New("web: no reader")
	}
	s := &Server{
		cfg: cfg, reader: r, log: slog.Default(), now: time.Now,
		public: http.NewServeMux(), private: http.NewServeMux(),
		bufs:  sync.Pool{New: func() any { return new(bytes.Buffer) }},
		diffs: make(chan struct{}, 1),
	}
	for _, o := range opts {
		o(s)
	}
	if s.taxonomy == nil {
		s.taxonomy = analyze.DefaultTaxonomy()
	}
	var err error
	if s.assets, err = assetURLs(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	if s.pages, err = s.parseTemplates(); err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}

	var private http.Handler = s.private
	if cfg.Auth.Enabled() {
		private = newAuthenticator(cfg.Auth).middleware(s.private)
	}
	s.routes()
	// The public mux is the root: its own few routes, and everything else
	// through authentication to the private one.
	s.public.Handle("/", private)
	s.public.HandleFunc("GET /healthz", s.healthz)
	// Cross-origin protection refuses state-changing requests (POST…) that
	// a browser sends from another site: the CSRF defence of every form,
	// including those of mounted handlers. The web view's own pages are
	// GET only and change nothing.
	s.crossOrigin = http.NewCrossOriginProtection()
	var h http.Handler = s.crossOrigin.Handler(s.public)
	if !cfg.Auth.Enabled() {
		h = hostGuard(cfg.Hosts, h)
	}
	s.handler = secureHeaders(h)
	return s, nil
}

// routes registers the web view's own pages.
func (s *Server) routes() {
	m := s.private
	m.HandleFunc("GET /{$}", s.page(s.overview))
	m.HandleFunc("GET /watches/{watch}", s.page(s.timeline))
	m.HandleFunc("GET /events/{id}", s.page(s.eventPage))
	m.HandleFunc("GET /versions/{id}", s.page(s.versionPage))
	m.HandleFunc("GET /versions/{id}/text", s.page(s.versionText))
	m.HandleFunc("GET /versions/{id}/raw", s.page(s.rawBody))
	m.HandleFunc("GET /events/{id}/raw", s.page(s.eventRawBody))
	m.HandleFunc("GET /versions/{id}/evidence.zip", s.page(s.evidence))
	m.HandleFunc("GET /api/watches", s.page(s.apiWatches))
	m.HandleFunc("GET /api/events", s.page(s.apiEvents))
	m.HandleFunc("GET /api/versions/{id}", s.page(s.apiVersion))
	m.HandleFunc("GET /metrics", s.metrics)
	m.Handle("GET /static/", staticHandler())
	m.HandleFunc("GET /favicon.ico", favicon) // asked for by browsers showing text/plain
	m.HandleFunc("/", s.page(s.noRoute))
}

// noRoute answers a request no route took. The catch-all "/" matches
// every method, so ServeMux's own 405 never happens: a POST to a page or
// a mounted feed that is read with GET would be "not found", which it is
// not.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request) error {
	if r.Method != http.MethodGet && r.Method != http.MethodHead && s.servesGET(r.URL.Path) {
		w.Header().Set("Allow", "GET, HEAD")
		return &statusError{http.StatusMethodNotAllowed, fmt.Sprintf("%s is read with GET; %s is not allowed here.", r.URL.Path, r.Method)}
	}
	return notFoundf("There is no page at this address.")
}

// servesGET reports whether a route other than the catch-all serves a GET
// of path: a page, or a mounted handler.
func (s *Server) servesGET(path string) bool {
	probe := &http.Request{Method: http.MethodGet, URL: &url.URL{Path: path}, Host: "localhost"}
	for _, m := range []*http.ServeMux{s.private, s.public} {
		if _, pattern := m.Handler(probe); pattern != "" && pattern != "/" {
			return true
		}
	}
	return false
}

// Handle mounts h at pattern (http.ServeMux syntax), behind the same
// authentication as the web view's pages: for the alert feeds
// ("/feeds/"). Call it before serving.
func (s *Server) Handle(pattern string, h http.Handler) {
	s.private.Handle(pattern, h)
	s.noteFeeds()
}

// HandlePublic mounts h at pattern without authentication: for links
// people follow from an email without credentials ("GET /unsubscribe"),
// which must carry their own proof. Call it before serving.
func (s *Server) HandlePublic(pattern string, h http.Handler) {
	s.public.Handle(pattern, h)
	s.noteFeeds()
}

// HandleSigned mounts h at pattern as HandlePublic does, for requests that
// carry their own proof in the URL (a signed token): a browser's request
// from another site is let through, since forging one needs that proof
// anyway. RFC 8058's one-click unsubscribe is a POST a webmail may send
// from its own origin. Call it before serving.
func (s *Server) HandleSigned(pattern string, h http.Handler) {
	s.public.Handle(pattern, h)
	s.crossOrigin.AddInsecureBypassPattern(pattern)
	s.noteFeeds()
}

// noteFeeds records whether a mounted handler serves the feeds, so that
// pages link to them only then.
func (s *Server) noteFeeds() {
	if s.servesGET("/feeds/all.atom") {
		s.feeds.Store(true)
	}
}

// ServeHTTP serves the web view and the mounted handlers.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// shutdownGrace is how long Run lets requests in flight finish.
const shutdownGrace = 10 * time.Second

// Run listens on the configured address and serves until ctx is done,
// then shuts down gracefully.
func (s *Server) Run(ctx context.Context) error {
	addr := s.cfg.listenAddr()
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("web: listen on %s: %w", addr, err)
	}
	return s.Serve(ctx, ln)
}

// Serve serves on ln until ctx is done, then shuts down gracefully. It
// closes ln.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute, // evidence bundles of large pages
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelWarn),
	}
	s.log.Info("web view listening", "url", "http://"+ln.Addr().String()+"/", "auth", s.cfg.Auth.Enabled())
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return fmt.Errorf("web: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	<-served // http.ErrServerClosed
	if err != nil {
		return fmt.Errorf("web: shutdown: %w", err)
	}
	s.log.Info("web view stopped")
	return nil
}

// healthz answers 200 when the history can be read. It needs no
// credentials and says nothing else.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	ctx, cancel := context.WithTimeout(r.Context(), 5*time.Second)
	defer cancel()
	if _, err := s.reader.Size(ctx); err != nil {
		s.log.Error("health check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "database unavailable")
		return
	}
	if s.health != nil {
		if err := s.health(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintln(w, err)
			return
		}
	}
	fmt.Fprintln(w, "ok")
}
