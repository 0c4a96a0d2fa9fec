package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// The tables of notifications (migrations/0002_notify.sql): subscribers,
// the outbox, the changes held for digests and the dispatcher's cursor;
// and where each subscriber and webhook starts (0009_recipient_starts.sql).
// notify consumes them through interfaces of its own; the types here have
// the same fields as notify's, so internal/notifystore converts one to the
// other with a plain conversion (notify and store may not import each
// other).

// Subscriber is a person who receives alerts and digests.
type Subscriber struct {
	ID             int64
	Email          string
	Watches        []string // empty: every watch
	Digest         string   // daily, weekly or none
	MinSeverity    monitor.Severity
	CreatedAt      time.Time
	UpdatedAt      time.Time
	UnsubscribedAt time.Time // zero while subscribed
	// AfterEvent is the newest event when the subscription started: the
	// subscriber hears of the later ones only (0: of every one). Subscribe
	// sets it and ignores the value given.
	AfterEvent int64
}

// OutboxItem is one notification: planned, then sent.
type OutboxItem struct {
	ID            int64
	Key           string // unique: what the row is for
	Channel       string // email or webhook
	Kind          string // alert, digest, operator or webhook
	Recipient     string // an address or a webhook URL
	SubscriberID  int64  // 0: none (operator, webhook)
	EventID       int64  // 0: none (digest)
	Watch         string
	Note          string
	CreatedAt     time.Time
	Status        string // pending, sent, failed or cancelled
	Attempts      int
	NextAttemptAt time.Time
	LastError     string
	SentAt        time.Time
	// ClaimedUntil is the end of the lease of the sender that holds the
	// row (zero: none). It is also that sender's claim token: the later
	// calls of a claim (RenewOutbox, MarkOutboxSent, MarkOutboxFailed)
	// pass the value ClaimOutbox or RenewOutbox returned.
	ClaimedUntil time.Time
}

// HeldEvent is a change a subscriber will read in the next digest.
type HeldEvent struct {
	SubscriberID int64
	EventID      int64
	Alert        bool // held back from an alert (see notify.HeldEvent)
	Flip         bool // a revert in a run of them: never released alone (see notify.HeldEvent)
}

// heldAs is a held change's notify_digest_items.alert: 0, a change for
// the digest; 1, held back from an alert, which ReleaseHeldAlerts may
// send alone once the hour is up; 2, held back from an alert as a flip,
// which only a digest or catch-up carries.
func heldAs(h HeldEvent) int {
	switch {
	case h.Alert && h.Flip:
		return 2
	case h.Alert:
		return 1
	}
	return 0
}

// NotifyPlan is what the dispatcher decided for the events after the
// cursor After up to Through: rows to send and changes to hold.
type NotifyPlan struct {
	After, Through int64
	Outbox         []OutboxItem
	Held           []HeldEvent
}

// DigestRun asks RecordDigests for the digests of one scheduled time.
type DigestRun struct {
	Slot        time.Time // the digest's time
	Previous    time.Time // the slot last handled, as read; guards against two runs
	Frequencies []string  // the subscribers' digest settings due at Slot
	// HeldAlerts are digest settings not due at Slot whose subscribers get
	// a catch-up digest of the changes held back from an alert alone.
	HeldAlerts []string
	// Manual digests (policywatch digest --now) leave the schedule alone.
	Manual bool
}

// CatchUpDigest is the Note of a digest that carries only changes held
// back from an alert (DigestRun.HeldAlerts).
const CatchUpDigest = "catch-up"

// Outbox statuses.
const (
	OutboxPending   = "pending"
	OutboxSent      = "sent"
	OutboxFailed    = "failed"
	OutboxCancelled = "cancelled"
)

// Subscribe adds a subscriber, or updates the one with the same address
// (compared without regard to case) and makes it active again. A new
// subscriber, or a former one back, starts after the newest event
// (AfterEvent); an active one keeps its start. A subscriber without a
// digest keeps, of the changes held for it, only those that meet its
// threshold (the alerts held back). It returns the subscriber as stored.
func (db *DB) Subscribe(ctx context.Context, s Subscriber) (Subscriber, error) {
	watches, err := json.Marshal(nonNil(s.Watches))
	if err != nil {
		return Subscriber{}, fmt.Errorf("subscribe %s: %w", s.Email, err)
	}
	now := s.UpdatedAt
	if now.IsZero() {
		now = time.Now()
	}
	// The newest event is read in the statement that writes the row, so
	// that an event a check commits meanwhile is either before the start
	// or heard of, never lost between the two.
	_, err = db.sql.ExecContext(ctx, `
		INSERT INTO notify_subscribers (email, watches, digest, min_severity, created_at, updated_at, after_event)
		VALUES (?, ?, ?, ?, ?, ?, (SELECT COALESCE(MAX(id), 0) FROM events))
		ON CONFLICT (email) DO UPDATE SET watches = excluded.watches, digest = excluded.digest,
			min_severity = excluded.min_severity, updated_at = excluded.updated_at, unsubscribed_at = 0,
			after_event = CASE WHEN unsubscribed_at = 0 THEN after_event ELSE excluded.after_event END`,
		s.Email, string(watches), s.Digest, s.MinSeverity, toUnixNano(now), toUnixNano(now))
	if err != nil {
		return Subscriber{}, fmt.Errorf("subscribe %s: %w", s.Email, err)
	}
	stored, err := db.subscriberWhere(ctx, db.sql, "email = ?", s.Email)
	if err != nil {
		return Subscriber{}, err
	}
	if stored.Digest == "none" {
		// No digest to wait for any more, but the changes held because
		// they called for an alert that could not go at once (the hourly
		// limit, no mail server) still go in a catch-up digest: dropping
		// them on every re-run of subscribe would lose them.
		below := belowThreshold(stored.MinSeverity)
		if len(below) > 0 {
			in, args := inList(below)
			if _, err := db.sql.ExecContext(ctx, `
				DELETE FROM notify_digest_items WHERE subscriber_id = ? AND outbox_id IS NULL
				AND event_id IN (SELECT id FROM events WHERE severity IN `+in+`)`,
				append([]any{stored.ID}, args...)...); err != nil {
				return Subscriber{}, fmt.Errorf("subscribe %s: drop held changes: %w", s.Email, err)
			}
		}
	}
	return stored, nil
}

// belowThreshold lists the severities a subscriber with this threshold is
// not alerted of ("": critical, as notify reads it).
func belowThreshold(threshold monitor.Severity) []string {
	if threshold == "" {
		threshold = monitor.SeverityCritical
	}
	var out []string
	for _, sev := range []monitor.Severity{monitor.SeverityInfo, monitor.SeverityNotable, monitor.SeverityCritical} {
		if sev.Rank() < threshold.Rank() {
			out = append(out, string(sev))
		}
	}
	return out
}

// SubscriberByID returns one subscriber, active or not.
func (db *DB) SubscriberByID(ctx context.Context, id int64) (Subscriber, error) {
	return db.subscriberWhere(ctx, db.sql, "id = ?", id)
}

// SubscriberByEmail returns the subscriber with this address, active or
// not.
func (db *DB) SubscriberByEmail(ctx context.Context, email string) (Subscriber, error) {
	return db.subscriberWhere(ctx, db.sql, "email = ?", email)
}

// Subscribers returns the subscribers by address; the unsubscribed ones
// only when all is set.
func (db *DB) Subscribers(ctx context.Context, all bool) ([]Subscriber, error) {
	query := `SELECT ` + subscriberColumns + ` FROM notify_subscribers`
	if !all {
		query += ` WHERE unsubscribed_at = 0`
	}
	rows, err := db.sql.QueryContext(ctx, query+` ORDER BY email`)
	if err != nil {
		return nil, fmt.Errorf("list subscribers: %w", err)
	}
	list, err := collect(rows, scanSubscriber)
	if err != nil {
		return nil, fmt.Errorf("list subscribers: %w", err)
	}
	return list, nil
}

// Unsubscribe ends a subscription: nothing more is planned for the
// subscriber, its pending notifications are cancelled and the changes held
// for its next digest dropped, all in one transaction. Unsubscribing twice
// is not an error; the first time is kept. It returns the subscriber, or
// ErrNotFound.
func (db *DB) Unsubscribe(ctx context.Context, id int64, at time.Time) (Subscriber, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return Subscriber{}, fmt.Errorf("unsubscribe %d: %w", id, err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx,
		`UPDATE notify_subscribers SET unsubscribed_at = ?, updated_at = ? WHERE id = ? AND unsubscribed_at = 0`,
		toUnixNano(at), toUnixNano(at), id)
	if err != nil {
		return Subscriber{}, fmt.Errorf("unsubscribe %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		if _, err := tx.ExecContext(ctx, `
			UPDATE notify_outbox SET status = 'cancelled', last_error = 'unsubscribed', claimed_until = 0
			WHERE subscriber_id = ? AND status = 'pending'`, id); err != nil {
			return Subscriber{}, fmt.Errorf("unsubscribe %d: cancel pending: %w", id, err)
		}
		if _, err := tx.ExecContext(ctx,
			`DELETE FROM notify_digest_items WHERE subscriber_id = ? AND outbox_id IS NULL`, id); err != nil {
			return Subscriber{}, fmt.Errorf("unsubscribe %d: drop held changes: %w", id, err)
		}
	}
	s, err := db.subscriberWhere(ctx, tx, "id = ?", id)
	if err != nil {
		return Subscriber{}, fmt.Errorf("unsubscribe: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return Subscriber{}, fmt.Errorf("unsubscribe %d: commit: %w", id, err)
	}
	return s, nil
}

const subscriberColumns = `id, email, watches, digest, min_severity, created_at, updated_at, unsubscribed_at, after_event`

func (db *DB) subscriberWhere(ctx context.Context, q querier, where string, arg any) (Subscriber, error) {
	s, err := scanSubscriber(q.QueryRowContext(ctx,
		`SELECT `+subscriberColumns+` FROM notify_subscribers WHERE `+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return Subscriber{}, fmt.Errorf("subscriber %v: %w", arg, ErrNotFound)
	}
	if err != nil {
		return Subscriber{}, fmt.Errorf("subscriber %v: %w", arg, err)
	}
	return s, nil
}

func scanSubscriber(sc scanner) (Subscriber, error) {
	var (
		s                  Subscriber
		watches            string
		created, upd, gone int64
	)
	if err := sc.Scan(&s.ID, &s.Email, &watches, &s.Digest, &s.MinSeverity, &created, &upd, &gone, &s.AfterEvent); err != nil {
		return Subscriber{}, err
	}
	if err := json.Unmarshal([]byte(watches), &s.Watches); err != nil {
		return Subscriber{}, fmt.Errorf("subscriber %d: watches: %w", s.ID, err)
	}
	if len(s.Watches) == 0 {
		s.Watches = nil
	}
	s.CreatedAt, s.UpdatedAt, s.UnsubscribedAt = fromUnixNano(created), fromUnixNano(upd), fromUnixNano(gone)
	return s, nil
}

// NotifyState returns the id of the last event planned and the last digest
// time handled (zero before the first).
func (db *DB) NotifyState(ctx context.Context) (cursor int64, digestSlot time.Time, err error) {
	var slot int64
	if err := db.sql.QueryRowContext(ctx,
		`SELECT cursor, digest_slot FROM notify_state WHERE id = 1`).Scan(&cursor, &slot); err != nil {
		return 0, time.Time{}, fmt.Errorf("notify state: %w", err)
	}
	return cursor, fromUnixNano(slot), nil
}

// NotifySecret returns the database's notification secret (32 random
// bytes), creating it on first use. It signs unsubscribe links, so it
// stays with the database: a copy of the database keeps the links valid.
func (db *DB) NotifySecret(ctx context.Context) ([]byte, error) {
	read := func() ([]byte, error) {
		var secret []byte
		if err := db.sql.QueryRowContext(ctx, `SELECT secret FROM notify_state WHERE id = 1`).Scan(&secret); err != nil {
			return nil, fmt.Errorf("notify secret: %w", err)
		}
		return secret, nil
	}
	// Read first: once made, the secret needs no write, which would wait
	// for another process's write lock (the web view's feeds ask for it).
	if secret, err := read(); err != nil || len(secret) > 0 {
		return secret, err
	}
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("notify secret: %w", err)
	}
	// Only the first writer's secret sticks.
	if _, err := db.sql.ExecContext(ctx,
		`UPDATE notify_state SET secret = ? WHERE id = 1 AND length(secret) = 0`, fresh); err != nil {
		return nil, fmt.Errorf("notify secret: %w", err)
	}
	return read()
}

// RecordWebhooks records the webhooks of urls not seen before as starting
// after the newest event, and returns where each of urls starts: it hears
// of the events whose id is greater. A webhook seen before keeps its first
// start, whatever happened since (removed from the configuration, added
// back). So does, at 0 (everything), one the outbox already has
// deliveries for: a webhook of a database older than this table (an
// upgrade neither drops its pending events nor changes what it gets).
// Only the SHA-256 of a URL is stored.
func (db *DB) RecordWebhooks(ctx context.Context, urls []string, now time.Time) (map[string]int64, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record webhooks: %w", err)
	}
	defer tx.Rollback()
	starts := make(map[string]int64, len(urls))
	for _, u := range urls {
		key := webhookKey(u)
		// BEGIN took the write lock: no check commits an event between
		// the newest one read here and the row that starts after it.
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO notify_webhooks (url_sha256, after_event, first_seen)
			VALUES (?, `+newWebhookStart+`, ?)
			ON CONFLICT (url_sha256) DO NOTHING`, key, u, toUnixNano(now)); err != nil {
			return nil, fmt.Errorf("record webhooks: %w", err)
		}
		var after int64
		if err := tx.QueryRowContext(ctx,
			`SELECT after_event FROM notify_webhooks WHERE url_sha256 = ?`, key).Scan(&after); err != nil {
			return nil, fmt.Errorf("record webhooks: %w", err)
		}
		starts[u] = after
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("record webhooks: commit: %w", err)
	}
	return starts, nil
}

// newWebhookStart is where a webhook seen for the first time starts, its
// URL the query's argument (see RecordWebhooks).
const newWebhookStart = `CASE WHEN EXISTS (SELECT 1 FROM notify_outbox WHERE channel = 'webhook' AND recipient = ?) THEN 0
	ELSE (SELECT COALESCE(MAX(id), 0) FROM events) END`

// WebhookStarts returns where each of urls starts, as RecordWebhooks
// would, and records nothing: a webhook not seen before is given the start
// RecordWebhooks would record for it now (policywatch digest --now
// --dry-run).
func (db *DB) WebhookStarts(ctx context.Context, urls []string) (map[string]int64, error) {
	starts := make(map[string]int64, len(urls))
	for _, u := range urls {
		var after int64
		if err := db.sql.QueryRowContext(ctx, `
			SELECT COALESCE((SELECT after_event FROM notify_webhooks WHERE url_sha256 = ?), `+newWebhookStart+`)`,
			webhookKey(u), u).Scan(&after); err != nil {
			return nil, fmt.Errorf("webhook starts: %w", err)
		}
		starts[u] = after
	}
	return starts, nil
}

// webhookKey names a webhook in notify_webhooks: a chat webhook's URL
// carries its token, which the database need not hold once more.
func webhookKey(url string) string {
	sum := sha256.Sum256([]byte(url))
	return hex.EncodeToString(sum[:])
}

// LastAlertAt returns when the last immediate alert about the watch was
// planned for the subscriber; zero when none was.
func (db *DB) LastAlertAt(ctx context.Context, subscriberID int64, watch string) (time.Time, error) {
	var at sql.NullInt64
	err := db.sql.QueryRowContext(ctx, `
		SELECT MAX(created_at) FROM notify_outbox
		WHERE kind = 'alert' AND subscriber_id = ? AND watch = ?`, subscriberID, watch).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("last alert of %s to %d: %w", watch, subscriberID, err)
	}
	return fromUnixNano(at.Int64), nil
}

// LastDigestAt returns when the last digest was planned, by the schedule
// or by 'digest --now' (whose time is no digest time handled); zero when
// none was.
func (db *DB) LastDigestAt(ctx context.Context) (time.Time, error) {
	var at sql.NullInt64
	err := db.sql.QueryRowContext(ctx,
		`SELECT MAX(created_at) FROM notify_outbox WHERE kind = 'digest'`).Scan(&at)
	if err != nil {
		return time.Time{}, fmt.Errorf("last digest: %w", err)
	}
	return fromUnixNano(at.Int64), nil
}

// RecordNotifyPlan writes a plan in one transaction: its outbox rows (a
// row whose key exists already is left as it is) and its held changes,
// but none for a subscriber who has unsubscribed since the plan was made,
// and the cursor moved from p.After to p.Through. It returns
// monitor.ErrConflict, writing nothing, when the cursor is no longer
// p.After: another dispatcher planned these events.
func (db *DB) RecordNotifyPlan(ctx context.Context, p NotifyPlan) error {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("record notification plan: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx,
		`UPDATE notify_state SET cursor = ? WHERE id = 1 AND cursor = ?`, p.Through, p.After)
	if err != nil {
		return fmt.Errorf("record notification plan: %w", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fmt.Errorf("record notification plan after event %d: %w", p.After, monitor.ErrConflict)
	}
	// The plan was made from the subscribers as read before this
	// transaction: one who unsubscribed since (by its link, from another
	// process) gets nothing of it. Its held changes would have waited,
	// and gone out in its first digest after it subscribed again.
	active := map[int64]bool{}
	isActive := func(id int64) (bool, error) {
		if ok, seen := active[id]; seen {
			return ok, nil
		}
		var n int
		err := tx.QueryRowContext(ctx,
			`SELECT COUNT(*) FROM notify_subscribers WHERE id = ? AND unsubscribed_at = 0`, id).Scan(&n)
		if err != nil {
			return false, fmt.Errorf("record notification plan: subscriber %d: %w", id, err)
		}
		active[id] = n == 1
		return n == 1, nil
	}
	for _, it := range p.Outbox {
		if it.SubscriberID != 0 {
			ok, err := isActive(it.SubscriberID)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
		}
		if _, err := insertOutbox(ctx, tx, it); err != nil {
			return fmt.Errorf("record notification plan: %w", err)
		}
	}
	for _, h := range p.Held {
		ok, err := isActive(h.SubscriberID)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx,
			`INSERT OR IGNORE INTO notify_digest_items (subscriber_id, event_id, alert) VALUES (?, ?, ?)`,
			h.SubscriberID, h.EventID, heldAs(h)); err != nil {
			return fmt.Errorf("record notification plan: hold event %d: %w", h.EventID, err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("record notification plan: commit: %w", err)
	}
	return nil
}

// insertOutbox inserts a row unless one with its key exists; it returns
// the new row's id, 0 when the key was taken.
func insertOutbox(ctx context.Context, q querier, it OutboxItem) (int64, error) {
	next := it.NextAttemptAt
	if next.IsZero() {
		next = it.CreatedAt
	}
	res, err := q.ExecContext(ctx, `
		INSERT INTO notify_outbox (key, channel, kind, recipient, subscriber_id, event_id, watch, note,
			created_at, next_attempt_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO NOTHING`,
		it.Key, it.Channel, it.Kind, it.Recipient, nullID(it.SubscriberID), nullID(it.EventID), it.Watch, it.Note,
		toUnixNano(it.CreatedAt), toUnixNano(next))
	if err != nil {
		return 0, fmt.Errorf("insert outbox row %s: %w", it.Key, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return 0, nil
	}
	return res.LastInsertId()
}

// RecordDigests plans the digests of one time in one transaction: for each
// active subscriber whose digest setting is among r.Frequencies and who has
// changes held, an outbox row created at now that carries those changes.
// A subscriber with nothing held gets no row: an empty digest is never
// sent. Unless r.Manual, the last digest time handled moves from
// r.Previous to r.Slot, and monitor.ErrConflict is returned, writing
// nothing, when it was no longer r.Previous. It returns the rows planned.
func (db *DB) RecordDigests(ctx context.Context, r DigestRun, now time.Time) ([]OutboxItem, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("record digests: %w", err)
	}
	defer tx.Rollback()
	if !r.Manual {
		res, err := tx.ExecContext(ctx, `UPDATE notify_state SET digest_slot = ? WHERE id = 1 AND digest_slot = ?`,
			toUnixNano(r.Slot), toUnixNano(r.Previous))
		if err != nil {
			return nil, fmt.Errorf("record digests: %w", err)
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return nil, fmt.Errorf("record digests of %s: %w", r.Slot.Format(time.RFC3339), monitor.ErrConflict)
		}
	}
	// A digest of every change held, for the settings due; a catch-up of
	// the changes held back from an alert alone, for HeldAlerts.
	var out []OutboxItem
	for _, run := range []struct {
		settings []string
		alerts   bool
	}{{r.Frequencies, false}, {r.HeldAlerts, true}} {
		if len(run.settings) == 0 {
			continue
		}
		held := "d.outbox_id IS NULL"
		if run.alerts {
			held += " AND d.alert >= 1" // flips included (heldAs)
		}
		in, args := inList(run.settings)
		rows, err := tx.QueryContext(ctx, `
			SELECT s.id, s.email, s.digest FROM notify_subscribers s
			WHERE s.unsubscribed_at = 0 AND s.digest IN `+in+`
			AND EXISTS (SELECT 1 FROM notify_digest_items d WHERE d.subscriber_id = s.id AND `+held+`)
			ORDER BY s.id`, args...)
		if err != nil {
			return nil, fmt.Errorf("record digests: %w", err)
		}
		planned, err := collect(rows, func(sc scanner) (OutboxItem, error) {
			it := OutboxItem{Channel: "email", Kind: "digest", CreatedAt: now, NextAttemptAt: now, Status: OutboxPending}
			if err := sc.Scan(&it.SubscriberID, &it.Recipient, &it.Note); err != nil {
				return OutboxItem{}, err
			}
			if run.alerts {
				it.Note = CatchUpDigest
			}
			it.Key = fmt.Sprintf("digest:%d:%d", it.SubscriberID, r.Slot.UnixNano())
			return it, nil
		})
		if err != nil {
			return nil, fmt.Errorf("record digests: %w", err)
		}
		for _, it := range planned {
			id, err := insertOutbox(ctx, tx, it)
			if err != nil {
				return nil, fmt.Errorf("record digests: %w", err)
			}
			if id == 0 {
				continue // this slot's digest exists: a manual run in the same nanosecond
			}
			if _, err := tx.ExecContext(ctx,
				`UPDATE notify_digest_items AS d SET outbox_id = ? WHERE d.subscriber_id = ? AND `+held,
				id, it.SubscriberID); err != nil {
				return nil, fmt.Errorf("record digests: %w", err)
			}
			it.ID = id
			out = append(out, it)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("record digests: commit: %w", err)
	}
	return out, nil
}

// heldAlerts is the rule ReleaseHeldAlerts and NextHeldAlertRelease
// share, short of the times: the changes held back from an alert (d) of
// active subscribers (s) that came after the last alert about their watch
// (a) to their subscriber, each with its event (e) and watch (w). The
// last alert is read through the index notify_outbox_alerts for the few
// changes held: not a scan of every alert ever sent, as this runs at
// every turn. Alerts are planned in the order of their events, so the
// last one's event is the greatest. A change whose alert exists already
// is left out: no plan makes one (a plan alerts or holds a change, not
// both), but alerts out of the order of their events would, and it would
// then be found again at every turn and never planned (its key is
// taken), holding back the later changes of its watch — and
// NextHeldAlertRelease would wake the daemon for it at every poll.
const heldAlerts = `notify_digest_items d
		JOIN notify_subscribers s ON s.id = d.subscriber_id
		JOIN events e ON e.id = d.event_id
		JOIN watches w ON w.id = e.watch_id
		JOIN notify_outbox a ON a.id = (SELECT o.id FROM notify_outbox o
			WHERE o.kind = 'alert' AND o.subscriber_id = d.subscriber_id AND o.watch = w.name
			ORDER BY o.created_at DESC LIMIT 1)
		WHERE d.outbox_id IS NULL AND d.alert = 1 AND s.unsubscribed_at = 0 AND d.event_id > a.event_id
		AND NOT EXISTS (SELECT 1 FROM notify_outbox x WHERE x.key = 'alert:' || d.subscriber_id || ':' || d.event_id)`

// ReleaseHeldAlerts plans as an alert, created at now, each change held
// back from an alert by the hourly limit whose hold is over: for each
// subscriber and watch whose last alert was planned at holdStart (an hour
// before now) or earlier, the oldest change that called for an alert and
// came after that one's, among those checked since heldSince. A change
// held with no alert before it (no mail server then) and one checked
// before heldSince (a daemon stopped) wait for the digest: one message,
// not a late flood. The rows come out of the digest items held (their
// outbox_id set), in one transaction; it returns the rows planned.
func (db *DB) ReleaseHeldAlerts(ctx context.Context, holdStart, heldSince, now time.Time) ([]OutboxItem, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("release held alerts: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `
		SELECT d.subscriber_id, s.email, MIN(d.event_id), w.name FROM `+heldAlerts+`
		AND e.time >= ? AND a.created_at <= ?
		GROUP BY d.subscriber_id, w.name
		ORDER BY d.subscriber_id, w.name`, toUnixNano(heldSince), toUnixNano(holdStart))
	if err != nil {
		return nil, fmt.Errorf("release held alerts: %w", err)
	}
	held, err := collect(rows, func(sc scanner) (OutboxItem, error) {
		it := OutboxItem{Channel: "email", Kind: "alert", CreatedAt: now, NextAttemptAt: now, Status: OutboxPending}
		err := sc.Scan(&it.SubscriberID, &it.Recipient, &it.EventID, &it.Watch)
		it.Key = fmt.Sprintf("alert:%d:%d", it.SubscriberID, it.EventID)
		return it, err
	})
	if err != nil {
		return nil, fmt.Errorf("release held alerts: %w", err)
	}
	var out []OutboxItem
	for _, it := range held {
		id, err := insertOutbox(ctx, tx, it)
		if err != nil {
			return nil, fmt.Errorf("release held alerts: %w", err)
		}
		if id == 0 {
			continue // the event's alert exists: a plan alerts or holds an event, not both
		}
		if _, err := tx.ExecContext(ctx,
			`UPDATE notify_digest_items SET outbox_id = ? WHERE subscriber_id = ? AND event_id = ?`,
			id, it.SubscriberID, it.EventID); err != nil {
			return nil, fmt.Errorf("release held alerts: %w", err)
		}
		it.ID = id
		out = append(out, it)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("release held alerts: commit: %w", err)
	}
	return out, nil
}

// NextHeldAlertRelease returns the earliest time from now on at which
// ReleaseHeldAlerts, called with holdStart hold before it and heldSince
// stale before it, would plan an alert; ok is false when it never would
// (nothing held, or each change held goes stale before its hold ends and
// waits for the digest). A release overdue (no turn since the hold
// ended) is due now. The daemon wakes at it: a held alert, critical
// maybe, goes when the hour is up, not at the next idle poll.
func (db *DB) NextHeldAlertRelease(ctx context.Context, hold, stale time.Duration, now time.Time) (at time.Time, ok bool, err error) {
	// A change is released at the end of its hold (its last alert's time
	// plus hold), or now if that is past, as long as it is not stale
	// then (checked at or after that time less stale).
	var next sql.NullInt64
	if err := db.sql.QueryRowContext(ctx, `
		SELECT MIN(MAX(a.created_at + :hold, :now)) FROM `+heldAlerts+`
		AND e.time + :stale >= MAX(a.created_at + :hold, :now)`,
		sql.Named("hold", int64(hold)), sql.Named("stale", int64(stale)), sql.Named("now", toUnixNano(now))).Scan(&next); err != nil {
		return time.Time{}, false, fmt.Errorf("next release of a held alert: %w", err)
	}
	if !next.Valid {
		return time.Time{}, false, nil
	}
	return fromUnixNano(next.Int64), true, nil
}

// DigestEventIDs returns, oldest first, the ids of the changes the digest
// outboxID carries; with outboxID 0, those held for the subscriber's next
// digest.
func (db *DB) DigestEventIDs(ctx context.Context, subscriberID, outboxID int64) ([]int64, error) {
	query, arg := `SELECT event_id FROM notify_digest_items WHERE outbox_id = ? ORDER BY event_id`, any(outboxID)
	if outboxID == 0 {
		query, arg = `SELECT event_id FROM notify_digest_items WHERE subscriber_id = ? AND outbox_id IS NULL ORDER BY event_id`, subscriberID
	}
	rows, err := db.sql.QueryContext(ctx, query, arg)
	if err != nil {
		return nil, fmt.Errorf("digest events: %w", err)
	}
	ids, err := collect(rows, func(sc scanner) (id int64, err error) {
		err = sc.Scan(&id)
		return id, err
	})
	if err != nil {
		return nil, fmt.Errorf("digest events: %w", err)
	}
	return ids, nil
}

// ClaimOutbox takes up to limit pending rows whose next attempt is due by
// due and that no sender holds at now: each is then held for lease from
// now (no other sender takes it meanwhile) and counts an attempt. A sender
// that dies leaves its rows to be taken again when the lease ends. Rows
// come oldest first. A sender passes as due the time it began, so that a
// row it tried and failed (its next attempt moved past that) is not taken
// again before it is done.
//
// A sender that outlives its lease (a slow mail server, webhooks hanging
// until their timeout) may find the rows it has not sent yet taken by
// another: it renews each row (RenewOutbox) right before sending it, and
// skips it when it no longer holds it. The claim's token is the
// ClaimedUntil each row comes with, a time in nanoseconds: a row is only
// claimed once its lease is over, for lease from then, so each claim of a
// row writes a later value than any before it — unless the clock was set
// back by more than the lease, to the nanosecond. A token column of its
// own would need a migration, and a daemon of the previous version,
// running beside this one during an upgrade, would claim rows without
// changing it: claimed_until, it does change.
func (db *DB) ClaimOutbox(ctx context.Context, due, now time.Time, lease time.Duration, limit int) ([]OutboxItem, error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT `+outboxColumns+` FROM notify_outbox
		WHERE status = 'pending' AND next_attempt_at <= ? AND claimed_until <= ?
		ORDER BY next_attempt_at, id LIMIT ?`, toUnixNano(due), toUnixNano(now), limit)
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	items, err := collect(rows, scanOutbox)
	if err != nil {
		return nil, fmt.Errorf("claim outbox: %w", err)
	}
	until := toUnixNano(now.Add(lease))
	for i := range items {
		if _, err := tx.ExecContext(ctx,
			`UPDATE notify_outbox SET claimed_until = ?, attempts = attempts + 1 WHERE id = ?`,
			until, items[i].ID); err != nil {
			return nil, fmt.Errorf("claim outbox: %w", err)
		}
		items[i].Attempts++
		items[i].ClaimedUntil = fromUnixNano(until)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("claim outbox: commit: %w", err)
	}
	return items, nil
}

// RenewOutbox holds a claimed row for lease from now, if the claim whose
// token is claimedUntil still holds it (pending, and not claimed by
// another sender since), and returns the claim's new token; held is false,
// and nothing written, when it does not. A lease that ran out is renewed
// all the same while no other sender has taken the row. A clock set back
// never shortens the lease.
func (db *DB) RenewOutbox(ctx context.Context, id int64, claimedUntil, now time.Time, lease time.Duration) (until time.Time, held bool, err error) {
	until = now.Add(lease)
	if until.Before(claimedUntil) {
		until = claimedUntil
	}
	res, err := db.sql.ExecContext(ctx, `
		UPDATE notify_outbox SET claimed_until = ?
		WHERE id = ? AND claimed_until = ? AND status = 'pending'`,
		toUnixNano(until), id, toUnixNano(claimedUntil))
	if err != nil {
		return time.Time{}, false, fmt.Errorf("renew the claim on outbox row %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return time.Time{}, false, nil
	}
	return fromUnixNano(toUnixNano(until)), true, nil
}

// MarkOutboxSent records that the row was delivered at, by the claim whose
// token is claimedUntil; held says whether that claim still held it. A
// delivery is recorded even by a claim that lost the row: it did go out,
// and the sender that took the row over then finds it sent and does not
// send it again (unless it is sending it already). Only a row recorded as
// sent already is left as it is.
func (db *DB) MarkOutboxSent(ctx context.Context, id int64, claimedUntil, at time.Time) (held bool, err error) {
	lost, err := db.MarkOutboxSentAll(ctx, map[int64]time.Time{id: claimedUntil}, at)
	return err == nil && len(lost) == 0, err
}

// MarkOutboxSentAll is MarkOutboxSent for the rows one message carried (an
// operator's notices due together), by id with their claims' tokens, in
// one transaction: a crash leaves them all sent or all to send again, as
// the same message with the same Message-ID. It returns the rows the
// claims no longer held.
func (db *DB) MarkOutboxSentAll(ctx context.Context, claims map[int64]time.Time, at time.Time) (lost []int64, err error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("mark outbox rows sent: %w", err)
	}
	defer tx.Rollback()
	const mark = `UPDATE notify_outbox SET status = 'sent', sent_at = ?, claimed_until = 0, last_error = '' WHERE id = ?`
	for _, id := range slices.Sorted(maps.Keys(claims)) {
		res, err := tx.ExecContext(ctx, mark+` AND claimed_until = ? AND status = 'pending'`,
			toUnixNano(at), id, toUnixNano(claims[id]))
		if err != nil {
			return nil, fmt.Errorf("mark outbox row %d sent: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			continue
		}
		if _, err := tx.ExecContext(ctx, mark+` AND status <> 'sent'`, toUnixNano(at), id); err != nil {
			return nil, fmt.Errorf("mark outbox row %d sent: %w", id, err)
		}
		lost = append(lost, id)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("mark outbox rows sent: commit: %w", err)
	}
	return lost, nil
}

// MarkOutboxFailed records a failed attempt of the claim whose token is
// claimedUntil: the row is tried again at retryAt, or, when retryAt is
// zero, given up as failed. A claim that no longer holds the row records
// nothing (held is false): the row's outcome is its new holder's.
func (db *DB) MarkOutboxFailed(ctx context.Context, id int64, claimedUntil time.Time, reason string, retryAt time.Time) (held bool, err error) {
	const ours = ` WHERE id = ? AND claimed_until = ? AND status = 'pending'`
	var res sql.Result
	if retryAt.IsZero() {
		res, err = db.sql.ExecContext(ctx, `
			UPDATE notify_outbox SET status = 'failed', claimed_until = 0, last_error = ?`+ours,
			reason, id, toUnixNano(claimedUntil))
	} else {
		res, err = db.sql.ExecContext(ctx, `
			UPDATE notify_outbox SET next_attempt_at = ?, claimed_until = 0, last_error = ?`+ours,
			toUnixNano(retryAt), reason, id, toUnixNano(claimedUntil))
	}
	if err != nil {
		return false, fmt.Errorf("mark outbox row %d failed: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// ReleaseOutbox gives back rows a sender claimed and did not try (it is
// stopping), by id with their claims' tokens, in one transaction: each
// row the claim still holds is left pending as it was before the claim —
// claimable at once by the next sender rather than when the lease ends,
// and without the attempt ClaimOutbox counted. A row another sender took
// over, or one no longer pending, is left as it is. It returns the rows
// released.
func (db *DB) ReleaseOutbox(ctx context.Context, claims map[int64]time.Time) (released []int64, err error) {
	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("release outbox rows: %w", err)
	}
	defer tx.Rollback()
	for _, id := range slices.Sorted(maps.Keys(claims)) {
		res, err := tx.ExecContext(ctx, `
			UPDATE notify_outbox SET claimed_until = 0, attempts = MAX(attempts - 1, 0)
			WHERE id = ? AND claimed_until = ? AND status = 'pending'`, id, toUnixNano(claims[id]))
		if err != nil {
			return nil, fmt.Errorf("release outbox row %d: %w", id, err)
		}
		if n, _ := res.RowsAffected(); n == 1 {
			released = append(released, id)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("release outbox rows: commit: %w", err)
	}
	return released, nil
}

// RequeueFailed puts rows given up as failed back in the queue, due at
// now with their attempts counted from zero: for when what made them fail
// (the mail server's address or password, a long outage) has been put
// right. So too the rows still pending that wait for a retry after a
// failure (their backoff reaches an hour): once the server is back, they
// need not wait for it. ids names the rows; none means every such row.
// Rows of subscribers who have unsubscribed since stay as they are, and so
// do rows a sender holds. It returns the rows requeued.
func (db *DB) RequeueFailed(ctx context.Context, ids []int64, now time.Time) (int64, error) {
	query := `
		UPDATE notify_outbox SET status = 'pending', attempts = 0, next_attempt_at = ?, claimed_until = 0
		WHERE (status = 'failed'
				OR (status = 'pending' AND last_error <> '' AND next_attempt_at > ? AND claimed_until <= ?))
			AND (subscriber_id IS NULL OR subscriber_id IN (SELECT id FROM notify_subscribers WHERE unsubscribed_at = 0))`
	args := []any{toUnixNano(now), toUnixNano(now), toUnixNano(now)}
	if len(ids) > 0 {
		in, idArgs := inList(ids)
		query += ` AND id IN ` + in
		args = append(args, idArgs...)
	}
	res, err := db.sql.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("requeue failed rows: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("requeue failed rows: %w", err)
	}
	return n, nil
}

// CancelOutbox gives up a pending row that must not be sent any more.
func (db *DB) CancelOutbox(ctx context.Context, id int64, reason string) error {
	if _, err := db.sql.ExecContext(ctx, `
		UPDATE notify_outbox SET status = 'cancelled', claimed_until = 0, last_error = ?
		WHERE id = ? AND status = 'pending'`, reason, id); err != nil {
		return fmt.Errorf("cancel outbox row %d: %w", id, err)
	}
	return nil
}

// NextOutboxAttempt returns when the earliest pending row may next be
// claimed (its next attempt, or the end of another sender's claim on it),
// or the zero time when no row is pending.
func (db *DB) NextOutboxAttempt(ctx context.Context) (time.Time, error) {
	var next sql.NullInt64
	if err := db.sql.QueryRowContext(ctx, `SELECT MIN(MAX(next_attempt_at, claimed_until))
		FROM notify_outbox WHERE status = 'pending'`).Scan(&next); err != nil {
		return time.Time{}, fmt.Errorf("next outbox attempt: %w", err)
	}
	if !next.Valid {
		return time.Time{}, nil
	}
	return fromUnixNano(next.Int64), nil
}

// NotificationCounts returns how many outbox rows are pending (waiting
// for their first attempt or a retry) and failed (given up), by status
// and channel: what /metrics serves. The index on (status,
// next_attempt_at) keeps it to those rows, however many were sent.
func (db *DB) NotificationCounts(ctx context.Context) (map[string]map[string]int64, error) {
	return countByPair[string](ctx, db.sql, "count notifications", `
		SELECT status, channel, COUNT(*) FROM notify_outbox
		WHERE status IN ('pending', 'failed')
		GROUP BY status, channel`)
}

// LastMails returns, by subscriber, the newest email with an outcome:
// sent, failed for good (its last error), or still pending after a failed
// attempt (retrying: its failed attempts and last error). Whether a
// subscriber's mail still arrives is what the operator asks of
// `policywatch subscribers`; a row pending and not tried yet has no
// outcome. The Attempts of a row a sender holds leave out the attempt
// on its way, which ClaimOutbox counted: it has not failed (yet), and a
// row requeued (RequeueFailed: its attempts from zero) is not retrying
// again before one has. A claim whose lease ran out (its sender died) is
// read the same way: the attempt it counted ended in no failure.
func (db *DB) LastMails(ctx context.Context) (map[int64]OutboxItem, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+outboxColumns+` FROM notify_outbox WHERE id IN (
		SELECT MAX(id) FROM notify_outbox
		WHERE channel = 'email' AND subscriber_id IS NOT NULL
		AND (status IN ('sent', 'failed') OR status = 'pending' AND attempts - (claimed_until <> 0) > 0 AND last_error <> '')
		GROUP BY subscriber_id)`)
	if err != nil {
		return nil, fmt.Errorf("last mail of each subscriber: %w", err)
	}
	items, err := collect(rows, scanOutbox)
	if err != nil {
		return nil, fmt.Errorf("last mail of each subscriber: %w", err)
	}
	out := make(map[int64]OutboxItem, len(items))
	for _, it := range items {
		if it.Status == OutboxPending && !it.ClaimedUntil.IsZero() {
			it.Attempts--
		}
		out[it.SubscriberID] = it
	}
	return out, nil
}

// OutboxRows returns the rows with one of the statuses (all rows when
// none is given), oldest first; at most limit of the newest when limit > 0.
func (db *DB) OutboxRows(ctx context.Context, statuses []string, limit int) ([]OutboxItem, error) {
	query := `SELECT ` + outboxColumns + ` FROM notify_outbox`
	var args []any
	if len(statuses) > 0 {
		var in string
		in, args = inList(statuses)
		query += ` WHERE status IN ` + in
	}
	query += ` ORDER BY id DESC`
	if limit > 0 {
		query += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT * FROM (`+query+`) ORDER BY id`, args...)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	items, err := collect(rows, scanOutbox)
	if err != nil {
		return nil, fmt.Errorf("list outbox: %w", err)
	}
	return items, nil
}

const outboxColumns = `id, key, channel, kind, recipient, subscriber_id, event_id, watch, note,
	created_at, status, attempts, next_attempt_at, last_error, sent_at, claimed_until`

func scanOutbox(sc scanner) (OutboxItem, error) {
	var (
		it                         OutboxItem
		sub, ev                    sql.NullInt64
		created, next, sent, claim int64
	)
	if err := sc.Scan(&it.ID, &it.Key, &it.Channel, &it.Kind, &it.Recipient, &sub, &ev, &it.Watch, &it.Note,
		&created, &it.Status, &it.Attempts, &next, &it.LastError, &sent, &claim); err != nil {
		return OutboxItem{}, err
	}
	it.SubscriberID, it.EventID = sub.Int64, ev.Int64
	it.CreatedAt, it.NextAttemptAt, it.SentAt = fromUnixNano(created), fromUnixNano(next), fromUnixNano(sent)
	it.ClaimedUntil = fromUnixNano(claim)
	return it, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
