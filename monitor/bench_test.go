package monitor_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/corpustest"
	"github.com/policywatch/policywatch/internal/replaytest"
	"github.com/policywatch/policywatch/monitor"
)

var printableWatch = monitor.Watch{
	Name: "meta-privacy-policy", Select: []string{"#root"}, Remove: []string{"img"}, Fetcher: "http", Language: "en-US",
}

// BenchmarkCheckPrintableSnapshot is the per-page cost of the daemon's
// steady state: fetch one real 356 KB printable snapshot from a loopback
// server, extract it, compare it with the current version (the same
// text, new markup) and record the check and its raw body in SQLite.
//
//	go test ./monitor -run '^$' -bench CheckPrintableSnapshot -benchmem
func BenchmarkCheckPrintableSnapshot(b *testing.B) {
	h := corpustest.Open(b, corpustest.Printable)
	// Steps 1 and 2 have the text of step 0 and different bytes.
	first, _ := h.Steps[0].Read()
	bodies := [][]byte{}
	for _, s := range h.Steps[1:9] {
		body, _ := s.Read()
		bodies = append(bodies, body)
	}
	rig := replaytest.NewRig(b, printableWatch)
	rig.Step(b, h.Steps[0].Date, http.StatusOK, first, nil)
	at := h.Steps[0].Date
	b.ReportAllocs() // b.Loop starts the timer afresh: the setup is not measured
	for i := 0; b.Loop(); i++ {
		at = at.Add(time.Hour)
		res := rig.Step(b, at, http.StatusOK, bodies[i%len(bodies)], nil)
		if res.Outcome != monitor.OutcomeUnchanged {
			b.Fatalf("outcome %s, want unchanged", res.Outcome)
		}
	}
}

// BenchmarkExtractCompareSnapshot is one check without the network: the
// same pipeline as Check (extract, compare, record in SQLite), fed by
// Ingest.
//
//	go test ./monitor -run '^$' -bench ExtractCompareSnapshot -benchmem
func BenchmarkExtractCompareSnapshot(b *testing.B) {
	h := corpustest.Open(b, corpustest.Printable)
	ctx := context.Background()
	checker := replaytest.NewRig(b, printableWatch).Checker // Ingest: no fetch, same record path
	bodies := [][]byte{}
	for _, s := range h.Steps[:9] {
		body, _ := s.Read()
		bodies = append(bodies, body)
	}
	at := h.Steps[0].Date
	if _, err := checker.Ingest(ctx, printableWatch, &monitor.Body{Data: bodies[0], ContentType: "text/html; charset=utf-8", FetchedAt: at}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs() // b.Loop starts the timer afresh: the setup is not measured
	for i := 0; b.Loop(); i++ {
		at = at.Add(time.Hour)
		res, err := checker.Ingest(ctx, printableWatch, &monitor.Body{Data: bodies[1+i%8], ContentType: "text/html; charset=utf-8", FetchedAt: at})
		if err != nil {
			b.Fatal(err)
		}
		if res.Outcome != monitor.OutcomeUnchanged {
			b.Fatalf("outcome %s, want unchanged", res.Outcome)
		}
	}
}

// BenchmarkReplayPrintableHistory replays all 300 steps of the printable
// history through the daemon's code path (HTTP fetch, extraction,
// comparison, analysis, SQLite with delta-compressed bodies) in one
// process, and reports the database size.
//
//	go test ./monitor -run '^$' -bench ReplayPrintableHistory -benchtime 3x
func BenchmarkReplayPrintableHistory(b *testing.B) {
	h := corpustest.Open(b, corpustest.Printable)
	bodies := make([][]byte, len(h.Steps))
	for i, s := range h.Steps {
		bodies[i], _ = s.Read()
	}
	var size int64
	parsed := 0
	for b.Loop() {
		b.StopTimer()
		rig := replaytest.NewRig(b, printableWatch)
		b.StartTimer()
		changes := 0
		parsed = 0
		for i, s := range h.Steps {
			res := rig.Step(b, s.Date, http.StatusOK, bodies[i], nil)
			if res.Outcome == monitor.OutcomeChanged {
				changes++
			}
			if res.Parsed {
				parsed++
			}
		}
		b.StopTimer()
		if changes != 4 {
			b.Fatalf("%d changes, want 4", changes)
		}
		var err error
		if size, err = rig.DB.Size(context.Background()); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(size), "db-bytes")
	b.ReportMetric(float64(parsed), "pages-parsed")
}

// BenchmarkBaselinePrintableSnapshot is the cost of a watch's first
// capture of the 356 KB printable snapshot: shape, extraction, language,
// and the first body and text compressed into SQLite (no fact sheet: one
// is read from a version's text when asked for, see Facts).
//
//	go test ./monitor -run '^$' -bench BaselinePrintableSnapshot -benchmem
func BenchmarkBaselinePrintableSnapshot(b *testing.B) {
	h := corpustest.Open(b, corpustest.Printable)
	ctx := context.Background()
	checker := replaytest.NewRig(b, printableWatch).Checker // Ingest: no fetch, same record path
	body, _ := h.Steps[0].Read()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		w := printableWatch
		w.Name = fmt.Sprintf("watch-%d", i)
		res, err := checker.Ingest(ctx, w, &monitor.Body{Data: body, ContentType: "text/html; charset=utf-8", FetchedAt: h.Steps[0].Date})
		if err != nil {
			b.Fatal(err)
		}
		if res.Outcome != monitor.OutcomeBaseline {
			b.Fatalf("outcome %s, want baseline", res.Outcome)
		}
	}
}
