package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/monitor"
	"github.com/policywatch/policywatch/monitor/extract"
)

func importCommand() *command {
	type opts struct {
		path, selector string
		src            *archive.Source // opened by preflight
		watch          monitor.Watch   // the watch, with --select
	}
	return &command{
		name: "import", args: "WATCH SOURCE [--path FILE] [--select CSS]", minArgs: 2, maxArgs: 2, createsDB: true,
		interrupted: "the snapshots imported before are recorded; the same import again picks up where it stopped",
		short:       "backfill a watch's history from an archive (a folder, or a git repository)",
		long: `Runs each archived snapshot of the watch's page through the same path as a
check (extract, compare, analyse, save), dated at the snapshot's own time,
so that the history starts years back instead of today. Imported events are
marked imported and never notified.

SOURCE is either
  - a folder of HTML or Markdown files, dated by a manifest.tsv (columns
    path and time, RFC 3339, tab-separated, with a header line) or, without
    one, by their names: 2025-05-28.html, 2025-05-28T00-30-00Z.md;
  - with --path FILE, a git repository in which FILE was committed once per
    recorded version, the commit date being the fetch date (the layout of
    Open Terms Archive's "versions" and "snapshots" repositories). It needs
    git on the PATH.

Markdown is rendered to HTML and taken whole (the watch's select and remove
rules are for the live page), the title of a YAML front matter (as 'export
versions' writes it) as the page's title; HTML snapshots use the watch's rules, or
--select when given. Importing is idempotent and resumable: snapshots dated
at or before the watch's last check are skipped, so running the same import
again adds nothing and an interrupted one picks up where it stopped. For the
same reason, import before the first live check.

Examples:
  policywatch import meta-privacy-policy ./facebook-archive
  policywatch import meta-privacy-policy ~/pga-versions --path "Facebook/Privacy Policy.md"`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.StringVar(&o.path, "path", "", "read `FILE` through the history of the git repository SOURCE")
			fs.StringVar(&o.selector, "select", "", "CSS `selector` of the policy in each HTML snapshot, instead of the watch's")
			return o
		},
		// The watch and the source are checked before the database is
		// opened: a mistyped folder must not leave an empty database.
		preflight: func(ctx context.Context, a *app, o any, args []string) error {
			opt := o.(*opts)
			watches, err := a.selectWatches(ctx, args[:1])
			if err != nil {
				return usageError{msg: err.Error()}
			}
			opt.watch = watches[0]
			if opt.selector != "" {
				if err := extract.ValidateSelector(opt.selector); err != nil {
					return usageError{msg: fmt.Sprintf("--select: %v", err)}
				}
				opt.watch.Select = []string{opt.selector}
			}
			src, err := openSource(ctx, args[1], opt.path)
			if ue := (usageError{}); errors.As(err, &ue) {
				return err // it names the source already
			}
			if err != nil {
				return fmt.Errorf("import %s: %w", opt.watch.Name, err)
			}
			opt.src = src
			a.closers = append(a.closers, src.Close)
			return nil
		},
		run: func(ctx context.Context, a *app, o any, args []string) error {
			opt := o.(*opts)
			w, src := opt.watch, opt.src
			if n := len(src.Ignored); n > 0 {
				fmt.Fprintf(a.stderr, "%s: left out %d %s that %s neither dated nor HTML or Markdown: %s\n",
					printable(src.Location), n, plural(n, "file", "files"), plural(n, "is", "are"), printable(strings.Join(firstN(src.Ignored, 5), ", ")))
			}
			progress := newImportProgress(a.stdout, a.stderr, w.Name, isTerminal(a.stderr), time.Now)
			// The events found are printed as lines; the checker's log of
			// each would say them twice.
			quiet := a.log
			if !a.common.verbose {
				quiet = slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
			}
			im := &archive.Importer{
				Ingester: a.newChecker(monitor.WithLogger(quiet)), States: a.db, MaxBody: a.cfg.Settings.MaxBody,
				Progress: progress.update,
			}
			start := time.Now()
			res, err := im.Import(ctx, w, src)
			progress.finish()
			if res != nil {
				printImportResult(a.stdout, res, time.Since(start))
			}
			if err != nil {
				if ctx.Err() != nil {
					fmt.Fprintf(a.stderr, "interrupted: run the same command again to resume\n")
				}
				return err
			}
			return nil
		},
	}
}

// openSource opens a folder, or with a path a git repository.
func openSource(ctx context.Context, source, path string) (*archive.Source, error) {
	if path != "" {
		return archive.OpenGit(ctx, source, path)
	}
	info, err := os.Stat(source)
	if err != nil {
		// "stat X: no such file or directory" did not say X is SOURCE.
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("source %s: %w", printable(source), err)
	}
	if !info.IsDir() {
		return nil, usageError{msg: fmt.Sprintf("import: source %s is not a folder (a git repository needs --path FILE)", printable(source))}
	}
	if _, err := os.Stat(filepath.Join(source, ".git")); err == nil {
		if _, err := os.Stat(filepath.Join(source, archive.ManifestName)); err != nil {
			return nil, usageError{msg: fmt.Sprintf("import: source %s is a git repository: name the file to read through its history with --path FILE", printable(source))}
		}
	}
	return archive.OpenFolder(source)
}

// printable makes one line of text that may quote a scraped page or a
// file name safe to print on a terminal: each rune the terminal would act
// on rather than show, or that shows as nothing yet changes what is drawn
// around it, becomes a visible escape, <U+202E>:
//   - control characters (C0, DEL, C1): escape sequences, carriage
//     returns, tabs and line breaks (a line stays one line);
//   - the bidirectional controls: embeddings and overrides
//     (U+202A–U+202E), isolates (U+2066–U+2069), and the marks U+200E,
//     U+200F and U+061C too — a mark is only a zero-width letter, but one
//     on each side of "1 2" shows it as "2 1" in a left-to-right line;
//     and the text extraction drops U+200E and U+200F from a policy's
//     text, so escaping them costs a reader of the text nothing;
//   - the other invisible format characters (Unicode's Cf: zero-width
//     space, word joiner, byte order mark, soft hyphen, the deprecated
//     shaping controls U+206A–U+206F, tags), and the line and paragraph
//     separators U+2028 and U+2029 — but not the zero-width
//     (non-)joiners U+200C and U+200D, which Persian, the Indic scripts
//     and emoji need to be drawn right, and which move nothing.
//
// A byte that is not UTF-8 is shown as U+FFFD.
//
// Every command's text output of scraped text goes through it (a text of
// several lines through printableLines); JSON output does not, being for
// programs (encoding/json writes these runes as they are, but for U+2028
// and U+2029, which it escapes).
func printable(s string) string { return escapeRunes(s, false) }

// printableLines is printable for a text of several lines: the line
// breaks between them stay.
func printableLines(s string) string { return escapeRunes(s, true) }

// escapeRunes is printable, keeping "\n" when lines is true. Nearly every
// text has nothing to escape, and show and diff pass whole policies
// through it: those come back as they are, unallocated.
func escapeRunes(s string, lines bool) string {
	escaped := func(r rune) bool {
		switch {
		case r == '\u200C' || r == '\u200D', r == '\n' && lines:
			return false
		}
		return r == utf8.RuneError || unicode.IsControl(r) || unicode.In(r, unicode.Bidi_Control, unicode.Cf, unicode.Zl, unicode.Zp)
	}
	if strings.IndexFunc(s, escaped) < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s { // a byte that is not UTF-8 comes as U+FFFD
		switch {
		case r == utf8.RuneError:
			b.WriteRune(r)
		case escaped(r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func firstN(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], "…")
}

func printImportResult(w io.Writer, res *archive.ImportResult, took time.Duration) {
	if res.Imported == 0 && res.Skipped > 0 {
		fmt.Fprintf(w, "%s: nothing new: all %d snapshots are dated at or before the last check (%s)\n",
			res.Watch, res.Skipped, timeText(res.LastCheck))
		return
	}
	var counts []string
	kinds := make([]string, 0, len(res.Events))
	for k := range res.Events {
		kinds = append(kinds, string(k))
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		n := res.Events[monitor.EventKind(k)]
		counts = append(counts, fmt.Sprintf("%d %s", n, k))
	}
	events := "no events"
	if len(counts) > 0 {
		events = strings.Join(counts, ", ")
	}
	fmt.Fprintf(w, "%s: imported %d of %d snapshots in %s: %s\n", res.Watch, res.Imported, res.Snapshots, took.Round(10*time.Millisecond), events)
	if res.Skipped > 0 {
		fmt.Fprintf(w, "%s: skipped %d snapshots dated at or before the last check (%s)\n", res.Watch, res.Skipped, timeText(res.LastCheck))
	}
}

// importProgress shows an import's progress: on a terminal a bar redrawn
// in place (at most ten times a second), otherwise a plain line at every
// tenth of the way. Events found go to out as lines, above the bar.
type importProgress struct {
	out, status io.Writer
	watch       string
	bar         bool
	now         func() time.Time

	drawn     bool
	lastDraw  time.Time
	lastTenth int
}

func newImportProgress(out, status io.Writer, watch string, bar bool, now func() time.Time) *importProgress {
	return &importProgress{out: out, status: status, watch: watch, bar: bar, now: now}
}

func (p *importProgress) update(pr archive.Progress) {
	// A skipped snapshot is already in the history: counting it as
	// progress would say "1/4 snapshots" of an import that imports none
	// (the result line says how many were skipped).
	if pr.Skipped {
		return
	}
	if pr.Result != nil && len(pr.Result.Events) > 0 {
		p.clear()
		for _, e := range pr.Result.Events {
			// As 'events' lists it, so that its number and version
			// are there to look up.
			fmt.Fprintln(p.out, eventLine(e, 0, len("v9999")))
		}
	}
	if p.bar {
		if now := p.now(); pr.Done == pr.Total || !p.drawn || now.Sub(p.lastDraw) >= 100*time.Millisecond {
			p.draw(pr)
			p.lastDraw = now
		}
		return
	}
	if tenth := pr.Done * 10 / pr.Total; tenth > p.lastTenth || pr.Done == pr.Total {
		p.lastTenth = tenth
		fmt.Fprintf(p.status, "import %s: %d/%d snapshots (%s)\n", p.watch, pr.Done, pr.Total, timeText(pr.Snapshot.Time))
	}
}

const barWidth = 30

func (p *importProgress) draw(pr archive.Progress) {
	filled := barWidth * pr.Done / pr.Total
	fmt.Fprintf(p.status, "\r\x1b[Kimport %s [%s%s] %d/%d %s", p.watch,
		strings.Repeat("#", filled), strings.Repeat(".", barWidth-filled), pr.Done, pr.Total, timeText(pr.Snapshot.Time))
	p.drawn = true
}

// clear erases the bar so that a line can be printed in its place.
func (p *importProgress) clear() {
	if p.bar && p.drawn {
		fmt.Fprint(p.status, "\r\x1b[K")
		p.drawn = false
	}
}

// finish leaves the terminal on a new line.
func (p *importProgress) finish() {
	if p.bar && p.drawn {
		fmt.Fprintln(p.status)
		p.drawn = false
	}
}

func exportCommand() *command {
	type opts struct {
		format, watch, since, output string
		git, force                   bool
	}
	return &command{
		name: "export", args: "events|versions|warc [...]", minArgs: 1, maxArgs: 3,
		interrupted: "the export is incomplete: a FILE named by --output or warc was not written; stdout or a versions folder holds part of it",
		short:       "export events (JSON Lines, CSV), a watch's versions (Markdown, git) or raw bodies (WARC)",
		long: `policywatch export events [--format jsonl|csv] [--watch W] [--since TIME] [--output FILE [--force]]
  All events (or one watch's), oldest first, as JSON Lines in the stable
  format of 'events --json', or as CSV with a header row. To stdout unless
  --output is given; an existing FILE is replaced only with --force.

policywatch export versions WATCH DIR [--git]
  One watch's versions as Markdown files in DIR (new or empty), one per
  version, with its links and its title (in a front matter), and a
  manifest.tsv of each time a version became the current text and when it
  was last seen — 'policywatch import' reads the folder back into the same
  events, links, facts and titles. With --git, DIR becomes a git repository
  with one commit per sighting — the baseline, each change and each revert
  to an earlier version — dated then, its message the event's summary
  (needs git on the PATH); importing it gives back the same events.

policywatch export warc FILE [--watch W] [--force]
  The raw bodies, byte for byte, as a WARC 1.1 file that web archives can
  ingest, one record per body with its payload's SHA-256: a response record
  (status line and headers as received) for each page policywatch fetched,
  dated at its fetch; a resource record for each file 'import' read from an
  archive, dated at its snapshot, naming the file and claiming no HTTP
  exchange (a conversion record for the HTML rendered from a Markdown file).
  FILE ending in .gz is gzipped record by record; "-"
  writes to stdout. An existing FILE is replaced only with --force.

Examples:
  policywatch export events --format csv --output events.csv
  policywatch export versions meta-privacy-policy ./meta-history --git
  policywatch export warc meta.warc.gz --watch meta-privacy-policy`,
		flags: func(fs *flag.FlagSet) any {
			o := &opts{}
			fs.StringVar(&o.format, "format", "jsonl", "events: `jsonl` or csv")
			fs.StringVar(&o.watch, "watch", "", "events, warc: only watch `W`")
			fs.StringVar(&o.since, "since", "", "events: only events at or after `TIME` (RFC 3339, a date, or 30d)")
			fs.StringVar(&o.output, "output", "", "events: write to `FILE` instead of stdout")
			fs.BoolVar(&o.git, "git", false, "versions: write a git repository, one commit per sighting (reverts included)")
			fs.BoolVar(&o.force, "force", false, "events, warc: replace the output file if it exists")
			return o
		},
		run: func(ctx context.Context, a *app, o any, args []string) error {
			opt := o.(*opts)
			switch what := args[0]; what {
			case "events":
				if len(args) != 1 || opt.git {
					return usageError{msg: "usage: policywatch export events [--format jsonl|csv] [--watch W] [--since TIME] [--output FILE [--force]]"}
				}
				// --force replaces a file: on stdout it would do nothing,
				// and a script meaning to write a file must hear so.
				if opt.force && (opt.output == "" || opt.output == "-") {
					return usageError{msg: "export events: --force replaces the --output FILE; without one the events go to stdout"}
				}
				return exportEvents(ctx, a, opt.format, opt.watch, opt.since, opt.output, opt.force)
			case "versions":
				if len(args) != 3 || opt.watch != "" || opt.output != "" || opt.since != "" || opt.force {
					return usageError{msg: "usage: policywatch export versions WATCH DIR [--git]"}
				}
				if err := a.checkWatch(ctx, args[1]); err != nil {
					return err
				}
				var (
					res *archive.VersionsExport
					err error
				)
				if opt.git {
					res, err = archive.ExportGit(ctx, a.db, args[1], args[2])
				} else {
					res, err = archive.ExportMarkdown(ctx, a.db, args[1], args[2])
				}
				if err != nil {
					return err
				}
				if opt.git {
					fmt.Fprintf(a.stdout, "%s: %d %s as %d git %s (one per sighting) in %s\n", args[1], res.Versions, plural(res.Versions, "version", "versions"),
						res.Rows, plural(res.Rows, "commit", "commits"), res.Dir)
				} else {
					fmt.Fprintf(a.stdout, "%s: %d %s as Markdown in %s, %s lists %d %s\n", args[1], res.Versions, plural(res.Versions, "version", "versions"),
						res.Dir, archive.ManifestName, res.Rows, plural(res.Rows, "sighting", "sightings"))
				}
				return nil
			case "warc":
				if len(args) != 2 || opt.git || opt.since != "" || opt.output != "" {
					return usageError{msg: "usage: policywatch export warc FILE [--watch W] [--force]"}
				}
				if opt.force && args[1] == "-" {
					return usageError{msg: "export warc: --force replaces FILE; - is stdout"}
				}
				return exportWARC(ctx, a, args[1], opt.watch, opt.force)
			default:
				return usageError{msg: fmt.Sprintf("export %s: export events, versions or warc", what)}
			}
		},
	}
}

func exportEvents(ctx context.Context, a *app, format, watch, since, output string, force bool) error {
	f := monitor.EventFilter{Watch: watch}
	if since != "" {
		t, err := parseSince(since, time.Now())
		if err != nil {
			return err
		}
		f.Since = t
	}
	var write func(context.Context, archive.EventReader, monitor.EventFilter, io.Writer) (int, error)
	switch format {
	case "jsonl", "json":
		write = archive.WriteEventsJSONL
	case "csv":
		write = archive.WriteEventsCSV
	default:
		return usageError{msg: fmt.Sprintf("--format %q: want jsonl or csv", format)}
	}
	if watch != "" {
		if err := a.checkWatch(ctx, watch); err != nil {
			return err
		}
	}
	n := 0
	err := writeOutput(output, force, a.stdout, func(w io.Writer) error {
		var err error
		n, err = write(ctx, a.db, f, w)
		return err
	})
	if err != nil {
		return err
	}
	if output != "" && output != "-" {
		fmt.Fprintf(a.stderr, "%d %s written to %s\n", n, plural(n, "event", "events"), output)
	}
	return nil
}

func exportWARC(ctx context.Context, a *app, file, watch string, force bool) error {
	opts := archive.WARCOptions{Gzip: strings.HasSuffix(file, ".gz"), Software: "policywatch"}
	if watch != "" {
		if err := a.checkWatch(ctx, watch); err != nil {
			return err
		}
		opts.Watches = []string{watch}
	}
	var res *archive.WARCExport
	err := writeOutput(file, force, a.stdout, func(w io.Writer) error {
		var err error
		res, err = archive.WriteWARC(ctx, a.db, w, opts)
		return err
	})
	if err != nil {
		return err
	}
	if file != "-" {
		fmt.Fprintf(a.stderr, "%d %s (%s) written to %s\n", res.Records, plural(res.Records, "body", "bodies"), humanBytes(res.Bytes), file)
	}
	return nil
}

// writeOutput runs write on stdout when path is "" or "-", otherwise on a
// temporary file beside path that replaces path only once complete: a
// failed or interrupted export never leaves half a file under the name.
// An existing file is replaced only when force is set, as backup and
// export versions refuse to write over what is there: an export's name
// mistyped as last month's must not destroy it.
func writeOutput(path string, force bool, stdout io.Writer, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(stdout)
	}
	if _, err := os.Lstat(path); err == nil && !force {
		return fmt.Errorf("%s exists: name another file, or add --force to replace it", path)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename, removes nothing
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
