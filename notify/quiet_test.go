package notify_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/notify/webhook"
)

// turnCounter counts Run's polls (each begins by reading the change stamp,
// and a turn reads it again when it is done) and its turns (each begins by
// reading the dispatcher's state). While pass is held, a poll waits.
type turnCounter struct {
	dbStore
	pass  sync.Mutex
	polls atomic.Int32
	turns atomic.Int32
}

func (c *turnCounter) ChangeStamp() (string, error) {
	c.pass.Lock()
	defer c.pass.Unlock()
	c.polls.Add(1)
	return c.dbStore.ChangeStamp()
}

func (c *turnCounter) NotifyState(ctx context.Context) (int64, time.Time, error) {
	c.turns.Add(1)
	return c.dbStore.NotifyState(ctx)
}

// Between passes the notifier runs no turn while the database does not
// change and nothing falls due; it still takes one when asked, and sees an
// event the checker records, a retry that falls due and a digest time.
//
// It counts Run's polls, not time: on a loaded machine a turn outlasted
// the windows that were to tell that it was over (the first turn's 50 ms,
// the webhook's failed attempt's 100 ms, after which the clock moved and
// the retry came in that same turn, not in one the clock called for). The
// deadlines only end a test that hangs.
func TestRunIdlesWhileNothingChanges(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	var hooks atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		if hooks.Add(1) == 1 {
			http.Error(w, "down for a moment", http.StatusServiceUnavailable)
		}
	}))
	defer receiver.Close()
	r.subscribe("ada@example.org", nil)
	counter := &turnCounter{dbStore: r.store}
	cfg := notify.Config{
		Webhooks:       []notify.Webhook{{Config: webhook.Config{URL: receiver.URL, MinSeverity: "notable"}}},
		DigestSchedule: "0 8 * * *", SMTP: ms.config(),
	}
	var idleTurns atomic.Int32
	svc, err := notify.New(cfg, counter, notify.WithClock(r.clock.Now), notify.WithLogger(quiet),
		notify.WithIdleTurnHook(func() { idleTurns.Add(1) }),
		notify.WithPollInterval(5*time.Millisecond), notify.WithRetry(5, time.Minute, time.Minute),
		notify.WithEmailOptions(email.WithTLSConfig(ms.clientTLS)))
	if err != nil {
		t.Fatal(err)
	}
	runInBackground(t, svc)
	// turnsOver returns how many turns Run took over its next n polls. It
	// returns once the poll after them has begun: a turn that one of them
	// started has read the dispatcher's state by then, and is counted.
	turnsOver := func(n int32) int32 {
		t.Helper()
		turns, polls := counter.turns.Load(), counter.polls.Load()
		waitFor(t, fmt.Sprintf("%d polls", n+1), func() bool { return counter.polls.Load() > polls+n })
		return counter.turns.Load() - turns
	}

	// Idle: a turn at the start, one more for what it wrote, then none
	// for 60 polls once three in a row have passed without one.
	deadline := time.Now().Add(30 * time.Second)
	for turnsOver(3) != 0 {
		if time.Now().After(deadline) {
			t.Fatal("after 30 s the notifier still takes a turn every few polls, with nothing to do")
		}
	}
	if n := turnsOver(60); n > 0 {
		t.Errorf("%d turns in 60 polls of nothing", n)
	}

	// Asked for a turn (a pass has ended), Run takes one at once and
	// TurnNow returns once it is done.
	asked := counter.turns.Load()
	svc.TurnNow(context.Background())
	if counter.turns.Load() == asked {
		t.Error("TurnNow returned before a turn")
	}

	// A change recorded by the checker (the first check is the watch's
	// first version): dispatched; its webhook fails once; it is notable,
	// so the subscriber hears of it in the digest.
	//
	// The second check comes a minute after the first, well within
	// maxQuiet (ten minutes): r.check sets the clock before it writes, and
	// a poll between the two, had the clock jumped past maxQuiet, would
	// rightly take a turn the clock called for, where this test asserts
	// that the retry's is the first. Run polls while the checker writes:
	// a poll between a commit's frames reaching the write-ahead log and
	// the commit becoming visible must not settle on a stamp that misses
	// it (TestRunSeesACommitItPolledTooEarly holds that window open).
	r.check("policy-v2-ai.html", t0)
	r.check("policy-v3-date.html", t0.Add(time.Minute)) // notable
	waitFor(t, "the webhook's first attempt", func() bool { return hooks.Load() == 1 })
	// Twenty polls: the turn that made the attempt is over (it reads the
	// stamp at most maxSettleTurns times, four), and no retry came since.
	turnsOver(20)
	if n := hooks.Load(); n != 1 {
		t.Fatalf("%d webhook attempts before the retry is due, want 1", n)
	}
	// The retry falls due a minute later: nothing in the database
	// changes, the turn runs all the same.
	if n := idleTurns.Load(); n != 0 {
		t.Errorf("the idle-turn hook ran %d times before any turn the clock called for", n)
	}
	r.clock.Add(2 * time.Minute)
	waitFor(t, "the webhook's retry", func() bool { return hooks.Load() == 2 })
	// That turn came from the clock alone: the daemon gives back what it
	// took.
	waitFor(t, "the idle-turn hook", func() bool { return idleTurns.Load() == 1 })

	// The digest time, 08:00 the next day: the change waiting for it goes.
	if n := len(ms.messages()); n != 0 {
		t.Fatalf("%d messages before the digest time (the change is notable: no alert)", n)
	}
	r.clock.Set(digestTime)
	waitFor(t, "the daily digest", func() bool { return len(ms.messages()) == 1 })
}

// TestRunWakesWhenAnHourlyHoldEnds: the daemon idle, an alert the hourly
// limit held back goes when the hour since the last alert is up — not at
// the next turn the change stamp or maxQuiet (ten minutes) would have
// called for. Nothing else falls due meanwhile (the digest is the next
// morning's), and the clock never runs past the end of the hour.
func TestRunWakesWhenAnHourlyHoldEnds(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	cy := r.subscribe("cy@example.org", func(s *notify.Subscriber) { s.MinSeverity = monitor.SeverityNotable })
	svc := r.service(notify.Config{BaseURL: "https://pw.example", DigestSchedule: "0 8 * * *"}, ms,
		notify.WithPollInterval(5*time.Millisecond))
	runInBackground(t, svc)
	ctx := context.Background()
	messages := func(want int, within time.Duration) []received {
		t.Helper()
		deadline := time.Now().Add(within)
		for len(ms.messages()) < want && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		return ms.messages()
	}

	v1, err := os.ReadFile("testdata/policy-v1.html")
	if err != nil {
		t.Fatal(err)
	}
	r.check(string(v1), t0)
	first := r.check(strings.Replace(string(v1), "March 3, 2026", "April 3, 2026", 1), t0.Add(time.Hour)) // notable: alerted
	svc.TurnNow(ctx)
	if msgs := messages(1, 10*time.Second); len(msgs) != 1 || len(first) != 1 {
		t.Fatalf("%d messages after the first change %+v, want its alert", len(msgs), first)
	}
	// Five minutes before the hour is up: held. The turn that holds it is
	// the daemon's last before the clock moves on.
	held := r.check("policy-v2-ai.html", t0.Add(time.Hour+55*time.Minute))
	svc.TurnNow(ctx)
	if ids, err := r.db.DigestEventIDs(ctx, cy.ID, 0); err != nil || len(held) != 1 || len(ids) != 1 || ids[0] != held[0].ID {
		t.Fatalf("held %v, %v; want the critical change %+v", ids, err, held)
	}

	// A second before the hour is up, nothing goes for forty polls; at
	// the end of the hour, the held alert goes at once.
	r.clock.Set(t0.Add(time.Hour + 59*time.Minute + 59*time.Second))
	time.Sleep(200 * time.Millisecond)
	if n := len(ms.messages()); n != 1 {
		t.Fatalf("%d messages before the hour is up, want still 1", n)
	}
	r.clock.Set(t0.Add(2 * time.Hour))
	if msgs := messages(2, 10*time.Second); len(msgs) != 2 {
		t.Fatalf("%d messages once the hour is up, want the held alert too", len(msgs))
	}
	m := parseMail(t, ms.messages()[1].Data)
	if date, err := m.Header.Date(); err != nil || !date.Equal(t0.Add(2*time.Hour)) {
		t.Errorf("the held alert is dated %v (%v), want the end of the hour %v", date, err, t0.Add(2*time.Hour))
	}
	if got := m.subject(t); !strings.Contains(got, "critical") || strings.Contains(got, "digest") {
		t.Errorf("subject %q, want the held critical change's alert", got)
	}
	if !strings.Contains(m.Text, fmt.Sprintf("https://pw.example/events/%d", held[0].ID)) {
		t.Errorf("the alert is not about the held change %d:\n%s", held[0].ID, m.Text)
	}
}
