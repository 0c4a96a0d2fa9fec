package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// secretsConfig writes, in a folder of its own, a configuration of one
// watch of page whose notify section names the three kinds of secret
// file — the SMTP password, a webhook's secret, the signing key — by
// paths relative to it, and returns the file and the folder.
func secretsConfig(t *testing.T, page string) (path, dir string) {
	t.Helper()
	dir = t.TempDir()
	path = filepath.Join(dir, "policywatch.yaml")
	body := fmt.Sprintf(`settings:
  host_interval: 0s
web:
  listen: 127.0.0.1:0
watches:
  - name: nimbus
    url: %s/policy
    language: en
notify:
  smtp:
    host: 127.0.0.1
    port: 2525
    tls: none
    from: "policywatch <alerts@policywatch.example>"
    password_file: smtp-password
  webhooks:
    - url: https://hooks.example.org/a
      secret_file: webhook-secret
  secret_file: signing-key
`, page)
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, dir
}

// TestSecretFilesReadByTheCommandsThatNeedThem: a secret file that cannot
// be used fails the commands that use it, with config check's words and
// line — those that send (run, digest --now) on every secret, those that
// only sign links (digest, digest --dry-run) on the signing key alone —
// and no other command. The configuration used to read them all at every
// load: 'events' or 'watches' failed on a missing SMTP password file.
func TestSecretFilesReadByTheCommandsThatNeedThem(t *testing.T) {
	page := newPolicyServer(t)
	path, dir := secretsConfig(t, page.URL)
	// The password file is missing, the webhook's empty, the signing key
	// too short.
	if err := os.WriteFile(filepath.Join(dir, "webhook-secret"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "signing-key"), []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	c.env["POLICYWATCH_CONFIG"] = path

	_, _, err := c.run("config", "check")
	if err == nil {
		t.Fatal("config check accepted unusable secret files")
	}
	problems := strings.Split(err.Error(), "\n")
	want := []string{
		path + ":15:20: notify.smtp.password_file: cannot read " + filepath.Join(dir, "smtp-password") +
			": no such file or directory; create it with the secret, or leave the key out to read POLICYWATCH_SMTP_PASSWORD",
		path + ":18:20: notify.webhooks[0].secret_file: " + filepath.Join(dir, "webhook-secret") +
			" is empty; write the secret to it, or leave the key out to read POLICYWATCH_WEBHOOK_SECRET",
		path + ":19:16: notify.secret_file: the key in " + filepath.Join(dir, "signing-key") +
			" is shorter than 16 bytes; write a longer one (e.g. `openssl rand -hex 32`)",
	}
	if strings.Join(problems, "\n") != strings.Join(want, "\n") {
		t.Fatalf("config check:\n%s\nwant:\n%s", err, strings.Join(want, "\n"))
	}

	for _, args := range [][]string{
		{"watches"}, {"check"}, {"events"}, {"history", "nimbus"}, {"subscribe", "ada@example.org"},
		{"subscribers"}, {"outbox"}, {"unsubscribe", "ada@example.org"},
	} {
		_, errOut, err := c.run(args...)
		// The first command makes the database, and says so.
		errOut = regexp.MustCompile(`(?m)^policywatch: created a new database at .*\n`).ReplaceAllString(errOut, "")
		if err != nil || errOut != "" {
			t.Errorf("policywatch %s, which uses no secret: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut)
		}
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"digest", "--now"}, want},
		{[]string{"run"}, want},
		{[]string{"digest", "--now", "--dry-run"}, want[2:]},
		{[]string{"digest"}, want[2:]},
	} {
		_, _, err := c.run(tc.args...)
		if err == nil || err.Error() != strings.Join(tc.want, "\n") {
			t.Errorf("policywatch %s: %v\nwant:\n%s", strings.Join(tc.args, " "), err, strings.Join(tc.want, "\n"))
		}
	}

	// With a signing key, what only signs works; what sends still names
	// the two files it needs.
	if err := os.WriteFile(filepath.Join(dir, "signing-key"), []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := c.mustRun("digest", "--now", "--dry-run"); !strings.Contains(out, "no digest would be sent") {
		t.Errorf("digest --now --dry-run: %q", out)
	}
	if _, _, err := c.run("digest", "--now"); err == nil || err.Error() != strings.Join(want[:2], "\n") {
		t.Errorf("digest --now: %v\nwant:\n%s", err, strings.Join(want[:2], "\n"))
	}
}

// TestConfigCheckRefusesWhatRunRefuses: a secret the configuration leaves
// to the environment is looked for there by config check as by run, so
// that a file config check passes does not stop the daemon at its start
// (under systemd, a restart loop). run says it in the same words, at the
// same line, and before it opens the database: it leaves none behind.
func TestConfigCheckRefusesWhatRunRefuses(t *testing.T) {
	page := newPolicyServer(t)
	withUser := writeConfig(t, fmt.Sprintf(`web:
  listen: 127.0.0.1:0
watches:
  - name: nimbus
    url: %s/policy
notify:
  smtp:
    host: 127.0.0.1
    username: alerts
    from: alerts@policywatch.example
`, page.URL))
	withoutUser := writeConfig(t, fmt.Sprintf("web:\n  listen: 127.0.0.1:0\nwatches:\n  - name: nimbus\n    url: %s/policy\n", page.URL))
	noPassword := withUser + ":9:15: notify.smtp.username: is set, but there is no password: name its file with notify.smtp.password_file, or set POLICYWATCH_SMTP_PASSWORD in the environment policywatch runs with"
	shortKey := withoutUser + ": POLICYWATCH_NOTIFY_SECRET: the key is shorter than 16 bytes; set a longer one (e.g. `openssl rand -hex 32`) (it is read because notify.secret_file is not set)"
	for _, tc := range []struct {
		name   string
		config string
		env    map[string]string
		want   string // config check's and run's error; "": config check passes
	}{
		{"username without a password", withUser, nil, noPassword},
		{"username, password in the environment", withUser, map[string]string{"POLICYWATCH_SMTP_PASSWORD": "hunter2"}, ""},
		{"signing key too short", withoutUser, map[string]string{"POLICYWATCH_NOTIFY_SECRET": "short"}, shortKey},
		{"signing key long enough", withoutUser, map[string]string{"POLICYWATCH_NOTIFY_SECRET": "0123456789abcdef"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newCLI(t)
			c.env["POLICYWATCH_CONFIG"] = tc.config
			for k, v := range tc.env {
				c.env[k] = v
			}
			_, _, err := c.run("config", "check")
			if tc.want == "" {
				if err != nil {
					t.Fatalf("config check: %v", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want {
				t.Fatalf("config check: %v\nwant: %s", err, tc.want)
			}
			_, _, err = c.run("run")
			if err == nil || err.Error() != tc.want {
				t.Errorf("run: %v\nwant: %s", err, tc.want)
			}
			if _, err := os.Stat(c.env["POLICYWATCH_DB"]); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("run refused to start but left a database behind (%v)", err)
			}
		})
	}
}
