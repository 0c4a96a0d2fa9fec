package fetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	live := context.Background()
	expired, cancel := context.WithDeadline(live, time.Now().Add(-time.Second))
	defer cancel()
	opError := func(op string, errno syscall.Errno) error {
		return &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(op, errno)}
	}

	tests := []struct {
		name          string
		ctx           context.Context
		err           error
		wantKind      ErrorKind
		wantTransient bool
	}{
		{"deadline of the hop", expired, &url.Error{Op: "Get", URL: "http://x", Err: context.DeadlineExceeded}, KindTimeout, true},
		{"dial timeout", live, &net.OpError{Op: "dial", Err: timeoutError{}}, KindTimeout, true},
		{"no such host", live, &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}, KindDNS, false},
		{"resolver timeout", live, &net.DNSError{Err: "i/o timeout", Name: "x", IsTimeout: true}, KindDNS, true},
		{"resolver failure", live, &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}, KindDNS, true},
		{"unknown authority", live, &tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, KindTLS, false},
		{"wrong host name", live, x509.HostnameError{Certificate: &x509.Certificate{}, Host: "x"}, KindTLS, false},
		{"not TLS", live, tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}, KindTLS, false},
		{"alert", live, fmt.Errorf("remote error: %w", tls.AlertError(40)), KindTLS, false},
		{"tls protocol", live, errors.New("tls: server selected unsupported protocol version 301"), KindTLS, false},
		{"reset", live, opError("read", syscall.ECONNRESET), KindConnectionReset, true},
		{"broken pipe", live, opError("write", syscall.EPIPE), KindConnectionReset, true},
		{"closed before response", live, &url.Error{Op: "Get", URL: "http://x", Err: io.EOF}, KindConnectionReset, true},
		{"refused", live, opError("dial", syscall.ECONNREFUSED), KindConnectionRefused, true},
		{"unexpected EOF", live, io.ErrUnexpectedEOF, KindTruncated, true},
		{"something else", live, errors.New("net/http: invalid header"), KindOther, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := classify(tc.ctx, tc.err)
			if e.Kind != tc.wantKind || e.Transient() != tc.wantTransient {
				t.Errorf("Kind %q Transient %v, want %q %v", e.Kind, e.Transient(), tc.wantKind, tc.wantTransient)
			}
			var urlErr *url.Error
			if errors.As(e, &urlErr) {
				t.Errorf("*url.Error kept: %v", e)
			}
		})
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

func TestErrorTransientByStatus(t *testing.T) {
	for status, want := range map[int]bool{400: false, 401: false, 403: false, 404: false, 408: true, 410: false, 429: true, 500: true, 502: true, 503: true, 504: true} {
		if got := (&Error{Kind: KindHTTPStatus, Status: status}).Transient(); got != want {
			t.Errorf("HTTP %d: Transient %v, want %v", status, got, want)
		}
	}
}
