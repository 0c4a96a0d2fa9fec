package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync"

	"github.com/policywatch/policywatch/monitor"
)

const (
	// MaxBodySize is the largest body the store keeps. The fetcher caps
	// far lower; this bounds what a hostile or broken response can cost.
	MaxBodySize = 32 << 20

	// maxHeaderSize bounds a body's response header as stored (JSON).
	maxHeaderSize = 1 << 20

	// maxPayloadSize bounds a decompressed payload: header and body.
	maxPayloadSize = MaxBodySize + maxHeaderSize + binary.MaxVarintLen64

	// bodyChainLength is how many bodies in a row form one delta chain:
	// the first is stored whole, each next one as a delta against that
	// first one. Reading a body decodes two frames at most (0.85 ms for a
	// 350 KB page, BenchmarkReadBody), and storing one decodes one. Deltas
	// against the body just before were a little smaller (the printable
	// policy's 300 bodies: 3.85 MB of database against 3.90 MB) but made
	// reading the end of a chain of 32 decode 32 frames (2.9 ms), and
	// every new body paid that for its base.
	// Longer chains drift from their whole body (4.5 MB at 128), shorter
	// ones repeat it (4.07 MB at 32).
	bodyChainLength = 64
)

// A body's payload is what one zstd frame holds: the response header as
// JSON, length-prefixed, then the body. The header travels inside the
// delta because it repeats from fetch to fetch as much as the page does;
// stored apart, a few kilobytes of header a fetch would cost more than the
// delta of the page itself.

func encodePayload(h http.Header, data []byte) ([]byte, error) {
	return appendPayload(nil, h, data)
}

// appendPayload appends the payload of a body to dst.
func appendPayload(dst []byte, h http.Header, data []byte) ([]byte, error) {
	hdr, err := json.Marshal(h)
	if err != nil {
		return nil, fmt.Errorf("encode header: %w", err)
	}
	if len(hdr) > maxHeaderSize {
		return nil, fmt.Errorf("header of %d bytes exceeds %d", len(hdr), maxHeaderSize)
	}
	dst = slices.Grow(dst[:0], binary.MaxVarintLen64+len(hdr)+len(data))
	dst = binary.AppendUvarint(dst, uint64(len(hdr)))
	dst = append(dst, hdr...)
	return append(dst, data...), nil
}

// bodyScratch is the memory storeBody reuses from one body to the next:
// the new payload, and the two buffers the chain's payloads decode into.
// Each is about a page; allocated afresh they were a megabyte of garbage
// per check of a page whose markup changed, and a higher peak (measured
// in bench/). Bodies are framed one at a time (its mutex), so one set
// serves; ReleaseMemory drops it.
type bodyScratch struct {
	mu      sync.Mutex
	payload []byte
	chain   [2][]byte
}

// maxScratch is the largest buffer bodyScratch keeps: a rare huge page
// should not stay in memory.
const maxScratch = 4 << 20

func (s *bodyScratch) keep(payload []byte) {
	s.payload = payload
	for i, b := range s.chain {
		if cap(b) > maxScratch {
			s.chain[i] = nil
		}
	}
	if cap(s.payload) > maxScratch {
		s.payload = nil
	}
}

func (s *bodyScratch) release() {
	s.mu.Lock()
	s.payload, s.chain = nil, [2][]byte{}
	s.mu.Unlock()
}

func decodePayload(p []byte) (http.Header, []byte, error) {
	n, k := binary.Uvarint(p)
	if k <= 0 || n > uint64(len(p)-k) {
		return nil, nil, errors.New("corrupt payload: bad header length")
	}
	var h http.Header
	if err := json.Unmarshal(p[k:k+int(n)], &h); err != nil {
		return nil, nil, fmt.Errorf("corrupt payload: header: %w", err)
	}
	return h, p[k+int(n):], nil
}

// bodySum is the SHA-256 a body is stored under: the one its fetcher
// computed, trusted, else its data's. Hashing the data again to check it
// took 0.21 ms of every check of a 350 KB page (BenchmarkHashPage), 12% of
// the CPU of a pass over new markup in its profile (bench/run.sh's third
// pass, BENCH_PROFILE=DIR), for a mistake of this program's own making;
// verify reads every stored body back against its hash.
func bodySum(b *monitor.Body) string {
	if b.SHA256 != "" {
		return b.SHA256
	}
	return sha256Hex(b.Data)
}

func sha256Hex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// bodyFrame is a body made ready to store: its hash, and the frame it is
// stored as, with the chain it joins. The frame is made before the write
// lock is taken (prepareBody), from a read of the watch's last body; the
// write checks that the last body is still that one (see storeBody).
type bodyFrame struct {
	sum       string
	stored    bool          // a body with these bytes is already stored for the watch
	prevID    int64         // the watch's last body when the frame was made; 0: none
	prevBase  sql.NullInt64 // its base, and its depth in its chain
	prevDepth int64
	base      sql.NullInt64 // the frame's base (its chain's whole body), NULL for a whole one
	depth     int64
	frame     []byte
}

// prepareBody makes b's frame outside the write transaction: compressing
// a page takes a millisecond or two, a delta also decodes its base, and
// inside the transaction every other check's write would wait for it
// (a pass of 100 watches whose markup changed, bench/run.sh's churned
// pass: 0.34–0.41 s of wall time before, 0.21–0.28 s after, on two
// cores). q reads outside any transaction, or inside the write one.
func (db *DB) prepareBody(ctx context.Context, q querier, watch string, b *monitor.Body) (*bodyFrame, error) {
	if len(b.Data) > MaxBodySize {
		return nil, fmt.Errorf("body of %d bytes exceeds %d", len(b.Data), MaxBodySize)
	}
	f := &bodyFrame{sum: bodySum(b)}
	var watchID int64
	err := db.queryRow(ctx, q, `SELECT id FROM watches WHERE name = ?`, watch).Scan(&watchID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("watch %s: %w (State creates it)", watch, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("watch %s: %w", watch, err)
	}
	if err := db.frameBody(ctx, q, watchID, b, f); err != nil {
		return nil, err
	}
	return f, nil
}

// frameBody fills in f (whose sum is set) for b as the watch's next body.
func (db *DB) frameBody(ctx context.Context, q querier, watchID int64, b *monitor.Body, f *bodyFrame) error {
	var id int64
	err := db.queryRow(ctx, q,
		`SELECT id FROM bodies WHERE watch_id = ? AND sha256 = ?`, watchID, f.sum).Scan(&id)
	if err == nil {
		f.stored = true
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("find body: %w", err)
	}
	if err := db.lastBody(ctx, q, watchID, &f.prevID, &f.prevBase, &f.prevDepth); err != nil {
		return err
	}

	db.scratch.mu.Lock()
	defer db.scratch.mu.Unlock()
	payload, err := appendPayload(db.scratch.payload, b.Header, b.Data)
	if err != nil {
		return err
	}
	defer db.scratch.keep(payload)
	// Chain onto the watch's last body unless its chain is full.
	if f.prevID != 0 && f.prevDepth+1 < bodyChainLength {
		root := f.prevID
		if f.prevBase.Valid {
			root = f.prevBase.Int64
		}
		prev, err := db.loadPayload(ctx, q, root, &db.scratch.chain)
		if err != nil {
			return fmt.Errorf("previous body %d: %w", root, err)
		}
		if f.frame, err = db.codec.compressDelta(prev, payload); err != nil {
			return err
		}
		f.base, f.depth = nullID(root), f.prevDepth+1
	} else {
		f.frame = db.codec.compress(payload)
	}
	return nil
}

// lastBody reads the id, base and depth of the watch's last body; id 0
// when it has none.
func (db *DB) lastBody(ctx context.Context, q querier, watchID int64, id *int64, base *sql.NullInt64, depth *int64) error {
	err := db.queryRow(ctx, q,
		`SELECT id, base_id, depth FROM bodies WHERE watch_id = ? ORDER BY id DESC LIMIT 1`,
		watchID).Scan(id, base, depth)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("find previous body: %w", err)
	}
	return nil
}

// storeBody stores b for the watch unless an identical body is already
// stored, and returns the row's id either way. f is b's frame as
// prepareBody made it before the transaction, nil if it was not: it is
// used if the watch's last body is still the one it was made against
// (bodies are only ever added, so the same row means the same base),
// and made again here otherwise.
func (db *DB) storeBody(ctx context.Context, tx *sql.Tx, watchID int64, b *monitor.Body, f *bodyFrame) (int64, error) {
	if f == nil {
		if len(b.Data) > MaxBodySize {
			return 0, fmt.Errorf("body of %d bytes exceeds %d", len(b.Data), MaxBodySize)
		}
		f = &bodyFrame{sum: bodySum(b)}
	}
	var id int64
	err := db.queryRow(ctx, tx,
		`SELECT id FROM bodies WHERE watch_id = ? AND sha256 = ?`, watchID, f.sum).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("find body: %w", err)
	}
	var (
		prevID, prevDepth int64
		prevBase          sql.NullInt64
	)
	if err := db.lastBody(ctx, tx, watchID, &prevID, &prevBase, &prevDepth); err != nil {
		return 0, err
	}
	if f.stored || f.frame == nil || prevID != f.prevID || prevBase != f.prevBase || prevDepth != f.prevDepth {
		// Another body was stored for the watch since the frame was made
		// (or the frame's body was, and has gone: neither happens while
		// one writer records one watch's checks in order).
		f = &bodyFrame{sum: f.sum}
		if err := db.frameBody(ctx, tx, watchID, b, f); err != nil {
			return 0, err
		}
	}
	res, err := db.exec(ctx, tx, `
		INSERT INTO bodies (watch_id, sha256, size, base_id, depth, data,
			content_type, charset, url, final_url, status, fetched_at, agent)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		watchID, f.sum, len(b.Data), f.base, f.depth, f.frame,
		b.ContentType, b.Charset, b.URL, b.FinalURL, b.Status, toUnixNano(b.FetchedAt), b.Agent)
	if err != nil {
		return 0, fmt.Errorf("insert body: %w", err)
	}
	return res.LastInsertId()
}

// loadPayload reconstructs a body's payload: the chain's whole frame
// first, then each delta with the payload before it as dictionary. The
// payload is decoded into bufs (nil: new memory), two buffers that take
// turns and are left there for the next call.
func (db *DB) loadPayload(ctx context.Context, q querier, id int64, bufs *[2][]byte) ([]byte, error) {
	// The chain from the body back to its whole ancestor, whole first. The
	// depth bound guards against a corrupt file looping.
	rows, err := db.query(ctx, q, `
		WITH RECURSIVE chain (id, base_id, data, n) AS (
			SELECT id, base_id, data, 0 FROM bodies WHERE id = ?
			UNION ALL
			SELECT b.id, b.base_id, b.data, chain.n + 1
			FROM bodies b JOIN chain ON b.id = chain.base_id
			WHERE chain.n < ?
		)
		SELECT id, base_id, data FROM chain ORDER BY n DESC`,
		id, 2*bodyChainLength)
	if err != nil {
		return nil, fmt.Errorf("read body chain: %w", err)
	}
	defer rows.Close()
	// Two buffers take turns: each frame decodes into the one that does
	// not hold its dictionary, so a chain costs two allocations at most,
	// not one per frame.
	var payload, spare []byte
	if bufs != nil {
		payload, spare = bufs[0][:0], bufs[1][:0]
		defer func() { bufs[0], bufs[1] = payload, spare }()
	}
	first := true
	for rows.Next() {
		var (
			rowID int64
			base  sql.NullInt64
			frame sql.RawBytes // read before the next row: no copy
			out   []byte
		)
		if err := rows.Scan(&rowID, &base, &frame); err != nil {
			return nil, fmt.Errorf("read body chain: %w", err)
		}
		switch {
		case first && base.Valid:
			return nil, fmt.Errorf("body %d: chain does not start with a whole body", rowID)
		case first:
			out, err = db.codec.decompress(spare[:0], frame)
		default:
			// Delta frames do not declare their size (see encodeStream):
			// room for a page somewhat larger than the one before, so
			// the decoder need not grow it.
			spare = slices.Grow(spare, len(payload)+len(payload)/4+4096)
			out, err = db.codec.decompressDelta(spare[:0], payload, frame)
		}
		if err != nil {
			return nil, fmt.Errorf("body %d: %w", rowID, err)
		}
		payload, spare = out, payload
		first = false
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read body chain: %w", err)
	}
	if first {
		return nil, fmt.Errorf("body %d: %w", id, ErrNotFound)
	}
	return payload, nil
}

// Body returns a stored body with its exact bytes. It fails if the bytes
// read back do not match the SHA-256 stored beside them.
func (db *DB) Body(ctx context.Context, id int64) (*monitor.Body, error) {
	b := &monitor.Body{ID: id}
	var fetched int64
	err := db.sql.QueryRowContext(ctx, `
		SELECT sha256, content_type, charset, url, final_url, status, fetched_at, agent
		FROM bodies WHERE id = ?`, id).
		Scan(&b.SHA256, &b.ContentType, &b.Charset, &b.URL, &b.FinalURL, &b.Status, &fetched, &b.Agent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("body %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("body %d: %w", id, err)
	}
	b.FetchedAt = fromUnixNano(fetched)
	// Rows are never updated and the chain only points at older rows, so
	// reading outside the metadata's snapshot is safe.
	payload, err := db.loadPayload(ctx, db.sql, id, nil)
	if err != nil {
		return nil, err
	}
	if b.Header, b.Data, err = decodePayload(payload); err != nil {
		return nil, fmt.Errorf("body %d: %w", id, err)
	}
	if sum := sha256Hex(b.Data); sum != b.SHA256 {
		return nil, fmt.Errorf("body %d: bytes read back hash to %s, stored SHA-256 is %s", id, sum, b.SHA256)
	}
	return b, nil
}

// BodyIDs returns the ids of every raw body stored for the watch, oldest
// first: those of checks whose rows were pruned (PruneChecks) included,
// which no check or version refers to any more.
func (db *DB) BodyIDs(ctx context.Context, watch string) ([]int64, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT b.id FROM bodies b JOIN watches w ON w.id = b.watch_id
		WHERE w.name = ? ORDER BY b.id`, watch)
	if err != nil {
		return nil, fmt.Errorf("bodies of %s: %w", watch, err)
	}
	ids, err := collect(rows, func(sc scanner) (id int64, err error) {
		err = sc.Scan(&id)
		return id, err
	})
	if err != nil {
		return nil, fmt.Errorf("bodies of %s: %w", watch, err)
	}
	return ids, nil
}
