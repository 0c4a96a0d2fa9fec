package store

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/policywatch/policywatch/internal/corpustest"
	"github.com/policywatch/policywatch/monitor"
)

// recordBodies records one unchanged check per body (the first a
// baseline) and returns the ids of the bodies, in order.
func recordBodies(tb testing.TB, db *DB, bodies []*monitor.Body) []int64 {
	tb.Helper()
	ctx := context.Background()
	ids := make([]int64, len(bodies))
	for i, b := range bodies {
		rec := &monitor.CheckRecord{
			Watch: testWatch, Started: b.FetchedAt, Finished: b.FetchedAt.Add(time.Second),
			Fetcher: "http", Outcome: monitor.OutcomeUnchanged, Body: b,
			Attempts: []monitor.Attempt{{Start: b.FetchedAt, URL: b.URL, FinalURL: b.FinalURL, Status: b.Status, Header: b.Header, Bytes: int64(len(b.Data))}},
		}
		st, err := db.State(ctx, testWatch)
		if err != nil {
			tb.Fatal(err)
		}
		if st.Current == nil {
			rec.Outcome = monitor.OutcomeBaseline
			rec.NewVersion = &monitor.Version{Hash: "h", Text: "text"}
		} else {
			rec.SeenVersion = st.Current.ID
		}
		rec.BaseSeq = st.Seq
		if _, err := db.RecordCheck(ctx, rec); err != nil {
			tb.Fatalf("body %d: %v", i, err)
		}
		if err := db.sql.QueryRowContext(ctx, `SELECT body_id FROM checks ORDER BY id DESC LIMIT 1`).Scan(&ids[i]); err != nil {
			tb.Fatal(err)
		}
	}
	return ids
}

func syntheticBodies(tb testing.TB, n int) []*monitor.Body {
	tb.Helper()
	bodies := make([]*monitor.Body, n)
	for i := range bodies {
		page := "policy-v1.html"
		if i%7 == 6 {
			page = "policy-v2.html"
		}
		bodies[i] = body(tb, page, i, t0.Add(time.Duration(i)*time.Hour))
	}
	return bodies
}

func TestBodiesChainAndReadBack(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	const n = 2*bodyChainLength + 3
	bodies := syntheticBodies(t, n)
	ids := recordBodies(t, db, bodies)

	for i, id := range ids {
		var depth int64
		var base *int64
		if err := db.sql.QueryRow(`SELECT depth, base_id FROM bodies WHERE id = ?`, id).Scan(&depth, &base); err != nil {
			t.Fatal(err)
		}
		if want := int64(i % bodyChainLength); depth != want || (depth == 0) != (base == nil) {
			t.Errorf("body %d: depth %d base %v, want depth %d", i, depth, base, want)
		}
		// Every delta is against its chain's whole body: reading one
		// decodes two frames, storing one decodes one.
		if root := ids[i-i%bodyChainLength]; base != nil && *base != root {
			t.Errorf("body %d: delta against body %d, want the chain's whole body %d", i, *base, root)
		}
		got, err := db.Body(ctx, id)
		if err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		want := *bodies[i]
		want.ID, want.SHA256 = id, sha256Hex(want.Data)
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("body %d read back as %+v\nwant %+v", i, got, want)
		}
	}
}

// ReleaseMemory between writes (as the daemon does after each pass) drops
// the encoders; the writes after it, whole bodies and deltas, must read
// back the same.
func TestWritesAfterReleaseMemoryReadBack(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	bodies := syntheticBodies(t, 6)
	var ids []int64
	for i := range bodies {
		db.ReleaseMemory()
		if i%2 == 1 {
			db.ReleaseMemory() // twice in a row is harmless
		}
		ids = append(ids, recordBodies(t, db, bodies[i:i+1])...)
	}
	for i, id := range ids {
		got, err := db.Body(ctx, id)
		if err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		mustEqualBytes(t, fmt.Sprintf("body %d", i), got.Data, bodies[i].Data)
	}
	var deltas int
	if err := db.sql.QueryRow(`SELECT COUNT(*) FROM bodies WHERE base_id IS NOT NULL`).Scan(&deltas); err != nil {
		t.Fatal(err)
	}
	if deltas == 0 {
		t.Error("no body was stored as a delta: the test does not cover the delta encoder")
	}
}

func TestBodiesAreDeduplicatedPerWatch(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	same := body(t, "policy-v1.html", 0, t0)
	ids := recordBodies(t, db, []*monitor.Body{same, same, body(t, "policy-v1.html", 1, t0), same})
	if ids[0] != ids[1] || ids[0] != ids[3] || ids[2] == ids[0] {
		t.Errorf("body ids %v: identical bodies must share a row, different ones not", ids)
	}
	// Another watch keeps its own copy: its chain must not depend on ours.
	other := testWatch
	other.Name = "other"
	st, err := db.State(ctx, other)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordCheck(ctx, &monitor.CheckRecord{Watch: other, BaseSeq: st.Seq, Outcome: monitor.OutcomeAnomaly, Body: same}); err != nil {
		t.Fatal(err)
	}
	if n := count(t, db)["bodies"]; n != 3 {
		t.Errorf("%d body rows, want 3", n)
	}
}

func TestBodyReadFailsOnCorruption(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name   string
		tamper string // SQL run on the third body's row (a delta)
		want   string // in the error
	}{
		{"hash", `UPDATE bodies SET sha256 = '0000' WHERE id = ?`, "stored SHA-256 is 0000"},
		{"data", `UPDATE bodies SET data = x'28b52ffd0000' WHERE id = ?`, "zstd"},
		// Read as a whole body, the delta lacks its base as dictionary.
		{"base", `UPDATE bodies SET base_id = NULL WHERE id = ?`, "dictionary"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := openDB(t)
			ids := recordBodies(t, db, syntheticBodies(t, 4))
			if _, err := db.sql.Exec(tt.tamper, ids[2]); err != nil {
				t.Fatal(err)
			}
			_, err := db.Body(ctx, ids[2])
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Body of a tampered row: err = %v, want one mentioning %q", err, tt.want)
			}
			// Earlier bodies do not depend on it.
			if _, err := db.Body(ctx, ids[1]); err != nil {
				t.Errorf("untouched body: %v", err)
			}
		})
	}
}

func TestBodyTooLargeIsRefused(t *testing.T) {
	db, _ := openDB(t)
	st, err := db.State(context.Background(), testWatch)
	if err != nil {
		t.Fatal(err)
	}
	huge := &monitor.Body{Data: make([]byte, MaxBodySize+1), Status: http.StatusOK}
	_, err = db.RecordCheck(context.Background(), &monitor.CheckRecord{Watch: testWatch, BaseSeq: st.Seq, Outcome: monitor.OutcomeAnomaly, Body: huge})
	if err == nil || !strings.Contains(err.Error(), "exceeds") {
		t.Errorf("RecordCheck with a %d-byte body: err = %v", len(huge.Data), err)
	}
}

// printableBodies reads the printable policy's history: 300 raw pages,
// every one different.
func printableBodies(tb testing.TB) []*monitor.Body {
	tb.Helper()
	h := corpustest.Open(tb, corpustest.Printable)
	bodies := make([]*monitor.Body, len(h.Steps))
	for i, s := range h.Steps {
		data, err := s.Read()
		if err != nil {
			tb.Fatal(err)
		}
		hdr := realHeader(tb, i)
		bodies[i] = &monitor.Body{
			Data: data, ContentType: "text/html; charset=utf-8", Charset: "utf-8",
			URL: "https://mbasic.facebook.com/privacy/policy/printable/", FinalURL: "https://mbasic.facebook.com/privacy/policy/printable/",
			Status: http.StatusOK, Header: hdr, FetchedAt: s.Date,
		}
	}
	return bodies
}

// TestPrintableHistoryBodies stores the 300 raw pages of the printable
// policy through RecordCheck and reads every one back byte for byte: from
// the database, after Vacuum, and from a Backup opened anew. The database
// must stay under 4 MiB (issue 7).
func TestPrintableHistoryBodies(t *testing.T) {
	ctx := context.Background()
	bodies := printableBodies(t)
	db, _ := openDB(t)
	ids := recordBodies(t, db, bodies)

	readAll := func(t *testing.T, db *DB, when string) {
		t.Helper()
		for i, id := range ids {
			got, err := db.Body(ctx, id)
			if err != nil {
				t.Fatalf("%s: body %d: %v", when, i, err)
			}
			mustEqualBytes(t, when, got.Data, bodies[i].Data)
			if !reflect.DeepEqual(got.Header, bodies[i].Header) || !got.FetchedAt.Equal(bodies[i].FetchedAt) {
				t.Fatalf("%s: body %d metadata differs", when, i)
			}
		}
	}
	var raw int
	for _, b := range bodies {
		raw += len(b.Data)
	}
	size, err := db.Size(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d bodies, %d bytes raw: database %d bytes", len(bodies), raw, size)
	if size >= 4<<20 {
		t.Errorf("database is %d bytes, want under 4 MiB", size)
	}
	readAll(t, db, "stored")

	if err := db.Vacuum(ctx); err != nil {
		t.Fatal(err)
	}
	readAll(t, db, "after vacuum")

	backup := filepath.Join(t.TempDir(), "backups", "copy.db")
	if err := db.Backup(ctx, backup); err != nil {
		t.Fatal(err)
	}
	if err := db.Backup(ctx, backup); err == nil {
		t.Error("Backup over an existing file succeeded")
	}
	copyDB, err := Open(ctx, backup)
	if err != nil {
		t.Fatal(err)
	}
	defer copyDB.Close()
	readAll(t, copyDB, "from backup")
	for _, d := range []*DB{db, copyDB} {
		if report, err := d.IntegrityCheck(ctx); err != nil || report != "ok" {
			t.Errorf("IntegrityCheck = %q, %v", report, err)
		}
	}
}

// TestBodiesWrittenByEarlierVersionsReadBack: an upgraded policywatch
// must read every body an earlier one stored, and chain new deltas onto
// them. Until November 2026 frames were written with EncodeAll (frame
// size declared), a 2 MiB window and deltas at the default level, each
// delta against the body before it (now: against the chain's whole
// body); the bodies recorded here are rewritten that way, then read, then
// extended.
func TestBodiesWrittenByEarlierVersionsReadBack(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	bodies := syntheticBodies(t, 6)
	ids := recordBodies(t, db, bodies[:3])

	legacy := func(dict []byte) *zstd.Encoder {
		opts := []zstd.EOption{zstd.WithEncoderLevel(zstd.SpeedDefault), zstd.WithWindowSize(2 << 20), zstd.WithEncoderConcurrency(1)}
		if dict != nil {
			opts = append(opts, zstd.WithEncoderDictRaw(deltaDictID, dict))
		}
		enc, err := zstd.NewWriter(nil, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return enc
	}
	var prev []byte
	for i, id := range ids {
		payload, err := encodePayload(bodies[i].Header, bodies[i].Data)
		if err != nil {
			t.Fatal(err)
		}
		var depth int
		if err := db.sql.QueryRow(`SELECT depth FROM bodies WHERE id = ?`, id).Scan(&depth); err != nil {
			t.Fatal(err)
		}
		if depth != i {
			t.Fatalf("body %d has depth %d: the test expects one chain", i, depth)
		}
		var dict []byte
		var base any // NULL for the whole body
		if depth > 0 {
			dict, base = prev, ids[i-1]
		}
		frame := legacy(dict).EncodeAll(payload, nil)
		if _, err := db.sql.Exec(`UPDATE bodies SET data = ?, base_id = ? WHERE id = ?`, frame, base, id); err != nil {
			t.Fatal(err)
		}
		prev = payload
	}

	ids = append(ids, recordBodies(t, db, bodies[3:])...)
	for i, id := range ids {
		got, err := db.Body(ctx, id)
		if err != nil {
			t.Fatalf("body %d: %v", i, err)
		}
		mustEqualBytes(t, fmt.Sprintf("body %d", i), got.Data, bodies[i].Data)
		if !reflect.DeepEqual(got.Header, bodies[i].Header) {
			t.Errorf("body %d: header %v, want %v", i, got.Header, bodies[i].Header)
		}
	}
	// The new deltas take the last legacy body's base, as in any chain.
	for _, id := range ids[3:] {
		var base int64
		if err := db.sql.QueryRow(`SELECT base_id FROM bodies WHERE id = ?`, id).Scan(&base); err != nil || base != ids[1] {
			t.Errorf("new body %d: delta base %d (%v), want the legacy chain's body %d", id, base, err, ids[1])
		}
	}
	// Verify reads such chains too, each delta against the body before.
	if v, err := db.Verify(ctx, nil); err != nil || !v.OK() || v.Bodies != len(ids) {
		t.Errorf("Verify of legacy chains: %+v, %v; want OK with %d bodies", v, err, len(ids))
	}
}

// A body's frame is made before the write transaction (prepareBody) from
// a read of the watch's last body. Made against a last body that another
// write has since followed — here at a chain's end, where the frame was a
// delta and the body must now start a new chain — it is made again under
// the lock: the body joins the chain it must, and reads back exact.
func TestABodyFramedBeforeAnotherIsFramedAgain(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	bodies := syntheticBodies(t, bodyChainLength+1)
	ids := recordBodies(t, db, bodies[:bodyChainLength-1]) // depths 0 … bodyChainLength-2

	late := bodies[bodyChainLength]
	stale, err := db.prepareBody(ctx, db.sql, testWatch.Name, late)
	if err != nil {
		t.Fatal(err)
	}
	if stale.depth != bodyChainLength-1 || stale.base.Int64 != ids[0] {
		t.Fatalf("frame made as depth %d on %v, want the chain's last delta (depth %d on body %d)", stale.depth, stale.base, bodyChainLength-1, ids[0])
	}
	recordBodies(t, db, bodies[bodyChainLength-1:bodyChainLength]) // the chain's last delta

	tx, err := db.sql.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	var watchID int64
	if err := tx.QueryRow(`SELECT id FROM watches WHERE name = ?`, testWatch.Name).Scan(&watchID); err != nil {
		t.Fatal(err)
	}
	id, err := db.storeBody(ctx, tx, watchID, late, stale)
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	var depth int64
	var base *int64
	if err := db.sql.QueryRow(`SELECT depth, base_id FROM bodies WHERE id = ?`, id).Scan(&depth, &base); err != nil {
		t.Fatal(err)
	}
	if depth != 0 || base != nil {
		t.Errorf("body stored at depth %d on %v, want a whole body starting a new chain", depth, base)
	}
	got, err := db.Body(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	mustEqualBytes(t, "body framed again", got.Data, late.Data)
}

// The frame is made while another connection holds the write lock: the
// compression other writers would wait for happens beside it.
func TestABodyIsFramedWhileTheWriteLockIsHeld(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	bodies := syntheticBodies(t, 2)
	ids := recordBodies(t, db, bodies[:1])

	other, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	tx, err := other.sql.BeginTx(ctx, nil) // IMMEDIATE: holds the write lock
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second) // below busy_timeout: a wait for the lock would fail
	defer cancel()
	f, err := db.prepareBody(ctx, db.sql, testWatch.Name, bodies[1])
	if err != nil {
		t.Fatalf("framing a body while another writer holds the lock: %v", err)
	}
	if f.depth != 1 || f.base.Int64 != ids[0] || len(f.frame) == 0 {
		t.Errorf("frame made as depth %d on %v (%d bytes), want a delta on body %d", f.depth, f.base, len(f.frame), ids[0])
	}
}
