package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/cmd/policywatch/config"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/diff"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/web"
)

func runCommand() *command {
	type opts struct {
		concurrency int
		listen      string
	}
	return &command{
		name: "run", args: "[--config FILE] [--db FILE] [--listen ADDR] [--concurrency N]", maxArgs: 0, createsDB: true, keepOnHangup: true,
		// The secrets are read, and the web view's address and
		// authentication checked, before the database is opened: a daemon
		// that refuses to start leaves no new database behind.
		preflight: func(_ context.Context, a *app, o any, _ []string) error {
			if _, err := a.sendingNotifyConfig(); err != nil {
				return err
			}
			return servePreflight(a, o.(*opts).listen)
		},
		short: "run the daemon: check every watch on its schedule",
		long: `Runs until interrupted (SIGINT or SIGTERM). Each watch is checked on its
schedule (settings.schedule, or the watch's own), with a small fixed offset
per watch so that pages on one host are not fetched together. At start, any
watch whose last check is older than its period is checked at once. A page
that cannot be fetched is recorded and tried again a minute later, then
less and less often, but never more than a quarter of the watch's period
later (every 5 s for a watch checked @every 20s); it is never reported as
a change of the policy. The web view is served on web.listen
(127.0.0.1:8080 by default).

SIGHUP does not reload the configuration: it is logged as a warning and
the daemon keeps running; restart it to apply a changed file.

One daemon runs per database: run holds a lock on DATABASE.lock beside it
(with its pid inside; beside the file itself when the path is a symbolic
link), and a second run on the same database refuses to start. 'policywatch check' and the reading commands work beside it.

Example:
  policywatch run --config /etc/policywatch/policywatch.yaml`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			concurrencyFlag(fs, &o.concurrency)
			fs.StringVar(&o.listen, "listen", "", "serve the web view on `ADDR` (default web.listen, 127.0.0.1:8080)")
			return o
		},
		// Before anything is served or fetched: a second daemon on the
		// database would fetch every page twice and send every alert from
		// two processes.
		lockDB: func(path string) (func(), error) { return lockDatabase(path, "run") },
		run: func(ctx context.Context, a *app, o any, _ []string) error {
			opt := o.(*opts)
			// /healthz says when checks cannot be recorded (a full disk):
			// the daemon logs each and goes on, and a monitor must know.
			health := &recordHealth{log: a.log}
			srv, err := a.newWebServer(opt.listen, web.WithHealth(health.err))
			if err != nil {
				return err
			}
			// A turn the clock calls for (a digest, a retry, the safety
			// turn every ten minutes) runs SQLite between passes: its
			// memory goes back too.
			notifier, err := a.newNotifier(notify.WithIdleTurnHook(func() { releaseMemory(a.db, a.log) }))
			if err != nil {
				return err
			}
			// Before the first pass: a webhook added to the configuration
			// hears of what this daemon finds, not of what 'check' found
			// before it was there.
			if err := notifier.RecordWebhooks(ctx); err != nil {
				return err
			}
			mountNotifier(srv, notifier) // before the server runs
			a.log.Info("policywatch starting", append(versionAttrs(), "watches", len(a.cfg.Watches), "database", absPath(a.db.Path()))...)
			for _, w := range a.cfg.Warnings {
				a.log.Warn("configuration: " + w.Warning())
			}
			a.warnOrphanSubscriptions(ctx)
			ctx, cancel := context.WithCancel(ctx)
			defer cancel()
			webDone := make(chan struct{})
			go func() {
				defer close(webDone)
				serveWeb(ctx, srv, a.log)
			}()
			notifyDone := make(chan error, 1)
			go func() { notifyDone <- notifier.Run(ctx) }()
			go pruneDaily(ctx, a, a.cfg.Settings.CheckRetention)
			// Between passes the daemon sleeps for hours: once the pass's
			// changes are sent, give the memory of the pass (parse trees,
			// compression windows, code) back to the system.
			passEnded := func() {
				turnCtx, cancel := context.WithTimeout(ctx, time.Minute)
				defer cancel()
				notifier.TurnNow(turnCtx)
				releaseMemory(a.db, a.log)
			}
			sched := monitor.NewScheduler(a.newChecker(), a.db, a.cfg.Watches, opt.concurrency, a.log,
				monitor.WithIdleHook(passEnded, idleQuiet), monitor.WithRecordHook(health.record))
			// As check does before its pass: start-up's code need not stay
			// resident through the first one.
			releaseCode(a.log, "before the first pass")
			schedErr := sched.Run(ctx)
			cancel()
			<-webDone
			return errors.Join(schedErr, <-notifyDone)
		},
	}
}

// idleQuiet is how far off the next scheduled check must be for the
// daemon to give its memory back when a check ends: the checks of a pass,
// spread over up to five minutes, are then one release, not one each
// (each costs a collection and, on Linux, ~20 ms of page faults after).
const idleQuiet = time.Minute

// releaseMemory gives the memory of a pass back to the system: the
// database's encoders, then pooled objects (two collections: the first
// moves them to the pools' victim caches, FreeOSMemory's frees them with
// the rest and returns the pages), then the code pages the pass ran.
func releaseMemory(db *store.DB, log *slog.Logger) {
	db.ReleaseMemory()
	runtime.GC()
	debug.FreeOSMemory()
	releaseCode(log, "for the idle time")
}

// releaseCode releases the executable's code pages (releaseCodePages)
// and logs it at debug level, saying when.
func releaseCode(log *slog.Logger, when string) {
	released, err := releaseCodePages()
	if err != nil {
		log.Debug("code pages kept resident", "err", err)
		return
	}
	log.Debug("code pages released "+when, "code_bytes", released)
}

// recordHealth is whether the daemon's checks are being recorded, for
// /healthz: failing from the first of a run of checks that could not be
// recorded until one is. It logs where a run begins, with what to do, and
// where it ends: each check lost is logged too, and on a full disk those
// lines alone said neither.
type recordHealth struct {
	log   *slog.Logger
	mu    sync.Mutex
	since time.Time
	lost  int
	last  error
}

func (h *recordHealth) record(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case err == nil && h.last != nil:
		h.log.Info("checks are recorded again", "lost", h.lost, "since", h.since.UTC().Format(time.RFC3339))
		h.since, h.last, h.lost = time.Time{}, nil, 0
	case err == nil:
	case h.last == nil:
		h.since, h.last, h.lost = time.Now(), err, 1
		// SQLite's "database is locked" is another process, not the
		// disk: sending the operator to free space or fix permissions
		// would hide the program that holds the lock. Not a vacuum (it
		// refuses while run holds the database) nor an import (a short
		// transaction per snapshot), which it used to name; a backup or
		// a copy only reads, which WAL lets writers go on beside.
		what := "free disk space where the database is, or make it writable again (permissions, a read-only mount)"
		if store.IsBusy(err) {
			what = "another process holds the database's write lock longer than a write waits for it (5 s), " +
				"such as a sqlite3 shell or a database browser with a change not yet written; checks are recorded again once it lets go"
		}
		h.log.Error("checks are not being recorded: each is lost, and its watch tried again later, until one is; "+
			what+"; /healthz answers 503 meanwhile",
			"err", err)
	default:
		h.last = err
		h.lost++
	}
}

func (h *recordHealth) err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.last == nil {
		return nil
	}
	return fmt.Errorf("checks are not being recorded, since %s: %v", timeText(h.since), h.last)
}

// serveWeb serves the daemon's web view until ctx is done. The history
// matters more than its view: a port already taken is said loudly, and the
// checks go on, while the daemon tries the port again — after 5 s, then
// less and less often, every minute at most — so that the web view, its
// /healthz and /metrics come back by themselves once the port is free (a
// daemon started under systemd before the program that held it stopped).
func serveWeb(ctx context.Context, srv *web.Server, log *slog.Logger) {
	wait := 5 * time.Second
	for failures := 0; ; failures++ {
		err := srv.Run(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		if failures == 0 {
			log.Error("the web view is not served; checks go on, and the port is tried again every minute at most (set web.listen or --listen)", "err", err)
		} else {
			log.Debug("the web view is still not served", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Minute)
	}
}

func checkCommand() *command {
	type opts struct {
		concurrency int
		json        bool
	}
	return &command{
		name: "check", args: "[WATCH...] [--json] [--concurrency N]", maxArgs: -1, createsDB: true,
		short: "check the watches once now and say what changed",
		long: `Fetches each named watch (all when none is named) once, records the check
and prints one line per watch as it finishes, then, for several watches,
one that counts how they ended ("checked 8 watches in 1.3 s: 1 changed,
7 unchanged; 1 critical event (policywatch events --severity critical
--since 1h)"). Exit status is 0 even when a page could not be fetched
(that is recorded as a fetch_error); it is non-zero only for
configuration or database errors. It is safe beside a
running daemon: when both check a watch at the same moment, one check is
recorded and the other says "not recorded".

Alerts, digests and webhooks are not sent by check: the daemon ('policywatch
run') sends them within seconds, or, when it is not running,
'policywatch digest --now'.

Examples:
  policywatch check
  policywatch check meta-privacy-policy --json`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			concurrencyFlag(fs, &o.concurrency)
			fs.BoolVar(&o.json, "json", false, "print the events found as JSON Lines instead of a report")
			return o
		},
		run: func(ctx context.Context, a *app, o any, args []string) error {
			opt := o.(*opts)
			watches, err := a.selectWatches(ctx, args)
			if err != nil {
				return usageError{msg: err.Error()}
			}
			// The report on stdout says what the checker logs at INFO (each
			// event): stderr keeps warnings and errors, unless debug
			// logging is asked for — or a level above warnings, which stays.
			log := a.log
			if log.Enabled(ctx, slog.LevelInfo) && !log.Enabled(ctx, slog.LevelDebug) {
				log = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			}
			if err := a.recordWebhooks(ctx); err != nil {
				return err
			}
			enc := json.NewEncoder(a.stdout)
			done := 0
			var tally checkTally
			start := time.Now()
			// Start-up (package initialisation, the configuration, the
			// migrations) ran code that the pass does not run again; its
			// pages would stay resident through the pass and count in its
			// peak (3.4 MiB of the 40 of bench/run.sh's first pass:
			// bench/ab.sh 5da1c6e 94abdc0). The pass faults back from the
			// page cache what it runs.
			releaseCode(a.log, "before the pass")
			err = monitor.CheckAll(ctx, a.newChecker(monitor.WithLogger(log)), watches, opt.concurrency, func(w monitor.Watch, res *monitor.Result) {
				done++
				tally.add(res)
				if opt.json {
					for _, e := range res.Events {
						enc.Encode(e)
					}
					return
				}
				line := fmt.Sprintf("[%d/%d] %-24s %s", done, len(watches), w.Name, res.Outcome)
				switch {
				case res.Superseded:
					// The daemon (or another check) recorded one while this
					// one fetched: its record is the history.
					line = fmt.Sprintf("[%d/%d] %-24s not recorded: another policywatch process checked it meanwhile (see '%s')",
						done, len(watches), w.Name, a.hint("events --watch "+w.Name))
				case res.Err != nil:
					line += ": " + printable(res.Err.Error()) // it may quote the server
				}
				fmt.Fprintln(a.stdout, line)
				for _, e := range res.Events {
					summary := e.Summary
					if e.Kind == monitor.KindFetchError && res.Err != nil {
						// The line above gave the error, which the event's
						// summary repeats: what the event adds is that an
						// outage starts (later failures continue it).
						summary = "recorded: the first failure in a row (the next ones are counted in it until the page is fetched again)"
					}
					fmt.Fprintf(a.stdout, "        %s %s: %s\n", e.Kind, e.Severity, printable(summary))
				}
			})
			if err == nil && !opt.json && len(watches) > 1 {
				fmt.Fprintf(a.stdout, "checked %d watches in %.1f s: %s\n", len(watches), time.Since(start).Seconds(), tally.summary(a.hint("events --severity critical --since 1h")))
			}
			return err
		},
	}
}

// checkTally counts how the checks of a pass ended, for the line that
// closes check's report: a pass over a long list is read there without
// scrolling back through it.
type checkTally struct {
	outcomes   map[monitor.Outcome]int
	superseded int // recorded by another process meanwhile
	critical   int // critical events recorded
}

func (t *checkTally) add(res *monitor.Result) {
	if res.Superseded {
		t.superseded++
		return
	}
	if t.outcomes == nil {
		t.outcomes = map[monitor.Outcome]int{}
	}
	t.outcomes[res.Outcome]++
	for _, e := range res.Events {
		if e.Severity == monitor.SeverityCritical {
			t.critical++
		}
	}
}

// summary is "2 changed, 6 unchanged, 1 fetch_error", the outcomes in the
// order of a check's life, then the critical events and readCritical, the
// command line that lists them.
func (t checkTally) summary(readCritical string) string {
	var parts []string
	for _, o := range []monitor.Outcome{monitor.OutcomeBaseline, monitor.OutcomeChanged, monitor.OutcomeReverted,
		monitor.OutcomeUnchanged, monitor.OutcomeNotModified, monitor.OutcomeAnomaly, monitor.OutcomeFetchError} {
		if n := t.outcomes[o]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, o))
		}
	}
	if t.superseded > 0 {
		parts = append(parts, fmt.Sprintf("%d not recorded", t.superseded))
	}
	s := strings.Join(parts, ", ")
	if t.critical > 0 {
		s += fmt.Sprintf("; %d critical %s (%s)", t.critical, plural(t.critical, "event", "events"), readCritical)
	}
	return s
}

func watchesCommand() *command {
	type opts struct{ defaults, json, all bool }
	return &command{
		name: "watches", args: "[--all] [--json] [--defaults]", maxArgs: 0, createsDB: true,
		short: "list the watches with their last check, status and last change",
		long: `Lists the configured watches with what the database knows of them. With
--all, also the watches the history knows but the configuration no longer
lists, marked "(no longer watched)": nobody checks them any more, and
their history stays.

With --json, one JSON object per line, its fields named as in the web
view's /api/watches: "status" is ok, anomaly, fetch_error or never (not
checked yet), and the watches no longer watched are listed too, with
"retired": true.

With --defaults, prints the built-in configuration as a YAML file instead:
a starting point for your own (with --json or --all, a usage error).

Examples:
  policywatch watches --all
  policywatch watches --defaults > policywatch.yaml`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.BoolVar(&o.defaults, "defaults", false, "print the built-in configuration as YAML and exit")
			fs.BoolVar(&o.json, "json", false, "print JSON Lines, the watches no longer watched included")
			fs.BoolVar(&o.all, "all", false, "list the watches no longer watched too")
			return o
		},
		noDBWith: func(o any) bool { return o.(*opts).defaults },
		run: func(ctx context.Context, a *app, o any, _ []string) error {
			opt := o.(*opts)
			if opt.defaults {
				// They are about the watches' history, which --defaults
				// does not list: taken, they would seem to do something.
				if opt.json || opt.all {
					return usageError{msg: "watches --defaults prints the built-in configuration as YAML: --json and --all do not apply to it"}
				}
				return config.Defaults().WriteYAML(a.stdout)
			}
			summaries, err := a.db.Watches(ctx)
			if err != nil {
				return err
			}
			listed := monitor.ListWatches(a.cfg.Watches, summaries)
			fetchers := make(map[string]string, len(a.cfg.Watches))
			for _, w := range a.cfg.Watches {
				fetchers[w.Name] = w.Fetcher
			}
			if opt.json {
				enc := json.NewEncoder(a.stdout)
				for _, lw := range listed {
					wj := watchJSON{ListedWatch: lw}
					wj.Status, wj.StatusReason, wj.StatusSince = lw.Status()
					wj.StatusSince = wj.StatusSince.UTC()
					if err := enc.Encode(wj); err != nil {
						return err
					}
				}
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "WATCH\tSTATUS\tLAST CHECK\tVERSIONS\tLAST CHANGE\tFETCHER\tURL")
			for _, lw := range listed {
				if lw.Retired && !opt.all {
					continue
				}
				s := lw.WatchSummary
				status, last, change := "never checked", "-", "-"
				if !s.LastCheck.IsZero() {
					status = watchStatus(s)
					last = ago(s.LastCheck)
					if s.LastCheckImported {
						last += " (imported)"
					}
				}
				if !s.LastChange.IsZero() {
					change = fmt.Sprintf("%s (%s)", timeText(s.LastChange), s.LastChangeSeverity)
				}
				name, fetcher := s.Name, fetchers[s.Name]
				switch {
				case lw.Retired:
					name += " (no longer watched)"
					fetcher = cmp.Or(s.Fetcher, "-")
				case fetcher == monitor.FetcherAuto && s.Fetcher != "":
					fetcher = "auto → " + s.Fetcher // what auto found works
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\t%s\n", printable(name), printable(status), last, s.Versions, change, fetcher, printable(s.URL))
			}
			return tw.Flush()
		},
	}
}

// watchJSON is a watch of `watches --json`: the summary's fields with
// retired, and the status key, reason and start of the web view's
// /api/watches.
type watchJSON struct {
	monitor.ListedWatch
	Status       string    `json:"status"`                  // ok, anomaly, fetch_error, never
	StatusReason string    `json:"status_reason,omitempty"` // the open episode's reason (login_wall, timeout…)
	StatusSince  time.Time `json:"status_since,omitzero"`   // when it opened
}

func watchStatus(s monitor.WatchSummary) string {
	if s.Episode != nil {
		return fmt.Sprintf("%s (%s since %s)", s.Episode.Kind, s.Episode.Reason, timeText(s.Episode.Since))
	}
	return "ok"
}

// timeLayout is how the human output of every command gives an absolute
// time: to the minute, in UTC, said, so that a time copied from one
// command reads the same in another and in --since (parseSince). JSON
// output keeps RFC 3339.
const timeLayout = "2006-01-02 15:04 UTC"

// timeText is t as the human output gives it (timeLayout).
func timeText(t time.Time) string { return t.UTC().Format(timeLayout) }

func ago(t time.Time) string {
	d := time.Since(t).Round(time.Minute)
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%dm ago", int(d.Minutes()))
	case d < 48*time.Hour:
		return fmt.Sprintf("%dh ago", int(d.Hours()))
	}
	return timeText(t)
}

func eventsCommand() *command {
	type opts struct {
		json  bool
		watch string
		since string
		kind  string
		sev   string
	}
	return &command{
		name: "events", args: "[--json] [--watch W] [--since TIME] [--kind K] [--severity S]", maxArgs: 0,
		short: "list what the checks found, oldest first",
		long: `Lists events oldest first: baseline, change, revert, anomaly, fetch_error,
recovered, each with its number (#12), its time (UTC), kind, severity, the
version it made current (v9: what show, diff, facts and explain take) and
its summary, after "(imported)" for a snapshot 'policywatch import'
backfilled from an archive. With --json, one JSON object per line: a
stable interface for scripts (see "Events format" in the README).

--since takes an RFC 3339 time (2025-05-01T00:00:00Z), a date (2025-05-01),
a date and time in UTC as listed ("2025-05-01 18:30 UTC", the UTC may be
left out), a time or a day as mails print them ("1 May 2025 18:30 UTC",
"1 May 2025") or a duration back from now (72h, 30d).

Examples:
  policywatch events --watch meta-privacy-policy --since 30d
  policywatch events --severity critical,notable --kind change,revert
  policywatch events --json | jq 'select(.watch == "meta-genai")'`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.BoolVar(&o.json, "json", false, "print JSON Lines")
			fs.StringVar(&o.watch, "watch", "", "only events of watch `W`")
			fs.StringVar(&o.since, "since", "", "only events at or after `TIME`")
			fs.StringVar(&o.kind, "kind", "", "only events of these kinds, comma-separated (`change,revert`)")
			fs.StringVar(&o.sev, "severity", "", "only events of these severities, comma-separated (`notable,critical`)")
			return o
		},
		run: func(ctx context.Context, a *app, o any, _ []string) error {
			opt := o.(*opts)
			f := monitor.EventFilter{Watch: opt.watch}
			if opt.since != "" {
				t, err := parseSince(opt.since, time.Now())
				if err != nil {
					return err
				}
				f.Since = t
			}
			kinds, err := parseKinds(opt.kind)
			if err != nil {
				return err
			}
			f.Kinds = kinds
			if f.Severities, err = monitor.ParseSeverities(opt.sev); err != nil {
				return usageError{msg: "--" + err.Error()}
			}
			if opt.watch != "" {
				if err := a.checkWatch(ctx, opt.watch); err != nil {
					return err
				}
			}
			if opt.json {
				// The export's own writer: one stable format, read a page
				// at a time.
				_, err := archive.WriteEventsJSONL(ctx, a.db, f, a.stdout)
				return err
			}
			events, err := a.db.Events(ctx, f)
			if err != nil {
				return err
			}
			if len(events) == 0 {
				fmt.Fprintln(a.stderr, "no events")
			}
			// The version an event made current ("v27") is what show, diff,
			// facts and explain take; the event's own number is not. The
			// numbers are padded to the widest listed, so that the columns
			// after them line up past #9 and v9999.
			idWidth, versionWidth := 0, len("v9999")
			for _, e := range events {
				idWidth = max(idWidth, len("#"+strconv.FormatInt(e.ID, 10)))
				versionWidth = max(versionWidth, len("v"+strconv.FormatInt(e.Version, 10)))
			}
			for _, e := range events {
				fmt.Fprintln(a.stdout, eventLine(e, idWidth, versionWidth))
			}
			return nil
		},
	}
}

// eventLine is an event as events lists it: its number, time, kind,
// severity, the version it made current, and its summary, after
// "(imported)" for a snapshot backfilled from an archive (it is no page
// policywatch fetched). The numbers are padded to idWidth and
// versionWidth.
func eventLine(e monitor.Event, idWidth, versionWidth int) string {
	version := "-"
	if e.Version != 0 {
		version = "v" + strconv.FormatInt(e.Version, 10)
	}
	summary := printable(e.Summary)
	if e.Imported {
		summary = "(imported) " + summary
	}
	return fmt.Sprintf("%-*s %s %-12s %-8s %-*s %s", idWidth, "#"+strconv.FormatInt(e.ID, 10), timeText(e.Time), e.Kind, e.Severity, versionWidth, version, summary)
}

// parseKinds reads --kind's comma-separated list. An unknown kind is a
// usage error, as the web API's 400 for it: a filter that can match
// nothing would print "no events" and be believed. Kinds are matched
// exactly, as the API does; a near miss ("changes", "Change") is named
// in the error.
func parseKinds(list string) ([]monitor.EventKind, error) {
	kinds, err := monitor.ParseKinds(list)
	var unknown *monitor.UnknownKindError
	if !errors.As(err, &unknown) {
		return kinds, err
	}
	names := monitor.EventKindNames()
	if s := config.Suggest(unknown.Kind, names); s != "" {
		return nil, usageError{msg: fmt.Sprintf("--kind %q: did you mean %s? (kinds: %s)", unknown.Kind, s, strings.Join(names, ", "))}
	}
	return nil, usageError{msg: "--" + err.Error()}
}

// parseSince is monitor.ParseSince, which also reads a time as the
// commands print it (timeLayout), its error a usage error naming the flag.
func parseSince(s string, now time.Time) (time.Time, error) {
	t, err := monitor.ParseSince(s, now)
	if err != nil {
		return time.Time{}, usageError{msg: "--" + err.Error()}
	}
	return t, nil
}

func historyCommand() *command {
	return &command{
		name: "history", args: "WATCH", minArgs: 1, maxArgs: 1,
		short: "list a watch's versions",
		long: `Lists the distinct texts (versions) of a watch, oldest first, with when each
was first and last seen.

Example:
  policywatch history meta-privacy-policy`,
		run: func(ctx context.Context, a *app, _ any, args []string) error {
			versions, err := a.db.Versions(ctx, args[0])
			if err != nil {
				return err
			}
			if len(versions) == 0 {
				if err := a.checkWatch(ctx, args[0]); err != nil {
					return err
				}
				return noVersionsError(a, args[0])
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tFIRST SEEN\tLAST SEEN\tLANG\tTITLE")
			for _, v := range versions {
				// The title and language are the page's: a tab or a
				// direction override in them would move the columns.
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", v.ID, timeText(v.FirstSeen), timeText(v.LastSeen), printable(v.Language), printable(v.Title))
			}
			return tw.Flush()
		},
	}
}

// versionArg resolves a VERSION argument of a watch: an id, as history
// prints it or as events does ("v27"), or "latest" (also when empty). Its errors say which thing is wrong: the watch is
// unknown, it has no versions yet, it has no such version, or the version
// is another watch's.
// The store's errors name what was looked up already ("latest version of
// X: not found"), so they are not wrapped again with the same words.
func versionArg(ctx context.Context, a *app, watch, arg string) (*monitor.Version, error) {
	if arg == "" || arg == "latest" {
		v, err := a.db.LatestVersion(ctx, watch)
		if errors.Is(err, store.ErrNotFound) {
			if err := a.checkWatch(ctx, watch); err != nil {
				return nil, err
			}
			return nil, noVersionsError(a, watch)
		}
		return v, err
	}
	number := arg
	if len(number) > 1 && (number[0] == 'v' || number[0] == 'V') {
		number = number[1:]
	}
	id, err := strconv.ParseInt(number, 10, 64)
	if err != nil {
		return nil, usageError{msg: fmt.Sprintf("version %q: want a version number from '%s'", arg, a.hint("history "+watch))}
	}
	v, err := a.db.Version(ctx, id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	if err != nil || v.Watch != watch {
		if werr := a.checkWatch(ctx, watch); werr != nil {
			return nil, werr
		}
		if err != nil {
			return nil, fmt.Errorf("%s has no version %d (see '%s')", watch, id, a.hint("history "+watch))
		}
		return nil, fmt.Errorf("version %d is a version of %s, not of %s (see '%s')", id, v.Watch, watch, a.hint("history "+watch))
	}
	return v, nil
}

// noVersionsError says that a known watch has no versions yet.
func noVersionsError(a *app, watch string) error {
	return fmt.Errorf("no versions of %q yet (run '%s')", watch, a.hint("check "+watch))
}

func showCommand() *command {
	return &command{
		name: "show", args: "WATCH [VERSION]", minArgs: 1, maxArgs: 2,
		short: "print the readable text of a version",
		long: `Prints the readable text of a version (the latest when none is given):
one block per line, headings marked with #, list items with -.

Example:
  policywatch show meta-privacy-policy 12`,
		run: func(ctx context.Context, a *app, _ any, args []string) error {
			v, err := versionArg(ctx, a, args[0], argAt(args, 1))
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(a.stdout, printableLines(v.Text))
			return err
		},
	}
}

func argAt(args []string, i int) string {
	if i < len(args) {
		return args[i]
	}
	return ""
}

func diffCommand() *command {
	type opts struct {
		color   string
		context int
	}
	return &command{
		name: "diff", args: "WATCH [A [B]]", minArgs: 1, maxArgs: 3,
		short: "show what changed between two versions",
		long: `Prints a unified diff of two versions' readable texts: with no version, the
latest against the one first seen before it; with one, A against the one
first seen before it; with two, A against B (A's lines marked -, B's +,
in the order given). A and B are version numbers as 'policywatch history
WATCH' lists them (v9 in 'policywatch events' is 9), or latest. On a
terminal, changed words are highlighted in colour, unless NO_COLOR is set
or TERM is dumb (--color always colours all the same).

Examples:
  policywatch diff meta-privacy-policy
  policywatch diff meta-privacy-policy 7
  policywatch diff meta-privacy-policy 3 7 | less`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.StringVar(&o.color, "color", "auto", "colour the diff: `auto`, always or never")
			fs.IntVar(&o.context, "context", 3, "`lines` of context around each change (0 or more)")
			return o
		},
		run: func(ctx context.Context, a *app, o any, args []string) error {
			opt := o.(*opts)
			watch := args[0]
			switch opt.color {
			case "auto", "always", "never":
			default:
				return usageError{msg: fmt.Sprintf("--color %q: want auto, always or never", opt.color)}
			}
			if opt.context < 0 {
				return usageError{msg: fmt.Sprintf("--context %d: want 0 or more lines", opt.context)}
			}
			var older, newer *monitor.Version
			var err error
			switch len(args) {
			case 3:
				if older, err = versionArg(ctx, a, watch, args[1]); err != nil {
					return err
				}
				if newer, err = versionArg(ctx, a, watch, args[2]); err != nil {
					return err
				}
			default:
				if newer, err = versionArg(ctx, a, watch, argAt(args, 1)); err != nil {
					return err
				}
				if older, err = previousVersion(ctx, a.db, newer); err != nil {
					return err
				}
			}
			color := colorOutput(opt.color, a.stdout, a.getenv)
			// Made printable before they are compared: the diff's own
			// colours are escape sequences, its lines the page's.
			d := diff.Compute(printableLines(older.Text), printableLines(newer.Text), opt.context)
			if d.Empty() {
				fmt.Fprintf(a.stderr, "versions %d and %d have the same text\n", older.ID, newer.ID)
				return nil
			}
			return d.WriteUnified(a.stdout, diff.RenderOptions{
				Color:    color,
				OldLabel: fmt.Sprintf("%s version %d (%s)", watch, older.ID, timeText(older.FirstSeen)),
				NewLabel: fmt.Sprintf("%s version %d (%s)", watch, newer.ID, timeText(newer.FirstSeen)),
			})
		},
	}
}

// colorOutput says whether diff colours what it writes to w: always,
// never, or (auto) on a terminal that has not asked for none — NO_COLOR
// set to anything (no-color.org), or TERM=dumb, whose terminal shows the
// escape sequences as text.
func colorOutput(mode string, w io.Writer, getenv func(string) string) bool {
	switch mode {
	case "always":
		return true
	case "auto":
		return isTerminal(w) && getenv("NO_COLOR") == "" && getenv("TERM") != "dumb"
	}
	return false
}

// previousVersion is the version first seen before v.
func previousVersion(ctx context.Context, db *store.DB, v *monitor.Version) (*monitor.Version, error) {
	versions, err := db.Versions(ctx, v.Watch)
	if err != nil {
		return nil, err
	}
	var prev int64
	for _, o := range versions {
		if o.ID == v.ID {
			break
		}
		prev = o.ID
	}
	if prev == 0 {
		return nil, fmt.Errorf("version %d is the first of %s: nothing to compare it with", v.ID, v.Watch)
	}
	return db.Version(ctx, prev)
}

func configCommand() *command {
	return &command{
		name: "config", args: "check [--config FILE]", minArgs: 1, maxArgs: 1, noDB: true, noConf: true,
		// 'config check FILE', as most checkers take their file: the
		// message shows the command to run, not the bare usage line.
		tooMany: func(rest []string) error {
			if len(rest) == 2 && rest[0] == "check" {
				return usageError{msg: fmt.Sprintf("config check takes the file as --config FILE: policywatch config check --config %s", rest[1])}
			}
			return nil
		},
		optionUsage: map[string]string{"config": "the configuration `FILE` to check (default $POLICYWATCH_CONFIG; one of the two is required: there is no built-in file to check)"},
		short:       "validate a configuration file",
		long: `'policywatch config check' loads the configuration file named by --config
(or POLICYWATCH_CONFIG; without either it is a usage error) and reports
every problem with its file, line, column and field, then exits non-zero;
or says what it would watch. It reads the secret files it names, and the
secrets it leaves to the environment (POLICYWATCH_SMTP_PASSWORD for an
SMTP username, POLICYWATCH_NOTIFY_SECRET) are looked for in config
check's own, as the daemon looks in its own: run it with the daemon's
environment (its EnvironmentFile) to check what the daemon will find.

Example:
  policywatch config check --config policywatch.yaml`,
		run: func(ctx context.Context, a *app, _ any, args []string) error {
			if args[0] != "check" {
				return usageError{msg: fmt.Sprintf("config %s: the only subcommand is 'check'", args[0])}
			}
			path := configPath(a.common.config, a.getenv)
			if path == "" {
				return usageError{msg: "config check: name the file with --config FILE (or POLICYWATCH_CONFIG)"}
			}
			cfg, err := config.Load(path, a.getenv)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: ok, %d %s\n", path, len(cfg.Watches), plural(len(cfg.Watches), "watch", "watches"))
			for _, w := range cfg.Warnings {
				fmt.Fprintln(a.stderr, w.Warning())
			}
			if nc, err := cfg.NotifyConfig(); err == nil {
				for _, w := range nc.Warnings() {
					fmt.Fprintf(a.stderr, "%s: warning: %s\n", path, w)
				}
			}
			return nil
		},
	}
}

func versionCommand() *command {
	return &command{
		name: "version", maxArgs: 0, noDB: true, noConf: true,
		short: "print the version of policywatch, its source revision and Go's",
		long: `Prints policywatch's version (the module version of a release, "(devel)"
for a build from a checkout), the source revision it was built from when
known, and the Go version: what to put in a bug report.

Examples:
  policywatch version
  policywatch --version`,
		run: func(ctx context.Context, a *app, _ any, _ []string) error {
			fmt.Fprintln(a.stdout, versionLine())
			return nil
		},
	}
}

// versionLine is "policywatch VERSION [REVISION[+modified] DATE] GO".
func versionLine() string {
	b := readBuild()
	parts := []string{"policywatch", b.version}
	if b.revision != "" {
		parts = append(parts, b.revision, b.date)
	}
	return strings.Join(append(parts, runtime.Version()), " ")
}

// versionAttrs are the daemon's start line's attributes naming what runs:
// version=VERSION [revision=REVISION[+modified]] go=GO, as versionLine.
func versionAttrs() []any {
	b := readBuild()
	attrs := []any{"version", b.version}
	if b.revision != "" {
		attrs = append(attrs, "revision", b.revision)
	}
	return append(attrs, "go", runtime.Version())
}

// build is what the binary knows of its making.
type build struct {
	version  string // the module version of a release, "(devel)" for a build from a checkout
	revision string // the source revision, 12 hex digits and "+modified" when the tree was; "" when unknown
	date     string // of the revision
}

func readBuild() build {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return build{version: "(unknown)"}
	}
	b := build{version: cmp.Or(info.Main.Version, "(unknown)")}
	var modified string
	for _, kv := range info.Settings {
		switch kv.Key {
		case "vcs.revision":
			b.revision = kv.Value[:min(len(kv.Value), 12)]
		case "vcs.time":
			b.date = kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if b.revision != "" {
		b.revision += modified
	}
	return b
}

// concurrencyFlag registers --concurrency into n, concurrencyFor the
// machine's CPUs by default. A value under 1 is refused as the flag is
// parsed: a usage error (exit status 2), before the configuration and
// database are looked at. It used to be taken, and read as 4 without a
// word.
func concurrencyFlag(fs *flag.FlagSet, n *int) {
	*n = concurrencyFor(runtime.NumCPU())
	fs.Var((*atLeastOne)(n), "concurrency", "checks run at most `N` at a time (at least 1; by default one per CPU, 2 to 4)")
}

// concurrencyFor is how many checks run at once on a machine of cpus
// CPUs unless --concurrency says otherwise: one per CPU, at least 2 and at
// most 4. Once its page is in, a check is CPU work (parsing, its shape,
// compression), and each one in flight holds its page, its tree and its
// text: more of them than CPUs add memory, not speed. bench/run.sh's
// first pass of 100 pages on 2 cores peaked at 40–42 MiB with 2 against
// 44–46 with 4, in the same time (three runs of each, alternating). Two
// at least, so that one slow site does not hold every other check back;
// four at most, as before, since the per-host interval spaces the
// requests to one site anyway.
func concurrencyFor(cpus int) int { return min(4, max(2, cpus)) }

// atLeastOne is an int flag that must be 1 or more.
type atLeastOne int

func (v *atLeastOne) String() string {
	if v == nil {
		return "0"
	}
	return strconv.Itoa(int(*v))
}

func (v *atLeastOne) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil {
		return errors.New("want a whole number, at least 1")
	}
	if n < 1 {
		return errors.New("must be at least 1")
	}
	*v = atLeastOne(n)
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
