package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// awayFromUTC runs c's commands with the machine's zone five hours
// behind UTC (New York's in winter, its tzdata built into the binary): on
// a host on UTC, where tests often run, a local time reads as UTC and a
// day as UTC's. They run as processes of the built binary, with TZ set.
func awayFromUTC(c *cli) { c.zone = awayZone }

const awayZone = "America/New_York"

// utc is t as the human output of every command gives an absolute time.
// It is written out here rather than taken from timeText, so that the
// tests pin the format.
func utc(t time.Time) string { return t.UTC().Format("2006-01-02 15:04") + " UTC" }

// printedDay is a date in a command's output, with what follows it.
var printedDay = regexp.MustCompile(`\d{4}-\d\d-\d\d\S*(?: \S+){0,2}`)

// inFormat is a time as the human output gives it, at the start of a
// printedDay match.
var inFormat = regexp.MustCompile(`^\d{4}-\d\d-\d\d \d\d:\d\d UTC\b`)

// otherTimes returns the dates out gives otherwise than as an absolute
// time in the one format: RFC 3339, a day alone, a local time.
func otherTimes(out string) []string {
	var other []string
	for _, m := range printedDay.FindAllString(out, -1) {
		if !inFormat.MatchString(m) {
			other = append(other, m)
		}
	}
	return other
}

func wantTimesInUTC(t *testing.T, what, out string) {
	t.Helper()
	for _, m := range otherTimes(out) {
		t.Errorf("%s gives a time as %q, want 2006-01-02 15:04 UTC:\n%s", what, m, out)
	}
}

// TestTimesSaidAlike: every command gives an absolute time as events does,
// "2026-05-27 18:30 UTC", whatever the machine's zone. They differed:
// history gave RFC 3339, watches, facts, diff and subscribers a day
// without its zone, outbox and digest the local time ("13:30 EST", "held
// until 13:30 EST") beside the UTC of events.
func TestTimesSaidAlike(t *testing.T) {
	srv := newPolicyServer(t)
	c := newCLI(t)
	awayFromUTC(c)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	c.mustRun("check")
	srv.set("Effective May 27, 2026")
	c.mustRun("check")
	ctx := context.Background()
	db := c.openDB()
	events, err := db.Events(ctx, monitor.EventFilter{})
	if err != nil || len(events) != 2 {
		t.Fatalf("events %v, %v", events, err)
	}
	versions, err := db.Versions(ctx, "nimbus")
	if err != nil || len(versions) != 2 {
		t.Fatalf("versions %v, %v", versions, err)
	}
	first, second := versions[0], versions[1]
	change := events[1]

	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"events"}, []string{fmt.Sprintf("#%d %s change", change.ID, utc(change.Time))}},
		{[]string{"explain", "nimbus"}, []string{"nimbus — change, " + utc(change.Time) + " ("}},
		{[]string{"history", "nimbus"}, []string{
			fmt.Sprintf("%d        %s  %s  en", first.ID, utc(first.FirstSeen), utc(first.LastSeen)),
			fmt.Sprintf("%d        %s  %s  en", second.ID, utc(second.FirstSeen), utc(second.LastSeen)),
		}},
		{[]string{"facts", "nimbus"}, []string{fmt.Sprintf("nimbus, version %d (first seen %s), read in", second.ID, utc(second.FirstSeen))}},
		{[]string{"diff", "nimbus", "--color", "never"}, []string{
			fmt.Sprintf("--- nimbus version %d (%s)\n", first.ID, utc(first.FirstSeen)),
			fmt.Sprintf("+++ nimbus version %d (%s)\n", second.ID, utc(second.FirstSeen)),
		}},
		{[]string{"watches"}, []string{utc(change.Time) + " (notable)"}},
	} {
		out := c.mustRun(tc.args...)
		what := "policywatch " + strings.Join(tc.args, " ")
		for _, want := range tc.want {
			if !strings.Contains(out, want) {
				t.Errorf("%s lacks %q:\n%s", what, want, out)
			}
		}
		if tc.args[0] != "facts" && tc.args[0] != "explain" { // their dates are the policy's days
			wantTimesInUTC(t, what, out)
		}
	}

	// A time as printed is read back by --since.
	since := utc(change.Time)
	if out := c.mustRun("events", "--since", since); !strings.Contains(out, fmt.Sprintf("#%d ", change.ID)) {
		t.Errorf("events --since %q lacks event %d:\n%s", since, change.ID, out)
	}
	since = utc(change.Time.Add(time.Minute))
	if out, stderr, err := c.run("events", "--since", since); err != nil || out != "" || stderr != "no events\n" {
		t.Errorf("events --since %q: %v, %q, %q; want no events", since, err, out, stderr)
	}

	// An outage, said with when it began.
	srv.Close()
	c.mustRun("check")
	out := c.mustRun("watches")
	outage, err := db.Events(ctx, monitor.EventFilter{Kinds: []monitor.EventKind{monitor.KindFetchError}})
	if err != nil || len(outage) != 1 {
		t.Fatalf("fetch errors %v, %v", outage, err)
	}
	if want := "since " + utc(outage[0].Time) + ")"; !strings.Contains(out, want) {
		t.Errorf("watches during an outage lacks %q:\n%s", want, out)
	}
	wantTimesInUTC(t, "policywatch watches", out)

	// The subscribers, when they subscribed and left.
	c.mustRun("subscribe", "ada@example.org")
	c.mustRun("subscribe", "bob@example.org")
	c.mustRun("unsubscribe", "bob@example.org")
	subs, err := db.Subscribers(ctx, true)
	if err != nil || len(subs) != 2 {
		t.Fatalf("subscribers %v, %v", subs, err)
	}
	out = c.mustRun("subscribers", "--all")
	for _, s := range subs {
		want := utc(s.CreatedAt)
		if !s.UnsubscribedAt.IsZero() {
			want += "  unsubscribed " + utc(s.UnsubscribedAt)
		}
		if !strings.Contains(out, want) {
			t.Errorf("subscribers --all lacks %q:\n%s", want, out)
		}
	}
	wantTimesInUTC(t, "policywatch subscribers --all", out)
	out = c.mustRun("unsubscribe", "bob@example.org")
	if want := "bob@example.org was already unsubscribed (" + utc(subs[1].UnsubscribedAt) + ")\n"; out != want {
		t.Errorf("unsubscribe again: %q, want %q", out, want)
	}
}

// TestImportTimesSaidAlike: import gives the last check it stopped at,
// and the time of the snapshot it is at, as events gives a time; the last
// check, an archive's, older than two days, is given so by watches too.
func TestImportTimesSaidAlike(t *testing.T) {
	c := newCLI(t)
	awayFromUTC(c)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, archiveConfig)
	src := t.TempDir()
	for i, v := range []string{"1", "2"} {
		name := fmt.Sprintf("2025-01-%02dT10-00-00Z.html", i+1)
		if err := os.WriteFile(filepath.Join(src, name), []byte(archivePage(v, i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, stderr, err := c.run("import", "nimbus", src)
	if err != nil {
		t.Fatal(err)
	}
	if want := "2025-01-02 10:00 UTC change"; !strings.Contains(out, want) {
		t.Errorf("import lacks %q:\n%s", want, out)
	}
	if want := "import nimbus: 2/2 snapshots (2025-01-02 10:00 UTC)\n"; !strings.Contains(stderr, want) {
		t.Errorf("import's progress lacks %q:\n%s", want, stderr)
	}
	out = c.mustRun("import", "nimbus", src)
	if want := "nimbus: nothing new: all 2 snapshots are dated at or before the last check (2025-01-02 10:00 UTC)\n"; out != want {
		t.Errorf("import again: %q, want %q", out, want)
	}
	out = c.mustRun("watches")
	if want := "2025-01-02 10:00 UTC (imported)"; !strings.Contains(out, want) {
		t.Errorf("watches after an import lacks %q:\n%s", want, out)
	}
	wantTimesInUTC(t, "policywatch watches", out)
}

// TestOtherTimes: otherTimes tells the one format from the others.
func TestOtherTimes(t *testing.T) {
	for _, out := range []string{
		"#1 2026-11-29 21:59 UTC baseline", "LAST CHANGE  2026-11-29 21:59 UTC (info)  URL", "held until 2026-11-29 22:04 UTC\n",
	} {
		if other := otherTimes(out); other != nil {
			t.Errorf("otherTimes(%q) = %q, want none", out, other)
		}
	}
	for _, out := range []string{"1  2026-11-29T21:59:28Z  x", "2026-11-29 (info)", "2026-11-29 16:59 EST", "(2026-11-29)", "2026-11-29"} {
		if other := otherTimes(out); len(other) != 1 {
			t.Errorf("otherTimes(%q) = %q, want it", out, other)
		}
	}
}

// TestDigestTimesSaidAlike: digest gives the next digest's time and a
// failed notification's next attempt as events gives a time: they were
// the machine's local time ("08:00 EST"). The schedule is the machine's
// local time still: its 08:00 is given as the UTC it is.
func TestDigestTimesSaidAlike(t *testing.T) {
	c := newCLI(t)
	awayFromUTC(c)
	page := newPolicyServer(t)
	hooks := newHookReceiver(t, http.StatusServiceUnavailable)
	mail := newPlainSMTP(t)
	c.env["POLICYWATCH_CONFIG"] = notifyConfig(t, page.URL, smtpYAML(mail.addr)+
		"  digest_schedule: \"0 8 * * *\"\n"+
		fmt.Sprintf("  webhooks:\n    - url: %s/hook\n      min_severity: critical\n", hooks.URL))
	c.mustRun("subscribe", "ada@example.org")
	checkACriticalChange(t, c, page)
	out, _, _ := c.run("digest", "--now") // the webhook's failure is its error
	rows, err := c.openDB().OutboxRows(context.Background(), []string{"pending"}, 10)
	if err != nil || len(rows) != 1 {
		t.Fatalf("pending rows: %v, %v\n%s", rows, err, out)
	}
	if want := "failed for now after 1 attempt, next attempt " + utc(rows[0].NextAttemptAt) + ": "; !strings.Contains(out, want) {
		t.Errorf("digest --now lacks %q:\n%s", want, out)
	}
	wantTimesInUTC(t, "policywatch digest --now", out)

	away, err := time.LoadLocation(awayZone)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(away)
	next := time.Date(now.Year(), now.Month(), now.Day(), 8, 0, 0, 0, away)
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	out = c.mustRun("digest")
	if want := "next digest: " + utc(next) + "\n"; !strings.HasPrefix(out, want) {
		t.Errorf("digest: %q, want it to start %q", out, want)
	}
	wantTimesInUTC(t, "policywatch digest", out)
}

// TestHelpSaysTimesAsPrinted: a command's help describes a time in the
// format the command prints it. outbox's said a held row reads "held until
// HH:MM" after outbox had come to print "held until 2026-11-29 22:04 UTC".
func TestHelpSaysTimesAsPrinted(t *testing.T) {
	clock := regexp.MustCompile(`(?:^|[^-\w])(HH:MM|\d\d:\d\d(?: [A-Z]{3,4})?)\b`)
	for _, cmd := range commands() {
		for _, m := range clock.FindAllStringSubmatchIndex(cmd.long, -1) {
			start := m[2]
			// A time after its day ("2026-11-29 22:04 UTC") is as printed;
			// after a day as mails write it ("1 May 2025 18:30 UTC"), as
			// mailed (what --since also reads).
			if regexp.MustCompile(`(\d{4}-\d\d-\d\d|\d{1,2} [A-Z][a-z]{2} \d{4}) $`).MatchString(cmd.long[:start]) {
				continue
			}
			t.Errorf("policywatch %s --help gives a time as %q, which it prints as 2006-01-02 15:04 UTC", cmd.name, cmd.long[m[2]:m[3]])
		}
	}
}
