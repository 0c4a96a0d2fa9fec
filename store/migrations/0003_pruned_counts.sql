-- 0003: what PruneChecks deleted, counted, so that the counters of
-- /metrics (checks by outcome, fetch latency) never go down when old
-- check rows are pruned: Prometheus reads a counter that goes down as a
-- reset, and rate() and increase() then jump every day.

-- Check rows deleted, by watch and outcome.
CREATE TABLE pruned_checks (
    watch_id INTEGER NOT NULL REFERENCES watches (id),
    outcome  TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (watch_id, outcome)
) WITHOUT ROWID;

-- Their HTTP attempts, by watch and duration in whole milliseconds,
-- rounded up: an attempt took at most a bound of whole milliseconds
-- exactly when its rounded duration is at most that bound, so any such
-- histogram buckets can be read from here. A few thousand rows per watch
-- at most (attempts end at their timeout).
CREATE TABLE pruned_attempts (
    watch_id    INTEGER NOT NULL REFERENCES watches (id),
    duration_ms INTEGER NOT NULL,
    n           INTEGER NOT NULL,
    sum_ns      INTEGER NOT NULL,
    PRIMARY KEY (watch_id, duration_ms)
) WITHOUT ROWID;
