package fetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
)

// DialForPage returns how a browser rendering pageURL is to connect (the
// browser's Request.Dial), holding the page to the rule plain HTTP holds
// its redirects to (see Client): a page asked of a public address may
// connect to public addresses only. Its frames, scripts and redirects
// cannot make the server fetch its own network's pages (a router's, a
// cloud's metadata service) and keep them as evidence, nor send them
// requests. The address connected to is the one checked, whatever the
// name resolved to before (DNS rebinding); a refused connection is an
// Error of KindRedirectPrivate.
//
// It returns nil where the rule does not apply: a page asked of a private
// address (an intranet's policy) or of a name that does not exist, and a
// page fetched through a proxy (HTTPS_PROXY), which makes the connections
// itself. When the resolver fails (times out, SERVFAIL), whether the rule
// applies is not known: every connection fails with a transient dns
// Error, rather than the browser connecting unguarded once its own lookup
// works.
func (c *Client) DialForPage(ctx context.Context, pageURL string) func(ctx context.Context, network, address string) (net.Conn, error) {
	u, err := url.Parse(pageURL)
	if err != nil || u.Hostname() == "" || c.proxied(u) {
		return nil
	}
	transport, ok := c.http.Transport.(*http.Transport)
	if !ok || transport.DialContext == nil {
		return nil
	}
	public, known, _, lookupErr := c.isPublic(ctx, u.Hostname())
	if e := lookupFailed(0, u.Hostname(), lookupErr); e != nil {
		e.URL = pageURL
		return func(context.Context, string, string) (net.Conn, error) {
			failed := *e // each connection its own: callers may annotate it
			return nil, &failed
		}
	}
	if !public || !known {
		return nil
	}
	dial := transport.DialContext
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		conn, err := dial(context.WithValue(ctx, publicOnlyKey{}, true), network, address)
		var private *privateDialError
		if errors.As(err, &private) {
			return nil, &Error{Kind: KindRedirectPrivate, URL: pageURL,
				Err: fmt.Errorf("the page asked the browser to connect to %s, which is %s; the page was asked of a public address", address, private.addr)}
		}
		return conn, err
	}
}
