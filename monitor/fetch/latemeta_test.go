package fetch

import (
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
)

// TestCharsetDeclaredAfterTheFirstKiB: a page sent without a charset
// header whose <meta charset> comes after a long head (inline scripts and
// styles, their nonces and sizes changing from fetch to fetch) is read in
// the charset it declares, as browsers read it (they re-parse when they
// meet it), whatever the length of the head: a page whose declaration
// falls on one side of the first KiB on one fetch and on the other on the
// next must read the same on both.
func TestCharsetDeclaredAfterTheFirstKiB(t *testing.T) {
	text := "Политика конфиденциальности: мы собираем ваши данные."
	body, err := charmap.Windows1251.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, meta string }{
		{"meta charset", `<meta charset="windows-1251">`},
		{"http-equiv", `<meta http-equiv="Content-Type" content="text/html; charset=windows-1251">`},
	} {
		for _, headLen := range []int{100, 900, 1100, 5000} {
			page := `<!DOCTYPE html><html><head><script nonce="x">` + strings.Repeat("var a=1;", headLen/8) + `</script>` +
				tc.meta + `<title>t</title></head><body><p>` + body + `</p></body></html>`
			got, cs, err := DecodeCharset([]byte(page), "text/html")
			if err != nil {
				t.Fatal(err)
			}
			if cs != "windows-1251" || !strings.Contains(string(got), text) {
				t.Errorf("%s after %d bytes of head: read as %s", tc.name, headLen, cs)
			}
		}
	}
}
