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
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/nlnwa/gowarc/v2"

	"github.com/policywatch/policywatch/archive"
	"github.com/policywatch/policywatch/monitor"
)

// importedAndFetched is a database holding, for one watch, two bodies
// backfilled with `policywatch import` (an archived HTML file and an
// archived Markdown file, which policywatch renders to HTML) and then one
// body policywatch fetched itself. The server of the fetched page sends
// X-Policywatch-Imported-From too: only the body's agent, which
// policywatch writes, tells an imported body from a fetched one.
func importedAndFetched(t *testing.T) (r *rig, w monitor.Watch, htmlFile []byte) {
	t.Helper()
	r = newRig(t)
	page := policyPage("2", 7)
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) {
		rw.Header().Set("Content-Type", "text/html; charset=utf-8")
		rw.Header().Set("Etag", `"live-1"`)
		rw.Header().Set(monitor.ImportedFromHeader, "forged.html")
		rw.Write(page)
	}))
	t.Cleanup(srv.Close)
	w = testWatch
	w.URL = srv.URL + "/privacy"

	dir := t.TempDir()
	htmlFile = policyPage("1", 1)
	writeFile(t, dir, "2025-01-01T10-00-00Z.html", htmlFile)
	md := "---\ntitle: Privacy Policy\n---\n# Privacy Policy\n\nVersion 1.\n\n" + strings.Join(policyParagraphs, "\n\n") + "\n"
	writeFile(t, dir, "2025-02-01T10-00-00Z.md", []byte(md))
	src, err := archive.OpenFolder(dir)
	if err != nil {
		t.Fatal(err)
	}
	if res := r.importSource(t, w, src); res.Imported != 2 {
		t.Fatalf("imported %d snapshots, want 2", res.Imported)
	}
	if _, err := r.checker.Check(context.Background(), w); err != nil {
		t.Fatal(err)
	}
	return r, w, htmlFile
}

// TestWriteWARCImportedBodiesAreResources: a body imported from an
// archive is written as a WARC resource record — the archived bytes as its
// block, their media type as its Content-Type, the snapshot's date, the
// file it was read from — with no HTTP status line or header that
// policywatch never received; a body policywatch fetched stays a response
// record with its real status and header. Both payloads read back byte
// for byte.
func TestWriteWARCImportedBodiesAreResources(t *testing.T) {
	r, w, htmlFile := importedAndFetched(t)
	ctx := context.Background()
	checks, err := r.db.Checks(ctx, w.Name, 0)
	if err != nil {
		t.Fatal(err)
	}
	bodies := map[string]*monitor.Body{}
	for _, c := range checks {
		b, err := r.db.Body(ctx, c.BodyID)
		if err != nil {
			t.Fatal(err)
		}
		bodies[b.SHA256] = b
	}
	if len(bodies) != 3 {
		t.Fatalf("%d bodies stored, want 3", len(bodies))
	}

	for _, gz := range []bool{false, true} {
		var buf bytes.Buffer
		res, err := archive.WriteWARC(ctx, r.db, &buf, archive.WARCOptions{Gzip: gz, Now: func() time.Time { return time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		if res.Records != 3 || res.Responses != 1 || res.Resources != 2 {
			t.Errorf("gzip=%t: %d records (%d responses, %d resources) reported, want 3 (1 response, 2 resources)", gz, res.Records, res.Responses, res.Resources)
		}
		recs := readAllRecords(t, buf.Bytes())
		if len(recs) != 4 || recs[0].typ != gowarc.Warcinfo {
			t.Fatalf("gzip=%t: %d records, want warcinfo and 3 bodies", gz, len(recs))
		}
		if !strings.Contains(string(recs[0].block), "resource") {
			t.Errorf("gzip=%t: warcinfo does not say imported bodies are resource records:\n%s", gz, recs[0].block)
		}
		seen := map[gowarc.RecordType]int{}
		for i, rec := range recs[1:] {
			seen[rec.typ]++
			sum := sha256.Sum256(rec.payload)
			b := bodies[hex.EncodeToString(sum[:])]
			if b == nil {
				t.Errorf("gzip=%t: record %d: payload matches no stored body", gz, i+1)
				continue
			}
			if !bytes.Equal(rec.payload, b.Data) {
				t.Errorf("gzip=%t: record %d: payload differs from the stored body", gz, i+1)
			}
			if got, want := rec.header.Get(gowarc.WarcPayloadDigest), "sha256:"+base32.StdEncoding.EncodeToString(sum[:]); got != want {
				t.Errorf("gzip=%t: record %d: WARC-Payload-Digest %s, want %s", gz, i+1, got, want)
			}
			if date, err := rec.header.GetTime(gowarc.WarcDate); err != nil || !date.Equal(b.FetchedAt) {
				t.Errorf("gzip=%t: record %d: WARC-Date %s, want %s", gz, i+1, rec.header.Get(gowarc.WarcDate), b.FetchedAt.Format(time.RFC3339Nano))
			}
			if got := rec.header.Get(gowarc.WarcTargetURI); got != w.URL {
				t.Errorf("gzip=%t: record %d: WARC-Target-URI %s, want the watch's URL %s", gz, i+1, got, w.URL)
			}
			from := rec.header.Get(monitor.ImportedFromHeader)
			if b.Agent != monitor.FetcherImport {
				// Fetched: the response as received.
				if rec.typ != gowarc.Response || rec.status != http.StatusOK || rec.httpHeader.Get("Etag") != `"live-1"` {
					t.Errorf("gzip=%t: fetched body: a %s record, status %d, ETag %q; want a response, 200, the server's ETag", gz, rec.typ, rec.status, rec.httpHeader.Get("Etag"))
				}
				if from != "" {
					t.Errorf("gzip=%t: fetched body said to be imported from %q (its server's header is no evidence)", gz, from)
				}
				continue
			}
			// Imported: no HTTP exchange is claimed; the archived file is
			// a resource, the HTML rendered from a Markdown file a
			// conversion.
			wantType := gowarc.Resource
			if strings.HasSuffix(from, ".md") {
				wantType = gowarc.Conversion
			}
			if rec.typ != wantType {
				t.Errorf("gzip=%t: imported body %s: a %s record, want %s", gz, from, rec.typ, wantType)
			}
			if bytes.HasPrefix(rec.block, []byte("HTTP/")) || bytes.Contains(rec.raw, []byte("HTTP/1.1 200")) || strings.HasPrefix(rec.header.Get(gowarc.ContentType), "application/http") {
				t.Errorf("gzip=%t: imported body %s: an HTTP response is claimed:\n%s", gz, from, rec.raw[:min(len(rec.raw), 800)])
			}
			if !bytes.Equal(rec.block, b.Data) {
				t.Errorf("gzip=%t: imported body %s: the block is not the body byte for byte", gz, from)
			}
			switch from {
			case "2025-01-01T10-00-00Z.html":
				if !bytes.Equal(rec.block, htmlFile) || rec.header.Get(gowarc.ContentType) != "text/html" {
					t.Errorf("gzip=%t: %s: Content-Type %q, block the archived file: %t", gz, from, rec.header.Get(gowarc.ContentType), bytes.Equal(rec.block, htmlFile))
				}
				if rec.header.Get("X-Policywatch-Converted-From") != "" {
					t.Errorf("gzip=%t: %s said to be converted", gz, from)
				}
			case "2025-02-01T10-00-00Z.md":
				if rec.header.Get(gowarc.ContentType) != "text/html; charset=utf-8" || rec.header.Get("X-Policywatch-Converted-From") != "text/markdown" {
					t.Errorf("gzip=%t: %s: Content-Type %q, X-Policywatch-Converted-From %q; want the HTML policywatch rendered, said to be rendered from Markdown",
						gz, from, rec.header.Get(gowarc.ContentType), rec.header.Get("X-Policywatch-Converted-From"))
				}
			default:
				t.Errorf("gzip=%t: imported body: X-Policywatch-Imported-From %q", gz, from)
			}
		}
		if seen[gowarc.Response] != 1 || seen[gowarc.Resource] != 1 || seen[gowarc.Conversion] != 1 {
			t.Errorf("gzip=%t: %d response, %d resource and %d conversion records, want 1 of each", gz, seen[gowarc.Response], seen[gowarc.Resource], seen[gowarc.Conversion])
		}
	}
}

// warcRecord is a record read back: its header, and the bytes of its
// block and payload.
type warcRecord struct {
	typ        gowarc.RecordType
	header     *gowarc.WarcFields
	raw        []byte // the record as written, header included
	block      []byte
	payload    []byte      // the HTTP payload of a response; the block of any other record
	status     int         // of a response
	httpHeader http.Header // of a response
}

// readAllRecords reads a WARC file under strict validation (digests and
// lengths checked).
func readAllRecords(t *testing.T, data []byte) []warcRecord {
	t.Helper()
	reader, err := gowarc.NewWarcFileReaderFromStream(bytes.NewReader(data), 0, gowarc.WithStrictValidation())
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Close()
	var out []warcRecord
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
		r := warcRecord{typ: rec.Type(), header: rec.WarcHeader()}
		var raw bytes.Buffer
		if _, _, err := gowarc.NewMarshaler().Marshal(&raw, rec, 0); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		r.raw = raw.Bytes()
		rb, err := rec.Block().RawBytes()
		if err != nil {
			t.Fatal(err)
		}
		if r.block, err = io.ReadAll(rb); err != nil {
			t.Fatal(err)
		}
		r.payload = r.block
		if hb, ok := rec.Block().(gowarc.HttpResponseBlock); ok {
			pr, err := hb.PayloadBytes()
			if err != nil {
				t.Fatal(err)
			}
			if r.payload, err = io.ReadAll(pr); err != nil {
				t.Fatal(err)
			}
			r.status = hb.HttpStatusCode()
			r.httpHeader = *hb.HttpHeader()
		}
		rec.Close()
		out = append(out, r)
	}
	return out
}
