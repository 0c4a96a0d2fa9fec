package notify_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"database/sql"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/syncbuf"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/notify/webhook"
	"github.com/policywatch/policywatch/store"
)

// TestSMTPOutage: the mail server refuses connections for several
// attempts, then answers "try again later", then accepts: each
// notification is delivered exactly once, and the attempts are recorded.
func TestSMTPOutage(t *testing.T) {
	r := newRig(t)
	ms := newStoppedMailServer(t)
	r.subscribe("ada@example.org", nil)
	r.subscribe("bob@example.org", nil)
	svc := r.service(notify.Config{Operator: "ops@example.org"}, ms,
		notify.WithRetry(10, time.Minute, 10*time.Minute))

	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))                       // two alerts
	r.check(`<html><body><p>Oops</p></body></html>`, t0.Add(2*time.Hour)) // an anomaly: one operator notice
	tick(t, svc)
	pending := r.outbox(store.OutboxPending)
	if len(pending) != 3 {
		t.Fatalf("%d rows pending, want 3 (two alerts, one operator notice): %+v", len(pending), pending)
	}
	for _, it := range pending {
		if it.Attempts != 1 || !strings.Contains(it.LastError, "connect") {
			t.Errorf("row %d: attempts %d, error %q; want 1 failed connection", it.ID, it.Attempts, it.LastError)
		}
		if want := r.clock.Now().Add(time.Minute); !it.NextAttemptAt.Equal(want) {
			t.Errorf("row %d: next attempt %s, want %s (the first backoff)", it.ID, it.NextAttemptAt, want)
		}
	}
	// Before the backoff is over, nothing is tried.
	tick(t, svc)
	if rows := r.outbox(store.OutboxPending); rows[0].Attempts != 1 {
		t.Errorf("attempts %d before the backoff ended, want 1", rows[0].Attempts)
	}
	// Two more refused attempts, a minute then two minutes later.
	for _, wait := range []time.Duration{time.Minute, 2 * time.Minute} {
		r.clock.Add(wait)
		tick(t, svc)
	}
	if rows := r.outbox(store.OutboxPending); len(rows) != 3 || rows[0].Attempts != 3 {
		t.Fatalf("after 3 refused attempts: %+v", rows)
	}

	// The server comes back, but defers two messages with a 451.
	ms.deferNext(2)
	ms.start()
	r.clock.Add(4 * time.Minute)
	tick(t, svc)
	if got := len(ms.messages()); got != 1 {
		t.Fatalf("%d delivered while two were deferred, want 1", got)
	}
	deferred := r.outbox(store.OutboxPending)
	if len(deferred) != 2 || !strings.Contains(deferred[0].LastError, "451") {
		t.Fatalf("deferred rows: %+v, want two with a 451", deferred)
	}
	r.clock.Add(8 * time.Minute)
	tick(t, svc)
	r.clock.Add(time.Hour)
	tick(t, svc)

	msgs := ms.messages()
	if len(msgs) != 3 {
		t.Fatalf("%d delivered, want 3", len(msgs))
	}
	seen := map[string]int{}
	for _, m := range msgs {
		seen[parseMail(t, m.Data).Header.Get("Message-Id")]++
	}
	if len(seen) != 3 {
		t.Errorf("Message-IDs %v: some notification was delivered twice", seen)
	}
	if got := fmt.Sprint(recipients(msgs)); !strings.Contains(got, "ada@") || !strings.Contains(got, "bob@") || !strings.Contains(got, "ops@") {
		t.Errorf("delivered to %s", got)
	}
	if rows := r.outbox(store.OutboxPending, store.OutboxFailed); len(rows) != 0 {
		t.Errorf("rows left: %+v", rows)
	}
	for _, it := range r.outbox(store.OutboxSent) {
		if it.SentAt.IsZero() || it.LastError != "" {
			t.Errorf("sent row %+v", it)
		}
	}
}

// alertDuringOutage: one subscriber, one critical change (an alert due),
// and a mail server that refuses connections until ms.start.
func alertDuringOutage(t *testing.T, opts ...notify.Option) (*rig, *mailServer, *notify.Service) {
	r := newRig(t)
	ms := newStoppedMailServer(t)
	r.subscribe("ada@example.org", nil)
	svc := r.service(notify.Config{}, ms, opts...)
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	return r, ms, svc
}

// TestRetriesGiveUp: once its attempts are spent and it is old enough, a
// row is failed, kept with its error for `policywatch outbox`, and never
// sent.
func TestRetriesGiveUp(t *testing.T) {
	r, ms, svc := alertDuringOutage(t, notify.WithRetry(3, time.Minute, time.Hour), notify.WithMaxAge(2*time.Hour))
	for i := 0; i < 5; i++ {
		tick(t, svc)
		r.clock.Add(time.Hour)
	}
	ms.start()
	tick(t, svc)
	failed := r.outbox(store.OutboxFailed)
	if len(failed) != 1 || failed[0].Attempts != 3 || failed[0].LastError == "" {
		t.Fatalf("failed rows %+v, want one after 3 attempts with its error", failed)
	}
	if n := len(ms.messages()); n != 0 {
		t.Errorf("%d messages sent for a row given up", n)
	}
}

// TestRequeuedRowGetsItsAttempts: a failed row put back by `outbox
// --retry` is old, but gets its attempts again before it is given up: it is
// the attempts and the age together that end a row.
func TestRequeuedRowGetsItsAttempts(t *testing.T) {
	r, ms, svc := alertDuringOutage(t, notify.WithRetry(3, time.Minute, time.Hour), notify.WithMaxAge(2*time.Hour))
	for range 4 {
		tick(t, svc)
		r.clock.Add(time.Hour)
	}
	if failed := r.outbox(store.OutboxFailed); len(failed) != 1 {
		t.Fatalf("failed rows %+v, want the alert given up", failed)
	}
	if n, err := r.db.RequeueFailed(context.Background(), nil, r.clock.Now()); err != nil || n != 1 {
		t.Fatalf("requeue: %d, %v", n, err)
	}
	tick(t, svc) // still refused: one attempt of three, old as it is
	if pending := r.outbox(store.OutboxPending); len(pending) != 1 || pending[0].Attempts != 1 {
		t.Fatalf("after a refused attempt: pending %+v, want the requeued alert still pending", pending)
	}
	ms.start()
	r.clock.Add(time.Hour)
	tick(t, svc)
	if n := len(ms.messages()); n != 1 {
		t.Errorf("%d messages once the server is back, want the alert", n)
	}
}

// TestAlertOutlastsADayLongOutage: with the default retry settings, an
// alert queued while the mail server is down for a day is delivered once it
// is back. The attempts alone (12, backoff up to an hour) are spent after
// about five hours; before, the alert was given up then, for good.
func TestAlertOutlastsADayLongOutage(t *testing.T) {
	r, ms, svc := alertDuringOutage(t)
	for range 48 { // a day, looked at every half hour
		tick(t, svc)
		r.clock.Add(30 * time.Minute)
	}
	if failed := r.outbox(store.OutboxFailed); len(failed) != 0 {
		t.Fatalf("given up during a day-long outage: %+v", failed)
	}
	pending := r.outbox(store.OutboxPending)
	if len(pending) != 1 || pending[0].Attempts <= notify.DefaultMaxAttempts {
		t.Fatalf("pending %+v, want the alert still pending after more than %d attempts", pending, notify.DefaultMaxAttempts)
	}
	ms.start()
	r.clock.Add(time.Hour) // the longest backoff
	tick(t, svc)
	if n := len(ms.messages()); n != 1 {
		t.Fatalf("%d messages once the server is back, want the alert", n)
	}
	if sent := r.outbox(store.OutboxSent); len(sent) != 1 {
		t.Errorf("sent rows %+v, want one", sent)
	}
}

// eventReads counts, by event, the reads of one event: what making a
// message reads of each change it shows.
type eventReads struct {
	dbStore
	mu    sync.Mutex
	reads map[int64]int
}

func (s *eventReads) Events(ctx context.Context, f monitor.EventFilter) ([]monitor.Event, error) {
	if f.Limit == 1 {
		s.mu.Lock()
		s.reads[f.AfterID+1]++
		s.mu.Unlock()
	}
	return s.dbStore.Events(ctx, f)
}

// since returns the reads counted since the last call.
func (s *eventReads) since() map[int64]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	reads := s.reads
	s.reads = map[int64]int{}
	return reads
}

// TestDigestsDueTogetherAreOneMessage: a mail server down from one
// digest time to the next leaves a subscriber two digests; once it is
// back they go as one digest of all their changes, not two messages in
// the same second — made once, not each digest first on its own.
// digestsDueTogether leaves two daily digests to one subscriber pending
// behind a mail server that refused them (Wednesday's and Thursday's),
// each of one change, first and second; the server is stopped.
func digestsDueTogether(t *testing.T) (r *rig, ms *mailServer, svc *notify.Service, counted *eventReads, ada notify.Subscriber, first, second monitor.Event) {
	t.Helper()
	r = newRig(t)
	ms = newStoppedMailServer(t)
	ada = r.subscribe("ada@example.org", func(s *notify.Subscriber) {
		s.Digest, s.MinSeverity = notify.DigestDaily, monitor.SeverityCritical
	})
	counted = &eventReads{dbStore: r.store, reads: map[int64]int{}}
	svc, err := notify.New(notify.Config{BaseURL: "https://pw.example", DigestSchedule: "0 8 * * *", SMTP: ms.config()}, counted,
		notify.WithClock(r.clock.Now), notify.WithLogger(quiet), notify.WithRetry(10, time.Minute, 10*time.Minute),
		notify.WithEmailOptions(email.WithTLSConfig(ms.clientTLS)))
	if err != nil {
		t.Fatal(err)
	}
	tick(t, svc) // Tuesday 09:00: the schedule starts

	v1, err := os.ReadFile("testdata/policy-v1.html")
	if err != nil {
		t.Fatal(err)
	}
	r.check(string(v1), t0)
	firsts := r.check(strings.Replace(string(v1), "March 3, 2026", "April 3, 2026", 1), t0.Add(time.Hour))
	r.atDigestTime(t, svc) // Wednesday's digest: refused
	seconds := r.check(strings.Replace(string(v1), "March 3, 2026", "May 3, 2026", 1), digestTime.Add(time.Hour))
	r.clock.Set(digestTime.Add(24 * time.Hour)) // Thursday's: refused too
	tick(t, svc)
	tick(t, svc)
	if len(firsts) != 1 || len(seconds) != 1 || firsts[0].Severity == monitor.SeverityCritical || seconds[0].Severity == monitor.SeverityCritical {
		t.Fatalf("events %+v, %+v; want two changes for the digest", firsts, seconds)
	}
	if pending := r.outbox(store.OutboxPending); len(pending) != 2 || pending[0].Kind != "digest" || pending[1].Kind != "digest" {
		t.Fatalf("pending %+v, want two digests", pending)
	}
	return r, ms, svc, counted, ada, firsts[0], seconds[0]
}

func TestDigestsDueTogetherAreOneMessage(t *testing.T) {
	r, ms, svc, counted, ada, first, second := digestsDueTogether(t)
	ms.start()
	r.clock.Add(10 * time.Minute) // the longest backoff
	counted.since()
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 || msgs[0].To[0] != ada.Email {
		t.Fatalf("messages to %v, want one digest to %s", recipients(msgs), ada.Email)
	}
	if got, want := counted.since(), map[int64]int{first.ID: 1, second.ID: 1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("changes read %v (by event) to make the message, want each once: %v", got, want)
	}
	m := parseMail(t, msgs[0].Data)
	if got := m.subject(t); !strings.HasPrefix(got, "[policywatch] Daily digest: 2 changes to nimbus") {
		t.Errorf("subject %q, want a daily digest of both changes", got)
	}
	for _, e := range []monitor.Event{first, second} {
		if !strings.Contains(m.Text, fmt.Sprintf("https://pw.example/events/%d", e.ID)) {
			t.Errorf("change %d is not in the digest:\n%s", e.ID, m.Text)
		}
	}
	if sent := r.outbox(store.OutboxSent); len(sent) != 2 {
		t.Errorf("sent rows %+v, want both digests' rows sent by the one message", sent)
	}
	if rows := r.outbox(store.OutboxPending, store.OutboxFailed); len(rows) != 0 {
		t.Errorf("rows left: %+v", rows)
	}
}

// TestADigestThatCannotBeMadeLeavesTheOneDueWithIt: of two digests due
// together, the older names a change that is gone (events are never
// deleted: here by hand, as a database mended by hand may be). It cannot
// be made, and is cancelled; the newer still goes, alone. Merged, the one
// that cannot be made cancelled both.
func TestADigestThatCannotBeMadeLeavesTheOneDueWithIt(t *testing.T) {
	r, ms, svc, _, ada, first, second := digestsDueTogether(t)
	pending := r.outbox(store.OutboxPending)
	db, err := sql.Open("sqlite", r.db.Path()+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if res, err := db.Exec(`DELETE FROM events WHERE id = ?`, first.ID); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%d events deleted, want 1", n)
	}

	ms.start()
	r.clock.Add(10 * time.Minute) // the longest backoff
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 1 || msgs[0].To[0] != ada.Email {
		t.Fatalf("messages to %v, want the newer digest to %s", recipients(msgs), ada.Email)
	}
	m := parseMail(t, msgs[0].Data)
	if got := m.subject(t); !strings.HasPrefix(got, "[policywatch] Daily digest: 1 change to nimbus") {
		t.Errorf("subject %q, want the newer digest of its one change", got)
	}
	if !strings.Contains(m.Text, fmt.Sprintf("https://pw.example/events/%d", second.ID)) ||
		strings.Contains(m.Text, fmt.Sprintf("https://pw.example/events/%d", first.ID)) {
		t.Errorf("the digest does not carry change %d alone:\n%s", second.ID, m.Text)
	}
	sent, cancelled := r.outbox(store.OutboxSent), r.outbox(store.OutboxCancelled)
	if len(sent) != 1 || sent[0].ID != pending[1].ID || len(cancelled) != 1 || cancelled[0].ID != pending[0].ID {
		t.Errorf("sent %+v, cancelled %+v; want row %d sent and row %d cancelled", sent, cancelled, pending[1].ID, pending[0].ID)
	}
}

// TestSendOverImplicitTLS: port 465's way, TLS from the first byte, with
// PLAIN authentication (which the server allows only over TLS).
func TestSendOverImplicitTLS(t *testing.T) {
	ms := newStoppedMailServer(t)
	ms.implicit = true
	ms.start()
	cl, err := email.New(*ms.config(), email.WithTLSConfig(ms.clientTLS))
	if err != nil {
		t.Fatal(err)
	}
	var results []error
	err = cl.Send(context.Background(), []*email.Message{{To: "ada@example.org", Subject: "s", Text: "t"}}, nil,
		func(_ int, err error) error { results = append(results, err); return nil })
	if err != nil || len(results) != 1 || results[0] != nil {
		t.Fatalf("Send: %v, results %v", err, results)
	}
	if n := len(ms.messages()); n != 1 {
		t.Errorf("%d messages received, want 1", n)
	}
}

// TestSendGivesUpOnASilentServer: a server that accepts the connection and
// never says a word (a wedged relay, a tarpit) costs Send its timeout, not
// for ever — it held every notification and the daemon's shutdown — and a
// cancelled context ends Send at once.
func TestSendGivesUpOnASilentServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			held = append(held, c) // open, and silent
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	port := l.Addr().(*net.TCPAddr).Port
	msgs := []*email.Message{{To: "ada@example.org", Subject: "s", Text: "t"}}
	for _, mode := range []string{email.TLSNone, email.TLSStartTLS, email.TLSImplicit} {
		for _, cancelled := range []bool{false, true} {
			timeout := 300 * time.Millisecond
			if cancelled {
				timeout = time.Minute
			}
			cl, err := email.New(email.Config{Host: "127.0.0.1", Port: port, TLS: mode, From: "pw <pw@example.org>", Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			if cancelled {
				time.AfterFunc(200*time.Millisecond, cancel)
			}
			var result error
			start := time.Now()
			done := make(chan error, 1)
			go func() {
				done <- cl.Send(ctx, msgs, nil, func(_ int, err error) error { result = err; return nil })
			}()
			select {
			case err := <-done:
				var ee *email.Error
				if err != nil || !errors.As(result, &ee) || !ee.Temporary() {
					t.Errorf("%s (cancelled %v): Send %v, message %v; want a temporary failure", mode, cancelled, err, result)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("%s (cancelled %v): Send still waiting after %v", mode, cancelled, time.Since(start))
			}
			cancel()
		}
	}
}

// TestSendBoundsOneMessage: a server that answers a message byte by byte,
// each byte well within the idle timeout, still cannot hold one message
// past its bound (email.DefaultMessageTime; here 300 ms): a message going
// on after the sender's lease on its row ended could be sent again by
// another sender. Without the bound, this server's reply took 3.3 s.
func TestSendBoundsOneMessage(t *testing.T) {
	port := rawSMTPServer(t, func(c net.Conn) { trickleSMTP(c, "250 2.0.0 queued as 1234567890\r\n", 100*time.Millisecond) })
	cl, err := email.New(email.Config{Host: "127.0.0.1", Port: port, TLS: email.TLSNone,
		From: "pw <pw@example.org>", Timeout: time.Second}, email.WithMessageTime(300*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	// Without the bound the reply arrives whole, and the message is sent.
	var result error
	err = cl.Send(context.Background(), []*email.Message{{To: "ada@example.org", Subject: "s", Text: "t"}}, nil,
		func(_ int, err error) error { result = err; return nil })
	var ee *email.Error
	if err != nil || !errors.As(result, &ee) || !ee.Temporary() {
		t.Errorf("Send %v, message %v; want the message cut at its bound, a temporary failure", err, result)
	}
	if email.DefaultMessageTime >= notify.Lease/2 {
		t.Errorf("a message may take %v, half the lease (%v) or more: renewed right before it, the lease could end while it goes on", email.DefaultMessageTime, notify.Lease)
	}
}

// TestARefusalStaysARefusalWhenTheServerHangsUp: a server that refuses a
// recipient for good (550) and then resets the connection (as go-mail
// sends RSET) has said the address does not exist: the message is given
// up, not retried for a week as if the session had only broken.
func TestARefusalStaysARefusalWhenTheServerHangsUp(t *testing.T) {
	port := rawSMTPServer(t, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		fmt.Fprint(c, "220 strict ESMTP\r\n")
		buf := make([]byte, 4096)
		refused := false
		for {
			n, err := c.Read(buf)
			if err != nil {
				return
			}
			switch cmd := strings.ToUpper(string(buf[:n])); {
			case refused: // RSET, or anything after the refusal: hang up hard
				c.(*net.TCPConn).SetLinger(0)
				return
			case strings.HasPrefix(cmd, "EHLO"):
				fmt.Fprint(c, "250-strict\r\n250 ENHANCEDSTATUSCODES\r\n")
			case strings.HasPrefix(cmd, "RCPT"):
				fmt.Fprint(c, "550 5.1.1 no such user\r\n")
				refused = true
			default:
				fmt.Fprint(c, "250 OK\r\n")
			}
		}
	})
	cl, err := email.New(email.Config{Host: "127.0.0.1", Port: port, TLS: email.TLSNone,
		From: "pw <pw@example.org>", Timeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	// The next message of the session was never tried: it fails for now,
	// and not with the refusal of another's address.
	results := make([]error, 2)
	err = cl.Send(context.Background(), []*email.Message{
		{To: "nobody@example.org", Subject: "s", Text: "t"},
		{To: "ada@example.org", Subject: "s", Text: "t"},
	}, nil, func(i int, err error) error { results[i] = err; return nil })
	var ee *email.Error
	if err != nil || !errors.As(results[0], &ee) || ee.Temporary() {
		t.Errorf("Send %v, first message %v; want a refusal for good", err, results[0])
	}
	if !errors.As(results[1], &ee) || !ee.Temporary() || strings.Contains(results[1].Error(), "nobody@") || strings.Contains(results[1].Error(), "550") {
		t.Errorf("second message %v; want a failure for now of its own", results[1])
	}
}

// rawSMTPServer listens on a loopback port, which it returns, and plays
// each connection with serve: an SMTP server scripted byte by byte, for
// what a real one does not do on demand.
func rawSMTPServer(t *testing.T, serve func(net.Conn)) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go serve(c)
		}
	}()
	return l.Addr().(*net.TCPAddr).Port
}

// trickleSMTP plays an SMTP server that accepts everything and, after a
// message's data, writes its reply a byte every pause.
func trickleSMTP(c net.Conn, reply string, pause time.Duration) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprint(c, "220 trickle ESMTP\r\n")
	buf := make([]byte, 0, 4096)
	inData := false
	for {
		chunk := make([]byte, 1024)
		n, err := c.Read(chunk)
		if err != nil {
			return
		}
		buf = append(buf, chunk[:n]...)
		for {
			if inData {
				end := strings.Index(string(buf), "\r\n.\r\n")
				if end < 0 {
					break
				}
				buf = buf[end+5:]
				inData = false
				for i := range len(reply) {
					if _, err := c.Write([]byte{reply[i]}); err != nil {
						return
					}
					time.Sleep(pause)
				}
				continue
			}
			line, rest, ok := strings.Cut(string(buf), "\r\n")
			if !ok {
				break
			}
			buf = []byte(rest)
			switch cmd := strings.ToUpper(line); {
			case strings.HasPrefix(cmd, "EHLO"):
				fmt.Fprint(c, "250-trickle\r\n250 8BITMIME\r\n")
			case strings.HasPrefix(cmd, "DATA"):
				fmt.Fprint(c, "354 go on\r\n")
				inData = true
			case strings.HasPrefix(cmd, "QUIT"):
				fmt.Fprint(c, "221 bye\r\n")
				return
			default:
				fmt.Fprint(c, "250 OK\r\n")
			}
		}
	}
}

// crashEnv names the variables of TestSenderCrashBetweenSentAndRecorded's
// child process.
const (
	crashDB   = "POLICYWATCH_TEST_CRASH_DB"
	crashSMTP = "POLICYWATCH_TEST_CRASH_SMTP"
	crashCA   = "POLICYWATCH_TEST_CRASH_CA"
)

// TestSenderCrashBetweenSentAndRecorded kills a sender (a child process,
// this test binary re-executed) right after the SMTP server accepted a
// message and before the database recorded it. Nothing is lost: every row
// is delivered. The one message in flight is delivered twice — the least
// SMTP allows — with the same Message-ID, so that mail clients can drop
// the copy; the others are delivered once.
func TestSenderCrashBetweenSentAndRecorded(t *testing.T) {
	if os.Getenv(crashDB) != "" {
		crashingSender(t)
		return
	}
	r := newRig(t)
	ms := newMailServer(t)
	for _, a := range []string{"ada@example.org", "bob@example.org", "cy@example.org"} {
		r.subscribe(a, nil)
	}
	cfg := notify.Config{}
	svc := r.service(cfg, ms)
	r.check("policy-v1.html", t0)
	r.check("policy-v2-ai.html", t0.Add(time.Hour))
	if _, err := svc.Dispatch(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(r.outbox(store.OutboxPending)); n != 3 {
		t.Fatalf("%d rows planned, want 3", n)
	}

	caFile := filepath.Join(t.TempDir(), "ca.pem")
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ms.serverTLS.Certificates[0].Certificate[0]})
	if err := os.WriteFile(caFile, ca, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestSenderCrashBetweenSentAndRecorded$", "-test.v")
	cmd.Env = append(os.Environ(), crashDB+"="+r.db.Path(), crashSMTP+"="+ms.addr, crashCA+"="+caFile)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child: %v, want killed by SIGKILL\n%s", err, out)
	}
	if n := len(ms.messages()); n != 1 {
		t.Fatalf("%d messages accepted before the crash, want 1", n)
	}
	first := parseMail(t, ms.messages()[0].Data).Header.Get("Message-Id")
	pending := r.outbox(store.OutboxPending)
	if len(pending) != 3 {
		t.Fatalf("after the crash %d rows pending, want all 3 (none recorded as sent)", len(pending))
	}

	// The daemon restarts; the claims of the dead sender run out.
	restart := time.Now() // the child's claims are dated by the real clock
	if restart.Before(r.clock.Now()) {
		restart = r.clock.Now()
	}
	r.clock.Set(restart.Add(notify.Lease + time.Minute))
	tick(t, svc)
	msgs := ms.messages()
	if len(msgs) != 4 {
		t.Fatalf("%d messages in all, want 4: the one in flight twice, the two others once", len(msgs))
	}
	ids := map[string]int{}
	for _, m := range msgs {
		ids[parseMail(t, m.Data).Header.Get("Message-Id")]++
	}
	if len(ids) != 3 || ids[first] != 2 {
		t.Errorf("Message-IDs %v: want the one in flight (%s) twice, two others once", ids, first)
	}
	r.settled(svc, ms, 3, 4)
}

// crashingSender is the child: it sends with a store whose first
// MarkOutboxSentAll kills the process, between "sent" and "recorded".
func crashingSender(t *testing.T) {
	ctx := context.Background()
	db, err := store.Open(ctx, os.Getenv(crashDB))
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, err := os.ReadFile(os.Getenv(crashCA))
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(pemBytes)
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	ms := &mailServer{addr: os.Getenv(crashSMTP)}
	client := &tls.Config{RootCAs: x509.NewCertPool(), ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	client.RootCAs.AddCert(cert)
	svc, err := notify.New(notify.Config{SMTP: ms.config()}, killOnSent{dbStore{DB: db}},
		notify.WithEmailOptions(email.WithTLSConfig(client)), notify.WithLogger(quiet))
	if err != nil {
		t.Fatal(err)
	}
	svc.SendDue(ctx)
	t.Fatal("the sender was not killed")
}

type killOnSent struct{ dbStore }

func (killOnSent) MarkOutboxSentAll(context.Context, map[int64]time.Time, time.Time) ([]int64, error) {
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	select {}
}

// TestFailedSendsAreLoggedAsProblems: a send that fails is a warning (it
// is tried again, as before), and one given up for good an error — at INFO
// a wrong password or a mail server down went unnoticed. One sent is a
// line at INFO that names no address.
func TestFailedSendsAreLoggedAsProblems(t *testing.T) {
	for _, c := range []struct {
		name   string
		anon   bool // no credentials: the server refuses the sender for good
		start  bool // the server listens; else connections are refused
		maxAge time.Duration
		want   string
		not    string
	}{
		{"refused, will retry", false, false, notify.DefaultMaxAge,
			`level=WARN msg="notification failed, will retry"`, "level=ERROR"},
		{"authentication required", true, true, notify.DefaultMaxAge,
			`level=ERROR msg="notification failed for good"`, "level=INFO"},
		{"attempts spent", false, false, 0,
			`level=ERROR msg="notification failed for good"`, "will retry"},
		{"sent", false, true, notify.DefaultMaxAge,
			`level=INFO msg="notification sent" id=1 kind=alert channel=email watch=nimbus subscriber=1`, "ada@example.org"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := newRig(t)
			ms := newStoppedMailServer(t)
			if c.start {
				ms.start()
			}
			r.subscribe("ada@example.org", nil)
			r.check("policy-v1.html", t0)
			r.check("policy-v2-ai.html", t0.Add(time.Hour)) // an alert due
			var logs syncbuf.Buffer
			cfg := notify.Config{SMTP: ms.config()}
			if c.anon {
				cfg.SMTP.Username, cfg.SMTP.Password = "", ""
			}
			svc, err := notify.New(cfg, r.store, notify.WithClock(r.clock.Now),
				notify.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))),
				notify.WithEmailOptions(email.WithTLSConfig(ms.clientTLS)),
				notify.WithRetry(1, time.Minute, time.Hour), notify.WithMaxAge(c.maxAge))
			if err != nil {
				t.Fatal(err)
			}
			tick(t, svc)
			got := logs.String()
			if !strings.Contains(got, c.want) || strings.Contains(got, c.not) {
				t.Errorf("logs:\n%s\nwant %q and no %q", got, c.want, c.not)
			}
		})
	}
}

// TestAFailedRowWaitsForTheNextCall: a row that fails is tried again at a
// later call, not in the next round of the same one. Webhooks that hang
// until their timeout (here a minute of the clock each) made a round
// longer than the first backoff, and the same rows were tried up to five
// times in one call — and reported that many times by digest --now.
func TestAFailedRowWaitsForTheNextCall(t *testing.T) {
	for _, rows := range []bool{false, true} {
		r := newRig(t)
		slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			r.clock.Add(time.Minute)
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}))
		t.Cleanup(slow.Close)
		svc := r.service(notify.Config{Webhooks: []notify.Webhook{
			{Config: webhook.Config{URL: slow.URL + "/a"}},
			{Config: webhook.Config{URL: slow.URL + "/b"}},
			{Config: webhook.Config{URL: slow.URL + "/c"}},
		}}, nil)
		r.check("policy-v1.html", t0)
		r.check("policy-v2-ai.html", t0.Add(time.Hour))
		ctx := context.Background()
		if _, err := svc.Dispatch(ctx); err != nil {
			t.Fatal(err)
		}
		if rows {
			tried, err := svc.SendDueRows(ctx)
			if err != nil {
				t.Fatal(err)
			}
			seen := map[int64]bool{}
			for _, it := range tried {
				if seen[it.ID] {
					t.Errorf("SendDueRows: row %d tried twice", it.ID)
				}
				seen[it.ID] = true
			}
		} else if _, err := svc.SendDue(ctx); err != nil {
			t.Fatal(err)
		}
		out := r.outbox()
		if len(out) != 6 {
			t.Fatalf("%d outbox rows, want 6 (3 webhooks × baseline and change)", len(out))
		}
		for _, it := range out {
			if it.Attempts != 1 {
				t.Errorf("SendDueRows %v: row %d (%s) tried %d times in one call, want once", rows, it.ID, it.Key, it.Attempts)
			}
		}
	}
}
