package notify_test

import (
	"database/sql"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/sqlitelock"
	"github.com/policywatch/policywatch/internal/syncbuf"
	"github.com/policywatch/policywatch/notify"
)

// TestRun: the daemon's loop plans and sends on its own, and returns nil
// when its context ends.
func TestRun(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@example.org", nil)
	svc := r.service(notify.Config{}, ms, notify.WithPollInterval(10*time.Millisecond))
	stop := runInBackground(t, svc)

	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	deadline := time.Now().Add(10 * time.Second)
	for len(ms.messages()) == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	stop()
	if n := len(ms.messages()); n != 1 {
		t.Errorf("%d messages, want 1", n)
	}
}

// TestRunLogsAFailureOnce: a turn that fails every poll (the database
// refusing writes, as a full disk does) is logged once as an error, not
// every five seconds for as long as it lasts; its end is logged too, and
// what waited then goes out.
func TestRunLogsAFailureOnce(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@example.org", nil)
	logs := &syncbuf.Buffer{}
	svc := r.service(notify.Config{}, ms, notify.WithPollInterval(5*time.Millisecond),
		notify.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	db, err := sql.Open("sqlite", r.db.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER refuse BEFORE INSERT ON notify_outbox BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`); err != nil {
		t.Fatal(err)
	}
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))

	runInBackground(t, svc)
	time.Sleep(300 * time.Millisecond) // some sixty polls
	if n := strings.Count(logs.String(), "level=ERROR msg=notifications"); n != 1 || !strings.Contains(logs.String(), "database or disk is full") {
		t.Fatalf("%d errors logged over sixty failing polls, want 1:\n%s", n, logs)
	}
	if _, err := db.Exec(`DROP TRIGGER refuse`); err != nil {
		t.Fatal(err)
	}
	// The mail goes out during the turn, the log line after it: wait for
	// both.
	deadline := time.Now().Add(10 * time.Second)
	for (len(ms.messages()) == 0 || !strings.Contains(logs.String(), "notifications work again")) && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(ms.messages()); n != 1 || !strings.Contains(logs.String(), "notifications work again") {
		t.Errorf("%d messages once the database took writes again, want 1; log:\n%s", n, logs)
	}
}

// TestRunSaysWhoHoldsTheDatabase: another process holding the database's
// write lock longer than a write waits for it (5 s) failed the turn with
// "record notification plan: database is locked (5) (SQLITE_BUSY)" alone,
// which read as a fault of policywatch or of the disk. The log now says
// that another process holds the database, that nothing is lost and that
// the turn is tried again; once it lets go, the alert goes out.
func TestRunSaysWhoHoldsTheDatabase(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for SQLite's 5 s busy timeout; run without -short")
	}
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@example.org", nil)
	logs := &syncbuf.Buffer{}
	svc := r.service(notify.Config{}, ms, notify.WithPollInterval(10*time.Millisecond),
		notify.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour)) // critical: an alert to plan

	// What a sqlite3 shell holds after BEGIN and a write.
	release := sqlitelock.Hold(t, r.db.Path())
	runInBackground(t, svc)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logs.String(), "level=ERROR") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	release()
	line := logLine(logs.String(), "level=ERROR")
	for _, want := range []string{"SQLITE_BUSY", "another process holds the database", "nothing is lost", "tried again every 10ms"} {
		if !strings.Contains(line, want) {
			t.Errorf("the error logged lacks %q:\n%s", want, line)
		}
	}
	for time.Now().Before(deadline) && (len(ms.messages()) == 0 || !strings.Contains(logs.String(), "notifications work again")) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := len(ms.messages()); n != 1 {
		t.Errorf("%d messages once the other process let go, want the alert; log:\n%s", n, logs)
	}
}

// logLine is the first line of log that holds s, "" when none does.
func logLine(log, s string) string {
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, s) {
			return line
		}
	}
	return ""
}
