package notify

import (
	"errors"
	"fmt"
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/policywatch/policywatch/monitor"
)

// ParseAddress checks an address given to subscribe (or as the operator)
// and returns it as it will be used: one bare addr-spec, such as
// "ada@example.org", with a domain that has a dot, or localhost (a home
// server's root@localhost, as notify.smtp.from takes it). Display names,
// lists, quoted or over-long local parts, IP literals and anything with
// control characters are refused with a message that says why.
func ParseAddress(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", errors.New("the address is empty")
	case len(s) > 254:
		return "", fmt.Errorf("the address is %d characters long; the limit is 254", len(s))
	case strings.ContainsFunc(s, unicode.IsControl):
		return "", errors.New("the address contains control characters")
	case strings.ContainsFunc(s, invisible):
		// A right-to-left override shows the rest of the address (and of
		// the line listing it) reversed: it can be made to read as another
		// address. None has a use in one.
		r, _ := utf8.DecodeRuneInString(s[strings.IndexFunc(s, invisible):])
		return "", fmt.Errorf("the address contains U+%04X, an invisible formatting character that can make it read as another address", r)
	case strings.ContainsAny(s, "<>,;\"() "):
		return "", fmt.Errorf("%q is not a bare address such as ada@example.org (no name, brackets, quotes or lists)", s)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s {
		return "", fmt.Errorf("%q is not a valid email address (expected something like ada@example.org)", s)
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if len(local) > 64 {
		return "", fmt.Errorf("%q: the part before @ is longer than 64 characters", s)
	}
	if !validDomain(domain) {
		return "", fmt.Errorf("%q: %q is not a mail domain such as example.org", s, domain)
	}
	return s, nil
}

// invisible reports a format character (Unicode's Cf: direction
// overrides, zero-width spaces and joiners, soft hyphens), a direction
// mark or a line or paragraph separator: what shows as nothing, or moves
// what follows it, where an address is shown.
func invisible(r rune) bool {
	return unicode.In(r, unicode.Cf, unicode.Bidi_Control, unicode.Zl, unicode.Zp)
}

// validDomain accepts host names of dot-separated labels of letters,
// digits and hyphens (Unicode letters allowed), at least two labels, and
// localhost, the one single-label name mail is delivered to.
func validDomain(d string) bool {
	if strings.EqualFold(d, "localhost") {
		return true
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 || len(d) > 253 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for _, r := range l {
			if !(r == '-' || r >= 0x80 || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
				return false
			}
		}
	}
	return true
}

// ParseSeverity reads info, notable or critical.
func ParseSeverity(s string) (monitor.Severity, error) {
	switch sev := monitor.Severity(strings.ToLower(strings.TrimSpace(s))); sev {
	case monitor.SeverityInfo, monitor.SeverityNotable, monitor.SeverityCritical:
		return sev, nil
	}
	return "", fmt.Errorf("unknown severity %q; use info, notable or critical", s)
}

// ParseDigest reads daily, weekly or none.
func ParseDigest(s string) (string, error) {
	switch d := strings.ToLower(strings.TrimSpace(s)); d {
	case DigestDaily, DigestWeekly, DigestNone:
		return d, nil
	}
	return "", fmt.Errorf("unknown digest %q; use daily, weekly or none", s)
}

// NewSubscriber checks a subscription as given on the command line:
// address, watches (empty: all), digest ("": daily) and the least
// severity alerted at once ("": critical). known lists the configured
// watches; a watch not among them is refused.
func NewSubscriber(address string, watches []string, digest, minSeverity string, known []string, now time.Time) (Subscriber, error) {
	addr, err := ParseAddress(address)
	if err != nil {
		return Subscriber{}, err
	}
	s := Subscriber{Email: addr, Digest: DigestDaily, MinSeverity: monitor.SeverityCritical, CreatedAt: now, UpdatedAt: now}
	if digest != "" {
		if s.Digest, err = ParseDigest(digest); err != nil {
			return Subscriber{}, err
		}
	}
	if minSeverity != "" {
		if s.MinSeverity, err = ParseSeverity(minSeverity); err != nil {
			return Subscriber{}, err
		}
	}
	seen := map[string]bool{}
	for _, w := range watches {
		if !slices.Contains(known, w) {
			return Subscriber{}, fmt.Errorf("unknown watch %q (configured: %s)", w, strings.Join(known, ", "))
		}
		if !seen[w] {
			s.Watches = append(s.Watches, w)
			seen[w] = true
		}
	}
	return s, nil
}
