package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
)

// Verification is what Verify found: a sound history has Integrity "ok"
// and no Problems.
type Verification struct {
	Integrity   string   // SQLite's integrity check: "ok", or its problems a line each
	ForeignKeys int      // rows pointing at rows that do not exist; -1 when they could not be checked
	Bodies      int      // raw bodies read back and hashed
	BodyBytes   int64    // their bytes
	Versions    int      // versions whose text and links were read back
	Problems    []string // one per body or version that could not be read back as stored
}

// maxProblems caps the problems a Verification lists: a file damaged
// throughout would otherwise list every row.
const maxProblems = 100

// OK reports whether the history checked out.
func (v *Verification) OK() bool {
	return v.Integrity == "ok" && v.ForeignKeys == 0 && len(v.Problems) == 0
}

func (v *Verification) problem(format string, args ...any) {
	if len(v.Problems) < maxProblems {
		v.Problems = append(v.Problems, fmt.Sprintf(format, args...))
	} else if len(v.Problems) == maxProblems {
		v.Problems = append(v.Problems, "… and more; the first ones are above")
	}
}

// Verify checks the whole history as evidence: SQLite's integrity check,
// its foreign keys, every raw body rebuilt from its delta chain and its
// bytes hashed against the SHA-256 stored beside them when it was
// fetched, every version's text and links decoded. progress, if not nil,
// is told the bodies done and their total as it goes. It reads only, and
// may run while a daemon records checks: what those add after it starts
// is not read.
//
// SQLite stops at a damaged page ("database disk image is malformed")
// rather than list it: such a stop is a finding, not an error of Verify.
// The integrity check then reports it, and the steps after it are
// Problems, each saying how far it read.
func (db *DB) Verify(ctx context.Context, progress func(done, total int)) (*Verification, error) {
	v := &Verification{}
	var err error
	if v.Integrity, err = integrityReport(ctx, db.sql); damaged(err) {
		v.Integrity = fmt.Sprintf("SQLite stopped reading the file: %v", errors.Unwrap(err))
	} else if err != nil {
		return nil, err
	}
	err = db.sql.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_foreign_key_check`).Scan(&v.ForeignKeys)
	if damaged(err) {
		v.ForeignKeys = -1
		v.problem("references between rows could not be checked: %v", err)
	} else if err != nil {
		return nil, fmt.Errorf("foreign key check: %w", err)
	}
	// One read transaction: the counts and the rows are one snapshot.
	tx, err := db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("verify: %w", err)
	}
	defer tx.Rollback()
	if err := db.verifyBodies(ctx, tx, v, progress); damaged(err) {
		v.problem("raw bodies: reading stopped after %d: %v", v.Bodies, err)
	} else if err != nil {
		return nil, err
	}
	if err := db.verifyVersions(ctx, tx, v); damaged(err) {
		v.problem("versions: reading stopped after %d: %v", v.Versions, err)
	} else if err != nil {
		return nil, err
	}
	return v, nil
}

// verifyBodies reads the bodies of each watch in order. A delta's base is
// its chain's whole body (an earlier policywatch's, the body before it):
// the payloads of the last whole body and of the last body are kept, so
// that a chain's whole body is decoded once, not once per body in it.
func (db *DB) verifyBodies(ctx context.Context, tx *sql.Tx, v *Verification, progress func(done, total int)) error {
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bodies`).Scan(&total); err != nil {
		return fmt.Errorf("verify bodies: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, base_id, sha256, size, data FROM bodies ORDER BY watch_id, id`)
	if err != nil {
		return fmt.Errorf("verify bodies: %w", err)
	}
	defer rows.Close()
	type decoded struct {
		id      int64
		payload []byte
	}
	// Three buffers: the whole body's (a copy), the last body's, and the
	// one the next body is decoded into, which takes turns with the last.
	var whole, previous decoded
	var spare []byte
	for rows.Next() {
		var (
			id    int64
			base  sql.NullInt64
			sum   string
			size  int64
			frame sql.RawBytes
		)
		if err := rows.Scan(&id, &base, &sum, &size, &frame); err != nil {
			return fmt.Errorf("verify bodies: %w", err)
		}
		var payload []byte
		switch {
		case !base.Valid:
			payload, err = db.codec.decompress(spare[:0], frame)
		case base.Int64 == whole.id:
			payload, err = db.codec.decompressDelta(spare[:0], whole.payload, frame)
		case base.Int64 == previous.id:
			payload, err = db.codec.decompressDelta(spare[:0], previous.payload, frame)
		default:
			// Rebuilt from its chain, on a connection of its own (this
			// one is reading rows).
			if payload, err = db.loadPayload(ctx, db.sql, id, nil); err == nil {
				payload = append(spare[:0], payload...)
			}
		}
		v.Bodies++
		if err != nil {
			v.problem("body %d: cannot be rebuilt: %v", id, err)
			previous.id = 0
		} else {
			spare = previous.payload
			previous = decoded{id, payload}
			if !base.Valid {
				whole = decoded{id, append(whole.payload[:0], payload...)}
			}
			if _, data, err := decodePayload(payload); err != nil {
				v.problem("body %d: %v", id, err)
			} else if got := sha256Hex(data); got != sum || int64(len(data)) != size {
				v.problem("body %d: its %d bytes read back hash to %s; stored when fetched: %d bytes, SHA-256 %s", id, len(data), got, size, sum)
			} else {
				v.BodyBytes += size
			}
		}
		if progress != nil {
			progress(v.Bodies, total)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify bodies: %w", err)
	}
	return nil
}

func (db *DB) verifyVersions(ctx context.Context, tx *sql.Tx, v *Verification) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, text, links FROM versions ORDER BY id`)
	if err != nil {
		return fmt.Errorf("verify versions: %w", err)
	}
	defer rows.Close()
	var buf []byte
	for rows.Next() {
		var (
			id          int64
			text, links sql.RawBytes
		)
		if err := rows.Scan(&id, &text, &links); err != nil {
			return fmt.Errorf("verify versions: %w", err)
		}
		v.Versions++
		if buf, err = db.codec.decompress(buf[:0], text); err != nil {
			v.problem("version %d: text: %v", id, err)
			continue
		}
		if buf, err = db.codec.decompress(buf[:0], links); err != nil {
			v.problem("version %d: links: %v", id, err)
			continue
		}
		if !json.Valid(buf) {
			v.problem("version %d: links: not JSON", id)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("verify versions: %w", err)
	}
	return nil
}
