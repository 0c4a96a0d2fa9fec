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
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	sqlite3 "modernc.org/sqlite/lib"
)

// Vacuum rebuilds the database file, returning the pages freed by
// PruneChecks to the file system. It needs free disk space about twice the
// size of the database and holds the database's write lock for its whole
// run: other writers wait for it 5 s (busy_timeout) and then fail with
// SQLITE_BUSY, so the daemon must not be running. In WAL mode the
// rebuilt pages go through the write-ahead log, so it then checkpoints and
// truncates the log: the space is given back now, unless another process
// is still reading the old pages (DiskSizes then shows the log).
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
	// Checked before the copy, which otherwise fails only once written,
	// at the rename.
	if path == "" {
		return errors.New("backup: empty path")
	}
	if strings.HasSuffix(path, string(filepath.Separator)) || strings.HasSuffix(path, "/") {
		return fmt.Errorf("backup to %s: a folder, not a file name", path)
	}
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return fmt.Errorf("backup to %s: a folder, not a file name", path)
		}
		return fmt.Errorf("backup to %s: file exists", path)
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	// VACUUM INTO accepts an empty file; CreateTemp makes one 0600. The
	// pid in its name lets SweepInterruptedBackups tell it from the copy
	// of a backup that was killed.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+partialMark+strconv.Itoa(os.Getpid())+"-*")
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
	// VACUUM INTO does not sync what it writes: without this, a power
	// cut soon after "backup written" could leave a torn file under the
	// name asked for.
	if err := syncFile(tmpPath); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	if err := os.Rename(tmpPath, path); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("backup to %s: %w", path, err)
	}
	return nil
}

// syncFile writes the file at path to the disk.
func syncFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// syncDir writes the folder's entries to the disk, so that a rename into
// it outlasts a power cut. A file system that cannot sync a folder (some
// network ones refuse with EINVAL) is left as it is.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, errors.ErrUnsupported) {
		return fmt.Errorf("sync folder %s: %w", dir, err)
	}
	return nil
}

// partialMark is in the name of the copy a backup writes before it checks
// it and names it as asked: .NAME.partial-PID-RANDOM, and SQLite's
// .NAME.partial-PID-RANDOM-journal beside it while it writes.
const partialMark = ".partial-"

// restoringMark is in the name of the copies a restore writes beside the
// database before it renames them into place: .NAME.restoring-PID-RANDOM
// (and SQLite's -journal of it while VACUUM INTO writes it). The copy of
// the database it replaces is a backup's, .NAME.replaced-TIME.partial-….
const restoringMark = ".restoring-"

// stalePartial is how long a partial copy whose writer is gone is left
// alone all the same: the pid is only this machine's (a backup folder
// shared with a container or another host may hold another machine's
// backup in progress, which VACUUM INTO keeps writing to).
const stalePartial = 10 * time.Minute

// SweepInterruptedBackups removes from dir the partial copies that
// backups and restores killed half way (kill -9, a power cut) left
// behind: those whose process no longer runs and that were last written
// more than 10 minutes ago. A backup or restore that fails otherwise
// removes its own, and a restore removes at once what an earlier restore
// of its database left (Restore). It returns the names removed, and the
// first error of a removal, going on with the others.
func SweepInterruptedBackups(dir string, now time.Time) (removed []string, err error) {
	removed, err = sweepPartials(dir, now, stalePartial, func(name string) bool { return strings.HasPrefix(name, ".") })
	if err != nil {
		return removed, fmt.Errorf("sweep interrupted backups: %w", err)
	}
	return removed, nil
}

// LeftByRestore says whether name, one that SweepInterruptedBackups
// removed, was left by a restore (whose copies are written in the
// database's folder, where backups may be too) rather than by a backup.
func LeftByRestore(name string) bool { return strings.Contains(name, restoringMark) }

// sweepPartials removes from dir the regular files that ours accepts
// whose writer no longer runs (writerGone) and that were last written at
// least minAge before now. It returns the names removed, and the first
// error of a removal, going on with the others; a folder that is not
// there holds nothing to remove.
func sweepPartials(dir string, now time.Time, minAge time.Duration, ours func(name string) bool) (removed []string, err error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	for _, e := range entries {
		name := e.Name()
		if !ours(name) || !e.Type().IsRegular() || !writerGone(name) {
			continue
		}
		if minAge > 0 {
			info, ierr := e.Info()
			if ierr != nil || now.Sub(info.ModTime()) < minAge {
				continue
			}
		}
		if rerr := os.Remove(filepath.Join(dir, name)); rerr != nil {
			if !errors.Is(rerr, fs.ErrNotExist) && err == nil {
				err = rerr
			}
			continue
		}
		removed = append(removed, name)
	}
	return removed, err
}

// writerGone says whether name is a partial copy (partialMark,
// restoringMark) whose writer, named by the pid after the mark, no
// longer runs on this machine.
func writerGone(name string) bool {
	for _, mark := range []string{partialMark, restoringMark} {
		if _, rest, ok := strings.Cut(name, mark); ok {
			digits, _, _ := strings.Cut(rest, "-")
			pid, err := strconv.Atoi(digits)
			return err == nil && pid > 0 && pid != os.Getpid() && processGone(pid)
		}
	}
	return false
}

// sweepInterruptedRestores removes from dir what restores of the
// database named base killed half way left there: their copies
// (.BASE.restoring-PID-…) and the partial copy of the database they were
// replacing (.BASE.replaced-TIME.partial-PID-…), each with SQLite's
// journal, when their writer no longer runs. Unlike a backup's folder,
// the database's is not shared with another machine's writer of these
// files, and the restore holding the database's lock is the only one of
// this database: no 10 minutes wait.
func sweepInterruptedRestores(dir, base string) {
	restoring, replaced := "."+base+restoringMark, "."+base+".replaced-"
	// Best effort: what stays is swept by the next restore or backup.
	sweepPartials(dir, time.Now(), 0, func(name string) bool {
		return strings.HasPrefix(name, restoring) || strings.HasPrefix(name, replaced) && strings.Contains(name, partialMark)
	})
}

// CheckFile checks that the file at path is a policywatch database fit to
// be restored: SQLite's integrity check reports "ok" and its schema is one
// a policywatch wrote (schema_migrations, at a version this binary knows,
// and the watches and events tables). It opens the file read only, as no
// policywatch database (no migration, no write-ahead log beside it). An
// empty file passes SQLite's check, as does any other program's database:
// put in place of the database, either would be taken for a new one and
// its history lost without a word.
func CheckFile(ctx context.Context, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%s: no such file", path)
		}
		return err
	}
	if fi.IsDir() {
		return fmt.Errorf("%s is a folder, not a database file", path)
	}
	if fi.Size() == 0 {
		return fmt.Errorf("%s is empty, not a policywatch database", path)
	}
	c, err := sql.Open("sqlite", sqliteURI(path)+"?mode=ro")
	if err != nil {
		return err
	}
	defer c.Close()
	report, err := integrityReport(ctx, c)
	if err != nil {
		if err := notSQLite(path, err); errors.Is(err, ErrNotPolicywatch) {
			return err
		}
		return fmt.Errorf("%s: %w", path, err)
	}
	if report != "ok" {
		return fmt.Errorf("%s fails SQLite's integrity check: %s", path, report)
	}
	_, _, err = checkSchema(ctx, c, path)
	return err
}

// checkSchema says whether the database q is a history a policywatch
// wrote, at a schema version this binary knows: its version and this
// binary's, for a caller that also refuses an older one (checkReadable).
// A restore (CheckFile) and a read-only open share it.
func checkSchema(ctx context.Context, q querier, path string) (version, latest int, err error) {
	names, err := tableNames(ctx, q)
	if err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	if len(names) == 0 {
		// No table is a database to initialise for Open, which a
		// restore or a reading must not take for a history.
		return 0, 0, &notPolicywatchError{fmt.Sprintf("%s is an SQLite database but not a policywatch one (it has no table)", path), nil}
	}
	if err := policywatchTables(path, names); err != nil {
		return 0, 0, err
	}
	if !slices.Contains(names, "events") {
		return 0, 0, fmt.Errorf("%s is an SQLite database but not a policywatch one (it has no events table)", path)
	}
	if version, err = schemaVersion(ctx, q); err != nil {
		return 0, 0, fmt.Errorf("%s: %w", path, err)
	}
	ms, err := migrations()
	if err != nil {
		return 0, 0, err
	}
	if version > len(ms) {
		return 0, 0, fmt.Errorf("%s: %w: schema version %d, this binary knows up to %d; upgrade policywatch", path, ErrSchemaTooNew, version, len(ms))
	}
	return version, len(ms), nil
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
	file, log, err := db.DiskSizes()
	return file + log, err
}

// DiskSizes returns DiskSize's two parts apart: the bytes of the database
// file and of its write-ahead log (0 when there is none). After a vacuum
// the log is empty when the checkpoint could cut it back; when another
// process was reading the old pages it holds the rebuilt database until a
// later checkpoint, and an operator who vacuumed to free space must be
// told so rather than see the total double.
func (db *DB) DiskSizes() (file, log int64, err error) {
	files, err := db.files()
	if err != nil {
		return 0, 0, fmt.Errorf("database size on disk: %w", err)
	}
	if files[0] != nil {
		file = files[0].Size()
	}
	if files[1] != nil {
		log = files[1].Size()
	}
	return file, log, nil
}

// IsBusy reports whether err is SQLite's SQLITE_BUSY ("database is
// locked"): another connection, of this process or another, held the
// database's write lock longer than the 5 s a write waits for it (a
// vacuum, a sqlite3 shell with a transaction open; not a backup, which
// only reads). It is no fault of the disk.
func IsBusy(err error) bool {
	return sqliteCode(err) == sqlite3.SQLITE_BUSY
}

// Restore puts a copy of the database file backup at path, for a process
// that holds the daemon's lock (nothing else may have path open). A
// database at path is first copied, complete, to path.replaced-TIME
// (VACUUM INTO: what its write-ahead log holds is in the copy), whose
// name it returns; then its -wal and -shm files are removed, since SQLite
// would replay an old log onto the restored file and find it corrupt.
// A damaged database, which SQLite cannot copy so (the reason to restore,
// often), is kept byte for byte instead, its write-ahead log beside the
// copy. The restored file is written beside path and renamed into place,
// so that a failure leaves the database as it was. A symbolic link at
// path is followed, as SQLite follows it: the file it points to is
// replaced, and the link stays; a link to a file that is not there (a
// disk not mounted) is refused. What restores of the database killed half
// way left beside it, their partial copies, is removed first.
func Restore(ctx context.Context, backup, path string, now time.Time) (kept string, err error) {
	if target := danglingLink(path); target != "" {
		// Renamed over, the link would be gone, the history put on the
		// disk of the link's folder.
		return "", fmt.Errorf("restore: %s is a symbolic link to %s, which is not there: is the disk it is on mounted? Nothing was changed: mount it and restore again, or remove the link to restore into %s itself",
			path, target, filepath.Dir(path))
	}
	path = realPath(path)
	dir := filepath.Dir(path)
	// A restore killed half way left its copies: removed before this
	// one writes its own, the disk space of a database each.
	sweepInterruptedRestores(dir, filepath.Base(path))
	// The pid lets a sweep tell the copy of a restore killed half way
	// from one being written.
	restoring := "." + filepath.Base(path) + restoringMark + strconv.Itoa(os.Getpid()) + "-"
	if _, err := os.Stat(path); err == nil {
		kept = path + ".replaced-" + now.UTC().Format("20060102T150405Z")
		if err := keepReplaced(ctx, path, kept, restoring); err != nil {
			return "", err
		}
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	tmp, err := os.CreateTemp(dir, restoring+"*")
	if err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = copyBackup(ctx, backup, tmp); err != nil {
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
	if err = syncDir(dir); err != nil {
		return kept, fmt.Errorf("restore: %w", err)
	}
	return kept, nil
}

// copyBackup writes the database backup into tmp, an empty file, and
// syncs it to the disk: byte for byte, or through VACUUM INTO when a
// write-ahead log lies beside backup (a copy of the database's folder
// taken while a daemon held it open: a file system snapshot, an rsync).
// The file alone lacks the commits in the log, or is torn by a checkpoint
// under way; SQLite reads the two together, as CheckFile did, and
// leaves them as they were (a read-only connection writes back nothing).
func copyBackup(ctx context.Context, backup string, tmp *os.File) error {
	if fi, err := os.Stat(backup + "-wal"); err == nil && fi.Size() > 0 {
		c, err := sql.Open("sqlite", sqliteURI(backup)+"?mode=ro")
		if err != nil {
			return err
		}
		defer c.Close()
		if _, err := c.ExecContext(ctx, `VACUUM INTO ?`, tmp.Name()); err != nil {
			return err
		}
		return tmp.Sync()
	}
	return copyInto(tmp, backup)
}

// copyInto copies the file at src into dst and syncs dst to the disk.
func copyInto(dst *os.File, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if _, err := io.Copy(dst, in); err != nil {
		return err
	}
	return dst.Sync()
}

// keepReplaced keeps the database at path, which a restore replaces, as
// kept: a copy through VACUUM INTO, complete with what its write-ahead log
// holds. When SQLite finds the file damaged (it cannot read its schema,
// or its rows to copy them), the file is copied byte for byte instead, and
// its write-ahead log beside the copy, as evidence of what was there; a
// file without SQLite's header is refused, not taken for a damaged
// database (a --db naming the configuration file by mistake).
func keepReplaced(ctx context.Context, path, kept, tmpPrefix string) error {
	old, err := Open(ctx, path, MustExist())
	if err == nil {
		err = old.Backup(ctx, kept)
		if cerr := old.Close(); err == nil && cerr != nil {
			err = cerr
		}
		if err == nil {
			return nil
		}
		if !damaged(err) || !sqliteHeader(path) {
			return fmt.Errorf("restore: keep the database it replaces: %w", err)
		}
	} else if !damaged(err) || !sqliteHeader(path) {
		if errors.Is(err, ErrNotPolicywatch) {
			return fmt.Errorf("restore: the database it replaces: %w; nothing was changed (if it is the database, damaged, move it aside and restore again)", err)
		}
		return fmt.Errorf("restore: the database it replaces: %w", err)
	}
	// The log first: a restore killed between the two leaves a log
	// without its file, never a file without its log, read as the
	// history it was short of what the log held.
	if _, serr := os.Stat(path + "-wal"); serr == nil {
		if cerr := copySynced(path+"-wal", kept+"-wal", tmpPrefix); cerr != nil {
			return fmt.Errorf("restore: keep the damaged database it replaces (%v): %w", err, cerr)
		}
	}
	if cerr := copySynced(path, kept, tmpPrefix); cerr != nil {
		return fmt.Errorf("restore: keep the damaged database it replaces (%v): %w", err, cerr)
	}
	return nil
}

// damaged reports whether err is SQLite finding a database file damaged:
// SQLITE_CORRUPT ("database disk image is malformed"), or SQLITE_NOTADB
// for a file whose first page is.
func damaged(err error) bool {
	code := sqliteCode(err)
	return code == sqlite3.SQLITE_CORRUPT || code == sqlite3.SQLITE_NOTADB
}

// sqliteHeader reports whether the file at path begins as every SQLite
// database file does.
func sqliteHeader(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	const magic = "SQLite format 3\x00"
	buf := make([]byte, len(magic))
	_, err = io.ReadFull(f, buf)
	return err == nil && string(buf) == magic
}

// copySynced copies the file src to dst, which must not exist, through a
// file beside dst named tmpPrefix and a random suffix, written to the disk
// before it is renamed: dst is complete or absent. The copy is readable
// by its owner only.
func copySynced(src, dst, tmpPrefix string) (err error) {
	if _, err := os.Lstat(dst); err == nil {
		return fmt.Errorf("%s: file exists", dst)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), tmpPrefix+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = copyInto(tmp, src); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), dst)
}
