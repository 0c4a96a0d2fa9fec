package store

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

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
