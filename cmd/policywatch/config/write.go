package config

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/monitor"
)

const fileComment = `policywatch configuration.
#
Check it with: policywatch config check --config FILE
Durations are Go durations (500ms, 10s, 5m, 1h) or whole days (30d); sizes
are bytes with an optional unit (500kB, 20MiB).`

const watchesComment = `Each watch is one page. Keys:
  name      required, unique: lower-case letters, digits and -, at most 64
  url       required: the page, http:// or https://
  select    CSS selectors of the content (default: the page's main content)
  remove    CSS selectors removed from the content
  fetcher   auto (default: plain HTTP, a headless Chromium when the page
            blocks bots or is an empty JavaScript shell), http or browser
  schedule  when to check it (default: settings.schedule)
  language  BCP 47 tag, sent as Accept-Language and expected of the page
  headers   extra request headers, e.g. {Cookie: "locale=en_US"}
  shell_phrases  false for a short policy that itself says "please log in"
            or "accept all cookies": its words then never make a capture
            an error, login or consent page (default: true)`

// WriteYAML writes c as a commented configuration file that Parse reads
// back to an equal Config (Path aside). Keys whose value is the default
// (a watch's fetcher and schedule) are left out to keep the file short.
// It fails for what the file cannot express: a log level other than
// debug, info, warn or error, or a watch whose MinLengthRatio differs from
// the settings'.
func (c *Config) WriteYAML(w io.Writer) error {
	doc, err := c.document()
	if err != nil {
		return fmt.Errorf("write configuration: %w", err)
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write configuration: %w", err)
	}
	if err := enc.Close(); err != nil {
		return fmt.Errorf("write configuration: %w", err)
	}
	if _, err := w.Write(trimBlankLines(buf.Bytes())); err != nil {
		return fmt.Errorf("write configuration: %w", err)
	}
	return nil
}

func (c *Config) document() (*yaml.Node, error) {
	settings, err := settingsNode(c.Settings)
	if err != nil {
		return nil, err
	}
	about := make(map[string]string)
	for _, b := range builtins() {
		about[b.watch.Name+" "+b.watch.URL] = b.about
	}
	watches := &yaml.Node{Kind: yaml.SequenceNode}
	for i, wt := range c.Watches {
		if wt.MinLengthRatio != 0 && wt.MinLengthRatio != c.Settings.MinLengthRatio {
			return nil, fmt.Errorf("watch %s: a min_length_ratio of its own (%v) cannot be written; only settings.min_length_ratio exists",
				wt.Name, wt.MinLengthRatio)
		}
		n := watchNode(wt, c.Settings.Schedule)
		n.HeadComment = about[wt.Name+" "+wt.URL]
		if i > 0 {
			// A blank line between watches; the encoder writes a comment's
			// empty first line as one.
			n.HeadComment = "\n" + n.HeadComment
		}
		watches.Content = append(watches.Content, n)
	}

	root := &yaml.Node{Kind: yaml.MappingNode}
	add(root, "settings", "", settings)
	add(root, "watches", "\n"+watchesComment, watches)
	// Sections of later work are written back as they were read.
	for _, s := range []struct {
		key  string
		node *yaml.Node
	}{{"notify", c.Notify}, {"web", c.Web}, {"taxonomy", c.Taxonomy}} {
		if s.node != nil {
			add(root, s.key, "", s.node)
		}
	}
	return &yaml.Node{Kind: yaml.DocumentNode, HeadComment: fileComment, Content: []*yaml.Node{root}}, nil
}

func settingsNode(s Settings) (*yaml.Node, error) {
	level, ok := logLevelName(s.LogLevel)
	if !ok {
		return nil, fmt.Errorf("log level %v cannot be written; use debug, info, warn or error", s.LogLevel)
	}
	n := &yaml.Node{Kind: yaml.MappingNode}
	// Without a home directory there is no default to write: a key left
	// empty would make the file invalid, one left out is refused, with
	// what to set, by the command that needs the database.
	if s.Database != "" {
		add(n, "database", "SQLite file that keeps the history; a relative path is relative to this\nfile's folder.", str(s.Database))
	}
	add(n, "schedule", "Default schedule of watches: a cron spec (minute hour day-of-month month\nday-of-week) or @every 6h, @hourly, @daily, @weekly.", str(s.Schedule))
	add(n, "user_agent", "User-Agent of every request; say how to reach you.", str(s.UserAgent))
	add(n, "host_interval", "Minimum time between two requests to one host; 0 disables.", str(FormatDuration(s.HostInterval)))
	add(n, "timeout", "Time limit of one request.", str(FormatDuration(s.Timeout)))
	add(n, "max_body", "Largest response body read.", formatSize(s.MaxBody))
	add(n, "retries", "Further attempts after a failed request.", scalar("!!int", strconv.Itoa(s.Retries)))
	add(n, "min_length_ratio", "A capture whose text is shorter than this share of the watch's typical\nlength is an anomaly, not a new version of the policy.",
		formatRatio(s.MinLengthRatio))
	add(n, "log_level", "debug, info, warn or error.", str(level))
	if s.BrowserPath != "" {
		add(n, "browser_path", "Chromium for fetchers browser and auto (default: chromium, chromium-browser\nor google-chrome on PATH; apt-get install chromium).", str(s.BrowserPath))
	}
	add(n, "browser_tabs", "Pages rendered in the browser at once.", scalar("!!int", strconv.Itoa(s.BrowserTabs)))
	add(n, "browser_idle", "The browser is closed after this long without work.", str(FormatDuration(s.BrowserIdle)))
	add(n, "check_retention", "Check rows of checks that found nothing are deleted once older than this\n(e.g. 90d); 0 keeps them all. Versions, raw bodies and events are never\ndeleted.", str(FormatDuration(s.CheckRetention)))
	return n, nil
}

func watchNode(w monitor.Watch, defaultSchedule string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.MappingNode}
	add(n, "name", "", str(w.Name))
	add(n, "url", "", str(w.URL))
	if len(w.Select) > 0 {
		add(n, "select", "", list(w.Select))
	}
	if len(w.Remove) > 0 {
		add(n, "remove", "", list(w.Remove))
	}
	if w.Fetcher != "" && w.Fetcher != DefaultFetcher {
		add(n, "fetcher", "", str(w.Fetcher))
	}
	if w.Schedule != "" && w.Schedule != defaultSchedule {
		add(n, "schedule", "", str(w.Schedule))
	}
	if w.Language != "" {
		add(n, "language", "", str(w.Language))
	}
	if len(w.Headers) > 0 {
		h := &yaml.Node{Kind: yaml.MappingNode}
		names := make([]string, 0, len(w.Headers))
		for name := range w.Headers {
			names = append(names, name)
		}
		slices.Sort(names)
		for _, name := range names {
			add(h, name, "", str(w.Headers[name]))
		}
		add(n, "headers", "", h)
	}
	if w.NoShellPhrases {
		add(n, "shell_phrases", "", scalar("!!bool", "false"))
	}
	return n
}

// add appends key: value to mapping m, with comment above the key.
func add(m *yaml.Node, key, comment string, value *yaml.Node) {
	k := str(key)
	k.HeadComment = comment
	m.Content = append(m.Content, k, value)
}

func scalar(tag, value string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: value}
}

// str is a string scalar; the encoder quotes it when it would otherwise
// read back as another type.
func str(s string) *yaml.Node { return scalar("!!str", s) }

// list is a one-line list of strings: ["#root", img].
func list(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, it := range items {
		n.Content = append(n.Content, str(it))
	}
	return n
}

// FormatDuration is a duration as a configuration writes it, and reads it
// back: whole days as days ("90d"), else Go's duration without its zero
// units ("36h", "1h30m", "2m"), not "2160h0m0s" or "2m0s".
func FormatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d >= day && d%day == 0 {
		return fmt.Sprintf("%dd", d/day)
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// formatSize writes n exactly: in the largest binary unit that divides it,
// else as a number of bytes.
func formatSize(n int64) *yaml.Node {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return str(strconv.FormatInt(n/u.size, 10) + u.name)
		}
	}
	return scalar("!!int", strconv.FormatInt(n, 10))
}

// formatRatio writes r as the shortest decimal that reads back as r,
// always with a point: 1 is written 1.0, which reads as a ratio.
func formatRatio(r float64) *yaml.Node {
	s := strconv.FormatFloat(r, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEnN") {
		s += ".0"
	}
	return scalar("!!float", s)
}

// trimBlankLines empties lines made only of spaces: the encoder indents the
// blank line it writes between watches.
func trimBlankLines(b []byte) []byte {
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.TrimSpace(l) == "" {
			lines[i] = ""
		}
	}
	return []byte(strings.Join(lines, "\n"))
}
