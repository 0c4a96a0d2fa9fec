package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/sqlitelock"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/fetch"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/store"
)

// TestRunSeesACommitItPolledTooEarly: another process (a policywatch
// check beside the daemon) commits a change while the daemon idles, and
// the daemon polls between the two steps of SQLite's commit: the frames
// are in the write-ahead log, the header of the -shm index does not count
// them yet, so readers find the old contents. Run saw the log move, took
// a turn that found nothing, took the stamp again, found it as before and
// settled on it; the commit then became visible without moving the
// database file or the log, and the change waited for maxQuiet (ten
// minutes) or the next write.
//
// The window lasts microseconds; the test holds it open by putting back
// the header the index had before the commit (both copies, so that it is
// sound), which is what the index says between the two steps. It counts
// Run's polls, not time.
func TestRunSeesACommitItPolledTooEarly(t *testing.T) {
	ctx := context.Background()
	index := sqlitelock.NewWALIndex(t) // closed after the rig's databases
	r := newRig(t)
	ms := newMailServer(t)
	r.subscribe("ada@example.org", nil)
	// The other process: its own pool on the file, its own checker.
	other, err := store.Open(ctx, r.db.Path())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	checker := *r
	checker.checker = monitor.NewChecker(fetch.New(fetch.Options{UserAgent: "policywatch-test", Retries: -1, Timeout: 10 * time.Second}),
		other, monitor.WithClock(r.clock.Now), monitor.WithLogger(quiet))
	checker.check("policy-v1.html", t0) // the first version: no alert

	counter := &turnCounter{dbStore: r.store}
	svc, err := notify.New(notify.Config{SMTP: ms.config()}, counter, notify.WithClock(r.clock.Now), notify.WithLogger(quiet),
		notify.WithPollInterval(5*time.Millisecond), notify.WithEmailOptions(email.WithTLSConfig(ms.clientTLS)))
	if err != nil {
		t.Fatal(err)
	}
	runInBackground(t, svc)
	// settle waits until Run has taken a turn since turns and then none
	// for three polls: it settled.
	settle := func(turns int32) {
		t.Helper()
		waitFor(t, "a turn", func() bool { return counter.turns.Load() > turns })
		for {
			turns, polls := counter.turns.Load(), counter.polls.Load()
			waitFor(t, "4 polls", func() bool { return counter.polls.Load() > polls+3 })
			if counter.turns.Load() == turns {
				return
			}
		}
	}
	settle(0)
	cursor := func() int64 {
		t.Helper()
		c, _, err := r.db.NotifyState(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	index.Open(r.db.Path())

	// The change is committed while Run's polls wait; Run's next poll
	// finds the index as it was between the two steps. A minute on,
	// within maxQuiet: no turn is due by the clock.
	turns := counter.turns.Load()
	var change []monitor.Event
	var committed []byte
	func() {
		counter.pass.Lock()
		defer counter.pass.Unlock()
		before := index.Header()
		change = checker.check("policy-v2-ai.html", t0.Add(time.Minute))
		committed = index.Header()
		index.SetHeader(before)
	}()
	if len(change) != 1 {
		t.Fatalf("the second check recorded %+v, want one change", change)
	}
	settle(turns)
	if c, n := cursor(), len(ms.messages()); c >= change[0].ID || n != 0 {
		t.Fatalf("the turn in the window dispatched through event %d and sent %d messages: it found the change %d, no window", c, n, change[0].ID)
	}

	// The second step: the commit is visible. The subscriber is told
	// within a few polls.
	func() {
		counter.pass.Lock()
		defer counter.pass.Unlock()
		index.SetHeader(committed)
	}()
	polls := counter.polls.Load()
	waitFor(t, "20 polls", func() bool { return len(ms.messages()) > 0 || counter.polls.Load() > polls+20 })
	if n := len(ms.messages()); n != 1 {
		t.Errorf("%d messages 20 polls after the change became visible, want its alert: "+
			"Run settled on a stamp the commit left as it was (dispatched through event %d, the change is %d)", n, cursor(), change[0].ID)
	}
}
