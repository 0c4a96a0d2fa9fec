package notify

import (
	"context"
	"errors"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// The records notify keeps in the database. Their fields are those of the
// store's types of the same names, so that internal/notifystore converts
// one to the other with a plain conversion (notify and store may not
// import each other).

// Subscriber is a person who receives alerts and digests.
type Subscriber struct {
	ID             int64
	Email          string
	Watches        []string // empty: every watch
	Digest         string   // DigestDaily, DigestWeekly or DigestNone
	MinSeverity    monitor.Severity
	CreatedAt      time.Time
	UpdatedAt      time.Time
	UnsubscribedAt time.Time // zero while subscribed
	// AfterEvent is the newest event when the subscription started: the
	// subscriber hears of the later ones only (0: of every one). The
	// store sets it when it subscribes an address (again).
	AfterEvent int64
}

// Follows says whether the subscriber follows the watch.
func (s Subscriber) Follows(watch string) bool {
	if len(s.Watches) == 0 {
		return true
	}
	for _, w := range s.Watches {
		if w == watch {
			return true
		}
	}
	return false
}

// Digest settings.
const (
	DigestDaily  = "daily"
	DigestWeekly = "weekly"
	DigestNone   = "none"
)

// OutboxItem is one notification: planned, then sent.
type OutboxItem struct {
	ID            int64
	Key           string // unique: what the row is for
	Channel       string // ChannelEmail or ChannelWebhook
	Kind          string // KindAlert, KindDigest, KindOperator or KindWebhook
	Recipient     string // an address or a webhook URL
	SubscriberID  int64  // 0: none (operator, webhook)
	EventID       int64  // 0: none (digest)
	Watch         string
	Note          string // operator: NoteFlapping or ""; digest: its frequency
	CreatedAt     time.Time
	Status        string // StatusPending, StatusSent, StatusFailed or StatusCancelled
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	SentAt        time.Time
	// ClaimedUntil is the end of the lease of the sender that holds the
	// row (zero: none), and that sender's claim token: ClaimOutbox and
	// RenewOutbox return it, the other calls of the claim pass it.
	ClaimedUntil time.Time
}

// Channels, kinds and statuses of outbox rows.
const (
	ChannelEmail   = "email"
	ChannelWebhook = "webhook"

	KindAlert    = "alert"    // one change, to a subscriber, at once
	KindDigest   = "digest"   // the changes held for a subscriber
	KindOperator = "operator" // an episode opened or closed, or a watch flapping
	KindWebhook  = "webhook"  // one event, to a webhook

	StatusPending   = "pending"
	StatusSent      = "sent"
	StatusFailed    = "failed"
	StatusCancelled = "cancelled"

	NoteFlapping = "flapping"
)

// ErrNoSubscriber is Subscribers.SubscriberByID's error for an id no
// subscriber has: told apart from a store that fails, which an
// unsubscribe link answers as a temporary failure, not a bad link.
var ErrNoSubscriber = errors.New("no such subscriber")

// HeldEvent is a change a subscriber will read in the next digest.
type HeldEvent struct {
	SubscriberID int64
	EventID      int64
	// Alert says it called for an alert that could not go at once (the
	// hourly limit, no mail server): a weekly subscriber gets it at the
	// next daily digest time (DigestRun.HeldAlerts).
	Alert bool
	// Flip says it is a revert in a run of them (see Service.flipping):
	// with Alert, it goes in that catch-up digest, but never in an alert
	// of its own when the hour is up (ReleaseHeldAlerts).
	Flip bool
}

// Plan is what the dispatcher decided for the events after the cursor
// After up to Through.
type Plan struct {
	After, Through int64
	Outbox         []OutboxItem
	Held           []HeldEvent
}

// DigestRun asks for the digests of one time.
type DigestRun struct {
	Slot        time.Time // the digest's time
	Previous    time.Time // the last digest time handled, as read
	Frequencies []string  // the digest settings due at Slot
	// HeldAlerts are the digest settings, not due at Slot, whose
	// subscribers get the changes held back from an alert (HeldEvent.Alert)
	// in a catch-up digest of their own.
	HeldAlerts []string
	Manual     bool // policywatch digest --now: the schedule is left alone
}

// History is what notify reads of the monitor's records.
type History interface {
	Events(ctx context.Context, f monitor.EventFilter) ([]monitor.Event, error)
	Version(ctx context.Context, id int64) (*monitor.Version, error)
	// HasWatch says whether the history knows a watch of that name.
	HasWatch(ctx context.Context, name string) (bool, error)
}

// Subscribers keeps the people who receive mail.
type Subscribers interface {
	Subscribe(ctx context.Context, s Subscriber) (Subscriber, error)
	// SubscriberByID returns an error wrapping ErrNoSubscriber when no
	// subscriber has the id.
	SubscriberByID(ctx context.Context, id int64) (Subscriber, error)
	// Subscribers lists the active subscribers; all adds the former ones.
	Subscribers(ctx context.Context, all bool) ([]Subscriber, error)
	// Unsubscribe ends a subscription and cancels what is pending for it;
	// idempotent.
	Unsubscribe(ctx context.Context, id int64, at time.Time) (Subscriber, error)
}

// Outbox is the queue of notifications and the dispatcher's state.
type Outbox interface {
	NotifyState(ctx context.Context) (cursor int64, digestSlot time.Time, err error)
	NotifySecret(ctx context.Context) ([]byte, error)
	LastAlertAt(ctx context.Context, subscriberID int64, watch string) (time.Time, error)
	// Busy says whether err is the database held by another connection
	// longer than a write waits for it (SQLite's SQLITE_BUSY): no fault of
	// the disk nor of the notifications, which a later turn sends.
	Busy(err error) bool
	// LastDigestAt returns when the last digest was planned, scheduled or
	// not (DigestRun.Manual); zero when none was.
	LastDigestAt(ctx context.Context) (time.Time, error)
	// RecordWebhooks records the webhooks of urls seen for the first time
	// as starting after the newest event, and returns each one's start:
	// it hears of the events whose id is greater.
	RecordWebhooks(ctx context.Context, urls []string, now time.Time) (map[string]int64, error)
	// WebhookStarts returns the starts RecordWebhooks would return now,
	// and records nothing.
	WebhookStarts(ctx context.Context, urls []string) (map[string]int64, error)
	// RecordPlan writes a plan in one transaction; monitor.ErrConflict
	// when the cursor moved meanwhile.
	RecordPlan(ctx context.Context, p Plan) error
	// RecordDigests plans the digests of one time in one transaction and
	// returns the rows planned.
	RecordDigests(ctx context.Context, r DigestRun, now time.Time) ([]OutboxItem, error)
	DigestEventIDs(ctx context.Context, subscriberID, outboxID int64) ([]int64, error)
	// ReleaseHeldAlerts plans as an alert the oldest change held back by
	// the hourly limit for each subscriber and watch without an alert
	// planned since holdStart, among the changes checked since heldSince,
	// in one transaction, and returns the rows planned.
	ReleaseHeldAlerts(ctx context.Context, holdStart, heldSince, now time.Time) ([]OutboxItem, error)
	// NextHeldAlertRelease is the earliest time from now on at which
	// ReleaseHeldAlerts(at-hold, at-stale, at) would plan an alert; ok is
	// false when it never would.
	NextHeldAlertRelease(ctx context.Context, hold, stale time.Duration, now time.Time) (at time.Time, ok bool, err error)
	// ClaimOutbox holds the due rows no sender holds for lease from now;
	// each comes with its claim's token (OutboxItem.ClaimedUntil).
	ClaimOutbox(ctx context.Context, due, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error)
	// RenewOutbox holds the row for lease from now and returns the claim's
	// new token, if the claim still holds it; held is false, and nothing
	// written, when another sender took it over (or it was cancelled).
	RenewOutbox(ctx context.Context, id int64, claimedUntil, now time.Time, lease time.Duration) (until time.Time, held bool, err error)
	// MarkOutboxSentAll records the delivery of the rows one message
	// carried (by id, with their claims' tokens) in one transaction, even
	// of those the claims lost (returned): they did go out.
	MarkOutboxSentAll(ctx context.Context, claims map[int64]time.Time, at time.Time) (lost []int64, err error)
	// MarkOutboxFailed records a failed attempt, only if the claim still
	// holds the row.
	MarkOutboxFailed(ctx context.Context, id int64, claimedUntil time.Time, reason string, retryAt time.Time) (held bool, err error)
	// ReleaseOutbox gives back rows claimed and not tried (the sender is
	// stopping), by id with their claims' tokens, in one transaction:
	// those the claims still hold are claimable at once, their attempt
	// uncounted. It returns the rows released.
	ReleaseOutbox(ctx context.Context, claims map[int64]time.Time) (released []int64, err error)
	CancelOutbox(ctx context.Context, id int64, reason string) error
	OutboxRows(ctx context.Context, statuses []string, limit int) ([]OutboxItem, error)
	// NextOutboxAttempt is when the earliest pending row may next be
	// claimed; the zero time when none is pending.
	NextOutboxAttempt(ctx context.Context) (time.Time, error)
	// ChangeStamp is a token that differs whenever anything was written
	// to the store since it was taken, by any process; reading it must
	// cost next to nothing (Run takes it at every poll). It must move
	// when a commit becomes visible to reads, not only when its data
	// reaches the disk: Run settles on a stamp that a turn's reads left
	// as it was.
	ChangeStamp() (string, error)
}

// Store is everything the Service needs; each part of it uses only the
// interface above that concerns it.
type Store interface {
	History
	Subscribers
	Outbox
}
