package config

import (
	"bytes"
	"errors"
	"flag"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// fixedHome makes DefaultDatabasePath predictable.
func fixedHome(t *testing.T) {
	t.Helper()
	t.Setenv("XDG_DATA_HOME", "/data")
}

func TestLoadValid(t *testing.T) {
	fixedHome(t)
	cfg, err := Load("testdata/valid.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	wantSettings := Settings{
		Database:       "/var/lib/policywatch/policywatch.db",
		Schedule:       "0 */6 * * *",
		UserAgent:      "policywatch/0.1 (+https://example.org/contact)",
		HostInterval:   0,
		Timeout:        90 * time.Second,
		MaxBody:        5_000_000,
		Retries:        0,
		MinLengthRatio: 0.25,
		LogLevel:       slog.LevelDebug,
		BrowserTabs:    DefaultBrowserTabs,
		BrowserIdle:    DefaultBrowserIdle,
	}
	wantWatches := []monitor.Watch{{
		Name:           "meta-privacy-policy",
		URL:            "https://mbasic.facebook.com/privacy/policy/printable/",
		Select:         []string{"#root", "main > article"},
		Remove:         []string{"img", "svg"},
		Fetcher:        "http",
		Schedule:       "@every 6h",
		Language:       "en-US", // canonical form of en-us
		Headers:        map[string]string{"X-Foo": "bar", "Cookie": "locale=en_US"},
		MinLengthRatio: 0.25,
	}, {
		Name:           "whatsapp-privacy-eea",
		URL:            "https://www.whatsapp.com/legal/privacy-policy-eea?lang=en",
		Select:         []string{"#content-wrapper"}, // a single string
		Remove:         []string{"img", "svg"},       // through an alias
		Fetcher:        DefaultFetcher,
		Schedule:       "0 */6 * * *", // settings.schedule
		Language:       "",            // written without a value
		MinLengthRatio: 0.25,
	}}
	if cfg.Path != "testdata/valid.yaml" {
		t.Errorf("Path = %q", cfg.Path)
	}
	if cfg.Settings != wantSettings {
		t.Errorf("Settings:\n got %+v\nwant %+v", cfg.Settings, wantSettings)
	}
	if !reflect.DeepEqual(cfg.Watches, wantWatches) {
		t.Errorf("Watches:\n got %+v\nwant %+v", cfg.Watches, wantWatches)
	}

	// Later sections are kept as nodes, positions included.
	for _, s := range []struct {
		name string
		node *yaml.Node
		kind yaml.Kind
		line int
	}{
		{"notify", cfg.Notify, yaml.MappingNode, 27},
		{"web", cfg.Web, yaml.MappingNode, 29},
		{"taxonomy", cfg.Taxonomy, yaml.SequenceNode, 30},
	} {
		if s.node == nil {
			t.Errorf("%s: nil node", s.name)
			continue
		}
		if s.node.Kind != s.kind || s.node.Line != s.line {
			t.Errorf("%s: kind %v at line %d, want kind %v at line %d", s.name, s.node.Kind, s.node.Line, s.kind, s.line)
		}
	}
	if n, err := cfg.NotifyConfig(); err != nil || n.BaseURL != "https://policywatch.example.org" {
		t.Errorf("notify section: %+v, %v", n, err)
	}
}

func TestParseDefaultsResolved(t *testing.T) {
	fixedHome(t)
	cfg, err := Load("testdata/minimal.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &Config{
		Path:     "testdata/minimal.yaml",
		Settings: DefaultSettings(),
		Watches: []monitor.Watch{{
			Name: "example", URL: "https://example.org/privacy",
			Fetcher: DefaultFetcher, Schedule: DefaultSchedule, MinLengthRatio: DefaultMinLengthRatio,
		}},
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
	if cfg.Settings.Database != "/data/policywatch/policywatch.db" {
		t.Errorf("default database = %q", cfg.Settings.Database)
	}
	if cfg.Notify != nil || cfg.Web != nil || cfg.Taxonomy != nil {
		t.Error("absent sections should be nil nodes")
	}

	empty, err := Parse("e.yaml", []byte("notify:\nweb: ~\nwatches: [{name: a, url: 'https://example.org/'}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if empty.Notify != nil || empty.Web != nil {
		t.Errorf("empty sections should be nil nodes: %+v, %+v", empty.Notify, empty.Web)
	}
}

// TestErrors checks every class of mistake against the exact messages in
// testdata/errors/*.golden (go test -update rewrites them).
func TestErrors(t *testing.T) {
	fixedHome(t)
	inputs, err := filepath.Glob("testdata/errors/*.yaml")
	if err != nil || len(inputs) == 0 {
		t.Fatalf("no inputs: %v", err)
	}
	for _, in := range inputs {
		t.Run(strings.TrimSuffix(filepath.Base(in), ".yaml"), func(t *testing.T) {
			cfg, err := Load(in, nil)
			var cerr *Error
			if !errors.As(err, &cerr) {
				t.Fatalf("Load = %+v, %v; want an *Error", cfg, err)
			}
			if cfg != nil {
				t.Errorf("Load returned a config with its error")
			}
			got := cerr.Error() + "\n"
			golden := strings.TrimSuffix(in, ".yaml") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("problems:\n%s\nwant:\n%s", got, want)
			}
			if n := strings.Count(got, "\n"); n != len(cerr.Problems) {
				t.Errorf("%d lines for %d problems", n, len(cerr.Problems))
			}
		})
	}
}

// TestProblems checks the fields of problems, not only their text, on a
// file with several mistakes: every one is reported, in file order.
func TestProblems(t *testing.T) {
	fixedHome(t)
	src := `settings:
  timeout: soon
watches:
  - name: a
    url: https://example.org/
    schedule: "*/5 * *"
  - name: a
    url: example.org
  - name: b
    url: https://example.org:99999/policy
`
	_, err := Parse("p.yaml", []byte(src))
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("err = %v, want *Error", err)
	}
	want := []Problem{
		{"p.yaml", 2, 12, "settings.timeout", `invalid duration "soon" (use a number and a unit: 500ms, 10s, 5m, 1h, or whole days: 30d)`},
		{"p.yaml", 6, 15, "watches[0].schedule", `invalid cron spec "*/5 * *": expected 5 fields, found 3`},
		{"p.yaml", 7, 11, "watches[1].name", `duplicate name "a"; watches[0] at line 4 has it too`},
		{"p.yaml", 8, 10, "watches[1].url", `URL "example.org" must be absolute, starting with https:// or http://`},
		{"p.yaml", 10, 10, "watches[2].url", `URL "https://example.org:99999/policy": port 99999 is out of range 1-65535`},
	}
	if !reflect.DeepEqual(cerr.Problems, want) {
		t.Errorf("problems:\n got %q\nwant %q", cerr.Problems, want)
	}
}

func TestSingleStringSelect(t *testing.T) {
	for _, tc := range []struct {
		yaml string
		want []string
	}{
		{`"#root"`, []string{"#root"}},
		{`["#root"]`, []string{"#root"}},
		{`["#root", "main"]`, []string{"#root", "main"}},
		{`"#a, #b"`, []string{"#a, #b"}}, // a group is one selector
		{`[]`, nil},
		{``, nil},
	} {
		src := "watches:\n  - name: a\n    url: https://example.org/\n    select: " + tc.yaml + "\n"
		cfg, err := Parse("s.yaml", []byte(src))
		if err != nil {
			t.Errorf("select: %s: %v", tc.yaml, err)
			continue
		}
		if got := cfg.Watches[0].Select; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("select: %s = %q, want %q", tc.yaml, got, tc.want)
		}
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.yaml"), nil)
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("err = %v, want fs.ErrNotExist", err)
	}
	var cerr *Error
	if errors.As(err, &cerr) {
		t.Errorf("a read error is not a configuration *Error")
	}
}

func TestDefaults(t *testing.T) {
	fixedHome(t)
	d := Defaults()
	if d.Path != "" {
		t.Errorf("Path = %q", d.Path)
	}
	if d.Settings != DefaultSettings() {
		t.Errorf("Settings = %+v", d.Settings)
	}
	if d.Settings.UserAgent != "policywatch/0.1 (+https://github.com/policywatch/policywatch)" {
		t.Errorf("UserAgent = %q", d.Settings.UserAgent)
	}
	wantNames := []string{
		"meta-privacy-policy", "meta-privacy-policy-fr", "meta-genai", "instagram-privacy",
		"instagram-genai", "threads-privacy", "whatsapp-privacy-eea", "meta-ai-terms-eu",
	}
	var names []string
	for _, w := range d.Watches {
		names = append(names, w.Name)
		if w.Fetcher != DefaultFetcher || w.Schedule != DefaultSchedule || w.MinLengthRatio != DefaultMinLengthRatio {
			t.Errorf("%s: defaults not resolved: %+v", w.Name, w)
		}
	}
	if !reflect.DeepEqual(names, wantNames) {
		t.Errorf("names = %q", names)
	}
	// Each call, and each watch, has its own slices.
	d.Watches[0].Select[0] = "changed"
	if Defaults().Watches[0].Select[0] != "#root" {
		t.Error("Defaults shares slices between calls")
	}
	d.Watches[0].Remove[0] = "changed"
	if d.Watches[1].Remove[0] != "img" {
		t.Error("Defaults shares slices between watches")
	}
}

// TestDefaultsGolden pins the file `policywatch watches --defaults` prints,
// and that it validates and reads back to Defaults().
func TestDefaultsGolden(t *testing.T) {
	fixedHome(t)
	var buf bytes.Buffer
	if err := Defaults().WriteYAML(&buf); err != nil {
		t.Fatal(err)
	}
	const golden = "testdata/defaults.golden.yaml"
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if buf.String() != string(want) {
		t.Errorf("WriteYAML(Defaults()):\n%s\nwant:\n%s", buf.String(), want)
	}
}

func TestWriteYAMLRoundTrip(t *testing.T) {
	fixedHome(t)
	valid, err := Load("testdata/valid.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	custom := &Config{
		Settings: Settings{
			Database: "rel/path with spaces.db", Schedule: "@daily", UserAgent: "ua: with colon",
			HostInterval: 1500 * time.Millisecond, Timeout: time.Minute, MaxBody: 12345,
			Retries: 7, MinLengthRatio: 1, LogLevel: slog.LevelError,
			BrowserPath: "/opt/chromium/chrome", BrowserTabs: 3, BrowserIdle: 30 * time.Second,
		},
		Watches: []monitor.Watch{{
			Name: "123", URL: "http://example.org/a?b=c#d", Select: []string{"div.policy > p", "#x, #y"},
			Fetcher: "http", Schedule: "TZ=Europe/Paris 30 8 * * 1-5", Language: "fr-CA",
			Headers:        map[string]string{"Cookie": "a=b; c=d", "X-Empty": "", "X-Yes": "yes", "X-Num": "0"},
			MinLengthRatio: 1,
		}, {
			Name: "b", URL: "https://example.org/", Fetcher: "http", Schedule: "@daily", MinLengthRatio: 1,
			NoShellPhrases: true,
		}},
	}
	for _, tc := range []struct {
		name string
		cfg  *Config
	}{
		{"defaults", Defaults()},
		{"valid.yaml", valid},
		{"custom", custom},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := tc.cfg.WriteYAML(&buf); err != nil {
				t.Fatal(err)
			}
			back, err := Parse("out.yaml", buf.Bytes())
			if err != nil {
				t.Fatalf("%v\nin:\n%s", err, buf.String())
			}
			if back.Path != "out.yaml" {
				t.Errorf("Path = %q", back.Path)
			}
			if back.Settings != tc.cfg.Settings {
				t.Errorf("Settings:\n got %+v\nwant %+v", back.Settings, tc.cfg.Settings)
			}
			if !reflect.DeepEqual(back.Watches, tc.cfg.Watches) {
				t.Errorf("Watches:\n got %+v\nwant %+v\nfile:\n%s", back.Watches, tc.cfg.Watches, buf.String())
			}
			for _, s := range []struct {
				name      string
				got, want *yaml.Node
			}{{"notify", back.Notify, tc.cfg.Notify}, {"web", back.Web, tc.cfg.Web}, {"taxonomy", back.Taxonomy, tc.cfg.Taxonomy}} {
				if got, want := decodeNode(t, s.got), decodeNode(t, s.want); !reflect.DeepEqual(got, want) {
					t.Errorf("%s = %#v, want %#v", s.name, got, want)
				}
			}
		})
	}
}

func decodeNode(t *testing.T, n *yaml.Node) any {
	t.Helper()
	if n == nil {
		return nil
	}
	var v any
	if err := n.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestWriteYAMLRefusesWhatItCannotExpress(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"log level", func(c *Config) { c.Settings.LogLevel = slog.LevelInfo + 2 }, "log level INFO+2 cannot be written"},
		{"watch ratio", func(c *Config) { c.Watches[1].MinLengthRatio = 0.9 }, "watch meta-privacy-policy-fr: a min_length_ratio of its own"},
	} {
		c := Defaults()
		tc.change(c)
		err := c.WriteYAML(&bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestDefaultDatabasePath(t *testing.T) {
	for _, tc := range []struct {
		name, xdg, home, want string
	}{
		{"XDG_DATA_HOME", "/srv/data", "/home/ann", "/srv/data/policywatch/policywatch.db"},
		{"no XDG_DATA_HOME", "", "/home/ann", "/home/ann/.local/share/policywatch/policywatch.db"},
		// The XDG specification says to ignore a relative path.
		{"relative XDG_DATA_HOME", "data", "/home/ann", "/home/ann/.local/share/policywatch/policywatch.db"},
		// No home: no default, rather than one in whatever the current
		// directory is.
		{"no home", "", "", ""},
		{"no home, relative XDG_DATA_HOME", "data", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("XDG_DATA_HOME", tc.xdg)
			t.Setenv("HOME", tc.home)
			if got := DefaultDatabasePath(); got != tc.want {
				t.Errorf("DefaultDatabasePath() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseSchedule(t *testing.T) {
	for _, tc := range []struct {
		spec    string
		wantErr string // "" when valid
	}{
		{"0 */6 * * *", ""},
		{"@every 6h", ""},
		{"@every 1m", ""},
		{"@daily", ""},
		{"@hourly", ""},
		{"TZ=Europe/Paris 0 8 * * 1-5", ""},
		{"CRON_TZ=UTC @daily", ""},
		{"*/5 * *", `invalid cron spec "*/5 * *": expected 5 fields, found 3`},
		{"0 0 * * * *", `invalid cron spec "0 0 * * * *": expected 5 fields, found 6`},
		{"", `invalid cron spec "": expected 5 fields, found 0`},
		{"61 * * * *", `invalid cron spec "61 * * * *": end of range (61) above maximum (59): 61`},
		{"TZ=Nowhere/Land 0 * * * *", `invalid cron spec "TZ=Nowhere/Land 0 * * * *": provided bad location Nowhere/Land: unknown time zone Nowhere/Land`},
		{"@every 999ms", `schedule "@every 999ms" is too frequent: the shortest interval is 1s`},
		{"@fortnightly", `invalid schedule "@fortnightly": unrecognized descriptor: @fortnightly (use @every <duration>, @hourly, @daily, @weekly or @monthly)`},
		// Dates no month has: the schedule would never fire.
		{"0 0 30 2 *", `"0 0 30 2 *" never fires (no such date): check the day of month and month fields`},
		{"0 8 31 4,6,9,11 *", `"0 8 31 4,6,9,11 *" never fires (no such date): check the day of month and month fields`},
		{"TZ=Europe/Paris 0 0 30 2 *", `"TZ=Europe/Paris 0 0 30 2 *" never fires (no such date): check the day of month and month fields`},
		// Rare but real: leap days, and a day of month or a weekday (cron
		// fires on either when both are set).
		{"0 0 29 2 *", ""},
		{"0 0 30 2 1", ""},
		{"0 0 31 1-12 *", ""},
		// A step beyond the field's values never repeats. One of exactly
		// the number of values picks the first value alone (minute 0, day
		// 1, January): accepted, as nothing else could be meant by it.
		{"*/61 * * * *", `invalid cron spec "*/61 * * * *": the minute step 61 exceeds the field's 60 values (0-59), so "*/61" means minute 0 only; use a step of 1 to 60`},
		{"10-20/61 * * * *", `invalid cron spec "10-20/61 * * * *": the minute step 61 exceeds the field's 60 values (0-59), so "10-20/61" means minute 10 only; use a step of 1 to 60`},
		{"TZ=UTC 30/90 * * * *", `invalid cron spec "TZ=UTC 30/90 * * * *": the minute step 90 exceeds the field's 60 values (0-59), so "30/90" means minute 30 only; use a step of 1 to 60`},
		{"0 */25 * * *", `invalid cron spec "0 */25 * * *": the hour step 25 exceeds the field's 24 values (0-23), so "*/25" means hour 0 only; use a step of 1 to 24`},
		{"0 0 */32 * *", `invalid cron spec "0 0 */32 * *": the day of month step 32 exceeds the field's 31 values (1-31), so "*/32" means day of month 1 only; use a step of 1 to 31`},
		{"0 0 1 jan/13 *", `invalid cron spec "0 0 1 jan/13 *": the month step 13 exceeds the field's 12 values (1-12), so "jan/13" means month jan only; use a step of 1 to 12`},
		{"0 0 * * */8", `invalid cron spec "0 0 * * */8": the day of week step 8 exceeds the field's 7 values (0-6), so "*/8" means day of week 0 only; use a step of 1 to 7`},
		{"*/60 * * * *", ""},
		{"0 */24 * * *", ""},
		{"0 0 */31 * *", ""},
		{"0 0 1 */12 *", ""},
		{"0 0 * * */7", ""},
		{"45/30 * * * *", ""}, // documented: 45-59/30, minute 45
		// What robfig/cron already refuses stays refused, in its words.
		{"*/0 * * * *", `invalid cron spec "*/0 * * * *": step of range should be a positive number: */0`},
		{"30-10 * * * *", `invalid cron spec "30-10 * * * *": beginning of range (30) beyond end of range (10): 30-10`},
		// The parser ignores what follows * and empty list items.
		{"*-5 * * * *", `invalid cron spec "*-5 * * * *": in the minute field, "*-5" is read as "*", ignoring what follows *; a range is two values within 0-59, such as 0-5`},
		{"0 ?-x * * *", `invalid cron spec "0 ?-x * * *": in the hour field, "?-x" is read as "?", ignoring what follows ?; a range is two values within 0-23`},
		{"0,,30 * * * *", `invalid cron spec "0,,30 * * * *": the minute field "0,,30" has an empty item; list values within 0-59 separated by single commas`},
		{"0 , * * *", `invalid cron spec "0 , * * *": the hour field "," has an empty item; list values within 0-23 separated by single commas`},
		// robfig/cron reads "*/2" as a restricted day, so with a day of
		// week it fires on either, where crontab fires on both; accepted
		// all the same (the README says how it is read): a configuration
		// written for robfig's reading is not wrong.
		{"0 8 */2 * 1", ""},
		{"0 8 1-31/2 * 1", ""},
		{"0 8 */2 * *", ""},
		{"0 8 */2 * ?", ""},
		{"0 8 */1 * 1", ""},
		{"0 8 ? * mon", ""},
	} {
		_, err := ParseSchedule(tc.spec)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("ParseSchedule(%q): %v", tc.spec, err)
		case tc.wantErr != "" && (err == nil || err.Error() != tc.wantErr):
			t.Errorf("ParseSchedule(%q) = %v, want %q", tc.spec, err, tc.wantErr)
		}
	}
}

func TestProblemString(t *testing.T) {
	for _, tc := range []struct {
		p    Problem
		want string
	}{
		{Problem{"c.yaml", 12, 14, "watches[2].schedule", "bad"}, "c.yaml:12:14: watches[2].schedule: bad"},
		{Problem{"c.yaml", 3, 0, "", "did not find expected key"}, "c.yaml:3: did not find expected key"},
		{Problem{"c.yaml", 0, 0, "", "the file is empty"}, "c.yaml: the file is empty"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
	err := &Error{Problems: []Problem{{"a", 1, 2, "x", "m1"}, {"a", 3, 4, "y", "m2"}}}
	if got, want := err.Error(), "a:1:2: x: m1\na:3:4: y: m2"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestSuggest(t *testing.T) {
	known := []string{"name", "url", "select", "remove", "schedule", "user_agent", "timeout"}
	for _, tc := range []struct{ key, want string }{
		{"selct", "select"},
		{"Select", "select"},
		{"userAgent", "user_agent"},
		{"user-agent", "user_agent"},
		{"timout", "timeout"},
		{"shedule", "schedule"},
		{"uri", "url"},
		{"colour", ""},
		{"x", ""},
		{"ur", "url"},
		{"nm", ""}, // two edits of a four-letter key is too many
		// A swap of two adjacent letters is one edit.
		{"nmae", "name"},
		{"scheudle", "schedule"},
		{"tiemout", "timeout"},
		{"rul", "url"},
		{"mane", ""}, // two substitutions, no swap
	} {
		if got := Suggest(tc.key, known); got != tc.want {
			t.Errorf("Suggest(%q) = %q, want %q", tc.key, got, tc.want)
		}
	}
}

func TestTaxonomyEntries(t *testing.T) {
	const watches = "watches:\n  - name: a\n    url: https://example.org/\n"
	cfg, err := Parse("p.yaml", []byte(watches+`taxonomy:
  - id: voiceprints
    kind: category
    labels: {en: Voiceprints, fr: Empreintes vocales}
    patterns: {en: [voiceprint*], fr: ["empreinte* vocale*"]}
  - id: photos
    patterns: {en: [snapshot*]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.TaxonomyEntries) != 2 || cfg.TaxonomyEntries[0].ID != "voiceprints" {
		t.Errorf("entries: %+v", cfg.TaxonomyEntries)
	}
	// unless phrases extend an entry's, and the analysis reads them: an
	// "audio description" of the company's videos is no audio collected.
	cfg, err = Parse("p.yaml", []byte(watches+`taxonomy:
  - id: audio
    unless: {en: ["audio description*"]}
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.TaxonomyEntries) != 1 || len(cfg.TaxonomyEntries[0].Unless["en"]) != 1 {
		t.Fatalf("entries: %+v", cfg.TaxonomyEntries)
	}
	tax := analyze.DefaultTaxonomy()
	if err := tax.Extend(cfg.TaxonomyEntries); err != nil {
		t.Fatal(err)
	}
	const text = "# Privacy Policy\nOur videos have audio descriptions for people who are blind.\n"
	hasAudio := func(tax *analyze.Taxonomy) bool {
		return slices.ContainsFunc(tax.FactSheet(text, "en", nil).Topics, func(tp analyze.Topic) bool { return tp.ID == "audio" })
	}
	if !hasAudio(analyze.DefaultTaxonomy()) {
		t.Fatalf("the built-in taxonomy reads no audio in %q: the test needs it there", text)
	}
	if hasAudio(tax) {
		t.Errorf("with the unless phrase, audio is still read in %q", text)
	}
	_, err = Parse("p.yaml", []byte(watches+"taxonomy:\n  - id: brand_new\n    patterns: {en: [x]}\n"))
	if err == nil || !strings.Contains(err.Error(), "p.yaml:5:5: taxonomy[0]:") || !strings.Contains(err.Error(), "brand_new") {
		t.Errorf("an entry without kind or label: %v, want a problem at line 5 naming it", err)
	}
}

// loadFile writes content to a configuration file of its own folder and
// loads it.
func loadFile(t *testing.T, content string) (*Config, error) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "policywatch.yaml")
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(path, nil)
}

// problems returns the problems of err, an *Error, without the file name.
func problems(t *testing.T, err error) []Problem {
	t.Helper()
	var cerr *Error
	if !errors.As(err, &cerr) {
		t.Fatalf("error %v, want an *Error", err)
	}
	out := slices.Clone(cerr.Problems)
	for i := range out {
		out[i].File = ""
	}
	return out
}

// TestScheduleNeverFires: a schedule with no activation is refused wherever
// a schedule is read, each at its own place.
func TestScheduleNeverFires(t *testing.T) {
	fixedHome(t)
	_, err := loadFile(t, `settings:
  schedule: "0 0 30 2 *"
watches:
  - name: a
    url: https://example.org/
    schedule: "0 0 31 11 *"
  - name: leap-day
    url: https://example.org/leap
    schedule: "0 0 29 2 *"
notify:
  digest_schedule: "0 8 30 2 *"
`)
	const fix = "never fires (no such date): check the day of month and month fields"
	want := []Problem{
		{"", 2, 13, "settings.schedule", `"0 0 30 2 *" ` + fix},
		{"", 6, 15, "watches[0].schedule", `"0 0 31 11 *" ` + fix},
		{"", 11, 20, "notify.digest_schedule", `"0 8 30 2 *" ` + fix},
	}
	if got := problems(t, err); !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}

// TestSyntaxErrorLine: a syntax error is reported at the line of the
// problem, not at the line before the block it is in.
func TestSyntaxErrorLine(t *testing.T) {
	const watch = "watches:\n  - name: a\n    url: https://example.org/\n"
	for _, c := range []struct {
		name, content string
		want          Problem
	}{
		{"key among items", watch + "  foo: bar\n  - name: b\n    url: https://example.org/b\n",
			Problem{"", 4, 0, "", "did not find expected '-' indicator"}},
		// The line indented unlike the one above, at its first character,
		// with a hint; not a word after a quoted value, the same message.
		{"item indented less", watch + " - name: b\n    url: https://example.org/b\n",
			Problem{"", 4, 2, "", "did not find expected key (the indentation of this line does not match the lines above it)"}},
		{"word after a quoted value", watch + "    language: \"en\" fr\n",
			Problem{"", 4, 0, "", "did not find expected key"}},
		{"after settings", "settings:\n  timeout: 1s\n" + watch + "  foo: [\n",
			Problem{"", 6, 0, "", "did not find expected '-' indicator"}},
		// At the line that opens the list, where the fix goes.
		{"unclosed flow list", watch + "    select: [main\n    remove: [img]\n",
			Problem{"", 4, 0, "", "did not find expected ',' or ']'"}},
		// At the tab, with a hint.
		{"tab", watch + "\tschedule: '@daily'\n",
			Problem{"", 4, 1, "", "found a tab character that violates indentation (tabs cannot indent YAML; use spaces)"}},
		{"tab first", "watches:\n\t- name: a\n",
			Problem{"", 2, 1, "", "found character that cannot start any token (tabs cannot indent YAML; use spaces)"}},
		{"tab after spaces", watch + "    \tschedule: '@daily'\n",
			Problem{"", 4, 5, "", "found a tab character that violates indentation (tabs cannot indent YAML; use spaces)"}},
		{"no final line break", watch + "  foo: bar",
			Problem{"", 4, 0, "", "did not find expected '-' indicator"}},
		// Far down a long file (the search used to give up past 2,000
		// lines and say line 1).
		{"long file", watch + strings.Repeat("  - name: x\n    url: https://example.org/x\n", 1500) + "  foo: bar\n",
			Problem{"", 3004, 0, "", "did not find expected '-' indicator"}},
		// Saved by an editor in Latin-1: the yaml package said only
		// "invalid leading UTF-8 octet", at no line. At the byte, with
		// what to do.
		{"not UTF-8", watch + "    headers: {From: \"Ren\xe9 <rene@example.org>\"}\n",
			Problem{"", 4, 25, "", "the file is not UTF-8 text (byte 0xe9 here): save it as UTF-8"}},
		{"not UTF-8 in a comment", "# policywatch \xe0 la maison\n" + watch,
			Problem{"", 1, 15, "", "the file is not UTF-8 text (byte 0xe0 here): save it as UTF-8"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := loadFile(t, c.content)
			if got := problems(t, err); !reflect.DeepEqual(got, []Problem{c.want}) {
				t.Errorf("problems:\n got %q\nwant %q", got, []Problem{c.want})
			}
		})
	}
}

func TestCheckURL(t *testing.T) {
	for _, c := range []struct{ url, want string }{
		{"https://example.org/", ""},
		{"HTTP://example.org/", ""},
		{"ftp://example.org/", `URL "ftp://example.org/": the scheme must be http or https, not ftp`},
		{"file:///etc/passwd", `URL "file:///etc/passwd": the scheme must be http or https, not file`},
		// Without "://" there is no scheme to blame.
		{"example.org", `URL "example.org" must be absolute, starting with https:// or http://`},
		{"example.org:8080/policy", `URL "example.org:8080/policy" must be absolute, starting with https:// or http://`},
		{"https://example.org/policy ", `URL "https://example.org/policy " has white space before or after it`},
		// url.Parse takes any digits as a port.
		{"http://x.org:99999/", `URL "http://x.org:99999/": port 99999 is out of range 1-65535`},
		{"http://x.org:0/", `URL "http://x.org:0/": port 0 is out of range 1-65535`},
		{"https://x.org:65535/", ""},
		{"https://x.org:1/", ""},
		{"https://x.org:/", ""}, // an empty port is the scheme's
	} {
		if got := checkURL(c.url); got != c.want {
			t.Errorf("checkURL(%q) = %q, want %q", c.url, got, c.want)
		}
	}
	// A watch's URL is shown everywhere: no credentials in it, and the
	// message does not repeat the password.
	for _, c := range []struct{ url, want string }{
		{"https://example.org/", ""},
		{"http://admin:s3cretpw@127.0.0.1:18082/policy", `URL "http://admin:xxxxx@127.0.0.1:18082/policy" holds a user name or password, which would be shown in logs, events, alerts and the web view; remove it and send the credentials as a header instead, e.g. headers: {Authorization: "Basic <base64 of user:password>"}`},
		{"https://token@example.org/", `URL "https://token@example.org/" holds a user name or password`},
		{"ftp://example.org/", `URL "ftp://example.org/": the scheme must be http or https, not ftp`},
		{"http://admin:s3cretpw@x.org:99999/", `URL "http://admin:xxxxx@x.org:99999/": port 99999 is out of range 1-65535`},
	} {
		if got := checkWatchURL(c.url); !strings.HasPrefix(got, c.want) || (c.want == "") != (got == "") || strings.Contains(got, "s3cretpw") {
			t.Errorf("checkWatchURL(%q) = %q, want %q", c.url, got, c.want)
		}
	}
}

// TestDurationDays: durations may be written in whole days, as --since
// takes them, in every duration of the file.
func TestDurationDays(t *testing.T) {
	fixedHome(t)
	const watch = "watches:\n  - name: a\n    url: https://example.org/\n"
	for _, c := range []struct {
		name, settings string
		want           func(Settings) time.Duration
		wantValue      time.Duration
		wantProblem    string // "" when valid
	}{
		{"days", "check_retention: 90d", func(s Settings) time.Duration { return s.CheckRetention }, 90 * 24 * time.Hour, ""},
		{"zero days", "check_retention: 0d", func(s Settings) time.Duration { return s.CheckRetention }, 0, ""},
		{"other keys", "browser_idle: 1d", func(s Settings) time.Duration { return s.BrowserIdle }, 24 * time.Hour, ""},
		{"hours still", "check_retention: 2160h", func(s Settings) time.Duration { return s.CheckRetention }, 90 * 24 * time.Hour, ""},
		{"mixed", "check_retention: 1d12h", nil, 0,
			`settings.check_retention: unknown unit "d" in duration "1d12h" (use a number and a unit: 500ms, 10s, 5m, 1h, or whole days: 30d)`},
		{"fraction", "check_retention: 1.5d", nil, 0,
			`settings.check_retention: unknown unit "d" in duration "1.5d" (use a number and a unit: 500ms, 10s, 5m, 1h, or whole days: 30d)`},
		{"negative", "host_interval: -1d", nil, 0, `settings.host_interval: must not be negative, got -1d`},
		{"too long", "check_retention: 106752d", nil, 0,
			`settings.check_retention: unknown unit "d" in duration "106752d" (use a number and a unit: 500ms, 10s, 5m, 1h, or whole days: 30d)`},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg, err := loadFile(t, "settings:\n  "+c.settings+"\n"+watch)
			if c.wantProblem != "" {
				if err == nil || !strings.HasSuffix(err.Error(), c.wantProblem) {
					t.Errorf("error %v, want one ending with %q", err, c.wantProblem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.want(cfg.Settings); got != c.wantValue {
				t.Errorf("got %v, want %v", got, c.wantValue)
			}
		})
	}
}

// TestRelativeDatabaseIsBesideTheFile: a relative settings.database is
// relative to the configuration file's folder, as the secret files are:
// not to the current directory, which is / under systemd. It used to be
// kept as written, and `database: rel/rel.db` run from /tmp made /tmp/rel.
func TestRelativeDatabaseIsBesideTheFile(t *testing.T) {
	dir := t.TempDir()
	const watches = "watches:\n  - name: a\n    url: https://example.org/\n"
	for _, c := range []struct{ database, want string }{
		{"rel/rel.db", filepath.Join(dir, "rel", "rel.db")},
		{"./policywatch.db", filepath.Join(dir, "policywatch.db")},
		{"../up.db", filepath.Join(filepath.Dir(dir), "up.db")},
		{"/var/lib/policywatch/policywatch.db", "/var/lib/policywatch/policywatch.db"},
	} {
		path := filepath.Join(dir, "policywatch.yaml")
		if err := os.WriteFile(path, []byte("settings:\n  database: "+c.database+"\n"+watches), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, err := Load(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if cfg.Settings.Database != c.want {
			t.Errorf("database: %s in %s = %q, want %q", c.database, path, cfg.Settings.Database, c.want)
		}
	}
}

// TestFormatDurationReadsBack: a duration as a configuration writes it
// reads back as itself, and is written as people write it.
func TestFormatDurationReadsBack(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", 90 * 24 * time.Hour: "90d", 36 * time.Hour: "36h", 90 * time.Minute: "1h30m",
		2 * time.Minute: "2m", 10 * time.Second: "10s", 1500 * time.Millisecond: "1.5s",
	} {
		got := FormatDuration(d)
		if got != want {
			t.Errorf("FormatDuration(%v) = %q, want %q", d, got, want)
		}
		cfg, err := Parse("f.yaml", []byte("settings:\n  check_retention: "+got+"\nwatches:\n  - name: a\n    url: https://example.org/\n"))
		if err != nil {
			t.Errorf("%q: %v", got, err)
			continue
		}
		if cfg.Settings.CheckRetention != d {
			t.Errorf("%q reads back as %v, want %v", got, cfg.Settings.CheckRetention, d)
		}
	}
}
