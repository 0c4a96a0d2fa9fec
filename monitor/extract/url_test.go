package extract

import "testing"

func TestNormalizeURL(t *testing.T) {
	const page = "https://mbasic.facebook.com/privacy/policy/printable/"
	tests := []struct {
		name, href, base, want string
	}{
		{"absolute unchanged", "https://www.facebook.com/help/1", "", "https://www.facebook.com/help/1"},
		{"relative path", "/terms/", page, "https://mbasic.facebook.com/terms/"},
		{"relative query only", "?annotations%5B0%5D=1.ex.3&back_id=ref-2&entry=0", page,
			"https://mbasic.facebook.com/privacy/policy/printable/?annotations%5B0%5D=1.ex.3"},
		{"fragment dropped", "https://example.com/a#section-2", "", "https://example.com/a"},
		{"host lowercased, default port dropped", "HTTPS://WWW.Example.COM:443/Path", "", "https://www.example.com/Path"},
		{"http is https", "http://www.messenger.com/privacy", "", "https://www.messenger.com/privacy"},
		{"empty path", "https://example.com", "", "https://example.com/"},
		{"params sorted", "https://example.com/?b=2&a=1&c=3", "", "https://example.com/?a=1&b=2&c=3"},
		{"tracking dropped", "https://example.com/p?utm_source=x&utm_medium=y&fbclid=abc&id=5&__cft__[0]=AZX&__tn__=F&locale2=fr_FR&revision=3&s=1&e=2&h=3", "",
			"https://example.com/p?id=5"},
		{"lm.facebook.com redirector", "https://lm.facebook.com/l.php?u=https%3A%2F%2Fhelp.instagram.com%2F195069860617299%3Fhelpref%3Drelated%26entry_point%3DPOLICY_SUBPAGE%253A1.subpage.2&h=AT0JTBkZSr5y", "",
			"https://help.instagram.com/195069860617299"},
		{"l.facebook.com redirector keeps target params", "https://l.facebook.com/l.php?u=https%3A%2F%2Feur-lex.europa.eu%2Flegal-content%2FEN%2FTXT%2F%3Furi%3DCELEX%253A32003D0490&h=AT1x", "",
			"https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A32003D0490"},
		{"l.instagram.com redirector", "https://l.instagram.com/?u=https%3A%2F%2Fexample.com%2Fshop%3Fitem%3D9&e=ATM", "", "https://example.com/shop?item=9"},
		{"facebook.com/l.php", "https://www.facebook.com/l.php?u=https%3A%2F%2Fexample.com%2F", "", "https://example.com/"},
		{"privacy logging redirect_uri", "/privacy/policy/logging/?target=POLICY_PLATFORM_LINK_COLLECTION%3ACOOKIE_SETTINGS&element=privacy_policy_inline_text&redirect_uri=https%3A%2F%2Fmbasic.facebook.com%2Fprivacy%2Fpolicy%2Fprintable%2F%3Fback_id%3Dlink-collection-0%26link_dialog%3DCOOKIE_SETTINGS%26entry%3D0", page,
			"https://mbasic.facebook.com/privacy/policy/printable/?link_dialog=COOKIE_SETTINGS"},
		{"redirector on another host is a plain link", "https://l.example.com/l.php?u=https%3A%2F%2Fevil.example%2F", "", "https://l.example.com/l.php?u=https%3A%2F%2Fevil.example%2F"},
		{"redirector with relative target kept", "https://l.facebook.com/l.php?u=%2Fhome", "", "https://l.facebook.com/l.php?u=%2Fhome"},
		{"encoded URL resolved as a path", "https://mbasic.facebook.com/privacy/policy/printable/https%3A%2F%2Flm.facebook.com%2Fl.php%3Fu=https%3A%2F%2Fhelp.instagram.com%2F370452623149242", "",
			"https://help.instagram.com/370452623149242"},
		{"video redirect keeps the video id only", "/video_redirect/?src=https%3A%2F%2Fvideo-fra3-1.xx.fbcdn.net%2Fo1%2Fv.mp4%3F_nc_ohc%3DUc49&source=misc&id=313266294163634&__tn__=F", page,
			"https://mbasic.facebook.com/video_redirect/?id=313266294163634&source=misc"},
		{"spaces and quotes in the query encoded", "https://example.com/search?q=opt out&x=\"a\"<b>", "", "https://example.com/search?q=opt%20out&x=%22a%22%3Cb%3E"},
		{"encoded query unchanged", "https://example.com/search?q=opt%20out", "", "https://example.com/search?q=opt%20out"},
		{"signed CDN query dropped", "https://scontent-fra3-1.xx.fbcdn.net/v/t15/1.jpg?stp=dst-jpg&_nc_ohc=KhoegR0pT&oh=00_A&oe=69B5", "", "https://scontent-fra3-1.xx.fbcdn.net/v/t15/1.jpg"},
		{"mailto kept", "mailto:privacy@example.com", page, "mailto:privacy@example.com"},
		{"tel kept", " tel:+33123456789 ", "", "tel:+33123456789"},
		{"javascript dropped", "javascript:alert(1)", page, ""},
		{"data dropped", "data:text/html,<p>x</p>", page, ""},
		{"empty", "   ", page, ""},
		{"unparsable", "https://exa mple.com/%zz", "", ""},
		{"relative without base", "/terms", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NormalizeURL(tc.href, tc.base); got != tc.want {
				t.Errorf("NormalizeURL(%q, %q)\n got %q\nwant %q", tc.href, tc.base, got, tc.want)
			}
		})
	}
}

// TestNormalizedLinksWithSpacesAreWebURLs: a page's link with a raw space
// in its query is normalized to one a reader can follow.
func TestNormalizedLinksWithSpacesAreWebURLs(t *testing.T) {
	got := NormalizeURL("?q=how to object", "https://example.com/help")
	if got != "https://example.com/help?q=how%20to%20object" || !IsWebURL(got) {
		t.Errorf("NormalizeURL = %q (IsWebURL %v), want the spaces encoded and a web URL", got, IsWebURL(got))
	}
}

func TestNormalizeURLIdempotent(t *testing.T) {
	for _, href := range []string{
		"https://lm.facebook.com/l.php?u=https%3A%2F%2Fhelp.instagram.com%2F1%3Fa%3D1%26b%3D2&h=x",
		"https://example.com/p?z=1&a=2&utm_source=q#frag",
		"http://example.com:80/x",
		"https://example.com/s?q=a b",
	} {
		once := NormalizeURL(href, "")
		if twice := NormalizeURL(once, ""); twice != once {
			t.Errorf("NormalizeURL not idempotent on %q: %q then %q", href, once, twice)
		}
	}
}

func TestNormalizeURLRedirectToMailto(t *testing.T) {
	got := NormalizeURL("https://l.facebook.com/l.php?u=mailto%3Aprivacy%40example.com&h=x", "")
	if got != "mailto:privacy@example.com" {
		t.Errorf("got %q, want the unwrapped mailto link", got)
	}
}

func TestIsWebURL(t *testing.T) {
	for raw, want := range map[string]bool{
		"https://example.org/x": true, "http://example.org": true, "HTTPS://example.org": true, "https://example.org/a%20b": true,
		"javascript:alert(1)": false, "JavaScript:alert(1)": false, " javascript:alert(1)": false,
		"data:text/html,x": false, "mailto:a@b.example": false,
		"//example.org": false, "/relative": false, "https://": false,
		// Spaces and control characters, some of which url.Parse lets
		// through.
		"https://exa mple.org": false, "https://example.org/a b": false, "https://example.org/a\u00a0b": false,
		"https://example.org/\u0085x": false, " https://example.org/": false, "https://example.org/\n": false,
	} {
		if got := IsWebURL(raw); got != want {
			t.Errorf("IsWebURL(%q) = %v, want %v", raw, got, want)
		}
	}
}
