package web

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/policywatch/policywatch/monitor"
)

// latencyBounds are the fetch latency histogram's buckets: from a fast
// page to the default 30 s timeout and beyond.
var latencyBounds = []time.Duration{
	100 * time.Millisecond, 250 * time.Millisecond, 500 * time.Millisecond,
	time.Second, 2500 * time.Millisecond, 5 * time.Second, 10 * time.Second, 30 * time.Second, time.Minute,
}

var (
	descChecks = prometheus.NewDesc("policywatch_checks_total",
		"Checks recorded, by watch and outcome. Pruning old unchanged checks lowers the unchanged and not_modified series.",
		[]string{"watch", "outcome"}, nil)
	descFailures = prometheus.NewDesc("policywatch_check_failures_total",
		"Checks whose fetch failed after its retries, by watch.",
		[]string{"watch"}, nil)
	descEvents = prometheus.NewDesc("policywatch_events_total",
		"Events recorded, by watch and kind.",
		[]string{"watch", "kind"}, nil)
	descLatency = prometheus.NewDesc("policywatch_fetch_duration_seconds",
		"Duration of each HTTP attempt of the recorded checks, by watch.",
		[]string{"watch"}, nil)
	descSize = prometheus.NewDesc("policywatch_database_size_bytes",
		"Size of the SQLite database.", nil, nil)
	descLastCheck = prometheus.NewDesc("policywatch_last_check_timestamp_seconds",
		"When each watch was last checked (Unix time); absent for watches never checked.",
		[]string{"watch"}, nil)
	descEpisode = prometheus.NewDesc("policywatch_watch_failing",
		"1 while a watch has an open anomaly or fetch error episode, else 0.",
		[]string{"watch", "kind"}, nil)
	descScrapeError = prometheus.NewDesc("policywatch_metrics_read_errors",
		"1 when the last scrape could not read some of the history's figures.", nil, nil)
)

// historyCollector reads the history's figures at each scrape, with the
// scrape's request context.
type historyCollector struct {
	ctx    context.Context
	reader Reader
	log    *slog.Logger
}

func (c historyCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descChecks, descFailures, descEvents, descLatency, descSize, descLastCheck, descEpisode, descScrapeError} {
		ch <- d
	}
}

func (c historyCollector) Collect(ch chan<- prometheus.Metric) {
	failed := 0.0
	fail := func(what string, err error) {
		c.log.Error("metrics: read "+what, "err", err)
		failed = 1
	}
	if checks, err := c.reader.CheckCounts(c.ctx); err != nil {
		fail("checks", err)
	} else {
		for watch, byOutcome := range checks {
			for outcome, n := range byOutcome {
				ch <- prometheus.MustNewConstMetric(descChecks, prometheus.CounterValue, float64(n), watch, string(outcome))
			}
			ch <- prometheus.MustNewConstMetric(descFailures, prometheus.CounterValue, float64(byOutcome[monitor.OutcomeFetchError]), watch)
		}
	}
	if events, err := c.reader.EventCounts(c.ctx); err != nil {
		fail("events", err)
	} else {
		for watch, byKind := range events {
			for kind, n := range byKind {
				ch <- prometheus.MustNewConstMetric(descEvents, prometheus.CounterValue, float64(n), watch, string(kind))
			}
		}
	}
	if counts, sums, err := c.reader.FetchLatency(c.ctx, latencyBounds); err != nil {
		fail("fetch latency", err)
	} else {
		for watch, buckets := range counts {
			cumulative := make(map[float64]uint64, len(latencyBounds))
			var total uint64
			for i, b := range latencyBounds {
				total += buckets[i]
				cumulative[b.Seconds()] = total
			}
			total += buckets[len(latencyBounds)]
			ch <- prometheus.MustNewConstHistogram(descLatency, total, sums[watch].Seconds(), cumulative, watch)
		}
	}
	if size, err := c.reader.Size(c.ctx); err != nil {
		fail("database size", err)
	} else {
		ch <- prometheus.MustNewConstMetric(descSize, prometheus.GaugeValue, float64(size))
	}
	if watches, err := c.reader.Watches(c.ctx); err != nil {
		fail("watches", err)
	} else {
		for _, w := range watches {
			if !w.LastCheck.IsZero() {
				ch <- prometheus.MustNewConstMetric(descLastCheck, prometheus.GaugeValue, float64(w.LastCheck.UnixNano())/1e9, w.Name)
			}
			for _, kind := range []monitor.EventKind{monitor.KindAnomaly, monitor.KindFetchError} {
				v := 0.0
				if w.Episode != nil && w.Episode.Kind == kind {
					v = 1
				}
				ch <- prometheus.MustNewConstMetric(descEpisode, prometheus.GaugeValue, v, w.Name, string(kind))
			}
		}
	}
	ch <- prometheus.MustNewConstMetric(descScrapeError, prometheus.GaugeValue, failed)
}

// metrics serves Prometheus' text format: the history's figures, read at
// each scrape, and the process' own (Go runtime, memory, file
// descriptors).
func (s *Server) metrics(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 20*time.Second)
	defer cancel()
	// A registry per scrape: the history collector carries the request's
	// context, and nothing outlives the request.
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(
		historyCollector{ctx: ctx, reader: s.reader, log: s.log},
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}}).ServeHTTP(w, r)
}

// slogPrinter lets promhttp log through the server's logger.
type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.log.Error("metrics", "err", v) }
