package store

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

var testWatch = monitor.Watch{
	Name:     "example",
	URL:      "https://example.com/privacy",
	Fetcher:  "http",
	Schedule: "@every 6h",
}

// t0 is when the tests' histories start.
var t0 = time.Date(2026, 1, 1, 6, 0, 0, 0, time.UTC)

// openDB opens a fresh database in a folder that does not exist yet.
func openDB(tb testing.TB) (*DB, string) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "data", "policywatch.db")
	db, err := Open(context.Background(), path)
	if err != nil {
		tb.Fatalf("Open: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close: %v", err)
		}
	})
	return db, path
}

// fixture reads testdata/name with its placeholders (NONCE, TOKEN, CLASS,
// DATE) replaced by values derived from n, so that every n gives different
// bytes for the same readable text, as real pages do.
func fixture(tb testing.TB, name string, n int) []byte {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	r := strings.NewReplacer(
		"NONCE", fmt.Sprintf("n%08x", n*2654435761),
		"TOKEN", fmt.Sprintf("AT%016x", uint64(n)*11400714819323198485),
		"CLASS", fmt.Sprintf("x%06x", n*40503),
		"DATE", t0.Add(time.Duration(n)*6*time.Hour).Format(http.TimeFormat),
	)
	return []byte(r.Replace(string(b)))
}

// realHeader returns a response header of the size and shape real sites
// send, different for every n.
func realHeader(tb testing.TB, n int) http.Header {
	tb.Helper()
	var h http.Header
	if err := json.Unmarshal(fixture(tb, "headers.json", n), &h); err != nil {
		tb.Fatal(err)
	}
	return h
}

func body(tb testing.TB, name string, n int, fetched time.Time) *monitor.Body {
	tb.Helper()
	return &monitor.Body{
		Data:        fixture(tb, name, n),
		ContentType: "text/html; charset=utf-8",
		Charset:     "utf-8",
		URL:         testWatch.URL,
		FinalURL:    testWatch.URL + "/",
		Status:      http.StatusOK,
		Header:      realHeader(tb, n),
		FetchedAt:   fetched,
	}
}

func okAttempt(tb testing.TB, n int, start time.Time, size int) monitor.Attempt {
	tb.Helper()
	return monitor.Attempt{
		Start:    start,
		URL:      testWatch.URL,
		FinalURL: testWatch.URL,
		Status:   http.StatusOK,
		Header:   realHeader(tb, n),
		Bytes:    int64(size),
		Duration: 420 * time.Millisecond,
	}
}

// record records rec after setting its BaseSeq from the watch's state.
func record(tb testing.TB, db *DB, rec *monitor.CheckRecord) []monitor.Event {
	tb.Helper()
	ctx := context.Background()
	st, err := db.State(ctx, rec.Watch)
	if err != nil {
		tb.Fatalf("State: %v", err)
	}
	rec.BaseSeq = st.Seq
	events, err := db.RecordCheck(ctx, rec)
	if err != nil {
		tb.Fatalf("RecordCheck(%s): %v", rec.Outcome, err)
	}
	return events
}

// count returns the number of rows of each table, to show that a failed
// write wrote nothing.
func count(tb testing.TB, db *DB) map[string]int {
	tb.Helper()
	n := map[string]int{}
	for _, table := range []string{"watches", "checks", "attempts", "bodies", "versions", "events"} {
		var c int
		if err := db.sql.QueryRow(`SELECT COUNT(*) FROM ` + table).Scan(&c); err != nil {
			tb.Fatal(err)
		}
		n[table] = c
	}
	return n
}

func mustEqualBytes(tb testing.TB, what string, got, want []byte) {
	tb.Helper()
	if !bytes.Equal(got, want) {
		tb.Fatalf("%s: %d bytes read back differ from the %d stored", what, len(got), len(want))
	}
}

// backupOf writes a backup of db in a folder of its own and returns its
// path.
func backupOf(tb testing.TB, db *DB) string {
	tb.Helper()
	backup := filepath.Join(tb.TempDir(), "backup.db")
	if err := db.Backup(context.Background(), backup); err != nil {
		tb.Fatal(err)
	}
	return backup
}

// eventsIn opens the database at path, which must exist, and returns how
// many events it holds.
func eventsIn(tb testing.TB, path string) int {
	tb.Helper()
	ctx := context.Background()
	db, err := Open(ctx, path, MustExist())
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	evs, err := db.Events(ctx, monitor.EventFilter{})
	if err != nil {
		tb.Fatal(err)
	}
	return len(evs)
}
