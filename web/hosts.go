package web

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// A web view without authentication listens on loopback only, which keeps
// other machines out but not the pages a browser on this one opens: a
// site whose name is made to resolve to 127.0.0.1 once its page has
// loaded (DNS rebinding) reads the web view as its own origin, and with
// it what a journalist watches. Such a request still carries the site's
// name in its Host header; hostGuard answers only requests addressed to
// this machine by a loopback name or address, or by a name the
// configuration lists (a reverse proxy's, the address of the links in
// notifications). With authentication the credentials, which the
// browser keeps for this origin alone, are the defence.
func hostGuard(hosts []string, next http.Handler) http.Handler {
	allowed := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		allowed[strings.ToLower(h)] = true
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := hostName(r.Host)
		if loopbackHost(name) || allowed[name] {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusMisdirectedRequest)
		// The name is the request's: %q quotes it, and the response is
		// plain text.
		fmt.Fprintf(w, "This web view has no authentication, so it answers only to localhost and loopback addresses, "+
			"not to %q: a site made to resolve to this machine could read it otherwise (DNS rebinding).\n"+
			"Behind a reverse proxy that sends this name, list it under web.hosts in the configuration.\n", clip(name, 100))
	})
}

// hostName is the lower-case name of a Host header, without its port or
// an IPv6 address's brackets.
func hostName(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	return strings.ToLower(strings.TrimSuffix(host, "."))
}

// loopbackHost reports whether a Host name addresses this machine:
// localhost and its subdomains (RFC 6761 keeps them on loopback) or a
// loopback address.
func loopbackHost(name string) bool {
	if name == "localhost" || strings.HasSuffix(name, ".localhost") {
		return true
	}
	addr, err := netip.ParseAddr(name)
	return err == nil && addr.Unmap().IsLoopback()
}

// CheckHost says what is wrong with a name of web.hosts, or nil: a host
// name or an IP address, as a Host header names it without its port.
func CheckHost(h string) error {
	if _, err := netip.ParseAddr(h); err == nil {
		return nil
	}
	if h == "" || strings.ContainsAny(h, ":/ []@?#") {
		return fmt.Errorf("web.hosts: %q is not a host name (a name such as policywatch.example.org, no scheme, port or path)", h)
	}
	return nil
}
