package store

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestVerifyReadsEveryBodyBack: Verify rebuilds every raw body (chains
// of deltas longer than one, across two chains) and finds each byte as
// hashed when it was fetched, and says how far it is as it goes.
func TestVerifyReadsEveryBodyBack(t *testing.T) {
	ctx := context.Background()
	db, _ := openDB(t)
	recordBodies(t, db, syntheticBodies(t, bodyChainLength+5))
	var want struct {
		bodies, versions int
		bytes            int64
	}
	if err := db.sql.QueryRow(`SELECT COUNT(*), SUM(size), (SELECT COUNT(*) FROM versions) FROM bodies`).Scan(&want.bodies, &want.bytes, &want.versions); err != nil {
		t.Fatal(err)
	}
	var calls, lastDone, lastTotal int
	v, err := db.Verify(ctx, func(done, total int) { calls, lastDone, lastTotal = calls+1, done, total })
	if err != nil {
		t.Fatal(err)
	}
	if !v.OK() || v.Bodies != want.bodies || v.BodyBytes != want.bytes || v.Versions != want.versions {
		t.Errorf("Verify = %+v, want OK with %d bodies of %d bytes and %d versions", v, want.bodies, want.bytes, want.versions)
	}
	if calls != want.bodies || lastDone != want.bodies || lastTotal != want.bodies {
		t.Errorf("progress told %d times, last %d of %d; want once a body, to %d of %d", calls, lastDone, lastTotal, want.bodies, want.bodies)
	}
}

// TestVerifyFindsWhatWasTamperedWith: a body whose bytes, hash or chain
// were changed, a version whose text cannot be read, a row pointing at a
// body that is not there: Verify names each, and reads on.
func TestVerifyFindsWhatWasTamperedWith(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		tamper func(ids []int64) []string // SQL, run with foreign keys off
		want   []string                   // the problems, in order; "" for none
		fk     int
	}{
		{"hash", func(ids []int64) []string {
			return []string{fmt.Sprintf(`UPDATE bodies SET sha256 = '0000' WHERE id = %d`, ids[2])}
		}, []string{"body 3: its ", "stored when fetched", "SHA-256 0000"}, 0},
		{"a delta's bytes", func(ids []int64) []string {
			return []string{fmt.Sprintf(`UPDATE bodies SET data = x'28b52ffd0000' WHERE id = %d`, ids[2])}
		}, []string{"body 3: cannot be rebuilt"}, 0},
		// Every delta of the chain is against it: each is named.
		{"the whole body", func(ids []int64) []string {
			return []string{fmt.Sprintf(`UPDATE bodies SET data = x'28b52ffd0000' WHERE id = %d`, ids[0])}
		}, []string{"body 1: cannot be rebuilt", "body 2: cannot be rebuilt", "body 3: cannot be rebuilt", "body 4: cannot be rebuilt"}, 0},
		{"a version's text", func(ids []int64) []string {
			return []string{`UPDATE versions SET text = x'00112233'`}
		}, []string{"version 1: text"}, 0},
		{"a check of a body not there", func(ids []int64) []string {
			return []string{fmt.Sprintf(`UPDATE checks SET body_id = 999 WHERE body_id = %d`, ids[3])}
		}, nil, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := openDB(t)
			ids := recordBodies(t, db, syntheticBodies(t, 4))
			conn, err := db.sql.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = OFF`); err != nil {
				t.Fatal(err)
			}
			for _, q := range tc.tamper(ids) {
				if _, err := conn.ExecContext(ctx, q); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := conn.ExecContext(ctx, `PRAGMA foreign_keys = ON`); err != nil {
				t.Fatal(err)
			}
			conn.Close()
			v, err := db.Verify(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			if v.OK() {
				t.Fatalf("Verify of a tampered history: OK, %+v", v)
			}
			if v.ForeignKeys != tc.fk || v.Bodies != 4 || v.Integrity != "ok" {
				t.Errorf("Verify = %+v, want %d foreign key problems, 4 bodies read, integrity ok", v, tc.fk)
			}
			got := strings.Join(v.Problems, "\n")
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("problems:\n%s\nwant %q among them", got, w)
				}
			}
			if tc.want == nil && len(v.Problems) != 0 {
				t.Errorf("problems %q, want none", v.Problems)
			}
		})
	}
}

// TestVerifyOfADamagedFile: a file whose pages are damaged (bad sectors,
// a crash of the file system) is what verify is for. SQLite stops on such
// a page with "database disk image is malformed" rather than list it as a
// problem of its integrity check, and verify then stopped with that error
// alone: not the report (what was read back, what was not) nor the
// advice to keep the file and restore a backup. Each page is damaged in
// turn; verify reports the file as failing, never an error of its own.
func TestVerifyOfADamagedFile(t *testing.T) {
	ctx := context.Background()
	db, path := openDB(t)
	recordBodies(t, db, syntheticBodies(t, bodyChainLength+5))
	if _, err := db.sql.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		t.Fatal(err)
	}
	sound, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	const page = 4096
	damagedPath := filepath.Join(t.TempDir(), "damaged.db")
	verified := 0
	for p := 1; p < len(sound)/page; p++ {
		damaged := bytes.Clone(sound)
		for i := p * page; i < (p+1)*page; i += 2 {
			damaged[i], damaged[i+1] = 0xde, 0xad
		}
		if err := os.WriteFile(damagedPath, damaged, 0o600); err != nil {
			t.Fatal(err)
		}
		rdb, err := OpenReadOnly(ctx, damagedPath)
		if err != nil {
			continue // its schema cannot be read: the message says so
		}
		verified++
		v, err := rdb.Verify(ctx, nil)
		rdb.Close()
		switch {
		case err != nil:
			t.Errorf("page %d damaged: Verify: %v", p+1, err)
		case v.OK():
			t.Errorf("page %d damaged: Verify = OK, %+v", p+1, v)
		}
	}
	if verified == 0 {
		t.Fatal("no damaged file could be opened: Verify was never run")
	}
}
