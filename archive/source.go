package archive

import (
	"context"
	"errors"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"
)

// Format is how a snapshot's bytes are written.
type Format int

const (
	HTML     Format = iota // a web page, as served
	Markdown               // a page's text kept as Markdown (Open Terms Archive "versions")
)

func (f Format) String() string {
	if f == Markdown {
		return "markdown"
	}
	return "html"
}

// formatOf tells a snapshot's format by its file name.
func formatOf(name string) (Format, bool) {
	switch strings.ToLower(path.Ext(name)) {
	case ".html", ".htm", ".xhtml":
		return HTML, true
	case ".md", ".markdown":
		return Markdown, true
	}
	return 0, false
}

// Snapshot is one archived capture of a page.
type Snapshot struct {
	Time   time.Time // when the archive fetched the page, UTC
	Name   string    // where it was read from: a path in the folder, or COMMIT:PATH
	Format Format

	// read returns at most limit bytes, or an error if there are more.
	read func(ctx context.Context, limit int64) ([]byte, error)
}

// Read returns the snapshot's bytes, or ErrTooLarge (wrapped) when they
// are more than limit.
func (s Snapshot) Read(ctx context.Context, limit int64) ([]byte, error) {
	if s.read == nil {
		return nil, fmt.Errorf("snapshot %s: nothing to read", s.Name)
	}
	return s.read(ctx, limit)
}

// ErrTooLarge says a snapshot is larger than the import accepts.
var ErrTooLarge = errors.New("snapshot too large")

// Source is an archive's list of snapshots of one page, oldest first.
// Close it when done: a git source keeps a git process open.
type Source struct {
	// Location says where the snapshots come from, for people.
	Location  string
	Snapshots []Snapshot
	// Ignored are the files of a folder that were left out: names that
	// neither begin with a date nor are listed in a manifest, or that are
	// not HTML or Markdown.
	Ignored []string

	close func() error
}

// Close releases what reading the source holds.
func (s *Source) Close() error {
	if s.close == nil {
		return nil
	}
	err := s.close()
	s.close = nil
	return err
}

// sortSnapshots orders snapshots by time; snapshots of the same time keep
// the source's order.
func sortSnapshots(ss []Snapshot) {
	slices.SortStableFunc(ss, func(a, b Snapshot) int { return a.Time.Compare(b.Time) })
}
