package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/policywatch/policywatch/web"
)

const webWatches = "watches:\n  - name: example\n    url: https://example.com/privacy\n"

// parseWeb parses a configuration made of the web section given and one
// watch, in a file of dir, and returns its web configuration.
func parseWeb(t *testing.T, dir, section string) (*web.Config, error) {
	t.Helper()
	path := filepath.Join(dir, "policywatch.yaml")
	// Parse reports the web section's problems with the rest of the file.
	cfg, err := Parse(path, []byte(webWatches+section))
	if err != nil {
		return nil, err
	}
	return cfg.WebConfig()
}

func TestWebConfig(t *testing.T) {
	dir := t.TempDir()
	hash, err := bcrypt.GenerateFromPassword([]byte("secret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	const token = "0123456789abcdef0123"
	tokenFile := filepath.Join(dir, "token")
	if err := os.WriteFile(tokenFile, []byte(token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name, section string
		want          web.Config
	}{
		{"absent", "", web.Config{Listen: web.DefaultListen}},
		{"empty", "web:\n", web.Config{Listen: web.DefaultListen}},
		{"loopback", "web:\n  listen: 127.0.0.1:9090\n", web.Config{Listen: "127.0.0.1:9090"}},
		{"ipv6 loopback", "web:\n  listen: \"[::1]:9090\"\n", web.Config{Listen: "[::1]:9090"}},
		{"basic", "web:\n  listen: 0.0.0.0:8080\n  auth:\n    user: editor\n    password_hash: \"" + string(hash) + "\"\n",
			web.Config{Listen: "0.0.0.0:8080", Auth: web.Auth{User: "editor", PasswordHash: string(hash)}}},
		{"token relative to the file", "web:\n  listen: \":8080\"\n  auth:\n    token_file: token\n",
			web.Config{Listen: ":8080", Auth: web.Auth{Token: token}}},
		{"token absolute", "web:\n  listen: \":8080\"\n  auth:\n    token_file: " + tokenFile + "\n",
			web.Config{Listen: ":8080", Auth: web.Auth{Token: token}}},
		{"hosts", "web:\n  hosts: [policywatch.example.org, 192.168.1.20]\n",
			web.Config{Listen: web.DefaultListen, Hosts: []string{"policywatch.example.org", "192.168.1.20"}}},
		{"one host", "web:\n  hosts: policywatch.example.org\n",
			web.Config{Listen: web.DefaultListen, Hosts: []string{"policywatch.example.org"}}},
		// The links in notifications lead to base_url's host.
		{"base_url's host", "notify:\n  base_url: https://watch.example.net:8443/pw\n",
			web.Config{Listen: web.DefaultListen, Hosts: []string{"watch.example.net"}}},
		{"base_url's host listed", "web:\n  hosts: [watch.example.net]\nnotify:\n  base_url: https://watch.example.net/\n",
			web.Config{Listen: web.DefaultListen, Hosts: []string{"watch.example.net"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := parseWeb(t, dir, c.section)
			if err != nil {
				t.Fatalf("WebConfig: %v", err)
			}
			if !reflect.DeepEqual(*got, c.want) {
				t.Errorf("WebConfig:\n got %+v\nwant %+v", *got, c.want)
			}
			if err := got.Validate(); err != nil {
				t.Errorf("a configuration WebConfig accepts fails web's own validation: %v", err)
			}
		})
	}
}

func TestWebConfigProblems(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "policywatch.yaml")
	if err := os.WriteFile(filepath.Join(dir, "short"), []byte("abc"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Line 4 is the first line of the web section.
	for _, c := range []struct {
		name, section string
		want          []string
	}{
		{"not a mapping", "web: yes\n",
			[]string{":4:6: web: expected a mapping with the keys listen, auth and hosts, found \"yes\""}},
		{"unknown key", "web:\n  lisen: 127.0.0.1:80\n",
			[]string{`:5:3: web.lisen: unknown key; did you mean "listen"?`}},
		{"bad address", "web:\n  listen: 8080\n",
			[]string{`:5:11: web.listen: listen address "8080": want host:port, such as 127.0.0.1:8080`}},
		{"no auth beyond loopback", "web:\n  listen: 0.0.0.0:8080\n",
			[]string{":5:11: web.listen: 0.0.0.0:8080 is not a loopback address, so the web view needs authentication: set web.auth (user and password_hash, or token_file), or listen on 127.0.0.1:8080"}},
		{"clear password", "web:\n  listen: 0.0.0.0:8080\n  auth:\n    user: editor\n    password_hash: hunter2\n",
			[]string{":8:20: web.auth.password_hash: not a bcrypt hash"}},
		{"user alone", "web:\n  auth:\n    user: editor\n",
			[]string{":6:5: web.auth: user needs a password_hash"}},
		{"empty auth", "web:\n  listen: 0.0.0.0:8080\n  auth: {}\n",
			[]string{":6:9: web.auth: empty; set user and password_hash, or token_file"}},
		// Like the secret files' messages, it says what to do.
		{"missing token", "web:\n  auth:\n    token_file: nowhere\n",
			[]string{":6:17: web.auth.token_file: cannot read " + filepath.Join(dir, "nowhere") + ": no such file or directory; " +
				"create it with a token of at least 16 characters (e.g. `openssl rand -hex 32 > " + filepath.Join(dir, "nowhere") + "`), " +
				"or leave the key out and set user and password_hash"}},
		{"short token", "web:\n  auth:\n    token_file: short\n",
			[]string{":6:17: web.auth.token_file: token file " + filepath.Join(dir, "short") + ": the token has 3 characters"}},
		{"a URL for a host", "web:\n  hosts:\n    - policywatch.example.org\n    - https://policywatch.example.org/\n",
			[]string{`:7:7: web.hosts[1]: "https://policywatch.example.org/" is not a host name: give a name such as policywatch.example.org, without scheme, port or path`}},
		{"unknown auth key", "web:\n  auth:\n    pasword_hash: x\n",
			[]string{`:6:5: web.auth.pasword_hash: unknown key; did you mean "password_hash"?`}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := parseWeb(t, dir, c.section)
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("WebConfig: %v, want an *Error", err)
			}
			if len(cerr.Problems) != len(c.want) {
				t.Fatalf("problems:\n%v\nwant %d", err, len(c.want))
			}
			for i, p := range cerr.Problems {
				if got := p.String(); !strings.HasPrefix(got, file+c.want[i]) {
					t.Errorf("problem %d:\n got %s\nwant %s…", i, got, file+c.want[i])
				}
			}
		})
	}
}
