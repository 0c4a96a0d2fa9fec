package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/internal/asnobody"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/notify/webhook"
)

const notifyWatches = `
watches:
  - name: meta-privacy-policy
    url: https://mbasic.facebook.com/privacy/policy/printable/
  - name: meta-genai
    url: https://www.facebook.com/privacy/genai/
`

func notifyConfig(t *testing.T, section string) (*notify.Config, error) {
	t.Helper()
	// Parse reports the notify section's problems with the rest of the file.
	cfg, err := Parse("policywatch.yaml", []byte(strings.TrimPrefix(notifyWatches, "\n")+section))
	if err != nil {
		return nil, err
	}
	return cfg.NotifyConfig()
}

func TestNotifyConfigValid(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"smtp-password":  "hunter2\n",
		"notify-secret":  "0123456789abcdef0123\n",
		"webhook-secret": "s3cret",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, err := notifyConfig(t, strings.ReplaceAll(`notify:
  smtp:
    host: smtp.example.org
    port: 587
    tls: starttls
    username: alerts@example.org
    password_file: DIR/smtp-password
    from: "policywatch <alerts@example.org>"
    timeout: 20s
  digest_schedule: "0 8 * * *"
  base_url: https://policywatch.example.org/
  operator: ops@example.org
  secret_file: DIR/notify-secret
  webhooks:
    - url: https://hooks.example.org/policywatch
      secret_file: DIR/webhook-secret
      min_severity: notable
    - url: https://hooks.slack.com/services/T/B/X
      format: slack
      watches: meta-genai
`, "DIR", dir))
	if err != nil {
		t.Fatal(err)
	}
	want := &notify.Config{
		SMTP: &email.Config{Host: "smtp.example.org", Port: 587, TLS: "starttls", Username: "alerts@example.org",
			From: "policywatch <alerts@example.org>", Timeout: 20 * time.Second},
		SMTPPasswordFile: filepath.Join(dir, "smtp-password"),
		DigestSchedule:   "0 8 * * *",
		BaseURL:          "https://policywatch.example.org",
		Operator:         "ops@example.org",
		SecretFile:       filepath.Join(dir, "notify-secret"),
		Webhooks: []notify.Webhook{
			{Config: webhook.Config{URL: "https://hooks.example.org/policywatch", MinSeverity: "notable"}, SecretFile: filepath.Join(dir, "webhook-secret")},
			{Config: webhook.Config{URL: "https://hooks.slack.com/services/T/B/X", Format: "slack", Watches: []string{"meta-genai"}}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	// What loads, the daemon can start with.
	if err := got.ResolveSecrets(nil); err != nil {
		t.Errorf("ResolveSecrets: %v", err)
	}
}

func TestNotifyConfigAbsent(t *testing.T) {
	got, err := notifyConfig(t, "")
	if err != nil || got == nil || got.SMTP != nil || len(got.Webhooks) != 0 {
		t.Errorf("without a notify section: %+v %v", got, err)
	}
}

func TestNotifyConfigProblems(t *testing.T) {
	_, err := notifyConfig(t, `notify:
  smtp:
    port: 70000
    tls: ssl
    username: me
    passwd_file: /x
    from: "not an address"
  digest_schedule: "0 8 * *"
  base_url: ftp://example.org
  operator: "Ops <ops@example.org>"
  webhooks:
    - url: hooks.example.org
      min_severity: urgent
      format: teams
      watches: [meta-genia]
    - secret_file: /nonexistent/policywatch-secret
    - url: https://a.example/h
    - url: https://a.example/h
  extra: 1
`)
	var ce *Error
	if !errors.As(err, &ce) {
		t.Fatalf("error %v, want *Error", err)
	}
	want := []string{
		`policywatch.yaml:8:5: notify.smtp: missing host; the name of the SMTP server`,
		`policywatch.yaml:8:11: notify.smtp.port: port 70000 is out of range 1-65535`,
		`policywatch.yaml:9:10: notify.smtp.tls: unknown mode "ssl"; use none, starttls or tls`,
		`policywatch.yaml:11:5: notify.smtp.passwd_file: unknown key; did you mean "password_file"?`,
		`policywatch.yaml:12:11: notify.smtp.from: smtp from "not an address" is not an address: mail: no angle-addr`,
		`policywatch.yaml:13:20: notify.digest_schedule: invalid cron spec "0 8 * *": expected 5 fields, found 4`,
		`policywatch.yaml:14:13: notify.base_url: URL "ftp://example.org": the scheme must be http or https, not ftp`,
		`policywatch.yaml:15:13: notify.operator: "Ops <ops@example.org>" is not a bare address such as ada@example.org (no name, brackets, quotes or lists)`,
		`policywatch.yaml:17:12: notify.webhooks[0].url: URL "hooks.example.org" must be absolute, starting with https:// or http://`,
		`policywatch.yaml:18:21: notify.webhooks[0].min_severity: unknown severity "urgent"; use info, notable or critical`,
		`policywatch.yaml:19:15: notify.webhooks[0].format: unknown webhook format "teams"; use json, slack, mattermost, discord or ntfy`,
		`policywatch.yaml:20:17: notify.webhooks[0].watches[0]: unknown watch "meta-genia"; did you mean "meta-genai"?`,
		`policywatch.yaml:21:7: notify.webhooks[1]: missing url`,
		`policywatch.yaml:21:20: notify.webhooks[1].secret_file: cannot read /nonexistent/policywatch-secret: no such file or directory; create it with the secret, or leave the key out to read POLICYWATCH_WEBHOOK_SECRET`,
		`policywatch.yaml:23:12: notify.webhooks[3].url: repeated url; notify.webhooks[2] has it too`,
		`policywatch.yaml:24:3: notify.extra: unknown key; known keys are smtp, digest_schedule, base_url, operator, webhooks, secret_file`,
	}
	got := strings.Split(ce.Error(), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestNotifyConfigClearPassword(t *testing.T) {
	_, err := notifyConfig(t, `notify:
  smtp: {host: localhost, port: 25, tls: none, username: me, from: a@example.org}
  operator: ops@example.org
`)
	if err == nil || !strings.Contains(err.Error(), "notify.smtp.username: authentication with tls: none would send the password in clear") {
		t.Errorf("got %v", err)
	}
	_, err = notifyConfig(t, "notify:\n  operator: ops@example.org\n")
	if err == nil || !strings.Contains(err.Error(), "notify.operator: needs notify.smtp") {
		t.Errorf("operator without smtp: %v", err)
	}
	_, err = notifyConfig(t, "notify: [1]\n")
	if err == nil || !strings.Contains(err.Error(), "notify: expected a mapping, found a list") {
		t.Errorf("notify as a list: %v", err)
	}
}

// TestNotifySecretFiles: Load, for config check, reads the secret files
// as the daemon reads them (notify.SecretReader), every problem at once
// and at its own place, without the secret in the message.
func TestNotifySecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("good", "s3cret\n")
	write("empty", "")
	write("blank", "\r\n")
	write("short-key", "hunter2\n")
	write("long-key", "0123456789abcdef\n")
	if err := os.Mkdir(filepath.Join(dir, "folder"), 0o700); err != nil {
		t.Fatal(err)
	}
	// The configuration file is in dir, so relative files are found there.
	head := "watches:\n  - name: a\n    url: https://example.org/\nnotify:\n"
	const smtp = "  smtp:\n    host: smtp.example.org\n    from: a@example.org\n    password_file: "
	const hook = "  webhooks:\n    - url: https://hooks.example.org/x\n      secret_file: "
	for _, c := range []struct {
		name, section string
		want          []Problem // File left out
	}{
		{"readable files", smtp + "good\n" + hook + dir + "/good\n  secret_file: long-key\n", nil},
		{"missing password", smtp + "nowhere\n", []Problem{{"", 8, 20, "notify.smtp.password_file",
			"cannot read " + dir + "/nowhere: no such file or directory; create it with the secret, or leave the key out to read POLICYWATCH_SMTP_PASSWORD"}}},
		{"empty webhook secret", hook + "empty\n", []Problem{{"", 7, 20, "notify.webhooks[0].secret_file",
			dir + "/empty is empty; write the secret to it, or leave the key out to read POLICYWATCH_WEBHOOK_SECRET"}}},
		{"line break only", hook + "blank\n", []Problem{{"", 7, 20, "notify.webhooks[0].secret_file",
			dir + "/blank is empty; write the secret to it, or leave the key out to read POLICYWATCH_WEBHOOK_SECRET"}}},
		{"a folder", smtp + "folder\n", []Problem{{"", 8, 20, "notify.smtp.password_file",
			"cannot read " + dir + "/folder: is a directory; name a regular file that holds only the secret, or leave the key out to read POLICYWATCH_SMTP_PASSWORD"}}},
		{"short signing key", "  secret_file: short-key\n", []Problem{{"", 5, 16, "notify.secret_file",
			"the key in " + dir + "/short-key is shorter than 16 bytes; write a longer one (e.g. `openssl rand -hex 32`)"}}},
		{"all at once", smtp + "nowhere\n" + hook + "empty\n    - url: https://hooks.example.org/y\n      secret_file: " + dir + "/gone\n", []Problem{
			{"", 8, 20, "notify.smtp.password_file", "cannot read " + dir + "/nowhere: no such file or directory; create it with the secret, or leave the key out to read POLICYWATCH_SMTP_PASSWORD"},
			{"", 11, 20, "notify.webhooks[0].secret_file", dir + "/empty is empty; write the secret to it, or leave the key out to read POLICYWATCH_WEBHOOK_SECRET"},
			{"", 13, 20, "notify.webhooks[1].secret_file", "cannot read " + dir + "/gone: no such file or directory; create it with the secret, or leave the key out to read POLICYWATCH_WEBHOOK_SECRET"},
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, "policywatch.yaml")
			if err := os.WriteFile(path, []byte(head+c.section), 0o644); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, nil)
			if c.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				nc, err := cfg.NotifyConfig()
				if err != nil {
					t.Fatal(err)
				}
				// Relative files are returned resolved, so that the daemon
				// reads the file that was checked, whatever its folder.
				if want := filepath.Join(dir, "good"); nc.SMTPPasswordFile != want {
					t.Errorf("SMTPPasswordFile = %q, want %q", nc.SMTPPasswordFile, want)
				}
				if err := nc.ResolveSecrets(nil); err != nil {
					t.Errorf("ResolveSecrets: %v", err)
				}
				return
			}
			if got := problems(t, err); !reflect.DeepEqual(got, c.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, c.want)
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("a secret is in the message: %v", err)
			}
		})
	}
}

// TestNotifyOperatorLocalhost: a home server's mail stays on the machine —
// operator: ops@localhost is taken as from: pw@localhost is; it was
// refused ("localhost" is not a mail domain). Other single-label names
// still are.
func TestNotifyOperatorLocalhost(t *testing.T) {
	const smtp = "notify:\n  smtp: {host: localhost, port: 25, tls: none, from: pw@localhost}\n"
	got, err := notifyConfig(t, smtp+`  operator: "ops@localhost"`+"\n")
	if err != nil {
		t.Fatal(err)
	}
	if got.Operator != "ops@localhost" || got.SMTP.From != "pw@localhost" {
		t.Errorf("operator %q, from %q", got.Operator, got.SMTP.From)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	_, err = notifyConfig(t, smtp+"  operator: ops@mailhost\n")
	if want := `policywatch.yaml:8:13: notify.operator: "ops@mailhost": "mailhost" is not a mail domain such as example.org`; err == nil || err.Error() != want {
		t.Errorf("operator ops@mailhost: %v, want %s", err, want)
	}
}

// TestNotifySecretsReadWhenNeeded: LoadWithoutSecrets, the commands'
// load, reads no secret file; NotifyConfigForSending reads them all and
// reports each problem as Load does, at the line that names the file;
// NotifyConfigForSigning reads only the signing key. A file readable by
// the daemon's user alone passes config check run by another, but not a
// command that needs it.
func TestNotifySecretsReadWhenNeeded(t *testing.T) {
	if os.Geteuid() == 0 {
		// Root reads any file; the end needs one this user cannot read.
		asnobody.Rerun(t)
		return
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "policywatch.yaml")
	body := "watches:\n  - name: a\n    url: https://example.org/\nnotify:\n" +
		"  smtp:\n    host: smtp.example.org\n    from: a@example.org\n    password_file: nowhere\n" +
		"  secret_file: short-key\n"
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "short-key"), []byte("hunter2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, checked := Load(path, nil)
	want := problems(t, checked)
	if len(want) != 2 {
		t.Fatalf("Load: %v, want the two files", checked)
	}
	cfg, err := LoadWithoutSecrets(path)
	if err != nil {
		t.Fatalf("LoadWithoutSecrets read the secret files: %v", err)
	}
	if nc, err := cfg.NotifyConfig(); err != nil || nc.SMTPPasswordFile != filepath.Join(dir, "nowhere") {
		t.Errorf("NotifyConfig: %+v, %v", nc, err)
	}
	_, err = cfg.NotifyConfigForSending(nil)
	if got := problems(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("NotifyConfigForSending:\n got %q\nwant %q", got, want)
	}
	_, err = cfg.NotifyConfigForSigning(nil)
	if got := problems(t, err); !reflect.DeepEqual(got, want[1:]) {
		t.Errorf("NotifyConfigForSigning:\n got %q\nwant %q", got, want[1:])
	}

	if err := os.WriteFile(filepath.Join(dir, "nowhere"), []byte("hunter2\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "short-key"), []byte("0123456789abcdef0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path, nil); err != nil {
		t.Errorf("Load of a file only another user can read: %v", err)
	}
	_, err = cfg.NotifyConfigForSending(nil)
	if got := problems(t, err); len(got) != 1 || got[0].Field != "notify.smtp.password_file" || got[0].Line != 8 ||
		got[0].Message != "cannot read "+filepath.Join(dir, "nowhere")+": permission denied; make it readable by the user policywatch runs as, or leave the key out to read POLICYWATCH_SMTP_PASSWORD" {
		t.Errorf("NotifyConfigForSending of an unreadable file: %q", got)
	}
}

// TestDigestScheduleMonday: weekly digests go out at the schedule's first
// time on a Monday, so a schedule without one is refused at its line, with
// an example that works.
func TestDigestScheduleMonday(t *testing.T) {
	const fix = `; weekly subscribers get only the alerts held back from them. Give it a time on every Monday, e.g. "0 8 * * *" (every day at 08:00) or "0 8 * * 1-5" (weekdays at 08:00)`
	for _, tc := range []struct {
		spec, want string // want: the warning, "" for none
	}{
		{"", ""}, // the default, 0 8 * * *
		{"0 8 * * *", ""},
		{"@daily", ""},
		{"@hourly", ""},
		{"@every 6h", ""},
		{"0 8 * * 1-5", ""},
		{"0 8 * * 1", ""},
		{"30 7,18 * * MON", ""},
		{"CRON_TZ=UTC 0 8 * * *", ""},
		// Mondays of the schedule's zone, not the server's: Monday 08:00
		// in Tokyo is Sunday 23:00 in UTC (and this machine's zone may be
		// either).
		{"CRON_TZ=Asia/Tokyo 0 8 * * 1", ""},
		{"CRON_TZ=Asia/Tokyo 0 8 * * 0", `weekly digests go out at the schedule's first time on a Monday, and "CRON_TZ=Asia/Tokyo 0 8 * * 0" has none` + fix},
		{"@weekly", `weekly digests go out at the schedule's first time on a Monday, and "@weekly" has none` + fix},
		{"0 8 * * 2-5", `weekly digests go out at the schedule's first time on a Monday, and "0 8 * * 2-5" has none` + fix},
		{"0 8 * * 0", `weekly digests go out at the schedule's first time on a Monday, and "0 8 * * 0" has none` + fix},
		{"0 8 1 * *", `weekly digests go out at the schedule's first time on a Monday, and "0 8 1 * *" has one on only some Mondays` + fix},
		{"@every 36h", `weekly digests go out at the schedule's first time on a Monday, and "@every 36h" has one on only some Mondays` + fix},
	} {
		section := "notify:\n  digest_schedule: \"" + tc.spec + "\"\n"
		if tc.spec == "" {
			section = "notify:\n  base_url: https://pw.example\n"
		}
		// A warning, never a refusal: a configuration an earlier version
		// ran with must still start the daemon after an upgrade.
		got, err := notifyConfig(t, section)
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		if err := got.Validate(); err != nil {
			t.Errorf("%q: Validate: %v", tc.spec, err)
		}
		if w := got.DigestScheduleWarning(); w != tc.want {
			t.Errorf("%q: warning\n got %q\nwant %q", tc.spec, w, tc.want)
		}
	}
}

// TestNotifyKeyTransposed: a key with two letters swapped gets its "did
// you mean", as a missing letter does; notify.smtp.hots got the list of
// keys.
func TestNotifyKeyTransposed(t *testing.T) {
	_, err := notifyConfig(t, "notify:\n  smtp:\n    hots: smtp.example.org\n    from: a@example.org\n")
	want := `policywatch.yaml:8:5: notify.smtp.hots: unknown key; did you mean "host"?`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v, want %s", err, want)
	}
}
