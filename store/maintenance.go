package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Vacuum rebuilds the database file, returning the pages freed by
// PruneChecks to the file system. It needs free disk space about twice the
// size of the database and blocks writers while it runs. In WAL mode the
// rebuilt pages go through the write-ahead log, so it then checkpoints and
// truncates the log: the space is given back now, not at some later
// checkpoint, even while a daemon has the database open.
func (db *DB) Vacuum(ctx context.Context) error {
	if _, err := db.sql.ExecContext(ctx, `VACUUM`); err != nil {
		return fmt.Errorf("vacuum: %w", err)
	}
	// When a reader holds on past busy_timeout the checkpoint says "busy"
	// in its row, not as an error: the vacuum is done all the same, and
	// the log is cut back when it next restarts (journal_size_limit).
	if _, err := db.sql.ExecContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`); err != nil {
		return fmt.Errorf("vacuum: checkpoint: %w", err)
	}
	return nil
}

// Backup writes a consistent, compacted copy of the database to path
// (VACUUM INTO), creating its parent directory. Writers may go on
// meanwhile; the copy is the database as of the start. path must not exist
// yet.
//
// The copy is written to a temporary file beside path, readable by its
// owner only (as the database: it holds subscribers' addresses and the
// signing key), checked with SQLite's integrity check, and only then
// renamed to path: a copy that failed half way (a full disk) or does not
// check out leaves nothing at path, so that a nightly backup job retries
// with the same name instead of keeping an empty or broken file.
func (db *DB) Backup(ctx context.Context, path string) (err error) {
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("backup to %s: file exists", path)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO accepts an empty file; CreateTemp makes one 0600.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".partial-*")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer func() {
		if err != nil {
			os.Remove(tmpPath)
		}
	}()
	if _, err := db.sql.ExecContext(ctx, `VACUUM INTO ?`, tmpPath); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := CheckFile(ctx, tmpPath); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	return nil
}

// CheckFile runs SQLite's integrity check on the database file at path,
// read only, without opening it as a policywatch database (no migration,
// no write-ahead log beside it): nil when it reports "ok".
func CheckFile(ctx context.Context, path string) error {
	c, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		return err
	}
	defer c.Close()
	report, err := integrityReport(ctx, c)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if report != "ok" {
		return fmt.Errorf("%s fails SQLite's integrity check: %s", path, report)
	}
	return nil
}

// IntegrityCheck runs SQLite's integrity check and returns its report:
// "ok" when the file is sound, else one problem a line.
func (db *DB) IntegrityCheck(ctx context.Context) (string, error) {
	return integrityReport(ctx, db.sql)
}

func integrityReport(ctx context.Context, q querier) (string, error) {
	rows, err := q.QueryContext(ctx, `PRAGMA integrity_check`)
	if err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	lines, err := collect(rows, func(sc scanner) (line string, err error) {
		err = sc.Scan(&line)
		return line, err
	})
	if err != nil {
		return "", fmt.Errorf("integrity check: %w", err)
	}
	return strings.Join(lines, "\n"), nil
}

// Size returns the database's size in bytes: its pages, whether they
// are still in the write-ahead log or already in the main file.
func (db *DB) Size(ctx context.Context) (int64, error) {
	var size int64
	err := db.sql.QueryRowContext(ctx,
		`SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`).Scan(&size)
	if err != nil {
		return 0, fmt.Errorf("database size: %w", err)
	}
	return size, nil
}

// DiskSize returns the bytes the database takes on disk: its file and its
// write-ahead log (the -wal file beside it). The log holds the pages
// written since the last checkpoint and, after a large write (a vacuum, a
// prune, an import), keeps its size until it next restarts
// (journal_size_limit): what an operator counts on the disk, where Size
// counts the database's pages alone.
func (db *DB) DiskSize() (int64, error) {
	files, err := db.files()
	if err != nil {
		return 0, fmt.Errorf("database size on disk: %w", err)
	}
	var size int64
	for _, fi := range files {
		if fi != nil {
			size += fi.Size()
		}
	}
	return size, nil
}

// Restore puts a copy of the database file backup at path, for a process
// that holds the daemon's lock (nothing else may have path open). A
// database at path is first copied, complete, to path.replaced-TIME
// (VACUUM INTO: what its write-ahead log holds is in the copy), whose
// name it returns; then its -wal and -shm files are removed, since SQLite
// would replay an old log onto the restored file and find it corrupt.
// The restored file is written beside path and renamed into place, so
// that a failure leaves the database as it was.
func Restore(ctx context.Context, backup, path string, now time.Time) (kept string, err error) {
	if _, err := os.Stat(path); err == nil {
		old, err := Open(ctx, path, MustExist())
		if err != nil {
			return "", fmt.Errorf("restore: the database it replaces: %w", err)
		}
		kept = path + ".replaced-" + now.UTC().Format("20060102T150405Z")
		err = old.Backup(ctx, kept)
		if cerr := old.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err != nil {
			return "", fmt.Errorf("restore: keep the database it replaces: %w", err)
		}
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".restoring-*")
	if err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	src, err := os.Open(backup)
	if err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	defer src.Close()
	if _, err = io.Copy(tmp, src); err == nil {
		err = tmp.Sync()
	}
	if err != nil {
		return kept, fmt.Errorf("restore: copy %s: %w", backup, err)
	}
	if err = tmp.Close(); err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	for _, companion := range []string{path + "-wal", path + "-shm"} {
		if err = os.Remove(companion); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return kept, fmt.Errorf("restore: %w", err)
		}
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	return kept, nil
}
