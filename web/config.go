package web

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"

	"github.com/policywatch/policywatch/internal/secretfile"
)

// DefaultListen is where the web view listens when the configuration does
// not say: loopback only, so that no authentication is needed.
const DefaultListen = "127.0.0.1:8080"

// MinTokenLength is the shortest bearer token accepted: a token is the
// only secret standing between the network and the history.
const MinTokenLength = 16

// Config is the `web:` section of the configuration.
type Config struct {
	// Listen is the TCP address to listen on, host:port. "" means
	// DefaultListen. Any host but a loopback address (127.0.0.0/8, ::1,
	// localhost) requires Auth.
	Listen string
	Auth   Auth
	// Hosts are the names, besides localhost and loopback addresses,
	// that requests may address the web view by when it has no
	// authentication: a reverse proxy's that forwards its own Host, the
	// host of the links in notifications. Others are refused (hostGuard).
	Hosts []string
}

// Auth says who may read the web view. Either or both of the two methods
// may be set; a request passes with any of them.
type Auth struct {
	// User and PasswordHash (bcrypt, as htpasswd -B or
	// `htpasswd -bnBC 10 "" password` print it) enable HTTP basic
	// authentication.
	User         string
	PasswordHash string
	// Token is a bearer token: one word of at least MinTokenLength
	// characters, as ReadToken reads it from the file web.auth.token_file
	// names. Clients send it as "Authorization: Bearer TOKEN", or as the
	// password of basic authentication (any user name), which browsers can
	// do.
	Token string
}

// Enabled reports whether any authentication method is configured.
func (a Auth) Enabled() bool { return a.PasswordHash != "" || a.Token != "" }

// ErrAuthRequired is returned (wrapped) by Config.Validate and New for a
// listen address that is not loopback-only when no authentication is
// configured.
var ErrAuthRequired = errors.New("listening beyond loopback requires authentication: set web.auth (user and password_hash, or token_file)")

// listenAddr returns c.Listen or the default.
func (c Config) listenAddr() string {
	if c.Listen == "" {
		return DefaultListen
	}
	return c.Listen
}

// Validate checks the configuration as New does: a malformed address, an
// incomplete or invalid basic authentication, a token too weak, or a
// non-loopback address without authentication.
func (c Config) Validate() error {
	loopback, err := ListenIsLoopback(c.listenAddr())
	if err != nil {
		return err
	}
	a := c.Auth
	if (a.User == "") != (a.PasswordHash == "") {
		return errors.New("web.auth: user and password_hash go together")
	}
	if a.PasswordHash != "" {
		if err := CheckPasswordHash(a.PasswordHash); err != nil {
			return fmt.Errorf("web.auth.password_hash: %w", err)
		}
	}
	if a.Token != "" {
		if err := checkToken(a.Token); err != nil {
			return fmt.Errorf("web.auth: %w", err)
		}
	}
	for _, h := range c.Hosts {
		if err := CheckHost(h); err != nil {
			return err
		}
	}
	if !loopback && !a.Enabled() {
		return fmt.Errorf("web.listen %s: %w", c.listenAddr(), ErrAuthRequired)
	}
	return nil
}

// ListenIsLoopback parses a listen address (host:port) and reports
// whether it binds loopback interfaces only. An empty host binds every
// interface; a host name other than localhost cannot be known to be
// loopback, so it counts as not.
func ListenIsLoopback(listen string) (bool, error) {
	host, port, err := net.SplitHostPort(listen)
	if err != nil {
		return false, fmt.Errorf("listen address %q: want host:port, such as %s", listen, DefaultListen)
	}
	if n, err := strconv.ParseUint(port, 10, 16); err != nil || (n == 0 && port != "0") {
		return false, fmt.Errorf("listen address %q: port %q is not a number from 0 to 65535", listen, port)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	addr, err := netip.ParseAddr(host)
	if err != nil {
		return false, nil // a name, or empty: every interface
	}
	return addr.IsLoopback(), nil
}

// CheckPasswordHash says what is wrong with a bcrypt hash, or nil.
func CheckPasswordHash(hash string) error {
	if _, err := bcrypt.Cost([]byte(hash)); err != nil {
		return fmt.Errorf("not a bcrypt hash (generate one with `htpasswd -nbB USER PASSWORD` and keep the part after the colon): %w", err)
	}
	return nil
}

// ReadToken reads the bearer token from the file at path
// (web.auth.token_file): its content without surrounding white space.
// Errors name the file, and say what is wrong and what to do.
func ReadToken(path string) (string, error) {
	content, err := secretfile.Read(path)
	if err != nil {
		create := fmt.Sprintf("create it with a token of at least %d characters (e.g. `openssl rand -hex 32 > %s`)", MinTokenLength, path)
		return "", fmt.Errorf("%w; %s, or leave the key out and set user and password_hash", err, secretfile.Remedy(err, create))
	}
	token := strings.TrimSpace(content)
	if err := checkToken(token); err != nil {
		return "", fmt.Errorf("token file %s: %w", path, err)
	}
	return token, nil
}

// checkToken says what makes token unfit to guard the web view, or nil.
func checkToken(token string) error {
	if len(token) < MinTokenLength {
		return fmt.Errorf("the token has %d characters; use at least %d (e.g. `openssl rand -hex 32`)", len(token), MinTokenLength)
	}
	if strings.ContainsAny(token, " \t\r\n") {
		return errors.New("the token must be one word, without spaces or line breaks")
	}
	return nil
}
