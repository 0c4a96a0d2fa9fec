package archive

import (
	"bytes"
	"cmp"
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
	Versions int // files written (folder) or commits made (git)
	Rows     int // manifest rows: each time a version became current
}

// fileTime is the date prefix of exported file names, which OpenFolder
// reads back (colons are not allowed in file names everywhere).
const fileTime = "2006-01-02T15-04-05Z"

// watchNamePattern is what a watch's name may be; it becomes a file name.
var watchNamePattern = regexp.MustCompile(`^[a-z0-9-]{1,100}$`)

// manifestRow is one time a version became the current text.
type manifestRow struct {
	time    time.Time
	version int64
	kind    monitor.EventKind
}

// ExportMarkdown writes a watch's versions into dir (which must be new or
// empty) as Markdown files, one per version, named by the time it was
// first seen, with a manifest.tsv listing each time a version became the
// current text (baseline, change, revert: columns path, time, version,
// kind). OpenFolder reads the folder back, and importing it replays the
// same history.
func ExportMarkdown(ctx context.Context, r HistoryReader, watch, dir string) (_ *VersionsExport, err error) {
	versions, rows, _, err := history(ctx, r, watch)
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
		if err := os.WriteFile(filepath.Join(dir, name), []byte(markdownText(full.Text)), 0o644); err != nil {
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

// history reads a watch's versions, the times each became current, and
// the summary of the baseline or change event that first recorded each.
func history(ctx context.Context, r HistoryReader, watch string) (versions []monitor.Version, rows []manifestRow, summaries map[int64]string, err error) {
	if !watchNamePattern.MatchString(watch) {
		return nil, nil, nil, fmt.Errorf("export %q: not a watch name ([a-z0-9-]+)", shorten(watch, 100))
	}
	versions, err = r.Versions(ctx, watch)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("export %s: %w", watch, err)
	}
	if len(versions) == 0 {
		return nil, nil, nil, fmt.Errorf("export %s: no versions recorded", watch)
	}
	known := make(map[int64]bool, len(versions))
	for _, v := range versions {
		known[v.ID] = true
	}
	listed := map[int64]bool{}
	summaries = map[int64]string{}
	_, err = eachEvent(ctx, r, monitor.EventFilter{
		Watch: watch, Kinds: []monitor.EventKind{monitor.KindBaseline, monitor.KindChange, monitor.KindRevert},
	}, eventPage, func(e monitor.Event) error {
		if known[e.Version] {
			rows = append(rows, manifestRow{time: e.Time, version: e.Version, kind: e.Kind})
			listed[e.Version] = true
		}
		if _, ok := summaries[e.Version]; !ok && e.Version != 0 && e.Kind != monitor.KindRevert {
			summaries[e.Version] = e.Summary
		}
		return nil
	})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("export %s: %w", watch, err)
	}
	// A version no event names (none should be) is still listed, when it
	// was first seen.
	for _, v := range versions {
		if !listed[v.ID] {
			rows = append(rows, manifestRow{time: v.FirstSeen, version: v.ID, kind: monitor.KindChange})
		}
	}
	slices.SortStableFunc(rows, func(a, b manifestRow) int { return a.time.Compare(b.time) })
	return versions, rows, summaries, nil
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

// ExportGit writes a watch's versions into a new git repository in dir
// (which must be new or empty): one commit per version, in the order they
// were first seen, author and committer dated at that time, each changing
// one file, WATCH.md, to the version's text as Markdown. The message
// names the version and quotes the event that recorded it.
//
// It feeds the whole history to one `git fast-import`, so thousands of
// versions take a second, and no hook or user configuration runs.
func ExportGit(ctx context.Context, r HistoryReader, watch, dir string) (_ *VersionsExport, err error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, fmt.Errorf("export %s to git: the git command is not on the PATH: %w", watch, err)
	}
	versions, _, summaries, err := history(ctx, r, watch)
	if err != nil {
		return nil, err
	}
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
	err = writeFastImport(ctx, r, pw, file, versions, summaries)
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
	return &VersionsExport{Dir: dir, Versions: len(versions)}, nil
}

const gitIdent = "policywatch <policywatch@localhost>"

// writeFastImport writes the fast-import stream: every length is given,
// so no text of a version or message can be read as a command.
func writeFastImport(ctx context.Context, r HistoryReader, w io.Writer, file string, versions []monitor.Version, summaries map[int64]string) error {
	sorted := slices.Clone(versions)
	slices.SortStableFunc(sorted, func(a, b monitor.Version) int {
		return cmp.Or(a.FirstSeen.Compare(b.FirstSeen), cmp.Compare(a.ID, b.ID))
	})
	for _, v := range sorted {
		full, err := r.Version(ctx, v.ID)
		if err != nil {
			return err
		}
		when := v.FirstSeen.UTC()
		msg := fmt.Sprintf("%s version %d, first seen %s\n", strings.TrimSuffix(file, ".md"), v.ID, when.Format(time.RFC3339))
		if s := summaries[v.ID]; s != "" {
			msg += "\n" + s + "\n"
		}
		msg += fmt.Sprintf("\nPolicywatch-Version: %d\nPolicywatch-Hash: %s\n", v.ID, v.Hash)
		text := markdownText(full.Text)
		// Git dates have a resolution of one second.
		stamp := fmt.Sprintf("%d +0000", when.Unix())
		if _, err := fmt.Fprintf(w, "commit refs/heads/main\nauthor %s %s\ncommitter %s %s\ndata %d\n%s\nM 100644 inline %s\ndata %d\n%s\n",
			gitIdent, stamp, gitIdent, stamp, len(msg), msg, file, len(text), text); err != nil {
			return err
		}
	}
	_, err := io.WriteString(w, "done\n")
	return err
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
// so that scraped text never turns into links, HTML or formatting.
func markdownText(text string) string {
	var b strings.Builder
	b.Grow(len(text) + len(text)/16)
	prevItem := false
	first := true
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
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
		escapeMarkdown(&b, content)
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

// escapeMarkdown writes s with a backslash before every character that
// could start Markdown or HTML markup, and before what would start a block
// construct at the beginning of the block.
func escapeMarkdown(b *strings.Builder, s string) {
	if m := orderedListStart.FindStringSubmatchIndex(s); m != nil {
		b.WriteString(s[:m[3]])
		b.WriteByte('\\')
		s = s[m[3]:]
	} else if s != "" && strings.ContainsRune("-+=", rune(s[0])) {
		b.WriteByte('\\') // list item, thematic break, setext underline
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '&', '|', '~', '#', '!':
			b.WriteByte('\\')
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
}
