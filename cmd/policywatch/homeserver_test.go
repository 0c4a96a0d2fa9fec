package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/policywatch/policywatch/cmd/policywatch/config"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/web"
)

// The tests of this file come from a home-server operator's second
// report: a vacuum that left the write-ahead log out of its figures,
// `watches --json` without the web API's status and retired fields,
// root@localhost refused as an operator, and a retry cap the help did not
// tell.

// TestVacuumCountsTheLog: vacuum's figures are the database's file and its
// write-ahead log, together and apart, as a process that holds the
// database open leaves the log beside it. It printed the database's pages alone ("252.0 KiB → 248.0
// KiB") with a megabyte of log on the disk.
func TestVacuumCountsTheLog(t *testing.T) {
	ctx := context.Background()
	srv := newPolicyServer(t)
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = nimbusConfig(t, srv.URL)
	path := c.env["POLICYWATCH_DB"]
	c.mustRun("watches") // creates the database
	// The daemon: while it has the database open, the log stays when the
	// commands beside it close theirs.
	daemon, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer daemon.Close()
	if _, err := daemon.Watches(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		srv.set(fmt.Sprintf("Effective March %d, 2026", i+3))
		c.mustRun("check")
	}
	onDisk := func() (file, log int64) {
		for i, p := range []string{path, path + "-wal"} {
			if fi, err := os.Stat(p); err == nil {
				if i == 0 {
					file = fi.Size()
				} else {
					log = fi.Size()
				}
			}
		}
		return file, log
	}
	wal, err := os.Stat(path + "-wal")
	if err != nil || wal.Size() == 0 {
		t.Fatalf("no write-ahead log beside the database: %v", err)
	}
	file, log := onDisk()
	out := c.mustRun("vacuum")
	fileAfter, logAfter := onDisk()
	want := fmt.Sprintf("%s: %s → %s on disk (database file %s → %s, write-ahead log %s → %s)\n", path,
		humanBytes(file+log), humanBytes(fileAfter+logAfter), humanBytes(file), humanBytes(fileAfter), humanBytes(log), humanBytes(logAfter))
	if out != want {
		t.Errorf("vacuum printed %q, want %q (a log of %d bytes)", out, want, wal.Size())
	}
}

// TestWatchesStatusAndRetired: `watches --json` carries the status and
// retired fields of /api/watches, with the same values for the same
// watches — a watch removed from the configuration included, retired —
// and `watches` lists that one only with --all, marked. --json had
// neither field, and there was no --all.
func TestWatchesStatusAndRetired(t *testing.T) {
	ctx := context.Background()
	var loginWall atomic.Bool
	pages := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/gate" && loginWall.Load() {
			fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><title>Log in</title></head><body><p>Please log in to continue.</p></body></html>`)
			return
		}
		fmt.Fprint(w, `<!DOCTYPE html><html lang="en"><head><title>Privacy Policy</title></head><body><main>
<h1>Privacy Policy</h1><p>Effective March 3, 2026</p>
<p>We collect the posts, photos and comments you share, information about your device and your approximate location, and we use it to provide and improve our services and to keep people safe.</p>
<p>You can access and delete your information at any time, and object to some uses of it.</p></main></body></html>`)
	}))
	defer pages.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close() // nothing listens there any more
	const settings = "settings:\n  host_interval: 0s\n  retries: 0\nwatches:\n"
	watch := func(name, url string) string {
		return fmt.Sprintf("  - name: %s\n    url: %s\n    language: en\n", name, url)
	}
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = writeConfig(t, settings+watch("nimbus", pages.URL+"/p")+watch("gate", pages.URL+"/gate")+watch("down", closed.URL+"/x"))
	c.mustRun("check")
	loginWall.Store(true)
	c.mustRun("check", "gate")
	// nimbus leaves the configuration; fresh joins it, never checked.
	conf := writeConfig(t, settings+watch("gate", pages.URL+"/gate")+watch("down", closed.URL+"/x")+watch("fresh", pages.URL+"/fresh"))
	c.env["POLICYWATCH_CONFIG"] = conf

	type fields struct {
		Name         string    `json:"name"`
		Status       string    `json:"status"`
		StatusReason string    `json:"status_reason"`
		StatusSince  time.Time `json:"status_since"`
		Retired      bool      `json:"retired"`
	}
	var got []fields
	sc := bufio.NewScanner(strings.NewReader(c.mustRun("watches", "--json")))
	for sc.Scan() {
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatalf("watches --json line %q: %v", sc.Text(), err)
		}
		for _, k := range []string{"status", "retired"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("watches --json lacks %q: %s", k, sc.Text())
			}
		}
		var f fields
		json.Unmarshal(sc.Bytes(), &f)
		if f.Status == "anomaly" || f.Status == "fetch_error" {
			if f.StatusSince.IsZero() {
				t.Errorf("watches --json: %s without its status_since: %s", f.Status, sc.Text())
			}
		}
		got = append(got, f)
	}
	// The episode's reason, as /api/watches gives it in status_reason
	// (which --json lacked: a script had to read it from "episode").
	kinds := make(map[string]string)
	for _, f := range got {
		kinds[f.Name] = f.Status + " " + f.StatusReason
	}
	for name, want := range map[string]string{"gate": "anomaly login_wall", "fresh": "never ", "nimbus": "ok "} {
		if kinds[name] != want {
			t.Errorf("watches --json: %s is %q, want %q", name, kinds[name], want)
		}
	}
	if !strings.HasPrefix(kinds["down"], "fetch_error ") || kinds["down"] == "fetch_error " {
		t.Errorf("watches --json: down is %q, want fetch_error and the kind of its error", kinds["down"])
	}
	var names []string
	for _, f := range got {
		names = append(names, fmt.Sprintf("%s %s %t", f.Name, f.Status, f.Retired))
	}
	if want := "[gate anomaly false down fetch_error false fresh never false nimbus ok true]"; fmt.Sprint(names) != want {
		t.Errorf("watches --json: %v, want %v", names, want)
	}

	// The web view of the same database and configuration says the same.
	cfg, err := config.Load(conf, nil)
	if err != nil {
		t.Fatal(err)
	}
	db, err := store.Open(ctx, c.env["POLICYWATCH_DB"], store.MustExist())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := web.New(web.Config{}, db, web.WithWatches(cfg.Watches))
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://localhost/api/watches", nil))
	var api []fields
	if err := json.Unmarshal(rec.Body.Bytes(), &api); err != nil {
		t.Fatalf("/api/watches: %v\n%s", err, rec.Body)
	}
	if fmt.Sprint(api) != fmt.Sprint(got) {
		t.Errorf("/api/watches: %v; watches --json: %v", api, got)
	}

	out := c.mustRun("watches")
	if strings.Contains(out, "nimbus") || !strings.Contains(out, "fresh") {
		t.Errorf("watches lists the retired watch, or not the configured ones:\n%s", out)
	}
	out = c.mustRun("watches", "--all")
	var line string
	for l := range strings.Lines(out) {
		if strings.HasPrefix(l, "nimbus") {
			line = l
		}
	}
	if !strings.HasPrefix(line, "nimbus (no longer watched)") || !strings.Contains(line, pages.URL+"/p") || !strings.Contains(out, "fresh") {
		t.Errorf("watches --all, nimbus's line %q:\n%s", line, out)
	}
}

// TestOperatorAtLocalhost: a home server delivers to root@localhost; the
// operator and subscriber addresses take localhost, as from does. They
// were refused: "localhost" is not a mail domain.
func TestOperatorAtLocalhost(t *testing.T) {
	c := newCLI(t)
	conf := writeConfig(t, `watches:
  - name: nimbus
    url: https://nimbus.example/policy
notify:
  smtp: {host: localhost, port: 25, tls: none, from: pw@localhost}
  operator: "ops@localhost"
`)
	c.env["POLICYWATCH_CONFIG"] = conf
	if out := c.mustRun("config", "check", "--config", conf); !strings.Contains(out, "ok, 1 watch") {
		t.Errorf("config check: %q", out)
	}
	if out := c.mustRun("subscribe", "root@localhost"); !strings.HasPrefix(out, "subscribed root@localhost") {
		t.Errorf("subscribe root@localhost: %q", out)
	}
}

// TestRunHelpSaysTheRetryCap: a failed fetch is retried at most a quarter
// of the watch's period later (every 5 s @every 20s); run --help said only
// "a minute later, then less and less often".
func TestRunHelpSaysTheRetryCap(t *testing.T) {
	c := newCLI(t)
	help, _, _ := c.run("run", "--help")
	if flat := strings.Join(strings.Fields(help), " "); !strings.Contains(flat, "never more than a quarter of the watch's period later") {
		t.Errorf("run --help does not give the retry cap:\n%s", help)
	}
}
