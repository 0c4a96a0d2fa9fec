package store

import (
	"context"
	"fmt"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// Aggregates for the web view's overview and its /metrics endpoint, and
// what its timelines mark. They are counted in SQL, so that one query
// returns a row per watch and key. Those of checks and attempts, which
// grow by the thousand each day, are running totals the database keeps as
// rows are inserted; events are counted from their rows, a few a year per
// watch.

// ChangeTimes returns, for each watch that has any, the times of its change
// and revert events at or after since, oldest first: what the overview
// draws as a bar of changes over time.
func (db *DB) ChangeTimes(ctx context.Context, since time.Time) (map[string][]time.Time, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT w.name, e.time
		FROM events e JOIN watches w ON w.id = e.watch_id
		WHERE e.kind IN (?, ?) AND e.time >= ?
		ORDER BY e.id`,
		monitor.KindChange, monitor.KindRevert, toUnixNano(since))
	if err != nil {
		return nil, fmt.Errorf("change times: %w", err)
	}
	defer rows.Close()
	out := map[string][]time.Time{}
	for rows.Next() {
		var (
			name string
			t    int64
		)
		if err := rows.Scan(&name, &t); err != nil {
			return nil, fmt.Errorf("change times: %w", err)
		}
		out[name] = append(out[name], fromUnixNano(t))
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("change times: %w", err)
	}
	return out, nil
}

// ImportedVersions returns the ids of the watch's versions that
// `policywatch import` first recorded: those whose first sighting is an
// imported baseline or change, the event at the version's FirstSeen. A
// version first fetched and later met again in an archive is not one. It
// reads none of the events' summaries and analyses, which a timeline's
// list of versions, the one that asks, does not show.
func (db *DB) ImportedVersions(ctx context.Context, watch string) (map[int64]bool, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT DISTINCT e.version_id
		FROM events e
		JOIN watches w ON w.id = e.watch_id
		JOIN versions v ON v.id = e.version_id
		WHERE w.name = ? AND e.kind IN (?, ?) AND e.imported <> 0
			AND e.time = v.first_seen AND v.first_seen <> 0 -- 0: a time unknown, which matches none`,
		watch, monitor.KindBaseline, monitor.KindChange)
	if err != nil {
		return nil, fmt.Errorf("imported versions of %s: %w", watch, err)
	}
	ids, err := collect(rows, func(sc scanner) (id int64, err error) {
		err = sc.Scan(&id)
		return id, err
	})
	if err != nil {
		return nil, fmt.Errorf("imported versions of %s: %w", watch, err)
	}
	out := make(map[int64]bool, len(ids))
	for _, id := range ids {
		out[id] = true
	}
	return out, nil
}

// CheckCounts returns how many checks of each watch were recorded, by
// outcome, those PruneChecks deleted included: the counts never go down.
// They are running totals kept by the database as checks are inserted
// (migration 0006), so that reading them costs the same after years of
// checks.
func (db *DB) CheckCounts(ctx context.Context) (map[string]map[monitor.Outcome]int64, error) {
	return countByPair[monitor.Outcome](ctx, db.sql, "count checks", `
		SELECT w.name, t.outcome, t.n
		FROM check_totals t JOIN watches w ON w.id = t.watch_id`)
}

// EventCounts returns how many events of each watch are recorded, by kind.
func (db *DB) EventCounts(ctx context.Context) (map[string]map[monitor.EventKind]int64, error) {
	return countByPair[monitor.EventKind](ctx, db.sql, "count events", `
		SELECT w.name, e.kind, COUNT(*)
		FROM events e JOIN watches w ON w.id = e.watch_id
		GROUP BY w.name, e.kind`)
}

// countByPair runs query, whose rows are two keys (a watch's name and an
// outcome or kind; a status and a channel) and a count, and returns the
// counts by the first key, then the second.
func countByPair[K ~string](ctx context.Context, q querier, what, query string) (map[string]map[K]int64, error) {
	rows, err := q.QueryContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	defer rows.Close()
	out := map[string]map[K]int64{}
	for rows.Next() {
		var (
			name string
			key  K
			n    int64
		)
		if err := rows.Scan(&name, &key, &n); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if out[name] == nil {
			out[name] = map[K]int64{}
		}
		out[name][key] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// FetchLatency returns the histogram of the durations of every HTTP
// attempt recorded, by watch, those of checks PruneChecks deleted
// included: a running total kept by the database as attempts are inserted
// (migration 0006, whose latency_bounds table gives the bounds).
// counts[watch][i] is the number of attempts that took more than
// bounds[i-1] and at most bounds[i]; counts[watch][len(bounds)] those that
// took longer than the last bound. sums[watch] is the attempts' total
// duration.
func (db *DB) FetchLatency(ctx context.Context) (bounds []time.Duration, counts map[string][]uint64, sums map[string]time.Duration, err error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT le_ns FROM latency_bounds ORDER BY bucket`)
	if err == nil {
		bounds, err = collect(rows, func(r scanner) (time.Duration, error) {
			var ns int64
			err := r.Scan(&ns)
			return time.Duration(ns), err
		})
	}
	if err != nil {
		return nil, nil, nil, fmt.Errorf("fetch latency: bounds: %w", err)
	}
	rows, err = db.sql.QueryContext(ctx, `
		SELECT w.name, t.bucket, t.n, t.sum_ns
		FROM attempt_totals t JOIN watches w ON w.id = t.watch_id`)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("fetch latency: %w", err)
	}
	defer rows.Close()
	counts, sums = map[string][]uint64{}, map[string]time.Duration{}
	for rows.Next() {
		var (
			name   string
			bucket int
			n, sum int64
		)
		if err := rows.Scan(&name, &bucket, &n, &sum); err != nil {
			return nil, nil, nil, fmt.Errorf("fetch latency: %w", err)
		}
		if bucket < 0 || bucket > len(bounds) {
			return nil, nil, nil, fmt.Errorf("fetch latency: bucket %d of watch %s outside the %d bounds", bucket, name, len(bounds))
		}
		if counts[name] == nil {
			counts[name] = make([]uint64, len(bounds)+1)
		}
		counts[name][bucket] += uint64(n)
		sums[name] += time.Duration(sum)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, nil, fmt.Errorf("fetch latency: %w", err)
	}
	return bounds, counts, sums, nil
}
