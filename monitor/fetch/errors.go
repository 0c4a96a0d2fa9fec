package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// ErrorKind says why a fetch failed. The values are stable strings meant to
// be stored and shown.
type ErrorKind string

const (
	KindTimeout           ErrorKind = "timeout"            // no complete response within Options.Timeout (or ConnectTimeout)
	KindConnectionReset   ErrorKind = "connection_reset"   // the server reset or closed the connection before a response
	KindConnectionRefused ErrorKind = "connection_refused" // nothing listening, or a firewall said no
	KindDNS               ErrorKind = "dns"                // the host name did not resolve
	KindTLS               ErrorKind = "tls"                // handshake or certificate failure
	KindHTTPStatus        ErrorKind = "http_status"        // the final response was not 2xx (nor 304 to a conditional request)
	KindTooLarge          ErrorKind = "too_large"          // the body, raw or decompressed, exceeds Options.MaxBody
	KindRedirectLoop      ErrorKind = "redirect_loop"      // more than Options.MaxRedirects redirects
	KindRedirectPrivate   ErrorKind = "redirect_private"   // a page asked of a public address redirected to a private one (see Client)
	KindTruncated         ErrorKind = "truncated"          // the body ended early: shorter than Content-Length, or a cut compressed stream
	KindDecode            ErrorKind = "decode"             // the Content-Encoding could not be undone (corrupt gzip, deflate or br, or an unknown coding)
	KindInvalidRequest    ErrorKind = "invalid_request"    // the Request itself is unusable (bad URL, scheme or header); no HTTP request was made
	KindOther             ErrorKind = "other"
)

// Error is a failed fetch. Fetch returns it for every failure except the end
// of the caller's context, for which it returns the context's error.
type Error struct {
	Kind     ErrorKind
	URL      string // the URL asked for
	Status   int    // HTTP status of the last response, 0 if none arrived
	Attempts int    // HTTP attempts made, redirects not counted

	// RetryAfter is what the server's Retry-After header (429 or 503) asked
	// for on the last response. When it exceeds Options.MaxRetryAfter, Fetch
	// gives up at once and the caller should come back after this long.
	RetryAfter time.Duration

	Err error // the underlying cause; nil for KindHTTPStatus
}

// Error reads like "GET https://x: HTTP 503 Service Unavailable after 4
// attempts" or "GET https://x: timed out after 4 attempts: no response
// within 30s: context deadline exceeded".
func (e *Error) Error() string {
	var b strings.Builder
	if e.URL != "" {
		fmt.Fprintf(&b, "GET %s: ", e.URL)
	}
	b.WriteString(e.summary())
	switch {
	case e.Attempts == 1:
		b.WriteString(" after 1 attempt")
	case e.Attempts > 1:
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.RetryAfter > 0 {
		fmt.Fprintf(&b, "; the server asks to retry after %s", e.RetryAfter)
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// detail is the error without URL and attempt count, for Attempt.Err.
func (e *Error) detail() string {
	if e.Err == nil {
		return e.summary()
	}
	return e.summary() + ": " + e.Err.Error()
}

// summary names what went wrong in a few words.
func (e *Error) summary() string {
	if e.Kind == KindHTTPStatus && e.Status != 0 {
		if text := http.StatusText(e.Status); text != "" {
			return fmt.Sprintf("HTTP %d %s", e.Status, text)
		}
		return fmt.Sprintf("HTTP %d", e.Status)
	}
	if label := kindLabels[e.Kind]; label != "" {
		return label
	}
	return string(e.Kind)
}

var kindLabels = map[ErrorKind]string{
	KindTimeout:           "timed out",
	KindConnectionReset:   "connection reset",
	KindConnectionRefused: "connection refused",
	KindDNS:               "DNS lookup failed",
	KindTLS:               "TLS failed",
	KindHTTPStatus:        "unexpected HTTP status",
	KindTooLarge:          "body too large",
	KindRedirectLoop:      "too many redirects",
	KindRedirectPrivate:   "redirect to a private address refused",
	KindTruncated:         "body truncated",
	KindDecode:            "cannot undo Content-Encoding",
	KindInvalidRequest:    "invalid request",
	KindOther:             "failed",
}

func (e *Error) Unwrap() error { return e.Err }

// Transient reports whether the same request may well succeed later: Fetch
// retries these itself, and a scheduler can treat them as a bad moment
// rather than a broken watch.
func (e *Error) Transient() bool {
	switch e.Kind {
	case KindTimeout, KindConnectionReset, KindConnectionRefused, KindTruncated:
		return true
	case KindHTTPStatus:
		return e.Status >= 500 || e.Status == http.StatusRequestTimeout || e.Status == http.StatusTooManyRequests
	case KindDNS:
		return resolverFailed(e.Err)
	}
	return false
}

// resolverFailed reports whether err is a resolver that timed out or
// failed (SERVFAIL): no answer, worth asking again. "No such host" is an
// answer.
func resolverFailed(err error) bool {
	var dnsErr *net.DNSError
	return errors.As(err, &dnsErr) && !dnsErr.IsNotFound && (dnsErr.IsTimeout || dnsErr.IsTemporary)
}

// errTooLarge marks a body over the cap; readBody wraps it with sizes.
var errTooLarge = errors.New("body exceeds the size limit")

// classify turns what net/http returned into an *Error. hopCtx is the
// context of the request that failed, so that its deadline can be told apart
// from other errors that merely mention a timeout.
func classify(hopCtx context.Context, err error) *Error {
	// *url.Error repeats the method and URL, which Error already says.
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		err = urlErr.Err
	}

	var (
		dnsErr      *net.DNSError
		recordErr   tls.RecordHeaderError
		verifyErr   *tls.CertificateVerificationError
		alertErr    tls.AlertError
		unknownAuth x509.UnknownAuthorityError
		hostnameErr x509.HostnameError
		invalidErr  x509.CertificateInvalidError
		netErr      net.Error
	)
	kind := KindOther
	switch {
	case errors.Is(err, errTooLarge):
		kind = KindTooLarge
	case errors.Is(hopCtx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded):
		kind = KindTimeout
	case errors.As(err, &dnsErr):
		kind = KindDNS
	case errors.As(err, &recordErr), errors.As(err, &verifyErr), errors.As(err, &alertErr),
		errors.As(err, &unknownAuth), errors.As(err, &hostnameErr), errors.As(err, &invalidErr):
		kind = KindTLS
	case errors.As(err, &netErr) && netErr.Timeout():
		kind = KindTimeout
	case errors.Is(err, syscall.ECONNREFUSED):
		kind = KindConnectionRefused
	case errors.Is(err, io.ErrUnexpectedEOF):
		kind = KindTruncated
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.ECONNABORTED),
		errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF):
		// io.EOF here means the server closed the connection before it
		// sent a response.
		kind = KindConnectionReset
	case strings.HasPrefix(err.Error(), "tls: "):
		// crypto/tls reports many handshake failures (protocol version,
		// cipher suites) as plain errors with this prefix.
		kind = KindTLS
	}
	return &Error{Kind: kind, Err: err}
}
