package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/extract"
)

// HistoryReader reads a watch's versions and events. *store.DB implements
// it.
type HistoryReader interface {
	EventReader
	// Versions lists the watch's versions, oldest first, without text.
	Versions(ctx context.Context, watch string) ([]monitor.Version, error)
	// Version returns one version with its text.
	Version(ctx context.Context, id int64) (*monitor.Version, error)
}

// VersionsExport says what an export of versions wrote.
type VersionsExport struct {
	Dir      string
	Versions int // versions written
	// Rows are the sightings written: manifest rows (each time a version
	// became current, and last sightings) or git commits (each time a
	// version became current).
	Rows int
}

// fileTime is the date prefix of exported file names, which OpenFolder
// reads back (colons are not allowed in file names everywhere).
const fileTime = "2006-01-02T15-04-05Z"

// watchNamePattern is what a watch's name may be; it becomes a file name.
var watchNamePattern = regexp.MustCompile(`^[a-z0-9-]{1,100}$`)

// manifestRow is one time a version became the current text (baseline,
// change, revert), or the last time it was seen (kindSeen).
type manifestRow struct {
	time    time.Time
	version int64
	kind    monitor.EventKind
	summary string // the event's
}

// kindSeen marks the manifest row of a version's last sighting, later
// than the time it last became current: importing it again at that time
// records no event, and restores the version's last_seen.
const kindSeen monitor.EventKind = "seen"

// ExportMarkdown writes a watch's versions into dir (which must be new or
// empty) as Markdown files, one per version, named by the time it was
// first seen, with a manifest.tsv listing each time a version became the
// current text (baseline, change, revert: columns path, time, version,
// kind) and, for a version seen after that, the last time it was seen
// (kind seen). Each file keeps the version's links as Markdown links and
// its title in a YAML front matter. OpenFolder reads the folder back, and
// importing it replays the same history: the same events, titles, links
// (and so facts) and last sightings.
func ExportMarkdown(ctx context.Context, r HistoryReader, watch, dir string) (_ *VersionsExport, err error) {
	versions, rows, err := history(ctx, r, watch)
	if err != nil {
		return nil, err
	}
	created, err := emptyDir(dir)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", watch, err)
	}
	defer removeOnError(dir, created, &err)
	names := make(map[int64]string, len(versions))
	for _, v := range versions {
		full, err := r.Version(ctx, v.ID)
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", watch, err)
		}
		name := fmt.Sprintf("%s-v%d.md", v.FirstSeen.UTC().Format(fileTime), v.ID)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(versionMarkdown(full)), 0o644); err != nil {
			return nil, fmt.Errorf("export %s: %w", watch, err)
		}
		names[v.ID] = name
	}
	var m bytes.Buffer
	m.WriteString("path\ttime\tversion\tkind\n")
	for _, row := range rows {
		fmt.Fprintf(&m, "%s\t%s\t%d\t%s\n", names[row.version], row.time.UTC().Format(time.RFC3339Nano), row.version, row.kind)
	}
	if err := os.WriteFile(filepath.Join(dir, ManifestName), m.Bytes(), 0o644); err != nil {
		return nil, fmt.Errorf("export %s: %w", watch, err)
	}
	return &VersionsExport{Dir: dir, Versions: len(versions), Rows: len(rows)}, nil
}

// history reads a watch's versions and its sightings, oldest first: each
// time a version became current (baseline, change, revert, with the
// event's summary), then, for each version seen again after it last
// became current, its last sighting (kindSeen).
func history(ctx context.Context, r HistoryReader, watch string) (versions []monitor.Version, rows []manifestRow, err error) {
	if !watchNamePattern.MatchString(watch) {
		return nil, nil, fmt.Errorf("export %q: not a watch name ([a-z0-9-]+)", shorten(watch, 100))
	}
	versions, err = r.Versions(ctx, watch)
	if err != nil {
		return nil, nil, fmt.Errorf("export %s: %w", watch, err)
	}
	if len(versions) == 0 {
		return nil, nil, fmt.Errorf("export %s: no versions recorded", watch)
	}
	known := make(map[int64]bool, len(versions))
	for _, v := range versions {
		known[v.ID] = true
	}
	current := map[int64]time.Time{} // when each version last became current
	_, err = eachEvent(ctx, r, monitor.EventFilter{
		Watch: watch, Kinds: []monitor.EventKind{monitor.KindBaseline, monitor.KindChange, monitor.KindRevert},
	}, eventPage, func(e monitor.Event) error {
		if known[e.Version] {
			rows = append(rows, manifestRow{time: e.Time, version: e.Version, kind: e.Kind, summary: e.Summary})
			current[e.Version] = e.Time
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("export %s: %w", watch, err)
	}
	for _, v := range versions {
		since, listed := current[v.ID]
		if !listed {
			// A version no event names (none should be) is still listed,
			// when it was first seen.
			rows = append(rows, manifestRow{time: v.FirstSeen, version: v.ID, kind: monitor.KindChange})
			since = v.FirstSeen
		}
		if v.LastSeen.After(since) {
			rows = append(rows, manifestRow{time: v.LastSeen, version: v.ID, kind: kindSeen})
		}
	}
	slices.SortStableFunc(rows, func(a, b manifestRow) int { return a.time.Compare(b.time) })
	return versions, rows, nil
}

// emptyDir makes sure dir exists and is empty, creating it if needed (and
// saying so): an export never mixes with or overwrites other files.
func emptyDir(dir string) (created bool, err error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return true, os.MkdirAll(dir, 0o755)
	case err != nil:
		return false, err
	case len(entries) > 0:
		return false, fmt.Errorf("%s is not empty: export into a new folder", dir)
	}
	return false, nil
}

// removeOnError removes a folder an export created when the export
// failed, so that no half export is left to be mistaken for a whole one.
// A folder that existed is emptied instead.
func removeOnError(dir string, created bool, err *error) {
	if *err == nil {
		return
	}
	if created {
		os.RemoveAll(dir)
		return
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// ExportGit writes a watch's history into a new git repository in dir
// (which must be new or empty): one commit per sighting — each time a
// version became the current text, the baseline, every change and every
// revert to an earlier version — in order, author and committer dated at
// that time, each setting one file, WATCH.md, to the version's text as
// ExportMarkdown writes it (links, and the title in a front matter).
// OpenGit reads the repository back and importing it replays the same
// events; a version's later sightings that changed nothing (its last_seen)
// cannot be commits, and are only kept by ExportMarkdown. The message is
// the event's summary, with the event's kind, exact time and version in
// trailers.
//
// It feeds the whole history to one `git fast-import`, so thousands of
// versions take a second, and no hook or user configuration runs.
func ExportGit(ctx context.Context, r HistoryReader, watch, dir string) (_ *VersionsExport, err error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("export %s to git: the git command is not on the PATH: %w", watch, err)
	}
	versions, rows, err := history(ctx, r, watch)
	if err != nil {
		return nil, err
	}
	rows = slices.DeleteFunc(rows, func(row manifestRow) bool { return row.kind == kindSeen })
	created, err := emptyDir(dir)
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", watch, err)
	}
	defer removeOnError(dir, created, &err)
	if err := runGit(ctx, dir, nil, "init", "--quiet", "--initial-branch=main"); err != nil {
		return nil, fmt.Errorf("export %s: %w", watch, err)
	}
	file := watch + ".md"
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- runGit(ctx, dir, pr, "fast-import", "--quiet", "--done") }()
	err = writeFastImport(ctx, r, pw, watch, file, versions, rows)
	pw.CloseWithError(err)
	if gitErr := <-done; gitErr != nil && err == nil {
		err = gitErr
	}
	if err != nil {
		return nil, fmt.Errorf("export %s to git: %w", watch, err)
	}
	// Check the last version out, so the folder shows it.
	if err := runGit(ctx, dir, nil, "read-tree", "--reset", "-u", "HEAD"); err != nil {
		return nil, fmt.Errorf("export %s to git: %w", watch, err)
	}
	return &VersionsExport{Dir: dir, Versions: len(versions), Rows: len(rows)}, nil
}

const gitIdent = "policywatch <policywatch@localhost>"

// writeFastImport writes the fast-import stream: each version's text once
// as a blob, then one commit per sighting. Every length is given, so no
// text of a version or message can be read as a command.
func writeFastImport(ctx context.Context, r HistoryReader, w io.Writer, watch, file string, versions []monitor.Version, rows []manifestRow) error {
	marks := make(map[int64]int, len(versions))
	hashes := make(map[int64]string, len(versions))
	for i, v := range versions {
		full, err := r.Version(ctx, v.ID)
		if err != nil {
			return err
		}
		text := versionMarkdown(full)
		marks[v.ID], hashes[v.ID] = i+1, v.Hash
		if _, err := fmt.Fprintf(w, "blob\nmark :%d\ndata %d\n%s\n", i+1, len(text), text); err != nil {
			return err
		}
	}
	for _, row := range rows {
		when := row.time.UTC()
		msg := commitMessage(watch, row, hashes[row.version])
		// Git dates have a resolution of one second: the trailer keeps the
		// exact time.
		stamp := fmt.Sprintf("%d +0000", when.Unix())
		if _, err := fmt.Fprintf(w, "commit refs/heads/main\nauthor %s %s\ncommitter %s %s\ndata %d\n%s\nM 100644 :%d %s\n",
			gitIdent, stamp, gitIdent, stamp, len(msg), msg, marks[row.version], file); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "done\n")
	return err
}

// commitMessage is a sighting's commit message: the event's summary as the
// subject (what `git log --oneline` shows), then what happened, and
// trailers a program can read.
func commitMessage(watch string, row manifestRow, hash string) string {
	summary := strings.Join(strings.FieldsFunc(row.summary, isControl), " ")
	subject := shorten(strings.TrimSpace(summary), 200)
	if subject == "" {
		subject = fmt.Sprintf("%s: %s, version %d", watch, row.kind, row.version)
	}
	var b strings.Builder
	b.WriteString(subject + "\n\n")
	if len(subject) < len(summary) {
		b.WriteString(summary + "\n\n")
	}
	when := row.time.UTC().Format(time.RFC3339Nano)
	switch row.kind {
	case monitor.KindBaseline:
		fmt.Fprintf(&b, "Version %d, the first text recorded, at %s.\n", row.version, when)
	case monitor.KindRevert:
		fmt.Fprintf(&b, "The text went back to version %d at %s.\n", row.version, when)
	default:
		fmt.Fprintf(&b, "Version %d became the current text at %s.\n", row.version, when)
	}
	fmt.Fprintf(&b, "\nPolicywatch-Event: %s\nPolicywatch-Time: %s\nPolicywatch-Version: %d\nPolicywatch-Hash: %s\n",
		row.kind, when, row.version, hash)
	return b.String()
}

// runGit runs git in dir with the given input, ignoring the user's and
// the system's configuration so that no hook, signing or template runs.
func runGit(ctx context.Context, dir string, stdin io.Reader, args ...string) error {
	cmd := gitCommand(ctx, dir, args...)
	cmd.Env = append(cmd.Env, "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	cmd.Stdin = stdin
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("git %s: %w: %s", args[0], err, shorten(strings.TrimSpace(stderr.String()), 500))
	}
	return nil
}

// markdownText writes a readable text (one block per line, "#" headings,
// "- " list items) as Markdown that renders back to the same words:
// blocks become paragraphs, headings and list items keep their markers,
// and every character Markdown or HTML would read as markup is escaped,
// so that scraped text never turns into links, HTML or formatting. The
// links' texts, found in the text as the analysis finds them, become
// Markdown links to their targets, so that an import extracts the same
// links (objection forms among them) from the rendered page.
func markdownText(text string, links []extract.Link) string {
	placed := placeLinks(text, links)
	var b strings.Builder
	b.Grow(len(text) + len(text)/16)
	prevItem := false
	first := true
	off := 0 // of the line in text
	for raw := range strings.Lines(text) {
		lineOff := off
		off += len(raw)
		line := strings.TrimSpace(raw)
		if line == "" {
			continue
		}
		marker, content := "", line
		if strings.HasPrefix(line, "- ") {
			marker, content = "- ", strings.TrimLeft(line[2:], " ")
		} else if n := headingMarker(line); n > 0 {
			marker, content = line[:n+1], strings.TrimLeft(line[n+1:], " ")
		}
		item := marker == "- "
		switch {
		case first:
		case item && prevItem:
			b.WriteByte('\n')
		default:
			b.WriteString("\n\n")
		}
		first = false
		prevItem = item
		b.WriteString(marker)
		// Where content stands in text: line is raw without its leading
		// and trailing space, content a suffix of line.
		end := lineOff + strings.Index(raw, line) + len(line)
		start := end - len(content)
		for len(placed) > 0 && placed[0].Start < start {
			placed = placed[1:] // in the marker or the space before: not linkable
		}
		at := start
		for len(placed) > 0 && placed[0].End <= end {
			l := placed[0]
			placed = placed[1:]
			seg := text[at:l.Start]
			if at == start {
				escapeMarkdown(&b, seg)
			} else {
				escapeInline(&b, seg)
			}
			writeLink(&b, text[l.Start:l.End], l.Link.Href)
			at = l.End
		}
		if at == start {
			escapeMarkdown(&b, content)
		} else {
			escapeInline(&b, text[at:end])
		}
	}
	if !first {
		b.WriteByte('\n')
	}
	return b.String()
}

// headingMarker returns the number of '#' of a "## heading" line, or 0.
func headingMarker(line string) int {
	n := 0
	for n < len(line) && line[n] == '#' {
		n++
	}
	if n > 0 && n <= 6 && n < len(line) && line[n] == ' ' {
		return n
	}
	return 0
}

// orderedListStart matches what CommonMark would read as an ordered list
// item at the start of a block ("2024. ", "3) ").
var orderedListStart = regexp.MustCompile(`^(\d{1,9})([.)])(\s|$)`)

// escapeMarkdown writes s, which begins a block, with a backslash before
// every character that could start Markdown or HTML markup, and before
// what would start a block construct at the beginning of the block.
func escapeMarkdown(b *strings.Builder, s string) {
	if m := orderedListStart.FindStringSubmatchIndex(s); m != nil {
		b.WriteString(s[:m[3]])
		b.WriteByte('\\')
		s = s[m[3]:]
	} else if s != "" && strings.ContainsRune("-+=", rune(s[0])) {
		b.WriteByte('\\') // list item, thematic break, setext underline
	}
	escapeInline(b, s)
}

// escapeInline writes s, within a block, with a backslash before every
// character that could start Markdown or HTML markup, and in what GFM
// would make a link of by itself (an address, "http://…", "www.…"): an
// import would otherwise find links the page never had, objection forms
// among them.
func escapeInline(b *strings.Builder, s string) {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case strings.IndexByte("\\`*_[]<>&|~#!@", c) >= 0,
			c == ':' && strings.HasPrefix(s[i+1:], "//"),
			c == '.' && i >= 3 && s[i-3:i] == "www":
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
}
