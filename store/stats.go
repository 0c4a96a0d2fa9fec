package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// Aggregates for the web view's overview and its /metrics endpoint. They
// are counted in SQL so that a scrape or a page costs one small query
// whatever the length of the history.

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

// CheckCounts returns how many checks of each watch are recorded, by
// outcome. PruneChecks deletes old unchanged checks, so the counts of
// those outcomes can go down.
func (db *DB) CheckCounts(ctx context.Context) (map[string]map[monitor.Outcome]int64, error) {
	return countByWatch[monitor.Outcome](ctx, db.sql, "count checks", `
		SELECT w.name, c.outcome, COUNT(*)
		FROM checks c JOIN watches w ON w.id = c.watch_id
		GROUP BY w.name, c.outcome`)
}

// EventCounts returns how many events of each watch are recorded, by kind.
func (db *DB) EventCounts(ctx context.Context) (map[string]map[monitor.EventKind]int64, error) {
	return countByWatch[monitor.EventKind](ctx, db.sql, "count events", `
		SELECT w.name, e.kind, COUNT(*)
		FROM events e JOIN watches w ON w.id = e.watch_id
		GROUP BY w.name, e.kind`)
}

// countByWatch runs query, whose rows are a watch's name, a key and a
// count, and returns the counts by watch and key.
func countByWatch[K ~string](ctx context.Context, q querier, what, query string) (map[string]map[K]int64, error) {
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

// FetchLatency buckets the durations of every recorded HTTP attempt, by
// watch. bounds must be ascending. counts[watch][i] is the number of
// attempts that took more than bounds[i-1] and at most bounds[i];
// counts[watch][len(bounds)] those that took longer than the last bound.
// sums[watch] is the attempts' total duration.
func (db *DB) FetchLatency(ctx context.Context, bounds []time.Duration) (counts map[string][]uint64, sums map[string]time.Duration, err error) {
	for i := 1; i < len(bounds); i++ {
		if bounds[i] <= bounds[i-1] {
			return nil, nil, fmt.Errorf("fetch latency: bounds not ascending at %v", bounds[i])
		}
	}
	// The bucket index is computed in SQL so that only one row per watch
	// and bucket comes back, however many attempts there are.
	var bucket strings.Builder
	args := make([]any, 0, len(bounds))
	bucket.WriteString("CASE")
	for i, b := range bounds {
		fmt.Fprintf(&bucket, " WHEN a.duration_ns <= ? THEN %d", i)
		args = append(args, int64(b))
	}
	fmt.Fprintf(&bucket, " ELSE %d END", len(bounds))
	rows, err := db.sql.QueryContext(ctx, `
		SELECT w.name, `+bucket.String()+` AS bucket, COUNT(*), SUM(a.duration_ns)
		FROM attempts a
		JOIN checks c ON c.id = a.check_id
		JOIN watches w ON w.id = c.watch_id
		GROUP BY w.name, bucket`, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("fetch latency: %w", err)
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
			return nil, nil, fmt.Errorf("fetch latency: %w", err)
		}
		if counts[name] == nil {
			counts[name] = make([]uint64, len(bounds)+1)
		}
		counts[name][bucket] += uint64(n)
		sums[name] += time.Duration(sum)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("fetch latency: %w", err)
	}
	return counts, sums, nil
}
