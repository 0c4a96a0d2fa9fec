-- 0001: the first schema.
--
-- Times are INTEGER Unix nanoseconds (UTC), 0 when unknown: exact, small,
-- and comparable in SQL (datetime(t / 1e9, 'unixepoch') reads one).
-- Absent references are NULL, never 0, so that foreign keys hold.

CREATE TABLE watches (
    id                 INTEGER PRIMARY KEY,
    name               TEXT    NOT NULL UNIQUE,
    url                TEXT    NOT NULL,
    config             TEXT    NOT NULL,           -- monitor.Watch as JSON, as last given to State
    created_at         INTEGER NOT NULL,
    seq                INTEGER NOT NULL DEFAULT 0, -- +1 per recorded check; guards against two writers
    current_version_id INTEGER REFERENCES versions (id),
    language           TEXT    NOT NULL DEFAULT '',
    recent_lengths     TEXT    NOT NULL DEFAULT '[]', -- JSON: text lengths of the last accepted captures, oldest first
    episode_kind       TEXT,                          -- NULL: no episode open
    episode_reason     TEXT    NOT NULL DEFAULT '',
    episode_since      INTEGER NOT NULL DEFAULT 0,
    episode_checks     INTEGER NOT NULL DEFAULT 0,
    last_check_at      INTEGER NOT NULL DEFAULT 0,
    last_outcome       TEXT    NOT NULL DEFAULT '',
    etag               TEXT    NOT NULL DEFAULT '',
    last_modified      TEXT    NOT NULL DEFAULT '',
    fetcher            TEXT    NOT NULL DEFAULT '', -- the fetcher that last gave a plausible capture: http or browser
    accepted_body      TEXT    NOT NULL DEFAULT ''  -- SHA-256 of the last plausible capture's raw body
);

-- Raw response bodies, kept byte for byte. data is a zstd frame of the
-- payload (response header as JSON, then the body; see bodies.go). A row
-- with a base_id holds a delta: the frame was compressed with the base
-- row's payload as dictionary. depth counts the deltas back to a whole
-- body, so that reading one body never decodes more than a short chain.
CREATE TABLE bodies (
    id           INTEGER PRIMARY KEY,
    watch_id     INTEGER NOT NULL REFERENCES watches (id),
    sha256       TEXT    NOT NULL, -- hex SHA-256 of the body
    size         INTEGER NOT NULL, -- length of the body
    base_id      INTEGER REFERENCES bodies (id),
    depth        INTEGER NOT NULL,
    data         BLOB    NOT NULL,
    content_type TEXT    NOT NULL,
    charset      TEXT    NOT NULL,
    url          TEXT    NOT NULL,
    final_url    TEXT    NOT NULL,
    status       INTEGER NOT NULL,
    fetched_at   INTEGER NOT NULL,
    agent        TEXT    NOT NULL DEFAULT '', -- what fetched it: http, or the browser and its version
    UNIQUE (watch_id, sha256)
);
CREATE INDEX bodies_by_watch ON bodies (watch_id, id); -- the watch's last body, to chain onto

-- Distinct readable texts. text is zstd-compressed; links and facts JSON.
CREATE TABLE versions (
    id          INTEGER PRIMARY KEY,
    watch_id    INTEGER NOT NULL REFERENCES watches (id),
    hash        TEXT    NOT NULL,
    text        BLOB    NOT NULL,
    title       TEXT    NOT NULL,
    language    TEXT    NOT NULL,
    links       BLOB    NOT NULL, -- zstd of the JSON array of extract.Link
    facts       BLOB,             -- zstd of the JSON analyze.FactSheet; NULL when none
    body_id     INTEGER REFERENCES bodies (id),
    first_seen  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL,
    UNIQUE (watch_id, hash)
);

-- One row per check. Rows of unchanged outcomes are what PruneChecks
-- removes; they must stay small (see attempts).
CREATE TABLE checks (
    id          INTEGER PRIMARY KEY,
    watch_id    INTEGER NOT NULL REFERENCES watches (id),
    started_at  INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    fetcher     TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    body_id     INTEGER REFERENCES bodies (id),
    version_id  INTEGER REFERENCES versions (id) -- the version current after the check
);
CREATE INDEX checks_by_watch ON checks (watch_id, id);

-- The HTTP requests of a check, in order. final_url is NULL when it
-- equals url, and header keeps every field only for failed attempts (see
-- checks.go): both keep a year of unchanged checks small.
CREATE TABLE attempts (
    check_id    INTEGER NOT NULL REFERENCES checks (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    started_at  INTEGER NOT NULL,
    url         TEXT    NOT NULL,
    final_url   TEXT,
    status      INTEGER NOT NULL,
    header      TEXT,             -- JSON http.Header; NULL when empty
    bytes       INTEGER NOT NULL,
    duration_ns INTEGER NOT NULL,
    error       TEXT    NOT NULL,
    PRIMARY KEY (check_id, seq)
) WITHOUT ROWID;

CREATE TABLE events (
    id                  INTEGER PRIMARY KEY,
    watch_id            INTEGER NOT NULL REFERENCES watches (id),
    check_id            INTEGER NOT NULL REFERENCES checks (id),
    time                INTEGER NOT NULL,
    kind                TEXT    NOT NULL,
    severity            TEXT    NOT NULL,
    summary             TEXT    NOT NULL,
    version_id          INTEGER REFERENCES versions (id),
    previous_version_id INTEGER REFERENCES versions (id),
    reverted_to         INTEGER REFERENCES versions (id),
    reason              TEXT    NOT NULL,
    detail              TEXT    NOT NULL,
    words_added         INTEGER NOT NULL,
    words_removed       INTEGER NOT NULL,
    analysis            TEXT, -- JSON analyze.Analysis; NULL when none
    imported            INTEGER NOT NULL DEFAULT 0 -- 1: backfilled from an archive; never notified
);
CREATE INDEX events_by_watch ON events (watch_id, kind, id);
CREATE INDEX events_by_check ON events (check_id);
