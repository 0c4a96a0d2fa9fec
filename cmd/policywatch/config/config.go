// Package config loads and validates policywatch's YAML configuration file.
//
// Everything is checked when the file is loaded, so that a daemon never
// starts with a watch it cannot run. Parse walks the YAML node tree rather
// than decoding into tagged structs: that way it can report every problem
// at once, each with its file, line, column and field path
// ("policywatch.yaml:12:14: watches[2].schedule: …"), including unknown keys
// with a "did you mean" suggestion.
//
// config belongs to the command: it may import monitor (for the Watch type
// and the schedule parser), monitor/extract and monitor/analyze (to validate
// selectors and taxonomy entries), notify and web (for the types of their
// sections) and third-party libraries; never store or the command itself.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/analyze"
)

// Config is a loaded, valid configuration.
type Config struct {
	// Path is the file the configuration was read from; "" for Defaults.
	Path     string
	Settings Settings
	// Watches have every default resolved: Schedule, Fetcher and
	// MinLengthRatio are always set.
	Watches []monitor.Watch

	// Notify, Web and Taxonomy are the top-level sections of later work.
	// They are kept as parsed, not validated here, so that the code that
	// owns them can decode them and still report line numbers. nil when the
	// section is absent.
	Notify, Web, Taxonomy *yaml.Node

	// TaxonomyEntries extend the analysis's built-in taxonomy (validated).
	TaxonomyEntries []analyze.Entry

	// Warnings are what the file says validly but most likely by mistake
	// (a watch repeated under another name), in the order of the file.
	Warnings []Problem
}

// Settings apply to every watch.
type Settings struct {
	Database     string        // SQLite file of the history; a relative one in the file is resolved against the file's folder
	Schedule     string        // default schedule of watches
	UserAgent    string        // User-Agent of every request
	HostInterval time.Duration // minimum time between two requests to one host; 0 disables
	Timeout      time.Duration // of one request
	MaxBody      int64         // largest response body read, in bytes
	Retries      int           // further attempts after a failed request
	// MinLengthRatio: a capture whose text is shorter than this share of
	// the watch's typical length is an anomaly, not a new version.
	MinLengthRatio float64
	LogLevel       slog.Level
	// CheckRetention: check rows older than this, of checks that found
	// nothing, are deleted daily; 0 keeps them all. Versions, raw bodies
	// and events are never deleted.
	CheckRetention time.Duration
	// The headless browser of fetchers browser and auto.
	BrowserPath string        // "": chromium, chromium-browser or google-chrome on PATH
	BrowserTabs int           // pages rendered at once
	BrowserIdle time.Duration // the browser process is closed after this long without work
}

// Default settings, as documented in the file written by WriteYAML.
const (
	DefaultSchedule       = "0 */6 * * *"
	DefaultUserAgent      = "policywatch/0.1 (+https://github.com/policywatch/policywatch)"
	DefaultHostInterval   = 10 * time.Second
	DefaultTimeout        = 30 * time.Second
	DefaultMaxBody        = 20 << 20 // 20 MiB
	DefaultRetries        = 3
	MaxRetries            = 10 // about 15 minutes of waits and timeouts for one check
	DefaultMinLengthRatio = 0.4
	DefaultFetcher        = "auto"
	DefaultBrowserTabs    = 2
	DefaultBrowserIdle    = 2 * time.Minute
)

// DefaultSettings returns the settings used for every key the file leaves
// out.
func DefaultSettings() Settings {
	return Settings{
		Database:       DefaultDatabasePath(),
		Schedule:       DefaultSchedule,
		UserAgent:      DefaultUserAgent,
		HostInterval:   DefaultHostInterval,
		Timeout:        DefaultTimeout,
		MaxBody:        DefaultMaxBody,
		Retries:        DefaultRetries,
		MinLengthRatio: DefaultMinLengthRatio,
		LogLevel:       slog.LevelInfo,
		BrowserTabs:    DefaultBrowserTabs,
		BrowserIdle:    DefaultBrowserIdle,
	}
}

// DefaultDatabasePath is where the history is kept when neither the
// configuration nor the command line says: following the XDG base directory
// specification, $XDG_DATA_HOME/policywatch/policywatch.db when
// XDG_DATA_HOME is set to an absolute path, else
// ~/.local/share/policywatch/policywatch.db. When the home directory cannot
// be determined either, there is none: "" (ErrNoDefaultDatabase). It was
// policywatch.db in the working directory, which is / for a system unit
// without User=, and another one for each cron job or shell: one history
// each, none where the operator's commands looked.
func DefaultDatabasePath() string {
	const dir, file = "policywatch", "policywatch.db"
	// The specification says a relative XDG_DATA_HOME is invalid and must be
	// ignored.
	if data := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(data) {
		return filepath.Join(data, dir, file)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".local", "share", dir, file)
}

// ErrNoDefaultDatabase is the refusal of a command that needs the default
// database when DefaultDatabasePath has none.
var ErrNoDefaultDatabase = errors.New("no home directory to hold the default database (HOME and XDG_DATA_HOME are unset): set --db, POLICYWATCH_DB or settings.database")

// Defaults returns the built-in configuration used when there is no file:
// the default settings and the built-in watch list.
func Defaults() *Config {
	s := DefaultSettings()
	c := &Config{Settings: s}
	for _, b := range builtins() {
		w := b.watch
		// builtins shares one remove list among its watches.
		w.Select = slices.Clone(w.Select)
		w.Remove = slices.Clone(w.Remove)
		s.setWatchDefaults(&w)
		c.Watches = append(c.Watches, w)
	}
	return c
}

// setWatchDefaults sets what a watch takes from the settings unless it
// says otherwise: the file's watches and the built-in ones alike.
func (s Settings) setWatchDefaults(w *monitor.Watch) {
	w.Fetcher = DefaultFetcher
	w.Schedule = s.Schedule
	w.MinLengthRatio = s.MinLengthRatio
}

// Load reads and parses the configuration file at path, and reads the
// secret files it names to check them: what config check reports. The
// secrets the file leaves to the environment are looked for with getenv
// as the daemon looks for them: an SMTP username without a password, or
// a signing key too short, is reported here rather than found by the
// daemon at its start.
func Load(path string, getenv func(string) string) (*Config, error) {
	if getenv == nil {
		getenv = func(string) string { return "" }
	}
	return load(path, true, getenv)
}

// LoadWithoutSecrets reads and parses the configuration file at path as
// Load does, but leaves the secret files it names unread: a command reads
// those it needs, once, when it needs them (NotifyConfigForSending,
// NotifyConfigForSigning, WebConfig), and a problem with one is reported
// then, at the line that names it. A command that uses none (events,
// watches) does not fail on a file it never reads.
func LoadWithoutSecrets(path string) (*Config, error) {
	return load(path, false, nil)
}

func load(path string, readSecrets bool, getenv func(string) string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read configuration: %w", err)
	}
	return parse(path, data, readSecrets, getenv)
}
