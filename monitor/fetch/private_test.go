package fetch

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"
)

// TestRedirectFromPublicToPrivateIsRefused: a page asked of a public
// address may not redirect to a private one (a home router, a cloud's
// metadata service); a page asked of a private address may. Here only
// loopback exists: the test's client takes 127.0.0.1 for public and the
// rest of 127.0.0.0/8 for private, and resolves "public.test" and
// "private.test" to one and the other; "rebind.test" resolves to the
// public one when the redirect is checked, and the connection goes to the
// private one (DNS rebinding).
func TestRedirectFromPublicToPrivateIsRefused(t *testing.T) {
	page := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("<p>policy</p>")) })
	_, privatePort := listenOn(t, "127.0.0.2:0", page, false, nil)
	_, publicPort := listenOn(t, "127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/policy":
			page(w, r)
		default:
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
		}
	}), false, nil)

	client := New(testOptions())
	onLoopback(client, map[string][]string{
		"public.test":  {"127.0.0.1"},
		"rebind.test":  {"127.0.0.1"},
		"private.test": {"127.0.0.1", "127.0.0.2"},
	})
	client.http.Transport.(*http.Transport).DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		// The names reach the server listening on their port: for
		// rebind.test, not the address lookup gave when the redirect
		// was checked (DNS rebinding).
		if host, port, _ := net.SplitHostPort(addr); strings.HasSuffix(host, ".test") {
			addr = net.JoinHostPort("127.0.0.1", port)
			if port == privatePort {
				addr = net.JoinHostPort("127.0.0.2", port)
			}
		}
		return (&net.Dialer{ControlContext: client.refusePrivate}).DialContext(ctx, network, addr)
	}

	for _, tc := range []struct {
		name, from, to string
		refused        bool
		says           string
	}{
		{"public to public", "http://127.0.0.1:" + publicPort, "http://public.test:" + publicPort + "/policy", false, ""},
		{"public to a private address", "http://127.0.0.1:" + publicPort, "http://127.0.0.2:" + privatePort + "/", true, ""},
		{"public to a name with a private address", "http://public.test:" + publicPort, "http://private.test:" + privatePort + "/", true, ""},
		{"public to a private address, IPv6", "http://127.0.0.1:" + publicPort, "http://[::1]:" + privatePort + "/", true, ""},
		{"private to private", "http://private.test:" + publicPort, "http://127.0.0.2:" + privatePort + "/", false, ""},
		{"public to a name whose answer changes to a private address", "http://127.0.0.1:" + publicPort, "http://rebind.test:" + privatePort + "/", true,
			`redirect to a private address refused after 1 attempt: the redirect to "http://rebind.test:` + privatePort + `/" connected to 127.0.0.2, a private address, though its name resolved to public ones`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, attempts, err := client.Fetch(t.Context(), Request{URL: tc.from + "/go?to=" + tc.to})
			if !tc.refused {
				if err != nil || string(resp.Body) != "<p>policy</p>" {
					t.Fatalf("Fetch: %v, want the page", err)
				}
				return
			}
			var fe *Error
			if !errors.As(err, &fe) || fe.Kind != KindRedirectPrivate || fe.Transient() || fe.Status != http.StatusFound {
				t.Fatalf("Fetch: %v, want a redirect_private error, not retried", err)
			}
			if tc.says == "" {
				tc.says = "redirect to a private address refused after 1 attempt: HTTP 302 redirects to"
			}
			if len(attempts) != 1 || !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%d attempts, error %q", len(attempts), err)
			}
		})
	}

	// Without a proxy, a redirect's name the resolver fails on (a
	// timeout, SERVFAIL) is left to the connection, which resolves it
	// again and is held to the rule there: the page when it is public,
	// refused when it is private, and no retry for the check's sake.
	resolve := client.lookup
	client.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
		if host == "flaky.test" {
			return nil, &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}
		}
		return resolve(ctx, host)
	}
	t.Cleanup(func() { client.lookup = resolve })
	resp, attempts, err := client.Fetch(t.Context(), Request{URL: "http://127.0.0.1:" + publicPort + "/go?to=http://flaky.test:" + publicPort + "/policy"})
	if err != nil || string(resp.Body) != "<p>policy</p>" || len(attempts) != 1 {
		t.Errorf("a redirect to a public name the resolver failed on: %v in %d attempts, want the page in 1", err, len(attempts))
	}
	_, _, err = client.Fetch(t.Context(), Request{URL: "http://127.0.0.1:" + publicPort + "/go?to=http://flaky.test:" + privatePort + "/"})
	if fe := (*Error)(nil); !errors.As(err, &fe) || fe.Kind != KindRedirectPrivate {
		t.Errorf("a redirect to a private name the resolver failed on: %v, want it refused at the connection", err)
	}
}

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"93.184.215.14": true, "157.240.1.35": true, "2a03:2880:f10c:83:face:b00c:0:25de": true,
		"127.0.0.1": false, "::1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "fe80::1": false, "fd00::1": false, "100.64.0.1": false, "0.0.0.0": false,
		"::": false, "224.0.0.1": false, "::ffff:192.168.1.1": false, "::ffff:157.240.1.35": true,
	} {
		if got := publicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("publicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

// onLoopback makes the client take 127.0.0.1 for the only public address
// and the rest of 127.0.0.0/8 for private ones, and resolve the names
// given, and only them, to the addresses given.
func onLoopback(c *Client, names map[string][]string) {
	c.public = func(a netip.Addr) bool { return a == netip.MustParseAddr("127.0.0.1") }
	c.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
		var addrs []netip.Addr
		for _, a := range names[host] {
			addrs = append(addrs, netip.MustParseAddr(a))
		}
		if len(addrs) == 0 {
			return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
		}
		return addrs, nil
	}
}
