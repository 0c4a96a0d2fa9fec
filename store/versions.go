package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/policywatch/policywatch/monitor"
)

// encodedVersion is a version's text and links as stored: compressed.
type encodedVersion struct{ text, links []byte }

func (db *DB) encodeVersion(v *monitor.Version) (*encodedVersion, error) {
	links, err := json.Marshal(v.Links)
	if err != nil {
		return nil, fmt.Errorf("encode links: %w", err)
	}
	return &encodedVersion{text: db.codec.compress([]byte(v.Text)), links: db.codec.compress(links)}, nil
}

// insertVersion stores v, a text new to the watch, encoded as enc, and
// returns its id.
func (db *DB) insertVersion(ctx context.Context, tx *sql.Tx, watchID int64, v *monitor.Version, enc *encodedVersion, bodyID int64, seen time.Time) (int64, error) {
	if v.BodyID != 0 {
		bodyID = v.BodyID
	}
	first, last := v.FirstSeen, v.LastSeen
	if first.IsZero() {
		first = seen
	}
	if last.IsZero() {
		last = seen
	}
	res, err := tx.ExecContext(ctx, `
		INSERT INTO versions (watch_id, hash, text, title, language, links,
			body_id, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		watchID, v.Hash, enc.text, v.Title, v.Language,
		enc.links, nullID(bodyID), toUnixNano(first), toUnixNano(last))
	if err != nil {
		return 0, fmt.Errorf("insert version %s: %w", v.Hash, err)
	}
	return res.LastInsertId()
}

// markVersionSeen moves an existing version's last sighting.
func (db *DB) markVersionSeen(ctx context.Context, tx *sql.Tx, watchID, id int64, seen time.Time) error {
	res, err := db.exec(ctx, tx,
		`UPDATE versions SET last_seen = MAX(last_seen, ?) WHERE id = ? AND watch_id = ?`,
		toUnixNano(seen), id, watchID)
	if err != nil {
		return fmt.Errorf("mark version %d seen: %w", id, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("mark version %d seen: %w", id, ErrNotFound)
	}
	return nil
}

// FindVersionByHash returns the id of the watch's version with this text
// hash, if any.
func (db *DB) FindVersionByHash(ctx context.Context, watch, hash string) (int64, bool, error) {
	var id int64
	err := db.sql.QueryRowContext(ctx, `
		SELECT v.id FROM versions v JOIN watches w ON w.id = v.watch_id
		WHERE w.name = ? AND v.hash = ?`, watch, hash).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, nil
	}
	if err != nil {
		return 0, false, fmt.Errorf("find version %s of %s: %w", hash, watch, err)
	}
	return id, true, nil
}

// Versions returns the watch's versions, oldest first, without their
// text or links: the listing of a history.
func (db *DB) Versions(ctx context.Context, watch string) ([]monitor.Version, error) {
	rows, err := db.sql.QueryContext(ctx, `
		SELECT v.id, v.hash, v.title, v.language, `+watchLanguage+`, v.body_id, v.first_seen, v.last_seen
		FROM versions v JOIN watches w ON w.id = v.watch_id
		WHERE w.name = ?
		ORDER BY v.id`, watch)
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", watch, err)
	}
	vs, err := collect(rows, func(sc scanner) (monitor.Version, error) {
		v := monitor.Version{Watch: watch}
		var (
			body        sql.NullInt64
			first, last int64
		)
		if err := sc.Scan(&v.ID, &v.Hash, &v.Title, &v.Language, &v.WatchLanguage, &body, &first, &last); err != nil {
			return monitor.Version{}, err
		}
		v.BodyID = body.Int64
		v.FirstSeen, v.LastSeen = fromUnixNano(first), fromUnixNano(last)
		return v, nil
	})
	if err != nil {
		return nil, fmt.Errorf("versions of %s: %w", watch, err)
	}
	return vs, nil
}

// watchLanguage selects the language of the watch w as configured at its
// last check (the monitor.Watch State was given, kept as JSON): every
// version of the watch is read in it (monitor.Facts); empty when it names
// none.
const watchLanguage = `CASE WHEN json_valid(w.config) THEN COALESCE(json_extract(w.config, '$.Language'), '') ELSE '' END`

// Version returns one version with its text and links.
func (db *DB) Version(ctx context.Context, id int64) (*monitor.Version, error) {
	return db.version(ctx, db.sql, id)
}

// LatestVersion returns the watch's current version, with its text: the
// text the page showed at the last plausible capture. After a revert that
// is an older version, not the newest one.
func (db *DB) LatestVersion(ctx context.Context, watch string) (*monitor.Version, error) {
	tx, err := db.readTx(ctx)
	if err != nil {
		return nil, fmt.Errorf("latest version of %s: %w", watch, err)
	}
	defer tx.Rollback()
	var id sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT current_version_id FROM watches WHERE name = ?`, watch).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !id.Valid) {
		return nil, fmt.Errorf("latest version of %s: %w", watch, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("latest version of %s: %w", watch, err)
	}
	return db.version(ctx, tx, id.Int64)
}

func (db *DB) version(ctx context.Context, q querier, id int64) (*monitor.Version, error) {
	v := &monitor.Version{ID: id}
	var (
		text        []byte
		links       []byte
		body        sql.NullInt64
		first, last int64
	)
	err := q.QueryRowContext(ctx, `
		SELECT w.name, v.hash, v.text, v.title, v.language, `+watchLanguage+`, v.links,
			v.body_id, v.first_seen, v.last_seen
		FROM versions v JOIN watches w ON w.id = v.watch_id
		WHERE v.id = ?`, id).
		Scan(&v.Watch, &v.Hash, &text, &v.Title, &v.Language, &v.WatchLanguage, &links, &body, &first, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("version %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("version %d: %w", id, err)
	}
	plain, err := db.codec.decompress(nil, text)
	if err != nil {
		return nil, fmt.Errorf("version %d: text: %w", id, err)
	}
	v.Text = string(plain)
	if links, err = db.codec.decompress(nil, links); err != nil {
		return nil, fmt.Errorf("version %d: links: %w", id, err)
	}
	if err := json.Unmarshal(links, &v.Links); err != nil {
		return nil, fmt.Errorf("version %d: links: %w", id, err)
	}
	v.BodyID = body.Int64
	v.FirstSeen, v.LastSeen = fromUnixNano(first), fromUnixNano(last)
	return v, nil
}
