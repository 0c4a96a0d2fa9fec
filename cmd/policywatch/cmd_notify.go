package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/policywatch/policywatch/internal/notifystore"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/notify/webhook"
	"github.com/policywatch/policywatch/store"
)

// newNotifier builds the notification service that sends (run, digest
// --now): every secret is read, from its file or the environment, here and
// only here. A secret file that cannot be used fails the command, named
// with its line as config check names it.
func (a *app) newNotifier(opts ...notify.Option) (*notify.Service, error) {
	nc, err := a.sendingNotifyConfig()
	if err != nil {
		return nil, err
	}
	return a.notifier(nc, opts)
}

// sendingNotifyConfig is the notify section with every secret read, once
// per command: run reads them before it opens the database (its
// preflight), and its notifier takes what was read then.
func (a *app) sendingNotifyConfig() (*notify.Config, error) {
	if a.sendConf == nil {
		nc, err := a.cfg.NotifyConfigForSending(a.getenv)
		if err != nil {
			return nil, err
		}
		a.sendConf = nc
	}
	return a.sendConf, nil
}

// newSigningNotifier builds a notification service that makes messages
// and serves the unsubscribe page and feeds, but sends nothing (digest
// --dry-run, digest without --now): it needs the key that signs
// unsubscribe links, not the SMTP password nor the webhooks' secrets, and
// those are not read — a command must not fail on a file it has no use for.
func (a *app) newSigningNotifier(opts ...notify.Option) (*notify.Service, error) {
	nc, err := a.cfg.NotifyConfigForSigning(a.getenv)
	if err != nil {
		return nil, err
	}
	return a.notifier(nc, opts)
}

func (a *app) notifier(nc *notify.Config, opts []notify.Option) (*notify.Service, error) {
	base := []notify.Option{notify.WithLogger(a.log), notify.WithTaxonomy(a.taxonomy()), notify.WithWatches(a.watchNames())}
	return notify.New(*nc, notifystore.Store{DB: a.db}, append(base, opts...)...)
}

// recordWebhooks records, before check records events, the configured
// webhooks no policywatch process has seen yet: a webhook hears of the
// events recorded after it was first seen, and 'digest --now' (or the
// daemon) must post what this check finds to a webhook configured for it,
// though check sends nothing. It reads no secret, as check reads none.
func (a *app) recordWebhooks(ctx context.Context) error {
	nc, err := a.cfg.NotifyConfig()
	if err != nil || len(nc.Webhooks) == 0 {
		return err
	}
	_, err = a.db.RecordWebhooks(ctx, nc.WebhookURLs(), time.Now())
	return err
}

// warnOrphanSubscriptions says, at the daemon's start, which subscribers
// follow a watch the configuration no longer has (removed or renamed):
// they would silently get nothing of it.
func (a *app) warnOrphanSubscriptions(ctx context.Context) {
	subs, err := a.db.Subscribers(ctx, false)
	if err != nil {
		a.log.Warn("cannot list the subscribers", "err", err)
		return
	}
	names := a.watchNames()
	for _, s := range subs {
		for _, w := range s.Watches {
			if !slices.Contains(names, w) {
				a.log.Warn("a subscriber follows a watch that is not configured, and gets nothing of it; subscribe it again with the watch's new name, or without --watch",
					"subscriber", s.Email, "watch", w)
			}
		}
	}
}

func (a *app) watchNames() []string {
	names := make([]string, len(a.cfg.Watches))
	for i, w := range a.cfg.Watches {
		names[i] = w.Name
	}
	return names
}

// stringList is a flag that may be repeated.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

func subscribeCommand() *command {
	type opts struct {
		watches             stringList
		allWatches          bool
		digest, minSeverity string
		fs                  *flag.FlagSet // to tell the flags given from their defaults
	}
	return &command{
		name: "subscribe", args: "EMAIL [--watch W]... [--all-watches] [--digest daily|weekly|none] [--min-severity info|notable|critical]", createsDB: true,
		minArgs: 1, maxArgs: 1,
		short: "send alerts and digests to an address",
		long: `Subscribes an address, or changes its subscription. A change whose severity
is at least --min-severity (critical by default) is sent at once, at most one
per watch per hour; the other changes wait for the digest (daily at the
notify.digest_schedule time, weekly on Mondays; none: no digest, only the
alerts the hourly limit held back, at the next digest time). Anomalies
and fetch errors never go to subscribers. Every email has a one-click
unsubscribe link when notify.base_url is set.

The address hears of the changes recorded from now on, none found before
it subscribed (nor, for a former subscriber, while it was away).

For an address already subscribed, only the options given change: the
others keep their values. So too for an address that unsubscribed: it is
subscribed again with the settings it had, but for the options given, and
the line printed says so. --watch replaces the list of watches followed;
--all-watches goes back to every watch.

Without a mail server (notify.smtp) the address is subscribed but nothing
is sent: the changes it should hear of wait, and go out in its next digest
once a mail server is configured.

Examples:
  policywatch subscribe ada@example.org
  policywatch subscribe ada@example.org --watch meta-privacy-policy --watch meta-genai --digest weekly
  policywatch subscribe ada@example.org --digest daily      # the watches and severity stay
  policywatch subscribe ada@example.org --all-watches
  policywatch subscribe ops@example.org --min-severity notable --digest none`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{fs: fs}
			fs.Var(&o.watches, "watch", "follow only watch `W` (repeat for several; default every watch)")
			fs.BoolVar(&o.allWatches, "all-watches", false, "follow every watch, present and future (undoes --watch)")
			fs.StringVar(&o.digest, "digest", notify.DigestDaily, "digest `FREQUENCY`: daily, weekly or none")
			fs.StringVar(&o.minSeverity, "min-severity", string(monitor.SeverityCritical), "alert at once from `LEVEL` up: info, notable or critical")
			return o
		},
		run: func(ctx context.Context, a *app, o any, args []string) error {
			opt := o.(*opts)
			given := map[string]bool{}
			opt.fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
			if opt.allWatches && len(opt.watches) > 0 {
				return usageError{msg: "subscribe: --watch and --all-watches contradict each other; give one"}
			}
			sub, err := notify.NewSubscriber(args[0], opt.watches, opt.digest, opt.minSeverity, a.watchNames(), time.Now())
			if err != nil {
				return usageError{msg: fmt.Sprintf("subscribe: %v", err)}
			}
			// Re-running subscribe to change one thing must not reset the
			// rest, for a former subscriber too (as the README promises):
			// the settings it had when it left stay, unless given, and
			// the line printed says which it got back.
			old, err := a.db.SubscriberByEmail(ctx, sub.Email)
			known, former := err == nil, err == nil && !old.UnsubscribedAt.IsZero()
			var kept []string // the settings not given, kept
			switch {
			case errors.Is(err, store.ErrNotFound):
			case err != nil:
				return fmt.Errorf("subscribe %s: %w", sub.Email, err)
			default:
				if !given["watch"] && !opt.allWatches {
					sub.Watches = old.Watches
					kept = append(kept, "the watches")
				}
				if !given["min-severity"] {
					sub.MinSeverity = old.MinSeverity
					kept = append(kept, "the alert severity")
				}
				if !given["digest"] {
					sub.Digest = old.Digest
					kept = append(kept, "the digest")
				}
			}
			stored, err := notifystore.Store{DB: a.db}.Subscribe(ctx, sub)
			if err != nil {
				return err
			}
			verb := "subscribed " + stored.Email
			switch {
			case known && !former && slices.Equal(old.Watches, stored.Watches) && old.MinSeverity == stored.MinSeverity && old.Digest == stored.Digest:
				verb = "already subscribed " + stored.Email + " (nothing changed)"
			case known && !former:
				verb = "updated " + stored.Email
			case former && len(kept) == 3:
				verb += " again, with the settings it had"
			case former && len(kept) > 0:
				verb += " again, with " + joinAnd(kept) + " it had"
			case former:
				verb += " again"
			}
			fmt.Fprintf(a.stdout, "%s: %s; alerts at once for %s changes and above; digest: %s\n",
				verb, watchesText(stored.Watches), stored.MinSeverity, stored.Digest)
			a.warnNoMailServer()
			return nil
		},
	}
}

// warnNoMailServer tells whoever subscribes an address that nothing will
// be sent yet: subscribing succeeds, and without a word they would wait
// for mail that cannot come.
func (a *app) warnNoMailServer() {
	nc, err := a.cfg.NotifyConfig()
	if err != nil || nc.SMTP != nil {
		return // a broken notify: section is reported by the daemon and config check
	}
	fmt.Fprintln(a.stderr, "warning: no mail server is configured (notify.smtp): nothing is sent until one is; "+
		"the changes this address should hear of wait for its next digest after that")
}

// joinAnd is "a", "a and b", "a, b and c".
func joinAnd(items []string) string {
	if len(items) < 2 {
		return strings.Join(items, "")
	}
	return strings.Join(items[:len(items)-1], ", ") + " and " + items[len(items)-1]
}

func watchesText(watches []string) string {
	if len(watches) == 0 {
		return "every watch"
	}
	return strings.Join(watches, ", ")
}

func unsubscribeCommand() *command {
	return &command{
		name: "unsubscribe", args: "EMAIL", minArgs: 1, maxArgs: 1,
		short: "stop sending mail to an address",
		long: `Ends a subscription: nothing more is sent to the address, and what was
waiting for it (alerts not yet sent, changes held for its digest) is
dropped. Unsubscribing twice is not an error. Subscribers can do the same
with the link in every email.

Example:
  policywatch unsubscribe ada@example.org`,
		run: func(ctx context.Context, a *app, _ any, args []string) error {
			sub, err := a.db.SubscriberByEmail(ctx, strings.TrimSpace(args[0]))
			if errors.Is(err, store.ErrNotFound) {
				// Not a mistake in the command line: exit 1, without the
				// pointer to the usage.
				return fmt.Errorf("unsubscribe: %s is not subscribed (see '%s')", printable(args[0]), a.hint("subscribers --all"))
			}
			if err != nil {
				return err
			}
			if !sub.UnsubscribedAt.IsZero() {
				fmt.Fprintf(a.stdout, "%s was already unsubscribed (%s)\n", printable(sub.Email), timeText(sub.UnsubscribedAt))
				return nil
			}
			if _, err := a.db.Unsubscribe(ctx, sub.ID, time.Now()); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "unsubscribed %s\n", printable(sub.Email))
			return nil
		},
	}
}

func subscribersCommand() *command {
	type opts struct{ all, json bool }
	return &command{
		name: "subscribers", args: "[--all] [--json]", maxArgs: 0,
		short: "list the addresses that receive mail",
		long: `Lists the subscribers with the watches they follow, their digest, the
severity from which they are alerted at once, and what became of the last
email whose outcome is known: "sent TIME", "failed TIME: why" (a mail
server's refusal, such as 550 for an address that no longer exists, or
retries spent), or "retrying since TIME (N failed attempts): why" (the
server is down or deferring: it is tried again; 'policywatch outbox' lists
the rows). --all adds the former ones.

Example:
  policywatch subscribers`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.BoolVar(&o.all, "all", false, "include those who unsubscribed")
			fs.BoolVar(&o.json, "json", false, "print JSON Lines")
			return o
		},
		run: func(ctx context.Context, a *app, o any, _ []string) error {
			opt := o.(*opts)
			subs, err := a.db.Subscribers(ctx, opt.all)
			if err != nil {
				return err
			}
			last, err := a.db.LastMails(ctx)
			if err != nil {
				return err
			}
			if opt.json {
				enc := json.NewEncoder(a.stdout)
				for _, s := range subs {
					if err := enc.Encode(subscriberJSON(s, last[s.ID])); err != nil {
						return err
					}
				}
				return nil
			}
			if len(subs) == 0 {
				fmt.Fprintln(a.stdout, "no subscribers; add one with: policywatch subscribe EMAIL")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "EMAIL\tWATCHES\tDIGEST\tALERTS FROM\tSINCE\tSTATUS\tLAST MAIL")
			for _, s := range subs {
				status := "active"
				if !s.UnsubscribedAt.IsZero() {
					status = "unsubscribed " + timeText(s.UnsubscribedAt)
				}
				// An address subscribed before subscribe refused format
				// characters may hold a direction override.
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", printable(s.Email), watchesText(s.Watches), s.Digest, s.MinSeverity,
					timeText(s.CreatedAt), status, lastMailText(last[s.ID]))
			}
			return tw.Flush()
		},
	}
}

// lastMailText is a subscriber's last known email outcome, as the
// subscribers listing shows it: "-" for none yet.
func lastMailText(it store.OutboxItem) string {
	switch it.Status {
	case store.OutboxSent:
		return "sent " + timeText(it.SentAt)
	case store.OutboxFailed:
		return fmt.Sprintf("failed %s: %s", timeText(it.CreatedAt), email.HeaderText(it.LastError, 160))
	case store.OutboxPending:
		return fmt.Sprintf("retrying since %s (%d failed %s): %s", timeText(it.CreatedAt),
			it.Attempts, plural(it.Attempts, "attempt", "attempts"), email.HeaderText(it.LastError, 160))
	}
	return "-"
}

// lastMailJSON is lastMailText for subscribers --json.
type lastMailJSON struct {
	Status  string    `json:"status"` // sent, failed, or pending: retrying after a failed attempt
	Created time.Time `json:"created_at"`
	SentAt  time.Time `json:"sent_at,omitzero"`
	Error   string    `json:"error,omitempty"`
}

func subscriberJSON(s store.Subscriber, last store.OutboxItem) any {
	out := struct {
		Email          string        `json:"email"`
		Watches        []string      `json:"watches"`
		Digest         string        `json:"digest"`
		MinSeverity    string        `json:"min_severity"`
		CreatedAt      time.Time     `json:"created_at"`
		UnsubscribedAt *time.Time    `json:"unsubscribed_at,omitempty"`
		LastMail       *lastMailJSON `json:"last_mail,omitempty"`
	}{Email: s.Email, Watches: s.Watches, Digest: s.Digest, MinSeverity: string(s.MinSeverity), CreatedAt: s.CreatedAt}
	if out.Watches == nil {
		out.Watches = []string{}
	}
	if !s.UnsubscribedAt.IsZero() {
		out.UnsubscribedAt = &s.UnsubscribedAt
	}
	if last.Status != "" {
		out.LastMail = &lastMailJSON{Status: last.Status, Created: last.CreatedAt.UTC(), SentAt: last.SentAt.UTC(), Error: last.LastError}
	}
	return out
}

// retryOutbox requeues failed rows, and those waiting for a retry: outbox
// --retry [ID...].
func retryOutbox(ctx context.Context, a *app, args []string) error {
	ids := make([]int64, len(args))
	for i, arg := range args {
		id, err := strconv.ParseInt(arg, 10, 64)
		if err != nil || id <= 0 {
			return usageError{msg: fmt.Sprintf("outbox --retry: %q is not a row ID (see '%s')", arg, a.hint("outbox"))}
		}
		ids[i] = id
	}
	n, err := a.db.RequeueFailed(ctx, ids, time.Now())
	if err != nil {
		return err
	}
	switch {
	case n == 0 && len(ids) > 0:
		return fmt.Errorf("outbox --retry: none of %s is a failed row, or one waiting for a retry, of a current subscriber (see '%s')", strings.Join(args, ", "), a.hint("outbox"))
	case n == 0:
		fmt.Fprintln(a.stdout, "no failed notifications, and none waiting for a retry")
	default:
		fmt.Fprintf(a.stdout, "%d %s back in the queue; the daemon sends %s at its next turn, or '%s' at once\n", n, plural(int(n), "notification", "notifications"), plural(int(n), "it", "them"), a.hint("digest --now"))
	}
	// Rows that failed and that a sender holds are not requeued (it may be
	// sending them again): say so, or the operator who saw "held until" is
	// left without a word. Rows on their first attempt are no retry.
	pending, err := a.db.OutboxRows(ctx, []string{store.OutboxPending}, 0)
	if err != nil {
		return err
	}
	now := time.Now()
	held, until := 0, time.Time{}
	for _, r := range pending {
		if r.LastError != "" && r.ClaimedUntil.After(now) && (len(ids) == 0 || slices.Contains(ids, r.ID)) {
			held++
			if r.ClaimedUntil.After(until) {
				until = r.ClaimedUntil
			}
		}
	}
	if held > 0 {
		fmt.Fprintf(a.stdout, "%d %s held by a sender until %s at the latest, not requeued: a policywatch process is sending %s, or died holding %s (kill -9, a crash) and %s tried again then\n",
			held, plural(held, "notification is", "notifications are"), timeText(until),
			plural(held, "it", "them"), plural(held, "it", "them"), plural(held, "it is", "they are"))
	}
	return nil
}

func outboxCommand() *command {
	type opts struct {
		all, json, retry bool
		limit            int
	}
	return &command{
		name: "outbox", args: "[--all] [--json] [--limit N] | --retry [ID...]", maxArgs: -1,
		short: "show the notifications waiting to be sent or that failed",
		long: `Lists the outbox: every alert, digest, operator notice and webhook delivery
is a row there before it is sent. By default the rows still pending (with
their attempts, next try and last error) and those given up as failed; with
--all, the newest rows of every status.

DUE is when a pending row is to be tried next (a time past: at the next
turn of the daemon, or 'policywatch digest --now'); for a row failed or
cancelled, when it was due the last time (a failed row was tried then, or
as soon after as a sender was running). SENT is when a sent row was sent.
A pending row a sender holds says "held until 2026-11-29 22:04 UTC": a
policywatch process is sending it, or died holding it (kill -9, a crash), and no other
takes it before then; a clean stop (SIGTERM, Ctrl-C) lets the message on
its way finish for up to 10 s and puts the rows it held back at once.

A notification is given up when the server refuses it for good (an
unknown address) or after a week of temporary failures. A password the
server refuses counts as temporary: put notify.smtp.password_file right
and the daemon reads it again before its next attempt (a password from
POLICYWATCH_SMTP_PASSWORD is read only when the daemon starts: restart
it). Once
the cause is put right, --retry puts the failed rows back in the queue —
all of them, or those whose IDs are given — with the rows still waiting
for a retry after a failure (after a mail server outage their backoff
reaches an hour), and the daemon sends them at its next turn (within
seconds), or 'policywatch digest --now' at once when the daemon is not
running. Rows of addresses unsubscribed since stay as they are.

Examples:
  policywatch outbox
  policywatch outbox --retry          # after fixing notify.smtp
  policywatch outbox --retry 41 42`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.BoolVar(&o.all, "all", false, "every status, sent and cancelled too")
			fs.BoolVar(&o.json, "json", false, "print JSON Lines")
			// At least 1: 0 and -1 were taken, and showed every row
			// without a word (the store reads a limit under 1 as none).
			o.limit = 100
			fs.Var((*atLeastOne)(&o.limit), "limit", "show at most the `N` newest rows (at least 1)")
			fs.BoolVar(&o.retry, "retry", false, "put the failed rows (or those named by ID) back in the queue")
			return o
		},
		run: func(ctx context.Context, a *app, o any, args []string) error {
			opt := o.(*opts)
			if opt.retry {
				if opt.all || opt.json {
					// They select and format a listing; --retry lists
					// nothing, and silently ignoring them let "--retry
					// --all" read as "every row".
					return usageError{msg: "outbox --retry takes row IDs, not --all or --json: usage: policywatch outbox [--all] [--json] [--limit N] | --retry [ID...]"}
				}
				return retryOutbox(ctx, a, args)
			}
			if len(args) > 0 {
				return usageError{msg: "usage: policywatch outbox [--all] [--json] [--limit N] | --retry [ID...]"}
			}
			statuses := []string{store.OutboxPending, store.OutboxFailed}
			if opt.all {
				statuses = nil
			}
			rows, err := a.db.OutboxRows(ctx, statuses, opt.limit)
			if err != nil {
				return err
			}
			if opt.json {
				enc := json.NewEncoder(a.stdout)
				for _, r := range rows {
					if err := enc.Encode(outboxJSON(r)); err != nil {
						return err
					}
				}
				return nil
			}
			if len(rows) == 0 {
				fmt.Fprintln(a.stdout, "the outbox is empty: nothing pending, nothing failed")
				return nil
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATUS\tKIND\tTO\tWATCH\tEVENT\tATTEMPTS\tDUE\tSENT\tERROR")
			for _, r := range rows {
				// Two times, each in its own column: one column showing
				// the next attempt of one row and the sending of the next
				// was read as the same time. A sent row was due when it
				// was sent.
				due, sent := timeText(r.NextAttemptAt), "—"
				switch {
				case r.Status == store.OutboxSent:
					due, sent = "—", timeText(r.SentAt)
				case r.Status == store.OutboxPending && r.ClaimedUntil.After(time.Now()):
					// Due or not, no sender takes it before its holder's
					// lease ends.
					due = "held until " + timeText(r.ClaimedUntil)
				}
				event := "-"
				if r.EventID != 0 {
					event = fmt.Sprint(r.EventID)
				}
				// A last error quotes a mail or web server: one line, no
				// control characters reach the terminal.
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", r.ID, r.Status, r.Kind, recipientText(r),
					orDash(r.Watch), event, r.Attempts, due, sent, orDash(email.HeaderText(r.LastError, 80)))
			}
			return tw.Flush()
		},
	}
}

func recipientText(r store.OutboxItem) string {
	if r.Channel == notify.ChannelWebhook {
		return printable(webhook.Redact(r.Recipient))
	}
	return printable(r.Recipient)
}

func outboxJSON(r store.OutboxItem) any {
	return struct {
		ID            int64     `json:"id"`
		Status        string    `json:"status"`
		Kind          string    `json:"kind"`
		Channel       string    `json:"channel"`
		To            string    `json:"to"`
		Watch         string    `json:"watch,omitempty"`
		EventID       int64     `json:"event_id,omitempty"`
		Attempts      int       `json:"attempts"`
		CreatedAt     time.Time `json:"created_at"`
		NextAttemptAt time.Time `json:"next_attempt_at"`
		SentAt        time.Time `json:"sent_at,omitzero"`
		ClaimedUntil  time.Time `json:"claimed_until,omitzero"` // a sender holds the row until then
		LastError     string    `json:"last_error,omitempty"`
	}{r.ID, r.Status, r.Kind, r.Channel, recipientText(r), r.Watch, r.EventID, r.Attempts, r.CreatedAt, r.NextAttemptAt, r.SentAt, r.ClaimedUntil, r.LastError}
}

func digestCommand() *command {
	type opts struct{ now, dryRun bool }
	return &command{
		name: "digest", args: "--now [--dry-run]", maxArgs: 0,
		short: "build the digests now and send every notification waiting",
		long: `Digests go out at the notify.digest_schedule time by themselves while
'policywatch run' is running. --now builds one at once for every subscriber
with changes waiting (daily and weekly alike) and sends it, together with
every other notification waiting in the outbox — the alerts and webhook
deliveries of changes found by 'policywatch check' while the daemon was
stopped — and says what became of each it tried: sent, failed for good, or
failed for now with the time of its next attempt. One that another
policywatch process (a running daemon) has claimed is left to it.
Notifications waiting for a retry after a failure keep their time (see
'policywatch outbox --retry'). Without a mail server (notify.smtp) no
digest is built, but webhooks are sent.

Exit status is 1 when a notification could not be sent — refused for
good (an unknown address), or failed for now and left for a retry (a
wrong password among them: each command reads the password anew) — with
a summary on stderr; the others are sent all the same. A
notification left waiting for its retry time by an earlier failure is not
one: it was not tried.

With --dry-run it lists everything --now would send — the notifications
due in the outbox, the alerts, operator notices and webhook posts of the
changes not yet planned (a webhook's URL shortened: it may carry a
token), then the digests in full — and ends with what that comes to
("would send: 1 digest, 2 alerts, 1 webhook post"). It plans, holds and
sends nothing; --dry-run alone is the same preview. With neither option,
says when the next digest goes out and how many changes wait.

Examples:
  policywatch digest --now --dry-run
  policywatch digest --now`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.BoolVar(&o.now, "now", false, "build the digests now and send everything waiting")
			fs.BoolVar(&o.dryRun, "dry-run", false, "print what would be sent instead of sending it; change nothing")
			return o
		},
		run: func(ctx context.Context, a *app, o any, _ []string) error {
			opt := o.(*opts)
			if opt.dryRun || !opt.now {
				svc, err := a.newSigningNotifier()
				if err != nil {
					return err
				}
				// --dry-run alone previews what --now would send, as
				// its help says: the next digest's time alone would
				// say nothing goes while alerts are about to.
				return previewDigests(ctx, a, svc, opt.now || opt.dryRun)
			}
			svc, err := a.newNotifier()
			if err != nil {
				return err
			}
			// Plan what the daemon's next turn would: the events not yet
			// planned (alerts, webhooks), then the digests, made now.
			if _, err := svc.Dispatch(ctx); err != nil {
				return err
			}
			digests, err := svc.DigestNow(ctx)
			noMail := errors.Is(err, notify.ErrNoMailServer)
			if err != nil && !noMail {
				return err
			}
			switch {
			case noMail:
				fmt.Fprintln(a.stdout, "no mail server configured (notify.smtp): no digest sent; the changes wait for one")
			case len(digests) == 0:
				fmt.Fprintln(a.stdout, "no changes waiting for a digest: no digest sent")
			}
			return sendWaiting(ctx, a, svc)
		},
	}
}

// sendWaiting sends every outbox row that is due — digests just planned,
// and alerts and webhooks that 'check' left for the daemon, which may not
// be running — and prints what became of each. Without it, digest --now
// sent them only when it had a digest to send too. It returns an error
// (exit status 1: cron and timers must hear of it) when one of them
// failed, after trying the others.
//
// What it reports is what it claimed (notify.Service.SendDueRows): the
// rows it tried and no other, each with its state read back from the
// database once the sends are over. A row a running daemon held is not
// said to be sent by this command, nor is a row planned meanwhile and sent
// left out.
func sendWaiting(ctx context.Context, a *app, svc *notify.Service) error {
	start := time.Now()
	// Read before the sends: what waits for a retry, or is in another
	// sender's hands, as this command found it.
	pending, err := a.db.OutboxRows(ctx, []string{store.OutboxPending}, 0)
	if err != nil {
		return err
	}
	tried, err := svc.SendDueRows(ctx)
	if err != nil {
		return err
	}
	ours := make(map[int64]bool, len(tried))
	first, last := int64(0), int64(0)
	for i, r := range tried {
		ours[r.ID] = true
		if i == 0 || r.ID < first {
			first = r.ID
		}
		last = max(last, r.ID)
	}
	later, elsewhere := 0, 0
	for _, r := range pending {
		switch {
		case ours[r.ID]:
		case r.NextAttemptAt.After(start):
			later++ // failed before: its backoff stands
		default:
			elsewhere++ // due, but claimed by another sender before this one could
		}
	}
	if len(tried) == 0 && later == 0 && elsewhere == 0 {
		fmt.Fprintln(a.stdout, "nothing else waiting to be sent")
		return nil
	}
	var final map[int64]store.OutboxItem
	if len(tried) > 0 {
		if final, err = outboxFrom(ctx, a.db, first, last); err != nil {
			return err
		}
	}
	failed, retried := 0, 0
	for _, r := range tried {
		got, ok := final[r.ID]
		var status string
		switch {
		case !ok:
			status = "no longer in the outbox"
		case got.Status == store.OutboxSent:
			status = "sent"
		case got.Status == store.OutboxFailed:
			failed++
			status = fmt.Sprintf("failed for good after %d %s: %s", got.Attempts, plural(got.Attempts, "attempt", "attempts"),
				email.HeaderText(got.LastError, 200))
		case got.Status == store.OutboxPending && got.LastError != "" && got.NextAttemptAt.After(start):
			retried++
			status = fmt.Sprintf("failed for now after %d %s, next attempt %s: %s", got.Attempts, plural(got.Attempts, "attempt", "attempts"),
				timeText(got.NextAttemptAt), email.HeaderText(got.LastError, 200))
		case got.Status == store.OutboxPending:
			// Its outcome was not recorded by this command: its claim ran
			// out and another sender has the row now.
			status = "pending: another policywatch process took it over"
		default: // cancelled: its subscriber left, its webhook was removed
			status = got.Status
			if got.LastError != "" {
				status += ": " + email.HeaderText(got.LastError, 200)
			}
		}
		what := r.Kind + " to " + recipientText(store.OutboxItem(r))
		if r.Watch != "" && r.Kind != notify.KindDigest {
			what += " (" + r.Watch + ")"
		}
		fmt.Fprintf(a.stdout, "%s: %s\n", what, status)
	}
	notTried(a, elsewhere, later, false)
	if failed+retried == 0 {
		return nil
	}
	var why []string
	if failed > 0 {
		why = append(why, fmt.Sprintf("%d failed for good (put the cause right, then '%s')", failed, a.hint("outbox --retry")))
	}
	if retried > 0 {
		why = append(why, fmt.Sprintf("%d failed for now and %s retried later", retried, plural(retried, "is", "are")))
	}
	return fmt.Errorf("digest --now: %d of %d %s not sent: %s; see '%s'", failed+retried, len(tried),
		plural(len(tried), "notification", "notifications"), strings.Join(why, ", "), a.hint("outbox"))
}

// outboxFrom returns the outbox rows whose ids are from first on, by id;
// last is the highest id wanted. OutboxRows reads the newest rows and ids
// only grow, so the rows from first on are the newest ones: the window
// starts at last-first+1 rows and is widened while rows planned meanwhile
// (by a running daemon) keep it from reaching first.
func outboxFrom(ctx context.Context, db *store.DB, first, last int64) (map[int64]store.OutboxItem, error) {
	limit := int(last-first) + 1
	for {
		rows, err := db.OutboxRows(ctx, nil, limit)
		if err != nil {
			return nil, err
		}
		if len(rows) < limit || rows[0].ID <= first {
			out := make(map[int64]store.OutboxItem, len(rows))
			for _, r := range rows {
				if r.ID >= first {
					out[r.ID] = r
				}
			}
			return out, nil
		}
		limit += int(rows[0].ID - first)
	}
}

func previewDigests(ctx context.Context, a *app, svc *notify.Service, show bool) error {
	if !show {
		// The next scheduled time's digests: weekly ones only at a Monday's.
		next, ns, err := svc.PreviewNextDigests(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "next digest: %s\n", timeText(next))
		for _, n := range ns {
			fmt.Fprintf(a.stdout, "%s: %s\n", n.Item.Recipient, printable(n.Subject))
		}
		if len(ns) == 0 {
			fmt.Fprintln(a.stdout, "no changes waiting for a digest")
		}
		return nil
	}
	return previewDigestNow(ctx, a, svc)
}

// previewDigestNow prints what 'digest --now' would send now, and changes
// nothing: the notifications due in the outbox, those the dispatcher
// would plan for the events not yet planned (alerts, operator notices,
// webhook posts), and the digests, in full — then the whole of it in one
// line. Without the first two, a dry run after 'check' found a critical
// change said no digest would be sent, and the real command sent its
// alerts and webhook posts.
func previewDigestNow(ctx context.Context, a *app, svc *notify.Service) error {
	due, err := svc.PreviewDue(ctx)
	if err != nil {
		return err
	}
	planned, digests, noMail, err := svc.PreviewNow(ctx)
	if err != nil {
		return err
	}
	// The digests too: one due in the outbox (a failed send's) goes with
	// the one made now to the same subscriber, as one digest.
	all, err := svc.PreviewTogether(ctx, slices.Concat(due, planned, digests))
	if err != nil {
		return err
	}
	if len(all) > 0 {
		tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "KIND\tCHANNEL\tTO\tWATCH\tFROM\tSUBJECT OR SUMMARY")
		for _, n := range all {
			it := store.OutboxItem(n.Item)
			from := "new" // planned by this command
			if it.ID != 0 {
				from = fmt.Sprintf("outbox #%d", it.ID)
			}
			watch := it.Watch
			if it.Kind == notify.KindDigest {
				watch = "" // a digest's row names no watch
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", it.Kind, it.Channel, printable(recipientText(it)), orDash(printable(watch)),
				from, previewSubject(n))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, n := range all {
		if n.Item.Kind != notify.KindDigest {
			continue
		}
		// The subject and text quote the pages' titles and words.
		fmt.Fprintf(a.stdout, "\nTo: %s\nSubject: %s\n\n%s", n.Item.Recipient, printable(n.Subject), printableLines(n.Text))
	}
	if len(all) > 0 {
		fmt.Fprintln(a.stdout)
	}
	switch {
	case noMail:
		fmt.Fprintln(a.stdout, "no mail server configured (notify.smtp): no digest would be sent; the changes wait for one")
	case len(digests) == 0:
		fmt.Fprintln(a.stdout, "no changes waiting for a digest: no digest would be sent")
	}
	if err := previewNotDue(ctx, a); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, wouldSend(all))
	return nil
}

// previewSubject is a notification's subject, or for a webhook post its
// title and summary, on one line: email.HeaderText folds every control,
// format and space character, so nothing is left for printable.
func previewSubject(n *notify.Notification) string {
	if n.Item.Channel != notify.ChannelWebhook {
		return email.HeaderText(n.Subject, 0)
	}
	s := n.Title
	if n.Text != "" {
		s += " — " + n.Text
	}
	return email.HeaderText(s, 160)
}

// previewNotDue says, as sendWaiting does, what waits in the outbox but
// would not be tried: rows waiting for a retry, rows another policywatch
// process holds (PreviewDue took the others).
func previewNotDue(ctx context.Context, a *app) error {
	pending, err := a.db.OutboxRows(ctx, []string{store.OutboxPending}, 0)
	if err != nil {
		return err
	}
	now := time.Now()
	later, elsewhere := 0, 0
	for _, r := range pending {
		switch {
		case r.NextAttemptAt.After(now):
			later++
		case r.ClaimedUntil.After(now):
			elsewhere++
		}
	}
	notTried(a, elsewhere, later, true)
	return nil
}

// notTried says what waits in the outbox and was not tried (dryRun: would
// not be): elsewhere rows due but held by another sender, later rows
// waiting for a retry.
func notTried(a *app, elsewhere, later int, dryRun bool) {
	if elsewhere > 0 {
		left := plural(elsewhere, "was", "were") + " claimed by another policywatch process and left to it"
		if dryRun {
			left = plural(elsewhere, "is", "are") + " held by another policywatch process and would be left to it"
		}
		fmt.Fprintf(a.stdout, "%d %s due %s (see '%s')\n", elsewhere, plural(elsewhere, "notification", "notifications"), left, a.hint("outbox"))
	}
	if later > 0 {
		fmt.Fprintf(a.stdout, "%d %s failed before and %s retried later ('%s' then '%s' sends them now)\n", later,
			plural(later, "notification", "notifications"), plural(later, "is", "are"), a.hint("outbox --retry"), a.hint("digest --now"))
	}
}

// wouldSend is the dry run's last line: "would send: 2 digests, 4 alerts,
// 1 webhook post".
func wouldSend(all []*notify.Notification) string {
	counts := map[string]int{}
	for _, n := range all {
		counts[n.Item.Kind]++
	}
	var parts []string
	for _, k := range []struct{ kind, one, many string }{
		{notify.KindDigest, "digest", "digests"},
		{notify.KindAlert, "alert", "alerts"},
		{notify.KindOperator, "operator notice", "operator notices"},
		{notify.KindWebhook, "webhook post", "webhook posts"},
	} {
		if n := counts[k.kind]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, plural(n, k.one, k.many)))
		}
	}
	if len(parts) == 0 {
		return "would send nothing"
	}
	return "would send: " + strings.Join(parts, ", ")
}
