package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// ManifestName is the file that dates a folder's snapshots. It is
// tab-separated, with a header line naming its columns; the columns path
// (relative to the folder, "/"-separated) and time (RFC 3339) are
// required, others are ignored. A path may appear on several lines: the
// same text captured at several times.
const ManifestName = "manifest.tsv"

// maxManifestLine bounds one line of a manifest.
const maxManifestLine = 64 << 10

// OpenFolder lists the snapshots of a folder: the files its manifest.tsv
// names, at the times it gives, or without a manifest every HTML or
// Markdown file of the folder (not its subfolders) whose name begins with
// a date: 2025-05-28.html (midnight UTC), 2025-05-28T00-30-00Z.html,
// 2025-05-28T00:30:00+02:00.md. Files without a date are left out and
// listed in Source.Ignored.
func OpenFolder(dir string) (*Source, error) {
	info, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("open folder: %w", err)
	}
	if !info.IsDir() {
		return nil, fmt.Errorf("open folder %s: not a folder", dir)
	}
	src := &Source{Location: dir}
	manifest := filepath.Join(dir, ManifestName)
	f, err := os.Open(manifest)
	switch {
	case err == nil:
		defer f.Close()
		src.Snapshots, err = readManifest(f, manifest, dir)
		if err != nil {
			return nil, err
		}
	case errors.Is(err, fs.ErrNotExist):
		src.Snapshots, src.Ignored, err = datedFiles(dir)
		if err != nil {
			return nil, err
		}
		if len(src.Snapshots) == 0 {
			return nil, fmt.Errorf("open folder %s: no %s, and no HTML or Markdown file whose name begins with a date (2025-05-28.html, 2025-05-28T00-30-00Z.md)", dir, ManifestName)
		}
	default:
		return nil, fmt.Errorf("open folder: %w", err)
	}
	sortSnapshots(src.Snapshots)
	return src, nil
}

// readManifest reads a manifest.tsv; errors name the file and line.
func readManifest(r io.Reader, name, dir string) ([]Snapshot, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxManifestLine)
	pathCol, timeCol := -1, -1
	var snaps []Snapshot
	line := 0
	for sc.Scan() {
		line++
		text := strings.TrimSuffix(sc.Text(), "\r")
		if strings.TrimSpace(text) == "" {
			continue
		}
		cols := strings.Split(text, "\t")
		if pathCol < 0 {
			for i, c := range cols {
				switch strings.ToLower(strings.TrimSpace(c)) {
				case "path":
					pathCol = i
				case "time":
					timeCol = i
				}
			}
			if pathCol < 0 || timeCol < 0 {
				return nil, fmt.Errorf("%s:%d: the header must name the columns path and time (tab-separated), got %q", name, line, shorten(text, 200))
			}
			continue
		}
		if len(cols) <= max(pathCol, timeCol) {
			return nil, fmt.Errorf("%s:%d: %d columns, the header has more", name, line, len(cols))
		}
		rel := strings.TrimSpace(cols[pathCol])
		if !filepath.IsLocal(filepath.FromSlash(rel)) {
			return nil, fmt.Errorf("%s:%d: path %q must be a relative path inside the folder", name, line, shorten(rel, 200))
		}
		format, ok := formatOf(rel)
		if !ok {
			return nil, fmt.Errorf("%s:%d: %q is neither HTML (.html, .htm) nor Markdown (.md)", name, line, shorten(rel, 200))
		}
		t, err := time.Parse(time.RFC3339, strings.TrimSpace(cols[timeCol]))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: time %q: want RFC 3339 (2025-05-28T00:30:56Z)", name, line, shorten(cols[timeCol], 100))
		}
		snaps = append(snaps, fileSnapshot(filepath.Join(dir, filepath.FromSlash(rel)), rel, t, format))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s:%d: %w", name, line+1, err)
	}
	if len(snaps) == 0 {
		return nil, fmt.Errorf("%s: no snapshot listed", name)
	}
	return snaps, nil
}

// datedName matches the date (and time) a file name begins with:
// 2025-05-28, 2025-05-28T00-30, 2025-05-28T00-30-00Z,
// 2025-05-28T00:30:00.123+02:00, 2025-05-28_003000.
var datedName = regexp.MustCompile(`^(\d{4})-(\d{2})-(\d{2})(?:[T_ ](\d{2})[-:]?(\d{2})(?:[-:]?(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}[-:]?\d{2})?)?`)

// dateFromName returns the time a file name begins with. A name without a
// zone is in UTC; a date alone is midnight UTC.
func dateFromName(name string) (time.Time, bool) {
	m := datedName.FindStringSubmatch(name)
	if m == nil {
		return time.Time{}, false
	}
	hh, mm, ss, frac, zone := m[4], m[5], m[6], m[7], m[8]
	if hh == "" {
		hh, mm = "00", "00"
	}
	if ss == "" {
		ss = "00"
	}
	if frac != "" {
		frac = "." + frac
	}
	switch {
	case zone == "" || zone == "Z":
		zone = "Z"
	case len(zone) == 5: // +0200
		zone = zone[:3] + ":" + zone[3:]
	default: // +02:00 or +02-00
		zone = zone[:3] + ":" + zone[4:]
	}
	s := fmt.Sprintf("%s-%s-%sT%s:%s:%s%s%s", m[1], m[2], m[3], hh, mm, ss, frac, zone)
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// datedFiles lists the folder's HTML and Markdown files whose names begin
// with a date.
func datedFiles(dir string) (snaps []Snapshot, ignored []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("open folder: %w", err)
	}
	for _, e := range entries {
		name := e.Name()
		if strings.HasPrefix(name, ".") {
			continue // .git, editor files
		}
		if e.IsDir() {
			continue
		}
		format, ok := formatOf(name)
		t, dated := dateFromName(name)
		if !ok || !dated {
			ignored = append(ignored, name)
			continue
		}
		snaps = append(snaps, fileSnapshot(filepath.Join(dir, name), name, t, format))
	}
	return snaps, ignored, nil
}

func fileSnapshot(path, name string, t time.Time, format Format) Snapshot {
	return Snapshot{
		Time: t.UTC(), Name: name, Format: format,
		read: func(_ context.Context, limit int64) ([]byte, error) { return readFileLimited(path, limit) },
	}
}

// readFileLimited reads a file, refusing one larger than limit.
func readFileLimited(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Mode().IsRegular() && info.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes: %w (limit %d)", path, info.Size(), ErrTooLarge, limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: more than %d bytes: %w", path, limit, ErrTooLarge)
	}
	return data, nil
}

// shorten cuts s to at most n bytes, on a rune boundary, for messages that
// quote input.
func shorten(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}
