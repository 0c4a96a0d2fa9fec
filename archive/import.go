package archive

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// Ingester runs a body obtained elsewhere through the monitor's path:
// extract → compare → analyse → save, dated at body.FetchedAt, its events
// marked imported. *monitor.Checker implements it.
type Ingester interface {
	Ingest(ctx context.Context, w monitor.Watch, body *monitor.Body) (*monitor.Result, error)
}

// StateReader reads where a watch's history stands. *store.DB implements
// it.
type StateReader interface {
	State(ctx context.Context, w monitor.Watch) (*monitor.State, error)
}

// DefaultMaxSnapshot bounds a snapshot when Importer.MaxBody is 0: the
// size the store accepts for a body.
const DefaultMaxSnapshot = 32 << 20

// Importer backfills a watch's history from an archive.
type Importer struct {
	Ingester Ingester
	States   StateReader
	// MaxBody refuses larger snapshots (the import stops with ErrTooLarge);
	// 0 means DefaultMaxSnapshot.
	MaxBody int64
	// Progress, when set, is called after each snapshot, imported or
	// skipped, in order.
	Progress func(Progress)
}

// Progress is where an import stands after one snapshot.
type Progress struct {
	Done, Total int // snapshots handled so far, of the source's
	Snapshot    Snapshot
	// Skipped says the snapshot was dated at or before the watch's last
	// check, so already in its history (or older than it): not imported.
	Skipped bool
	Result  *monitor.Result // what the import of the snapshot recorded; nil when skipped
}

// ImportResult is what an import did.
type ImportResult struct {
	Watch     string
	Snapshots int       // in the source
	Imported  int       // run through the monitor
	Skipped   int       // dated at or before the watch's last check
	LastCheck time.Time // the watch's last check before the import; zero: none
	Events    map[monitor.EventKind]int
}

// Import runs the source's snapshots, oldest first, through the monitor's
// path, each dated at its own time, and returns what it recorded.
//
// It is idempotent and resumable: snapshots dated at or before the
// watch's last check (or the snapshot imported before them) are skipped,
// so importing an archive twice adds nothing and an interrupted import
// picks up where it stopped (each snapshot is recorded in its own
// transaction). The same rule means an archive can only extend a history
// forward: snapshots older than a live check are skipped, not interleaved.
//
// Markdown snapshots are rendered to HTML first, the title of a YAML
// front matter as the page's <title>. They hold the policy's text already,
// without the page around it, so the watch's Select and Remove rules,
// written for the live page, are not applied to them.
func (im *Importer) Import(ctx context.Context, w monitor.Watch, src *Source) (*ImportResult, error) {
	state, err := im.States.State(ctx, w)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", w.Name, err)
	}
	limit := im.MaxBody
	if limit <= 0 {
		limit = DefaultMaxSnapshot
	}
	res := &ImportResult{
		Watch: w.Name, Snapshots: len(src.Snapshots), LastCheck: state.LastCheck,
		Events: map[monitor.EventKind]int{},
	}
	last := state.LastCheck
	for i, snap := range src.Snapshots {
		if err := ctx.Err(); err != nil {
			return res, fmt.Errorf("import %s: stopped after %d of %d snapshots: %w", w.Name, i, len(src.Snapshots), err)
		}
		p := Progress{Done: i + 1, Total: len(src.Snapshots), Snapshot: snap}
		if !last.IsZero() && !snap.Time.After(last) {
			res.Skipped++
			p.Skipped = true
			im.report(p)
			continue
		}
		body, watch, err := im.body(ctx, w, snap, limit)
		if err != nil {
			return res, fmt.Errorf("import %s: %w", w.Name, err)
		}
		r, err := im.Ingester.Ingest(ctx, watch, body)
		if err != nil {
			return res, fmt.Errorf("import %s: snapshot %s (%s): %w", w.Name, snap.Name, snap.Time.Format(time.RFC3339), err)
		}
		res.Imported++
		for _, e := range r.Events {
			res.Events[e.Kind]++
		}
		last = snap.Time
		p.Result = r
		im.report(p)
	}
	return res, nil
}

func (im *Importer) report(p Progress) {
	if im.Progress != nil {
		im.Progress(p)
	}
}

// body reads a snapshot as the body the monitor ingests, and the watch to
// ingest it as.
func (im *Importer) body(ctx context.Context, w monitor.Watch, snap Snapshot, limit int64) (*monitor.Body, monitor.Watch, error) {
	data, err := snap.Read(ctx, limit)
	if err != nil {
		return nil, w, fmt.Errorf("read snapshot %s: %w", snap.Name, err)
	}
	// No charset for HTML: the page's own <meta> or bytes say it, as they
	// would have when it was served.
	contentType := "text/html"
	if snap.Format == Markdown {
		if data, err = markdownPage(data); err != nil {
			return nil, w, fmt.Errorf("snapshot %s: %w", snap.Name, err)
		}
		contentType = "text/html; charset=utf-8"
		w.Select, w.Remove = nil, nil
	}
	header := http.Header{}
	header.Set("Content-Type", contentType)
	// Where the bytes came from stays with them, as evidence does.
	header.Set(monitor.ImportedFromHeader, headerSafe(snap.Name))
	return &monitor.Body{
		Data: data, ContentType: contentType, URL: w.URL, FinalURL: w.URL,
		Status: http.StatusOK, Header: header, FetchedAt: snap.Time,
		Agent: monitor.FetcherImport, // the archive's own crawler is not known
	}, w, nil
}

// headerSafe makes s fit in a header value: no control characters, at
// most 1000 bytes.
func headerSafe(s string) string {
	b := []rune{}
	for _, r := range shorten(s, 1000) {
		if r < 0x20 || r == 0x7f {
			r = '_'
		}
		b = append(b, r)
	}
	return string(b)
}
