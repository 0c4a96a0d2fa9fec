package config

import (
	"net/url"
	"path/filepath"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/web"
)

// Keys of the web section.
var (
	webKeys     = []string{"listen", "auth", "hosts"}
	webAuthKeys = []string{"user", "password_hash", "token_file"}
)

// WebConfig decodes and validates the `web:` section, defaults resolved:
//
//	web:
//	  listen: 127.0.0.1:8080          # default; any other host needs auth
//	  auth:
//	    user: editor                  # HTTP basic, with
//	    password_hash: "$2a$10$..."   # a bcrypt hash (htpasswd -nbB USER PASSWORD)
//	    token_file: /etc/policywatch/token  # and/or a bearer token, read from a file
//	  hosts: [policywatch.example.org] # without auth, names besides localhost requests may use
//
// Without authentication the web view answers only requests addressed
// to localhost, a loopback address, a name of hosts or the host of
// notify.base_url, where the links in notifications lead (web.hostGuard:
// DNS rebinding).
//
// A relative token_file is relative to the configuration file's folder.
// The token file is read here, and the token returned in Auth.Token, so
// that a daemon never starts without the token it was told to require and
// a problem with the file is reported at the line naming it; only the
// commands that serve the web view call WebConfig, so the others never
// read it. When the section is not valid, the error is an *Error listing
// every problem with its line and column.
func (c *Config) WebConfig() (*web.Config, error) {
	p := &parser{file: c.Path, readSecrets: true}
	cfg := p.web(c.Web, filepath.Dir(c.Path))
	if err := newError(p.problems); err != nil {
		return nil, err
	}
	// A problem of the notify section is its commands' to report.
	if nc, err := c.NotifyConfig(); err == nil && nc.BaseURL != "" {
		if u, err := url.Parse(nc.BaseURL); err == nil && u.Hostname() != "" && !slices.Contains(cfg.Hosts, u.Hostname()) {
			cfg.Hosts = append(cfg.Hosts, u.Hostname())
		}
	}
	return cfg, nil
}

// web reads the web section n (nil: absent); dir is the folder relative
// token files are in.
func (p *parser) web(n *yaml.Node, dir string) *web.Config {
	cfg := &web.Config{Listen: web.DefaultListen}
	n = resolve(n)
	if isNull(n) {
		return cfg
	}
	if n.Kind != yaml.MappingNode {
		p.expected(n, "web", "a mapping with the keys listen, auth and hosts")
		return cfg
	}
	f := p.mapping(n, "web", webKeys)

	loopback, listenNode := true, n
	if v := f["listen"]; v.set() {
		if addr, ok := p.textOf(v.value, "web.listen", "an address such as "+web.DefaultListen); ok {
			if lb, err := web.ListenIsLoopback(addr); err != nil {
				p.report(v.value, "web.listen", "%v", err)
			} else {
				cfg.Listen, loopback, listenNode = addr, lb, v.value
			}
		}
	}
	if v := f["hosts"]; v.set() {
		cfg.Hosts = p.stringList(v.value, "web.hosts", "host name", func(item *yaml.Node, field, h string) bool {
			if err := web.CheckHost(h); err != nil {
				p.report(item, field, "%q is not a host name: give a name such as policywatch.example.org, without scheme, port or path", h)
				return false
			}
			return true
		})
	}
	if v := f["auth"]; v.set() {
		p.webAuth(v.value, &cfg.Auth, dir)
	} else if !loopback {
		// Only without an auth section: one with no problem of its own
		// names a method (webAuth), and fixing its problems may fix this.
		p.report(listenNode, "web.listen", "%s is not a loopback address, so the web view needs authentication: "+
			"set web.auth (user and password_hash, or token_file), or listen on %s", cfg.Listen, web.DefaultListen)
	}
	return cfg
}

// webAuth reads web.auth into a, the token too when the parser reads
// secrets. When it reports no problem, the section names a method.
func (p *parser) webAuth(n *yaml.Node, a *web.Auth, dir string) {
	before := len(p.problems)
	if n.Kind != yaml.MappingNode {
		p.expected(n, "web.auth", "a mapping with user and password_hash, or token_file")
		return
	}
	f := p.mapping(n, "web.auth", webAuthKeys)
	if v := f["user"]; v.set() {
		if user, ok := p.text(v.value, "web.auth.user"); ok {
			a.User = user
		}
	}
	if v := f["password_hash"]; v.set() {
		if hash, ok := p.textOf(v.value, "web.auth.password_hash", "a bcrypt hash"); ok {
			if err := web.CheckPasswordHash(hash); err != nil {
				p.report(v.value, "web.auth.password_hash", "%v", err)
			} else {
				a.PasswordHash = hash
			}
		}
	}
	userSet, hashSet := f["user"].set(), f["password_hash"].set()
	switch {
	case userSet && !hashSet:
		p.report(f["user"].key, "web.auth", "user needs a password_hash")
	case hashSet && !userSet:
		p.report(f["password_hash"].key, "web.auth", "password_hash needs a user")
	}
	if v := f["token_file"]; v.set() {
		if path, ok := p.text(v.value, "web.auth.token_file"); ok {
			if !filepath.IsAbs(path) {
				path = filepath.Join(dir, path)
			}
			if p.readSecrets {
				if token, err := web.ReadToken(path); err != nil {
					p.report(v.value, "web.auth.token_file", "%v", err) // it names the file and says what to do
				} else {
					a.Token = token
				}
			}
		}
	}
	if len(p.problems) == before && !userSet && !f["token_file"].set() {
		p.report(n, "web.auth", "empty; set user and password_hash, or token_file")
	}
}
