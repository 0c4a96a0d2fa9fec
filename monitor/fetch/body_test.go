package fetch

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"io"
	"net/http"
	"slices"
	"testing"

	"github.com/andybalholm/brotli"
)

type encodeFunc func(w io.Writer) io.WriteCloser

func encodeWith(t testing.TB, data []byte, encoders ...encodeFunc) []byte {
	t.Helper()
	for _, enc := range encoders {
		var buf bytes.Buffer
		w := enc(&buf)
		if _, err := w.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		data = buf.Bytes()
	}
	return data
}

func gzipEncoder(w io.Writer) io.WriteCloser { return gzip.NewWriter(w) }

func zlibEncoder(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) }

func rawDeflateEncoder(w io.Writer) io.WriteCloser {
	fw, err := flate.NewWriter(w, flate.DefaultCompression)
	if err != nil {
		panic(err)
	}
	return fw
}

func brotliEncoder(w io.Writer) io.WriteCloser { return brotli.NewWriterLevel(w, 5) }

func TestFetchUndoesContentEncoding(t *testing.T) {
	want := page(100 << 10)
	tests := []struct {
		coding   string // Content-Encoding sent
		encoders []encodeFunc
	}{
		{"", nil},
		{"identity", nil},
		{"gzip", []encodeFunc{gzipEncoder}},
		{"x-gzip", []encodeFunc{gzipEncoder}},
		{"deflate", []encodeFunc{zlibEncoder}},
		{"deflate", []encodeFunc{rawDeflateEncoder}},
		{"br", []encodeFunc{brotliEncoder}},
		{"BR", []encodeFunc{brotliEncoder}},
		{"gzip, br", []encodeFunc{gzipEncoder, brotliEncoder}},
	}
	for _, tc := range tests {
		encoded := encodeWith(t, want, tc.encoders...)
		name := tc.coding
		if len(tc.encoders) == 1 && tc.coding == "deflate" {
			name += map[bool]string{true: " (zlib)", false: " (raw)"}[isZlibHeader(encoded[0], encoded[1])]
		}
		t.Run(name, func(t *testing.T) {
			var acceptEncodingSent string
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				acceptEncodingSent = r.Header.Get("Accept-Encoding")
				if tc.coding != "" {
					w.Header().Set("Content-Encoding", tc.coding)
				}
				_, _ = w.Write(encoded)
			}))

			resp, attempts, err := New(testOptions()).Fetch(t.Context(), Request{URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(resp.Body, want) {
				t.Errorf("Body: %d bytes, want %d", len(resp.Body), len(want))
			}
			if attempts[0].Bytes != int64(len(encoded)) {
				t.Errorf("Bytes = %d, want %d on the wire", attempts[0].Bytes, len(encoded))
			}
			if acceptEncodingSent != "gzip, deflate, br" {
				t.Errorf("Accept-Encoding sent %q", acceptEncodingSent)
			}
			if tc.coding != "" && resp.Header.Get("Content-Encoding") != tc.coding {
				t.Errorf("Content-Encoding header not kept: %q", resp.Header.Get("Content-Encoding"))
			}
		})
	}
}

func TestParseCodings(t *testing.T) {
	tests := []struct {
		values  []string
		want    []string
		wantErr bool
	}{
		{nil, nil, false},
		{[]string{"identity"}, nil, false},
		{[]string{" GZIP "}, []string{"gzip"}, false},
		{[]string{"gzip, br"}, []string{"gzip", "br"}, false},
		{[]string{"gzip", "deflate"}, []string{"gzip", "deflate"}, false},
		{[]string{"zstd"}, nil, true},
		{[]string{"gzip, gzip, gzip, gzip"}, nil, true},
	}
	for _, tc := range tests {
		got, err := parseCodings(tc.values)
		if (err != nil) != tc.wantErr || !slices.Equal(got, tc.want) {
			t.Errorf("parseCodings(%q) = %q, %v", tc.values, got, err)
		}
	}
}

func TestIsZlibHeader(t *testing.T) {
	for _, level := range []int{zlib.NoCompression, zlib.BestSpeed, zlib.DefaultCompression, zlib.BestCompression} {
		var buf bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&buf, level)
		_, _ = zw.Write([]byte("policy"))
		_ = zw.Close()
		if b := buf.Bytes(); !isZlibHeader(b[0], b[1]) {
			t.Errorf("level %d: % x not taken for zlib", level, b[:2])
		}
	}
	raw := encodeWith(t, page(4<<10), rawDeflateEncoder)
	if isZlibHeader(raw[0], raw[1]) {
		t.Errorf("raw deflate % x taken for zlib", raw[:2])
	}
}

func TestReadBodyKeepsWireErrors(t *testing.T) {
	// A gzip body whose connection fails half-way is a transport failure,
	// not a corrupt stream.
	gz := gzipped(t, page(64<<10))
	wireErr := errors.New("read tcp: connection reset by peer")
	resp := &http.Response{
		ContentLength: -1,
		Header:        http.Header{"Content-Encoding": {"gzip"}},
		Body:          io.NopCloser(io.MultiReader(bytes.NewReader(gz[:len(gz)/2]), errReader{wireErr})),
	}
	_, n, be := readBody(resp, 1<<20)
	if be == nil || be.kind != "" || !errors.Is(be.err, wireErr) {
		t.Fatalf("bodyError = %+v, want the wire error unclassified", be)
	}
	if n != int64(len(gz)/2) {
		t.Errorf("wire bytes = %d, want %d", n, len(gz)/2)
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }
