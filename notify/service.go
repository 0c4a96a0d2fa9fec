package notify

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/notify/webhook"
)

// Defaults of the Service's timing, each changed by an Option.
const (
	DefaultPollInterval  = 5 * time.Second    // how often the events table is looked at
	DefaultMaxAttempts   = 12                 // attempts, and
	DefaultMaxAge        = 7 * 24 * time.Hour // time since queued, after which a row is given up as failed
	DefaultBackoffBase   = 30 * time.Second   // wait after the first failure, doubled each time
	DefaultBackoffMax    = time.Hour          // longest wait between two attempts
	DefaultFlapWindow    = 24 * time.Hour
	DefaultFlapThreshold = 3 // episodes in FlapWindow that make a watch flapping
	// DefaultShutdownGrace is how long a notification already on its way
	// when Run's context ends (SIGTERM, Ctrl-C) is given to finish, so
	// that its outcome is known and recorded rather than cut mid-request
	// and sent again (a copy) by the next start. Ten seconds: a webhook
	// or an SMTP server answers in well under a second when it is well,
	// and one that takes longer is cut at the grace's end anyway (it is
	// under webhook.DefaultTimeout, 15s, so a receiver that hangs does not
	// hold the stop until its timeout); the outcome is then recorded
	// within recordTimeout, so that the whole stop stays under 15s: far
	// under systemd's default TimeoutStopSec (90s), after which it would
	// SIGKILL the daemon and leave its rows held until their lease ended,
	// and the same as the web view's grace for requests in flight, which
	// runs beside it. (A runtime that kills sooner — docker stop waits
	// 10s — gets the kill -9 case: the lease brings the rows back.)
	DefaultShutdownGrace = 10 * time.Second
)

// recordTimeout bounds what is written once the shutdown grace has run
// out: the outcome of the message cut, the release of the rows not tried
// (a few statements; SQLite's busy timeout is 5s too).
const recordTimeout = 5 * time.Second

const (
	alertInterval = time.Hour       // at most one alert per watch per subscriber in this time
	Lease         = 5 * time.Minute // a claimed row is left alone this long
	// heldStale is how long a change held back by the hourly limit may
	// still go as an alert of its own (ReleaseHeldAlerts); held longer
	// (a daemon stopped), it waits for the digest.
	heldStale = 2 * alertInterval
)

// batchSize is how many events are read, or outbox rows claimed, at a time.
const batchSize = 50

// channel delivers notifications of one kind (email, webhook). Deliver
// sends them in turn; right before the attempt on ns[i] it calls
// before(i), and skips ns[i] — no attempt, no done — when it says false
// (the sender no longer holds its row); right after the attempt it calls
// done(i, err) — err nil when it was delivered — before the next one goes
// out. It stops and returns the error of before or done if either fails.
// An error with a Temporary() bool method saying false is not retried.
type channel interface {
	Deliver(ctx context.Context, ns []*Notification, before func(i int) (bool, error), done func(i int, err error) error) error
}

// Notification is one outbox row made ready to deliver, or the operator
// notices to one address due together, made one message.
type Notification struct {
	Item OutboxItem
	// Email.
	Subject, Text, HTML string
	MessageID           string // without angle brackets; the same on every attempt
	Unsubscribe         string // one-click URL; "" when none
	Date                time.Time
	// Webhook.
	Event *monitor.Event
	Title string // one line
	Link  string // the event's web page; "" when no base URL

	notice *operatorData   // an operator notice's, for a message of several
	digest *digestOf       // a digest's changes, to make its message alone or merged (see draft)
	rows   []*Notification // the rows a message of several carries; nil: Item alone
}

// digestOf is what the message of a digest is made of: it is made
// alone, or with the other digests due to its subscriber (together).
type digestOf struct {
	sub  Subscriber
	note string
	ids  []int64 // the changes it carries
	// unmade says that the message is not made yet (draft): together
	// makes it, alone or merged, so that a digest merged with another
	// is not rendered first on its own for nothing.
	unmade bool
}

// carried returns the notifications whose rows n carries: n itself, or
// the notices of a message of several.
func (n *Notification) carried() []*Notification {
	if n.rows == nil {
		return []*Notification{n}
	}
	return n.rows
}

// Service plans, sends and serves notifications. Run it beside the
// scheduler; mount Handler on the daemon's HTTP listener.
type Service struct {
	cfg      Config
	store    Store
	now      func() time.Time
	log      *slog.Logger
	taxonomy *analyze.Taxonomy
	digest   cron.Schedule
	channels map[string]channel
	from     *mail.Address // nil without SMTP

	pollInterval            time.Duration
	maxAttempts             int
	maxAge                  time.Duration
	backoffBase, backoffMax time.Duration
	flapWindow              time.Duration
	flapThreshold           int
	shutdownGrace           time.Duration

	emailOpts []email.Option

	watches []string // configured watches; nil: unknown (see WithWatches)

	secretMu sync.Mutex
	secret   []byte

	hooksMu    sync.Mutex
	hooksAfter map[string]int64 // each webhook's start, by URL; nil until RecordWebhooks

	tmpl     *templates
	excerpts *excerptCache
	feeds    *feedCache

	turnNow       chan chan struct{} // see TurnNow
	afterIdleTurn func()             // see WithIdleTurnHook
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock (tests and replays run on a simulated one).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// WithLogger sets the logger.
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.log = l } }

// WithTaxonomy sets the taxonomy whose labels name scope changes.
func WithTaxonomy(t *analyze.Taxonomy) Option { return func(s *Service) { s.taxonomy = t } }

// WithIdleTurnHook sets a function Run calls after a turn that only the
// clock called for (a digest time, a retry, the end of an hourly hold,
// the turn every maxQuiet),
// which comes while the daemon idles: the daemon gives back there the
// memory the turn took, as it does after a pass.
func WithIdleTurnHook(f func()) Option { return func(s *Service) { s.afterIdleTurn = f } }

// WithPollInterval sets how often Run looks for new events and due rows.
func WithPollInterval(d time.Duration) Option { return func(s *Service) { s.pollInterval = d } }

// WithRetry sets the attempts a failing row gets at least (see WithMaxAge)
// and the backoff between them: base after the first failure, doubled
// each time, at most max.
func WithRetry(maxAttempts int, base, max time.Duration) Option {
	return func(s *Service) { s.maxAttempts, s.backoffBase, s.backoffMax = maxAttempts, base, max }
}

// WithMaxAge sets how long after it was queued a row that keeps failing
// for a temporary reason is still tried (with WithRetry's attempts: both
// must be spent).
func WithMaxAge(d time.Duration) Option { return func(s *Service) { s.maxAge = d } }

// WithFlapping sets when a watch is flapping: threshold episodes, each
// opening within window of the one before.
func WithFlapping(threshold int, window time.Duration) Option {
	return func(s *Service) { s.flapThreshold, s.flapWindow = threshold, window }
}

// WithShutdownGrace sets how long a notification on its way when the
// context of Run (or of SendDue) ends is given to finish (see
// DefaultShutdownGrace).
func WithShutdownGrace(d time.Duration) Option { return func(s *Service) { s.shutdownGrace = d } }

// WithWatches names the configured watches, so that the feed of a watch
// that is neither configured nor in the history is not found rather than
// empty (a mistyped name would otherwise look like a quiet policy).
func WithWatches(names []string) Option {
	return func(s *Service) { s.watches = append([]string{}, names...) }
}

// WithEmailOptions passes options to the email client (a TLS
// configuration for a test server).
func WithEmailOptions(opts ...email.Option) Option {
	return func(s *Service) { s.emailOpts = append(s.emailOpts, opts...) }
}

// New returns a Service for cfg, whose secrets must have been resolved
// (Config.ResolveSecrets; after Config.ResolveSigningKey, a Service that
// builds and serves messages but sends none).
func New(cfg Config, st Store, opts ...Option) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	sched, err := monitor.ScheduleParser.Parse(cfg.digestSchedule())
	if err != nil {
		return nil, fmt.Errorf("notify.digest_schedule: %w", err)
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Service{
		cfg: cfg, store: st, now: time.Now, log: slog.Default(),
		digest: sched, channels: map[string]channel{},
		pollInterval: DefaultPollInterval,
		maxAttempts:  DefaultMaxAttempts, maxAge: DefaultMaxAge, backoffBase: DefaultBackoffBase, backoffMax: DefaultBackoffMax,
		flapWindow: DefaultFlapWindow, flapThreshold: DefaultFlapThreshold, shutdownGrace: DefaultShutdownGrace,
		excerpts: newExcerptCache(256), feeds: newFeedCache(32),
		turnNow: make(chan chan struct{}),
	}
	for _, o := range opts {
		o(s)
	}
	if s.taxonomy == nil {
		// Not before the options: the daemon passes the one its checker
		// uses, and compiling one to throw away costs a megabyte.
		s.taxonomy = analyze.DefaultTaxonomy()
	}
	if s.tmpl, err = parseTemplates(); err != nil {
		return nil, fmt.Errorf("notify templates: %w", err)
	}
	switch {
	case cfg.SMTP != nil && cfg.sendless:
		// No client without the password, but the sender all the same:
		// it decides what is planned and names the Message-IDs, as for
		// a Service that sends.
		if s.from, err = email.ParseFrom(cfg.SMTP.From); err != nil {
			return nil, fmt.Errorf("notify.smtp: %w", err)
		}
	case cfg.SMTP != nil:
		client, err := email.New(*cfg.SMTP, s.emailOpts...)
		if err != nil {
			return nil, fmt.Errorf("notify.smtp: %w", err)
		}
		s.from = client.From()
		s.channels[ChannelEmail] = &emailChannel{client: client, cfg: *cfg.SMTP, opts: s.emailOpts, passwordFile: cfg.SMTPPasswordFile, log: s.log}
	}
	if len(cfg.Webhooks) > 0 && !cfg.sendless {
		hooks := map[string]webhook.Config{}
		for _, w := range cfg.Webhooks {
			hooks[w.URL] = w.Config
		}
		s.channels[ChannelWebhook] = &webhookChannel{client: webhook.New(), hooks: hooks}
	}
	return s, nil
}

// Run plans, digests and sends until ctx is done, every poll interval
// (and when TurnNow asks).
// Failures are logged and tried again at the next turn: a database busy
// for a moment or an SMTP server down must not stop the daemon. It returns
// nil when ctx is done, once the notification on its way, if any, has
// finished or the shutdown grace has run out (WithShutdownGrace), and the
// rows claimed and not tried are back in the queue.
func (s *Service) Run(ctx context.Context) error {
	if s.cfg.sendless {
		return ErrNotSending
	}
	s.log.Info("notifications started", "email", s.from != nil, "webhooks", len(s.cfg.Webhooks),
		"operator", s.cfg.Operator != "", "digest_schedule", s.cfg.digestSchedule())
	s.warnNoMailServer(ctx)
	if s.from != nil {
		for _, w := range s.cfg.Warnings() {
			s.log.Warn(w)
		}
	}
	t := time.NewTicker(s.pollInterval)
	defer t.Stop()
	// A turn reads the events, the digest state and the outbox: SQL every
	// few seconds for months, for nothing between passes. Turns are skipped
	// while the database is as the last turn left it (its change stamp)
	// and nothing it holds falls due. A turn that leaves the stamp moved —
	// its own writes, or another process's meanwhile — is followed by
	// another at once, until one changes nothing: then nothing is left to
	// do, and the daemon, idle, touches neither SQLite nor its pages.
	var seen string          // the stamp the last turn left unchanged; "": none
	var quietUntil time.Time // nothing is due before, unless the stamp moves
	var asked chan struct{}  // a TurnNow waiting for this turn
	var failures failureLog  // a failing turn is logged once, not every poll
	for {
		before := s.stamp()
		// A turn only the clock called for (a digest time, a retry, the
		// end of an hourly hold, maxQuiet) comes while the daemon idles
		// between passes.
		timed := asked == nil && before != "" && before == seen
		if asked != nil || before == "" || before != seen || !s.now().Before(quietUntil) {
			seen = ""
			for range maxSettleTurns {
				if err := s.Tick(ctx); err != nil {
					if ctx.Err() == nil {
						failures.failed(s.log, s.now(), err, s.failureWhy(err))
					}
					break
				}
				failures.worked(s.log)
				after := s.stamp()
				if after != "" && after == before {
					seen, quietUntil = after, s.nextDue(ctx)
					break
				}
				before = after
			}
			if timed && s.afterIdleTurn != nil {
				s.afterIdleTurn()
			}
		}
		if asked != nil {
			close(asked)
			asked = nil
		}
		select {
		case <-ctx.Done():
			s.log.Info("notifications stopped")
			return nil
		case <-t.C:
		case asked = <-s.turnNow:
		}
	}
}

// failureLog logs the failures of Run's turns: the first of a run of
// failures with the same error as an error, the same again only hourly (a
// full disk failed every turn, every five seconds, for as long as it
// lasted), another error at once, and the end of the run.
type failureLog struct {
	last     string    // the error of the last failure logged; "": working
	loggedAt time.Time // when it was logged
	repeats  int       // failures with that error since
}

// why, when not "", says what the error means and what becomes of the
// notifications.
func (f *failureLog) failed(log *slog.Logger, now time.Time, err error, why string) {
	msg := err.Error()
	if msg == f.last && now.Sub(f.loggedAt) < time.Hour {
		f.repeats++
		log.Debug("notifications still failing", "err", err)
		return
	}
	title := "notifications"
	if why != "" {
		title += ": " + why
	}
	log.Error(title, "err", err, "failures_since_last_logged", f.repeats)
	f.last, f.loggedAt, f.repeats = msg, now, 0
}

// failureWhy says what a failed turn's error means, when the error alone
// does not: SQLite's "database is locked (5) (SQLITE_BUSY)" read as a
// fault of policywatch or of the disk, and said nothing of the
// notifications, which wait.
func (s *Service) failureWhy(err error) string {
	if !s.store.Busy(err) {
		return ""
	}
	return fmt.Sprintf("another process holds the database's write lock longer than a write waits for it (5 s), "+
		"such as a sqlite3 shell or a database browser with a change not yet written; "+
		"nothing is lost: the notifications wait, and are tried again every %s until it lets go", s.pollInterval)
}

func (f *failureLog) worked(log *slog.Logger) {
	if f.last != "" {
		log.Info("notifications work again")
		*f = failureLog{}
	}
}

// TurnNow has Run take a turn at once and waits until it has, or until ctx
// is done. The daemon asks when a pass of checks ends: the pass's changes
// go out then, not up to a poll interval later, and the memory the daemon
// gives back afterwards is not taken again by that turn.
func (s *Service) TurnNow(ctx context.Context) {
	done := make(chan struct{})
	select {
	case s.turnNow <- done:
	case <-ctx.Done():
		return
	}
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// maxSettleTurns is how many turns Run takes in a row while each moves
// the change stamp (a pass writing events meanwhile); then it waits for
// the next poll.
const maxSettleTurns = 4

// stamp returns the store's change stamp, "" when it cannot tell.
func (s *Service) stamp() string {
	st, err := s.store.ChangeStamp()
	if err != nil {
		return ""
	}
	return st
}

// maxQuiet is the longest Run goes without a turn, whatever the store's
// change stamp says: a write the stamp missed waits at most this long.
// store.DB.ChangeStamp is known to miss none since it reads the header
// of SQLite's -shm index; before, it missed a commit polled between its
// log write and the header's update, and might a write within the same
// tick of a file system's coarse times.
const maxQuiet = 10 * time.Minute

// nextDue returns when the next turn has something to do although the
// store has not changed: the next digest time, the next attempt of a
// pending notification, the end of an hourly hold (an alert held back
// goes then, not up to maxQuiet later), or maxQuiet from now.
func (s *Service) nextDue(ctx context.Context) time.Time {
	now := s.now()
	due := now.Add(maxQuiet)
	if t := s.digest.Next(now); !t.IsZero() && t.Before(due) {
		due = t
	}
	next, err := s.store.NextOutboxAttempt(ctx)
	if err != nil {
		return now // look again at the next poll
	}
	if !next.IsZero() && next.Before(due) {
		due = next
	}
	if s.from != nil { // without a mail server, ReleaseHeldAlerts releases nothing
		release, ok, err := s.store.NextHeldAlertRelease(ctx, alertInterval, heldStale, now)
		if err != nil {
			return now
		}
		if ok && release.Before(due) {
			due = release
		}
	}
	return due
}

// warnNoMailServer says once, at the start, that subscribers exist who
// cannot be told of anything: an INFO "email=false" went unnoticed, and
// they would believe they are being alerted.
func (s *Service) warnNoMailServer(ctx context.Context) {
	if s.from != nil {
		return
	}
	subs, err := s.store.Subscribers(ctx, false)
	if err != nil {
		s.log.Warn("cannot list the subscribers", "err", err)
		return
	}
	if len(subs) == 0 {
		return
	}
	s.log.Warn("subscribers get no email: no mail server is configured (notify.smtp); "+
		"the changes they should hear of are kept: once notify.smtp is set and the daemon restarted, "+
		"they go out in each one's next digest (or at once with policywatch digest --now)", "subscribers", len(subs))
}

// Tick does one turn of Run: plan the alerts whose hourly hold is over,
// the new events and the digests that are due, send what is due. The
// alerts held back go before the new events are planned: a change held
// back is older than a change found since, and its alert starts the next
// hour, which the new change then waits for. Planned first, the new
// change took the alert, and the one held back, coming after an alert
// about a later change, was never released: it waited for the digest.
func (s *Service) Tick(ctx context.Context) error {
	if _, err := s.ReleaseHeldAlerts(ctx); err != nil {
		return err
	}
	if _, err := s.Dispatch(ctx); err != nil {
		return err
	}
	if _, err := s.ScheduledDigests(ctx); err != nil {
		return err
	}
	_, err := s.SendDue(ctx)
	return err
}

// Handler serves GET and POST /unsubscribe and GET /feeds/…: mount it at
// both paths on the daemon's listener.
func (s *Service) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /unsubscribe", s.serveUnsubscribe)
	mux.HandleFunc("POST /unsubscribe", s.serveUnsubscribe)
	mux.HandleFunc("GET /feeds/", s.serveFeed)
	return mux
}

// eventURL is the web view of an event, "" without a base URL.
func (s *Service) eventURL(id int64) string {
	if s.cfg.BaseURL == "" {
		return ""
	}
	return fmt.Sprintf("%s/events/%d", s.cfg.BaseURL, id)
}
