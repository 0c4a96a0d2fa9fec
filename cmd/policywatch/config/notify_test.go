package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

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
	got, err := notifyConfig(t, `notify:
  smtp:
    host: smtp.example.org
    port: 587
    tls: starttls
    username: alerts@example.org
    password_file: /etc/policywatch/smtp-password
    from: "policywatch <alerts@example.org>"
    timeout: 20s
  digest_schedule: "0 8 * * *"
  base_url: https://policywatch.example.org/
  operator: ops@example.org
  secret_file: /etc/policywatch/notify-secret
  webhooks:
    - url: https://hooks.example.org/policywatch
      secret_file: /etc/policywatch/webhook-secret
      min_severity: notable
    - url: https://hooks.slack.com/services/T/B/X
      format: slack
      watches: meta-genai
`)
	if err != nil {
		t.Fatal(err)
	}
	want := &notify.Config{
		SMTP: &email.Config{Host: "smtp.example.org", Port: 587, TLS: "starttls", Username: "alerts@example.org",
			From: "policywatch <alerts@example.org>", Timeout: 20 * time.Second},
		SMTPPasswordFile: "/etc/policywatch/smtp-password",
		DigestSchedule:   "0 8 * * *",
		BaseURL:          "https://policywatch.example.org",
		Operator:         "ops@example.org",
		SecretFile:       "/etc/policywatch/notify-secret",
		Webhooks: []notify.Webhook{
			{Config: webhook.Config{URL: "https://hooks.example.org/policywatch", MinSeverity: "notable"}, SecretFile: "/etc/policywatch/webhook-secret"},
			{Config: webhook.Config{URL: "https://hooks.slack.com/services/T/B/X", Format: "slack", Watches: []string{"meta-genai"}}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
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
    - secret_file: /x
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
		`policywatch.yaml:14:13: notify.base_url: URL "ftp://example.org" must be absolute, starting with https:// (or http://)`,
		`policywatch.yaml:15:13: notify.operator: "Ops <ops@example.org>" is not a bare address such as ada@example.org (no name, brackets, quotes or lists)`,
		`policywatch.yaml:17:12: notify.webhooks[0].url: webhook url "hooks.example.org" must be absolute, starting with https:// or http://`,
		`policywatch.yaml:18:21: notify.webhooks[0].min_severity: unknown severity "urgent"; use info, notable or critical`,
		`policywatch.yaml:19:15: notify.webhooks[0].format: unknown webhook format "teams"; use json, slack, mattermost, discord or ntfy`,
		`policywatch.yaml:20:17: notify.webhooks[0].watches[0]: unknown watch "meta-genia"; did you mean "meta-genai"?`,
		`policywatch.yaml:21:7: notify.webhooks[1]: missing url`,
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
