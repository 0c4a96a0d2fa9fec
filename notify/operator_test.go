package notify_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/store"
)

const errorPage = `<!DOCTYPE html><html><head><title>Error</title></head><body><p>Sorry, something went wrong.</p></body></html>`

// TestOperatorEpisodes: anomalies and recoveries reach the operator once
// per episode and never a subscriber; a watch that keeps alternating is
// reported once as flapping, then stays quiet until it has been steady.
func TestOperatorEpisodes(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	ada := r.subscribe("ada@example.org", func(s *notify.Subscriber) { s.MinSeverity = "info" })
	svc := r.service(notify.Config{Operator: "ops@example.org"}, ms, notify.WithFlapping(3, 24*time.Hour))
	subjects := func() []string {
		var out []string
		for _, m := range ms.messages() {
			if m.To[0] != "ops@example.org" {
				t.Errorf("episode mail to %v", m.To)
			}
			out = append(out, parseMail(t, m.Data).subject(t))
		}
		return out
	}
	at := t0
	step := func(page string, gap time.Duration) {
		at = at.Add(gap)
		r.check(page, at)
		tick(t, svc)
	}

	step("policy-v1.html", 0)
	step(errorPage, time.Hour) // episode 1 opens
	step(errorPage, time.Hour) // goes on: nothing new
	step(errorPage, time.Hour)
	step("policy-v1.html", time.Hour) // and closes
	got := subjects()
	if len(got) != 2 || !strings.Contains(got[0], "nimbus: the page served is not the policy") || !strings.Contains(got[1], "nimbus: the policy is served again") {
		t.Fatalf("subjects after one episode: %q", got)
	}

	// Flapping: episodes 2 and 3 within a day of the one before.
	step(errorPage, 2*time.Hour)      // episode 2: told
	step("policy-v1.html", time.Hour) // told
	step(errorPage, 2*time.Hour)      // episode 3: flapping, told once
	step("policy-v1.html", time.Hour) // not told
	for i := 0; i < 5; i++ {          // episodes 4-8: silence
		step(errorPage, 3*time.Hour)
		step("policy-v1.html", time.Hour)
	}
	got = subjects()
	if len(got) != 5 || !strings.Contains(got[4], "flapping") {
		t.Fatalf("subjects while flapping: %q, want 2 + 2 + one flapping notice", got)
	}
	flap := parseMail(t, ms.messages()[4].Data)
	if !strings.Contains(flap.Text, "not reported until it has been steady for 24h") {
		t.Errorf("flapping notice:\n%s", flap.Text)
	}

	// Two quiet days end the run: the next episode is told again.
	step(errorPage, 50*time.Hour)
	if got = subjects(); len(got) != 6 || !strings.Contains(got[5], "not the policy") {
		t.Errorf("subjects after a quiet spell: %q", got)
	}

	// Subscribers heard nothing of it, not even in their digest.
	held, err := r.db.DigestEventIDs(context.Background(), ada.ID, 0)
	if err != nil || len(held) != 0 {
		t.Errorf("held for the subscriber: %v %v", held, err)
	}
}

// consentPage is a cookie wall served with status 200.
const consentPage = `<!DOCTYPE html><html><head><title>Before you continue</title></head><body><p>We use cookies. Accept all cookies to continue to the site.</p><button>Accept all cookies</button></body></html>`

// TestOperatorFailureThatChangesIsNotFlapping: a failure that changes
// along the way (an error page, then a cookie wall, then the error page
// again) is three episodes, each told, and then one recovery, told too:
// it is one failure, not a page that keeps coming back and going, and it
// used to be told as "flapping" at its third episode, its recovery then
// kept from the operator.
func TestOperatorFailureThatChangesIsNotFlapping(t *testing.T) {
	r := newRig(t)
	ms := newMailServer(t)
	svc := r.service(notify.Config{Operator: "ops@example.org"}, ms, notify.WithFlapping(3, 24*time.Hour))
	at := t0
	for _, page := range []string{"policy-v1.html", errorPage, consentPage, errorPage, "policy-v1.html"} {
		r.check(page, at)
		tick(t, svc)
		at = at.Add(time.Hour)
	}
	var got []string
	for _, m := range ms.messages() {
		got = append(got, parseMail(t, m.Data).subject(t))
	}
	if len(got) != 4 || !strings.Contains(got[3], "served again") {
		t.Fatalf("operator's subjects: %q, want three episodes and the recovery", got)
	}
	for _, s := range got {
		if strings.Contains(s, "flapping") {
			t.Errorf("a failure that changed was told as flapping: %q", got)
		}
	}
}

// operatorRig is a rig whose service tells ops@example.org of episodes,
// and three watches checked once: their first versions, told to no one.
func operatorRig(t *testing.T) (*rig, *mailServer, *notify.Service, []string) {
	r := newRig(t)
	ms := newMailServer(t)
	svc := r.service(notify.Config{Operator: "ops@example.org"}, ms)
	watches := []string{"nimbus", "acme", "zephyr"}
	operatorPass(t, r, svc, t0, watches...)
	return r, ms, svc, watches
}

// operatorPass checks each of watches, serving policy-v1.html (or the
// failure the page server is set to), at at and runs one turn.
func operatorPass(t *testing.T, r *rig, svc *notify.Service, at time.Time, watches ...string) {
	t.Helper()
	for _, w := range watches {
		r.checkAs(w, "policy-v1.html", at)
	}
	tick(t, svc)
}

// operatorMail checks that ms has received n messages, the last one with
// the subject want, and returns that one.
func operatorMail(t *testing.T, ms *mailServer, n int, want string) *parsedMail {
	t.Helper()
	msgs := ms.messages()
	if len(msgs) != n {
		t.Fatalf("%d operator emails, want %d", len(msgs), n)
	}
	m := parseMail(t, msgs[n-1].Data)
	if got := m.subject(t); got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	return m
}

// TestOperatorNoticesDueTogether: when a host, or the home server's own
// connection, is down, every watch fails at once. The operator gets one
// email listing them all, and one more for their recoveries — not one per
// watch and one per recovery. An episode of its own still gets its own
// email.
func TestOperatorNoticesDueTogether(t *testing.T) {
	r, ms, svc, watches := operatorRig(t)

	r.pages.fail(http.StatusServiceUnavailable)
	operatorPass(t, r, svc, t0.Add(time.Hour), watches...)
	m := operatorMail(t, ms, 1, "[policywatch] 3 watches: fetch errors (http_status)") // not one per watch
	for _, w := range watches {
		for part, headline := range map[string]string{m.Text: w, m.HTML: "<strong>" + w + "</strong>"} {
			if !strings.Contains(part, headline+": the page could not be fetched (http_status)") ||
				!strings.Contains(part, "/"+w+": HTTP 503 Service Unavailable") {
				t.Errorf("the notice of %s is not in the message:\n%s", w, part)
			}
		}
	}
	if !strings.Contains(m.Text, "12 May 2026 10:00 UTC") || strings.Count(m.Text, "You will hear once more") != 1 {
		t.Errorf("the message says neither since when nor, once, what follows:\n%s", m.Text)
	}

	r.pages.fail(0)
	operatorPass(t, r, svc, t0.Add(2*time.Hour), watches...)
	m = operatorMail(t, ms, 2, "[policywatch] 3 watches: recovered")
	for _, w := range watches {
		if !strings.Contains(m.Text, w+": the policy is served again after 1 failed check") {
			t.Errorf("the recovery of %s is not in the message:\n%s", w, m.Text)
		}
	}

	// One watch alone: its own email, as ever.
	r.pages.fail(http.StatusServiceUnavailable)
	operatorPass(t, r, svc, t0.Add(3*time.Hour), "acme")
	operatorMail(t, ms, 3, "[policywatch] acme: the page could not be fetched (http_status)")

	// Notices of other kinds due together: counted by kind.
	r.pages.fail(0)
	r.checkAs("acme", "policy-v1.html", t0.Add(4*time.Hour))
	r.pages.fail(http.StatusServiceUnavailable)
	operatorPass(t, r, svc, t0.Add(4*time.Hour), "nimbus")
	operatorMail(t, ms, 4, "[policywatch] 2 watches: 1 recovered, 1 fetch error (http_status)")
	for _, msg := range ms.messages() {
		if len(msg.To) != 1 || msg.To[0] != "ops@example.org" {
			t.Errorf("operator email to %v", msg.To)
		}
	}
}

// TestOperatorNoticesOfAnEpisodeOverSayItIsOver: a watch's failure and its
// recovery carried in one message (the failure's mail refused, the
// recovery found before the retry) tell of an episode that is over: the
// message must not promise to tell when it is.
func TestOperatorNoticesOfAnEpisodeOverSayItIsOver(t *testing.T) {
	r, ms, svc, watches := operatorRig(t)
	ms.deferNext(1)
	r.pages.fail(http.StatusServiceUnavailable)
	operatorPass(t, r, svc, t0.Add(time.Hour), watches[0])
	r.pages.fail(0)
	operatorPass(t, r, svc, t0.Add(90*time.Minute), watches[0])
	r.clock.Add(2 * time.Hour)
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages, want the failure and its recovery in one", len(msgs))
	}
	m := parseMail(t, msgs[0].Data)
	if !strings.Contains(m.Text, "could not be fetched") || !strings.Contains(m.Text, "served again") && !strings.Contains(m.Text, "recovered") {
		t.Fatalf("the message does not carry both notices:\n%s", m.Text)
	}
	if strings.Contains(m.Text, "You will hear once more") || strings.Contains(m.HTML, "You will hear once more") {
		t.Errorf("the message promises news of an episode that is over:\n%s", m.Text)
	}
}

// TestOperatorNoticesFailTogether: the one message of three notices is
// refused by the mail server; the failure is recorded on each of the three
// rows, with the same retry time, and the retry sends one message again
// with the same Message-ID.
func TestOperatorNoticesFailTogether(t *testing.T) {
	r, ms, svc, watches := operatorRig(t)

	ms.deferNext(1)
	r.pages.fail(http.StatusServiceUnavailable)
	operatorPass(t, r, svc, t0.Add(time.Hour), watches...)
	if n := len(ms.messages()); n != 0 {
		t.Fatalf("%d messages accepted while the server refused one, want none: the three notices are one message", n)
	}
	pending := r.outbox(store.OutboxPending)
	if len(pending) != 3 {
		t.Fatalf("%d rows pending, want the 3 notices", len(pending))
	}
	for _, it := range pending[1:] {
		if it.Attempts != 1 || !strings.Contains(it.LastError, "451") || it.LastError != pending[0].LastError ||
			!it.NextAttemptAt.Equal(pending[0].NextAttemptAt) || !it.NextAttemptAt.After(r.clock.Now()) {
			t.Errorf("row %s: attempts %d, error %q, next attempt %s; want as row %s: 1, %q, %s",
				it.Key, it.Attempts, it.LastError, it.NextAttemptAt, pending[0].Key, pending[0].LastError, pending[0].NextAttemptAt)
		}
	}
	ms.mu.Lock()
	refused := append([]received(nil), ms.refused...)
	ms.mu.Unlock()
	if len(refused) != 1 {
		t.Fatalf("%d messages refused, want 1", len(refused))
	}
	first := parseMail(t, refused[0].Data).Header.Get("Message-Id")

	r.clock.Add(time.Hour)
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages on the retry, want 1", len(msgs))
	}
	m := parseMail(t, msgs[0].Data)
	if id := m.Header.Get("Message-Id"); id != first || id == "" {
		t.Errorf("Message-ID %q on the retry, want %q as on the first attempt", id, first)
	}
	for _, w := range watches {
		if !strings.Contains(m.Text, w+": the page could not be fetched") {
			t.Errorf("the notice of %s is not in the retry:\n%s", w, m.Text)
		}
	}
	r.settled(svc, ms, 3, 1)
}

// TestOperatorNoticesWithoutTheRowsLost: a sender slowed down past its
// lease (a message before the operator's hangs) finds one of the three
// notices it was to send together taken by another sender. It sends the
// other two, in one message, without the one lost, and records nothing of
// that one.
func TestOperatorNoticesWithoutTheRowsLost(t *testing.T) {
	ctx := context.Background()
	r := newRig(t)
	sr := newStallingReceiver(t, r, notify.ChannelEmail) // ada, bob, cy and dee follow nimbus
	sr.cfg.Operator = "ops@example.org"
	slow := r.service(sr.cfg, sr.ms)
	others := []string{"acme", "zephyr", "kilo"}
	r.check("policy-v1.html", t0)
	for _, w := range others {
		r.checkAs(w, "policy-v1.html", t0)
	}
	r.check("policy-v2-ai.html", t0.Add(time.Hour)) // four alerts
	r.pages.fail(http.StatusServiceUnavailable)
	for _, w := range others { // three notices
		r.checkAs(w, "policy-v1.html", t0.Add(time.Hour))
	}
	if _, err := slow.Dispatch(ctx); err != nil {
		t.Fatal(err)
	}
	rows := r.outbox(store.OutboxPending)
	if len(rows) != 7 || rows[3].Kind != notify.KindAlert || rows[4].Kind != notify.KindOperator {
		t.Fatalf("rows planned: %+v; want four alerts, then three operator notices", rows)
	}

	slowDone := make(chan error, 1)
	var sent int
	go func() {
		var err error
		sent, err = slow.SendDue(ctx)
		slowDone <- err
	}()
	awaitStall(t, sr, slowDone) // bob's alert hangs
	r.clock.Add(notify.Lease + time.Minute)
	now := r.clock.Now()
	taken, err := r.db.ClaimOutbox(ctx, now, now, notify.Lease, 4) // bob's, cy's and dee's alerts, and acme's notice
	if err != nil || len(taken) != 4 || taken[3].Watch != "acme" {
		t.Fatalf("the other sender took %+v, %v; want three alerts and acme's notice", taken, err)
	}
	sr.unblock()
	if err := <-slowDone; err != nil {
		t.Fatal(err)
	}

	var operator []*parsedMail
	for _, m := range sr.ms.messages() {
		if m.To[0] == "ops@example.org" {
			operator = append(operator, parseMail(t, m.Data))
		}
	}
	if len(operator) != 1 {
		t.Fatalf("%d operator messages, want one of zephyr's and kilo's notices", len(operator))
	}
	m := operator[0]
	if got, want := m.subject(t), "[policywatch] 2 watches: fetch errors (http_status)"; got != want || strings.Contains(m.Text, "acme") ||
		!strings.Contains(m.Text, "zephyr: ") || !strings.Contains(m.Text, "kilo: ") {
		t.Errorf("operator message %q, want %q, of zephyr and kilo alone:\n%s", got, want, m.Text)
	}
	if sent != 3 {
		t.Errorf("the slow sender sent %d notifications, want 3: ada's alert and two notices", sent)
	}
	for _, it := range r.outbox() {
		wantSent := it.Recipient == "ada@example.org" || it.Watch == "zephyr" || it.Watch == "kilo"
		switch {
		case wantSent && it.Status != store.OutboxSent:
			t.Errorf("row %s: %s, want sent", it.Key, it.Status)
		case !wantSent && (it.Status != store.OutboxPending || it.LastError != "" || !it.ClaimedUntil.Equal(now.Add(notify.Lease))):
			t.Errorf("row %s: %s, error %q, claimed until %s; want pending, held by the other sender as it took it",
				it.Key, it.Status, it.LastError, it.ClaimedUntil)
		}
	}
}
