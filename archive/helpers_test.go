package archive_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/fetch"
	"github.com/policywatch/policywatch/store"
)

// rig is the import path as the command wires it: a real SQLite file and
// the monitor's Checker.
type rig struct {
	db       *store.DB
	checker  *monitor.Checker
	importer *archive.Importer
}

func newRig(t testing.TB) *rig {
	t.Helper()
	db, err := store.Open(context.Background(), filepath.Join(t.TempDir(), "policywatch.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	// The fetcher is never used by Ingest.
	checker := monitor.NewChecker(fetch.New(fetch.Options{}), db,
		monitor.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	return &rig{db: db, checker: checker, importer: &archive.Importer{Ingester: checker, States: db}}
}

func (r *rig) importSource(t testing.TB, w monitor.Watch, src *archive.Source) *archive.ImportResult {
	t.Helper()
	res, err := r.importer.Import(context.Background(), w, src)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (r *rig) events(t testing.TB, watch string) []monitor.Event {
	t.Helper()
	events, err := r.db.Events(context.Background(), monitor.EventFilter{Watch: watch})
	if err != nil {
		t.Fatal(err)
	}
	return events
}

var testWatch = monitor.Watch{
	Name: "example-privacy", URL: "https://example.com/privacy", Select: []string{"#policy"}, Fetcher: "http",
}

// policyParagraphs are the text of a small fictional policy, long enough
// to be taken for one.
var policyParagraphs = []string{
	"This policy explains how Example Corp collects, uses and shares information about you when you use our services.",
	"We collect the information you provide, such as your name, your email address and the content you post.",
	"We use this information to provide and improve our services, to keep them safe, and to communicate with you.",
	"You can access, correct or delete your information at any time from your account settings.",
}

// policyPage returns an HTML page whose #policy holds the paragraphs, a
// version line and extra paragraphs; noise changes only markup.
func policyPage(version string, noise int, extra ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "<!DOCTYPE html><html lang=\"en\"><head><title>Privacy Policy</title></head><body>\n")
	fmt.Fprintf(&b, "<nav class=\"n%d\"><a href=\"/?token=%d\">Home</a></nav>\n<div id=\"policy\">\n<h1>Privacy Policy</h1>\n<p>Version %s.</p>\n", noise, noise, version)
	for _, p := range append(policyParagraphs[:len(policyParagraphs):len(policyParagraphs)], extra...) {
		fmt.Fprintf(&b, "<p class=\"c%d\">%s</p>\n", noise, p)
	}
	b.WriteString("</div></body></html>\n")
	return []byte(b.String())
}

// writeFile writes data to dir/name.
func writeFile(t testing.TB, dir, name string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func kinds(events []monitor.Event) []monitor.EventKind {
	out := []monitor.EventKind{}
	for _, e := range events {
		out = append(out, e.Kind)
	}
	return out
}
