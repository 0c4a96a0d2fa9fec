package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/policywatch/policywatch/internal/secretfile"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/notify/webhook"
)

// maxSendRounds bounds one SendDue: rows that fail are rescheduled into
// the future, so a round never claims them again, but a steady stream of
// new rows must not keep one call busy for ever.
const maxSendRounds = 20

// SendDue sends the outbox rows that are due, a batch at a time, and
// records each outcome. It returns how many were delivered. A row that
// fails is tried again after a backoff, and given up once its attempts are
// spent and it is old (see failed). When ctx ends, the message on its way
// is given a grace period to finish (WithShutdownGrace) and the rows
// claimed and not tried are released (see sendDue); it then returns ctx's
// error.
func (s *Service) SendDue(ctx context.Context) (int, error) {
	return s.sendDue(ctx, nil, maxSendRounds)
}

// SendDueRows is SendDue for a caller that says what became of each
// notification (policywatch digest --now). It tries every row due when it
// is called, once, however many rounds that takes (SendDue stops after
// maxSendRounds: the daemon's next turn goes on), and returns them in the
// order claimed, as claimed (this attempt counted): those it tried and no
// other. A row another sender holds is not among them, even if due, nor is
// one it sent meanwhile, nor one planned meanwhile, nor one another sender
// took over before it was tried (this call's lease on it ran out). What
// became of each is in the store once it returns.
func (s *Service) SendDueRows(ctx context.Context) ([]OutboxItem, error) {
	var claimed []OutboxItem
	_, err := s.sendDue(ctx, &claimed, 0)
	return claimed, err
}

// ErrNotSending is returned by what sends or plans (SendDue, Dispatch,
// ScheduledDigests, DigestNow, Tick, Run) on a Service whose
// configuration was resolved by ResolveSigningKey: it has no SMTP password
// nor webhook secrets, and a send without them would fail for good.
var ErrNotSending = errors.New("notify: this service was built without the secrets to send (Config.ResolveSigningKey)")

// sendDue is SendDue over at most maxRounds batches (0: until none is
// left); it appends the rows it claims to claimed when not nil. Only rows
// due when it began are claimed: one that fails in a round is tried again
// at a later call, not in the next round (a webhook that hangs until its
// timeout made rounds longer than the first backoff, and was tried up to
// five times in one call).
//
// When ctx ends (the daemon is stopped), nothing more goes out, but the
// message already on its way is given shutdownGrace to finish and its
// outcome is recorded; one that outlasts the grace is cut and released
// with a failure recorded (see cutShort), and the rows claimed and not
// tried are released at once (store's ReleaseOutbox): the next start
// takes them all without waiting for the lease to end. It then returns
// ctx's error.
func (s *Service) sendDue(ctx context.Context, claimed *[]OutboxItem, maxRounds int) (int, error) {
	if s.cfg.sendless {
		return 0, ErrNotSending
	}
	// Deliveries outlive ctx by the grace; what they write to the store,
	// by recordTimeout more: an outcome known is never lost to the stop.
	send, endSend := afterStop(ctx, s.shutdownGrace)
	defer endSend()
	write, endWrite := afterStop(ctx, s.shutdownGrace+recordTimeout)
	defer endWrite()
	sent := 0
	due := s.now()
	for round := 0; maxRounds == 0 || round < maxRounds; round++ {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		items, err := s.store.ClaimOutbox(ctx, due, s.now(), Lease, batchSize)
		if err != nil {
			return sent, err
		}
		if len(items) == 0 {
			return sent, nil
		}
		if claimed != nil {
			*claimed = append(*claimed, items...)
		}
		b := &batch{stop: ctx, send: send, write: write, untried: make(map[int64]*OutboxItem, len(items)), claimed: claimed, sent: &sent}
		for i := range items {
			b.untried[items[i].ID] = &items[i]
		}
		err = s.sendBatch(b, items)
		// Whatever ended the batch (a stop, the database failing), the
		// rows it did not try go back to the queue now, not when the
		// lease ends.
		s.release(b)
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// batch is the rows one round of sendDue claimed, on their way out.
type batch struct {
	stop  context.Context // sendDue's: once done, nothing more goes out
	send  context.Context // the deliveries': done shutdownGrace after stop
	write context.Context // the store's writes: done recordTimeout after send
	// untried are the rows claimed and not tried yet (nor recorded, nor
	// lost to another sender), by id: the rows released at the end. Each
	// points to the claim's item, whose token hold moves on.
	untried map[int64]*OutboxItem
	claimed *[]OutboxItem // see sendDue
	sent    *int
}

// tried says the rows are being tried, or have an outcome recorded: they
// are not released.
func (b *batch) tried(rows []*Notification) {
	for _, n := range rows {
		delete(b.untried, n.Item.ID)
	}
}

// isUntried says whether the rows of a message were never tried: no
// attempt went out with them.
func (b *batch) isUntried(rows []*Notification) bool {
	for _, n := range rows {
		if b.untried[n.Item.ID] != nil {
			return true
		}
	}
	return false
}

// lost forgets a row another sender took over: it is neither tried nor
// released by this one, and not among the rows SendDueRows returns.
func (b *batch) lost(id int64) {
	delete(b.untried, id)
	if b.claimed != nil {
		*b.claimed = slices.DeleteFunc(*b.claimed, func(it OutboxItem) bool { return it.ID == id })
	}
}

// afterStop returns a context that ends grace after ctx does (or when its
// cancel is called), with ctx's values: what a stop must let finish.
func afterStop(ctx context.Context, grace time.Duration) (context.Context, context.CancelFunc) {
	out, cancel := context.WithCancel(context.WithoutCancel(ctx))
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(grace, cancel) })
	return out, func() { stop(); cancel() }
}

// sendBatch makes the notifications of the rows claimed and delivers them.
func (s *Service) sendBatch(b *batch, items []OutboxItem) error {
	byChannel := map[string][]*Notification{}
	for i := range items {
		it := &items[i]
		n, err := s.draft(b.stop, *it) // a digest is made in deliver, alone or merged (together)
		switch {
		case err != nil && b.stop.Err() != nil:
			return b.stop.Err() // stopped: the row is released
		case errors.Is(err, errGone):
			delete(b.untried, it.ID)
			if err := s.store.CancelOutbox(b.write, it.ID, err.Error()); err != nil {
				return err
			}
			continue
		case err != nil:
			// The database, most likely: try again later like a send.
			delete(b.untried, it.ID)
			if err := s.failed(b.write, *it, err); err != nil {
				return err
			}
			continue
		}
		b.untried[it.ID] = &n.Item
		byChannel[it.Channel] = append(byChannel[it.Channel], n)
	}
	for name, ns := range byChannel {
		if err := s.deliver(b, name, ns); err != nil {
			return err
		}
	}
	return nil
}

// release gives back the rows of b not tried, and says so.
func (s *Service) release(b *batch) {
	if len(b.untried) == 0 {
		return
	}
	claims := make(map[int64]time.Time, len(b.untried))
	for id, it := range b.untried {
		claims[id] = it.ClaimedUntil
		b.lost(id) // not tried: not among the rows SendDueRows returns
	}
	released, err := s.store.ReleaseOutbox(b.write, claims)
	if err != nil {
		s.log.Warn("notifications not tried could not be released: they wait for the end of their lease",
			"notifications", len(claims), "lease", Lease, "err", err)
		return
	}
	if len(released) > 0 {
		s.log.Info("notifications not tried left in the queue for the next sender", "notifications", len(released))
	}
}

// deliver delivers ns over the channel name and records each outcome,
// counting the rows sent in b.sent. A message of several notices is sent
// only while every row it carries is held: when some were lost to another
// sender, it is not sent, and the rows still held are made a message of
// their own, sent after the others. Once b.stop is done no message goes
// out: the rows not tried are left to the caller to release.
func (s *Service) deliver(b *batch, name string, ns []*Notification) error {
	failed := func(_ context.Context, rows []*Notification, err error) error {
		if b.stop.Err() != nil {
			return b.stop.Err() // the message failed to be made because of the stop
		}
		b.tried(rows)
		if errors.Is(err, errGone) {
			// As sendBatch cancels a row alone: a digest's message is made
			// here, and its subscriber may have left meanwhile, or an
			// event it names been removed, or it be left with no change.
			for _, n := range rows {
				if err := s.store.CancelOutbox(b.write, n.Item.ID, err.Error()); err != nil {
					return err
				}
			}
			return nil
		}
		return s.failedTogether(b.write, rows, err)
	}
	ns, err := s.together(b.stop, ns, failed)
	if err != nil {
		return err
	}
	for len(ns) > 0 {
		var left []*Notification // the rows still held of messages not sent for a row lost
		// The lease may have run out while the batch went (a slow mail
		// server, webhooks hanging until their timeout) and another sender
		// taken the rows left: each is held anew right before it goes out,
		// and left to the other sender if lost.
		before := func(i int) (bool, error) {
			if err := b.stop.Err(); err != nil {
				return false, err // stopped: the rows not tried are released
			}
			rows := ns[i].carried()
			var held []*Notification
			for _, n := range rows {
				ok, err := s.hold(b.write, &n.Item)
				if err != nil {
					return false, err
				}
				if ok {
					held = append(held, n)
					continue
				}
				b.lost(n.Item.ID)
			}
			if err := b.stop.Err(); err != nil {
				return false, err // stopped while holding them: released with their new token
			}
			if len(held) == len(rows) {
				b.tried(rows)
				return true, nil
			}
			left = append(left, held...)
			return false, nil
		}
		// Each outcome is recorded as soon as it is known, before the next
		// notification goes out: a crash then repeats at most the one
		// message in flight. A message of several notices records its
		// outcome on each of its rows: all sent, or all failed with the
		// same error and the same next attempt.
		record := func(i int, err error) error {
			rows := ns[i].carried()
			if err != nil {
				switch untried := b.isUntried(rows); {
				case untried && b.stop.Err() != nil:
					// Not tried (the connection broke before it, or could
					// not be made), and stopping: released as not tried.
					return b.stop.Err()
				case !untried && b.send.Err() != nil:
					return s.cutShort(b.write, rows, err)
				}
				b.tried(rows)
				return s.failedTogether(b.write, rows, err)
			}
			b.tried(rows)
			// All the rows of the message at once: a crash then sends the
			// whole message again, with its Message-ID, or none of it.
			claims := make(map[int64]time.Time, len(rows))
			for _, n := range rows {
				claims[n.Item.ID] = n.Item.ClaimedUntil
			}
			lost, err := s.store.MarkOutboxSentAll(b.write, claims, s.now())
			if err != nil {
				return err
			}
			for _, n := range rows {
				*b.sent++
				// A line per notification sent, as per check and per
				// event: an operator asked whether the digest went out
				// finds it in the log. The recipient is named by its
				// subscriber id, never by an address or a webhook URL
				// (chat webhooks carry their token in the URL).
				s.log.Info("notification sent", "id", n.Item.ID, "kind", n.Item.Kind, "channel", n.Item.Channel,
					"watch", n.Item.Watch, "subscriber", n.Item.SubscriberID)
				if slices.Contains(lost, n.Item.ID) {
					s.log.Warn("notification sent after another sender took it over or it was cancelled: it may have gone out twice",
						"id", n.Item.ID, "kind", n.Item.Kind)
				}
			}
			return nil
		}
		ch := s.channels[name]
		if ch == nil {
			for i := range ns {
				if err := record(i, permanent(fmt.Errorf("channel %s is not configured", name))); err != nil {
					return err
				}
			}
			return nil
		}
		if err := ch.Deliver(b.send, ns, before, record); err != nil {
			return err
		}
		if ns, err = s.together(b.stop, left, failed); err != nil {
			return err
		}
	}
	return nil
}

// cutShort records the attempt on rows whose delivery a stop cut when the
// grace ran out: the receiver may have had it, or not. They are released
// with a temporary failure, due again at once — as they were due, so that
// the next sender takes them before the rows claimed after them — and
// the next start sends them again, with the same Message-ID or delivery
// id: the one case where a stop may make a copy.
func (s *Service) cutShort(ctx context.Context, rows []*Notification, err error) error {
	var due time.Time // one instant for all: they come due again together
	for _, n := range rows {
		if n.Item.NextAttemptAt.After(due) {
			due = n.Item.NextAttemptAt
		}
	}
	if due.IsZero() {
		due = s.now()
	}
	for _, n := range rows {
		it := n.Item
		reason := oneLine(fmt.Sprintf("cut short by a stop of policywatch (%s after it); it may have been delivered, and goes again with the same id: %s",
			s.shutdownGrace, withoutAddress(err.Error(), it)), 500)
		held, markErr := s.store.MarkOutboxFailed(ctx, it.ID, it.ClaimedUntil, reason, due)
		switch {
		case markErr != nil:
			return markErr
		case !held:
			s.log.Info("notification cut short by the stop after another sender took it over or it was cancelled", "id", it.ID, "kind", it.Kind)
		default:
			s.log.Warn("notification cut short by the stop: the next start sends it again, with the same id",
				"id", it.ID, "kind", it.Kind, "grace", s.shutdownGrace, "err", reason)
		}
	}
	return nil
}

// together makes the operator notices of ns to one address, and the
// digests of ns to one subscriber, when there are several, one message
// each, in the place of the first; the others stay as they are, but for
// the message of a digest alone, which it makes if draft left it unmade.
// Should a message fail to be made, failed is called with its rows,
// which are left out; together stops at the first error failed returns.
func (s *Service) together(ctx context.Context, ns []*Notification, failed func(context.Context, []*Notification, error) error) ([]*Notification, error) {
	groupOf := func(n *Notification) string {
		switch {
		case n.notice != nil:
			return "operator " + n.Item.Recipient
		case n.Item.Kind == KindDigest:
			return "digest " + strconv.FormatInt(n.Item.SubscriberID, 10)
		}
		return ""
	}
	groups := map[string][]*Notification{}
	for _, n := range ns {
		if g := groupOf(n); g != "" {
			groups[g] = append(groups[g], n)
		}
	}
	out := make([]*Notification, 0, len(ns))
	for _, n := range ns {
		g := groupOf(n)
		rows := groups[g]
		var m *Notification
		var err error
		switch {
		case g == "" || len(rows) == 1:
			m, rows = n, []*Notification{n}
			err = s.finish(ctx, n)
		case rows[0] != n:
			continue // in the message of the first
		case n.notice != nil:
			m, err = s.operatorMessage(ctx, rows)
		default:
			m, err = s.digestsMessage(ctx, rows)
		}
		if errors.Is(err, errGone) && len(rows) > 1 {
			// What one row carries may be what cannot be made (its event
			// gone): that must not cancel the rows merged with it. Each is
			// made alone, and only the rows that cannot be are given up.
			for _, r := range rows {
				if err := s.finish(ctx, r); err != nil {
					if err := failed(ctx, []*Notification{r}, err); err != nil {
						return out, err
					}
					continue
				}
				out = append(out, r)
			}
			continue
		}
		if err != nil {
			// The database, most likely (try again later like a send), or
			// a subscriber gone.
			if err := failed(ctx, rows, err); err != nil {
				return out, err
			}
			continue
		}
		out = append(out, m)
	}
	return out, nil
}

// hold renews the claim on it, whose ClaimedUntil it moves on; false when
// the claim lost it.
func (s *Service) hold(ctx context.Context, it *OutboxItem) (bool, error) {
	until, held, err := s.store.RenewOutbox(ctx, it.ID, it.ClaimedUntil, s.now(), Lease)
	if err != nil {
		return false, err
	}
	if !held {
		s.log.Info("notification left to the sender that took it over (this one's lease ran out) or cancelled",
			"id", it.ID, "kind", it.Kind)
		return false, nil
	}
	it.ClaimedUntil = until
	return true, nil
}

// failed records a failed attempt and when to try again: backoffBase after
// the first, doubled each time up to backoffMax (or the receiver's
// Retry-After when longer); never again for a permanent error, or once
// maxAttempts are spent and the row is maxAge old. Attempts alone are not
// enough: with the hourly backoff they are spent in five hours, and a mail
// server or a home connection down for a day or a weekend must not cost
// the alerts of that day.
func (s *Service) failed(ctx context.Context, it OutboxItem, err error) error {
	return s.failedTogether(ctx, []*Notification{{Item: it}}, err)
}

// failedTogether is failed for the rows of one message: each is tried
// again at the same time, after the backoff of the row with the most
// attempts (so that they stay due together, and make the same message
// again), or given up as failed as failed would give it up.
func (s *Service) failedTogether(ctx context.Context, ns []*Notification, err error) error {
	var t interface{ Temporary() bool }
	permanent := errors.As(err, &t) && !t.Temporary()
	attempts := 0
	for _, n := range ns {
		attempts = max(attempts, n.Item.Attempts)
	}
	wait := s.backoff(attempts)
	var we *webhook.Error
	if errors.As(err, &we) && we.RetryAfter > wait {
		wait = min(we.RetryAfter, s.backoffMax)
	}
	now := s.now() // one instant for all: the rows come due again together
	for _, n := range ns {
		it := n.Item
		reason := oneLine(withoutAddress(err.Error(), it), 500)
		spent := it.Attempts >= s.maxAttempts && now.Sub(it.CreatedAt) >= s.maxAge
		var retryAt time.Time
		if !permanent && !spent {
			retryAt = now.Add(wait)
		}
		held, markErr := s.store.MarkOutboxFailed(ctx, it.ID, it.ClaimedUntil, reason, retryAt)
		switch {
		case markErr != nil:
			return markErr
		case !held:
			// Another sender took the row over while this attempt went on:
			// the row's outcome is that sender's to record.
			s.log.Info("notification failed after another sender took it over or it was cancelled", "id", it.ID, "kind", it.Kind, "err", reason)
		case retryAt.IsZero():
			s.log.Error("notification failed for good", "id", it.ID, "kind", it.Kind, "attempts", it.Attempts, "err", reason)
		default:
			s.log.Warn("notification failed, will retry", "id", it.ID, "kind", it.Kind, "attempt", it.Attempts, "in", wait, "err", reason)
		}
	}
	return nil
}

// withoutAddress replaces in an email's error the recipient's address,
// which a server's reply may quote, by the subscriber's id: logs and the
// outbox never hold addresses. An address of an internationalised domain
// is quoted as it went on the wire, its domain an A-label
// (ada@xn--bcher-kva.example), and is replaced in that spelling too. A
// webhook's URL is redacted where its errors are made.
func withoutAddress(reason string, it OutboxItem) string {
	if it.Channel != ChannelEmail || it.Recipient == "" {
		return reason
	}
	who := "the operator"
	if it.SubscriberID != 0 {
		who = "subscriber " + strconv.FormatInt(it.SubscriberID, 10)
	}
	spellings := regexp.QuoteMeta(it.Recipient)
	if wire, err := email.ASCIIDomain(it.Recipient); err == nil && wire != it.Recipient {
		spellings += "|" + regexp.QuoteMeta(wire)
	}
	return regexp.MustCompile(`(?i)`+spellings).ReplaceAllLiteralString(reason, who)
}

// backoff is the wait after the attempt-th failure.
func (s *Service) backoff(attempt int) time.Duration {
	d := s.backoffBase
	for i := 1; i < attempt && d < s.backoffMax; i++ {
		d *= 2
	}
	return min(d, s.backoffMax)
}

type permanentError struct{ error }

func (permanentError) Temporary() bool   { return false }
func (e permanentError) Unwrap() error   { return e.error }
func permanent(err error) permanentError { return permanentError{err} }

// emailChannel sends notifications as email.
type emailChannel struct {
	mu     sync.Mutex
	client *email.Client
	// After the server refused the password, the next delivery reads
	// passwordFile ("": the password came from the environment) again:
	// a password put right is used without restarting the daemon.
	cfg          email.Config
	opts         []email.Option
	passwordFile string
	authFailed   bool
	log          *slog.Logger
}

// current returns the client to send with, made anew with the password
// file's content when the server refused the password last time and the
// file has another one now.
func (c *emailChannel) current() *email.Client {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.authFailed || c.passwordFile == "" {
		return c.client
	}
	c.authFailed = false
	password, err := secretfile.Read(c.passwordFile)
	if err != nil {
		// The attempt fails again with the old password; the log says
		// why the file did not help (its path and problem, never its
		// content).
		c.log.Warn("the mail server refused the password, and password_file could not be read again", "err", err)
		return c.client
	}
	if password == "" || password == c.cfg.Password {
		return c.client // unchanged: the attempt fails again, and says so
	}
	cfg := c.cfg
	cfg.Password = password
	client, err := email.New(cfg, c.opts...)
	if err != nil {
		c.log.Warn("the mail server refused the password, and the one now in password_file cannot be used", "err", err)
		return c.client
	}
	c.cfg, c.client = cfg, client
	c.log.Info("the mail server refused the password: using the one now in password_file")
	return c.client
}

func (c *emailChannel) Deliver(ctx context.Context, ns []*Notification, before func(int) (bool, error), done func(int, error) error) error {
	client := c.current()
	sent := done
	done = func(i int, err error) error {
		var ee *email.Error
		if errors.As(err, &ee) && ee.AuthFailed() {
			c.mu.Lock()
			c.authFailed = true
			c.mu.Unlock()
		}
		return sent(i, err)
	}
	msgs := make([]*email.Message, len(ns))
	domain := domainOf(client.From())
	for i, n := range ns {
		msgs[i] = &email.Message{
			To: n.Item.Recipient, Subject: n.Subject, Text: n.Text, HTML: n.HTML, Date: n.Date,
			MessageID: n.MessageID, ListID: "policywatch <policywatch." + domain + ">", Unsubscribe: n.Unsubscribe,
		}
	}
	return client.Send(ctx, msgs, before, done)
}

// domainOf returns the domain of an address, for Message-IDs and
// List-Id: ASCII, an internationalised domain as its A-label.
func domainOf(a *mail.Address) string {
	if a == nil {
		return "localhost"
	}
	address, err := email.ASCIIDomain(a.Address)
	if err != nil {
		return "localhost" // ParseFrom refuses such a sender
	}
	return address[strings.LastIndexByte(address, '@')+1:]
}

// webhookChannel posts notifications to the configured webhooks.
type webhookChannel struct {
	client *webhook.Client
	hooks  map[string]webhook.Config // by URL
}

func (c *webhookChannel) Deliver(ctx context.Context, ns []*Notification, before func(int) (bool, error), done func(int, error) error) error {
	for i, n := range ns {
		send, err := before(i)
		if err != nil {
			return err
		}
		if !send {
			continue
		}
		if err := done(i, c.deliver(ctx, n)); err != nil {
			return err
		}
	}
	return nil
}

func (c *webhookChannel) deliver(ctx context.Context, n *Notification) error {
	cfg, ok := c.hooks[n.Item.Recipient]
	if !ok {
		return permanent(webhook.ErrNotConfigured)
	}
	body, err := json.Marshal(n.Event)
	if err != nil {
		return permanent(fmt.Errorf("encode event %d: %w", n.Event.ID, err))
	}
	return c.client.Send(ctx, cfg, &webhook.Delivery{
		ID: deliveryID(n.Item), Kind: string(n.Event.Kind), Severity: string(n.Event.Severity),
		JSON: body, Title: n.Title, Text: n.Text, Link: n.Link,
	})
}

// deliveryID is a webhook delivery's X-Policywatch-Delivery: the same for
// every attempt of one outbox row, and different for two rows given the
// same id, as after a database is restored from a backup (a receiver that
// drops repeated deliveries would drop the new one): "<row id>.<its
// creation time in base 36>".
func deliveryID(it OutboxItem) string {
	return stampedID(it.ID, it.CreatedAt)
}

// stampedID is "<id>.<at in Unix nanoseconds, base 36>": an id that a
// restored database, which gives the ids recorded since its backup again,
// does not give again, since the row or event that gets one again is
// recorded later.
func stampedID(id int64, at time.Time) string {
	return strconv.FormatInt(id, 10) + "." + strconv.FormatInt(at.UnixNano(), 36)
}
