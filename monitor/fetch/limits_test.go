package fetch

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
)

// writeUntilError writes chunk n times or until a write fails, and returns
// the bytes written.
func writeUntilError(w io.Writer, chunk []byte, n int) int64 {
	var written int64
	for range n {
		m, err := w.Write(chunk)
		written += int64(m)
		if err != nil {
			break
		}
	}
	return written
}

func TestFetchStopsAtTheCap(t *testing.T) {
	const limit = 20 << 20 // the default MaxBody
	const big = 50 << 20   // what an unbounded client would download
	zeros := make([]byte, 1<<20)

	// A gzip member of 16 MiB of zeros, about 16 KB; 64 of them in a row
	// are one valid gzip body of 1 GiB (RFC 1952 allows many members).
	member := gzipped(t, bytes.Repeat(zeros, 16))
	bomb := bytes.Repeat(member, 64)
	// gzip again: the repeated members shrink to a few KB.
	nestedBomb := gzipped(t, bomb)
	t.Logf("gzip member %d B, 1 GiB bomb %d B, nested bomb %d B", len(member), len(bomb), len(nestedBomb))

	tests := []struct {
		name     string
		header   map[string]string
		write    func(w io.Writer) int64
		maxWire  int64 // most body bytes the client may have read
		maxSent  int64 // most bytes the server may have got out; 0: no check
		wantWire int64 // -1: no exact expectation
	}{
		{
			name:     "50 MiB without Content-Length",
			write:    func(w io.Writer) int64 { return writeUntilError(w, zeros, big>>20) },
			maxWire:  limit + 64<<10,
			maxSent:  big - 1,
			wantWire: limit + 1,
		},
		{
			name:     "50 MiB with Content-Length",
			header:   map[string]string{"Content-Length": strconv.Itoa(big)},
			write:    func(w io.Writer) int64 { return writeUntilError(w, zeros, big>>20) },
			maxWire:  0,
			maxSent:  big - 1,
			wantWire: 0,
		},
		{
			name:     "gzip bomb: 1 GiB in 64 members",
			header:   map[string]string{"Content-Encoding": "gzip"},
			write:    func(w io.Writer) int64 { return writeUntilError(w, member, 64) },
			maxWire:  1 << 20,
			wantWire: -1,
		},
		{
			name:     "nested gzip bomb: a few KB to 1 GiB",
			header:   map[string]string{"Content-Encoding": "gzip, gzip"},
			write:    func(w io.Writer) int64 { return writeUntilError(w, nestedBomb, 1) },
			maxWire:  int64(len(nestedBomb)),
			wantWire: -1,
		},
		{
			name:   "brotli bomb: 1 GiB compressed on the fly",
			header: map[string]string{"Content-Encoding": "br"},
			write: func(w io.Writer) int64 {
				bw := brotli.NewWriterLevel(w, 1)
				n := writeUntilError(bw, zeros, 1<<10)
				_ = bw.Close()
				return n // uncompressed bytes the handler produced
			},
			maxWire:  1 << 20,
			maxSent:  (1 << 30) - 1,
			wantWire: -1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sent := make(chan int64, 1)
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tc.header {
					w.Header().Set(k, v)
				}
				sent <- tc.write(w)
			}))

			_, attempts, err := New(testOptions()).Fetch(t.Context(), Request{URL: srv.URL})

			var fe *Error
			if !errors.As(err, &fe) || fe.Kind != KindTooLarge || fe.Transient() || !errors.Is(err, errTooLarge) {
				t.Fatalf("error = %v, want a non-transient too_large", err)
			}
			if len(attempts) != 1 {
				t.Errorf("%d attempts, want 1 (too_large is not retried)", len(attempts))
			}
			wire := attempts[0].Bytes
			if wire > tc.maxWire || (tc.wantWire >= 0 && wire != tc.wantWire) {
				t.Errorf("client read %d body bytes, want ≤ %d (exactly %d)", wire, tc.maxWire, tc.wantWire)
			}
			select {
			case n := <-sent:
				t.Logf("client read %d B; server got out %d B before the connection broke", wire, n)
				if tc.maxSent > 0 && n > tc.maxSent {
					t.Errorf("server wrote %d bytes: the client read it all", n)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("the handler is still writing: the client did not close the connection")
			}
		})
	}
}
