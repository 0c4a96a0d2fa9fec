package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/store"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// policywatchBinary builds the real binary once per test run.
func policywatchBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "policywatch-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "policywatch")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// churningPolicyServer serves, for each path, a policy whose text moves
// between three variants every few hundred milliseconds (changes and
// reverts), with a fresh token in its markup on every request.
func churningPolicyServer(t *testing.T) *httptest.Server {
	start := time.Now()
	var mu sync.Mutex
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		token := n
		mu.Unlock()
		variant := int(time.Since(start)/(300*time.Millisecond)) % 3
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html lang="en"><head><title>Policy %s</title></head><body>
<main class="c%d"><h1>Privacy Policy of %s</h1><p>Effective January %d, 2026</p>
<p>We collect the posts, photos and comments you share, information about your device and your approximate location.</p>
<p>We use this information to provide and improve our services and to keep people safe. Revision %d of the text.</p>
<p><a href="/help?token=%d">Help</a></p></main></body></html>`, r.URL.Path, token, r.URL.Path, variant+1, variant, token)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func writeCrashConfig(t *testing.T, dir, url string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "settings:\n  schedule: \"@every 1s\"\n  host_interval: 0s\n  timeout: 5s\n  retries: 0\nweb:\n  listen: 127.0.0.1:0\nwatches:\n")
	for i := 0; i < 6; i++ {
		fmt.Fprintf(&b, "  - name: page-%d\n    url: %s/page-%d\n    language: en\n", i, url, i)
	}
	path := filepath.Join(dir, "policywatch.yaml")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestSIGKILLLeavesDatabaseConsistent kills `policywatch run` with SIGKILL
// at random moments during checks, 20 times. After each kill the database
// passes `PRAGMA integrity_check`, no event is duplicated, and at the end
// a `policywatch check` pass completes.
func TestSIGKILLLeavesDatabaseConsistent(t *testing.T) {
	if testing.Short() {
		t.Skip("subprocess crash test; run without -short")
	}
	bin := policywatchBinary(t)
	srv := churningPolicyServer(t)
	dir := t.TempDir()
	cfg := writeCrashConfig(t, dir, srv.URL)
	dbPath := filepath.Join(dir, "policywatch.db")
	rng := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 20; i++ {
		cmd := exec.Command(bin, "run", "--config", cfg, "--db", dbPath)
		cmd.Env = append(os.Environ(), "POLICYWATCH_CONFIG=", "POLICYWATCH_DB=")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		assertConsistent(t, dbPath, i)
	}
	out, err := exec.Command(bin, "check", "--config", cfg, "--db", dbPath).Output()
	if err != nil {
		t.Fatalf("check after the kills: %v\n%s", err, out)
	}
	if strings.Count(string(out), "] page-") != 6 {
		t.Errorf("check after the kills did not report every watch:\n%s", out)
	}
	if n := assertConsistent(t, dbPath, 20); n < 12 {
		t.Errorf("only %d events after 20 runs and a pass: the daemon did not do the work the kills were meant to interrupt", n)
	}
}

// assertConsistent checks the database after a kill and returns how many
// events it holds.
func assertConsistent(t *testing.T, dbPath string, round int) int {
	t.Helper()
	ctx := context.Background()
	db, err := store.Open(ctx, dbPath)
	if err != nil {
		t.Fatalf("round %d: reopen: %v", round, err)
	}
	defer db.Close()
	res, err := db.IntegrityCheck(ctx)
	if err != nil || res != "ok" {
		t.Fatalf("round %d: integrity_check = %q, %v", round, res, err)
	}
	events, err := db.Events(ctx, monitor.EventFilter{})
	if err != nil {
		t.Fatal(err)
	}
	// No event is duplicated: one baseline per watch, one change event per
	// new version, and episodes strictly alternate open → recovered.
	baselines := map[string]int{}
	changes := map[int64]int{}
	episodeOpen := map[string]bool{}
	for _, e := range events {
		switch e.Kind {
		case monitor.KindBaseline:
			baselines[e.Watch]++
			if baselines[e.Watch] > 1 {
				t.Errorf("round %d: second baseline event for %s (#%d)", round, e.Watch, e.ID)
			}
		case monitor.KindChange:
			changes[e.Version]++
			if changes[e.Version] > 1 {
				t.Errorf("round %d: version %d announced twice (#%d)", round, e.Version, e.ID)
			}
		case monitor.KindAnomaly, monitor.KindFetchError:
			if episodeOpen[e.Watch] {
				t.Errorf("round %d: %s opened an episode while one was open (#%d)", round, e.Watch, e.ID)
			}
			episodeOpen[e.Watch] = true
		case monitor.KindRecovered:
			if !episodeOpen[e.Watch] {
				t.Errorf("round %d: %s recovered with no episode open (#%d)", round, e.Watch, e.ID)
			}
			episodeOpen[e.Watch] = false
		}
	}
	return len(events)
}
