package fetch

import (
	"bytes"
	"fmt"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
)

var utf8BOM = []byte("\uFEFF")

// DecodeCharset converts an HTML body to UTF-8 and says which charset it was
// read as (a WHATWG name: "utf-8", "windows-1252", ...).
//
// The charset comes, in this order, from a byte order mark, the charset
// parameter of contentType, a <meta charset> or <meta http-equiv> in the
// first KiB, and otherwise is utf-8 — or windows-1252 when the body is not
// valid UTF-8, as browsers assume. As in browsers, the label ISO-8859-1 means
// windows-1252, which agrees with it on every byte except 0x80–0x9F, where
// pages labelled ISO-8859-1 in fact mean windows-1252's ’ € and the like.
//
// A leading byte order mark is dropped. Bytes invalid in the charset become
// U+FFFD. The result may share memory with body.
func DecodeCharset(body []byte, contentType string) (utf8Body []byte, charsetName string, err error) {
	enc, name, certain := charset.DetermineEncoding(body, contentType)
	if !certain && name == "windows-1252" && utf8.Valid(body) {
		// DetermineEncoding falls back to windows-1252 when its first KiB
		// has no byte above 0x7F, even if UTF-8 follows. A whole body that
		// is valid UTF-8 is UTF-8: windows-1252 text with accented letters
		// practically never is, so this overrides a <meta> too (a header
		// or BOM, being certain, is obeyed).
		enc, name = encoding.Nop, "utf-8"
	}
	if name == "utf-8" {
		body = bytes.TrimPrefix(body, utf8BOM)
		if utf8.Valid(body) {
			return body, name, nil
		}
		return bytes.ToValidUTF8(body, []byte("\uFFFD")), name, nil
	}
	out, err := enc.NewDecoder().Bytes(body)
	if err != nil {
		return nil, name, fmt.Errorf("decode %s: %w", name, err)
	}
	return bytes.TrimPrefix(out, utf8BOM), name, nil
}
