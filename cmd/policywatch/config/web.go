package config

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/web"
)

// Keys of the web section.
var (
	webKeys     = []string{"listen", "auth"}
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
//
// A relative token_file is relative to the configuration file's folder.
// The token file is read to check it, so that a daemon never starts
// without the token it was told to require; only the commands that serve
// the web view call WebConfig, so the others never read it. When the
// section is not valid, the error is an *Error listing every problem with
// its line and column.
func (c *Config) WebConfig() (*web.Config, error) {
	p := &parser{file: c.Path, readSecrets: true}
	cfg := p.web(c.Web, filepath.Dir(c.Path))
	if err := newError(p.problems); err != nil {
		return nil, err
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
		p.expected(n, "web", "a mapping with the keys listen and auth")
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
	authOK := true
	if v := f["auth"]; v.set() {
		authOK = p.webAuth(v.value, &cfg.Auth, dir)
	}
	// Only when auth has no problem of its own: fixing those may fix this.
	if !loopback && authOK && !cfg.Auth.Enabled() {
		p.report(listenNode, "web.listen", "%s is not a loopback address, so the web view needs authentication: "+
			"set web.auth (user and password_hash, or token_file), or listen on %s", cfg.Listen, web.DefaultListen)
	}
	return cfg
}

// webAuth reads web.auth into a and reports whether it had no problem.
func (p *parser) webAuth(n *yaml.Node, a *web.Auth, dir string) bool {
	before := len(p.problems)
	if n.Kind != yaml.MappingNode {
		p.expected(n, "web.auth", "a mapping with user and password_hash, or token_file")
		return false
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
			if !p.readSecrets {
				a.TokenFile = path
			} else if _, err := web.ReadToken(path); err != nil {
				p.report(v.value, "web.auth.token_file", "%s", tokenFileProblem(path, err))
			} else {
				a.TokenFile = path
			}
		}
	}
	if len(p.problems) == before && !userSet && !f["token_file"].set() {
		p.report(n, "web.auth", "empty; set user and password_hash, or token_file")
	}
	return len(p.problems) == before
}

// tokenFileProblem says what is wrong with the token file at path, and
// what to do about it, as the secret files' problems do (secretFile):
// web.ReadToken's own text for a file that cannot be read is the bare
// *PathError ("token file: stat FILE: no such file or directory").
func tokenFileProblem(path string, err error) string {
	var pe *fs.PathError
	if !errors.As(err, &pe) {
		return err.Error() // it names the file and says what to do
	}
	var do string
	switch {
	case errors.Is(err, fs.ErrNotExist):
		do = fmt.Sprintf("create it with a token of at least %d characters (e.g. `openssl rand -hex 32 > %s`)", web.MinTokenLength, path)
	case errors.Is(err, fs.ErrPermission):
		do = "make it readable by the user policywatch runs as"
	default:
		do = "name a file that holds the token"
	}
	return fmt.Sprintf("cannot read %s: %v; %s, or leave the key out and set user and password_hash", path, pe.Err, do)
}
