package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// Aggregates for the web view's overview and its /metrics endpoint. They
// are counted in SQL, so that one query returns a row per watch and key
// however many rows it reads; what it reads grows with the check rows kept
// (settings.check_retention bounds them).

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

// CheckCounts returns how many checks of each watch were recorded, by
// outcome, those PruneChecks deleted included: the counts never go down.
func (db *DB) CheckCounts(ctx context.Context) (map[string]map[monitor.Outcome]int64, error) {
	return countByWatch[monitor.Outcome](ctx, db.sql, "count checks", `
		SELECT w.name, k.outcome, SUM(k.n)
		FROM (
			SELECT watch_id, outcome, COUNT(*) AS n FROM checks GROUP BY watch_id, outcome
			UNION ALL
			SELECT watch_id, outcome, n FROM pruned_checks
		) k JOIN watches w ON w.id = k.watch_id
		GROUP BY w.name, k.outcome`)
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
// watch, those of checks PruneChecks deleted included (counted there in
// whole milliseconds: bounds must be whole milliseconds). bounds must be
// ascending. counts[watch][i] is the number of
// attempts that took more than bounds[i-1] and at most bounds[i];
// counts[watch][len(bounds)] those that took longer than the last bound.
// sums[watch] is the attempts' total duration.
func (db *DB) FetchLatency(ctx context.Context, bounds []time.Duration) (counts map[string][]uint64, sums map[string]time.Duration, err error) {
	for i, b := range bounds {
		if i > 0 && b <= bounds[i-1] {
			return nil, nil, fmt.Errorf("fetch latency: bounds not ascending at %v", b)
		}
		if b%time.Millisecond != 0 {
			return nil, nil, fmt.Errorf("fetch latency: bound %v is not a whole number of milliseconds", b)
		}
	}
	// The bucket index is computed in SQL so that only one row per watch
	// and bucket comes back, however many attempts there are.
	var bucket strings.Builder
	args := make([]any, 0, len(bounds))
	bucket.WriteString("CASE")
	for i, b := range bounds {
		fmt.Fprintf(&bucket, " WHEN d.duration_ns <= ? THEN %d", i)
		args = append(args, int64(b))
	}
	fmt.Fprintf(&bucket, " ELSE %d END", len(bounds))
	// A pruned attempt stands for its duration rounded up to the
	// millisecond: in the same bucket as the exact one, bounds being
	// whole milliseconds.
	rows, err := db.sql.QueryContext(ctx, `
		SELECT w.name, `+bucket.String()+` AS bucket, SUM(d.n), SUM(d.sum_ns)
		FROM (
			SELECT c.watch_id, a.duration_ns, 1 AS n, a.duration_ns AS sum_ns
			FROM attempts a JOIN checks c ON c.id = a.check_id
			UNION ALL
			SELECT watch_id, duration_ms * 1000000, n, sum_ns FROM pruned_attempts
		) d JOIN watches w ON w.id = d.watch_id
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
