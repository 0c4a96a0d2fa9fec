package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/store"
	"github.com/policywatch/policywatch/web"
)

// TestWithoutAuthOnlyLoopbackNamesAreAnswered: the web view without
// authentication, on loopback, answers a request whose Host names this
// machine (localhost, a loopback address) or a name of web.hosts, and
// refuses (421) any other: a page of another site, its name made to
// resolve to 127.0.0.1 (DNS rebinding), sends that name, and read the
// history as its own origin while every request was answered. With
// authentication, the name does not matter.
func TestWithoutAuthOnlyLoopbackNamesAreAnswered(t *testing.T) {
	r := newRig(t, monitor.Watch{Name: "example", Select: []string{"#policy"}})
	r.step(t, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 200, []byte(`<div id="policy"><p>We collect posts.</p></div>`), nil)
	var handler http.Handler
	serve := func(cfg web.Config) *httptest.Server {
		s, err := web.New(cfg, r.DB, web.WithLogger(quiet()), web.WithNotFound(store.ErrNotFound))
		if err != nil {
			t.Fatal(err)
		}
		s.HandlePublic("GET /unsubscribe", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "unsubscribe") }))
		handler = s
		ts := httptest.NewServer(s)
		t.Cleanup(ts.Close)
		return ts
	}
	open := serve(web.Config{Hosts: []string{"policywatch.example.org"}})
	openHandler := handler
	const token = "0123456789abcdef0123456789abcdef"
	withAuth := serve(web.Config{Auth: web.Auth{Token: token}})

	request := func(ts *httptest.Server, host, path string, header ...string) (int, string) {
		t.Helper()
		resp, body := get(t, ts.URL+path, append([]string{"Host", host}, header...)...)
		return resp.StatusCode, string(body)
	}
	for _, tc := range []struct {
		host string
		want int
	}{
		{"127.0.0.1:8080", 200},
		{"127.4.5.6", 200},
		{"localhost:8080", 200},
		{"LOCALHOST.:8080", 200},
		{"app.localhost:8080", 200},
		{"[::1]:8080", 200},
		{"policywatch.example.org", 200},
		{"Policywatch.Example.Org:443", 200},
		{"rebound.example:8080", 421},
		{"localhost.example.com:8080", 421},
		{"example.org", 421},
		{"192.168.1.20:8080", 421},
		{"[::ffff:10.0.0.1]:8080", 421},
	} {
		for _, path := range []string{"/", "/api/events", "/watches/example", "/healthz", "/unsubscribe", "/static/style.css"} {
			if got, body := request(open, tc.host, path); got != tc.want {
				t.Errorf("Host %s, GET %s: %d, want %d\n%s", tc.host, path, got, tc.want, body)
			}
		}
	}
	// Go's client cleans such a name; a raw request need not.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Host = `evil.example"><script>`
	openHandler.ServeHTTP(rec, req)
	code, body := rec.Code, rec.Body.String()
	if code != 421 || rec.Header().Get("Content-Type") != "text/plain; charset=utf-8" || !strings.Contains(body, `not to "evil.example\"><script>"`) || !strings.Contains(body, "web.hosts") {
		t.Errorf("refusal: %d %q; want 421 quoting the name and saying what to configure", code, body)
	}
	// With authentication, any name: the credentials are the defence.
	if code, _ := request(withAuth, "rebound.example:8080", "/"); code != 401 {
		t.Errorf("with authentication, another name without credentials: %d, want 401", code)
	}
	if code, _ := request(withAuth, "rebound.example:8080", "/api/events", "Authorization", "Bearer "+token); code != 200 {
		t.Errorf("with authentication, another name with the token: %d, want 200", code)
	}
}

// TestHostsAreNames: web.hosts takes names, not addresses with a port or
// URLs, which would never match a Host.
func TestHostsAreNames(t *testing.T) {
	db := openStore(t)
	for _, h := range []string{"https://policywatch.example.org", "policywatch.example.org:443", "", "a b", "policywatch.example.org/path"} {
		if _, err := web.New(web.Config{Hosts: []string{h}}, db); err == nil || !strings.Contains(err.Error(), "web.hosts") {
			t.Errorf("web.hosts %q: %v, want an error naming web.hosts", h, err)
		}
	}
	if _, err := web.New(web.Config{Hosts: []string{"policywatch.example.org", "192.168.1.20", "2001:db8::1"}}, db); err != nil {
		t.Error(err)
	}
}
