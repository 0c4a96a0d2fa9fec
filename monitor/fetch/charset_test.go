package fetch

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestFetchAndDecodeCharset serves the pages in testdata as a server would
// and checks that what a reader sees comes out right.
func TestFetchAndDecodeCharset(t *testing.T) {
	tests := []struct {
		file        string
		contentType string
		wantCharset string
		want        []string
	}{
		{"cp1252-nodecl.html", "text/html; charset=windows-1252", "windows-1252",
			[]string{"confidentialité", "L’utilisateur", "5 €", "Données collectées"}},
		{"cp1252-nodecl.html", "text/html; charset=ISO-8859-1", "windows-1252",
			[]string{"confidentialité", "L’utilisateur", "5 €"}},
		{"cp1252-meta.html", "text/html", "windows-1252",
			[]string{"confidentialité", "L’utilisateur", "5 €"}},
		{"latin1-nodecl.html", "text/html; charset=iso-8859-1", "windows-1252",
			[]string{"Données collectées à des fins"}},
		{"latin1-http-equiv.html", "text/html", "windows-1252",
			[]string{"Données collectées à des fins"}},
		// The header beats <meta>: a page sent as UTF-8 is read as UTF-8.
		{"cp1252-meta.html", "text/html; charset=utf-8", "utf-8",
			[]string{"confidentialit\uFFFD"}},
		// A BOM beats both.
		{"utf8-bom.html", "text/html; charset=windows-1252", "utf-8",
			[]string{"L’utilisateur paie 5 €"}},
		// Nothing declared, all ASCII in the first KiB, UTF-8 later.
		{"utf8-late.html", "text/html", "utf-8",
			[]string{"L’utilisateur paie 5 €. Données."}},
		// Nothing declared and not UTF-8: what browsers assume.
		{"cp1252-nodecl.html", "text/html", "windows-1252",
			[]string{"L’utilisateur"}},
		// An unknown label is ignored.
		{"cp1252-meta.html", "text/html; charset=x-no-such-thing", "windows-1252",
			[]string{"5 €"}},
	}
	for _, tc := range tests {
		t.Run(tc.file+" as "+tc.contentType, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.contentType)
				_, _ = w.Write(raw)
			}))
			resp, _, err := New(testOptions()).Fetch(t.Context(), Request{URL: srv.URL})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(resp.Body, raw) {
				t.Fatal("Body is not the bytes served")
			}

			text, charset, err := DecodeCharset(resp.Body, resp.ContentType)
			if err != nil {
				t.Fatal(err)
			}
			if charset != tc.wantCharset {
				t.Errorf("charset %q, want %q", charset, tc.wantCharset)
			}
			if !utf8.Valid(text) {
				t.Error("result is not valid UTF-8")
			}
			if bytes.HasPrefix(text, utf8BOM) {
				t.Error("byte order mark kept")
			}
			for _, w := range tc.want {
				if !strings.Contains(string(text), w) {
					t.Errorf("%q not in %q", w, text)
				}
			}
		})
	}
}

func TestDecodeCharsetEdgeCases(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		contentType string
		want        string
		wantCharset string
	}{
		{"empty", "", "", "", "utf-8"},
		{"ascii", "<p>plain</p>", "", "<p>plain</p>", "utf-8"},
		{"utf-16le BOM", "\xff\xfe<\x00p\x00>\x00\xe9\x00", "text/html", "<p>é", "utf-16le"},
		{"invalid UTF-8 declared UTF-8", "caf\xe9 ok", "text/html; charset=utf-8", "caf\uFFFD ok", "utf-8"},
		{"bad Content-Type", "caf\xc3\xa9", "text/html; charset", "café", "utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, charset, err := DecodeCharset([]byte(tc.body), tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want || charset != tc.wantCharset {
				t.Errorf("got %q as %q, want %q as %q", got, charset, tc.want, tc.wantCharset)
			}
		})
	}
}
