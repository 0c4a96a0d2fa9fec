package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/syncbuf"
	"github.com/policywatch/policywatch/web"
)

func TestServeRefusesNonLoopbackWithoutAuth(t *testing.T) {
	c := newCLI(t)
	_, _, err := c.run("serve", "--listen", "0.0.0.0:0")
	if !errors.Is(err, web.ErrAuthRequired) {
		t.Fatalf("serve --listen 0.0.0.0:0 without auth: %v, want ErrAuthRequired", err)
	}

	// The same from the configuration file, reported at its line.
	conf := filepath.Join(t.TempDir(), "policywatch.yaml")
	if err := os.WriteFile(conf, []byte("watches:\n  - name: example\n    url: https://example.com/\nweb:\n  listen: 0.0.0.0:8080\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.run("serve", "--config", conf)
	if err == nil || !strings.Contains(err.Error(), conf+":5:11: web.listen: 0.0.0.0:8080 is not a loopback address") {
		t.Fatalf("serve with web.listen 0.0.0.0:8080 and no auth: %v", err)
	}
}

// TestListenFlagMistakes: a malformed --listen is a usage error (exit
// status 2), as a bad --concurrency is, for serve and run alike; it exited
// 1. An address beyond loopback without authentication is refused naming
// --listen, which gave it, not web.listen. run refuses before it creates
// the database.
func TestListenFlagMistakes(t *testing.T) {
	for _, cmd := range []string{"serve", "run"} {
		for _, tc := range []struct {
			listen string
			want   string
			code   int
		}{
			{"foo", `--listen: listen address "foo": want host:port, such as 127.0.0.1:8080`, 2},
			{"127.0.0.1:99999", `--listen: listen address "127.0.0.1:99999": port "99999" is not a number from 0 to 65535`, 2},
			{"0.0.0.0:0", "--listen 0.0.0.0:0: listening beyond loopback requires authentication: set web.auth (user and password_hash, or token_file)", 1},
		} {
			c := newCLI(t)
			if cmd == "serve" {
				c.mustRun("watches") // serve needs a database
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			err := run(ctx, []string{cmd, "--listen", tc.listen}, strings.NewReader(""), io.Discard, io.Discard, func(k string) string { return c.env[k] })
			cancel()
			var stderr bytes.Buffer
			if code := exitCode(err, &stderr); code != tc.code || err.Error() != tc.want {
				t.Errorf("%s --listen %s: %v, exit status %d; want %q, %d", cmd, tc.listen, err, code, tc.want, tc.code)
			}
			if _, err := os.Stat(c.env["POLICYWATCH_DB"]); cmd == "run" && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("run --listen %s created the database", tc.listen)
			}
		}
	}
}

func TestServeServesUntilInterrupted(t *testing.T) {
	c := newCLI(t)
	c.mustRun("watches") // creates the database
	base, stop := startServe(t, c)
	for path, want := range map[string]string{"/healthz": "ok", "/": "meta-privacy-policy", "/feeds/all.atom": "<feed"} {
		if status, body := get(t, base+path); status != 200 || !strings.Contains(body, want) {
			t.Errorf("GET %s: %d, want 200 with %q", path, status, want)
		}
	}
	if err := stop(); err != nil {
		t.Errorf("serve after interruption: %v", err)
	}
}

// TestServeNeedsOnlyTheSigningKey: serve sends nothing, so a mail password
// file it cannot read does not cost it its feeds and unsubscribe page; a
// signing key it cannot read stops it, with the file's line, as it stops
// run (it used to serve on without the unsubscribe page).
func TestServeNeedsOnlyTheSigningKey(t *testing.T) {
	page := newPolicyServer(t)
	path, dir := secretsConfig(t, page.URL) // the password file is missing
	for file, content := range map[string]string{"webhook-secret": "s3cret\n", "signing-key": "0123456789abcdef0123\n"} {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, base, stop := serveConfig(t, path)
	defer stop()
	if status, body := get(t, base+"/feeds/all.atom"); status != 200 || !strings.Contains(body, "<feed") {
		t.Errorf("GET /feeds/all.atom: %d, want the feed", status)
	}
	if status, body := get(t, base+"/unsubscribe?token=forged"); status != http.StatusBadRequest && status != http.StatusForbidden || !strings.Contains(body, "link") {
		t.Errorf("GET /unsubscribe with a forged token: %d, want the unsubscribe page refusing it:\n%s", status, body)
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	if err := os.Remove(filepath.Join(dir, "signing-key")); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.run("serve", "--listen", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), path+":19:16: notify.secret_file: cannot read") {
		t.Errorf("serve without its signing key: %v, want it refused at the line naming the file", err)
	}
}

// TestServeGuardsWithTheTokenFile: the token web.auth.token_file names
// reaches the web view (read by the configuration, not by the server), and
// a token file serve cannot read stops it at the line naming the file.
func TestServeGuardsWithTheTokenFile(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef"
	conf := writeConfig(t, "watches:\n  - name: example\n    url: https://example.com/\nweb:\n  auth:\n    token_file: token\n")
	tokenFile := filepath.Join(filepath.Dir(conf), "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c, base, stop := serveConfig(t, conf)
	defer stop()
	for auth, want := range map[string]int{"": http.StatusUnauthorized, "Bearer " + token: http.StatusOK} {
		req, err := http.NewRequest("GET", base+"/", nil)
		if err != nil {
			t.Fatal(err)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET / with Authorization %q: %d, want %d", auth, resp.StatusCode, want)
		}
	}
	if err := stop(); err != nil {
		t.Fatal(err)
	}

	if err := os.Remove(tokenFile); err != nil {
		t.Fatal(err)
	}
	_, _, err := c.run("serve", "--listen", "127.0.0.1:0")
	if err == nil || !strings.Contains(err.Error(), conf+":6:17: web.auth.token_file: cannot read "+tokenFile) {
		t.Errorf("serve without its token file: %v, want it refused at the line naming the file", err)
	}
}

// serveConfig runs serve (startServe) with the configuration file at path
// and a new database.
func serveConfig(t *testing.T, path string) (c *cli, base string, stop func() error) {
	t.Helper()
	c = newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = path
	c.mustRun("watches") // creates the database
	base, stop = startServe(t, c)
	return c, base, stop
}

// startServe runs 'policywatch serve' on a free loopback port until stop,
// which returns what serve returned.
func startServe(t *testing.T, c *cli) (base string, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stderr := &syncbuf.Buffer{}
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--listen", "127.0.0.1:0"}, strings.NewReader(""), io.Discard, stderr,
			func(k string) string { return c.env[k] })
	}()
	listening := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)/`)
	for deadline := time.Now().Add(10 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m := listening.FindStringSubmatch(stderr.String()); m != nil {
			base = m[1]
		}
	}
	if base == "" {
		cancel()
		t.Fatalf("serve never said where it listens; stderr:\n%s", stderr)
	}
	var once sync.Once
	var err error
	stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case err = <-done:
			case <-time.After(15 * time.Second):
				err = errors.New("serve did not stop after its context ended")
			}
		})
		return err
	}
	t.Cleanup(func() { stop() })
	return base, stop
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}
