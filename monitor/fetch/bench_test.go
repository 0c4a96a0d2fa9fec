package fetch

import (
	"net/http"
	"strconv"
	"testing"
)

// BenchmarkFetch fetches a 380 KB page from a loopback server, as served
// plain (with and without Content-Length) and compressed.
func BenchmarkFetch(b *testing.B) {
	body := page(380 << 10)
	for _, bc := range []struct {
		name, coding  string
		contentLength bool
		encoded       []byte
	}{
		{"identity", "", true, body},
		{"chunked", "", false, body}, // size unknown until the end, as dynamic pages are
		{"gzip", "gzip", false, encodeWith(b, body, gzipEncoder)},
		{"br", "br", false, encodeWith(b, body, brotliEncoder)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			srv := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "text/html; charset=utf-8")
				if bc.coding != "" {
					w.Header().Set("Content-Encoding", bc.coding)
				}
				if bc.contentLength {
					w.Header().Set("Content-Length", strconv.Itoa(len(bc.encoded)))
				}
				_, _ = w.Write(bc.encoded)
			}))
			client := New(Options{})
			defer client.CloseIdleConnections()
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				resp, _, err := client.Fetch(b.Context(), Request{URL: srv.URL})
				if err != nil {
					b.Fatal(err)
				}
				if len(resp.Body) != len(body) {
					b.Fatalf("%d bytes, want %d", len(resp.Body), len(body))
				}
			}
		})
	}
}

// BenchmarkDecodeCharset decodes a 380 KB page, UTF-8 and windows-1252.
func BenchmarkDecodeCharset(b *testing.B) {
	utf8Page := page(380 << 10)
	for _, bc := range []struct {
		name, contentType string
	}{
		{"utf-8", "text/html; charset=utf-8"},
		{"windows-1252", "text/html; charset=windows-1252"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.SetBytes(int64(len(utf8Page)))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := DecodeCharset(utf8Page, bc.contentType); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
