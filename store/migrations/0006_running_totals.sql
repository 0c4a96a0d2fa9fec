-- 0006: running totals for /metrics. Its counters (checks by outcome, the
-- fetch latency histogram) were counted from every check and attempt row
-- at each scrape: after a year of 1,000 watches checked every six hours
-- (1.46 million checks, all kept by default) a scrape took 4.7 s of CPU.
-- The rows now add themselves to small tables as they are inserted, by
-- triggers, in the writer's transaction; pruning deletes rows but never
-- subtracts, so the counters never go down (what 0003's pruned_* tables
-- did, folded in here).
--
-- 0003's tables stay, as they are: a daemon of the previous version may
-- still be running while a new binary migrates the file (`backup` and
-- `vacuum` are safe beside a running daemon), and it goes on reading its
-- counters from the rows and those tables, and pruning into them. Its
-- checks count here too, by the triggers. Nothing of this version reads
-- or writes them.

-- Checks recorded, by watch and outcome: the outcome of a check row is
-- never updated.
CREATE TABLE check_totals (
    watch_id INTEGER NOT NULL REFERENCES watches (id),
    outcome  TEXT    NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (watch_id, outcome)
) WITHOUT ROWID;

-- The histogram's upper bounds, in nanoseconds: an attempt falls in the
-- bucket numbered by how many bounds lie below its duration (bucket i
-- holds (bound i-1, bound i]; the last, above every bound). They are
-- fixed: other bounds would make another histogram, whose pruned
-- attempts could not be sorted into its buckets.
CREATE TABLE latency_bounds (
    bucket INTEGER PRIMARY KEY,
    le_ns  INTEGER NOT NULL UNIQUE
);
INSERT INTO latency_bounds (bucket, le_ns) VALUES
    (0, 100000000), (1, 250000000), (2, 500000000), (3, 1000000000),
    (4, 2500000000), (5, 5000000000), (6, 10000000000), (7, 30000000000),
    (8, 60000000000);

-- HTTP attempts recorded, by watch and bucket, with their total duration.
CREATE TABLE attempt_totals (
    watch_id INTEGER NOT NULL REFERENCES watches (id),
    bucket   INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    sum_ns   INTEGER NOT NULL,
    PRIMARY KEY (watch_id, bucket)
) WITHOUT ROWID;

-- What is already recorded, pruned rows included. A pruned attempt was
-- kept in whole milliseconds, rounded up; the bounds are whole
-- milliseconds, so its bucket is the exact one.
INSERT INTO check_totals (watch_id, outcome, n)
SELECT watch_id, outcome, SUM(n) FROM (
    SELECT watch_id, outcome, COUNT(*) AS n FROM checks GROUP BY watch_id, outcome
    UNION ALL
    SELECT watch_id, outcome, n FROM pruned_checks
) GROUP BY watch_id, outcome;

INSERT INTO attempt_totals (watch_id, bucket, n, sum_ns)
SELECT watch_id, (SELECT COUNT(*) FROM latency_bounds b WHERE b.le_ns < d.duration_ns), SUM(n), SUM(sum_ns)
FROM (
    SELECT c.watch_id, a.duration_ns, 1 AS n, a.duration_ns AS sum_ns
    FROM attempts a JOIN checks c ON c.id = a.check_id
    UNION ALL
    SELECT watch_id, duration_ms * 1000000, n, sum_ns FROM pruned_attempts
) d
GROUP BY 1, 2;

CREATE TRIGGER checks_add_to_totals AFTER INSERT ON checks
BEGIN
    INSERT INTO check_totals (watch_id, outcome, n) VALUES (NEW.watch_id, NEW.outcome, 1)
    ON CONFLICT (watch_id, outcome) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER attempts_add_to_totals AFTER INSERT ON attempts
BEGIN
    INSERT INTO attempt_totals (watch_id, bucket, n, sum_ns)
    SELECT c.watch_id, (SELECT COUNT(*) FROM latency_bounds b WHERE b.le_ns < NEW.duration_ns), 1, NEW.duration_ns
    FROM checks c WHERE c.id = NEW.check_id
    ON CONFLICT (watch_id, bucket) DO UPDATE SET n = n + 1, sum_ns = sum_ns + excluded.sum_ns;
END;

-- The totals hold only while a row's counted columns never change: no
-- code updates them, and these make sure none will.
CREATE TRIGGER checks_counted_columns_fixed BEFORE UPDATE OF watch_id, outcome ON checks
WHEN NEW.watch_id IS NOT OLD.watch_id OR NEW.outcome IS NOT OLD.outcome
BEGIN
    SELECT RAISE(ABORT, 'a check''s watch and outcome are counted in check_totals and cannot change');
END;

CREATE TRIGGER attempts_counted_columns_fixed BEFORE UPDATE OF check_id, duration_ns ON attempts
WHEN NEW.check_id IS NOT OLD.check_id OR NEW.duration_ns IS NOT OLD.duration_ns
BEGIN
    SELECT RAISE(ABORT, 'an attempt''s check and duration are counted in attempt_totals and cannot change');
END;
