package fetch

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
)

var utf8BOM = []byte("\uFEFF")

// DecodeCharset converts an HTML body to UTF-8 and says which charset it was
// read as (a WHATWG name: "utf-8", "windows-1252", ...).
//
// The charset comes, in this order, from a byte order mark, the charset
// parameter of contentType, a <meta charset> or <meta http-equiv> in the
// first KiB or, when the body is not valid UTF-8, further down the head,
// and otherwise is utf-8 — or windows-1252 when the body is not valid
// UTF-8, as browsers assume. As in browsers, the label ISO-8859-1 means
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
	} else if !certain && name == "windows-1252" {
		// No declaration in the first KiB, or one of windows-1252: a
		// <meta> further down the head declares the page's charset for a
		// browser all the same (it parses the page again when it meets
		// one), and a head whose length varies from fetch to fetch (inline
		// scripts, nonces) must not make one fetch read it and the next not.
		if e, n := lateMeta(body); e != nil {
			enc, name = e, n
		}
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

// lateMetaLimit bounds how far into a page lateMeta looks for a <meta>
// declaring its charset.
const lateMetaLimit = 256 << 10

// lateMeta returns the charset the first <meta charset> or <meta
// http-equiv=content-type> of the page's head declares (UTF-16 read as
// UTF-8, as browsers do, the bytes being ASCII-compatible), or nil.
func lateMeta(body []byte) (encoding.Encoding, string) {
	if len(body) > lateMetaLimit {
		body = body[:lateMetaLimit]
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return nil, ""
		case html.StartTagToken, html.SelfClosingTagToken:
		default:
			continue
		}
		tag, more := z.TagName()
		switch string(tag) {
		case "body":
			return nil, ""
		case "meta":
		default:
			continue
		}
		var label, httpEquiv, content string
		for more {
			var key, val []byte
			key, val, more = z.TagAttr()
			switch string(key) {
			case "charset":
				label = string(val)
			case "http-equiv":
				httpEquiv = string(val)
			case "content":
				content = string(val)
			}
		}
		if label == "" && strings.EqualFold(strings.TrimSpace(httpEquiv), "content-type") {
			if _, params, err := mime.ParseMediaType(content); err == nil {
				label = params["charset"]
			}
		}
		if label == "" {
			continue
		}
		e, name := charset.Lookup(label)
		if e == nil {
			continue
		}
		if strings.HasPrefix(name, "utf-16") {
			return encoding.Nop, "utf-8"
		}
		return e, name
	}
}
