package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/dustin/go-humanize"
	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/notify"
)

// Keys of each level of the file. notify, web and taxonomy belong to later
// work: they are accepted and kept as nodes, not validated here.
var (
	topKeys      = []string{"settings", "watches", "notify", "web", "taxonomy"}
	settingsKeys = []string{"database", "schedule", "user_agent", "host_interval", "timeout", "max_body", "retries", "min_length_ratio", "log_level", "check_retention", "browser_path", "browser_tabs", "browser_idle"}
	watchKeys    = []string{"name", "url", "select", "remove", "fetcher", "schedule", "language", "headers", "shell_phrases"}
)

// Parse reads a configuration from data; path names the file in problems
// and becomes Config.Path. The secret files the configuration names are
// read to check them, as config check reports them; the environment is not
// looked at (Load with a getenv is config check's). When the configuration
// is not valid, the error is an *Error listing every problem.
func Parse(path string, data []byte) (*Config, error) {
	return parse(path, data, true, nil)
}

// parse is Parse; readSecrets says whether the secret files are read,
// getenv (nil: none) the environment the secrets left out of the file are
// checked in.
func parse(path string, data []byte, readSecrets bool, getenv func(string) string) (*Config, error) {
	p := &parser{file: path, readSecrets: readSecrets, getenv: getenv}
	cfg := p.parse(data)
	if cfg != nil {
		p.web(cfg.Web, filepath.Dir(path))
	}
	if err := newError(p.problems); err != nil {
		return nil, err
	}
	cfg.Path = path
	cfg.Warnings = p.warnings
	return cfg, nil
}

// parser collects the problems of one file as it walks the YAML tree, so
// that one pass reports all of them.
type parser struct {
	file     string
	problems []Problem
	// warnings are what is valid but most likely a mistake.
	warnings []Problem

	// readSecrets: the secret files are read when met, and their problems
	// reported with the rest (config check). Otherwise only their paths are
	// kept, for the command that needs one to read it.
	readSecrets bool
	secrets     notify.SecretReader
	// secretNodes are the values naming secret files, by field, so that a
	// problem found when a command reads one is reported where it is named.
	secretNodes map[string]*yaml.Node
	// getenv, when set, is the environment of the command the
	// configuration is checked for (config check, run): a secret the file
	// leaves to it is checked there, as the file's are, so that config
	// check refuses what would stop the daemon. nil: not looked at.
	getenv func(string) string
	// sendless: the command sends nothing (serve, digest --dry-run), so it
	// reads no SMTP password and a username without one is no fault.
	sendless bool
}

// report records a problem at node n (nil: no position).
func (p *parser) report(n *yaml.Node, field, format string, args ...any) {
	pr := Problem{File: p.file, Field: field, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.problems = append(p.problems, pr)
}

// warn records a warning at node n: valid, but most likely a mistake.
func (p *parser) warn(n *yaml.Node, field, format string, args ...any) {
	pr := Problem{File: p.file, Field: field, Message: fmt.Sprintf(format, args...)}
	if n != nil {
		pr.Line, pr.Column = n.Line, n.Column
	}
	p.warnings = append(p.warnings, pr)
}

// expected reports a value of the wrong kind.
func (p *parser) expected(n *yaml.Node, field, want string) {
	p.report(n, field, "expected %s, found %s", want, describe(n))
}

// yamlErrorLine matches the syntax errors of the yaml package, which carry
// a line but no column.
var yamlErrorLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxError reports a syntax error of data, the whole file.
func (p *parser) syntaxError(err error, data []byte) {
	msg := err.Error()
	if m := yamlErrorLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		pr := Problem{File: p.file, Line: problemLine(data, line, m[2]), Message: m[2]}
		pr.Column, pr.Message = syntaxHint(data, pr.Line, m[2])
		p.problems = append(p.problems, pr)
		return
	}
	p.report(nil, "", "%s", strings.TrimPrefix(msg, "yaml: "))
}

// notUTF8 finds the first byte of data that is not UTF-8 (a file saved in
// Latin-1: "é" in a comment or a header), which the yaml package reports
// at no line ("invalid leading UTF-8 octet"), and returns the problem at
// that byte; ok when there is none. A file that starts with a UTF-16 byte
// order mark is left to the yaml package, which reads it.
func (p *parser) notUTF8(data []byte) (pr Problem, ok bool) {
	if bytes.HasPrefix(data, []byte{0xff, 0xfe}) || bytes.HasPrefix(data, []byte{0xfe, 0xff}) {
		return pr, true
	}
	for off := 0; off < len(data); {
		r, size := utf8.DecodeRune(data[off:])
		if r != utf8.RuneError || size != 1 {
			off += size
			continue
		}
		start := bytes.LastIndexByte(data[:off], '\n') + 1
		return Problem{
			File: p.file, Line: 1 + bytes.Count(data[:off], []byte("\n")), Column: 1 + utf8.RuneCount(data[start:off]),
			Message: fmt.Sprintf("the file is not UTF-8 text (byte 0x%02x here): save it as UTF-8", data[off]),
		}, false
	}
	return pr, true
}

// syntaxHint returns the column of the yaml package's syntax error msg at
// line of data, and msg with a hint, for two common mistakes the package
// names in its own terms: a tab in the line's indentation ("found
// character that cannot start any token", "found a tab character that
// violates indentation"), at the tab; and a line indented unlike the one
// above it ("did not find expected key"), at its first character. Only
// when the line shows that mistake ("did not find expected key" also says
// a word after a quoted value): otherwise the column is 0 (unknown) and
// the message msg.
func syntaxHint(data []byte, line int, msg string) (int, string) {
	lines := bytes.Split(data, []byte("\n"))
	if line < 1 || line > len(lines) {
		return 0, msg
	}
	text := lines[line-1]
	indent := indentOf(text)
	switch {
	case (msg == "found character that cannot start any token" || strings.Contains(msg, "tab character")) &&
		bytes.IndexByte(text[:indent], '\t') >= 0:
		return bytes.IndexByte(text, '\t') + 1, msg + " (tabs cannot indent YAML; use spaces)"
	case msg == "did not find expected key" && indent < len(bytes.TrimRight(text, " \t\r")):
		// The line above: the last one before it with text, not a comment.
		for i := line - 2; i >= 0; i-- {
			above := bytes.TrimRight(lines[i], " \t\r")
			n := indentOf(above)
			if n == len(above) || above[n] == '#' {
				continue
			}
			if n != indent && bytes.IndexByte(text[:indent], '\t') < 0 && bytes.IndexByte(above[:n], '\t') < 0 {
				return indent + 1, msg + " (the indentation of this line does not match the lines above it)"
			}
			break
		}
	}
	return 0, msg
}

// indentOf returns the number of spaces and tabs line starts with.
func indentOf(line []byte) int {
	return len(line) - len(bytes.TrimLeft(line, " \t"))
}

// problemLine returns the line of a syntax error. The yaml package tells the
// line before the construct the error is in (a list that starts at line 2
// and breaks at line 40 is reported at line 1), not the line of the problem,
// and does not export the latter. The problem is on the first line whose
// end makes the file read so far fail with the same message: lines after it
// cannot undo it, so the prefixes that fail alike are all those from it on,
// and a binary search finds it in a dozen parses of a 2,000-line file (the
// linear search it replaced took 2.4 s there). Looking starts at line, the
// yaml package's, which is never past the problem; line is returned when no
// shorter file fails alike.
func problemLine(data []byte, line int, msg string) int {
	lines := bytes.SplitAfter(data, []byte("\n"))
	failsAlike := func(n int) bool {
		m := yamlErrorLine.FindStringSubmatch(decodeAll(bytes.Join(lines[:n], nil)))
		return m != nil && m[2] == msg
	}
	lo, hi := max(line, 1), len(lines)
	if lo > hi || !failsAlike(hi) {
		return line
	}
	for lo < hi {
		mid := lo + (hi-lo)/2
		if failsAlike(mid) {
			hi = mid
		} else {
			lo = mid + 1
		}
	}
	return lo
}

// decodeAll decodes every document of data and returns the text of the
// first error, "" when there is none.
func decodeAll(data []byte) string {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return ""
		}
		if err != nil {
			return err.Error()
		}
	}
}

func (p *parser) parse(data []byte) *Config {
	if pr, ok := p.notUTF8(data); !ok {
		p.problems = append(p.problems, pr)
		return nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			p.report(nil, "", "the file is empty; it needs at least a list of watches")
		} else {
			p.syntaxError(err, data)
		}
		return nil
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case err == nil:
		p.report(firstContent(&next), "", "the file holds several YAML documents; only one is allowed")
	case !errors.Is(err, io.EOF):
		p.syntaxError(err, data)
	}

	root := resolve(firstContent(&doc))
	if isNull(root) {
		p.report(root, "", "the file is empty; it needs at least a list of watches")
		return nil
	}
	if root.Kind != yaml.MappingNode {
		p.expected(root, "", "a mapping with the keys settings and watches")
		return nil
	}
	top := p.mapping(root, "", topKeys)
	cfg := &Config{
		Settings: p.settings(top["settings"]),
		Notify:   top["notify"].section(),
		Web:      top["web"].section(),
		Taxonomy: top["taxonomy"].section(),
	}
	cfg.Watches = p.watches(root, top["watches"], cfg.Settings)
	// The sections of later packages are decoded by their own files
	// (notify.go, web.go, taxonomy.go); their problems are reported with the
	// rest.
	p.notify(cfg.Notify, cfg.Watches, filepath.Dir(p.file))
	p.envSigningKey()
	cfg.TaxonomyEntries = p.taxonomy(cfg.Taxonomy)
	return cfg
}

// entry is one key of a mapping and its value, aliases resolved.
type entry struct {
	key, value *yaml.Node
}

// set reports whether the key is present with a non-null value: a key
// written without a value ("timeout:") means its default.
func (e entry) set() bool { return e.key != nil && !isNull(e.value) }

// section returns the value of a section kept for later work, nil when it
// is absent or empty.
func (e entry) section() *yaml.Node {
	if !e.set() {
		return nil
	}
	return e.value
}

// mapping returns the entries of mapping node n, reporting keys that are
// not in known (with a suggestion), repeated keys and keys that are not
// strings. path is the field path of n.
func (p *parser) mapping(n *yaml.Node, path string, known []string) map[string]entry {
	entries := make(map[string]entry, len(known))
	seen := make(map[string]*yaml.Node)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := resolve(n.Content[i]), resolve(n.Content[i+1])
		if key.Kind != yaml.ScalarNode {
			p.expected(key, path, "a key")
			continue
		}
		name, field := key.Value, joinField(path, key.Value)
		if key.ShortTag() == "!!merge" {
			p.report(key, path, "merge keys (<<) are not supported; repeat the keys instead")
			continue
		}
		if first, dup := seen[name]; dup {
			p.report(key, field, "repeated key; it was first set at line %d", first.Line)
			continue
		}
		seen[name] = key
		if !slices.Contains(known, name) {
			p.unknownKey(key, field, name, known)
			continue
		}
		entries[name] = entry{key: key, value: value}
	}
	return entries
}

func (p *parser) unknownKey(key *yaml.Node, field, name string, known []string) {
	if s := Suggest(name, known); s != "" {
		p.report(key, field, "unknown key; did you mean %q?", s)
		return
	}
	p.report(key, field, "unknown key; known keys are %s", strings.Join(known, ", "))
}

func (p *parser) settings(e entry) Settings {
	s := DefaultSettings()
	if !e.set() {
		return s
	}
	if e.value.Kind != yaml.MappingNode {
		p.expected(e.value, "settings", "a mapping")
		return s
	}
	f := p.mapping(e.value, "settings", settingsKeys)
	field := func(key string) string { return "settings." + key }

	if v := f["database"]; v.set() {
		if db, ok := p.text(v.value, field("database")); ok {
			// Relative to the file's folder, as the secret files are: the
			// current directory is / under systemd, and another one each
			// time a person runs a command.
			if !filepath.IsAbs(db) {
				db = filepath.Join(filepath.Dir(p.file), db)
			}
			s.Database = db
		}
	}
	if v := f["schedule"]; v.set() {
		if spec, ok := p.schedule(v.value, field("schedule")); ok {
			s.Schedule = spec
		}
	}
	if v := f["user_agent"]; v.set() {
		if ua, ok := p.text(v.value, field("user_agent")); ok {
			if !validHeaderValue(ua) {
				p.report(v.value, field("user_agent"), "must not contain line breaks or other control characters")
			} else {
				s.UserAgent = ua
			}
		}
	}
	if v := f["host_interval"]; v.set() {
		if d, ok := p.duration(v.value, field("host_interval")); ok {
			s.HostInterval = d
		}
	}
	if v := f["timeout"]; v.set() {
		if d, ok := p.duration(v.value, field("timeout")); ok {
			if d == 0 {
				p.report(v.value, field("timeout"), "must be more than 0; a request without a timeout can hang a check forever")
			} else {
				s.Timeout = d
			}
		}
	}
	if v := f["max_body"]; v.set() {
		if size, ok := p.size(v.value, field("max_body")); ok {
			s.MaxBody = size
		}
	}
	if v := f["retries"]; v.set() {
		if r, ok := p.integer(v.value, field("retries")); ok {
			switch {
			case r < 0:
				p.report(v.value, field("retries"), "must not be negative, got %d", r)
			case r > MaxRetries:
				// Each retry waits longer, up to 2 minutes, with the
				// watch's check held meanwhile: 1000 of them would hold it
				// for a day and a half.
				p.report(v.value, field("retries"), "must be at most %d, got %d: a check that still fails is checked again later, less and less often", MaxRetries, r)
			default:
				s.Retries = r
			}
		}
	}
	if v := f["min_length_ratio"]; v.set() {
		if r, ok := p.number(v.value, field("min_length_ratio")); ok {
			// 0 cannot mean "never an anomaly": monitor.Watch reads 0 as the
			// default.
			if !(r > 0 && r <= 1) {
				p.report(v.value, field("min_length_ratio"), "must be more than 0 and at most 1, got %s", v.value.Value)
			} else {
				s.MinLengthRatio = r
			}
		}
	}
	if v := f["browser_path"]; v.set() {
		if path, ok := p.text(v.value, field("browser_path")); ok {
			s.BrowserPath = path
		}
	}
	if v := f["browser_tabs"]; v.set() {
		if n, ok := p.integer(v.value, field("browser_tabs")); ok {
			if n < 1 || n > 16 {
				p.report(v.value, field("browser_tabs"), "must be between 1 and 16, got %d", n)
			} else {
				s.BrowserTabs = n
			}
		}
	}
	if v := f["browser_idle"]; v.set() {
		if d, ok := p.duration(v.value, field("browser_idle")); ok {
			s.BrowserIdle = d
		}
	}
	if v := f["check_retention"]; v.set() {
		if d, ok := p.duration(v.value, field("check_retention")); ok {
			s.CheckRetention = d
		}
	}
	if v := f["log_level"]; v.set() {
		if name, ok := p.text(v.value, field("log_level")); ok {
			if level, known := parseLogLevel(name); known {
				s.LogLevel = level
			} else {
				p.report(v.value, field("log_level"), "unknown log level %q; use debug, info, warn or error", name)
			}
		}
	}
	return s
}

// logLevels are the names log_level accepts, as WriteYAML writes them.
var logLevels = []struct {
	name  string
	level slog.Level
}{
	{"debug", slog.LevelDebug},
	{"info", slog.LevelInfo},
	{"warn", slog.LevelWarn},
	{"error", slog.LevelError},
}

func parseLogLevel(name string) (slog.Level, bool) {
	for _, l := range logLevels {
		if strings.EqualFold(name, l.name) {
			return l.level, true
		}
	}
	return 0, false
}

func logLevelName(level slog.Level) (string, bool) {
	for _, l := range logLevels {
		if l.level == level {
			return l.name, true
		}
	}
	return "", false
}

func (p *parser) watches(root *yaml.Node, e entry, s Settings) []monitor.Watch {
	switch {
	case e.key == nil:
		p.report(root, "watches", "missing; the file needs at least one watch")
		return nil
	case isNull(e.value):
		p.report(e.key, "watches", "empty; the file needs at least one watch")
		return nil
	case e.value.Kind != yaml.SequenceNode:
		p.expected(e.value, "watches", "a list of watches")
		return nil
	case len(e.value.Content) == 0:
		p.report(e.value, "watches", "empty; the file needs at least one watch")
		return nil
	}

	type firstUse struct {
		field string
		line  int
	}
	names := make(map[string]firstUse)
	pages := make(map[string]firstUse)
	var out []monitor.Watch
	for i, item := range e.value.Content {
		path := fmt.Sprintf("watches[%d]", i)
		node := resolve(item)
		w, nameNode := p.watch(node, path, s)
		if nameNode != nil {
			if first, dup := names[w.Name]; dup {
				p.report(nameNode, path+".name", "duplicate name %q; %s at line %d has it too", w.Name, first.field, first.line)
			} else {
				names[w.Name] = firstUse{path, nameNode.Line}
			}
		}
		if w.URL != "" && w.Name != "" {
			// A block copied and renamed, its URL left as it was: the
			// page fetched twice, each change told twice.
			key := pageKey(w)
			if first, dup := pages[key]; dup {
				p.warn(node, path, "the same page as %s, line %d), read the same way (url, select, remove, fetcher, language, headers): it is fetched twice and each change told twice, under two names; remove one, or point it at another page",
					first.field, first.line)
			} else {
				pages[key] = firstUse{fmt.Sprintf("%s (%s", path, w.Name), node.Line}
			}
		}
		out = append(out, w)
	}
	return out
}

// pageKey is what makes two watches read one page the same way: all but
// their names, schedules and thresholds.
func pageKey(w monitor.Watch) string {
	headers := make([]string, 0, len(w.Headers))
	for k, v := range w.Headers {
		headers = append(headers, http.CanonicalHeaderKey(k)+": "+v)
	}
	slices.Sort(headers)
	b, _ := json.Marshal([]any{w.URL, w.Select, w.Remove, w.Fetcher, w.Language, headers, w.NoShellPhrases})
	return string(b)
}

// watch reads one watch, defaults resolved. It returns the node of a valid
// name, for the check that names are unique.
func (p *parser) watch(n *yaml.Node, path string, s Settings) (w monitor.Watch, nameNode *yaml.Node) {
	if n.Kind != yaml.MappingNode {
		p.expected(n, path, "a watch (a mapping with at least name and url)")
		return w, nil
	}
	f := p.mapping(n, path, watchKeys)
	field := func(key string) string { return path + "." + key }

	s.setWatchDefaults(&w)

	if v := f["name"]; !v.set() {
		p.report(n, path, "missing name; every watch needs a unique name")
	} else if name, ok := p.text(v.value, field("name")); ok {
		if msg := checkName(name); msg != "" {
			p.report(v.value, field("name"), "%s", msg)
		} else {
			w.Name, nameNode = name, v.value
		}
	}
	if v := f["url"]; !v.set() {
		p.report(n, path, "missing url; every watch needs the address of its page")
	} else if u, ok := p.text(v.value, field("url")); ok {
		if msg := checkWatchURL(u); msg != "" {
			p.report(v.value, field("url"), "%s", msg)
		} else {
			w.URL = u
		}
	}
	if v := f["select"]; v.set() {
		w.Select = p.selectors(v.value, field("select"))
	}
	if v := f["remove"]; v.set() {
		w.Remove = p.selectors(v.value, field("remove"))
	}
	if v := f["fetcher"]; v.set() {
		if name, ok := p.text(v.value, field("fetcher")); ok {
			if msg := checkFetcher(name); msg != "" {
				p.report(v.value, field("fetcher"), "%s", msg)
			} else {
				w.Fetcher = name
			}
		}
	}
	if v := f["schedule"]; v.set() {
		if spec, ok := p.schedule(v.value, field("schedule")); ok {
			w.Schedule = spec
		}
	}
	if v := f["language"]; v.set() {
		if tag, ok := p.text(v.value, field("language")); ok {
			if canonical, err := canonicalLanguage(tag); err != nil {
				p.report(v.value, field("language"), "%v", err)
			} else {
				w.Language = canonical
			}
		}
	}
	if v := f["shell_phrases"]; v.set() {
		if on, ok := p.boolean(v.value, field("shell_phrases")); ok {
			w.NoShellPhrases = !on
		}
	}
	if v := f["headers"]; v.set() {
		w.Headers = p.headers(v.value, field("headers"), w.Language != "")
	}
	return w, nameNode
}

// selectors reads a list of CSS selectors; a single string is a list of one.
func (p *parser) selectors(n *yaml.Node, field string) []string {
	return p.stringList(n, field, "CSS selector", func(item *yaml.Node, field, sel string) bool {
		if err := checkSelector(sel); err != nil {
			p.report(item, field, "%v", err)
			return false
		}
		return true
	})
}

// stringList reads one string or a list of them (each a "what"), keeping
// those that keep accepts; keep reports what is wrong with the others.
func (p *parser) stringList(n *yaml.Node, field, what string, keep func(item *yaml.Node, field, s string) bool) []string {
	items := []*yaml.Node{n}
	itemField := func(int) string { return field }
	switch n.Kind {
	case yaml.ScalarNode:
	case yaml.SequenceNode:
		items = n.Content
		itemField = func(i int) string { return fmt.Sprintf("%s[%d]", field, i) }
	default:
		p.expected(n, field, "a "+what+" or a list of them")
		return nil
	}
	var out []string
	for i, item := range items {
		item = resolve(item)
		if s, ok := p.textOf(item, itemField(i), "a "+what); ok && keep(item, itemField(i), s) {
			out = append(out, s)
		}
	}
	return out
}

// headers reads a watch's extra request headers. Names are returned in
// canonical form (http.CanonicalHeaderKey). hasLanguage says whether the
// watch sets language, which owns Accept-Language.
func (p *parser) headers(n *yaml.Node, field string, hasLanguage bool) map[string]string {
	if n.Kind != yaml.MappingNode {
		p.expected(n, field, "a mapping of header names to values")
		return nil
	}
	out := make(map[string]string, len(n.Content)/2)
	firstLine := make(map[string]int)
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, value := resolve(n.Content[i]), resolve(n.Content[i+1])
		if key.Kind != yaml.ScalarNode {
			p.expected(key, field, "a header name")
			continue
		}
		hfield := field + "." + key.Value
		canonical, msg := checkHeaderName(key.Value, hasLanguage)
		if msg != "" {
			p.report(key, hfield, "%s", msg)
			continue
		}
		if line, dup := firstLine[canonical]; dup {
			p.report(key, hfield, "repeated header; %s was first set at line %d", canonical, line)
			continue
		}
		firstLine[canonical] = key.Line
		// An empty value is valid HTTP, and so is a header written without
		// one.
		if value.Kind != yaml.ScalarNode {
			p.expected(value, hfield, "a header value")
			continue
		}
		val := value.Value
		if isNull(value) {
			val = ""
		}
		if !validHeaderValue(val) {
			p.report(value, hfield, "header value must not contain line breaks or other control characters")
			continue
		}
		out[canonical] = val
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// schedule reads and checks a schedule.
func (p *parser) schedule(n *yaml.Node, field string) (string, bool) {
	spec, ok := p.textOf(n, field, "a schedule such as \"0 */6 * * *\" or \"@every 6h\"")
	if !ok {
		return "", false
	}
	if _, err := ParseSchedule(spec); err != nil {
		p.report(n, field, "%v", err)
		return "", false
	}
	return spec, true
}

// text reads a non-empty scalar as a string. Numbers and booleans are
// taken as written: `name: 2024` is the name "2024".
func (p *parser) text(n *yaml.Node, field string) (string, bool) {
	return p.textOf(n, field, "a string")
}

// textOf is text for values that are written as strings but are not any
// string, such as durations: want says what is expected.
func (p *parser) textOf(n *yaml.Node, field, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode || isNull(n) {
		p.expected(n, field, want)
		return "", false
	}
	if n.Value == "" {
		p.report(n, field, "must not be empty")
		return "", false
	}
	return n.Value, true
}

func (p *parser) integer(n *yaml.Node, field string) (int, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!float" && strings.Trim(n.Value, "+-0123456789") == "" {
		// YAML reads digits too many for an int64 as a float.
		p.report(n, field, "integer %s is out of range", n.Value)
		return 0, false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" {
		p.expected(n, field, "an integer")
		return 0, false
	}
	var i int
	if err := n.Decode(&i); err != nil {
		p.report(n, field, "integer %s is out of range", n.Value)
		return 0, false
	}
	return i, true
}

func (p *parser) boolean(n *yaml.Node, field string) (bool, bool) {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" {
		p.expected(n, field, "true or false")
		return false, false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		p.expected(n, field, "true or false")
		return false, false
	}
	return b, true
}

func (p *parser) number(n *yaml.Node, field string) (float64, bool) {
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		p.expected(n, field, "a number")
		return 0, false
	}
	var f float64
	if err := n.Decode(&f); err != nil {
		p.report(n, field, "invalid number %s", n.Value)
		return 0, false
	}
	return f, true
}

// duration reads a non-negative Go duration such as "10s" or "1m30s", or
// a whole number of days such as "30d", which the command line's --since
// accepts too and which retention periods are naturally written in; a bare
// 0 is accepted too.
func (p *parser) duration(n *yaml.Node, field string) (time.Duration, bool) {
	s, ok := p.textOf(n, field, "a duration such as 30s")
	if !ok {
		return 0, false
	}
	d, err := time.ParseDuration(s)
	if days, isDays := strings.CutSuffix(s, "d"); err != nil && isDays {
		// Days are whole, as for --since: "1d12h" is written 36h.
		if count, perr := strconv.ParseInt(days, 10, 64); perr == nil && -maxDays <= count && count <= maxDays {
			d, err = time.Duration(count)*24*time.Hour, nil
		}
	}
	if err != nil {
		// time's messages already quote the value: "invalid duration \"x\"".
		p.report(n, field, "%s (use a number and a unit: 500ms, 10s, 5m, 1h, or whole days: 30d)", strings.TrimPrefix(err.Error(), "time: "))
		return 0, false
	}
	if d < 0 {
		p.report(n, field, "must not be negative, got %s", s)
		return 0, false
	}
	return d, true
}

// maxDays is the most days a time.Duration holds.
const maxDays = math.MaxInt64 / int64(24*time.Hour)

// size reads a positive byte count: a number with an optional unit, SI
// (kB, MB) or binary (KiB, MiB).
func (p *parser) size(n *yaml.Node, field string) (int64, bool) {
	s, ok := p.textOf(n, field, "a size such as 20MiB")
	if !ok {
		return 0, false
	}
	b, err := humanize.ParseBytes(s)
	switch {
	case err != nil:
		p.report(n, field, "invalid size %q (use a number of bytes and an optional unit: 500kB, 20MiB)", s)
	case b == 0:
		p.report(n, field, "must be more than 0")
	case b > math.MaxInt64:
		p.report(n, field, "size %q is too large", s)
	default:
		return int64(b), true
	}
	return 0, false
}

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func firstContent(doc *yaml.Node) *yaml.Node {
	if len(doc.Content) == 0 {
		return nil
	}
	return doc.Content[0]
}

func isNull(n *yaml.Node) bool {
	return n == nil || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// describe names what a node holds, for "expected …, found …" messages.
func describe(n *yaml.Node) string {
	switch {
	case isNull(n):
		return "nothing"
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	}
	return strconv.Quote(n.Value)
}

func joinField(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
