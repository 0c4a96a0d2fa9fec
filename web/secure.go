package web

import (
	"mime"
	"net/http"
	"regexp"
	"strconv"
)

// contentSecurityPolicy allows the page's own embedded stylesheet and
// script and nothing else: no inline script or style, no event handler
// attributes, no plugins, no framing, forms only to this origin. Should
// a scraped value ever slip past the template engine's escaping, the
// browser still refuses to run it.
const contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// downloadPolicy is the policy of downloads: were a browser to render one
// anyway, it would be a sandboxed document without scripts, in an opaque
// origin.
const downloadPolicy = "sandbox; default-src 'none'"

// secureHeaders sets the security headers of every response. A mounted
// handler may replace them (Header().Set) for its own responses.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Cross-Origin-Resource-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		next.ServeHTTP(w, r)
	})
}

// unsafeFileName matches what a download's file name may not contain.
var unsafeFileName = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// setDownload makes the response a download named name: never rendered
// in the app's origin, whatever its content.
func setDownload(w http.ResponseWriter, name, contentType string, size int) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{
		"filename": unsafeFileName.ReplaceAllString(name, "_"),
	}))
	h.Set("Content-Security-Policy", downloadPolicy)
	h.Set("Cache-Control", "private, no-transform")
	h.Set("Content-Length", strconv.Itoa(size))
}
