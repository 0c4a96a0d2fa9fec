package fetch

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// testOptions keeps retries and backoff short so that tests of retrying
// behaviour take milliseconds.
func testOptions() Options {
	return Options{
		Timeout:     5 * time.Second,
		Retries:     2,
		BackoffBase: time.Millisecond,
		BackoffMax:  5 * time.Millisecond,
	}
}

func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// resetConnection makes the client see "connection reset by peer": SO_LINGER
// 0 turns the close into a RST.
func resetConnection(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(err)
	}
	_ = conn.(*net.TCPConn).SetLinger(0)
	_ = conn.Close()
}

// writeRaw hijacks the connection, writes raw bytes and closes it.
func writeRaw(raw string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		conn, _, err := http.NewResponseController(w).Hijack()
		if err != nil {
			panic(err)
		}
		_, _ = conn.Write([]byte(raw))
		_ = conn.Close()
	}
}

func gzipped(t testing.TB, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// page makes an HTML page of about size bytes with varied, compressible
// text, like a policy.
func page(size int) []byte {
	var b bytes.Buffer
	b.WriteString("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Privacy Policy</title></head><body>\n")
	for i := 0; b.Len() < size-30; i++ {
		fmt.Fprintf(&b, "<p id=\"s%d\">Section %d. We collect information you provide (%d), for purposes such as personalisation and measurement. Données traitées.</p>\n", i, i, i*7919%1000)
	}
	b.WriteString("</body></html>\n")
	return b.Bytes()
}

func TestFetchOutcomes(t *testing.T) {
	gzPage := gzipped(t, page(64<<10))

	type testCase struct {
		name          string
		handler       http.HandlerFunc
		path          string
		opts          func(*Options)
		wantKind      ErrorKind // "" means success
		wantStatus    int
		wantAttempts  int
		wantTransient bool
		check         func(t *testing.T, resp *Response, attempts []Attempt)
	}
	// transientThenOK fails with 503 once, then serves the page.
	var calls atomic.Int32
	transientThenOK := func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("<p>policy</p>"))
	}

	tests := []testCase{
		{
			name: "200 with body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				_, _ = w.Write([]byte("<p>policy</p>"))
			},
			wantStatus: 200, wantAttempts: 1,
			check: func(t *testing.T, resp *Response, attempts []Attempt) {
				if string(resp.Body) != "<p>policy</p>" {
					t.Errorf("Body = %q", resp.Body)
				}
				if resp.ContentType != "text/html; charset=utf-8" {
					t.Errorf("ContentType = %q", resp.ContentType)
				}
				if resp.NotModified {
					t.Error("NotModified on a 200")
				}
				if a := attempts[0]; a.Bytes != 13 || a.Err != "" || a.Status != 200 || a.Header.Get("Content-Type") == "" || a.Duration <= 0 {
					t.Errorf("attempt = %+v", a)
				}
			},
		},
		{
			name:       "200 with empty body",
			handler:    func(w http.ResponseWriter, r *http.Request) {},
			wantStatus: 200, wantAttempts: 1,
			check: func(t *testing.T, resp *Response, attempts []Attempt) {
				if len(resp.Body) != 0 || attempts[0].Bytes != 0 {
					t.Errorf("Body = %q, Bytes = %d", resp.Body, attempts[0].Bytes)
				}
			},
		},
		{
			name:       "204 is a success",
			handler:    func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) },
			wantStatus: 204, wantAttempts: 1,
		},
		{
			name: "gzip with empty body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
			},
			wantStatus: 200, wantAttempts: 1,
		},
		{
			name:     "500 is retried, then fails",
			handler:  func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", 500) },
			wantKind: KindHTTPStatus, wantStatus: 500, wantAttempts: 3, wantTransient: true,
			check: func(t *testing.T, _ *Response, attempts []Attempt) {
				for i, a := range attempts {
					if a.Status != 500 || a.Err != "HTTP 500 Internal Server Error" {
						t.Errorf("attempt %d: Status %d, Err %q", i, a.Status, a.Err)
					}
				}
			},
		},
		{
			name:     "404 is not retried",
			handler:  http.NotFound,
			wantKind: KindHTTPStatus, wantStatus: 404, wantAttempts: 1,
		},
		{
			name:     "429 is retried",
			handler:  func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTooManyRequests) },
			wantKind: KindHTTPStatus, wantStatus: 429, wantAttempts: 3, wantTransient: true,
		},
		{
			name:     "304 to an unconditional request is an error",
			handler:  func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNotModified) },
			wantKind: KindHTTPStatus, wantStatus: 304, wantAttempts: 1,
		},
		{
			name:     "connection reset is retried",
			handler:  resetConnection,
			wantKind: KindConnectionReset, wantAttempts: 3, wantTransient: true,
		},
		{
			name: "timeout waiting for headers is retried",
			handler: func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			},
			opts:     func(o *Options) { o.Timeout = 100 * time.Millisecond },
			wantKind: KindTimeout, wantAttempts: 3, wantTransient: true,
			check: func(t *testing.T, _ *Response, attempts []Attempt) {
				for i, a := range attempts {
					if a.Duration < 100*time.Millisecond {
						t.Errorf("attempt %d took %s, before the 100ms timeout", i, a.Duration)
					}
				}
			},
		},
		{
			name: "timeout in the middle of the body",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Length", "1000")
				_, _ = w.Write([]byte("<p>start"))
				_ = http.NewResponseController(w).Flush()
				select {
				case <-r.Context().Done():
				case <-time.After(10 * time.Second):
				}
			},
			opts:     func(o *Options) { o.Timeout = 100 * time.Millisecond; o.Retries = -1 },
			wantKind: KindTimeout, wantStatus: 200, wantAttempts: 1, wantTransient: true,
			check: func(t *testing.T, _ *Response, attempts []Attempt) {
				if attempts[0].Bytes != 8 {
					t.Errorf("Bytes = %d, want the 8 sent before the stall", attempts[0].Bytes)
				}
			},
		},
		{
			name:     "body shorter than Content-Length is truncated",
			handler:  writeRaw("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\nshort"),
			wantKind: KindTruncated, wantStatus: 200, wantAttempts: 3, wantTransient: true,
			check: func(t *testing.T, _ *Response, attempts []Attempt) {
				if attempts[0].Bytes != 5 {
					t.Errorf("Bytes = %d, want 5", attempts[0].Bytes)
				}
			},
		},
		{
			name: "gzip stream cut short is truncated",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write(gzPage[:len(gzPage)/2])
			},
			opts:     func(o *Options) { o.Retries = -1 },
			wantKind: KindTruncated, wantStatus: 200, wantAttempts: 1, wantTransient: true,
		},
		{
			name: "corrupt gzip is a decode error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "gzip")
				_, _ = w.Write([]byte("this is not gzip at all"))
			},
			wantKind: KindDecode, wantStatus: 200, wantAttempts: 1,
		},
		{
			name: "unrequested encoding is a decode error",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", "zstd")
				_, _ = w.Write([]byte("whatever"))
			},
			wantKind: KindDecode, wantStatus: 200, wantAttempts: 1,
		},
		{
			name: "redirect loop",
			handler: func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/a" {
					http.Redirect(w, r, "/b", http.StatusFound)
					return
				}
				http.Redirect(w, r, "/a", http.StatusMovedPermanently)
			},
			path:     "/a",
			opts:     func(o *Options) { o.MaxRedirects = 5 },
			wantKind: KindRedirectLoop, wantStatus: 301, wantAttempts: 1,
			check: func(t *testing.T, _ *Response, attempts []Attempt) {
				// Hops /a /b /a /b /a /b: the 6th still redirects.
				if a := attempts[0]; !strings.HasSuffix(a.FinalURL, "/b") || !strings.HasSuffix(a.URL, "/a") {
					t.Errorf("URL %q FinalURL %q", a.URL, a.FinalURL)
				}
			},
		},
		{
			name: "redirects are followed",
			handler: func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case "/start":
					http.Redirect(w, r, "middle", http.StatusMovedPermanently)
				case "/middle":
					http.Redirect(w, r, "/final?x=1", http.StatusTemporaryRedirect)
				default:
					_, _ = w.Write([]byte("final"))
				}
			},
			path:       "/start",
			wantStatus: 200, wantAttempts: 1,
			check: func(t *testing.T, resp *Response, attempts []Attempt) {
				if !strings.HasSuffix(resp.FinalURL, "/final?x=1") || !strings.HasSuffix(resp.URL, "/start") {
					t.Errorf("URL %q FinalURL %q", resp.URL, resp.FinalURL)
				}
				if attempts[0].FinalURL != resp.FinalURL || string(resp.Body) != "final" {
					t.Errorf("attempt FinalURL %q, Body %q", attempts[0].FinalURL, resp.Body)
				}
			},
		},
		{
			name: "redirect to another scheme is refused",
			handler: func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
			},
			wantKind: KindOther, wantStatus: 302, wantAttempts: 1,
		},
		{
			name:       "a transient failure, then success",
			handler:    transientThenOK,
			wantStatus: 200, wantAttempts: 2,
			check: func(t *testing.T, resp *Response, attempts []Attempt) {
				if attempts[0].Status != 503 || attempts[0].Err == "" {
					t.Errorf("first attempt = %+v, want a 503 with an error", attempts[0])
				}
				if attempts[1].Status != 200 || attempts[1].Err != "" {
					t.Errorf("second attempt = %+v, want a clean 200", attempts[1])
				}
				if string(resp.Body) != "<p>policy</p>" {
					t.Errorf("Body = %q", resp.Body)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, tc.handler)
			opts := testOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			client := New(opts)
			url := srv.URL + tc.path

			resp, attempts, err := client.Fetch(t.Context(), Request{URL: url})

			if len(attempts) != tc.wantAttempts {
				t.Errorf("%d attempts, want %d: %+v", len(attempts), tc.wantAttempts, attempts)
			}
			for i, a := range attempts {
				if a.URL != url || a.Start.IsZero() {
					t.Errorf("attempt %d: URL %q, Start %v", i, a.URL, a.Start)
				}
			}
			if tc.wantKind == "" {
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				if resp.Status != tc.wantStatus {
					t.Errorf("Status = %d, want %d", resp.Status, tc.wantStatus)
				}
			} else {
				var fe *Error
				if !errors.As(err, &fe) {
					t.Fatalf("error = %v (%T), want *Error", err, err)
				}
				if fe.Kind != tc.wantKind || fe.Status != tc.wantStatus || fe.Transient() != tc.wantTransient {
					t.Errorf("Kind %q Status %d Transient %v, want %q %d %v (%v)",
						fe.Kind, fe.Status, fe.Transient(), tc.wantKind, tc.wantStatus, tc.wantTransient, err)
				}
				if fe.Attempts != len(attempts) || fe.URL != url {
					t.Errorf("Error.Attempts %d, URL %q", fe.Attempts, fe.URL)
				}
				if last := attempts[len(attempts)-1]; last.Err == "" {
					t.Errorf("failed attempt has no Err: %+v", last)
				}
				if resp != nil {
					t.Errorf("response %+v with an error", resp)
				}
			}
			if tc.check != nil {
				tc.check(t, resp, attempts)
			}
		})
	}
}

func TestFetchTLSFailureIsNotRetried(t *testing.T) {
	srv := httptest.NewTLSServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)

	_, attempts, err := New(testOptions()).Fetch(t.Context(), Request{URL: srv.URL})

	var fe *Error
	if !errors.As(err, &fe) || fe.Kind != KindTLS || fe.Transient() {
		t.Fatalf("error = %v, want a non-transient tls error", err)
	}
	if len(attempts) != 1 {
		t.Errorf("%d attempts, want 1", len(attempts))
	}
}

func TestFetchConnectionRefusedIsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + "/"
	_ = ln.Close()

	_, attempts, err := New(testOptions()).Fetch(t.Context(), Request{URL: url})

	var fe *Error
	if !errors.As(err, &fe) || fe.Kind != KindConnectionRefused || !fe.Transient() {
		t.Fatalf("error = %v, want a transient connection_refused", err)
	}
	if len(attempts) != 3 {
		t.Errorf("%d attempts, want 3", len(attempts))
	}
}

func TestFetchInvalidRequest(t *testing.T) {
	tests := []struct {
		name string
		req  Request
	}{
		{"ftp scheme", Request{URL: "ftp://example.com/policy"}},
		{"no host", Request{URL: "http:///policy"}},
		{"unparseable", Request{URL: "http://[::1"}},
		{"header injection", Request{URL: "http://127.0.0.1/", Header: map[string]string{"X-A": "1\r\nX-B: 2"}}},
		{"bad header name", Request{URL: "http://127.0.0.1/", Header: map[string]string{"X A": "1"}}},
		{"language injection", Request{URL: "http://127.0.0.1/", Language: "fr\nX: y"}},
	}
	client := New(testOptions())
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, attempts, err := client.Fetch(t.Context(), tc.req)
			var fe *Error
			if !errors.As(err, &fe) || fe.Kind != KindInvalidRequest || fe.Transient() {
				t.Fatalf("error = %v, want invalid_request", err)
			}
			if len(attempts) != 0 {
				t.Errorf("%d attempts, want none", len(attempts))
			}
		})
	}
}

func TestFetchRetryAfter(t *testing.T) {
	t.Run("503 with Retry-After 1 waits a second", func(t *testing.T) {
		var mu sync.Mutex
		var arrivals []time.Time
		srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			arrivals = append(arrivals, time.Now())
			n := len(arrivals)
			mu.Unlock()
			if n == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("ok"))
		}))

		resp, attempts, err := New(testOptions()).Fetch(t.Context(), Request{URL: srv.URL})
		if err != nil {
			t.Fatal(err)
		}
		if string(resp.Body) != "ok" || len(attempts) != 2 {
			t.Fatalf("Body %q, %d attempts", resp.Body, len(attempts))
		}
		mu.Lock()
		defer mu.Unlock()
		if gap := arrivals[1].Sub(arrivals[0]); gap < time.Second {
			t.Errorf("second request arrived %s after the first, want ≥ 1s", gap)
		}
	})

	t.Run("a Retry-After beyond MaxRetryAfter is reported, not waited for", func(t *testing.T) {
		srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
		}))

		_, attempts, err := New(testOptions()).Fetch(t.Context(), Request{URL: srv.URL})

		var fe *Error
		if !errors.As(err, &fe) || fe.Kind != KindHTTPStatus || fe.Status != 429 || fe.RetryAfter != time.Hour {
			t.Fatalf("error = %#v", err)
		}
		if !fe.Transient() || len(attempts) != 1 {
			t.Errorf("Transient %v, %d attempts", fe.Transient(), len(attempts))
		}
		if !strings.Contains(err.Error(), "retry after 1h0m0s") {
			t.Errorf("message %q does not say when to come back", err)
		}
	})
}

func TestFetchCancel(t *testing.T) {
	tests := []struct {
		name         string
		handler      http.HandlerFunc
		opts         func(*Options)
		warmUp       bool // fetch once first, uncancelled
		wantAttempts int
	}{
		{
			name:         "during backoff",
			handler:      func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(500) },
			opts:         func(o *Options) { o.BackoffBase = time.Minute; o.BackoffMax = time.Minute },
			wantAttempts: 1,
		},
		{
			name: "during a Retry-After wait",
			handler: func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Retry-After", "120")
				w.WriteHeader(503)
			},
			wantAttempts: 1,
		},
		{
			name:         "during a host interval wait",
			handler:      func(w http.ResponseWriter, r *http.Request) {},
			opts:         func(o *Options) { o.HostInterval = time.Minute },
			warmUp:       true,
			wantAttempts: 0,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := serve(t, tc.handler)
			opts := testOptions()
			if tc.opts != nil {
				tc.opts(&opts)
			}
			client := New(opts)
			client.jitter = func(ceiling time.Duration) time.Duration { return ceiling }
			if tc.warmUp {
				if _, _, err := client.Fetch(t.Context(), Request{URL: srv.URL}); err != nil {
					t.Fatal(err)
				}
			}

			ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, attempts, err := client.Fetch(ctx, Request{URL: srv.URL})
			elapsed := time.Since(start)

			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error = %v, want the context's", err)
			}
			var fe *Error
			if errors.As(err, &fe) {
				t.Errorf("got *Error %v for the caller's own cancellation", fe)
			}
			if len(attempts) != tc.wantAttempts {
				t.Errorf("%d attempts, want %d", len(attempts), tc.wantAttempts)
			}
			// The wait was a minute or more; returning within seconds
			// shows it was cut short.
			if elapsed > 10*time.Second {
				t.Errorf("returned after %s", elapsed)
			}
		})
	}
}

func TestFetchConditional(t *testing.T) {
	modified := time.Date(2025, 5, 28, 10, 0, 0, 0, time.UTC)
	var sent sync.Map // request header → value, last seen
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sent.Store("If-None-Match", r.Header.Get("If-None-Match"))
		sent.Store("If-Modified-Since", r.Header.Get("If-Modified-Since"))
		w.Header().Set("ETag", `"v2"`)
		http.ServeContent(w, r, "policy.html", modified, strings.NewReader("<p>policy v2</p>"))
	}))

	client := New(testOptions())
	first, _, err := client.Fetch(t.Context(), Request{URL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	etag, lastModified := first.Header.Get("ETag"), first.Header.Get("Last-Modified")
	if first.NotModified || etag != `"v2"` || lastModified == "" {
		t.Fatalf("first fetch: NotModified %v, ETag %q, Last-Modified %q", first.NotModified, etag, lastModified)
	}

	tests := []struct {
		name            string
		req             Request
		wantNotModified bool
	}{
		{"matching ETag", Request{ETag: etag}, true},
		{"Last-Modified", Request{LastModified: lastModified}, true},
		{"stale ETag", Request{ETag: `"v1"`}, false},
		{"old Last-Modified", Request{LastModified: modified.Add(-time.Hour).Format(http.TimeFormat)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.URL = srv.URL
			resp, attempts, err := client.Fetch(t.Context(), tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := sent.Load("If-None-Match"); got != tc.req.ETag {
				t.Errorf("If-None-Match sent %q, want %q", got, tc.req.ETag)
			}
			if got, _ := sent.Load("If-Modified-Since"); got != tc.req.LastModified {
				t.Errorf("If-Modified-Since sent %q, want %q", got, tc.req.LastModified)
			}
			if resp.NotModified != tc.wantNotModified || len(attempts) != 1 {
				t.Fatalf("NotModified %v, %d attempts", resp.NotModified, len(attempts))
			}
			if tc.wantNotModified && (resp.Status != 304 || len(resp.Body) != 0) {
				t.Errorf("304: Status %d, Body %q", resp.Status, resp.Body)
			}
			if !tc.wantNotModified && string(resp.Body) != "<p>policy v2</p>" {
				t.Errorf("Body %q", resp.Body)
			}
		})
	}
}

func TestFetchSendsHeaders(t *testing.T) {
	got := make(chan http.Header, 1)
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Clone()
	}))

	tests := []struct {
		name string
		opts Options
		req  Request
		want map[string]string
	}{
		{
			name: "defaults",
			want: map[string]string{
				"User-Agent":      DefaultUserAgent,
				"Accept":          accept,
				"Accept-Encoding": "gzip, deflate, br",
				"Accept-Language": "",
			},
		},
		{
			name: "language, user agent and extra headers",
			opts: Options{UserAgent: "policywatch-test/1 (+mailto:ops@example.org)"},
			req: Request{Language: "fr-FR", Header: map[string]string{
				"X-Watch":         "meta-privacy",
				"Accept-Encoding": "identity", // ignored: the client undoes what it asks for
			}},
			want: map[string]string{
				"User-Agent":      "policywatch-test/1 (+mailto:ops@example.org)",
				"Accept-Language": "fr-FR,fr;q=0.9",
				"X-Watch":         "meta-privacy",
				"Accept-Encoding": "gzip, deflate, br",
			},
		},
		{
			name: "a header overrides a default",
			req:  Request{Language: "de", Header: map[string]string{"Accept-Language": "de-CH"}},
			want: map[string]string{"Accept-Language": "de-CH"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.URL = srv.URL
			if _, _, err := New(tc.opts).Fetch(t.Context(), tc.req); err != nil {
				t.Fatal(err)
			}
			h := <-got
			for name, want := range tc.want {
				if h.Get(name) != want {
					t.Errorf("%s = %q, want %q", name, h.Get(name), want)
				}
			}
		})
	}
}

func TestAcceptLanguage(t *testing.T) {
	tests := map[string]string{
		"fr-FR":   "fr-FR,fr;q=0.9",
		"en":      "en",
		"pt_BR":   "pt-BR,pt;q=0.9",
		" de-CH ": "de-CH,de;q=0.9",
		"zh-Hant": "zh-Hant,zh;q=0.9",
	}
	for in, want := range tests {
		if got := AcceptLanguage(in); got != want {
			t.Errorf("AcceptLanguage(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHostInterval(t *testing.T) {
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "/page", http.StatusFound)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())

	t.Run("same host, concurrent fetches", func(t *testing.T) {
		const interval = 150 * time.Millisecond
		opts := testOptions()
		opts.HostInterval = interval
		client := New(opts)

		var wg sync.WaitGroup
		starts := make([]time.Time, 3)
		for i := range starts {
			wg.Go(func() {
				_, attempts, err := client.Fetch(t.Context(), Request{URL: srv.URL + "/page"})
				if err != nil || len(attempts) != 1 {
					t.Errorf("fetch %d: %v, %d attempts", i, err, len(attempts))
					return
				}
				starts[i] = attempts[0].Start
			})
		}
		wg.Wait()
		slices.SortFunc(starts, time.Time.Compare)
		for i := 1; i < len(starts); i++ {
			if gap := starts[i].Sub(starts[i-1]); gap < interval {
				t.Errorf("requests %d and %d started %s apart, want ≥ %s", i-1, i, gap, interval)
			}
		}
	})

	t.Run("redirect hops wait too, outside the timeout", func(t *testing.T) {
		const interval = 150 * time.Millisecond
		opts := testOptions()
		opts.HostInterval = interval
		opts.Timeout = 100 * time.Millisecond // shorter than the wait between hops
		resp, attempts, err := New(opts).Fetch(t.Context(), Request{URL: srv.URL + "/redirect"})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(resp.FinalURL, "/page") || attempts[0].Duration < interval {
			t.Errorf("FinalURL %q, attempt took %s, want ≥ %s", resp.FinalURL, attempts[0].Duration, interval)
		}
	})

	t.Run("not across hosts", func(t *testing.T) {
		const interval = 3 * time.Second
		opts := testOptions()
		opts.HostInterval = interval
		client := New(opts)
		var starts []time.Time
		for _, host := range []string{"127.0.0.1", "localhost"} {
			_, attempts, err := client.Fetch(t.Context(), Request{URL: "http://" + net.JoinHostPort(host, port) + "/page"})
			if err != nil {
				t.Fatalf("%s: %v", host, err)
			}
			starts = append(starts, attempts[0].Start)
		}
		if gap := starts[1].Sub(starts[0]); gap >= interval {
			t.Errorf("localhost waited %s after 127.0.0.1", gap)
		}
	})
}

func TestErrorMessage(t *testing.T) {
	tests := []struct {
		err  *Error
		want string
	}{
		{&Error{Kind: KindHTTPStatus, URL: "https://x", Status: 503, Attempts: 4}, "GET https://x: HTTP 503 Service Unavailable after 4 attempts"},
		{&Error{Kind: KindHTTPStatus, URL: "https://x", Status: 429, Attempts: 1, RetryAfter: time.Hour},
			"GET https://x: HTTP 429 Too Many Requests after 1 attempt; the server asks to retry after 1h0m0s"},
		{&Error{Kind: KindTooLarge, URL: "https://x", Attempts: 1, Err: errTooLarge}, "GET https://x: body too large after 1 attempt: body exceeds the size limit"},
		{&Error{Kind: KindTimeout, URL: "https://x", Attempts: 4, Err: errors.New("no response within 30s")}, "GET https://x: timed out after 4 attempts: no response within 30s"},
		{&Error{Kind: KindInvalidRequest, URL: "ftp://x", Err: errors.New("bad scheme")}, "GET ftp://x: invalid request: bad scheme"},
	}
	for _, tc := range tests {
		if got := tc.err.Error(); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

// TestRetryAfterHoldsTheHost: a Retry-After held back only the fetch that
// was told; the other pages of the host, the other watches of a site that
// answered "too many requests", were asked at once, one after the other,
// each to be told the same. They now wait for it too, at most
// MaxRetryAfter as the fetch told does; beyond, they give up at once as
// it does, with its status and what is left of its Retry-After, asking
// nothing. Another host is not held, and the hold ends after
// MaxRetryAfter whatever the host asked.
func TestRetryAfterHoldsTheHost(t *testing.T) {
	var mu sync.Mutex
	arrivals := map[string][]time.Time{}
	retryAfter := "1"
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		arrivals[r.URL.Path] = append(arrivals[r.URL.Path], time.Now())
		ra := retryAfter
		mu.Unlock()
		if r.URL.Path == "/busy" {
			w.Header().Set("Retry-After", ra)
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		_, _ = w.Write([]byte("ok"))
	}))
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	asked := func(path string) []time.Time {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(arrivals[path])
	}
	reset := func(ra string) {
		mu.Lock()
		defer mu.Unlock()
		clear(arrivals)
		retryAfter = ra
	}
	opts := testOptions()
	opts.Retries = -1 // the fetch told gives up: what the others do is what is tested
	opts.MaxRetryAfter = 2 * time.Second

	t.Run("within MaxRetryAfter, the host's other pages wait for it", func(t *testing.T) {
		reset("1")
		client := New(opts)
		if _, _, err := client.Fetch(t.Context(), Request{URL: srv.URL + "/busy"}); err == nil {
			t.Fatal("the busy page was fetched")
		}
		told := asked("/busy")[0]
		done := make(chan error, 1)
		go func() {
			_, _, err := client.Fetch(t.Context(), Request{URL: srv.URL + "/other"})
			done <- err
		}()
		// Another host (the same server by another name) is not held.
		if _, _, err := client.Fetch(t.Context(), Request{URL: "http://" + net.JoinHostPort("localhost", port) + "/elsewhere"}); err != nil {
			t.Errorf("another host: %v", err)
		}
		if at := asked("/elsewhere"); len(at) != 1 || at[0].Sub(told) >= time.Second {
			t.Errorf("another host was asked at %v, the busy one told to wait at %v", at, told)
		}
		time.Sleep(300 * time.Millisecond)
		if n := len(asked("/other")); n != 0 {
			t.Errorf("the host's other page was asked %d times within 300 ms of its Retry-After: 1", n)
		}
		if err := <-done; err != nil {
			t.Fatalf("the other page, once the Retry-After ran: %v", err)
		}
		if at := asked("/other"); len(at) != 1 || at[0].Sub(told) < 900*time.Millisecond {
			t.Errorf("the other page was asked at %v, %s after the Retry-After: 1", at, at[0].Sub(told))
		}
	})

	t.Run("beyond MaxRetryAfter, they give up at once", func(t *testing.T) {
		reset("3600")
		client := New(opts)
		if _, _, err := client.Fetch(t.Context(), Request{URL: srv.URL + "/busy"}); err == nil {
			t.Fatal("the busy page was fetched")
		}
		start := time.Now()
		_, attempts, err := client.Fetch(t.Context(), Request{URL: srv.URL + "/other"})
		took := time.Since(start)
		var fe *Error
		if !errors.As(err, &fe) || fe.Kind != KindHTTPStatus || fe.Status != http.StatusTooManyRequests ||
			fe.RetryAfter <= 59*time.Minute || fe.RetryAfter > time.Hour || !fe.Transient() {
			t.Fatalf("the other page: %v (%#v), want the busy one's 429 and what is left of its hour", err, err)
		}
		t.Logf("the other page: %v", err)
		if !strings.Contains(err.Error(), "not asked") {
			t.Errorf("the message does not say the page was not asked: %v", err)
		}
		if len(attempts) != 0 || len(asked("/other")) != 0 || took > time.Second {
			t.Errorf("the other page: %d attempts, asked %d times, took %s; want none, at once", len(attempts), len(asked("/other")), took)
		}
		// The hold lasts MaxRetryAfter at most: then a page is asked, as
		// the scheduler's retry of the busy one would be.
		time.Sleep(opts.MaxRetryAfter - took + 100*time.Millisecond)
		if _, _, err := client.Fetch(t.Context(), Request{URL: srv.URL + "/other"}); err != nil {
			t.Errorf("the other page after MaxRetryAfter: %v", err)
		}
	})
}
