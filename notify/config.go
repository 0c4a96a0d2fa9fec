package notify

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/policywatch/policywatch/internal/secretfile"
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
// by ResolveSecrets (or ResolveSigningKey).
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
	// sendless: only the signing key was read (ResolveSigningKey), so a
	// Service of this configuration must not send (see ErrNotSending).
	sendless bool
}

// Webhook is one webhook and the file of its secret.
type Webhook struct {
	webhook.Config
	SecretFile string
}

// MinSigningKey is the shortest key accepted for signing unsubscribe links
// and Message-IDs.
const MinSigningKey = 16

// ResolveSecrets reads the secrets the configuration names: the SMTP
// password from SMTPPasswordFile or POLICYWATCH_SMTP_PASSWORD, each
// webhook's secret from its SecretFile or POLICYWATCH_WEBHOOK_SECRET, and
// the signing key from SecretFile or POLICYWATCH_NOTIFY_SECRET: what a
// Service that sends needs. A file shared by several keys is read once.
// Every problem is returned at once, each a *SecretError.
func (c *Config) ResolveSecrets(getenv func(string) string) error {
	return c.resolve(getenv, true)
}

// ResolveSigningKey reads only the key that signs unsubscribe links and
// Message-IDs (SecretFile or POLICYWATCH_NOTIFY_SECRET): what a Service
// that builds messages or serves the unsubscribe page, but sends nothing,
// needs. Such a Service refuses to send (ErrNotSending): the SMTP
// password and the webhooks' secrets were not read, and are not asked for.
func (c *Config) ResolveSigningKey(getenv func(string) string) error {
	return c.resolve(getenv, false)
}

func (c *Config) resolve(getenv func(string) string, sending bool) error {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	var r SecretReader
	var errs []error
	// read returns the secret a key names: its file's, else the
	// environment's.
	read := func(field, file, env string, minLen int) string {
		if file == "" {
			s := getenv(env)
			if err := CheckEnvSecret(s, minLen); err != nil {
				errs = append(errs, &SecretError{Field: env, Err: err})
				return ""
			}
			return s
		}
		s, err := r.Read(file, env, minLen)
		if err != nil {
			errs = append(errs, &SecretError{Field: field, Path: file, Err: err})
		}
		return s
	}
	if sending {
		if c.SMTP != nil {
			c.SMTP.Password = read("notify.smtp.password_file", c.SMTPPasswordFile, EnvSMTPPassword, 1)
		}
		for i := range c.Webhooks {
			c.Webhooks[i].Secret = read(fmt.Sprintf("notify.webhooks[%d].secret_file", i), c.Webhooks[i].SecretFile, EnvWebhookSecret, 1)
		}
	}
	c.secret = []byte(read("notify.secret_file", c.SecretFile, EnvNotifySecret, MinSigningKey))
	c.sendless = !sending
	return errors.Join(errs...)
}

// CheckEnvSecret says what is wrong with secret, read from an environment
// variable because the configuration names no file for it ("" is no
// secret, not a wrong one): config check and the commands that read it say
// the same.
func CheckEnvSecret(secret string, minLen int) error {
	if secret != "" && len(secret) < minLen {
		return fmt.Errorf("the key is shorter than %d bytes; set a longer one (e.g. `openssl rand -hex 32`)", minLen)
	}
	return nil
}

// SecretError is a secret that cannot be used. Field is what names it: the
// key of the configuration that names its file (notify.smtp.password_file,
// notify.webhooks[1].secret_file, notify.secret_file), or the environment
// variable read without one; Path is the file, "" for the environment.
type SecretError struct {
	Field, Path string
	Err         error // what is wrong and what to do; it names the file, never the secret
}

func (e *SecretError) Error() string { return e.Field + ": " + e.Err.Error() }
func (e *SecretError) Unwrap() error { return e.Err }

// SecretReader reads the files that hold secrets, for config check and for
// the commands that use the secrets alike, so that both say the same of a
// file: its path (never its content), what is wrong and what to do. A
// secret is the file's content without its final line break. Each file is
// read once, however many keys name it. The zero value is ready to use.
type SecretReader struct {
	files map[string]secretRead
}

type secretRead struct {
	secret string
	err    error
}

// Read returns the secret the file at path holds, which must be at least
// minLen bytes long (and never empty). env is the variable read instead
// when the key naming the file is left out, which the messages suggest.
func (r *SecretReader) Read(path, env string, minLen int) (string, error) {
	got, ok := r.files[path]
	if !ok {
		got.secret, got.err = secretfile.Read(path)
		if r.files == nil {
			r.files = map[string]secretRead{}
		}
		r.files[path] = got
	}
	if err := got.err; err != nil {
		return "", fmt.Errorf("%w; %s, or leave the key out to read %s", err, secretfile.Remedy(err, "create it with the secret"), env)
	}
	switch {
	case got.secret == "":
		return "", fmt.Errorf("%s is empty; write the secret to it, or leave the key out to read %s", path, env)
	case len(got.secret) < minLen:
		return "", fmt.Errorf("the key in %s is shorter than %d bytes; write a longer one (e.g. `openssl rand -hex 32`)", path, minLen)
	}
	return got.secret, nil
}

// Validate reports what is wrong with the configuration (after
// ResolveSecrets), all at once.
func (c *Config) Validate() error {
	var errs []error
	if c.SMTP != nil {
		smtp := *c.SMTP
		if c.sendless {
			// The password was not read, and nothing is sent with it:
			// a username without one is not a fault here.
			smtp.Username = ""
		}
		if err := smtp.Validate(); err != nil {
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

// WebhookURLs lists the webhooks' URLs, in the configuration's order:
// what the store records when it first sees each one (Outbox.RecordWebhooks).
func (c *Config) WebhookURLs() []string {
	urls := make([]string, len(c.Webhooks))
	for i, w := range c.Webhooks {
		urls[i] = w.URL
	}
	return urls
}

func (c *Config) digestSchedule() string {
	if c.DigestSchedule == "" {
		return DefaultDigestSchedule
	}
	return c.DigestSchedule
}

// DigestScheduleWarning says, when there is something to say, that the
// digest schedule leaves weekly subscribers without their weekly digest:
// those go out at the schedule's first time on a Monday (digestsDue), in
// the schedule's time zone (CRON_TZ=, else the clock's), and a schedule
// with no time on some or every Monday ("@weekly" is Sunday's midnight)
// sends them only the alerts held back from them. A warning, not a
// refusal: a configuration an earlier policywatch ran with must not stop
// the daemon at an upgrade. A schedule that does not parse is Validate's.
func (c *Config) DigestScheduleWarning() string {
	spec := c.digestSchedule()
	sched, err := monitor.ScheduleParser.Parse(spec)
	if err != nil {
		return ""
	}
	const fix = `; weekly subscribers get only the alerts held back from them. Give it a time on every Monday, e.g. "0 8 * * *" (every day at 08:00) or "0 8 * * 1-5" (weekdays at 08:00)`
	switch n := mondaysWithTime(sched, time.Now()); {
	case n == 0:
		return fmt.Sprintf("weekly digests go out at the schedule's first time on a Monday, and %q has none%s", spec, fix)
	case n < mondaysChecked:
		return fmt.Sprintf("weekly digests go out at the schedule's first time on a Monday, and %q has one on only some Mondays%s", spec, fix)
	}
	return ""
}

// Warnings says what in the configuration works, but not as its author
// meant it, each as "field: what": the digest schedule's Mondays
// (DigestScheduleWarning) and an SMTP timeout no message can use (each
// message's whole exchange is bounded by email.DefaultMessageTime, so
// that it ends within its lease). Warnings, not refusals: a configuration
// an earlier policywatch ran with must not stop the daemon at an upgrade.
func (c *Config) Warnings() []string {
	var out []string
	if w := c.DigestScheduleWarning(); w != "" {
		out = append(out, "notify.digest_schedule: "+w)
	}
	if c.SMTP != nil && c.SMTP.Timeout >= email.DefaultMessageTime {
		out = append(out, fmt.Sprintf("notify.smtp.timeout: %s is used only up to %s: one message's whole exchange with the server ends by then (so that no other sender takes it over meanwhile); a timeout under %s bounds each command",
			c.SMTP.Timeout, email.DefaultMessageTime, email.DefaultMessageTime))
	}
	return out
}

// mondaysChecked is how many Mondays DigestScheduleWarning looks at: a year's.
const mondaysChecked = 53

// mondaysWithTime counts, among the mondaysChecked Mondays from the week
// of now on, those on which sched has a time, in the schedule's time zone.
// An interval ("@every 30h") counts from whenever the daemon started: one
// of at most a day has a time on every Monday, a longer one on some.
func mondaysWithTime(sched cron.Schedule, now time.Time) int {
	if c, ok := sched.(cron.ConstantDelaySchedule); ok {
		if c.Delay <= 24*time.Hour {
			return mondaysChecked
		}
		return 1
	}
	loc := scheduleLocation(sched, now.Location())
	now = now.In(loc)
	y, m, d := now.Date()
	d -= (int(now.Weekday()) + 6) % 7 // back to Monday
	n := 0
	for i := range mondaysChecked {
		start := time.Date(y, m, d+7*i, 0, 0, 0, 0, loc)
		end := time.Date(y, m, d+7*i+1, 0, 0, 0, 0, loc)
		if t := sched.Next(start.Add(-time.Nanosecond)); !t.IsZero() && t.Before(end) {
			n++
		}
	}
	return n
}

// scheduleLocation is the time zone whose days a schedule's times fall on:
// its CRON_TZ=, else clock, the zone the daemon plans in.
func scheduleLocation(sched cron.Schedule, clock *time.Location) *time.Location {
	if spec, ok := sched.(*cron.SpecSchedule); ok && spec.Location != time.Local {
		return spec.Location
	}
	return clock
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
