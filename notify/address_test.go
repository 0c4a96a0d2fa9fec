package notify

import (
	"testing"
	"time"
)

func TestParseAddress(t *testing.T) {
	// localhost, where a home server delivers (root@localhost), as
	// notify.smtp.from allows; no other single-label name.
	for _, ok := range []string{"ada@example.org", " ada@example.org ", "a.b+tag@sub.example.co.uk", "x@bücher.example",
		"root@localhost", "ops@LocalHost"} {
		if _, err := ParseAddress(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, tc := range []struct{ addr, want string }{
		{"ada\x1b[31m@example.org", "the address contains control characters"},
		{"ada\u0085@example.org", "the address contains control characters"},
		{"evil\u202e@example.org", "the address contains U+202E, an invisible formatting character that can make it read as another address"},
		{"ada\u200b@example.org", "the address contains U+200B, an invisible formatting character that can make it read as another address"},
		{"ada@exam\u00adple.org", "the address contains U+00AD, an invisible formatting character that can make it read as another address"},
		{"ada\u2028@example.org", "the address contains U+2028, an invisible formatting character that can make it read as another address"},
		{"ada\u200e@example.org", "the address contains U+200E, an invisible formatting character that can make it read as another address"},
	} {
		if got, err := ParseAddress(tc.addr); err == nil || err.Error() != tc.want {
			t.Errorf("%q: %q, %v; want %q", tc.addr, got, err, tc.want)
		}
	}
	for _, bad := range []string{
		"", "ada", "ada@", "@example.org", "ada@intranet", "ada@localhost.", "ada@localhost1", "ada@example..org", "ada@-example.org",
		"Ada <ada@example.org>", "ada@example.org, bob@example.org", "ada@example.org\r\nBcc: x@evil.example",
		"\"a b\"@example.org", "ada@[127.0.0.1]", "ada@exa mple.org", string(make([]byte, 300)),
	} {
		if got, err := ParseAddress(bad); err == nil {
			t.Errorf("%q accepted as %q", bad, got)
		}
	}
}

func TestBackoff(t *testing.T) {
	s := &Service{backoffBase: 30 * time.Second, backoffMax: 10 * time.Minute}
	var got []time.Duration
	for a := 1; a <= 7; a++ {
		got = append(got, s.backoff(a))
	}
	want := []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute, 4 * time.Minute, 8 * time.Minute, 10 * time.Minute, 10 * time.Minute}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("backoff = %v, want %v", got, want)
		}
	}
}
