package store

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// TestReadersDuringWrites reads everything the CLI and web read while a
// writer records checks; run with -race.
func TestReadersDuringWrites(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, _ := openDB(t)
	bodies := syntheticBodies(t, 40)
	recordBodies(t, db, bodies[:1])

	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for r := range 4 {
		wg.Go(func() {
			var lastSeq int64
			for ctx.Err() == nil {
				if err := readEverything(ctx, db, &lastSeq); err != nil {
					if ctx.Err() == nil {
						errs <- fmt.Errorf("reader %d: %w", r, err)
					}
					return
				}
			}
		})
	}
	recordBodies(t, db, bodies[1:])
	cancel()
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// readEverything reads through every listing and checks what a reader can
// rely on: Seq never goes back, every listed body reads back.
func readEverything(ctx context.Context, db *DB, lastSeq *int64) error {
	var seq int64
	if err := db.sql.QueryRowContext(ctx, `SELECT seq FROM watches WHERE name = ?`, testWatch.Name).Scan(&seq); err != nil {
		return err
	}
	if seq < *lastSeq {
		return fmt.Errorf("seq went back from %d to %d", *lastSeq, seq)
	}
	*lastSeq = seq
	if _, err := db.Watches(ctx); err != nil {
		return err
	}
	if _, err := db.Events(ctx, monitor.EventFilter{Watch: testWatch.Name}); err != nil {
		return err
	}
	if _, err := db.LatestVersion(ctx, testWatch.Name); err != nil {
		return err
	}
	checks, err := db.Checks(ctx, testWatch.Name, 3)
	if err != nil {
		return err
	}
	for _, c := range checks {
		if _, err := db.Body(ctx, c.BodyID); err != nil {
			return err
		}
	}
	return nil
}

// TestConcurrentWritersConflict: two writers that read the same State
// race; one wins, the other gets ErrConflict, and the retry built from a
// fresh State succeeds.
func TestConcurrentWritersConflict(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	st, err := db.State(ctx, testWatch)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([]error, 2)
	for i := range results {
		rec := &monitor.CheckRecord{
			Watch: testWatch, BaseSeq: st.Seq, Outcome: monitor.OutcomeAnomaly,
			Body:   body(t, "error.html", i, t0),
			Events: []monitor.Event{{Kind: monitor.KindAnomaly}},
		}
		wg.Go(func() { _, results[i] = db.RecordCheck(ctx, rec) })
	}
	wg.Wait()
	won, lost := 0, 0
	for _, err := range results {
		switch {
		case err == nil:
			won++
		case errors.Is(err, monitor.ErrConflict):
			lost++
		default:
			t.Fatal(err)
		}
	}
	if won != 1 || lost != 1 {
		t.Fatalf("results %v: want one success and one conflict", results)
	}
	if n := count(t, db)["events"]; n != 1 {
		t.Errorf("%d events, want 1", n)
	}
}

// TestCrashLeavesDatabaseConsistent kills (SIGKILL) a process that records
// checks as fast as it can, at a moment of the writer's choosing, then
// opens what it left: the file must be sound and every watch's Seq must
// match the checks recorded.
func TestCrashLeavesDatabaseConsistent(t *testing.T) {
	if path := os.Getenv("POLICYWATCH_STORE_CRASH_DB"); path != "" {
		crashWriter(t, path)
		return
	}
	if testing.Short() {
		t.Skip("spawns a process")
	}
	ctx := context.Background()
	for round := range 3 {
		path := t.TempDir() + "/crash.db"
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashLeavesDatabaseConsistent$")
		cmd.Env = append(os.Environ(), "POLICYWATCH_STORE_CRASH_DB="+path)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Let it record a varying number of checks, then kill it mid-stride.
		// The growth of the log counts from its first check: the
		// migrations alone write a few hundred kilobytes to it.
		deadline := time.Now().Add(30 * time.Second)
		var start int64 = -1
		for {
			if start < 0 {
				if st, err := os.Stat(path + ".first-check"); err == nil && st.Size() > 0 {
					start, _ = strconv.ParseInt(strings.TrimSpace(string(mustRead(t, path+".first-check"))), 10, 64)
				}
			} else if st, err := os.Stat(path + "-wal"); err == nil && st.Size() > start+int64(300_000*(round+1)) {
				break
			}
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				cmd.Wait()
				t.Fatal("writer made no progress")
			}
			time.Sleep(2 * time.Millisecond)
		}
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()

		db, err := Open(ctx, path)
		if err != nil {
			t.Fatalf("round %d: open after kill: %v", round, err)
		}
		if report, err := db.IntegrityCheck(ctx); err != nil || report != "ok" {
			t.Errorf("round %d: IntegrityCheck = %q, %v", round, report, err)
		}
		var seq, checks, events, violations int
		if err := db.sql.QueryRow(`SELECT seq, (SELECT COUNT(*) FROM checks), (SELECT COUNT(*) FROM events) FROM watches`).Scan(&seq, &checks, &events); err != nil {
			t.Fatal(err)
		}
		if err := db.sql.QueryRow(`SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&violations); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: killed after %d checks", round, checks)
		if seq != checks || events != checks || violations != 0 || checks == 0 {
			t.Errorf("round %d: seq %d, %d checks, %d events, %d foreign key violations", round, seq, checks, events, violations)
		}
		if latest, err := db.Checks(ctx, testWatch.Name, 1); err != nil || len(latest) != 1 {
			t.Errorf("round %d: last check: %v", round, err)
		} else if _, err := db.Body(ctx, latest[0].BodyID); err != nil {
			t.Errorf("round %d: last body: %v", round, err)
		}
		db.Close()
	}
}

// crashWriter records checks until killed: one event and one new body per
// check.
func crashWriter(t *testing.T, path string) {
	ctx := context.Background()
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		st, err := db.State(ctx, testWatch)
		if err != nil {
			t.Fatal(err)
		}
		rec := &monitor.CheckRecord{
			Watch: testWatch, BaseSeq: st.Seq, Outcome: monitor.OutcomeAnomaly,
			Body:     body(t, "policy-v2.html", i, t0),
			Attempts: []monitor.Attempt{okAttempt(t, i, t0, 680)},
			Events:   []monitor.Event{{Kind: monitor.KindAnomaly, Summary: fmt.Sprint(i)}},
		}
		if i == 0 {
			rec.Outcome, rec.NewVersion = monitor.OutcomeBaseline, &monitor.Version{Hash: "h", Text: "text"}
			rec.Events[0].Kind = monitor.KindBaseline
		}
		if _, err := db.RecordCheck(ctx, rec); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			// Where the log stood after the first check, for the parent.
			st, err := os.Stat(path + "-wal")
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path+".tmp", []byte(strconv.FormatInt(st.Size(), 10)), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(path+".tmp", path+".first-check"); err != nil {
				t.Fatal(err)
			}
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
