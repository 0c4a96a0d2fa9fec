package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

func (db *DB) insertCheck(ctx context.Context, tx *sql.Tx, watchID int64, rec *monitor.CheckRecord, bodyID, versionID int64) (int64, error) {
	res, err := db.exec(ctx, tx, `
		INSERT INTO checks (watch_id, started_at, finished_at, fetcher, outcome, body_id, version_id)
		VALUES (?, ?, ?, ?, ?, ?, ?)`,
		watchID, toUnixNano(rec.Started), toUnixNano(rec.Finished), rec.Fetcher, rec.Outcome,
		nullID(bodyID), nullID(versionID))
	if err != nil {
		return 0, fmt.Errorf("insert check: %w", err)
	}
	checkID, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("insert check: %w", err)
	}
	for i, a := range rec.Attempts {
		header, err := attemptHeader(a)
		if err != nil {
			return 0, err
		}
		finalURL := sql.NullString{String: a.FinalURL, Valid: a.FinalURL != a.URL}
		if _, err := db.exec(ctx, tx, `
			INSERT INTO attempts (check_id, seq, started_at, url, final_url, status,
				header, bytes, duration_ns, error)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			checkID, i, toUnixNano(a.Start), a.URL, finalURL, a.Status,
			header, a.Bytes, int64(a.Duration), a.Err); err != nil {
			return 0, fmt.Errorf("insert attempt %d: %w", i, err)
		}
	}
	return checkID, nil
}

// attemptHeader returns what an attempt row keeps of the response header.
// A failed attempt keeps it whole: it explains the failure (Retry-After,
// a bot wall's cookies) and failures are rare. A successful one keeps the
// validators and content fields only: real servers send kilobytes of
// header (policies, tokens) with every response, which would make a year
// of unchanged checks every 6 h cost megabytes, and the full header of a
// response whose body was new is kept with the body anyway.
func attemptHeader(a monitor.Attempt) (sql.NullString, error) {
	h := a.Header
	if a.Err == "" && (a.Status < 400) {
		h = http.Header{}
		for k, v := range a.Header {
			if attemptKeepsHeader(k) {
				h[k] = v
			}
		}
	}
	if len(h) == 0 {
		return sql.NullString{}, nil
	}
	b, err := json.Marshal(h)
	if err != nil {
		return sql.NullString{}, fmt.Errorf("encode attempt header: %w", err)
	}
	if len(b) > maxHeaderSize {
		return sql.NullString{}, fmt.Errorf("attempt header of %d bytes exceeds %d", len(b), maxHeaderSize)
	}
	return sql.NullString{String: string(b), Valid: true}, nil
}

// attemptKeepsHeader lists the header fields a successful attempt keeps:
// those that say what was served and how to ask again.
func attemptKeepsHeader(canonicalKey string) bool {
	switch canonicalKey {
	case "Age", "Cache-Control", "Content-Length", "Content-Type", "Date",
		"Etag", "Expires", "Last-Modified", "Location", "Retry-After":
		return true
	}
	return false
}

// Checks returns the watch's last checks, newest first; limit <= 0
// returns them all.
func (db *DB) Checks(ctx context.Context, watch string, limit int) ([]monitor.Check, error) {
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("checks of %s: %w", watch, err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `
		SELECT c.id, c.started_at, c.finished_at, c.fetcher, c.outcome, c.body_id, c.version_id
		FROM checks c JOIN watches w ON w.id = c.watch_id
		WHERE w.name = ?
		ORDER BY c.id DESC
		LIMIT ?`, watch, limit)
	if err != nil {
		return nil, fmt.Errorf("checks of %s: %w", watch, err)
	}
	defer rows.Close()
	var (
		checks []monitor.Check
		byID   = map[int64]*monitor.Check{}
	)
	for rows.Next() {
		c := monitor.Check{Watch: watch}
		var (
			started, finished int64
			body, version     sql.NullInt64
		)
		if err := rows.Scan(&c.ID, &started, &finished, &c.Fetcher, &c.Outcome, &body, &version); err != nil {
			return nil, fmt.Errorf("checks of %s: %w", watch, err)
		}
		c.Started, c.Finished = fromUnixNano(started), fromUnixNano(finished)
		c.BodyID, c.VersionID = body.Int64, version.Int64
		checks = append(checks, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("checks of %s: %w", watch, err)
	}
	if len(checks) == 0 {
		return nil, nil
	}
	for i := range checks {
		byID[checks[i].ID] = &checks[i]
	}

	// The attempts of the checks above: ids from the oldest listed on.
	arows, err := tx.QueryContext(ctx, `
		SELECT a.check_id, a.started_at, a.url, a.final_url, a.status, a.header,
			a.bytes, a.duration_ns, a.error
		FROM attempts a JOIN checks c ON c.id = a.check_id
		JOIN watches w ON w.id = c.watch_id
		WHERE w.name = ? AND a.check_id >= ?
		ORDER BY a.check_id, a.seq`, watch, checks[len(checks)-1].ID)
	if err != nil {
		return nil, fmt.Errorf("attempts of %s: %w", watch, err)
	}
	defer arows.Close()
	for arows.Next() {
		var (
			a        monitor.Attempt
			finalURL sql.NullString
			checkID  int64
			start    int64
			duration int64
			header   sql.NullString
		)
		if err := arows.Scan(&checkID, &start, &a.URL, &finalURL, &a.Status, &header,
			&a.Bytes, &duration, &a.Err); err != nil {
			return nil, fmt.Errorf("attempts of %s: %w", watch, err)
		}
		a.Start, a.Duration = fromUnixNano(start), time.Duration(duration)
		a.FinalURL = a.URL
		if finalURL.Valid {
			a.FinalURL = finalURL.String
		}
		if header.Valid {
			if err := json.Unmarshal([]byte(header.String), &a.Header); err != nil {
				return nil, fmt.Errorf("attempt of check %d: header: %w", checkID, err)
			}
		}
		if c := byID[checkID]; c != nil {
			c.Attempts = append(c.Attempts, a)
		}
	}
	if err := arows.Err(); err != nil {
		return nil, fmt.Errorf("attempts of %s: %w", watch, err)
	}
	return checks, nil
}

// PruneChecks deletes the rows (and attempts) of checks started before
// olderThan that found nothing new — outcomes unchanged and not_modified,
// and fetch_error: the checks of an outage after the one that opened it,
// each failed attempt with its whole header, a few kilobytes a quarter
// period for as long as a site fails — and produced no event. Versions,
// bodies and events are never deleted: bodies are evidence, and each is
// the dictionary of the next in its delta chain. The counts CheckCounts
// and FetchLatency return do not go down: they are running totals, which
// deleting rows leaves as they are. It returns how many checks it
// deleted.
//
// It deletes pruneBatch checks per transaction: the first prune of a
// database that has run for a year without retention (1.46 million rows
// for 1,000 watches checked every six hours) would hold the write lock
// for seconds, longer than the daemon's checks wait for it.
func (db *DB) PruneChecks(ctx context.Context, olderThan time.Time) (int64, error) {
	return db.pruneChecks(ctx, olderThan, pruneBatch)
}

// pruneBatch is how many checks PruneChecks deletes per transaction.
// Measured on the development machine, busy, with a throwaway test (not
// kept) on 215,000 unchanged checks with an attempt each: 0.16 s of
// holding the write lock per batch, against 3.0 s for one DELETE of them
// all; the whole prune took 6.9 s instead of 3.0 (the log is checkpointed
// as it goes, where one DELETE left that to later).
const pruneBatch = 5000

func (db *DB) pruneChecks(ctx context.Context, olderThan time.Time, batch int) (int64, error) {
	var total int64
	for {
		res, err := db.sql.ExecContext(ctx, `
			DELETE FROM checks WHERE id IN (
				SELECT id FROM checks
				WHERE started_at < ? AND outcome IN (?, ?, ?)
					AND NOT EXISTS (SELECT 1 FROM events e WHERE e.check_id = checks.id)
				LIMIT ?)`,
			toUnixNano(olderThan), monitor.OutcomeUnchanged, monitor.OutcomeNotModified, monitor.OutcomeFetchError, batch)
		if err != nil {
			return total, fmt.Errorf("prune checks: %w", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, fmt.Errorf("prune checks: %w", err)
		}
		total += n
		if n < int64(batch) {
			return total, nil
		}
	}
}
