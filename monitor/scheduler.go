package monitor

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/policywatch/policywatch/monitor/fetch"
)

// ScheduleParser reads watch schedules: five-field cron specs and
// descriptors such as "@every 6h" or "@daily". The config loader validates
// with the same parser so that what loads also runs.
var ScheduleParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// maxJitter caps the offset added to a watch's schedule.
const maxJitter = 5 * time.Minute

// Scheduler runs each watch's checks on its schedule, never two checks of
// the same watch at once, and at most Concurrency checks in all.
type Scheduler struct {
	checker *Checker
	store   Store
	watches []Watch
	log     *slog.Logger

	mu      sync.Mutex
	running map[string]bool
	periods map[string]time.Duration
	// pending holds each watch's one retry waiting to run. One, not one per
	// failure: a failing watch's scheduled check fails too, and a chain of
	// retries started by each would add up period after period (a site
	// blocking us for a month would get hundreds of requests a day).
	pending map[string]*time.Timer
	// unrecorded counts each watch's checks in a row that could not be
	// recorded (a full disk): their retries back off as a failing fetch's.
	unrecorded map[string]int

	firstRetry time.Duration
	onRecorded func(err error) // see WithRecordHook
	onIdle     func()
	idleQuiet  time.Duration
	cron       *cron.Cron
	sem        chan struct{}
	wg         sync.WaitGroup
}

// SchedulerOption configures a Scheduler.
type SchedulerOption func(*Scheduler)

// WithFirstRetryDelay sets how long after a failed fetch the watch is
// tried again (then doubling); default one minute.
func WithFirstRetryDelay(d time.Duration) SchedulerOption {
	return func(s *Scheduler) { s.firstRetry = d }
}

// WithRecordHook sets a function told the outcome of each check's
// recording: nil when the check was recorded (or, fetch failed, recorded
// as such), the error when it could not be (a full disk, a database that
// went read-only). Such a check is logged and lost, the watch tried
// again after a retry delay, and the daemon goes on; the hook lets its
// health check say so (the web view's /healthz).
// It is called from the checks' goroutines.
func WithRecordHook(f func(err error)) SchedulerOption {
	return func(s *Scheduler) { s.onRecorded = f }
}

// WithIdleHook sets a function called when the last running check
// finishes and no scheduled check is due within quiet: the daemon gives
// memory back to the system there, since it then sleeps for hours. The
// checks of a pass are spread over minutes (see Jitter), so that without
// quiet the hook would run between each two of them, for nothing.
func WithIdleHook(f func(), quiet time.Duration) SchedulerOption {
	return func(s *Scheduler) { s.onIdle, s.idleQuiet = f, quiet }
}

// NewScheduler returns a scheduler for the watches; concurrency <= 0 means 4.
func NewScheduler(c *Checker, s Store, watches []Watch, concurrency int, log *slog.Logger, opts ...SchedulerOption) *Scheduler {
	if concurrency <= 0 {
		concurrency = 4
	}
	if log == nil {
		log = slog.Default()
	}
	sched := &Scheduler{
		checker: c, store: s, watches: watches, log: log,
		running: map[string]bool{}, sem: make(chan struct{}, concurrency),
		periods: map[string]time.Duration{}, pending: map[string]*time.Timer{}, unrecorded: map[string]int{},
		firstRetry: defaultFirstRetryDelay,
	}
	for _, o := range opts {
		o(sched)
	}
	return sched
}

// jittered shifts a schedule by a fixed offset derived from the watch's
// name, so that watches sharing a schedule (and often a host) do not all
// fire in the same second, and each watch keeps a stable rhythm.
type jittered struct {
	cron.Schedule
	offset time.Duration
}

func (j jittered) Next(t time.Time) time.Time { return j.Schedule.Next(t.Add(-j.offset)).Add(j.offset) }

// anchoredEvery is an "@every" schedule counted from anchor: its times
// are anchor plus whole periods.
type anchoredEvery struct {
	every  time.Duration
	anchor time.Time
}

func (a anchoredEvery) Next(t time.Time) time.Time {
	if t.Before(a.anchor) {
		return a.anchor
	}
	return a.anchor.Add((t.Sub(a.anchor)/a.every + 1) * a.every)
}

// Jitter returns the watch's offset: up to a tenth of its period, at most
// maxJitter.
func Jitter(name string, period time.Duration) time.Duration {
	limit := min(period/10, maxJitter)
	if limit <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(name))
	return time.Duration(h.Sum64() % uint64(limit))
}

// Period estimates a schedule's period from two consecutive activations;
// 0 when there are not two within five years.
func Period(s cron.Schedule, from time.Time) time.Duration {
	a := s.Next(from)
	b := s.Next(a)
	if a.IsZero() || b.IsZero() {
		return 0 // cron looks five years ahead, and found no such pair
	}
	return b.Sub(a)
}

// Run checks every watch whose last check is older than its period, then
// follows the schedules until ctx is cancelled. A watch whose fetches are
// failing (an open fetch_error episode, recorded by an earlier daemon or
// by `policywatch check`) is retried when the running daemon would have
// retried it: its last check plus the retry delay of its episode's failed
// checks (retryDelay), at once if that time has passed. It returns when
// every running check has finished or been abandoned.
func (s *Scheduler) Run(ctx context.Context) error {
	c := cron.New(cron.WithParser(ScheduleParser), cron.WithLogger(cron.DiscardLogger))
	s.cron = c
	now := time.Now()
	var overdue []Watch
	type retry struct {
		w  Watch
		in time.Duration
	}
	var retries []retry
	for _, w := range s.watches {
		sched, err := ScheduleParser.Parse(w.Schedule)
		if err != nil {
			return fmt.Errorf("watch %s: schedule %q: %w", w.Name, w.Schedule, err)
		}
		period := Period(sched, now)
		if period == 0 {
			// "0 0 30 2 *" has no next time within five years (leap days
			// in 2096 and 2104 would have no second one). The watch would
			// be overdue at every start, and its retries, at most a
			// quarter period apart, would hammer the site.
			return fmt.Errorf("watch %s: schedule %q never fires, or not twice in five years", w.Name, w.Schedule)
		}
		s.periods[w.Name] = period
		state, err := s.store.State(ctx, w)
		if err != nil && ctx.Err() != nil {
			return nil // stopped while starting: nothing was running yet
		}
		if err != nil {
			return fmt.Errorf("watch %s: %w", w.Name, err)
		}
		var timing cron.Schedule = jittered{sched, Jitter(w.Name, period)}
		if every, ok := sched.(cron.ConstantDelaySchedule); ok && every.Delay > 0 {
			// cron counts "@every" from its start: each restart would
			// put the next check a whole period off, however soon it was
			// due. Counted from the last check, the watch keeps its rhythm.
			// A last check in the future (a clock behind at boot, before
			// NTP) is no anchor: the watch would wait for that time to
			// come round again.
			anchor := now
			if since := now.Sub(state.LastCheck); !state.LastCheck.IsZero() && since >= 0 && since < period {
				anchor = state.LastCheck
			}
			// The anchor sets the phase: a jitter on top would be taken
			// off again (Next(t-offset)+offset of times anchor+k·every).
			timing = anchoredEvery{every: every.Delay, anchor: anchor}
		}
		c.Schedule(timing, cron.FuncJob(func() { s.start(ctx, w) }))
		switch {
		case state.LastCheck.IsZero() || now.Sub(state.LastCheck) >= period:
			overdue = append(overdue, w)
		case state.Episode != nil && state.Episode.Kind == KindFetchError:
			// Anomalies are not retried early (start): a page was served,
			// and the next check on schedule is soon enough.
			due, err := s.retryDue(ctx, w, state, period)
			if err != nil && ctx.Err() != nil {
				return nil
			}
			if err != nil {
				// The last check's row only refines the time: the state
				// alone gives one.
				s.log.Warn("reading the last failed check; retrying after the state's", "watch", w.Name, "err", err)
			}
			if in := due.Sub(now); in > 0 {
				retries = append(retries, retry{w, in})
			} else {
				overdue = append(overdue, w)
			}
		}
	}
	s.log.Info("scheduler started", "watches", len(s.watches), "overdue", len(overdue), "retries", len(retries))
	// Many watches due at once are not a burst against one host: the
	// fetcher spaces the requests to each host (host_interval).
	for _, w := range overdue {
		s.start(ctx, w)
	}
	for _, r := range retries {
		s.log.Info("fetches failing before the start; will retry", "watch", r.w.Name, "in", r.in.Round(time.Second))
		s.retryLater(ctx, r.w, r.in)
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	s.mu.Lock()
	for name, t := range s.pending {
		t.Stop()
		delete(s.pending, name)
	}
	s.mu.Unlock()
	s.wg.Wait()
	s.log.Info("scheduler stopped")
	return nil
}

// start runs one check of w in the background unless one is running.
func (s *Scheduler) start(ctx context.Context, w Watch) {
	s.mu.Lock()
	if s.running[w.Name] || ctx.Err() != nil {
		s.mu.Unlock()
		s.log.Debug("check skipped: previous check still running", "watch", w.Name)
		return
	}
	s.running[w.Name] = true
	if t := s.pending[w.Name]; t != nil {
		// This check is the retry's work: a scheduled check came first.
		t.Stop()
		delete(s.pending, w.Name)
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer func() {
			s.mu.Lock()
			delete(s.running, w.Name)
			idle := len(s.running) == 0
			s.mu.Unlock()
			if idle && s.onIdle != nil && ctx.Err() == nil && s.quietAhead() {
				s.onIdle()
			}
			s.wg.Done()
		}()
		select {
		case s.sem <- struct{}{}:
			defer func() { <-s.sem }()
		case <-ctx.Done():
			return
		}
		res, err := s.checker.Check(ctx, w)
		if s.onRecorded != nil && ctx.Err() == nil {
			s.onRecorded(err)
		}
		switch {
		case err != nil && ctx.Err() != nil:
			s.log.Info("check abandoned at shutdown", "watch", w.Name)
		case err != nil:
			// The check is lost (its page, its events), not the watch:
			// tried again soon rather than a period later, a daily
			// watch on a disk full for an hour loses an hour.
			delay := s.retryAfterNotRecorded(w.Name)
			s.log.Error("check not recorded; will retry", "watch", w.Name, "in", delay, "err", err)
			s.retryLater(ctx, w, delay)
			return
		case res.Superseded:
			s.log.Info("check not recorded: another policywatch process checked the watch meanwhile", "watch", w.Name)
		case res.Err != nil:
			delay := s.retryAfterFailure(res)
			s.log.Warn("fetch failed; will retry", "watch", w.Name, "in", delay, "err", res.Err)
			s.retryLater(ctx, w, delay)
		default:
			s.log.Info("checked", "watch", w.Name, "outcome", res.Outcome, "parsed", res.Parsed)
		}
		if err == nil {
			s.mu.Lock()
			delete(s.unrecorded, w.Name)
			s.mu.Unlock()
		}
	}()
}

// retryAfterNotRecorded counts one more check of the watch that could not
// be recorded and returns when to try it again: as retryDelay does for
// failed fetches, from the first retry delay doubling to a quarter period.
func (s *Scheduler) retryAfterNotRecorded(name string) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.unrecorded[name]++
	return s.retryDelay(s.periods[name], s.unrecorded[name], 0)
}

// quietAhead reports whether no scheduled check is due within the idle
// hook's quiet time. Retries are not counted: one a minute away costs the
// hook's work once more, and only while a site fails.
func (s *Scheduler) quietAhead() bool {
	if s.idleQuiet <= 0 {
		return true
	}
	horizon := time.Now().Add(s.idleQuiet)
	for _, e := range s.cron.Entries() {
		// A zero Next: the cron has not started yet (a check of the
		// start's overdue ones finished first) and knows no time.
		if !e.Next.IsZero() && e.Next.Before(horizon) {
			return false
		}
	}
	return true
}

// retryLater makes w's one pending retry run after delay. There is no
// other: start cleared it before the check that failed. One that fires
// after shutdown finds ctx done, and start starts nothing; Run stops the
// others so that their timers go at once.
func (s *Scheduler) retryLater(ctx context.Context, w Watch, delay time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var t *time.Timer
	// The callback takes s.mu, held here until t is stored: it sees t.
	t = time.AfterFunc(delay, func() {
		s.mu.Lock()
		current := s.pending[w.Name] == t
		if current {
			delete(s.pending, w.Name)
		}
		s.mu.Unlock()
		if current {
			s.start(ctx, w)
		}
	})
	s.pending[w.Name] = t
}

// Retry delays after a failed fetch: a transient failure (a DNS hiccup, a
// restart of the site) should not cost a whole period of history.
const (
	defaultFirstRetryDelay = time.Minute
	maxRetryShare          = 4 // a retry comes at most a quarter period later
)

// retryAfterFailure returns when to try a watch whose check res failed
// to fetch again: retryDelay for its episode's failed checks and the
// Retry-After the site sent, if any.
func (s *Scheduler) retryAfterFailure(res *Result) time.Duration {
	s.mu.Lock()
	period := s.periods[res.Watch]
	s.mu.Unlock()
	failures := 1
	if ep := res.Episode; ep != nil && ep.Kind == KindFetchError {
		failures = ep.Checks
	}
	var retryAfter time.Duration
	var fe *fetch.Error
	if errors.As(res.Err, &fe) {
		retryAfter = fe.RetryAfter
	}
	return s.retryDelay(period, failures, retryAfter)
}

// retryDelay is how long after the failed check that ends a run of
// failures failed checks (the fetch_error episode's count, so that a
// restart or a `policywatch check` in between does not start it again)
// to try the watch again: the first retry delay (one minute), doubling
// with each failure, never beyond a quarter of the period, and never
// sooner than a Retry-After the site asked for (capped at a period).
func (s *Scheduler) retryDelay(period time.Duration, failures int, retryAfter time.Duration) time.Duration {
	n := max(failures-1, 0)
	delay := s.firstRetry << min(n, 16)
	delay = min(delay, period/maxRetryShare)
	if retryAfter > delay {
		delay = min(retryAfter, period)
	}
	return delay
}

// retryDue returns when the running daemon would retry w, whose state
// has an open fetch_error episode: the end of its last check plus
// retryDelay for the episode's failed checks and the Retry-After of the
// check's last response. When the last check's row cannot be read, its
// start (State.LastCheck) stands for its end, with no Retry-After; the
// error says why.
func (s *Scheduler) retryDue(ctx context.Context, w Watch, state *State, period time.Duration) (time.Time, error) {
	last, retryAfter := state.LastCheck, time.Duration(0)
	checks, err := s.store.Checks(ctx, w.Name, 1)
	if err == nil && len(checks) == 1 && checks[0].Outcome == OutcomeFetchError {
		c := checks[0]
		if !c.Finished.IsZero() {
			last = c.Finished
		}
		if n := len(c.Attempts); n > 0 {
			a := c.Attempts[n-1]
			if a.Status == http.StatusTooManyRequests || a.Status == http.StatusServiceUnavailable {
				// As the fetcher read it (fetch.Error.RetryAfter): when
				// the response came.
				retryAfter = fetch.RetryAfter(a.Header, a.Start.Add(a.Duration))
			}
		}
	}
	return last.Add(s.retryDelay(period, state.Episode.Checks, retryAfter)), err
}

// CheckAll checks the watches once, at most concurrency at a time, calling
// report (if not nil, never concurrently) as each one finishes. A page that
// cannot be fetched is a Result, not an error; the error returned joins the
// failures of the monitor itself (database, cancelled context).
func CheckAll(ctx context.Context, c *Checker, watches []Watch, concurrency int, report func(Watch, *Result)) error {
	if concurrency <= 0 {
		concurrency = 4
	}
	sem := make(chan struct{}, concurrency)
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, w := range watches {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			res, err := c.Check(ctx, w)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
				return
			}
			if report != nil {
				report(w, res)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}
