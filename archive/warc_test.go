package archive_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v2"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/monitor"
)

// warcRig is historyRig plus a body fetched with a compressed transfer and
// a header a hostile server (or a hand-made import) could leave: a value
// with a line break that would forge a WARC field if written as is.
func warcRig(t *testing.T) *rig {
	r := historyRig(t)
	h := http.Header{}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Encoding", "gzip")
	h.Set("Content-Length", "12")
	h["X-Forged"] = []string{"a\r\nWARC-Type: metadata"}
	h["Bad Name"] = []string{"x"}
	h.Set("Etag", `"v5"`)
	if _, err := r.checker.Ingest(context.Background(), testWatch, &monitor.Body{
		Data: policyPage("5", 5), ContentType: "text/html; charset=utf-8",
		URL: testWatch.URL, FinalURL: "https://example.com/privacy/?final=1", Status: 200, Header: h,
		FetchedAt: time.Date(2025, 4, 1, 12, 30, 15, 123456789, time.UTC),
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

// storedBodies returns every body of the database by SHA-256.
func storedBodies(t *testing.T, r *rig) map[string]*monitor.Body {
	t.Helper()
	out := map[string]*monitor.Body{}
	for _, w := range []string{testWatch.Name, "other-policy"} {
		checks, err := r.db.Checks(context.Background(), w, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range checks {
			if c.BodyID == 0 {
				continue
			}
			b, err := r.db.Body(context.Background(), c.BodyID)
			if err != nil {
				t.Fatal(err)
			}
			out[b.SHA256] = b
		}
	}
	return out
}

// TestWriteWARCReadsBack writes every body as WARC, plain and gzipped,
// reads the file back with the same library under strict validation, and
// finds every stored body byte for byte: its payload digest matches the
// stored SHA-256, its date, target URI and header are the stored ones.
// The five bodies historyRig imported from an archive are resource
// records; the two it ingested as fetches are response records.
func TestWriteWARCReadsBack(t *testing.T) {
	r := warcRig(t)
	want := storedBodies(t, r)
	if len(want) != 7 {
		t.Fatalf("%d bodies stored, want 7", len(want))
	}
	for _, gz := range []bool{false, true} {
		var buf bytes.Buffer
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		res, err := archive.WriteWARC(context.Background(), r.db, &buf, archive.WARCOptions{Gzip: gz, Software: "policywatch test", Now: func() time.Time { return at }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Records != len(want) || res.Responses != 2 || res.Resources != 5 || res.Bytes != int64(buf.Len()) {
			t.Errorf("gzip=%t: %d records (%d responses, %d resources), %d bytes reported (%d written); want %d records (2 responses, 5 resources)",
				gz, res.Records, res.Responses, res.Resources, res.Bytes, buf.Len(), len(want))
		}
		if gz && !bytes.HasPrefix(buf.Bytes(), []byte{0x1f, 0x8b}) {
			t.Error("gzip: not gzipped")
		}
		responses, resources := readWARC(t, buf.Bytes(), want)
		if responses != 2 || resources != 5 {
			t.Errorf("gzip=%t: read back %d response and %d resource records, want 2 and 5", gz, responses, resources)
		}
	}

	var one bytes.Buffer
	res, err := archive.WriteWARC(context.Background(), r.db, &one, archive.WARCOptions{Watches: []string{"other-policy"}})
	if err != nil || res.Records != 1 {
		t.Errorf("one watch: %d records, %v", res.Records, err)
	}
}

// readWARC reads a WARC file, checks each response and resource record
// against the stored body of the same digest, and returns how many of
// each it read.
func readWARC(t *testing.T, data []byte, want map[string]*monitor.Body) (responses, resources int) {
	t.Helper()
	reader, err := gowarc.NewWarcFileReaderFromStream(bytes.NewReader(data), 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var infoID string
	for i := 0; ; i++ {
		rec, _, validation, err := reader.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if !validation.Valid() {
			t.Errorf("record %d: %v", i, validation)
		}
		h := rec.WarcHeader()
		if i == 0 {
			if rec.Type() != gowarc.Warcinfo {
				t.Fatalf("first record is a %s, want warcinfo", rec.Type())
			}
			infoID = h.Get(gowarc.WarcRecordID)
			raw, _ := rec.Block().RawBytes()
			info, _ := io.ReadAll(raw)
			if !strings.Contains(string(info), "software: policywatch") {
				t.Errorf("warcinfo: %q", info)
			}
			rec.Close()
			continue
		}
		if rec.Type() == gowarc.Resource || rec.Type() == gowarc.Conversion {
			readResource(t, i, rec, infoID, want)
			resources++
			rec.Close()
			continue
		}
		if rec.Type() != gowarc.Response {
			t.Fatalf("record %d is a %s, want response", i, rec.Type())
		}
		block, ok := rec.Block().(gowarc.HttpResponseBlock)
		if !ok {
			t.Fatalf("record %d: block %T is not an HTTP response", i, rec.Block())
		}
		pr, err := block.PayloadBytes()
		if err != nil {
			t.Fatal(err)
		}
		payload, err := io.ReadAll(pr)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(payload)
		b := want[hex.EncodeToString(sum[:])]
		if b == nil {
			t.Errorf("record %d: payload matches no stored body", i)
			rec.Close()
			continue
		}
		if !bytes.Equal(payload, b.Data) {
			t.Errorf("record %d: payload differs from the stored body", i)
		}
		if b.Agent == monitor.FetcherImport {
			t.Errorf("record %d: a body imported from an archive is written as a response", i)
		}
		if got, want := h.Get(gowarc.WarcPayloadDigest), "sha256:"+base32.StdEncoding.EncodeToString(sum[:]); got != want {
			t.Errorf("record %d: WARC-Payload-Digest %s, want %s", i, got, want)
		}
		if date, err := h.GetTime(gowarc.WarcDate); err != nil || !date.Equal(b.FetchedAt) {
			t.Errorf("record %d: WARC-Date %s (%v), want %s", i, h.Get(gowarc.WarcDate), err, b.FetchedAt.Format(time.RFC3339Nano))
		}
		target := b.FinalURL
		if target == "" {
			target = b.URL
		}
		if got := h.Get(gowarc.WarcTargetURI); got != target {
			t.Errorf("record %d: WARC-Target-URI %s, want %s", i, got, target)
		}
		if got := h.Get(gowarc.WarcWarcinfoID); got != infoID {
			t.Errorf("record %d: WARC-Warcinfo-ID %s, want %s", i, got, infoID)
		}
		hh := block.HttpHeader()
		contentType := b.Header.Get("Content-Type")
		if contentType == "" {
			contentType = b.ContentType // known from the fetch
		}
		if block.HttpStatusCode() != b.Status || hh.Get("Content-Type") != contentType {
			t.Errorf("record %d: status %d, Content-Type %q; want %d, %q", i, block.HttpStatusCode(), hh.Get("Content-Type"), b.Status, contentType)
		}
		if hh.Get("Content-Encoding") != "" || hh.Get("Content-Length") != strconv.Itoa(len(b.Data)) {
			t.Errorf("record %d: Content-Encoding %q, Content-Length %q; want none and %d (the body is stored decoded)", i, hh.Get("Content-Encoding"), hh.Get("Content-Length"), len(b.Data))
		}
		if b.Header.Get("Etag") != "" && hh.Get("Etag") != b.Header.Get("Etag") {
			t.Errorf("record %d: ETag %q, want %q", i, hh.Get("Etag"), b.Header.Get("Etag"))
		}
		if hh.Get("X-Forged") != "" || strings.Contains(string(block.ProtocolHeaderBytes()), "WARC-Type: metadata") {
			t.Errorf("record %d: a header with a line break was written:\n%s", i, block.ProtocolHeaderBytes())
		}
		responses++
		rec.Close()
	}
	return responses, resources
}

// readResource checks the resource record of an imported body: its block
// is the stored body byte for byte, with its media type, date, target URI
// and the file it was imported from, and nothing of an HTTP response.
func readResource(t *testing.T, i int, rec gowarc.WarcRecord, infoID string, want map[string]*monitor.Body) {
	t.Helper()
	h := rec.WarcHeader()
	raw, err := rec.Block().RawBytes()
	if err != nil {
		t.Fatal(err)
	}
	block, err := io.ReadAll(raw)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(block)
	b := want[hex.EncodeToString(sum[:])]
	switch {
	case b == nil:
		t.Errorf("record %d: block matches no stored body", i)
		return
	case b.Agent != monitor.FetcherImport:
		t.Errorf("record %d: a fetched body is written as a resource", i)
	case !bytes.Equal(block, b.Data):
		t.Errorf("record %d: block differs from the stored body", i)
	}
	if got, want := h.Get(gowarc.WarcPayloadDigest), "sha256:"+base32.StdEncoding.EncodeToString(sum[:]); got != want {
		t.Errorf("record %d: WARC-Payload-Digest %s, want %s", i, got, want)
	}
	if date, err := h.GetTime(gowarc.WarcDate); err != nil || !date.Equal(b.FetchedAt) {
		t.Errorf("record %d: WARC-Date %s (%v), want the snapshot's %s", i, h.Get(gowarc.WarcDate), err, b.FetchedAt.Format(time.RFC3339Nano))
	}
	if got := h.Get(gowarc.WarcTargetURI); got != testWatch.URL {
		t.Errorf("record %d: WARC-Target-URI %s, want the watch's %s", i, got, testWatch.URL)
	}
	if got := h.Get(gowarc.WarcWarcinfoID); got != infoID {
		t.Errorf("record %d: WARC-Warcinfo-ID %s, want %s", i, got, infoID)
	}
	if got := h.Get(gowarc.ContentType); got != b.ContentType {
		t.Errorf("record %d: Content-Type %q, want %q", i, got, b.ContentType)
	}
	if got, want := h.Get(monitor.ImportedFromHeader), b.Header.Get(monitor.ImportedFromHeader); got == "" || got != want {
		t.Errorf("record %d: %s %q, want %q", i, monitor.ImportedFromHeader, got, want)
	}
	if bytes.HasPrefix(block, []byte("HTTP/")) || h.Has(gowarc.WarcIdentifiedPayloadType) {
		t.Errorf("record %d: an HTTP response is claimed", i)
	}
}

// TestWriteWARCAfterPruning: check_retention prunes the rows of old
// unchanged checks, never the raw bodies they fetched (a page in new
// markup around the same text is kept as evidence). The WARC export found
// the bodies through the checks' rows and the versions, so that each body
// of a pruned check, still in the database (verify reads it back), was
// left out of "every raw body". It is in the export after pruning too.
func TestWriteWARCAfterPruning(t *testing.T) {
	r := warcRig(t)
	ctx := context.Background()
	// The same text in other markup: an unchanged check, its page kept.
	if res, err := r.checker.Ingest(ctx, testWatch, &monitor.Body{
		Data: policyPage("5", 6), ContentType: "text/html; charset=utf-8",
		URL: testWatch.URL, FinalURL: testWatch.URL, Status: 200,
		FetchedAt: time.Date(2025, 4, 2, 12, 0, 0, 0, time.UTC),
	}); err != nil || res.Outcome != monitor.OutcomeUnchanged {
		t.Fatalf("ingest of the same text in other markup: %+v, %v; want unchanged", res, err)
	}
	want := storedBodies(t, r)
	if n, err := r.db.PruneChecks(ctx, time.Now()); err != nil || n == 0 {
		t.Fatalf("PruneChecks: %d, %v; want the unchanged check pruned", n, err)
	}
	var buf bytes.Buffer
	res, err := archive.WriteWARC(ctx, r.db, &buf, archive.WARCOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Records != len(want) {
		t.Errorf("after pruning, the WARC export holds %d bodies, want all %d stored", res.Records, len(want))
	}
}
