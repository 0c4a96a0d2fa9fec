package notify

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/notify/webhook"
)

// DefaultDigestSchedule sends digests at 08:00, daily ones every day and
// weekly ones on Mondays.
const DefaultDigestSchedule = "0 8 * * *"

// Environment variables that hold secrets when no file is configured.
const (
	EnvSMTPPassword  = "POLICYWATCH_SMTP_PASSWORD"
	EnvWebhookSecret = "POLICYWATCH_WEBHOOK_SECRET"
	EnvNotifySecret  = "POLICYWATCH_NOTIFY_SECRET"
)

// Config is the `notify:` section of the configuration. Secrets are never
// in it: they are read from the files it names, or from the environment,
// by ResolveSecrets.
type Config struct {
	// SMTP is the mail server; nil: no email is sent (subscribers are
	// kept, the changes they should hear of wait for their digests, feeds
	// and webhooks work).
	SMTP             *email.Config
	SMTPPasswordFile string
	// DigestSchedule is a cron spec: daily digests at each of its times,
	// weekly ones at those that fall on a Monday. "": DefaultDigestSchedule.
	DigestSchedule string
	// BaseURL is where the daemon's web listener is reached from outside,
	// for links in emails and feeds. "": no links, and no one-click
	// unsubscribe header.
	BaseURL string
	// Operator is the address told of anomalies and fetch errors; "": nobody.
	Operator string
	Webhooks []Webhook
	// SecretFile holds the key that signs unsubscribe links; "": the
	// environment's POLICYWATCH_NOTIFY_SECRET, else a key generated once and
	// kept in the database.
	SecretFile string

	secret []byte // resolved from SecretFile or the environment
}

// Webhook is one webhook and the file of its secret.
type Webhook struct {
	webhook.Config
	SecretFile string
}

// ResolveSecrets reads the secrets the configuration names: the SMTP
// password from SMTPPasswordFile or POLICYWATCH_SMTP_PASSWORD, each
// webhook's secret from its SecretFile or POLICYWATCH_WEBHOOK_SECRET, and
// the signing key from SecretFile or POLICYWATCH_NOTIFY_SECRET. A file's
// final line break is dropped.
func (c *Config) ResolveSecrets(getenv func(string) string) error {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	if c.SMTP != nil {
		pw, err := secret(c.SMTPPasswordFile, getenv(EnvSMTPPassword))
		if err != nil {
			return fmt.Errorf("notify.smtp.password_file: %w", err)
		}
		c.SMTP.Password = pw
	}
	for i := range c.Webhooks {
		s, err := secret(c.Webhooks[i].SecretFile, getenv(EnvWebhookSecret))
		if err != nil {
			return fmt.Errorf("notify.webhooks[%d].secret_file: %w", i, err)
		}
		c.Webhooks[i].Secret = s
	}
	s, err := secret(c.SecretFile, getenv(EnvNotifySecret))
	if err != nil {
		return fmt.Errorf("notify.secret_file: %w", err)
	}
	if s != "" && len(s) < 16 {
		return errors.New("notify.secret_file: the signing key must be at least 16 bytes long")
	}
	c.secret = []byte(s)
	return nil
}

func secret(file, env string) (string, error) {
	if file == "" {
		return env, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", err
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", fmt.Errorf("%s is empty", file)
	}
	return s, nil
}

// Validate reports what is wrong with the configuration (after
// ResolveSecrets), all at once.
func (c *Config) Validate() error {
	var errs []error
	if c.SMTP != nil {
		if err := c.SMTP.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("notify.smtp: %w", err))
		}
	}
	if _, err := monitor.ScheduleParser.Parse(c.digestSchedule()); err != nil {
		errs = append(errs, fmt.Errorf("notify.digest_schedule: %w", err))
	}
	if c.BaseURL != "" {
		if err := CheckBaseURL(c.BaseURL); err != nil {
			errs = append(errs, fmt.Errorf("notify.base_url: %w", err))
		}
	}
	if c.Operator != "" {
		if _, err := ParseAddress(c.Operator); err != nil {
			errs = append(errs, fmt.Errorf("notify.operator: %w", err))
		}
	}
	seen := map[string]bool{}
	for i, w := range c.Webhooks {
		if err := w.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("notify.webhooks[%d]: %w", i, err))
		}
		if seen[w.URL] {
			errs = append(errs, fmt.Errorf("notify.webhooks[%d]: url %s is listed twice", i, webhook.Redact(w.URL)))
		}
		seen[w.URL] = true
	}
	return errors.Join(errs...)
}

func (c *Config) digestSchedule() string {
	if c.DigestSchedule == "" {
		return DefaultDigestSchedule
	}
	return c.DigestSchedule
}

// CheckBaseURL checks a base URL: absolute http(s), without query or
// fragment.
func CheckBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %q", raw)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("URL %q must be absolute, starting with https:// (or http://)", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("URL %q must not have a query, fragment or user", raw)
	}
	return nil
}
