package store

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/policywatch/policywatch/monitor"
)

// BenchmarkStorePrintableBodies stores the 300 raw pages of the printable
// policy (110 MB, every one different) through RecordCheck into a fresh
// database, and reports the database's size.
func BenchmarkStorePrintableBodies(b *testing.B) {
	bodies := printableBodies(b)
	var size int64
	b.ReportAllocs()
	for b.Loop() {
		path := filepath.Join(b.TempDir(), "bench.db")
		db, err := Open(context.Background(), path)
		if err != nil {
			b.Fatal(err)
		}
		recordBodies(b, db, bodies)
		if size, err = db.Size(context.Background()); err != nil {
			b.Fatal(err)
		}
		db.Close()
	}
	b.ReportMetric(float64(size), "db-bytes")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(bodies)), "ns/body")
}

// BenchmarkReadBody reads one printable page back: the first of a chain
// (one frame) and the last (two frames: the chain's whole body, then its
// delta).
func BenchmarkReadBody(b *testing.B) {
	bodies := printableBodies(b)
	db, _ := openDB(b)
	ids := recordBodies(b, db, bodies[:bodyChainLength])
	for _, bench := range []struct {
		name string
		id   int64
	}{
		{"whole", ids[0]},
		{"chain-end", ids[bodyChainLength-1]},
	} {
		b.Run(bench.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				got, err := db.Body(context.Background(), bench.id)
				if err != nil {
					b.Fatal(err)
				}
				b.SetBytes(int64(len(got.Data)))
			}
		})
	}
}

// BenchmarkVerifyPrintable verifies a history of the 300 printable pages
// (110 MB of raw bodies, every one rebuilt and hashed): what `policywatch
// verify` costs on a database of that size.
//
//	POLICYWATCH_CORPUS=../shared/corpus go test ./store -run '^$' -bench VerifyPrintable -benchmem
func BenchmarkVerifyPrintable(b *testing.B) {
	bodies := printableBodies(b)
	db, _ := openDB(b)
	recordBodies(b, db, bodies)
	b.ReportAllocs()
	var v *Verification
	for b.Loop() {
		var err error
		if v, err = db.Verify(context.Background(), nil); err != nil {
			b.Fatal(err)
		}
	}
	if !v.OK() || v.Bodies != len(bodies) {
		b.Fatalf("Verify = %+v, want OK with %d bodies", v, len(bodies))
	}
	b.SetBytes(v.BodyBytes)
}

// BenchmarkCompressWholePage compresses the first printable page (348
// KB) as a watch's first body is: a whole frame, no dictionary.
//
//	go test ./store -run '^$' -bench CompressWholePage -benchmem
func BenchmarkCompressWholePage(b *testing.B) {
	page := printableBodies(b)[0].Data
	c, err := newCodec()
	if err != nil {
		b.Fatal(err)
	}
	var frame []byte
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		frame = c.compress(page)
	}
	b.ReportMetric(float64(len(frame)), "frame-bytes")
}

// BenchmarkCompressWholePageS2 compresses the same page with S2 (from the
// same module as zstd), the faster codec the README's Benchmarks section
// says was weighed and not taken for whole bodies: about twice as fast,
// a third larger, and a second format every later version must read.
//
//	go test ./store -run '^$' -bench 'CompressWholePage' -benchmem -count 5
func BenchmarkCompressWholePageS2(b *testing.B) {
	page := printableBodies(b)[0].Data
	var frame []byte
	b.SetBytes(int64(len(page)))
	b.ReportAllocs()
	for b.Loop() {
		frame = s2.Encode(frame[:cap(frame)], page)
	}
	b.ReportMetric(float64(len(frame)), "frame-bytes")
}

// BenchmarkHashPage hashes the first printable page (348 KB) as the
// fetcher does, once a check: what bodySum saves by trusting that hash.
//
//	go test ./store -run '^$' -bench HashPage -count 3
func BenchmarkHashPage(b *testing.B) {
	page := printableBodies(b)[0].Data
	b.SetBytes(int64(len(page)))
	for b.Loop() {
		sha256Hex(page)
	}
}

// BenchmarkRecordUnchangedCheck records a check that found the page
// unchanged and answered 304: the most common write.
func BenchmarkRecordUnchangedCheck(b *testing.B) {
	ctx := context.Background()
	db, _ := openDB(b)
	recordBaseline(b, db)
	st, err := db.State(ctx, testWatch)
	if err != nil {
		b.Fatal(err)
	}
	attempt := okAttempt(b, 1, t0, 0)
	attempt.Status = http.StatusNotModified
	b.ReportAllocs()
	for b.Loop() {
		rec := &monitor.CheckRecord{
			Watch: testWatch, BaseSeq: st.Seq, Started: t0, Finished: t0.Add(time.Second),
			Outcome: monitor.OutcomeNotModified, SeenVersion: st.Current.ID,
			Attempts: []monitor.Attempt{attempt},
		}
		if _, err := db.RecordCheck(ctx, rec); err != nil {
			b.Fatal(err)
		}
		st.Seq++
	}
}

// BenchmarkState reads a watch's state, as every check starts: the upsert
// of its configuration and the read of its row and current version.
//
//	go test ./store -run '^$' -bench 'State$|RecordUnchangedCheck' -benchmem -count 6
func BenchmarkState(b *testing.B) {
	ctx := context.Background()
	db, _ := openDB(b)
	recordBaseline(b, db)
	b.ReportAllocs()
	for b.Loop() {
		if st, err := db.State(ctx, testWatch); err != nil || st.Current == nil {
			b.Fatalf("state %+v, %v", st, err)
		}
	}
}

// recordBaseline records the watch's first capture, with its body.
func recordBaseline(b *testing.B, db *DB) {
	record(b, db, &monitor.CheckRecord{
		Watch: testWatch, Started: t0, Finished: t0, Outcome: monitor.OutcomeBaseline,
		Body: body(b, "policy-v1.html", 0, t0), NewVersion: &monitor.Version{Hash: "h", Text: "text"},
	})
}

// BenchmarkMetricsCounters reads what each /metrics scrape reads from the
// history (checks by outcome, the latency histogram, events) for 100
// watches after 10,000 and after 100,000 checks: the same time (0.45 ms),
// the counters being running totals. Counted from the rows, as before
// migration 0006, the same reads took 22 and 255 ms, and 4.7 s after a
// year of 1,000 watches checked every six hours (1.46 million checks).
//
//	go test ./store -run '^$' -bench MetricsCounters -benchmem -count 6
func BenchmarkMetricsCounters(b *testing.B) {
	for _, checks := range []int{10_000, 100_000} {
		b.Run(fmt.Sprintf("checks=%d", checks), func(b *testing.B) {
			ctx := context.Background()
			db, _ := openDB(b)
			fillChecks(b, db, 100, checks)
			b.ReportAllocs()
			for b.Loop() {
				counts, err := db.CheckCounts(ctx)
				if err != nil || len(counts) != 100 {
					b.Fatalf("check counts of %d watches, %v", len(counts), err)
				}
				if _, _, _, err := db.FetchLatency(ctx); err != nil {
					b.Fatal(err)
				}
				if _, err := db.EventCounts(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// fillChecks inserts n unchanged checks, each with one attempt, spread
// over the given number of watches, in one transaction.
func fillChecks(b *testing.B, db *DB, watches, n int) {
	b.Helper()
	tx, err := db.sql.Begin()
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	for w := 1; w <= watches; w++ {
		if _, err := tx.Exec(`INSERT INTO watches (id, name, url, config, created_at) VALUES (?, ?, 'http://a/', '{}', 0)`,
			w, fmt.Sprintf("w%03d", w)); err != nil {
			b.Fatal(err)
		}
	}
	for i := 1; i <= n; i++ {
		if _, err := tx.Exec(`INSERT INTO checks (id, watch_id, started_at, finished_at, fetcher, outcome) VALUES (?, ?, ?, ?, 'http', 'unchanged')`,
			i, i%watches+1, i, i); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(`INSERT INTO attempts (check_id, seq, started_at, url, status, bytes, duration_ns, error) VALUES (?, 0, ?, 'http://a/', 304, 0, ?, '')`,
			i, i, int64(i%900)*int64(time.Millisecond)); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
