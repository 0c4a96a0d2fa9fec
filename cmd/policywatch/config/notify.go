package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
	"github.com/policywatch/policywatch/notify/email"
	"github.com/policywatch/policywatch/notify/webhook"
)

// Keys of the notify section.
var (
	notifyKeys  = []string{"smtp", "digest_schedule", "base_url", "operator", "webhooks", "secret_file"}
	smtpKeys    = []string{"host", "port", "tls", "username", "password_file", "from", "timeout"}
	webhookKeys = []string{"url", "secret_file", "min_severity", "format", "watches"}
)

// NotifyConfig decodes and checks the notify section. Every problem is
// reported at once, as file:line:col: notify.field: message, in an *Error.
// Without a notify section it returns a configuration with no channel:
// subscribers can be managed, nothing is sent. A relative secret file is
// relative to the configuration file's folder, and is returned resolved;
// the files are not read here (see NotifyConfigForSending and
// NotifyConfigForSigning), nor by Parse unless it checks them for config
// check.
func (c *Config) NotifyConfig() (*notify.Config, error) {
	nc, _, err := c.notifyConfig(&parser{})
	return nc, err
}

// NotifyConfigForSending is NotifyConfig with every secret read
// (notify.Config.ResolveSecrets): what a command that sends needs. A
// secret file that cannot be used is reported at the line that names it,
// in the words of config check, every one at once; so is an SMTP username
// without a password, at the username's line.
func (c *Config) NotifyConfigForSending(getenv func(string) string) (*notify.Config, error) {
	return c.resolvedNotifyConfig((*notify.Config).ResolveSecrets, getenv, false)
}

// NotifyConfigForSigning is NotifyConfig with only the key that signs
// unsubscribe links and Message-IDs read (notify.Config.ResolveSigningKey):
// what a command that builds or serves messages but sends none needs. The
// SMTP password and the webhooks' secrets are left unread.
func (c *Config) NotifyConfigForSigning(getenv func(string) string) (*notify.Config, error) {
	return c.resolvedNotifyConfig((*notify.Config).ResolveSigningKey, getenv, true)
}

// notifyConfig decodes the notify section with p, whose file it sets.
func (c *Config) notifyConfig(p *parser) (*notify.Config, *parser, error) {
	p.file = c.Path
	nc := p.notify(c.Notify, c.Watches, filepath.Dir(c.Path))
	p.envSigningKey()
	if err := newError(p.problems); err != nil {
		return nil, nil, err
	}
	return nc, p, nil
}

// resolvedNotifyConfig decodes the notify section and reads its secrets
// with resolve, reporting a problem with a secret file as a Problem at the
// value that names the file. sendless: resolve reads no SMTP password.
func (c *Config) resolvedNotifyConfig(resolve func(*notify.Config, func(string) string) error, getenv func(string) string, sendless bool) (*notify.Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	nc, p, err := c.notifyConfig(&parser{getenv: getenv, sendless: sendless})
	if err != nil {
		return nil, err
	}
	err = resolve(nc, getenv)
	if err == nil {
		return nc, nil
	}
	errs := []error{err}
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		errs = joined.Unwrap()
	}
	var others []error // of secrets from the environment: no line to name
	for _, e := range errs {
		var se *notify.SecretError
		if errors.As(e, &se) && p.secretNodes[se.Field] != nil {
			p.report(p.secretNodes[se.Field], se.Field, "%v", se.Err)
			continue
		}
		others = append(others, e)
	}
	if len(others) == 0 {
		return nil, newError(p.problems)
	}
	return nil, errors.Join(append([]error{newError(p.problems)}, others...)...)
}

// notify reads the notify section n (nil: absent); dir is the folder
// relative secret files are in.
func (p *parser) notify(n *yaml.Node, watches []monitor.Watch, dir string) *notify.Config {
	nc := &notify.Config{}
	if n == nil {
		return nc
	}
	if n.Kind != yaml.MappingNode {
		p.expected(n, "notify", "a mapping")
		return nc
	}
	f := p.mapping(n, "notify", notifyKeys)
	field := func(key string) string { return "notify." + key }

	if v := f["smtp"]; v.set() {
		nc.SMTP, nc.SMTPPasswordFile = p.smtp(v.value, dir)
	}
	if v := f["digest_schedule"]; v.set() {
		if spec, ok := p.schedule(v.value, field("digest_schedule")); ok {
			nc.DigestSchedule = spec // one without Monday times is warned of (DigestScheduleWarning)
		}
	}
	if v := f["base_url"]; v.set() {
		if u, ok := p.text(v.value, field("base_url")); ok {
			if problem := checkURL(u); problem != "" {
				p.report(v.value, field("base_url"), "%s", problem)
			} else if err := notify.CheckBaseURL(u); err != nil {
				p.report(v.value, field("base_url"), "%v", err)
			} else {
				nc.BaseURL = strings.TrimRight(u, "/")
			}
		}
	}
	if v := f["operator"]; v.set() {
		if addr, ok := p.text(v.value, field("operator")); ok {
			if a, err := notify.ParseAddress(addr); err != nil {
				p.report(v.value, field("operator"), "%v", err)
			} else {
				nc.Operator = a
				if !f["smtp"].set() {
					p.report(v.value, field("operator"), "needs notify.smtp to send to")
				}
			}
		}
	}
	if v := f["webhooks"]; v.set() {
		nc.Webhooks = p.webhooks(v.value, watches, dir)
	}
	if v := f["secret_file"]; v.set() {
		nc.SecretFile = p.secretFile(v.value, field("secret_file"), dir, notify.EnvNotifySecret, notify.MinSigningKey)
	}
	return nc
}

// envSigningKey checks the signing key of the environment, read when
// notify.secret_file is not set (with or without a notify section), as
// the daemon reads it. No line names it: the problem names the variable.
func (p *parser) envSigningKey() {
	if p.getenv == nil || p.secretNodes["notify.secret_file"] != nil {
		return
	}
	if err := notify.CheckEnvSecret(p.getenv(notify.EnvNotifySecret), notify.MinSigningKey); err != nil {
		p.report(nil, notify.EnvNotifySecret, "%v (it is read because notify.secret_file is not set)", err)
	}
}

func (p *parser) smtp(n *yaml.Node, dir string) (*email.Config, string) {
	const path = "notify.smtp"
	if n.Kind != yaml.MappingNode {
		p.expected(n, path, "a mapping with host, port, tls, username, password_file and from")
		return nil, ""
	}
	f := p.mapping(n, path, smtpKeys)
	field := func(key string) string { return path + "." + key }
	c := &email.Config{TLS: email.TLSStartTLS}
	var passwordFile string

	if v := f["host"]; !v.set() {
		p.report(n, path, "missing host; the name of the SMTP server")
	} else if h, ok := p.text(v.value, field("host")); ok {
		if strings.ContainsAny(h, " /:\r\n") {
			p.report(v.value, field("host"), "invalid host %q: a host name or address, without port or scheme", h)
		} else {
			c.Host = h
		}
	}
	if v := f["port"]; v.set() {
		if port, ok := p.integer(v.value, field("port")); ok {
			if port < 1 || port > 65535 {
				p.report(v.value, field("port"), "port %d is out of range 1-65535", port)
			} else {
				c.Port = port
			}
		}
	}
	if v := f["tls"]; v.set() {
		if mode, ok := p.text(v.value, field("tls")); ok {
			switch mode {
			case email.TLSNone, email.TLSStartTLS, email.TLSImplicit:
				c.TLS = mode
			default:
				p.report(v.value, field("tls"), "unknown mode %q; use none, starttls or tls", mode)
			}
		}
	}
	var userNode *yaml.Node
	if v := f["username"]; v.set() {
		if u, ok := p.text(v.value, field("username")); ok {
			c.Username, userNode = u, v.value
		}
	}
	if v := f["password_file"]; v.set() {
		passwordFile = p.secretFile(v.value, field("password_file"), dir, notify.EnvSMTPPassword, 1)
	}
	if v := f["from"]; !v.set() {
		p.report(n, path, "missing from; the sender, such as \"policywatch <alerts@example.org>\"")
	} else if from, ok := p.text(v.value, field("from")); ok {
		if _, err := email.ParseFrom(from); err != nil {
			p.report(v.value, field("from"), "%v", err)
		} else {
			c.From = from
		}
	}
	if v := f["timeout"]; v.set() {
		if d, ok := p.duration(v.value, field("timeout")); ok {
			c.Timeout = d
		}
	}
	if userNode != nil && c.TLS == email.TLSNone {
		p.report(userNode, field("username"), "authentication with tls: none would send the password in clear; use starttls or tls")
	}
	// The daemon refuses to start on this: said at the username's line
	// (by config check first), not as a bare "notify.smtp" at the start.
	if userNode != nil && !f["password_file"].set() && p.getenv != nil && !p.sendless && p.getenv(notify.EnvSMTPPassword) == "" {
		p.report(userNode, field("username"), "is set, but there is no password: name its file with notify.smtp.password_file, or set %s in the environment policywatch runs with", notify.EnvSMTPPassword)
	}
	return c, passwordFile
}

func (p *parser) webhooks(n *yaml.Node, watches []monitor.Watch, dir string) []notify.Webhook {
	const path = "notify.webhooks"
	if n.Kind != yaml.SequenceNode {
		p.expected(n, path, "a list of webhooks")
		return nil
	}
	known := make([]string, len(watches))
	for i, w := range watches {
		known[i] = w.Name
	}
	seen := map[string]int{}
	var out []notify.Webhook
	for i, item := range n.Content {
		item = resolve(item)
		wpath := fmt.Sprintf("%s[%d]", path, i)
		if item.Kind != yaml.MappingNode {
			p.expected(item, wpath, "a webhook (a mapping with at least url)")
			continue
		}
		f := p.mapping(item, wpath, webhookKeys)
		field := func(key string) string { return wpath + "." + key }
		var w notify.Webhook
		ok := true
		if v := f["url"]; !v.set() {
			p.report(item, wpath, "missing url")
			ok = false
		} else if u, good := p.text(v.value, field("url")); good {
			if problem := checkURL(u); problem != "" {
				p.report(v.value, field("url"), "%s", problem)
				ok = false
			} else if err := (webhook.Config{URL: u}).Validate(); err != nil {
				p.report(v.value, field("url"), "%v", err)
				ok = false
			} else if first, dup := seen[u]; dup {
				p.report(v.value, field("url"), "repeated url; %s[%d] has it too", path, first)
				ok = false
			} else {
				seen[u] = i
				w.URL = u
			}
		} else {
			ok = false
		}
		if v := f["secret_file"]; v.set() {
			w.SecretFile = p.secretFile(v.value, field("secret_file"), dir, notify.EnvWebhookSecret, 1)
		}
		if v := f["min_severity"]; v.set() {
			if s, good := p.text(v.value, field("min_severity")); good {
				if sev, err := notify.ParseSeverity(s); err != nil {
					p.report(v.value, field("min_severity"), "%v", err)
				} else {
					w.MinSeverity = string(sev)
				}
			}
		}
		if v := f["format"]; v.set() {
			if s, good := p.text(v.value, field("format")); good {
				if err := (webhook.Config{URL: "https://x.invalid", Format: s}).Validate(); err != nil {
					p.report(v.value, field("format"), "%v", err)
				} else {
					w.Format = s
				}
			}
		}
		if v := f["watches"]; v.set() {
			w.Watches = p.watchNames(v.value, field("watches"), known)
		}
		if ok {
			out = append(out, w)
		}
	}
	return out
}

// watchNames reads a list of configured watch names; a single name is a
// list of one.
func (p *parser) watchNames(n *yaml.Node, field string, known []string) []string {
	return p.stringList(n, field, "watch name", func(item *yaml.Node, field, name string) bool {
		if slices.Contains(known, name) {
			return true
		}
		if s := Suggest(name, known); s != "" {
			p.report(item, field, "unknown watch %q; did you mean %q?", name, s)
		} else {
			p.report(item, field, "unknown watch %q", name)
		}
		return false
	})
}

// secretFile returns the path of a file that holds a secret, resolved
// against dir; "" when it is not usable. When the parser reads secrets
// (config check), the file is read as the commands read it
// (notify.SecretReader), and a problem reported here; otherwise the command
// that needs the secret reads it. env is the variable used when the key is
// left out. Messages name the file, never its content.
func (p *parser) secretFile(n *yaml.Node, field, dir, env string, minLen int) string {
	path, ok := p.text(n, field)
	if !ok {
		return ""
	}
	if !filepath.IsAbs(path) {
		path = filepath.Join(dir, path)
	}
	if p.secretNodes == nil {
		p.secretNodes = map[string]*yaml.Node{}
	}
	p.secretNodes[field] = n
	if !p.readSecrets {
		return path
	}
	_, err := p.secrets.Read(path, env, minLen)
	if errors.Is(err, fs.ErrPermission) {
		// Readable only by the daemon's user, as a secret should be:
		// config check may be run by another, and the daemon reports the
		// file if it cannot read it either.
		return path
	}
	if err != nil {
		p.report(n, field, "%v", err)
		return ""
	}
	return path
}
