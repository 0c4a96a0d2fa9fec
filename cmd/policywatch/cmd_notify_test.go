package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/policywatch/policywatch/cmd/policywatch/config"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/store"
)

// plainSMTP is an SMTP server on the loopback interface that keeps the
// recipients of what it receives.
type plainSMTP struct {
	addr string
	mu   sync.Mutex
	to   []string
}

func newPlainSMTP(t *testing.T) *plainSMTP {
	ps := &plainSMTP{}
	ps.addr = serveSMTP(t, ps)
	return ps
}

// serveSMTP serves SMTP with backend on a loopback port until the test
// ends, and returns its address.
func serveSMTP(t *testing.T, backend smtp.Backend) string {
	s := smtp.NewServer(backend)
	s.Domain = "mx.test"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go s.Serve(l)
	t.Cleanup(func() { s.Close() })
	return l.Addr().String()
}

func (ps *plainSMTP) NewSession(*smtp.Conn) (smtp.Session, error) { return &plainSession{ps: ps}, nil }

func (ps *plainSMTP) received() []string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return append([]string(nil), ps.to...)
}

type plainSession struct {
	ps *plainSMTP
	to []string
}

func (s *plainSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *plainSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *plainSession) Data(r io.Reader) error {
	io.Copy(io.Discard, r)
	s.ps.mu.Lock()
	s.ps.to = append(s.ps.to, s.to...)
	s.ps.mu.Unlock()
	return nil
}
func (s *plainSession) Reset()        { s.to = nil }
func (s *plainSession) Logout() error { return nil }

func TestSubscribeCommands(t *testing.T) {
	c := newCLI(t)
	for _, bad := range []struct{ args, want string }{
		{"subscribe not-an-address", `"not-an-address" is not a valid email address`},
		{"subscribe Ada<ada@example.org>", "is not a bare address"},
		{"subscribe ada@intranet", `"intranet" is not a mail domain`},
		{"subscribe ada@example.org --watch nope", `unknown watch "nope"`},
		{"subscribe ada@example.org --digest hourly", `unknown digest "hourly"`},
		{"subscribe ada@example.org --min-severity urgent", `unknown severity "urgent"`},
	} {
		_, _, err := c.run(strings.Fields(bad.args)...)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("policywatch %s: %v, want a usage error with %q", bad.args, err, bad.want)
		}
	}
	// An address nobody subscribed is not a mistake in the command line.
	if _, _, err := c.run("unsubscribe", "bob@example.org"); err == nil || !strings.Contains(err.Error(), "bob@example.org is not subscribed") ||
		exitCode(err, io.Discard) != 1 {
		t.Errorf("unsubscribe of an unknown address: %v, want exit status 1 saying it is not subscribed", err)
	}
	out := c.mustRun("subscribe", "ada@example.org", "--watch", "meta-genai", "--watch", "meta-privacy-policy", "--digest", "weekly")
	if want := "subscribed ada@example.org: meta-genai, meta-privacy-policy; alerts at once for critical changes and above; digest: weekly\n"; out != want {
		t.Errorf("subscribe: %q, want %q", out, want)
	}
	c.mustRun("subscribe", "bob@example.org", "--min-severity", "notable")
	out = c.mustRun("subscribers")
	for _, want := range []string{"ada@example.org  meta-genai, meta-privacy-policy  weekly", "bob@example.org  every watch", "notable"} {
		if !strings.Contains(out, want) {
			t.Errorf("subscribers lacks %q:\n%s", want, out)
		}
	}
	if out := c.mustRun("unsubscribe", "ada@example.org"); out != "unsubscribed ada@example.org\n" {
		t.Errorf("unsubscribe: %q", out)
	}
	if out := c.mustRun("unsubscribe", "ada@example.org"); !strings.Contains(out, "already unsubscribed") {
		t.Errorf("unsubscribe twice: %q", out)
	}
	if out := c.mustRun("subscribers"); strings.Contains(out, "ada@") {
		t.Errorf("subscribers lists the unsubscribed:\n%s", out)
	}
	if out := c.mustRun("subscribers", "--all", "--json"); !strings.Contains(out, `"email":"ada@example.org"`) || !strings.Contains(out, `"unsubscribed_at"`) {
		t.Errorf("subscribers --all --json:\n%s", out)
	}
	if out := c.mustRun("outbox"); !strings.Contains(out, "the outbox is empty") {
		t.Errorf("outbox: %q", out)
	}
}

func TestDigestCommand(t *testing.T) {
	c := newCLI(t)
	mail := newPlainSMTP(t)
	page := newPolicyServer(t)
	c.env["POLICYWATCH_CONFIG"] = notifyConfig(t, page.URL, smtpYAML(mail.addr)+"  base_url: https://pw.example\n")
	c.mustRun("subscribe", "ada@example.org")
	c.mustRun("check")
	page.set("Effective May 27, 2026") // a notable change: it waits for the digest
	c.mustRun("check")

	out := c.mustRun("digest", "--now", "--dry-run")
	for _, want := range []string{"To: ada@example.org", "Subject: [policywatch] Daily digest: 1 change to nimbus",
		"Effective date 3 Mar 2026 → 27 May 2026", "https://pw.example/unsubscribe?token="} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if got := mail.received(); len(got) != 0 {
		t.Fatalf("the dry run sent mail to %v", got)
	}
	if out := c.mustRun("outbox", "--all"); !strings.Contains(out, "the outbox is empty") {
		t.Errorf("the dry run wrote to the outbox:\n%s", out)
	}

	if out := c.mustRun("digest", "--now"); out != "digest to ada@example.org: sent\n" {
		t.Errorf("digest --now: %q", out)
	}
	if got := mail.received(); len(got) != 1 || got[0] != "ada@example.org" {
		t.Errorf("received %v", got)
	}
	if out := c.mustRun("digest", "--now"); !strings.Contains(out, "no changes waiting") {
		t.Errorf("second digest --now: %q", out)
	}
	out = c.mustRun("outbox", "--all")
	if !strings.Contains(out, "sent    digest  ada@example.org") {
		t.Errorf("outbox --all:\n%s", out)
	}
	if out := c.mustRun("digest"); !strings.Contains(out, "next digest: ") || !strings.Contains(out, "no changes waiting") {
		t.Errorf("digest: %q", out)
	}
}

// TestDaemonWarnsOfOrphanSubscriptions: a subscriber following a watch the
// configuration no longer has is named at the daemon's start, since it
// would otherwise get nothing of it without a word.
func TestDaemonWarnsOfOrphanSubscriptions(t *testing.T) {
	c := newCLI(t)
	c.mustRun("subscribe", "ada@example.org", "--watch", "meta-genai", "--watch", "meta-privacy-policy")
	c.mustRun("subscribe", "bob@example.org")
	ctx := context.Background()
	db := c.openDB()
	var logs bytes.Buffer
	a := &app{db: db, log: slog.New(slog.NewTextHandler(&logs, nil)),
		cfg: &config.Config{Watches: []monitor.Watch{{Name: "meta-privacy-policy", URL: "https://www.facebook.com/privacy/policy/"}}}}
	a.warnOrphanSubscriptions(ctx)
	got := logs.String()
	if !strings.Contains(got, "subscriber=ada@example.org watch=meta-genai") || strings.Count(got, "level=WARN") != 1 {
		t.Errorf("warnings:\n%s\nwant one, for ada and meta-genai", got)
	}
}

// TestOutboxRetry: outbox --retry puts the failed rows back in the queue
// (after, say, a wrong SMTP password was put right), and says so; a wrong
// ID is an error, not silence.
func TestOutboxRetry(t *testing.T) {
	c, db, events := outboxTestSetup(t)
	ctx := context.Background()
	now := time.Now()
	if err := db.RecordNotifyPlan(ctx, store.NotifyPlan{Through: events[0].ID, Outbox: []store.OutboxItem{{
		Key: "operator:1", Channel: "email", Kind: "operator", Recipient: "ops@example.org",
		EventID: events[0].ID, CreatedAt: now, NextAttemptAt: now,
	}}}); err != nil {
		t.Fatal(err)
	}
	claimed, err := db.ClaimOutbox(ctx, now, now, time.Minute, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %v", claimed, err)
	}
	if _, err := db.MarkOutboxFailed(ctx, claimed[0].ID, claimed[0].ClaimedUntil, "535 5.7.8 authentication failed", time.Time{}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	if out := c.mustRun("outbox"); !strings.Contains(out, "failed") || !strings.Contains(out, "authentication failed") {
		t.Fatalf("outbox before the retry:\n%s", out)
	}
	if _, _, err := c.run("outbox", "--retry", "999"); err == nil || !strings.Contains(err.Error(), "none of 999") {
		t.Errorf("retry of an unknown row: %v", err)
	}
	if _, _, err := c.run("outbox", "--retry", "x"); err == nil || !strings.Contains(err.Error(), "not a row ID") {
		t.Errorf("retry of a non-ID: %v", err)
	}
	if out := c.mustRun("outbox", "--retry"); out != "1 notification back in the queue; the daemon sends it at its next turn, or 'policywatch digest --now' at once\n" {
		t.Errorf("outbox --retry: %q", out)
	}
	if out := c.mustRun("outbox"); !strings.Contains(out, "pending") || strings.Contains(out, "failed ") {
		t.Errorf("outbox after the retry:\n%s", out)
	}
	if out := c.mustRun("outbox", "--retry"); !strings.Contains(out, "no failed notifications") {
		t.Errorf("second retry: %q", out)
	}
}

// TestOutboxLimitAtLeastOne: --limit 0 and --limit -1 were taken and
// listed every row (the store reads a limit under 1 as none); they are a
// usage error naming the flag and what it takes, as --concurrency's.
func TestOutboxLimitAtLeastOne(t *testing.T) {
	c, db, events := outboxTestSetup(t)
	ctx := context.Background()
	now := time.Now()
	var rows []store.OutboxItem
	for _, key := range []string{"older", "newer"} {
		rows = append(rows, store.OutboxItem{Key: key, Channel: "email", Kind: "operator", Recipient: key + "@example.org",
			EventID: events[0].ID, CreatedAt: now, NextAttemptAt: now.Add(time.Hour)})
	}
	if err := db.RecordNotifyPlan(ctx, store.NotifyPlan{Through: events[0].ID, Outbox: rows}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, n := range []string{"0", "-1", "x"} {
		_, _, err := c.run("outbox", "--limit", n)
		var stderr bytes.Buffer
		if code := exitCode(err, &stderr); code != 2 {
			t.Errorf("outbox --limit %s: %v, exit status %d; want 2", n, err, code)
			continue
		}
		want := fmt.Sprintf(`invalid value %q for flag --limit: must be at least 1`, n)
		if n == "x" {
			want = `invalid value "x" for flag --limit: want a whole number, at least 1`
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("outbox --limit %s: %q lacks %q", n, err, want)
		}
	}
	if out := c.mustRun("outbox", "--limit", "1"); !strings.Contains(out, "newer@example.org") || strings.Contains(out, "older@example.org") {
		t.Errorf("outbox --limit 1 does not show the newest row alone:\n%s", out)
	}
	if help, _, _ := c.run("outbox", "--help"); !strings.Contains(help, "(at least 1) (default 100)") {
		t.Errorf("outbox --help does not give the range and the default:\n%s", help)
	}
}

// outboxTestSetup checks the page of a one-watch configuration once and
// returns the CLI, its database open, and the events found, for a test to
// write outbox rows of.
func outboxTestSetup(t *testing.T) (*cli, *store.DB, []monitor.Event) {
	t.Helper()
	c := newCLI(t)
	page := newPolicyServer(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, fmt.Sprintf("watches:\n  - name: nimbus\n    url: %s/policy\n    language: en\n", page.URL))
	c.mustRun("check")
	db := c.openDB()
	events, err := db.Events(context.Background(), monitor.EventFilter{})
	if err != nil || len(events) == 0 {
		t.Fatalf("events %v, %v", events, err)
	}
	return c, db, events
}

// TestOutboxSaysWhichTime: the outbox's table names its times: DUE, when
// a pending row is tried next and when a failed one was last due, and
// SENT, when a sent row went out. One column, headed WHEN, used to show
// the one or the other by the row.
func TestOutboxSaysWhichTime(t *testing.T) {
	c, db, events := outboxTestSetup(t)
	awayFromUTC(c)
	ctx := context.Background()
	now := time.Now()
	at := func(d time.Duration) time.Time { return now.Add(d).Truncate(time.Minute) }
	row := func(key string, due time.Time) store.OutboxItem {
		return store.OutboxItem{Key: key, Channel: "email", Kind: "operator", Recipient: key + "@example.org",
			EventID: events[0].ID, CreatedAt: now, NextAttemptAt: due}
	}
	sentDue, failedDue, pendingDue, sentAt := at(-3*time.Hour), at(-2*time.Hour), at(5*time.Hour), at(-time.Hour)
	if err := db.RecordNotifyPlan(ctx, store.NotifyPlan{Through: events[0].ID, Outbox: []store.OutboxItem{
		row("sent", sentDue), row("failed", failedDue), row("pending", pendingDue), row("held", failedDue),
	}}); err != nil {
		t.Fatal(err)
	}
	// "held": claimed by a sender that is still on it (or died holding
	// it): due, but no sender takes it before the claim ends.
	claimed, err := db.ClaimOutbox(ctx, now, now, time.Minute, 10)
	if err != nil || len(claimed) != 3 {
		t.Fatalf("claim: %v, %v", claimed, err)
	}
	if _, err := db.MarkOutboxSent(ctx, claimed[0].ID, claimed[0].ClaimedUntil, sentAt); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkOutboxFailed(ctx, claimed[1].ID, claimed[1].ClaimedUntil, "550 no such user", time.Time{}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	out := c.mustRun("outbox", "--all")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	columns := regexp.MustCompile(`\s{2,}`) // a time is two words, one space apart
	header := columns.Split(lines[0], -1)
	if !slices.Contains(header, "DUE") || !slices.Contains(header, "SENT") {
		t.Fatalf("outbox header: %q\n%s", header, out)
	}
	got := map[string]map[string]string{}
	for _, l := range lines[1:] {
		cells := columns.Split(l, -1)
		if len(cells) != len(header) {
			t.Fatalf("row %q: %d cells for %d columns", l, len(cells), len(header))
		}
		r := map[string]string{}
		for i, h := range header {
			r[h] = cells[i]
		}
		got[strings.TrimSuffix(r["TO"], "@example.org")] = r
	}
	// In UTC, as events gives a time: they were local ("16:59 EST"),
	// the lease's end a time of day alone.
	for to, want := range map[string][2]string{
		"sent":    {"—", utc(sentAt)},
		"failed":  {utc(failedDue), "—"},
		"pending": {utc(pendingDue), "—"},
		"held":    {"held until " + utc(claimed[2].ClaimedUntil), "—"},
	} {
		if r := got[to]; r["DUE"] != want[0] || r["SENT"] != want[1] {
			t.Errorf("%s row: DUE %q, SENT %q; want %q, %q\n%s", to, r["DUE"], r["SENT"], want[0], want[1], out)
		}
	}
	// The held row fails for now, and a sender holds it again for its
	// retry: --retry requeues the failed row, not this one, and says why.
	db = c.openDB()
	if _, err := db.MarkOutboxFailed(ctx, claimed[2].ID, claimed[2].ClaimedUntil, "451 try later", now.Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	again, err := db.ClaimOutbox(ctx, now, now, time.Minute, 10)
	if err != nil || len(again) != 1 || again[0].ID != claimed[2].ID {
		t.Fatalf("claim again: %v, %v", again, err)
	}
	db.Close()
	out = c.mustRun("outbox", "--retry")
	want := "1 notification back in the queue; the daemon sends it at its next turn, or 'policywatch digest --now' at once\n" +
		"1 notification is held by a sender until " + utc(again[0].ClaimedUntil) +
		" at the latest, not requeued: a policywatch process is sending it, or died holding it (kill -9, a crash) and it is tried again then\n"
	if out != want {
		t.Errorf("outbox --retry:\n%s\nwant:\n%s", out, want)
	}
}

// TestSubscribeChangesOnlyWhatIsGiven: running subscribe again for an
// address changes only the options given, and says what the subscription
// is now, or that nothing changed; --all-watches goes back to every watch; a former subscriber
// gets back the settings it had, but for the options given, and is told
// which.
func TestSubscribeChangesOnlyWhatIsGiven(t *testing.T) {
	c := newCLI(t)
	for _, step := range []struct{ args, want string }{
		{"subscribe carol@example.org --watch meta-genai --watch meta-privacy-policy --digest weekly --min-severity info",
			"subscribed carol@example.org: meta-genai, meta-privacy-policy; alerts at once for info changes and above; digest: weekly"},
		{"subscribe Carol@Example.org --digest daily", // the same address
			"updated carol@example.org: meta-genai, meta-privacy-policy; alerts at once for info changes and above; digest: daily"},
		{"subscribe carol@example.org --min-severity notable",
			"updated carol@example.org: meta-genai, meta-privacy-policy; alerts at once for notable changes and above; digest: daily"},
		{"subscribe carol@example.org --watch meta-genai",
			"updated carol@example.org: meta-genai; alerts at once for notable changes and above; digest: daily"},
		{"subscribe carol@example.org", // nothing given, nothing changed
			"already subscribed carol@example.org (nothing changed): meta-genai; alerts at once for notable changes and above; digest: daily"},
		{"subscribe carol@example.org --digest daily", // as it was
			"already subscribed carol@example.org (nothing changed): meta-genai; alerts at once for notable changes and above; digest: daily"},
		{"subscribe carol@example.org --all-watches",
			"updated carol@example.org: every watch; alerts at once for notable changes and above; digest: daily"},
		{"unsubscribe carol@example.org", "unsubscribed carol@example.org"},
		{"subscribe carol@example.org --digest none",
			"subscribed carol@example.org again, with the watches and the alert severity it had: every watch; alerts at once for notable changes and above; digest: none"},
		{"unsubscribe carol@example.org", "unsubscribed carol@example.org"},
		{"subscribe carol@example.org --watch meta-genai --min-severity critical --digest daily",
			"subscribed carol@example.org again: meta-genai; alerts at once for critical changes and above; digest: daily"},
	} {
		if out := c.mustRun(strings.Fields(step.args)...); out != step.want+"\n" {
			t.Errorf("policywatch %s:\n%q, want\n%q", step.args, out, step.want+"\n")
		}
	}
	_, _, err := c.run("subscribe", "carol@example.org", "--watch", "meta-genai", "--all-watches")
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "contradict") {
		t.Errorf("--watch with --all-watches: %v, want a usage error", err)
	}
}

// TestResubscribeKeepsTheSettingsItHad: an address that unsubscribed and
// subscribes again, naming no option, gets back its weekly digest and its
// alerts from notable (it used to get daily and critical without a word,
// while the README says the settings not given stay), and is told so.
func TestResubscribeKeepsTheSettingsItHad(t *testing.T) {
	c := newCLI(t)
	c.mustRun("subscribe", "weekly@example.org", "--digest", "weekly", "--min-severity", "notable", "--watch", "meta-genai")
	c.mustRun("unsubscribe", "weekly@example.org")
	want := "subscribed weekly@example.org again, with the settings it had: meta-genai; alerts at once for notable changes and above; digest: weekly\n"
	if out := c.mustRun("subscribe", "weekly@example.org"); out != want {
		t.Errorf("subscribe again:\n%q, want\n%q", out, want)
	}
	out := c.mustRun("subscribers")
	if !strings.Contains(out, "weekly@example.org  meta-genai  weekly  notable") || !strings.Contains(out, "active") {
		t.Errorf("subscribers after subscribing again:\n%s", out)
	}
}

// TestSubscribeWarnsWithoutAMailServer: subscribing works without a mail
// server, but says on stderr that nothing is sent yet.
func TestSubscribeWarnsWithoutAMailServer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		config string
		warn   bool
	}{
		{"no notify section", "", true},
		{"notify without smtp", "notify:\n  base_url: https://pw.example\n", true},
		{"smtp configured", "notify:\n  smtp: {host: 127.0.0.1, port: 2525, tls: none, from: \"policywatch <alerts@policywatch.example>\"}\n", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			if tc.config != "" {
				c.env["POLICYWATCH_CONFIG"] = writeConfig(t, "watches:\n  - name: nimbus\n    url: https://nimbus.example/policy\n"+tc.config)
			}
			out, errOut, err := c.run("subscribe", "ada@example.org")
			if err != nil || !strings.HasPrefix(out, "subscribed ada@example.org") {
				t.Fatalf("subscribe: %q, %v\nstderr:\n%s", out, err, errOut)
			}
			warned := strings.Contains(errOut, "warning: no mail server is configured (notify.smtp)")
			if warned != tc.warn {
				t.Errorf("warned %v, want %v; stderr:\n%s", warned, tc.warn, errOut)
			}
		})
	}
}

// TestDaemonWarnsWithoutAMailServer: with subscribers and no notify.smtp,
// the daemon's start says, as a warning, that they get no email.
func TestDaemonWarnsWithoutAMailServer(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, fmt.Sprintf("settings:\n  host_interval: 0s\nweb:\n  listen: 127.0.0.1:0\nwatches:\n  - name: nimbus\n    url: %s/p\n    language: en\n", srv.URL))
	c.mustRun("subscribe", "ada@example.org")
	d := c.startDaemon()
	d.waitFor(`level=WARN msg="subscribers get no email: no mail server is configured (notify.smtp)`)
	d.stop()
}

// hookReceiver is a webhook endpoint that keeps the kind of each event
// posted to it, answering with status (200 when 0).
type hookReceiver struct {
	*httptest.Server
	status int
	mu     sync.Mutex
	kinds  []string
}

func newHookReceiver(t *testing.T, status int) *hookReceiver {
	h := &hookReceiver{status: status}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		h.mu.Lock()
		h.kinds = append(h.kinds, r.Header.Get("X-Policywatch-Event"))
		h.mu.Unlock()
		if h.status != 0 {
			w.WriteHeader(h.status)
		}
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hookReceiver) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.kinds...)
}

// TestDigestNowSendsWhatCheckLeft: with the daemon stopped, the alerts and
// webhook deliveries of a critical change found by 'check' go out with
// 'digest --now' even when no digest is due — a user saw "no digest sent"
// while the outbox held them until 'run' started. Without a mail server,
// the webhooks still go. A delivery that fails keeps its backoff: the
// next 'digest --now' says it waits rather than hammering the receiver.
// The first one, which saw it fail, exits 1 (with a summary); the second,
// which did not try it, 0.
func TestDigestNowSendsWhatCheckLeft(t *testing.T) {
	for _, tc := range []struct {
		name       string
		mail       bool
		hookStatus int
		want       []string // lines of the first digest --now
		wantMail   int
		wantAgain  string // in the second digest --now
		wantOutbox string
		wantErr    string // of the first digest --now; "" for none
	}{
		{"mail server and webhook", true, 0, []string{
			"no changes waiting for a digest: no digest sent",
			"webhook to http://127.0.0.1:", "/hook (nimbus): sent",
			"alert to ada@example.org (nimbus): sent",
		}, 1, "nothing else waiting to be sent", "the outbox is empty", ""},
		{"webhook without a mail server", false, 0, []string{
			"no mail server configured (notify.smtp): no digest sent",
			"/hook (nimbus): sent",
		}, 0, "nothing else waiting to be sent", "the outbox is empty", ""},
		{"webhook down", true, http.StatusServiceUnavailable, []string{
			"/hook (nimbus): failed for now after 1 attempt, next attempt ", "503",
			"alert to ada@example.org (nimbus): sent",
		}, 1, "1 notification failed before and is retried later ('policywatch outbox --retry' then 'policywatch digest --now' sends them now)", "pending  webhook",
			"digest --now: 1 of 2 notifications not sent: 1 failed for now and is retried later; see 'policywatch outbox'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			page := newPolicyServer(t)
			hooks := newHookReceiver(t, tc.hookStatus)
			mail := newPlainSMTP(t)
			smtp := ""
			if tc.mail {
				smtp = smtpYAML(mail.addr)
			}
			c.env["POLICYWATCH_CONFIG"] = notifyConfig(t, page.URL, smtp+fmt.Sprintf("  webhooks:\n    - url: %s/hook\n      min_severity: critical\n", hooks.URL))
			c.run("subscribe", "ada@example.org") // warns without a mail server
			checkACriticalChange(t, c, page)

			out, _, err := c.run("digest", "--now")
			if tc.wantErr == "" && err != nil {
				t.Errorf("digest --now: %v", err)
			}
			if tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr) {
				t.Errorf("digest --now: %v, want %q", err, tc.wantErr)
			}
			for _, want := range tc.want {
				if !strings.Contains(out, want) {
					t.Errorf("digest --now lacks %q:\n%s", want, out)
				}
			}
			if got := hooks.received(); len(got) != 1 || got[0] != "change" {
				t.Errorf("webhook received %v, want the change", got)
			}
			if got := mail.received(); len(got) != tc.wantMail {
				t.Errorf("mail to %v, want %d alert", got, tc.wantMail)
			}
			if out := c.mustRun("outbox"); !strings.Contains(out, tc.wantOutbox) {
				t.Errorf("outbox after digest --now lacks %q:\n%s", tc.wantOutbox, out)
			}
			// Nothing is sent twice, nor tried again before its time.
			if out := c.mustRun("digest", "--now"); !strings.Contains(out, tc.wantAgain) {
				t.Errorf("second digest --now lacks %q:\n%s", tc.wantAgain, out)
			}
			if got := hooks.received(); len(got) != 1 {
				t.Errorf("webhook received %v after a second digest --now", got)
			}
			if got := mail.received(); len(got) != tc.wantMail {
				t.Errorf("mail to %v after a second digest --now", got)
			}
		})
	}
}

// TestDaemonPostsNoOldEventsToANewWebhook: 'check' ran without a notify
// section, then a webhook was configured and the daemon started. The
// webhook used to get every change those checks had found, as if new; it
// gets the change the daemon's first pass finds, and nothing older.
func TestDaemonPostsNoOldEventsToANewWebhook(t *testing.T) {
	page := newPolicyServer(t)
	hooks := newHookReceiver(t, 0)
	c := newCLI(t)
	settings := daemonYAML(page, "1s")
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, settings)
	checkACriticalChange(t, c, page) // a baseline and a change, told to nobody

	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, settings+fmt.Sprintf("notify:\n  webhooks:\n    - url: %s/hook\n", hooks.URL))
	page.set("Effective July 1, 2026. We use public posts and photos you share to develop and improve artificial intelligence technology at Nimbus, including to train our AI models.")
	d := c.startDaemon()
	// The daemon's change, then a delivery after it: at the notifier's
	// next poll, since the checks every second keep the daemon from idling.
	const found = "msg=event watch=nimbus kind=change"
	d.waitFor(found)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		log := d.stderr.String()
		if strings.Contains(log[strings.Index(log, found):], `msg="notification sent"`) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no notification sent after the daemon's change within 20 s:\n%s", log)
		}
	}
	d.stop()

	db := c.openDB()
	events, err := db.Events(context.Background(), monitor.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(events) != 3 || events[2].Kind != monitor.KindChange {
		t.Fatalf("events %+v, want a baseline and a change by check, a change by the daemon", events)
	}
	rows, err := db.OutboxRows(context.Background(), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var posted []int64
	for _, r := range rows {
		posted = append(posted, r.EventID)
	}
	if !slices.Equal(posted, []int64{events[2].ID}) {
		t.Errorf("webhook deliveries planned for events %v, want only %d, the daemon's change", posted, events[2].ID)
	}
	if got := hooks.received(); !slices.Equal(got, []string{"change"}) {
		t.Errorf("webhook received %v, want the daemon's change alone", got)
	}
}

// hookedSMTP is a refusingSMTP that calls onData once, after the first
// message it takes: what another policywatch process does while digest
// --now sends.
type hookedSMTP struct {
	*refusingSMTP
	once   sync.Once
	onData func()
}

func (h *hookedSMTP) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &hookedSession{refusingSession: refusingSession{plainSession: plainSession{ps: h.plainSMTP}, refuse: h.refuse}, h: h}, nil
}

type hookedSession struct {
	refusingSession
	h *hookedSMTP
}

func (s *hookedSession) Data(r io.Reader) error {
	err := s.refusingSession.Data(r)
	s.h.once.Do(s.h.onData)
	return err
}

// TestDigestNowReportsWhatItSent: digest --now says, of each notification
// it tried, what became of it in the database — sent, failed for good —
// and of nothing else. A daemon running beside it holds one notice and
// sends it meanwhile, and plans another that digest --now then sends. It
// used to read the outbox before and after and report by difference: the
// daemon's notice as "sent" by it, and the one it sent in a later round
// not at all.
func TestDigestNowReportsWhatItSent(t *testing.T) {
	c := newCLI(t)
	page := newPolicyServer(t)
	mail := &hookedSMTP{refusingSMTP: &refusingSMTP{plainSMTP: &plainSMTP{}, refuse: map[string]bool{"zed@example.org": true}}}
	c.env["POLICYWATCH_CONFIG"] = mailConfig(t, page.URL, serveSMTP(t, mail))
	c.mustRun("subscribe", "ada@example.org")
	c.mustRun("subscribe", "zed@example.org")
	checkACriticalChange(t, c, page)

	// The daemon's side, on the same database: a notice it has claimed
	// and is sending when digest --now starts.
	ctx := context.Background()
	db := c.openDB()
	events, err := db.Events(ctx, monitor.EventFilter{})
	if err != nil || len(events) == 0 {
		t.Fatalf("events %v, %v", events, err)
	}
	plan := func(key, to string, at time.Time) {
		t.Helper()
		cursor, _, err := db.NotifyState(ctx)
		if err == nil {
			err = db.RecordNotifyPlan(ctx, store.NotifyPlan{After: cursor, Through: cursor, Outbox: []store.OutboxItem{{
				Key: key, Channel: "email", Kind: "operator", Recipient: to, EventID: events[0].ID, Watch: "nimbus",
				CreatedAt: at, NextAttemptAt: at,
			}}})
		}
		if err != nil {
			t.Errorf("plan %s: %v", key, err)
		}
	}
	plan("operator:held", "ops@example.org", time.Now().Add(-time.Hour))
	held, err := db.ClaimOutbox(ctx, time.Now(), time.Now(), notify.Lease, 10)
	if err != nil || len(held) != 1 {
		t.Fatalf("the daemon's claim: %v, %v", held, err)
	}
	// While digest --now sends ada's alert, the daemon records its notice
	// sent and plans another, due at once.
	mail.onData = func() {
		if _, err := db.MarkOutboxSent(ctx, held[0].ID, held[0].ClaimedUntil, time.Now()); err != nil {
			t.Errorf("the daemon's send: %v", err)
		}
		plan("operator:late", "oncall@example.org", time.Now().Add(-time.Second))
	}

	out, _, err := c.run("digest", "--now")
	var stderr bytes.Buffer
	if code := exitCode(err, &stderr); code != 1 {
		t.Errorf("digest --now with a refused message: exit status %d, want 1", code)
	}
	for _, want := range []string{
		"alert to ada@example.org (nimbus): sent\n",
		"alert to zed@example.org (nimbus): failed for good after 1 attempt: ",
		"operator to oncall@example.org (nimbus): sent\n",
		"1 notification due was claimed by another policywatch process and left to it (see 'policywatch outbox')\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("digest --now lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "ops@example.org") {
		t.Errorf("digest --now reports the daemon's notice as its own:\n%s", out)
	}
	if want := "policywatch: digest --now: 1 of 3 notifications not sent: 1 failed for good (put the cause right, then 'policywatch outbox --retry'); see 'policywatch outbox'\n"; stderr.String() != want {
		t.Errorf("stderr:\n%q\nwant\n%q", stderr.String(), want)
	}
	got := mail.received()
	slices.Sort(got)
	if want := []string{"ada@example.org", "oncall@example.org"}; !slices.Equal(got, want) {
		t.Errorf("mail to %v, want %v", got, want)
	}

	// subscribers tells the operator whose mail no longer arrives, and why
	// (the server's refusal, without the address it may quote).
	// A time today, in UTC, as events gives one.
	today := time.Now().UTC().Format(time.DateOnly) + " [0-2][0-9]:[0-5][0-9] UTC"
	lines := map[string]string{}
	for _, line := range strings.Split(c.mustRun("subscribers"), "\n") {
		if email, _, ok := strings.Cut(line, " "); ok {
			lines[email] = line
		}
	}
	if line := lines["ada@example.org"]; !regexp.MustCompile("sent " + today + "$").MatchString(strings.TrimSpace(line)) {
		t.Errorf("subscribers: ada's line %q, want her last mail sent today", line)
	}
	if line := lines["zed@example.org"]; !regexp.MustCompile("failed "+today+": ").MatchString(line) || !strings.Contains(line, `550 "5.1.1 No such user here"`) ||
		strings.Count(line, "zed@example.org") != 1 {
		t.Errorf("subscribers: zed's line %q, want his last mail failed today with the server's refusal", line)
	}
	js := c.mustRun("subscribers", "--json")
	if !strings.Contains(js, `"last_mail":{"status":"failed","created_at":"`) || !strings.Contains(js, `"last_mail":{"status":"sent","created_at":"`) {
		t.Errorf("subscribers --json:\n%s", js)
	}

	// A newer mail to ada fails for now (the server is down): her line
	// says so, not "sent" until the retries end.
	var ada store.Subscriber
	subs, err := db.Subscribers(ctx, false)
	for _, s := range subs {
		if s.Email == "ada@example.org" {
			ada = s
		}
	}
	if err != nil || ada.ID == 0 {
		t.Fatalf("subscribers: %v, %v", subs, err)
	}
	cursor, _, err := db.NotifyState(ctx)
	if err == nil {
		err = db.RecordNotifyPlan(ctx, store.NotifyPlan{After: cursor, Through: cursor, Outbox: []store.OutboxItem{{
			Key: "alert:retrying", Channel: "email", Kind: "alert", Recipient: ada.Email, SubscriberID: ada.ID,
			EventID: events[0].ID, Watch: "nimbus", CreatedAt: time.Now(), NextAttemptAt: time.Now(),
		}}})
	}
	if err != nil {
		t.Fatal(err)
	}
	claimed, err := db.ClaimOutbox(ctx, time.Now(), time.Now(), notify.Lease, 10)
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v, %v", claimed, err)
	}
	if _, err := db.MarkOutboxFailed(ctx, claimed[0].ID, claimed[0].ClaimedUntil, "dial tcp 127.0.0.1:25: connection refused", time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	lines = map[string]string{}
	for _, line := range strings.Split(c.mustRun("subscribers"), "\n") {
		if email, _, ok := strings.Cut(line, " "); ok {
			lines[email] = line
		}
	}
	if line := lines["ada@example.org"]; !regexp.MustCompile("retrying since " + today + ` \(1 failed attempt\): dial tcp 127\.0\.0\.1:25: connection refused`).MatchString(line) {
		t.Errorf("subscribers: ada's line %q, want her last mail retrying", line)
	}
}

// TestDigestPreviewNextSlot: digest (without --now) lists the digests the
// next scheduled time would send, by the daemon's rule: a weekly
// subscriber's only when that time is a Monday's. It used to list them for
// any day, while the daemon then planned only the daily ones.
func TestDigestPreviewNextSlot(t *testing.T) {
	// A schedule with a time on Mondays whose next time is not a Monday.
	now := time.Now()
	spec := ""
	for d := 1; d <= 6 && spec == ""; d++ {
		day := now.AddDate(0, 0, d).Weekday()
		if day == time.Monday {
			continue
		}
		s := fmt.Sprintf("0 8 * * 1,%d", day)
		if sched, err := monitor.ScheduleParser.Parse(s); err == nil && sched.Next(time.Now()).Weekday() != time.Monday {
			spec = s
		}
	}
	if spec == "" {
		t.Skip("a Monday before 08:00: every such schedule's next time is a Monday")
	}
	c := newCLI(t)
	mail := newPlainSMTP(t)
	page := newPolicyServer(t)
	c.env["POLICYWATCH_CONFIG"] = notifyConfig(t, page.URL, smtpYAML(mail.addr)+"  digest_schedule: \""+spec+"\"\n")
	c.mustRun("subscribe", "ada@example.org")
	c.mustRun("subscribe", "bob@example.org", "--digest", "weekly")
	c.mustRun("check")
	page.set("Effective May 27, 2026") // a notable change: it waits for the digests
	c.mustRun("check")

	out := c.mustRun("digest")
	if !strings.Contains(out, "ada@example.org: [policywatch] Daily digest") {
		t.Errorf("digest (schedule %q) does not list the daily digest:\n%s", spec, out)
	}
	if strings.Contains(out, "bob@example.org") {
		t.Errorf("digest (schedule %q) lists a weekly digest for a time that is not a Monday's:\n%s", spec, out)
	}
	// digest --now sends weekly digests too: its dry run shows them.
	if out := c.mustRun("digest", "--now", "--dry-run"); !strings.Contains(out, "To: bob@example.org") {
		t.Errorf("digest --now --dry-run lacks the weekly digest:\n%s", out)
	}
}

// TestDigestNowDryRunShowsWhatItWouldSend: after 'check' found a critical
// change, 'digest --now --dry-run' said no digest would be sent, and the
// real command then sent the alert and the webhook post it had not
// shown. The dry run lists them (the webhook's URL redacted), says what it
// all comes to in one line, and writes nothing; the real command sends
// exactly those.
func TestDigestNowDryRunShowsWhatItWouldSend(t *testing.T) {
	c := newCLI(t)
	page := newPolicyServer(t)
	hooks := newHookReceiver(t, 0)
	mail := newPlainSMTP(t)
	const token = "T0KEN-s3cr3t"
	c.env["POLICYWATCH_CONFIG"] = notifyConfig(t, page.URL, smtpYAML(mail.addr)+
		fmt.Sprintf("  webhooks:\n    - url: %s/hook/%s\n      min_severity: critical\n", hooks.URL, token))
	c.mustRun("subscribe", "ada@example.org", "--min-severity", "critical")
	checkACriticalChange(t, c, page)

	// The first dry run may create the database's signing key, as any
	// command that builds a message: the links it shows are the real ones.
	// It plans nothing, holds nothing, records no webhook; a second one
	// writes nothing at all.
	before := notifyState(t, c)
	out := c.mustRun("digest", "--now", "--dry-run")
	if after := notifyState(t, c); after != before {
		t.Errorf("the dry run changed the notifications' state:\n%s\nwas:\n%s", after, before)
	}
	files := dbFiles(t, c)
	if again := c.mustRun("digest", "--now", "--dry-run"); again != out {
		t.Errorf("a second dry run differs:\n%s\nthe first:\n%s", again, out)
	}
	if dbFiles(t, c) != files {
		t.Errorf("a second dry run changed the database")
	}
	for _, want := range []string{
		"alert    email    ada@example.org",
		"webhook  webhook  " + hooks.URL + "/hook/…",
		"[policywatch] nimbus",
		"nimbus: change (critical)",
		"no changes waiting for a digest: no digest would be sent",
		"would send: 1 alert, 1 webhook post\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dry run lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, token) {
		t.Errorf("the dry run shows the webhook's token:\n%s", out)
	}
	if got, hooked := mail.received(), hooks.received(); len(got) != 0 || len(hooked) != 0 {
		t.Fatalf("the dry run sent mail to %v and posted %v", got, hooked)
	}

	out = c.mustRun("digest", "--now")
	if got := mail.received(); len(got) != 1 || got[0] != "ada@example.org" {
		t.Errorf("digest --now mailed %v, want the one alert to ada@example.org:\n%s", got, out)
	}
	if got := hooks.received(); len(got) != 1 || got[0] != "change" {
		t.Errorf("digest --now posted %v, want the one change:\n%s", got, out)
	}
	// Sent: nothing is left to show.
	if out := c.mustRun("digest", "--now", "--dry-run"); !strings.HasSuffix(out, "would send nothing\n") {
		t.Errorf("dry run after digest --now:\n%s", out)
	}
}

// dbFiles is the bytes of the CLI's database and of its write-ahead log.
func dbFiles(t *testing.T, c *cli) string {
	t.Helper()
	var b strings.Builder
	for _, p := range []string{c.env["POLICYWATCH_DB"], c.env["POLICYWATCH_DB"] + "-wal"} {
		data, err := os.ReadFile(p)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		b.Write(data)
		b.WriteString("\x00--\x00")
	}
	return b.String()
}

// notifyState is what the notifier has recorded: its cursor and last
// digest time, the outbox, the changes held for ada@example.org, and
// whether a webhook was seen.
func notifyState(t *testing.T, c *cli) string {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, c.env["POLICYWATCH_DB"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	cursor, slot, err := db.NotifyState(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.OutboxRows(ctx, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	sub, err := db.SubscriberByEmail(ctx, "ada@example.org")
	if err != nil {
		t.Fatal(err)
	}
	held, err := db.DigestEventIDs(ctx, sub.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("cursor %d, digest slot %v\noutbox %+v\nheld %v", cursor, slot, rows, held)
}

// subjectSMTP is an SMTP server that keeps each message it takes as
// "recipient: subject", and answers every message with a temporary
// failure (451) while down.
type subjectSMTP struct {
	addr string
	mu   sync.Mutex
	down bool
	got  []string
}

func newSubjectSMTP(t *testing.T) *subjectSMTP {
	ss := &subjectSMTP{}
	ss.addr = serveSMTP(t, ss)
	return ss
}

func (ss *subjectSMTP) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &subjectSession{ss: ss}, nil
}

func (ss *subjectSMTP) setDown(down bool) { ss.mu.Lock(); ss.down = down; ss.mu.Unlock() }

func (ss *subjectSMTP) messages() []string {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return slices.Clone(ss.got)
}

type subjectSession struct {
	ss *subjectSMTP
	to []string
}

func (s *subjectSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *subjectSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *subjectSession) Data(r io.Reader) error {
	m, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		return err
	}
	s.ss.mu.Lock()
	defer s.ss.mu.Unlock()
	if s.ss.down {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	for _, to := range s.to {
		s.ss.got = append(s.ss.got, to+": "+subject)
	}
	return nil
}
func (s *subjectSession) Reset()        { s.to = nil }
func (s *subjectSession) Logout() error { return nil }

// TestDigestNowDryRunMergesDigests: a digest whose send failed, due again
// (outbox --retry), goes with the one digest --now makes to the same
// subscriber as one digest of all their changes, named by the older's
// setting; the dry run showed the two apart, as two messages. What the dry run lists is what the real
// command then sends: the same messages, to the same addresses, under the
// same subjects.
func TestDigestNowDryRunMergesDigests(t *testing.T) {
	c := newCLI(t)
	page := newPolicyServer(t)
	mx := newSubjectSMTP(t)
	c.env["POLICYWATCH_CONFIG"] = notifyConfig(t, page.URL, smtpYAML(mx.addr)+"  base_url: https://pw.example\n")
	c.mustRun("subscribe", "ada@example.org")
	c.mustRun("subscribe", "bob@example.org", "--digest", "weekly")
	c.mustRun("check")
	page.set("Effective May 27, 2026") // notable: for the digests
	c.mustRun("check")
	mx.setDown(true)
	if _, _, err := c.run("digest", "--now"); err == nil {
		t.Fatal("digest --now with the mail server down: no error")
	}
	mx.setDown(false)
	// Cy subscribes meanwhile: only the digest made now is hers. Bob
	// switches to daily digests: his weekly one, the older, names the
	// digest of both.
	c.mustRun("subscribe", "cy@example.org")
	c.mustRun("subscribe", "bob@example.org", "--digest", "daily")
	page.set("Effective June 1, 2026")
	c.mustRun("check")
	c.mustRun("outbox", "--retry") // the two digests that failed are due now

	out := c.mustRun("digest", "--now", "--dry-run")
	var previewed []string
	table := regexp.MustCompile(`^(\S+)\s{2,}(\S+)\s{2,}(\S+)\s{2,}(\S+)\s{2,}(new|outbox #\d+)\s{2,}(.+)$`)
	for _, line := range strings.Split(out, "\n") {
		if m := table.FindStringSubmatch(line); m != nil && m[1] != "KIND" {
			previewed = append(previewed, m[3]+": "+m[6])
		}
	}
	if !strings.HasSuffix(out, "would send: 3 digests\n") {
		t.Errorf("dry run, want one digest to each of three subscribers:\n%s", out)
	}

	c.mustRun("digest", "--now")
	sent := mx.messages()
	slices.Sort(previewed)
	slices.Sort(sent)
	if !slices.Equal(previewed, sent) {
		t.Errorf("the dry run showed\n%s\ndigest --now sent\n%s\ndry run:\n%s", strings.Join(previewed, "\n"), strings.Join(sent, "\n"), out)
	}
	for _, want := range []string{
		"ada@example.org: [policywatch] Daily digest: 2 changes to nimbus",
		"bob@example.org: [policywatch] Weekly digest: 2 changes to nimbus",
		"cy@example.org: [policywatch] Daily digest: 1 change to nimbus",
	} {
		if !slices.Contains(sent, want) {
			t.Errorf("digest --now sent\n%s\nwithout %q", strings.Join(sent, "\n"), want)
		}
	}
}

// TestAddressFormatCharacters: subscribe refuses an address holding a
// format character (a right-to-left override shows the rest of the line
// reversed, so the address reads as another), as it refused ESC; one
// subscribed before it did is listed escaped, <U+202E>, as show and
// history list a page's title.
func TestAddressFormatCharacters(t *testing.T) {
	c := newCLI(t)
	for _, addr := range []string{"evil\u202e@example.org", "ada\u200b@example.org", "ada\u2066@example.org"} {
		_, _, err := c.run("subscribe", addr)
		var stderr bytes.Buffer
		if code := exitCode(err, &stderr); code != 2 || !strings.Contains(err.Error(), "an invisible formatting character that can make it read as another address") {
			t.Errorf("subscribe %q: %v, exit status %d", addr, err, code)
		}
	}
	// As an earlier policywatch stored it.
	db := c.openDB()
	if _, err := db.Subscribe(context.Background(), store.Subscriber{Email: "old\u202e@example.org", Digest: notify.DigestDaily,
		MinSeverity: monitor.SeverityCritical, CreatedAt: time.Now(), UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"subscribers"}, "old<U+202E>@example.org  every watch"},
		{[]string{"unsubscribe", "old\u202e@example.org"}, "unsubscribed old<U+202E>@example.org\n"},
		{[]string{"unsubscribe", "old\u202e@example.org"}, "old<U+202E>@example.org was already unsubscribed"},
	} {
		out := c.mustRun(tc.args...)
		if !strings.Contains(out, tc.want) || strings.ContainsRune(out, '\u202e') {
			t.Errorf("policywatch %s:\n%s\nwant %q, and no raw U+202E", strings.Join(tc.args, " "), out, tc.want)
		}
	}
}

// TestDigestDryRunAloneShowsWhatItWouldSend: 'digest --dry-run' without
// --now took --dry-run silently for nothing and printed the next digest's
// time and "no changes waiting for a digest", while 'digest --now' was
// about to mail an alert: a preview that says nothing will go, before
// something does. --dry-run alone is the same preview as with --now.
func TestDigestDryRunAloneShowsWhatItWouldSend(t *testing.T) {
	c := newCLI(t)
	page := newPolicyServer(t)
	mail := newPlainSMTP(t)
	c.env["POLICYWATCH_CONFIG"] = notifyConfig(t, page.URL, smtpYAML(mail.addr))
	c.mustRun("subscribe", "ada@example.org", "--min-severity", "critical")
	checkACriticalChange(t, c, page)

	alone := c.mustRun("digest", "--dry-run")
	if withNow := c.mustRun("digest", "--now", "--dry-run"); alone != withNow {
		t.Errorf("digest --dry-run:\n%s\ndigest --now --dry-run:\n%s", alone, withNow)
	}
	if !strings.Contains(alone, "would send: 1 alert\n") {
		t.Errorf("digest --dry-run does not show the alert it would send:\n%s", alone)
	}
	if got := mail.received(); len(got) != 0 {
		t.Fatalf("the dry run sent mail to %v", got)
	}
}

// TestOutboxRetryRefusesListingOptions: --retry with --all or --json is
// a usage error; --all was ignored, which read as "retry every row".
func TestOutboxRetryRefusesListingOptions(t *testing.T) {
	c, db, _ := outboxTestSetup(t)
	db.Close()
	for _, opt := range []string{"--all", "--json"} {
		wantError(t, c, true, []string{"outbox", "--retry", opt}, "outbox --retry takes row IDs, not --all or --json")
	}
}
