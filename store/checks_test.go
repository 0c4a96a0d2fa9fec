package store

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestYearOfUnchangedChecksIsSmall records a year of checks every 6 h of a
// page that does not change, with the headers a real site sends, and
// measures what they add to the database.
func TestYearOfUnchangedChecksIsSmall(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	page := body(t, "policy-v1.html", 0, t0)
	record(t, db, &monitor.CheckRecord{
		Watch: testWatch, Started: t0, Finished: t0, Outcome: monitor.OutcomeBaseline, Body: page,
		NewVersion: &monitor.Version{Hash: "h", Text: "text"},
	})
	before, err := db.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	const checks = 365 * 4
	st, err := db.State(ctx, testWatch)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= checks; i++ {
		start := t0.Add(time.Duration(i) * 6 * time.Hour)
		rec := &monitor.CheckRecord{
			Watch: testWatch, BaseSeq: st.Seq, Started: start, Finished: start.Add(800 * time.Millisecond),
			Fetcher: "http", Outcome: monitor.OutcomeUnchanged, Body: page, SeenVersion: st.Current.ID,
			Attempts: []monitor.Attempt{okAttempt(t, i, start, len(page.Data))},
			ETag:     `"abc"`, CaptureLength: 1000,
		}
		if i%2 == 0 { // half answered 304
			rec.Outcome, rec.Body = monitor.OutcomeNotModified, nil
			rec.Attempts[0].Status = http.StatusNotModified
		}
		if _, err := db.RecordCheck(ctx, rec); err != nil {
			t.Fatal(err)
		}
		st.Seq++
	}
	after, err := db.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d unchanged checks added %d bytes (%d a check)", checks, after-before, (after-before)/checks)
	if after-before >= 1<<20 {
		t.Errorf("a year of unchanged checks added %d bytes, want under 1 MiB", after-before)
	}
}

func TestPruneChecksKeepsHistory(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	at := func(day int) time.Time { return t0.AddDate(0, 0, day) }
	steps := []struct {
		outcome monitor.Outcome
		events  []monitor.Event
	}{
		{monitor.OutcomeBaseline, []monitor.Event{{Kind: monitor.KindBaseline}}},
		{monitor.OutcomeUnchanged, nil},   // pruned
		{monitor.OutcomeNotModified, nil}, // pruned
		{monitor.OutcomeAnomaly, []monitor.Event{{Kind: monitor.KindAnomaly}}},
		{monitor.OutcomeUnchanged, []monitor.Event{{Kind: monitor.KindRecovered}}}, // kept: it has an event
		{monitor.OutcomeUnchanged, nil},                                            // pruned
		{monitor.OutcomeUnchanged, nil},                                            // kept: recent
		{monitor.OutcomeNotModified, nil},                                          // kept: recent
	}
	var v int64
	for i, s := range steps {
		rec := &monitor.CheckRecord{
			Watch: testWatch, Started: at(i), Finished: at(i), Outcome: s.outcome, Events: s.events,
			Attempts: []monitor.Attempt{okAttempt(t, i, at(i), 100)},
		}
		switch s.outcome {
		case monitor.OutcomeBaseline:
			rec.Body = body(t, "policy-v1.html", i, at(i))
			rec.NewVersion = &monitor.Version{Hash: "h", Text: "text"}
		case monitor.OutcomeUnchanged:
			rec.Body = body(t, "policy-v1.html", i, at(i))
			rec.SeenVersion = v
		case monitor.OutcomeAnomaly:
			rec.Body = body(t, "error.html", i, at(i))
		}
		record(t, db, rec)
		if v == 0 {
			st, err := db.State(ctx, testWatch)
			if err != nil {
				t.Fatal(err)
			}
			v = st.Current.ID
		}
	}
	before := count(t, db)
	countsBefore, latencyBefore, sumsBefore := metricCounters(t, db)
	n, err := db.PruneChecks(ctx, at(6))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("PruneChecks deleted %d checks, want 3", n)
	}
	// The counters of /metrics never go down: what was pruned still counts,
	// each attempt in its bucket (420 ms: more than 250 ms, at most 500).
	countsAfter, latencyAfter, sumsAfter := metricCounters(t, db)
	if !reflect.DeepEqual(countsAfter, countsBefore) || countsBefore[testWatch.Name][monitor.OutcomeUnchanged] != 4 {
		t.Errorf("check counts after pruning %v, before %v: want them unchanged", countsAfter, countsBefore)
	}
	if !reflect.DeepEqual(latencyAfter, latencyBefore) || latencyBefore[testWatch.Name][2] != 8 || sumsAfter[testWatch.Name] != sumsBefore[testWatch.Name] {
		t.Errorf("latency after pruning %v (sum %v), before %v (sum %v): want them unchanged, 8 attempts in (250 ms, 500 ms]",
			latencyAfter, sumsAfter, latencyBefore, sumsBefore)
	}
	after := count(t, db)
	if after["checks"] != before["checks"]-3 || after["attempts"] != before["attempts"]-3 {
		t.Errorf("rows before %v, after %v: want 3 checks and their attempts gone", before, after)
	}
	for _, table := range []string{"bodies", "versions", "events", "watches"} {
		if after[table] != before[table] {
			t.Errorf("%s: %d rows before pruning, %d after", table, before[table], after[table])
		}
	}
	checks, err := db.Checks(ctx, testWatch.Name, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range checks {
		if c.BodyID == 0 {
			continue
		}
		if _, err := db.Body(ctx, c.BodyID); err != nil {
			t.Errorf("body %d of a kept check: %v", c.BodyID, err)
		}
	}
	if err := db.Vacuum(ctx); err != nil {
		t.Fatal(err)
	}
	if report, err := db.IntegrityCheck(ctx); err != nil || report != "ok" {
		t.Errorf("IntegrityCheck after prune and vacuum = %q, %v", report, err)
	} // A second prune adds to the first's counts.
	record(t, db, &monitor.CheckRecord{Watch: testWatch, Started: at(8), Finished: at(8), Outcome: monitor.OutcomeNotModified,
		Attempts: []monitor.Attempt{okAttempt(t, 8, at(8), 100)}})
	if n, err := db.PruneChecks(ctx, at(9)); err != nil || n != 3 {
		t.Fatalf("second prune: %d, %v; want the 3 checks now old", n, err)
	}
	if counts, _ := db.CheckCounts(ctx); counts[testWatch.Name][monitor.OutcomeNotModified] != 3 || counts[testWatch.Name][monitor.OutcomeUnchanged] != 4 {
		t.Errorf("counts after a second prune: %v", counts)
	}
}

// TestVacuumGivesTheSpaceBack: a vacuum run while another handle (the
// daemon) has the database open leaves neither the database nor its
// write-ahead log at the old size; before, the log kept the whole
// database's size on disk for good.
func TestVacuumGivesTheSpaceBack(t *testing.T) {
	ctx := context.Background()
	daemon, path := openDB(t)
	if _, err := daemon.sql.ExecContext(ctx, `CREATE TABLE filler (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	blob := make([]byte, 64<<10)
	for i := range 480 { // 30 MiB, as years of bodies would be
		blob[0], blob[1] = byte(i), byte(i>>8)
		for j := 2; j < len(blob); j += 97 {
			blob[j] = byte(i*j + j>>3) // little to compress, nothing to share
		}
		if _, err := daemon.sql.ExecContext(ctx, `INSERT INTO filler VALUES (?)`, blob); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := daemon.sql.ExecContext(ctx, `DELETE FROM filler WHERE rowid % 4 != 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := daemon.Watches(ctx); err != nil { // the daemon's connections stay open
		t.Fatal(err)
	}
	cli, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.Vacuum(ctx); err != nil {
		t.Fatal(err)
	}
	if err := cli.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := daemon.sql.ExecContext(ctx, `INSERT INTO filler VALUES (x'00')`); err != nil {
		t.Fatal(err)
	}
	db, wal := fileSize(path), fileSize(path+"-wal")
	if db > 12<<20 || wal > 8<<20 {
		t.Errorf("after vacuum and a write: database %d MiB, log %d MiB; want about 8 MiB and at most 8 MiB", db>>20, wal>>20)
	}
}

// metricCounters reads what /metrics counts: checks by outcome and
// attempts by duration.
func metricCounters(t *testing.T, db *DB) (map[string]map[monitor.Outcome]int64, map[string][]uint64, map[string]time.Duration) {
	t.Helper()
	counts, err := db.CheckCounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	_, latency, sums, err := db.FetchLatency(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return counts, latency, sums
}

// TestDiskSizeCountsTheLog: DiskSize is the database's file and its
// write-ahead log on disk, where Size counts the pages alone; after a
// vacuum, which checkpoints and truncates the log, it is the file's.
func TestDiskSizeCountsTheLog(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	if _, err := db.sql.ExecContext(ctx, `CREATE TABLE filler (b BLOB)`); err != nil {
		t.Fatal(err)
	}
	for range 16 { // 1 MiB, under the automatic checkpoint: all in the log
		if _, err := db.sql.ExecContext(ctx, `INSERT INTO filler VALUES (randomblob(65536))`); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.sql.ExecContext(ctx, `DELETE FROM filler`); err != nil {
		t.Fatal(err)
	}
	file, wal := fileSize(path), fileSize(path+"-wal")
	if wal < 1<<20 {
		t.Fatalf("log of %d bytes, want the megabyte written", wal)
	}
	got, err := db.DiskSize()
	if err != nil || got != file+wal {
		t.Errorf("DiskSize = %d, %v; want %d, the file's %d and the log's %d bytes", got, err, file+wal, file, wal)
	}
	if err := db.Vacuum(ctx); err != nil {
		t.Fatal(err)
	}
	got, err = db.DiskSize()
	if file, wal = fileSize(path), fileSize(path+"-wal"); err != nil || got != file+wal || wal != 0 || got >= 1<<20 {
		t.Errorf("after vacuum: DiskSize = %d, %v; file %d, log %d bytes", got, err, file, wal)
	}
}

// fileSize is the size of the file at p, 0 when there is none.
func fileSize(p string) int64 {
	fi, err := os.Stat(p)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// TestPruneChecksThinsALongOutage: a watch whose site fails for months (a
// page gone for good, a bot wall's 403, a 503) is checked again and again,
// a quarter period apart at most, and each failed attempt keeps its whole
// response header (kilobytes, at a real site). Retention kept every one of
// those rows: 480 failed checks of four attempts, a month of such a watch
// checked every six hours, added 9 MB that check_retention never gave
// back. The checks of an outage that found nothing and produced no event
// are pruned now too; the first one, which opened the episode (its event
// names the failure), is kept with its attempts.
// It runs in batches, whose bounds must lose and keep nothing more.
func TestPruneChecksThinsALongOutage(t *testing.T) {
	for _, batch := range []int{pruneBatch, 7, 1} {
		t.Run(fmt.Sprintf("batches of %d", batch), func(t *testing.T) { thinALongOutage(t, batch) })
	}
}

func thinALongOutage(t *testing.T, batch int) {
	ctx := context.Background()
	db, _ := openDB(t)
	record(t, db, &monitor.CheckRecord{
		Watch: testWatch, Started: t0, Finished: t0, Outcome: monitor.OutcomeBaseline, Body: body(t, "policy-v1.html", 0, t0),
		NewVersion: &monitor.Version{Hash: "h", Text: "text"},
	})
	const failed = 40
	for i := 1; i <= failed; i++ {
		start := t0.Add(time.Duration(i) * 90 * time.Minute)
		var attempts []monitor.Attempt
		for j := range 4 {
			a := okAttempt(t, i*4+j, start, 20)
			a.Status, a.Err = http.StatusServiceUnavailable, "HTTP 503 Service Unavailable"
			attempts = append(attempts, a)
		}
		rec := &monitor.CheckRecord{Watch: testWatch, Started: start, Finished: start.Add(10 * time.Second),
			Fetcher: "http", Outcome: monitor.OutcomeFetchError, Attempts: attempts}
		if i == 1 {
			rec.Events = []monitor.Event{{Kind: monitor.KindFetchError, Severity: monitor.SeverityNotable}}
		}
		record(t, db, rec)
	}
	before := count(t, db)
	n, err := db.pruneChecks(ctx, t0.AddDate(1, 0, 0), batch)
	if err != nil {
		t.Fatal(err)
	}
	if n != failed-1 {
		t.Errorf("PruneChecks deleted %d checks, want the outage's %d without an event", n, failed-1)
	}
	after := count(t, db)
	if after["checks"] != 2 || after["attempts"] != 4 {
		t.Errorf("rows after pruning %v: want the baseline's check and the outage's first, with its 4 attempts", after)
	}
	for _, table := range []string{"bodies", "versions", "events", "watches"} {
		if after[table] != before[table] {
			t.Errorf("%s: %d rows before pruning, %d after", table, before[table], after[table])
		}
	}
}
