package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// typicalLengthWindow is how many accepted captures the typical length is
// the median of: enough that one odd capture does not move it, few enough
// that it follows a policy that really grows or shrinks.
const typicalLengthWindow = 10

// State returns the watch's state, creating the watch's row on first use
// and keeping its URL and configuration current.
func (db *DB) State(ctx context.Context, w monitor.Watch) (*monitor.State, error) {
	config, err := json.Marshal(w)
	if err != nil {
		return nil, fmt.Errorf("state of %s: encode config: %w", w.Name, err)
	}
	// The WHERE clause leaves the row alone when nothing changed, the usual
	// case: State runs before every check. When what is read changed — the
	// URL, or the parts of the page kept (select, remove) — what was learned
	// of the old text goes: its typical length (a narrower selector would
	// otherwise be "too short" for ever), its language, its validators and
	// the body last accepted (bytes, shape, length); a watch with a version
	// and no typical length is then reconfigured (below), and its next
	// capture a first one again, not a change of the policy.
	// Other settings (schedule, headers…) keep them: without a typical
	// length any error page long enough would pass for a version.
	// Versions, events and the open episode stay.
	reread := `(url IS NOT excluded.url
		OR json_extract(config, '$.Select') IS NOT json_extract(excluded.config, '$.Select')
		OR json_extract(config, '$.Remove') IS NOT json_extract(excluded.config, '$.Remove'))`
	if _, err := db.exec(ctx, db.sql, `
		INSERT INTO watches (name, url, config, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET url = excluded.url, config = excluded.config,
			recent_lengths = iif(`+reread+`, '[]', recent_lengths), language = iif(`+reread+`, '', language),
			etag = iif(`+reread+`, '', etag), last_modified = iif(`+reread+`, '', last_modified),
			accepted_body = iif(`+reread+`, '', accepted_body),
			accepted_shape = iif(`+reread+`, '', accepted_shape),
			accepted_length = iif(`+reread+`, 0, accepted_length),
			accepted_parsed_at = iif(`+reread+`, 0, accepted_parsed_at)
		WHERE url IS NOT excluded.url OR config IS NOT excluded.config`,
		w.Name, w.URL, string(config), time.Now().UnixNano()); err != nil {
		return nil, fmt.Errorf("state of %s: save watch: %w", w.Name, err)
	}

	// The watch row and its current version must come from one snapshot,
	// or Seq could belong to a later check than Current.
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("state of %s: %w", w.Name, err)
	}
	defer tx.Rollback()
	var (
		s             monitor.State
		current       sql.NullInt64
		lengths       string
		episodeKind   sql.NullString
		episodeReason string
		episodeChecks int
		since, last   int64
		shortSince    int64
		shortChecks   int
		parsedAt      int64
	)
	err = db.queryRow(ctx, tx, `
		SELECT seq, current_version_id, recent_lengths, language,
			episode_kind, episode_reason, episode_since, episode_checks,
			episode_short_since, episode_short_checks,
			last_check_at, etag, last_modified, fetcher,
			accepted_body, accepted_shape, accepted_length, accepted_parsed_at
		FROM watches WHERE name = ?`, w.Name).
		Scan(&s.Seq, &current, &lengths, &s.Language,
			&episodeKind, &episodeReason, &since, &episodeChecks, &shortSince, &shortChecks,
			&last, &s.ETag, &s.LastModified, &s.WorkingFetcher,
			&s.AcceptedBody, &s.AcceptedShape, &s.AcceptedLength, &parsedAt)
	if err != nil {
		return nil, fmt.Errorf("state of %s: %w", w.Name, err)
	}
	s.LastCheck = fromUnixNano(last)
	s.AcceptedParsedAt = fromUnixNano(parsedAt)
	s.Episode = openEpisode(episodeKind, episodeReason, since, episodeChecks)
	if s.Episode != nil {
		s.Episode.ShortSince, s.Episode.ShortChecks = fromUnixNano(shortSince), shortChecks
	}
	recent, err := decodeLengths(lengths)
	if err != nil {
		return nil, fmt.Errorf("state of %s: %w", w.Name, err)
	}
	s.TypicalLength = median(recent)
	// Lengths are forgotten only when what is read changed (above), and
	// every plausible capture adds one.
	s.Reconfigured = current.Valid && len(recent) == 0
	if current.Valid {
		// Only what comparing needs: most checks find the same text, and
		// the Checker loads the whole version (text, links) when it differs.
		s.Current = &monitor.VersionRef{ID: current.Int64}
		if err := db.queryRow(ctx, tx, `SELECT hash FROM versions WHERE id = ?`, current.Int64).Scan(&s.Current.Hash); err != nil {
			return nil, fmt.Errorf("state of %s: current version: %w", w.Name, err)
		}
	}
	return &s, nil
}

func decodeLengths(s string) ([]int, error) {
	var lengths []int
	if err := json.Unmarshal([]byte(s), &lengths); err != nil {
		return nil, fmt.Errorf("recent lengths: %w", err)
	}
	return lengths, nil
}

// median returns the median of lengths (the upper one of an even count),
// 0 for none.
func median(lengths []int) int {
	if len(lengths) == 0 {
		return 0
	}
	sorted := slices.Sorted(slices.Values(lengths))
	return sorted[len(sorted)/2]
}

// openEpisode rebuilds the episode a watch row holds in its episode_*
// columns (written by RecordCheck); nil when kind is NULL: none is open.
func openEpisode(kind sql.NullString, reason string, since int64, checks int) *monitor.Episode {
	if !kind.Valid {
		return nil
	}
	return &monitor.Episode{Kind: monitor.EventKind(kind.String), Reason: reason, Since: fromUnixNano(since), Checks: checks}
}

// Watches returns a summary of every watch, by name.
func (db *DB) Watches(ctx context.Context) ([]monitor.WatchSummary, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT w.name, w.url, w.last_check_at, w.last_outcome, w.current_version_id,
			(SELECT COUNT(*) FROM versions v WHERE v.watch_id = w.id),
			e.time, e.summary, e.severity,
			w.episode_kind, w.episode_reason, w.episode_since, w.episode_checks, w.fetcher,
			COALESCE((SELECT c.fetcher = 'import' FROM checks c WHERE c.watch_id = w.id ORDER BY c.id DESC LIMIT 1), 0)
		FROM watches w
		LEFT JOIN events e ON e.id = (
			SELECT MAX(id) FROM events
			WHERE watch_id = w.id AND kind IN ('baseline', 'change', 'revert'))
		ORDER BY w.name`)
	if err != nil {
		return nil, fmt.Errorf("list watches: %w", err)
	}
	list, err := collect(rows, func(sc scanner) (monitor.WatchSummary, error) {
		var (
			s                monitor.WatchSummary
			lastCheck, since int64
			current          sql.NullInt64
			changeTime       sql.NullInt64
			summary          sql.NullString
			severity         sql.NullString
			episodeKind      sql.NullString
			episodeReason    string
			episodeChecks    int
		)
		if err := sc.Scan(&s.Name, &s.URL, &lastCheck, &s.LastOutcome, &current,
			&s.Versions, &changeTime, &summary, &severity,
			&episodeKind, &episodeReason, &since, &episodeChecks, &s.Fetcher, &s.LastCheckImported); err != nil {
			return monitor.WatchSummary{}, err
		}
		s.LastCheck = fromUnixNano(lastCheck)
		s.CurrentVersion = current.Int64
		s.LastChange = fromUnixNano(changeTime.Int64)
		s.LastChangeSummary = summary.String
		s.LastChangeSeverity = monitor.Severity(severity.String)
		s.Episode = openEpisode(episodeKind, episodeReason, since, episodeChecks)
		return s, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list watches: %w", err)
	}
	return list, nil
}

// HasWatch reports whether the database knows a watch of that name: one
// checked at least once, configured or not any more.
func (db *DB) HasWatch(ctx context.Context, name string) (bool, error) {
	var ok bool
	if err := db.sql.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM watches WHERE name = ?)`, name).Scan(&ok); err != nil {
		return false, fmt.Errorf("look up watch %s: %w", name, err)
	}
	return ok, nil
}

// watchForUpdate reads what RecordCheck needs of the watch's row inside its
// write transaction.
func (db *DB) watchForUpdate(ctx context.Context, tx *sql.Tx, name string) (*watchRow, error) {
	var (
		w       watchRow
		current sql.NullInt64
		lengths string
	)
	err := db.queryRow(ctx, tx,
		`SELECT id, seq, current_version_id, recent_lengths FROM watches WHERE name = ?`, name).
		Scan(&w.id, &w.seq, &current, &lengths)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("watch %s: %w (State creates it)", name, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", name, err)
	}
	w.currentVersion = current.Int64
	if w.recentLengths, err = decodeLengths(lengths); err != nil {
		return nil, fmt.Errorf("watch %s: %w", name, err)
	}
	return &w, nil
}

// watchRow is what RecordCheck reads of a watch before writing.
type watchRow struct {
	id             int64
	seq            int64
	currentVersion int64
	recentLengths  []int
}
