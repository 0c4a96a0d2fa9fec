package web

import (
	"bytes"
	"cmp"
	"context"
	"io"
	"maps"
	"math"
	"net/http"
	runtimemetrics "runtime/metrics"
	"slices"
	"strconv"
	"strings"
	"time"

	vmmetrics "github.com/VictoriaMetrics/metrics"

	"github.com/policywatch/policywatch/monitor"
)

// family is a metric family's metadata: its HELP and TYPE lines.
type family struct{ name, typ, help string }

var (
	famChecks = family{"policywatch_checks_total", "counter",
		"Checks recorded, by watch and outcome, those pruned by check_retention included."}
	famFailures = family{"policywatch_check_failures_total", "counter",
		"Checks whose fetch failed after its retries, by watch."}
	famEvents = family{"policywatch_events_total", "counter",
		"Events recorded, by watch and kind."}
	famLatency = family{"policywatch_fetch_duration_seconds", "histogram",
		"Duration of each HTTP attempt of the recorded checks, by watch."}
	famSize = family{"policywatch_database_size_bytes", "gauge",
		"Size of the SQLite database and its write-ahead log on disk."}
	famLastCheck = family{"policywatch_last_check_timestamp_seconds", "gauge",
		"When each watch was last checked (Unix time); absent for watches never checked."}
	famEpisode = family{"policywatch_watch_failing", "gauge",
		"1 while a watch has an open anomaly or fetch error episode, else 0."}
	famScrapeError = family{"policywatch_metrics_read_errors", "gauge",
		"1 when the last scrape could not read some of the history's figures."}
	famNotifications = family{"policywatch_notifications", "gauge",
		"Notifications in the outbox, by channel and state: pending (waiting for their first attempt or a retry) or failed (given up)."}
)

// The notifications' states and channels always served, at 0 when there
// are none, so that an alert on failed mail has a series to watch.
var (
	notificationStates   = []string{"failed", "pending"}
	notificationChannels = []string{"email", "webhook"}
)

// famGOGC is the one Go runtime setting the library's go_* metrics leave
// out (they have GOMAXPROCS and the memory limit), under client_golang's
// name.
var famGOGC = family{"go_gc_gogc_percent", "gauge",
	"Heap size target percentage (GOGC): policywatch's 75 unless GOGC is set; -1 when the collector is off."}

func init() {
	// TYPE lines for the library's go_* and process_* metrics too (its
	// HELP lines are empty).
	vmmetrics.ExposeMetadata(true)
}

// metrics serves Prometheus' text format: the history's figures, read at
// each scrape with the request's context, and the process' own (Go
// runtime, memory, CPU, file descriptors).
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	var buf bytes.Buffer
	s.writeHistoryMetrics(ctx, &textWriter{w: &buf})
	writeGOGC(&textWriter{w: &buf})
	vmmetrics.WriteProcessMetrics(&buf)
	vmmetrics.WriteFDMetrics(&buf)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	if _, err := buf.WriteTo(w); err != nil {
		s.log.Debug("metrics: write", "err", err)
	}
}

// writeHistoryMetrics writes the history's figures, families in name
// order, series in watch order. A figure that cannot be read is logged,
// its families left out, and policywatch_metrics_read_errors set to 1.
func (s *Server) writeHistoryMetrics(ctx context.Context, t *textWriter) {
	failed := 0
	fail := func(what string, err error) {
		s.log.Error("metrics: read "+what, "err", err)
		failed = 1
	}
	checks, err := s.reader.CheckCounts(ctx)
	if err != nil {
		fail("checks", err)
		checks = nil
	}
	events, err := s.reader.EventCounts(ctx)
	if err != nil {
		fail("events", err)
		events = nil
	}
	bounds, counts, sums, err := s.reader.FetchLatency(ctx)
	if err != nil {
		fail("fetch latency", err)
		counts = nil
	}
	size, err := s.reader.DiskSize()
	sizeOK := err == nil
	if err != nil {
		fail("database size", err)
	}
	watches, err := s.reader.Watches(ctx)
	if err != nil {
		fail("watches", err)
		watches = nil
	}
	notifications, err := s.reader.NotificationCounts(ctx)
	notificationsOK := err == nil
	if !notificationsOK {
		fail("notifications", err)
	}

	checked := slices.Sorted(maps.Keys(checks))
	for _, watch := range checked {
		t.sample(famFailures, "", strconv.FormatInt(checks[watch][monitor.OutcomeFetchError], 10), "watch", watch)
	}
	for _, watch := range checked {
		byOutcome := checks[watch]
		for _, outcome := range slices.Sorted(maps.Keys(byOutcome)) {
			t.sample(famChecks, "", strconv.FormatInt(byOutcome[outcome], 10), "outcome", string(outcome), "watch", watch)
		}
	}
	if sizeOK {
		t.sample(famSize, "", strconv.FormatInt(size, 10))
	}
	for _, watch := range slices.Sorted(maps.Keys(events)) {
		byKind := events[watch]
		for _, kind := range slices.Sorted(maps.Keys(byKind)) {
			t.sample(famEvents, "", strconv.FormatInt(byKind[kind], 10), "kind", string(kind), "watch", watch)
		}
	}
	for _, watch := range slices.Sorted(maps.Keys(counts)) {
		buckets := counts[watch]
		var total uint64
		for i, b := range bounds {
			if i < len(buckets) {
				total += buckets[i]
			}
			t.sample(famLatency, "_bucket", strconv.FormatUint(total, 10), "watch", watch, "le", formatFloat(b.Seconds()))
		}
		if len(buckets) > len(bounds) {
			total += buckets[len(bounds)]
		}
		t.sample(famLatency, "_bucket", strconv.FormatUint(total, 10), "watch", watch, "le", "+Inf")
		t.sample(famLatency, "_sum", formatFloat(sums[watch].Seconds()), "watch", watch)
		t.sample(famLatency, "_count", strconv.FormatUint(total, 10), "watch", watch)
	}
	// The gauges speak of the watches configured now: one removed from the
	// configuration (or renamed) keeps its counters, but a stale last-check
	// time or an episode left open when it went would fire alerts for ever.
	if len(s.watches) > 0 {
		configured := make(map[string]bool, len(s.watches))
		for _, w := range s.watches {
			configured[w.Name] = true
		}
		watches = slices.DeleteFunc(watches, func(w monitor.WatchSummary) bool { return !configured[w.Name] })
	}
	byName := slices.SortedFunc(slices.Values(watches), func(a, b monitor.WatchSummary) int { return cmp.Compare(a.Name, b.Name) })
	for _, w := range byName {
		if !w.LastCheck.IsZero() {
			t.sample(famLastCheck, "", formatFloat(float64(w.LastCheck.UnixNano())/1e9), "watch", w.Name)
		}
	}
	t.sample(famScrapeError, "", strconv.Itoa(failed))
	if notificationsOK {
		channels := slices.Clone(notificationChannels)
		for _, byChannel := range notifications {
			for ch := range byChannel {
				if !slices.Contains(channels, ch) {
					channels = append(channels, ch)
				}
			}
		}
		slices.Sort(channels)
		for _, ch := range channels {
			for _, state := range notificationStates {
				t.sample(famNotifications, "", strconv.FormatInt(notifications[state][ch], 10), "state", state, "channel", ch)
			}
		}
	}
	for _, w := range byName {
		for _, kind := range []monitor.EventKind{monitor.KindAnomaly, monitor.KindFetchError} {
			v := "0"
			if w.Episode != nil && w.Episode.Kind == kind {
				v = "1"
			}
			t.sample(famEpisode, "", v, "kind", string(kind), "watch", w.Name)
		}
	}
}

// writeGOGC writes famGOGC.
func writeGOGC(t *textWriter) {
	sample := []runtimemetrics.Sample{{Name: "/gc/gogc:percent"}}
	runtimemetrics.Read(sample)
	if sample[0].Value.Kind() != runtimemetrics.KindUint64 {
		return
	}
	// GOGC=off reads as the largest uint64: said as SetGCPercent says it.
	value := "-1"
	if v := sample[0].Value.Uint64(); v <= math.MaxInt64 {
		value = strconv.FormatUint(v, 10)
	}
	t.sample(famGOGC, "", value)
}

// textWriter writes samples in Prometheus' text exposition format
// (version 0.0.4), each family's HELP and TYPE lines before its first
// sample. A family's samples must be written one after the other.
type textWriter struct {
	w    io.Writer
	last string // the family whose samples are being written
	line []byte
}

// sample writes one sample of f: suffix is appended to the family's name
// (_bucket, _sum, _count of a histogram), labels are name, value pairs.
func (t *textWriter) sample(f family, suffix, value string, labels ...string) {
	b := t.line[:0]
	if f.name != t.last {
		t.last = f.name
		b = append(b, "# HELP "...)
		b = append(b, f.name...)
		b = append(b, ' ')
		b = appendEscaped(b, f.help, false)
		b = append(b, "\n# TYPE "...)
		b = append(b, f.name...)
		b = append(b, ' ')
		b = append(b, f.typ...)
		b = append(b, '\n')
	}
	b = append(b, f.name...)
	b = append(b, suffix...)
	if len(labels) > 0 {
		b = append(b, '{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, labels[i]...)
			b = append(b, `="`...)
			b = appendEscaped(b, labels[i+1], true)
			b = append(b, '"')
		}
		b = append(b, '}')
	}
	b = append(b, ' ')
	b = append(b, value...)
	b = append(b, '\n')
	t.line = b
	t.w.Write(b)
}

// appendEscaped appends s escaped as the text format wants: backslash
// and newline, and the double quote in a label value. Invalid UTF-8 (a
// label value must be UTF-8) becomes U+FFFD.
func appendEscaped(b []byte, s string, label bool) []byte {
	s = strings.ToValidUTF8(s, "\uFFFD")
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && label:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// formatFloat formats v as the text format wants: shortest exact form,
// +Inf, -Inf, NaN.
func formatFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
