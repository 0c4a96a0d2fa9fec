package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/policywatch/policywatch/monitor"
)

// insertEvent stores e, found by the check checkID, and returns its id.
func insertEvent(ctx context.Context, tx *sql.Tx, watchID, checkID int64, e *monitor.Event) (int64, error) {
	var analysis sql.NullString
	if e.Analysis != nil {
		b, err := json.Marshal(e.Analysis)
		if err != nil {
			return 0, fmt.Errorf("encode analysis: %w", err)
		}
		analysis = sql.NullString{String: string(b), Valid: true}
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO events (watch_id, check_id, time, kind, severity, summary,
			version_id, previous_version_id, reverted_to, reason, detail,
			words_added, words_removed, analysis, imported)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		watchID, checkID, toUnixNano(e.Time), e.Kind, e.Severity, e.Summary,
		nullID(e.Version), nullID(e.PreviousVersion), nullID(e.RevertedTo), e.Reason, e.Detail,
		e.WordsAdded, e.WordsRemoved, analysis, e.Imported)
	if err != nil {
		return 0, fmt.Errorf("insert %s event: %w", e.Kind, err)
	}
	return res.LastInsertId()
}

const eventColumns = `
	e.id, w.name, e.time, e.kind, e.severity, e.summary,
	e.version_id, e.previous_version_id, e.reverted_to, e.reason, e.detail,
	e.words_added, e.words_removed, e.analysis, e.imported`

// Events returns the events f selects, oldest first unless f.Descending.
func (db *DB) Events(ctx context.Context, f monitor.EventFilter) ([]monitor.Event, error) {
	var (
		where []string
		args  []any
	)
	if f.Watch != "" {
		where = append(where, "w.name = ?")
		args = append(args, f.Watch)
	}
	if !f.Since.IsZero() {
		where = append(where, "e.time >= ?")
		args = append(args, toUnixNano(f.Since))
	}
	if f.AfterID > 0 {
		where = append(where, "e.id > ?")
		args = append(args, f.AfterID)
	}
	if len(f.Kinds) > 0 {
		in, kinds := inList(f.Kinds)
		where = append(where, "e.kind IN "+in)
		args = append(args, kinds...)
	}
	if f.BeforeID > 0 {
		where = append(where, "e.id < ?")
		args = append(args, f.BeforeID)
	}
	if len(f.Severities) > 0 {
		in, severities := inList(f.Severities)
		where = append(where, "e.severity IN "+in)
		args = append(args, severities...)
	}
	if f.FoundOnly {
		where = append(where, "e.imported = 0")
	}
	query := `SELECT ` + eventColumns + ` FROM events e JOIN watches w ON w.id = e.watch_id`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	// Ids follow the order checks were recorded in, so they are the order
	// of events and a stable cursor for AfterID and BeforeID.
	query += " ORDER BY e.id"
	if f.Descending {
		query += " DESC"
	}
	if f.Limit > 0 {
		query += " LIMIT ?"
		args = append(args, f.Limit)
	}
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	events, err := collect(rows, scanEvent)
	if err != nil {
		return nil, fmt.Errorf("list events: %w", err)
	}
	return events, nil
}

// Event returns one event, with the body of the check that found it
// (BodyID), which listings leave out.
func (db *DB) Event(ctx context.Context, id int64) (*monitor.Event, error) {
	row := db.sql.QueryRowContext(ctx,
		`SELECT `+eventColumns+`, c.body_id FROM events e JOIN watches w ON w.id = e.watch_id
		LEFT JOIN checks c ON c.id = e.check_id WHERE e.id = ?`, id)
	var body sql.NullInt64
	e, err := scanEvent(withColumn{row, &body})
	e.BodyID = body.Int64
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("event %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("event %d: %w", id, err)
	}
	return &e, nil
}

// withColumn scans one more column after those its scanner is asked for.
type withColumn struct {
	scanner
	last any
}

func (w withColumn) Scan(dest ...any) error { return w.scanner.Scan(append(dest, w.last)...) }

func scanEvent(s scanner) (monitor.Event, error) {
	var (
		e                         monitor.Event
		t                         int64
		version, previous, revert sql.NullInt64
		analysis                  sql.NullString
	)
	if err := s.Scan(&e.ID, &e.Watch, &t, &e.Kind, &e.Severity, &e.Summary,
		&version, &previous, &revert, &e.Reason, &e.Detail,
		&e.WordsAdded, &e.WordsRemoved, &analysis, &e.Imported); err != nil {
		return monitor.Event{}, err
	}
	e.Time = fromUnixNano(t)
	e.Version, e.PreviousVersion, e.RevertedTo = version.Int64, previous.Int64, revert.Int64
	if analysis.Valid {
		if err := json.Unmarshal([]byte(analysis.String), &e.Analysis); err != nil {
			return monitor.Event{}, fmt.Errorf("event %d: analysis: %w", e.ID, err)
		}
	}
	return e, nil
}
