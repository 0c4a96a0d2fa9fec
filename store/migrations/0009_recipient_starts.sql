-- 0009: a recipient hears of the events recorded after it started, none
-- before. The dispatcher's cursor alone did not say that: it stays where
-- it was while only 'check' runs, and a subscriber or a webhook added
-- meanwhile was then told of weeks-old changes as if new.
--
-- A subscriber starts after the newest event when it subscribes (again,
-- after an unsubscribe). Those already there keep 0: everything, as before.
ALTER TABLE notify_subscribers ADD COLUMN after_event INTEGER NOT NULL DEFAULT 0;

-- Webhooks live in the configuration only: each is recorded the first time
-- a process that records or dispatches events sees it configured, and
-- starts after the newest event then. It is named by the SHA-256 of its
-- URL (lower-case hex), never the URL: a chat webhook's URL carries its
-- token. A webhook removed from the configuration and added back keeps
-- its row, and so its first start. One that the outbox already has
-- deliveries for when it is first recorded (it was configured before this
-- table) starts at 0 and hears of everything, as before: see
-- RecordWebhooks (SQLite has no SHA-256 to name those rows here).
CREATE TABLE notify_webhooks (
    url_sha256  TEXT    PRIMARY KEY,
    after_event INTEGER NOT NULL, -- the webhook hears of the events after this id
    first_seen  INTEGER NOT NULL
) WITHOUT ROWID;
