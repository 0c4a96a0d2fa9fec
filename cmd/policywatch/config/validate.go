package config

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
	"golang.org/x/net/http/httpguts"
	"golang.org/x/text/language"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/extract"
)

// MinScheduleInterval is the shortest "@every" interval accepted: it
// catches typos such as "@every 6ms". Policies change over weeks, so real
// schedules are hours apart; seconds are for tests and local demos, and
// host_interval still spaces requests to one host.
const MinScheduleInterval = time.Second

// ParseSchedule parses a watch schedule the way the daemon does, with
// monitor.ScheduleParser: a five-field cron spec ("0 */6 * * *", optionally
// preceded by TZ=Zone) or a descriptor (@every 6h, @daily, @hourly…). Its
// errors say what is wrong in words a person can act on.
func ParseSchedule(spec string) (cron.Schedule, error) {
	rest := spec
	// The parser takes a time zone prefix before either form.
	if fields := strings.Fields(spec); len(fields) > 0 &&
		(strings.HasPrefix(fields[0], "TZ=") || strings.HasPrefix(fields[0], "CRON_TZ=")) {
		rest = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(spec), fields[0]))
	}
	if strings.HasPrefix(rest, "@") {
		sched, err := monitor.ScheduleParser.Parse(spec)
		if err != nil {
			return nil, fmt.Errorf("invalid schedule %q: %w (use @every <duration>, @hourly, @daily, @weekly or @monthly)", spec, err)
		}
		// The parser rounds sub-second delays up to a second: read the
		// duration as written.
		if d, err := time.ParseDuration(strings.TrimSpace(strings.TrimPrefix(rest, "@every"))); strings.HasPrefix(rest, "@every") && err == nil && d < MinScheduleInterval {
			return nil, fmt.Errorf("schedule %q is too frequent: the shortest interval is %v", spec, MinScheduleInterval)
		}
		return sched, nil
	}
	// The parser's own message for a wrong field count lists the fields in
	// Go syntax; say it plainly.
	if n := len(strings.Fields(rest)); n != 5 {
		return nil, fmt.Errorf("invalid cron spec %q: expected 5 fields, found %d", spec, n)
	}
	sched, err := monitor.ScheduleParser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("invalid cron spec %q: %w", spec, err)
	}
	if problem := checkCronFields(strings.Fields(rest)); problem != "" {
		return nil, fmt.Errorf("invalid cron spec %q: %s", spec, problem)
	}
	// A day of month that the months never have ("0 0 30 2 *") parses, but
	// the scheduler refuses a schedule without two activations in the five
	// years cron looks ahead (monitor.Period): say so here, by the same
	// rule, with the file and line. A leap day (Feb 29) has two.
	if monitor.Period(sched, time.Now()) == 0 {
		return nil, fmt.Errorf("%q never fires (no such date): check the day of month and month fields", spec)
	}
	return sched, nil
}

// cronFields are the five fields of a cron spec, in order, and the values
// each allows.
var cronFields = [5]struct {
	name     string
	min, max int
}{
	{"minute", 0, 59},
	{"hour", 0, 23},
	{"day of month", 1, 31},
	{"month", 1, 12},
	{"day of week", 0, 6},
}

// checkCronFields returns what is wrong with the five fields of a cron
// spec that robfig/cron has accepted, or "": what it accepts but reads
// otherwise than the spec seems to say.
func checkCronFields(fields []string) string {
	for i, f := range fields {
		c := cronFields[i]
		for item := range strings.SplitSeq(f, ",") {
			// The parser skips empty items, and reads a field of commas
			// alone as no value at all: a value lost in editing.
			if item == "" {
				return fmt.Sprintf("the %s field %q has an empty item; list values within %d-%d separated by single commas", c.name, f, c.min, c.max)
			}
			rng, step, hasStep := strings.Cut(item, "/")
			// The parser reads "*-5" or "?-5" as "*", ignoring the rest.
			if star := rng[0] == '*' || rng[0] == '?'; star && len(rng) > 1 {
				msg := fmt.Sprintf("in the %s field, %q is read as %q, ignoring what follows %c; a range is two values within %d-%d", c.name, item, strings.Replace(item, rng, rng[:1], 1), rng[0], c.min, c.max)
				if end, err := strconv.Atoi(strings.TrimPrefix(rng[1:], "-")); err == nil && c.min <= end && end <= c.max {
					msg += fmt.Sprintf(", such as %d%s", c.min, item[1:])
				}
				return msg
			}
			// A step beyond the field's values never repeats: "*/61" is
			// minute 0 only, not every 61 minutes. A step of exactly the
			// number of values ("*/60", "*/24") means once an hour or a
			// day, as it says.
			if n, err := strconv.Atoi(step); hasStep && err == nil && n > c.max-c.min+1 {
				start, _, _ := strings.Cut(rng, "-")
				if start == "*" || start == "?" {
					start = strconv.Itoa(c.min)
				} else if v, err := strconv.Atoi(start); err == nil {
					start = strconv.Itoa(v)
				}
				return fmt.Sprintf("the %s step %d exceeds the field's %d values (%d-%d), so %q means %s %s only; use a step of 1 to %d", c.name, n, c.max-c.min+1, c.min, c.max, item, c.name, start, c.max-c.min+1)
			}
		}
	}
	return ""
}

// maxNameLength bounds watch names: they appear in file names, URLs and
// table columns.
const maxNameLength = 64

// checkName returns what is wrong with a watch name, or "".
func checkName(name string) string {
	if len(name) > maxNameLength {
		return fmt.Sprintf("name is %d characters long; the limit is %d", len(name), maxNameLength)
	}
	for _, r := range name {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-') {
			return fmt.Sprintf("invalid name %q: use lower-case letters, digits and - only", name)
		}
	}
	return ""
}

// checkURL returns what is wrong with a watch URL, or "".
func checkURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the URL; keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Sprintf("invalid URL %q: %v", raw, err)
	}
	switch {
	case u.Scheme == "http" || u.Scheme == "https":
	case u.Scheme != "" && strings.HasPrefix(raw[len(u.Scheme):], "://"):
		return fmt.Sprintf("URL %q: the scheme must be http or https, not %s", raw, u.Scheme)
	default:
		// Without "://", what precedes a colon is no scheme but a host
		// ("example.org:8080/"), or there is no scheme at all.
		return fmt.Sprintf("URL %q must be absolute, starting with https:// or http://", raw)
	}
	if u.Host == "" {
		return fmt.Sprintf("URL %q has no host", raw)
	}
	// url.Parse takes any digits as a port (":99999"): the check would
	// fail at every fetch instead, as a fetch error, never at load time as
	// web.listen and smtp.port do. Redacted: a watch's URL must not show
	// its credentials even where it is refused for something else.
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return fmt.Sprintf("URL %q: port %s is out of range 1-65535", u.Redacted(), port)
		}
	}
	if strings.TrimSpace(raw) != raw {
		return fmt.Sprintf("URL %q has white space before or after it", raw)
	}
	return ""
}

// checkWatchURL is checkURL for a watch's page, which also may not hold
// credentials: a watch's URL is shown everywhere (logs, events, alerts,
// webhooks, the web view), and a password in it would be too. (A
// webhook's URL is never shown, and may carry them.) The message shows
// the URL redacted: it may end up in a journal.
func checkWatchURL(raw string) string {
	if msg := checkURL(raw); msg != "" {
		return msg
	}
	if u, err := url.Parse(raw); err == nil && u.User != nil {
		return fmt.Sprintf("URL %q holds a user name or password, which would be shown in logs, events, alerts and the web view; remove it and send the credentials as a header instead, e.g. headers: {Authorization: \"Basic <base64 of user:password>\"}", u.Redacted())
	}
	return ""
}

// checkFetcher returns what is wrong with a fetcher name, or "".
func checkFetcher(name string) string {
	switch name {
	case "http", "browser", "auto":
		return ""
	}
	return fmt.Sprintf("unknown fetcher %q; use auto, http or browser", name)
}

// checkSelector uses the extractor's own check, so that what loads also
// extracts.
func checkSelector(sel string) error {
	return extract.ValidateSelector(sel)
}

// canonicalLanguage parses a BCP 47 tag and returns its canonical form
// ("en-us" → "en-US"), which is what is sent as Accept-Language.
func canonicalLanguage(tag string) (string, error) {
	t, err := language.Parse(tag)
	if err != nil {
		return "", fmt.Errorf("invalid language tag %q (use a BCP 47 tag such as en-US or fr-FR): %s",
			tag, strings.TrimPrefix(err.Error(), "language: "))
	}
	return t.String(), nil
}

// reservedHeaders are the request headers a watch may not set, and why.
var reservedHeaders = map[string]string{
	"Host":            "the fetcher derives it from the URL",
	"Content-Length":  "the fetcher sends no body",
	"Accept-Encoding": "the fetcher negotiates compression itself",
	// Hop-by-hop headers (RFC 9110 section 7.6.1) concern one connection,
	// which the HTTP client manages.
	"Connection":          "it is a hop-by-hop header",
	"Keep-Alive":          "it is a hop-by-hop header",
	"Proxy-Connection":    "it is a hop-by-hop header",
	"Proxy-Authenticate":  "it is a hop-by-hop header",
	"Proxy-Authorization": "it is a hop-by-hop header",
	"Te":                  "it is a hop-by-hop header",
	"Trailer":             "it is a hop-by-hop header",
	"Transfer-Encoding":   "it is a hop-by-hop header",
	"Upgrade":             "it is a hop-by-hop header",
}

// checkHeaderName returns the canonical form of a request header name, or
// what is wrong with it. hasLanguage says whether the watch sets language,
// which is sent as Accept-Language.
func checkHeaderName(name string, hasLanguage bool) (canonical, problem string) {
	if !httpguts.ValidHeaderFieldName(name) {
		return "", fmt.Sprintf("invalid header name %q: use letters, digits and - (an HTTP token)", name)
	}
	canonical = http.CanonicalHeaderKey(name)
	if why, reserved := reservedHeaders[canonical]; reserved {
		return "", fmt.Sprintf("header %s cannot be set: %s", canonical, why)
	}
	if canonical == "Accept-Language" && hasLanguage {
		return "", "header Accept-Language cannot be set with language; language is sent as Accept-Language"
	}
	return canonical, ""
}

// validHeaderValue reports whether v can be sent as a header value: no
// CR, LF or other control characters that would split or corrupt the
// request.
func validHeaderValue(v string) bool { return httpguts.ValidHeaderFieldValue(v) }
