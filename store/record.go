package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/policywatch/policywatch/monitor"
)

// RecordCheck writes everything one check found in one transaction: the
// check and its attempts, the body, a new version or the sighting of an
// existing one, the watch's new state and the events. It returns the
// events as stored, with ids, and with Version filled in where it was 0:
// the new version for baseline and change, the version seen again for
// revert. It returns monitor.ErrConflict, writing nothing, when the
// watch's Seq is no longer rec.BaseSeq. rec is not modified.
//
// One transaction is what keeps the database consistent if the process is
// killed at any moment: SQLite's WAL makes the commit atomic.
func (db *DB) RecordCheck(ctx context.Context, rec *monitor.CheckRecord) ([]monitor.Event, error) {
	// A new version's text and links, and the raw body's frame, are
	// compressed before the write lock is taken, which other checks wait
	// for (a millisecond or two each for a long policy): the text and
	// links depend on nothing stored, the body's frame on the watch's
	// last body, which storeBody checks again under the lock.
	var newVersion *encodedVersion
	if rec.NewVersion != nil {
		var err error
		if newVersion, err = db.encodeVersion(rec.NewVersion); err != nil {
			return nil, fmt.Errorf("record check of %s: %w", rec.Watch.Name, err)
		}
	}
	var body *bodyFrame
	if rec.Body != nil {
		var err error
		if body, err = db.prepareBody(ctx, db.sql, rec.Watch.Name, rec.Body); err != nil {
			return nil, fmt.Errorf("record check of %s: %w", rec.Watch.Name, err)
		}
	}
	tx, err := db.sql.BeginTx(ctx, nil) // IMMEDIATE: takes the write lock now
	if err != nil {
		return nil, fmt.Errorf("record check of %s: %w", rec.Watch.Name, err)
	}
	defer tx.Rollback()

	w, err := db.watchForUpdate(ctx, tx, rec.Watch.Name)
	if err != nil {
		return nil, fmt.Errorf("record check of %s: %w", rec.Watch.Name, err)
	}
	if w.seq != rec.BaseSeq {
		return nil, fmt.Errorf("record check of %s: seq is %d, record built from %d: %w",
			rec.Watch.Name, w.seq, rec.BaseSeq, monitor.ErrConflict)
	}
	events, err := db.record(ctx, tx, w, rec, newVersion, body)
	if err != nil {
		return nil, fmt.Errorf("record check of %s: %w", rec.Watch.Name, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("record check of %s: commit: %w", rec.Watch.Name, err)
	}
	return events, nil
}

func (db *DB) record(ctx context.Context, tx *sql.Tx, w *watchRow, rec *monitor.CheckRecord, newVersion *encodedVersion, body *bodyFrame) ([]monitor.Event, error) {
	seen := rec.Finished
	watchID := w.id

	var bodyID int64
	if rec.Body != nil {
		id, err := db.storeBody(ctx, tx, watchID, rec.Body, body)
		if err != nil {
			return nil, err
		}
		bodyID = id
	}

	// The version current after the check: the new one, the one seen
	// again, or, when the check saw no plausible page, the one before.
	var newVersionID int64
	current := w.currentVersion
	if rec.SeenVersion != 0 {
		current = rec.SeenVersion
	}
	if rec.NewVersion != nil {
		id, err := db.insertVersion(ctx, tx, watchID, rec.NewVersion, newVersion, bodyID, seen)
		if err != nil {
			return nil, err
		}
		newVersionID, current = id, id
	} else if rec.SeenVersion != 0 {
		if err := db.markVersionSeen(ctx, tx, watchID, rec.SeenVersion, seen); err != nil {
			return nil, err
		}
	}

	checkID, err := db.insertCheck(ctx, tx, watchID, rec, bodyID, current)
	if err != nil {
		return nil, err
	}

	lengths := w.recentLengths
	if rec.CaptureLength > 0 {
		lengths = append(lengths, rec.CaptureLength)
		if len(lengths) > typicalLengthWindow {
			lengths = lengths[len(lengths)-typicalLengthWindow:]
		}
	}
	recent, err := json.Marshal(lengths)
	if err != nil {
		return nil, fmt.Errorf("encode recent lengths: %w", err)
	}
	var (
		episodeKind   sql.NullString // NULL: none open
		episodeReason string
		episodeSince  int64
		episodeChecks int
		shortSince    int64
		shortChecks   int
		lastCheck     = rec.Started
	)
	if ep := rec.Episode; ep != nil {
		episodeKind = sql.NullString{String: string(ep.Kind), Valid: true}
		episodeReason, episodeSince, episodeChecks = ep.Reason, toUnixNano(ep.Since), ep.Checks
		shortSince, shortChecks = toUnixNano(ep.ShortSince), ep.ShortChecks
	}
	if lastCheck.IsZero() {
		lastCheck = rec.Finished
	}
	// language stays as it is when the check saw no plausible page.
	if _, err := db.exec(ctx, tx, `
		UPDATE watches SET
			seq = seq + 1,
			current_version_id = ?,
			language = COALESCE(NULLIF(?, ''), language),
			recent_lengths = ?,
			episode_kind = ?, episode_reason = ?, episode_since = ?, episode_checks = ?,
			episode_short_since = ?, episode_short_checks = ?,
			last_check_at = ?, last_outcome = ?,
			etag = ?, last_modified = ?,
			fetcher = COALESCE(NULLIF(?, ''), fetcher),
			accepted_body = COALESCE(NULLIF(?, ''), accepted_body),
			accepted_shape = iif(? = '', accepted_shape, ?),
			accepted_length = iif(? > 0, ?, accepted_length),
			accepted_parsed_at = iif(? > 0, ?, accepted_parsed_at)
		WHERE id = ?`,
		nullID(current), rec.Language, string(recent),
		episodeKind, episodeReason, episodeSince, episodeChecks, shortSince, shortChecks,
		toUnixNano(lastCheck), rec.Outcome,
		rec.ETag, rec.LastModified, rec.WorkingFetcher, rec.AcceptedBody,
		rec.AcceptedShape, rec.AcceptedShape, rec.CaptureLength, rec.CaptureLength,
		toUnixNano(rec.ParsedAt), toUnixNano(rec.ParsedAt),
		watchID); err != nil {
		return nil, fmt.Errorf("update watch: %w", err)
	}

	events := make([]monitor.Event, len(rec.Events))
	for i, e := range rec.Events {
		e.Watch = rec.Watch.Name
		if e.Time.IsZero() {
			e.Time = rec.Finished
		}
		if e.Version == 0 {
			switch e.Kind {
			case monitor.KindBaseline, monitor.KindChange:
				e.Version = newVersionID
			case monitor.KindRevert:
				e.Version = rec.SeenVersion
			}
		}
		if e.ID, err = insertEvent(ctx, tx, watchID, checkID, &e); err != nil {
			return nil, err
		}
		events[i] = e
	}
	return events, nil
}
