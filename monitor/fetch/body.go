package fetch

import (
	"bufio"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"

	"github.com/andybalholm/brotli"
)

// acceptEncoding is what we ask for and can undo. Go's transparent gzip is
// off so that deflate and br work too and every coding is size-capped.
const acceptEncoding = "gzip, deflate, br"

// maxCodings bounds stacked Content-Encodings ("gzip, gzip, ..."): each layer
// multiplies what a few bytes can expand to, and nobody needs more.
const maxCodings = 3

// maxSizeHint bounds the buffer allocated up front from a Content-Length,
// which the server may lie about.
const maxSizeHint = 4 << 20

// bodyError says why reading a body failed: truncation, transport and cap
// errors come from the wire; decode errors from a decompressor.
type bodyError struct {
	kind ErrorKind
	err  error
}

// readBody reads resp.Body, undoing its Content-Encoding, and stops as soon
// as either the bytes on the wire or the decoded bytes exceed limit. It
// returns the decoded body and how many bytes came over the wire.
func readBody(resp *http.Response, limit int64) ([]byte, int64, *bodyError) {
	if resp.ContentLength > limit {
		return nil, 0, &bodyError{KindTooLarge, fmt.Errorf("Content-Length %d exceeds the %d-byte limit: %w", resp.ContentLength, limit, errTooLarge)}
	}
	wire := &wireReader{r: io.LimitReader(resp.Body, limit+1)}

	codings, err := parseCodings(resp.Header.Values("Content-Encoding"))
	if err != nil {
		return nil, 0, &bodyError{KindDecode, err}
	}

	hint := int64(64 << 10)
	if resp.ContentLength >= 0 {
		hint = resp.ContentLength
		if len(codings) > 0 {
			hint *= 4 // text compresses about that well
		}
	}
	hint = min(hint, limit, maxSizeHint)

	var body []byte
	var decodeErr error
	if len(codings) == 0 {
		body, decodeErr = readAll(wire, hint)
	} else {
		var dec io.Reader
		dec, decodeErr = decoder(wire, codings)
		if decodeErr == nil {
			body, decodeErr = readAll(io.LimitReader(dec, limit+1), hint)
		}
	}

	// The wire is checked first: a decompressor fed a cut stream reports
	// that as its own error.
	switch {
	case wire.n > limit:
		return nil, wire.n, &bodyError{KindTooLarge, fmt.Errorf("more than %d bytes on the wire: %w", limit, errTooLarge)}
	case wire.err != nil:
		return nil, wire.n, &bodyError{"", wire.err} // classified by the caller, which knows the deadline
	case int64(len(body)) > limit:
		return nil, wire.n, &bodyError{KindTooLarge, fmt.Errorf("more than %d bytes after undoing Content-Encoding %s: %w", limit, strings.Join(codings, ", "), errTooLarge)}
	case errors.Is(decodeErr, io.ErrUnexpectedEOF):
		return nil, wire.n, &bodyError{KindTruncated, fmt.Errorf("%s stream ends early: %w", strings.Join(codings, ", "), decodeErr)}
	case decodeErr != nil:
		return nil, wire.n, &bodyError{KindDecode, decodeErr}
	}
	return body, wire.n, nil
}

// wireReader counts the bytes read from the connection and keeps the first
// error other than io.EOF, so that a failing connection is not mistaken for
// a corrupt compressed stream.
type wireReader struct {
	r   io.Reader
	n   int64
	err error
}

func (w *wireReader) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	w.n += int64(n)
	if err != nil && err != io.EOF && w.err == nil {
		w.err = err
	}
	return n, err
}

// parseCodings returns the Content-Encoding codings in the order they were
// applied, without "identity".
func parseCodings(values []string) ([]string, error) {
	var codings []string
	for _, v := range values {
		for c := range strings.SplitSeq(v, ",") {
			c = strings.ToLower(strings.TrimSpace(c))
			if c == "" || c == "identity" {
				continue
			}
			switch c {
			case "gzip", "x-gzip", "deflate", "br":
			default:
				return nil, fmt.Errorf("unsupported Content-Encoding %q", c)
			}
			codings = append(codings, c)
		}
	}
	if len(codings) > maxCodings {
		return nil, fmt.Errorf("%d stacked Content-Encodings, at most %d accepted", len(codings), maxCodings)
	}
	return codings, nil
}

// decoder stacks decompressors over r, undoing the last-applied coding first.
func decoder(r io.Reader, codings []string) (io.Reader, error) {
	for i := len(codings) - 1; i >= 0; i-- {
		br := bufio.NewReader(r)
		if _, err := br.Peek(1); err == io.EOF {
			// An empty body with a Content-Encoding (HEAD-like answers,
			// 204s) is empty, not corrupt.
			return br, nil
		}
		var err error
		switch codings[i] {
		case "gzip", "x-gzip":
			r, err = gzip.NewReader(br)
		case "deflate":
			r, err = newDeflateReader(br)
		case "br":
			r = brotli.NewReader(br)
		}
		if err != nil {
			return nil, err // gzip and zlib name themselves: "gzip: invalid header"
		}
	}
	return r, nil
}

// newDeflateReader accepts both forms served as "deflate": the zlib-wrapped
// stream RFC 9110 means, and the raw deflate some servers send instead.
func newDeflateReader(br *bufio.Reader) (io.Reader, error) {
	head, _ := br.Peek(2)
	if len(head) == 2 && isZlibHeader(head[0], head[1]) {
		return zlib.NewReader(br)
	}
	return flate.NewReader(br), nil
}

// isZlibHeader reports whether cmf, flg open a zlib stream (RFC 1950):
// method 8 (deflate) and a header checksum that is a multiple of 31.
func isZlibHeader(cmf, flg byte) bool {
	return cmf&0x0f == 8 && cmf>>4 <= 7 && (uint16(cmf)<<8|uint16(flg))%31 == 0
}

// readAll is io.ReadAll with an initial capacity, so that a body of known
// size is read into one allocation.
func readAll(r io.Reader, hint int64) ([]byte, error) {
	b := make([]byte, 0, hint+1) // +1: reaching EOF needs one more Read
	for {
		n, err := r.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return b, err
		}
		if len(b) == cap(b) {
			// Double: append grows large slices by only 1.25x, which
			// copies a body of unknown size many times over.
			b = slices.Grow(b, cap(b))
		}
	}
}

// drain reads and discards a little of a body we do not want, so that the
// connection can be reused, and closes it.
func drain(body io.ReadCloser) {
	_, _ = io.CopyN(io.Discard, body, 64<<10)
	_ = body.Close()
}
