-- 0002: notifications — subscribers, the outbox, events held for digests,
-- and the dispatcher's cursor.
--
-- Every notification is first an outbox row, planned in the same
-- transaction that moves the cursor past the event that called for it, and
-- only then sent. key makes planning idempotent: a row is planned at most
-- once whatever happens.

CREATE TABLE notify_subscribers (
    id              INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: unsubscribe tokens name it
    email           TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    watches         TEXT    NOT NULL DEFAULT '[]', -- JSON array of watch names; empty: every watch
    digest          TEXT    NOT NULL,              -- daily | weekly | none
    min_severity    TEXT    NOT NULL,              -- least severity alerted at once
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    unsubscribed_at INTEGER NOT NULL DEFAULT 0     -- 0: active
);

CREATE TABLE notify_outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT, -- never reused: Message-IDs derive from it
    key             TEXT    NOT NULL UNIQUE,  -- what the row is for, e.g. alert:3:1742
    channel         TEXT    NOT NULL,         -- email | webhook
    kind            TEXT    NOT NULL,         -- alert | digest | operator | webhook
    recipient       TEXT    NOT NULL,         -- an address, or a webhook URL
    subscriber_id   INTEGER REFERENCES notify_subscribers (id),
    event_id        INTEGER REFERENCES events (id),
    watch           TEXT    NOT NULL DEFAULT '',
    note            TEXT    NOT NULL DEFAULT '', -- operator rows: flapping; digests: daily | weekly
    created_at      INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending', -- pending | sent | failed | cancelled
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claimed_until   INTEGER NOT NULL DEFAULT 0, -- a sender is on it until then
    last_error      TEXT    NOT NULL DEFAULT '',
    sent_at         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX notify_outbox_due ON notify_outbox (status, next_attempt_at);
CREATE INDEX notify_outbox_alerts ON notify_outbox (subscriber_id, watch, created_at) WHERE kind = 'alert';
CREATE INDEX notify_outbox_by_event ON notify_outbox (event_id);

-- Changes a subscriber hears of in a digest. outbox_id is NULL while the
-- change waits for the next digest, then names the digest that carries it.
CREATE TABLE notify_digest_items (
    subscriber_id INTEGER NOT NULL REFERENCES notify_subscribers (id),
    event_id      INTEGER NOT NULL REFERENCES events (id),
    outbox_id     INTEGER REFERENCES notify_outbox (id),
    PRIMARY KEY (subscriber_id, event_id)
) WITHOUT ROWID;
CREATE INDEX notify_digest_items_by_outbox ON notify_digest_items (outbox_id);

-- One row. cursor is the last event id planned; it starts at the events
-- already there, so that upgrading a database never alerts its past.
-- secret signs unsubscribe links and Message-IDs; empty until first asked.
CREATE TABLE notify_state (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    cursor      INTEGER NOT NULL,
    digest_slot INTEGER NOT NULL DEFAULT 0, -- the last digest time handled
    secret      BLOB    NOT NULL DEFAULT x''
);
INSERT INTO notify_state (id, cursor) SELECT 1, COALESCE(MAX(id), 0) FROM events;
