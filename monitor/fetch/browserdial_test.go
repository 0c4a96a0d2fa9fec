package fetch

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
)

// TestDialForPage: a browser rendering a page of a public address may
// connect to public addresses only, checked at the connection (a name
// that resolves to a public address and connects to a private one, DNS
// rebinding, is refused too); a page of a private address, of a name that
// does not resolve, or fetched through a proxy gets no rule (nil). As in
// TestRedirectFromPublicToPrivateIsRefused, 127.0.0.1 stands for public
// and 127.0.0.2 for private.
func TestDialForPage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	privateLn, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Skipf("cannot listen on 127.0.0.2: %v", err)
	}
	defer privateLn.Close()
	for _, l := range []net.Listener{ln, privateLn} {
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				c.Close()
			}
		}()
	}
	_, publicPort, _ := net.SplitHostPort(ln.Addr().String())
	_, privatePort, _ := net.SplitHostPort(privateLn.Addr().String())

	client := New(testOptions())
	onLoopback(client, map[string][]string{"public.test": {"127.0.0.1"}, "rebind.test": {"127.0.0.1"}})
	transport := client.http.Transport.(*http.Transport)
	transport.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		// rebind.test connects to the private address, whatever lookup
		// said of it.
		if host, port, _ := net.SplitHostPort(addr); host == "rebind.test" {
			addr = net.JoinHostPort("127.0.0.2", port)
		} else if host == "public.test" {
			addr = net.JoinHostPort("127.0.0.1", port)
		}
		return (&net.Dialer{ControlContext: client.refusePrivate}).DialContext(ctx, network, addr)
	}
	ctx := t.Context()

	dial := client.DialForPage(ctx, "https://public.test/privacy")
	if dial == nil {
		t.Fatal("no rule for a page of a public address")
	}
	for _, tc := range []struct {
		address string
		refused bool
	}{
		{"127.0.0.1:" + publicPort, false},
		{"public.test:" + publicPort, false},
		{"127.0.0.2:" + privatePort, true},
		{"rebind.test:" + privatePort, true},
	} {
		conn, err := dial(ctx, "tcp", tc.address)
		if conn != nil {
			conn.Close()
		}
		var fe *Error
		switch {
		case tc.refused && (!errors.As(err, &fe) || fe.Kind != KindRedirectPrivate || !strings.Contains(err.Error(), "127.0.0.2")):
			t.Errorf("%s: %v, want a %s error naming 127.0.0.2", tc.address, err, KindRedirectPrivate)
		case !tc.refused && err != nil:
			t.Errorf("%s: %v, want a connection", tc.address, err)
		}
	}

	for _, page := range []string{"http://127.0.0.2/intranet-policy", "http://nowhere.test/", "not a URL\x7f"} {
		if client.DialForPage(ctx, page) != nil {
			t.Errorf("%q: a rule, want none (nil)", page)
		}
	}

	// A resolver that fails says nothing of the page's address: no
	// connection at all, with a dns error the check retries, rather than
	// none of the rule.
	resolve := client.lookup
	client.lookup = func(_ context.Context, host string) ([]netip.Addr, error) {
		return nil, &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}
	}
	if dial := client.DialForPage(ctx, "https://public.test/privacy"); dial == nil {
		t.Error("no rule for a page whose name the resolver failed on")
	} else {
		conn, err := dial(ctx, "tcp", "127.0.0.1:"+publicPort)
		if conn != nil {
			conn.Close()
		}
		var fe *Error
		if !errors.As(err, &fe) || fe.Kind != KindDNS || !fe.Transient() || !strings.Contains(err.Error(), "public.test") {
			t.Errorf("connecting while the resolver fails: %v, want a transient dns error naming public.test", err)
		}
	}
	client.lookup = resolve
	proxyURL, _ := url.Parse("http://127.0.0.1:3128")
	transport.Proxy = http.ProxyURL(proxyURL)
	if client.DialForPage(ctx, "https://public.test/privacy") != nil {
		t.Error("a rule for a page fetched through a proxy, which makes the connections")
	}
}
