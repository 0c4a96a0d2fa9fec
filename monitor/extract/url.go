package extract

import (
	"net/url"
	"slices"
	"strings"
	"unicode"
)

// NormalizeURL returns href resolved against base (which may be empty) in
// a canonical form, so that the same link reads the same on every fetch:
// Meta's redirectors (l.facebook.com/l.php?u=…, l.instagram.com/?u=…, the
// privacy policy's logging/?redirect_uri=… links) are unwrapped to their
// target, tracking and session parameters are dropped, the others sorted,
// the fragment dropped, the host lowercased and http written as https
// (pages flip their links between the two). Signed CDN links (fbcdn.net)
// lose their rotating query.
//
// It returns "" for what is not a link a reader can follow: an empty or
// unparsable href, javascript:, data: and the like. Links other than
// http(s) (mailto:, tel:) are returned trimmed, otherwise unchanged.
func NormalizeURL(href, base string) string {
	return normalize(href, parseBase(base))
}

// IsWebURL says whether a scraped or configured URL may become a link a
// reader follows: an absolute http or https URL with a host, and nothing
// else (no javascript:, data:, mailto:, no relative link). One with a
// space or a control character is refused too: url.Parse lets them
// through in a path or a query, but a mail client or a terminal cuts the
// link there, and messages show links cleaned to one line, which would
// then not be the link followed. The web view and the notifications share
// the rule, so that a link is clickable in both or in neither.
func IsWebURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != "" &&
		!strings.ContainsFunc(raw, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) })
}

func parseBase(base string) *url.URL {
	if base == "" {
		return nil
	}
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || !u.IsAbs() {
		return nil
	}
	return u
}

// linkBase is what the links of a page resolve against: its <base href>,
// itself resolved against the page's URL, or the page's URL.
func linkBase(pageURL, baseHref string) *url.URL {
	page := parseBase(pageURL)
	if baseHref == "" {
		return page
	}
	b, err := url.Parse(strings.Clone(strings.TrimSpace(baseHref))) // not to keep the page: see extractTree
	if err != nil {
		return page
	}
	if page != nil {
		b = page.ResolveReference(b)
	}
	if !b.IsAbs() {
		return page
	}
	return b
}

// maxUnwrap bounds how many redirectors NormalizeURL unwraps in a chain.
const maxUnwrap = 4

func normalize(href string, base *url.URL) string {
	href = strings.TrimSpace(href)
	if href == "" || len(href) > 4*maxHrefLen {
		return ""
	}
	var u *url.URL
	if base != nil && (href[0] == '?' || href[0] == '#') {
		// Links within the page (a third of a policy's) need no parsing:
		// the base with another query, or the base itself.
		v := *base
		v.Fragment, v.RawFragment = "", ""
		if href[0] == '?' {
			v.RawQuery, _, _ = strings.Cut(href[1:], "#")
			v.ForceQuery = false
		}
		u = &v
	} else {
		var err error
		if u, err = url.Parse(href); err != nil {
			return ""
		}
		if base != nil && !u.IsAbs() {
			u = base.ResolveReference(u)
		}
	}
	for i := 0; ; i++ {
		u.Scheme = strings.ToLower(u.Scheme)
		switch u.Scheme {
		case "http", "https":
		case "javascript", "data", "vbscript", "blob", "about", "":
			return ""
		default: // mailto:, tel:, ftp:…
			if i == 0 {
				return href
			}
			return u.String()
		}
		if i == maxUnwrap {
			break
		}
		target := redirectTarget(u)
		if target == nil {
			target = embeddedURL(u)
		}
		if target == nil {
			break
		}
		u = target
	}
	return canonical(u)
}

// embeddedURL returns the absolute URL that u's path ends with, percent
// encoded ("/page/https%3A%2F%2Fexample.com%2Fx"), or nil. Such links come
// from an encoded absolute URL written as a relative href: the page meant
// the encoded URL, the browser resolved it against the page.
func embeddedURL(u *url.URL) *url.URL {
	p := u.EscapedPath()
	if !strings.Contains(p, "%3") {
		return nil
	}
	i := indexFold(p, "/https%3a%2f%2f")
	if i < 0 {
		i = indexFold(p, "/http%3a%2f%2f")
	}
	if i < 0 {
		return nil
	}
	raw, err := url.PathUnescape(p[i+1:])
	if err != nil {
		return nil
	}
	if u.RawQuery != "" {
		raw += "?" + u.RawQuery
	}
	t, err := url.Parse(raw)
	if err != nil || !t.IsAbs() {
		return nil
	}
	return t
}

// indexFold is strings.Index ignoring ASCII case in s; substr is lowercase.
func indexFold(s, substr string) int {
	for i := 0; i+len(substr) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(substr)], substr) {
			return i
		}
	}
	return -1
}

// redirectTarget returns where a redirector link leads, or nil when u is
// not one (or its target is not an absolute web URL).
func redirectTarget(u *url.URL) *url.URL {
	host := strings.ToLower(u.Hostname())
	if !isMetaHost(host) {
		return nil
	}
	var param string
	switch {
	case strings.HasPrefix(host, "l.") || strings.HasPrefix(host, "lm."):
		// l.facebook.com/l.php?u=…, lm.facebook.com/l.php?u=…, l.instagram.com/?u=…
		param = "u"
	case u.Path == "/l.php" || strings.HasPrefix(u.Path, "/flx/warn"):
		param = "u"
	case strings.Contains(u.Path, "/logging"):
		// facebook.com/privacy/policy/logging/?target=…&redirect_uri=…
		param = "redirect_uri"
	default:
		return nil
	}
	raw := queryValue(u.RawQuery, param)
	if raw == "" {
		return nil
	}
	t, err := url.Parse(raw)
	if err != nil || !t.IsAbs() {
		return nil
	}
	return t
}

// metaDomains are the registrable domains of Meta's redirectors.
var metaDomains = [...]string{
	"facebook.com", "instagram.com", "messenger.com", "threads.net",
	"threads.com", "workplace.com", "meta.com", "whatsapp.com",
}

func isMetaHost(host string) bool {
	for _, d := range metaDomains {
		if host == d || strings.HasSuffix(host, "."+d) {
			return true
		}
	}
	return false
}

// dropParam reports whether a query parameter carries tracking or session
// state: it changes from fetch to fetch without changing where a link
// leads.
func dropParam(key string, u *url.URL) bool {
	switch key {
	case "h", "e", "s", "locale2", "revision", "ref", "helpref", "entry_point",
		"back_id", "entry", "fbclid", "gclid", "msclkid", "__tn__", "_rdr",
		"refsrc", "mc_cid", "mc_eid":
		return true
	case "src":
		// /video_redirect/?src=<signed CDN URL>&id=…: the id names the
		// video, the src rotates with its signature.
		return strings.HasPrefix(u.Path, "/video_redirect")
	}
	// Families: utm_source…, __cft__[0]…, __xts__[0]…
	return strings.HasPrefix(key, "utm_") || strings.HasPrefix(key, "__cft__") || strings.HasPrefix(key, "__xts__")
}

// canonical writes u with its query filtered and sorted and no fragment.
func canonical(u *url.URL) string {
	u.Host = strings.ToLower(u.Host)
	if u.Scheme == "http" {
		u.Host = strings.TrimSuffix(u.Host, ":80")
	}
	u.Host = strings.TrimSuffix(u.Host, ":443")
	// The same page is offered over http and https, and pages switch their
	// links from one to the other: they are one link.
	u.Scheme = "https"
	if u.Path == "" {
		u.Path = "/"
	}
	u.Fragment, u.RawFragment = "", ""
	u.User = nil
	if isSignedCDN(u.Hostname()) {
		u.RawQuery = ""
	}
	if u.RawQuery != "" {
		u.RawQuery = escapeQuery(canonicalQuery(u))
	}
	u.ForceQuery = false
	return u.String()
}

// escapeQuery percent-encodes the bytes a browser encodes in a query it
// sends: spaces, control characters, quotes and angle brackets. url.Parse
// keeps a raw query as written, so a page's "?q=a b" would otherwise stay
// a link that IsWebURL refuses and that a mail client cuts at the space.
func escapeQuery(q string) string {
	if !strings.ContainsFunc(q, func(r rune) bool { return r < 0x80 && queryEscapes(byte(r)) }) {
		return q
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(q)+8)
	for i := 0; i < len(q); i++ {
		if c := q[i]; queryEscapes(c) {
			b = append(b, '%', hex[c>>4], hex[c&15])
		} else {
			b = append(b, c)
		}
	}
	return string(b)
}

func queryEscapes(c byte) bool {
	return c <= ' ' || c == 0x7f || c == '"' || c == '<' || c == '>'
}

func isSignedCDN(host string) bool {
	return strings.HasSuffix(host, ".fbcdn.net") || strings.HasSuffix(host, ".cdninstagram.com")
}

// canonicalQuery drops tracking parameters and sorts the other key=value
// pairs in byte order. Pairs keep their encoding: this runs for every link
// of every page, and re-encoding would cost more than it brings.
func canonicalQuery(u *url.URL) string {
	pairs := strings.Split(u.RawQuery, "&")
	kept := pairs[:0]
	for _, pair := range pairs {
		if pair == "" {
			continue
		}
		key, _, _ := strings.Cut(pair, "=")
		if dropParam(unescapeKey(key), u) {
			continue
		}
		kept = append(kept, pair)
	}
	if len(kept) == 0 {
		return ""
	}
	slices.Sort(kept)
	return strings.Join(kept, "&")
}

// queryValue returns the unescaped value of the first parameter key of a
// raw query, or "".
func queryValue(rawQuery, key string) string {
	for rawQuery != "" {
		var pair string
		pair, rawQuery, _ = strings.Cut(rawQuery, "&")
		k, v, _ := strings.Cut(pair, "=")
		if unescapeKey(k) != key {
			continue
		}
		v, err := url.QueryUnescape(v)
		if err != nil {
			return ""
		}
		return v
	}
	return ""
}

func unescapeKey(k string) string {
	if !strings.ContainsAny(k, "%+") {
		return k
	}
	if uk, err := url.QueryUnescape(k); err == nil {
		return uk
	}
	return k
}
