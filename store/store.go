// Package store keeps policywatch's history in one SQLite file: watches,
// checks and their HTTP attempts, raw bodies (byte for byte, delta
// compressed), versions of readable text, and events. *DB implements
// monitor.Store for the Checker and offers listings for the CLI and the web
// view.
//
// The SQL sits next to the Go that uses it, one file per entity; the schema
// is a series of migrations embedded from migrations/ and applied at Open.
// It uses modernc.org/sqlite (pure Go) through database/sql.
//
// store may import monitor and its leaves, the standard library, the
// SQLite driver and compression libraries; never notify, web or cmd.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/policywatch/policywatch/monitor"

	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// ErrNotFound is returned (wrapped) when a requested row does not exist.
var ErrNotFound = errors.New("not found")

// ErrNoDatabase is returned (wrapped) by Open with MustExist when there is
// no file at the path.
var ErrNoDatabase = errors.New("no database")

// ErrNotPolicywatch is returned (wrapped) by Open for a path that holds
// something other than a policywatch database: a folder, a file SQLite
// cannot read, another program's SQLite database. Open leaves it as it
// was.
var ErrNotPolicywatch = errors.New("not a policywatch database")

// notPolicywatchError is an ErrNotPolicywatch in words that say what the
// path holds instead; cause is SQLite's error, when one said so.
type notPolicywatchError struct {
	msg   string
	cause error
}

func (e *notPolicywatchError) Error() string        { return e.msg }
func (e *notPolicywatchError) Is(target error) bool { return target == ErrNotPolicywatch }
func (e *notPolicywatchError) Unwrap() error        { return e.cause }

// OpenOption changes how Open opens a database.
type OpenOption func(*openOptions)

type openOptions struct {
	mustExist bool
}

// MustExist makes Open refuse (ErrNoDatabase) a path where there is no
// file, instead of creating the database and its folder: a command that
// only reads the history must not leave an empty database behind a
// mistyped path and then report that empty history as the truth.
func MustExist() OpenOption {
	return func(o *openOptions) { o.mustExist = true }
}

// DB is a policywatch database. It is safe for concurrent use: reads run
// in parallel, writes take SQLite's single write lock in turn.
type DB struct {
	sql     *sql.DB
	codec   *codec
	scratch bodyScratch
	stmts   stmtCache
	path    string
	// real is path with its symbolic links resolved, as SQLite resolves
	// them when it opens the file: its write-ahead log and -shm index are
	// beside the file a link points to, not beside the link.
	real string
}

var _ monitor.Store = (*DB)(nil)

// pragmas are set on every connection of the pool, so they go in the DSN.
// WAL lets readers run beside the writer; synchronous=NORMAL is safe in WAL
// (a power cut can lose the last commits, never consistency);
// _txlock=immediate makes write transactions take the write lock at BEGIN,
// so two writers queue under busy_timeout instead of failing with
// SQLITE_BUSY when one upgrades a read lock.
//
// cache_size(-256) gives each connection a page cache of 256 KiB instead
// of SQLite's 2 MB. The driver's allocator does not give freed memory back
// to the system, so every connection's cache stays resident at its
// largest for the life of the daemon, and grows with the database: over a
// year of churned captures (bench/soak.sh, 100 watches, 390 MB database)
// the daemon's own memory stood 1.6 MiB lower with the small cache (median
// of five minutes; bench/README.md). The
// store reads rows by key and bodies once each, and the kernel caches the
// file anyway: the Go benchmarks of a check, a replay and the web view did
// not move (bench/README.md).
//
// journal_size_limit: SQLite reuses its write-ahead log from the start
// after each checkpoint but never shrinks the file, so one large write (a
// vacuum rewrites the whole database through it, a retention prune or an
// import many pages) would leave a log the size of the database on disk
// for good. With the limit the file is cut back to 8 MiB when the log
// restarts; the automatic checkpoint keeps ordinary use under 4 MiB.
const pragmas = "_pragma=foreign_keys(1)&_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)&_pragma=cache_size(-256)&_pragma=journal_size_limit(8388608)&_txlock=immediate"

// Open opens the database at path, creating it and its parent directory if
// needed (unless MustExist is given), and applies the migrations it lacks.
// It refuses (ErrSchemaTooNew) a database written by a newer policywatch,
// and (ErrNotPolicywatch) a folder, a file that is no SQLite database or
// another program's database, which it leaves untouched.
func Open(ctx context.Context, path string, opts ...OpenOption) (*DB, error) {
	var o openOptions
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	// The driver splits the DSN at the first '?'.
	if strings.ContainsRune(path, '?') {
		return nil, fmt.Errorf("open database %q: path must not contain '?'", path)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, isFolder(path)
	}
	if o.mustExist {
		// The driver would create a missing file (a plain path cannot
		// ask SQLite for mode=rw), so look first. A file removed between
		// the two is recreated, empty: a race with someone deleting the
		// database, not a typo.
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open database %s: %w", path, ErrNoDatabase)
		}
	} else if err := createPrivate(path); err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	// Before the pragmas of the pool, which switch the file to WAL, and
	// the migrations, which add policywatch's tables to whatever is there:
	// a mistyped --db naming another program's database must find it as
	// it was.
	if err := checkNotForeign(ctx, path); err != nil {
		return nil, openError(path, err)
	}
	sqlDB, err := sql.Open("sqlite", path+"?"+pragmas)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := sqlDB.PingContext(ctx); err != nil {
		sqlDB.Close()
		return nil, openError(path, err)
	}
	if err := migrate(ctx, sqlDB); err != nil {
		sqlDB.Close()
		return nil, openError(path, err)
	}
	c, err := newCodec()
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return &DB{sql: sqlDB, codec: c, path: path, real: realPath(path)}, nil
}

// ErrSchemaTooOld is returned (wrapped) by OpenReadOnly for a database an
// older policywatch wrote, which it does not upgrade: this binary's
// queries need the tables it lacks.
var ErrSchemaTooOld = errors.New("database schema is older than this policywatch")

// readOnlyPragmas are those of pragmas that change nothing in the file;
// query_only makes a write that slipped in fail instead of taking place.
const readOnlyPragmas = "_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)&_pragma=cache_size(-256)&_pragma=query_only(1)"

// OpenReadOnly opens the policywatch database at path to read it only,
// for a command that checks evidence (verify): the file is left byte for
// byte as it was. Open would switch a backup (written in rollback-journal
// mode) to WAL, rewriting its header, and migrate a database of an older
// policywatch; that changes the SHA-256 an operator's manifest of backups
// holds, and fails on a read-only mount, an immutable file (chattr +i) or
// another user's file. Here SQLite opens the file with mode=ro, sets no
// journal mode and applies no migration: a database of an older
// policywatch is refused (ErrSchemaTooOld), as are a newer one
// (ErrSchemaTooNew), no database at path (ErrNoDatabase) and anything
// that is not a policywatch database (ErrNotPolicywatch).
//
// A database in WAL mode whose folder this process may not write (a
// read-only mount) cannot be read with mode=ro, which needs the -shm
// index beside it; when no write-ahead log is there either, no process
// is writing it, and it is opened as immutable (SQLite then takes no
// lock and reads no log).
func OpenReadOnly(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("open database %s: %w", path, ErrNoDatabase)
	case err != nil:
		return nil, fmt.Errorf("open database: %w", err)
	case fi.IsDir():
		return nil, isFolder(path)
	case fi.Size() == 0:
		return nil, &notPolicywatchError{fmt.Sprintf("%s is empty, not a policywatch database", path), nil}
	}
	sqlDB, err := openReadOnly(ctx, path, "mode=ro")
	if code := sqliteCode(err); code == sqlite3.SQLITE_READONLY || code == sqlite3.SQLITE_CANTOPEN {
		if _, werr := os.Stat(realPath(path) + "-wal"); errors.Is(werr, fs.ErrNotExist) {
			sqlDB, err = openReadOnly(ctx, path, "mode=ro&immutable=1")
		}
	}
	if err != nil {
		return nil, openReadOnlyError(path, err)
	}
	if err := checkReadable(ctx, sqlDB, path); err != nil {
		sqlDB.Close()
		return nil, err
	}
	c, err := newCodec()
	if err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return &DB{sql: sqlDB, codec: c, path: path, real: realPath(path)}, nil
}

// openReadOnly opens path as an SQLite URI with the parameters params and
// reads its schema once, so that a file SQLite cannot open or read fails
// here.
func openReadOnly(ctx context.Context, path, params string) (*sql.DB, error) {
	sqlDB, err := sql.Open("sqlite", sqliteURI(path)+"?"+params+"&"+readOnlyPragmas)
	if err != nil {
		return nil, err
	}
	var n int
	if err := sqlDB.QueryRowContext(ctx, `SELECT COUNT(*) FROM sqlite_schema`).Scan(&n); err != nil {
		sqlDB.Close()
		return nil, err
	}
	return sqlDB, nil
}

// openReadOnlyError is the error of a read-only open that failed: no
// SQLite file, or SQLite's reason with what it may mean.
func openReadOnlyError(path string, err error) error {
	if err := notSQLite(path, err); errors.Is(err, ErrNotPolicywatch) {
		return err
	}
	if damaged(err) {
		return fmt.Errorf("open database %s read only: %w%s", path, err, damagedAdvice(err))
	}
	if why := notWritable(path); why != "" {
		return fmt.Errorf("open database %s read only: %w (%s, and its write-ahead log beside it cannot be read without writing its index: copy it, with its -wal file, somewhere writable to inspect it)", path, err, why)
	}
	return fmt.Errorf("open database %s read only: %w", path, err)
}

// checkReadable refuses a database q that is not policywatch's, or whose
// schema is not this binary's: reading, it upgrades nothing.
func checkReadable(ctx context.Context, q querier, path string) error {
	version, latest, err := checkSchema(ctx, q, path)
	if err != nil {
		return fmt.Errorf("open database: %w%s", err, damagedAdvice(err))
	}
	if version < latest {
		// The database the daemon runs on is refused too, after the binary
		// was replaced and before the daemon was restarted: copying it was
		// all this said, which suits a backup kept byte for byte only.
		return fmt.Errorf("open database %s: %w (schema version %d, this one's is %d), and opened read only it is not upgraded: "+
			"if policywatch runs on it, restart the daemon with this policywatch, which upgrades it as it starts "+
			"(with no daemon running, any command does: policywatch watches --db %s), then verify it; "+
			"a backup to keep as it is: copy it, run any command on the copy (policywatch watches --db COPY), and verify the copy",
			path, ErrSchemaTooOld, version, latest, shellWord(path))
	}
	return nil
}

// shellWord is path as one word of a shell's command line, for a command
// a message tells to run: quoted when a character in it would split it or
// mean something to the shell.
func shellWord(path string) string {
	if path != "" && strings.Trim(path, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+:@,") == "" {
		return path
	}
	return "'" + strings.ReplaceAll(path, "'", `'\''`) + "'"
}

// sqliteURI is path as the name of an SQLite URI ("file:..."), which
// takes parameters such as mode=ro: '?', '#' and '%' are escaped, which
// SQLite would read as the start of the parameters, of a fragment, or of
// an escape.
func sqliteURI(path string) string {
	escaped := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	if filepath.IsAbs(path) {
		// An empty authority: "file://tmp/x" would name the host tmp.
		return "file://" + escaped
	}
	return "file:" + escaped
}

// checkNotForeign refuses (ErrNotPolicywatch) the file at path unless it
// is a policywatch database or has no table yet (a new file, or one a
// process creating the database has not filled yet). It reads the schema
// on a connection of its own, with no pragma that writes.
func checkNotForeign(ctx context.Context, path string) error {
	probe, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(5000)")
	if err != nil {
		return err
	}
	defer probe.Close()
	names, err := tableNames(ctx, probe)
	if err != nil {
		return notSQLite(path, err)
	}
	return policywatchTables(path, names)
}

// tableNames lists the tables of the database q, SQLite's own
// (sqlite_sequence, sqlite_stat1) left out.
func tableNames(ctx context.Context, q querier) ([]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT name FROM sqlite_schema WHERE type = 'table' AND substr(name, 1, 7) <> 'sqlite_' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("read its tables: %w", err)
	}
	names, err := collect(rows, func(sc scanner) (name string, err error) {
		err = sc.Scan(&name)
		return name, err
	})
	if err != nil {
		return nil, fmt.Errorf("read its tables: %w", err)
	}
	return names, nil
}

// policywatchTables refuses (ErrNotPolicywatch) a database whose tables,
// names, are not policywatch's: tables without schema_migrations, or
// with it but without watches, which every version of the schema has
// (other programs name their migrations' table schema_migrations too:
// Rails, golang-migrate). No table at all, or schema_migrations alone (a
// policywatch killed while it created the database), is a database to
// initialise.
func policywatchTables(path string, names []string) error {
	has := make(map[string]bool, len(names))
	for _, n := range names {
		has[n] = true
	}
	if len(names) == 0 || has["schema_migrations"] && (len(names) == 1 || has["watches"]) {
		return nil
	}
	const shown = 5
	list := strings.Join(names[:min(len(names), shown)], ", ")
	if len(names) > shown {
		list += fmt.Sprintf(" and %d more", len(names)-shown)
	}
	return &notPolicywatchError{fmt.Sprintf("%s is an SQLite database but not a policywatch one (it has tables %s)", path, list), nil}
}

// notSQLite is err, SQLite's failure to read the file at path, in words
// that say what it means when SQLite found no database in it ("file is
// not a database"), else err.
func notSQLite(path string, err error) error {
	if sqliteCode(err) == sqlite3.SQLITE_NOTADB {
		return &notPolicywatchError{fmt.Sprintf("%s is not an SQLite database file, so not a policywatch database", path), err}
	}
	return err
}

// damagedAdvice is what to add to err, an open that failed, when SQLite
// found the file damaged (damaged): what it means and what to do. It is
// empty for any other error, and for a file SQLite does not take for a
// database at all, which may be no database (ErrNotPolicywatch says so).
func damagedAdvice(err error) string {
	if !damaged(err) || errors.Is(err, ErrNotPolicywatch) {
		return ""
	}
	return " (the file is damaged: keep it as it is, and put a backup in its place with policywatch restore BACKUP)"
}

// isFolder is the error for a folder given where a database file is
// wanted: SQLite says only "unable to open database file".
func isFolder(path string) error {
	return &notPolicywatchError{fmt.Sprintf("%s is a folder, not a database file", path), nil}
}

// sqliteCode is the primary result code of SQLite's error in err (its
// extended codes, SQLITE_BUSY_SNAPSHOT and the like, counted as their
// primary one), 0 when err holds none.
func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code() & 0xff
	}
	return 0
}

// openError is the error of an open that failed, with the reason SQLite
// leaves out when it is one: policywatch writes the database and its -wal
// and -shm files beside it, even to read (migrations, the write-ahead
// log), so a read-only file or folder makes every command fail.
func openError(path string, err error) error {
	if errors.Is(err, ErrNotPolicywatch) {
		return err // it names the path, and says what is there
	}
	if damaged(err) {
		return fmt.Errorf("open database %s: %w%s", path, err, damagedAdvice(err))
	}
	if why := notWritable(path); why != "" {
		return fmt.Errorf("open database %s: %w (%s; policywatch writes the database and its -wal and -shm files beside it, even to read: copy it somewhere writable to inspect it)", path, err, why)
	}
	return fmt.Errorf("open database %s: %w", path, err)
}

// createPrivate creates the database file, and its folder, readable by its
// owner only, unless it exists: it holds subscribers' addresses and the
// key that signs their unsubscribe links, and SQLite gives its log files
// the database file's mode. An existing file keeps the mode its owner
// gave it.
//
// A symbolic link at path whose file is not there is refused: on a
// server it is most likely a disk not mounted (yet), and SQLite would
// create a new, empty database where the link points, on the disk under
// the mount point and readable by all, a history of its own that the disk
// hides again once mounted.
func createPrivate(path string) error {
	if target := danglingLink(path); target != "" {
		return fmt.Errorf("%s is a symbolic link to %s, which is not there: is the disk it is on mounted? "+
			"No new, empty database is made through it; to start a new history there, create the file empty first (install -m 600 /dev/null %s)",
			path, target, shellWord(target))
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return err
	}
	return f.Close()
}

// danglingLink returns the target of the symbolic link at path when the
// file it points to is not there (resolved against the link's folder),
// else "".
func danglingLink(path string) string {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&os.ModeSymlink == 0 {
		return ""
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		return ""
	}
	target, err := os.Readlink(path)
	if err != nil {
		return ""
	}
	if !filepath.IsAbs(target) {
		target = filepath.Join(filepath.Dir(path), target)
	}
	return target
}

// realPath is path with its symbolic links resolved, where SQLite puts
// the database's -wal and -shm files (it resolves links when it opens a
// file); path itself when it cannot be resolved.
func realPath(path string) string {
	if p, err := filepath.EvalSymlinks(path); err == nil {
		return p
	}
	return path
}

// resolved is db.real, else (a DB made without Open) its path.
func (db *DB) resolved() string {
	if db.real != "" {
		return db.real
	}
	return db.path
}

// Path is the database file's path.
func (db *DB) Path() string { return db.path }

// ReleaseMemory drops what the database keeps between writes to make them
// faster: its compression encoders, ~2.5 MB each, and the buffers of the
// last body stored, about a page each. The daemon calls it when
// a pass is over, before hours of sleep; the next write makes new ones.
func (db *DB) ReleaseMemory() {
	db.codec.release()
	db.scratch.release()
}

// ChangeStamp returns a token that differs whenever anything was written
// to the database since it was taken, by this process or another: the
// size and modification time of the database file and of its write-ahead
// log, and the header of the -shm index (see walIndexHeaderSize). It runs
// no SQL and reads no page, so that a loop polling for work (the
// notifier, every few seconds for months) costs nothing while nothing
// happens.
//
// The header is what makes a stamp safe to settle on. SQLite commits in
// two steps: it writes the transaction's frames to the log, then updates
// the header, and only then do readers see the commit. The files move at
// the first step only: a poll between the two took the stamp, read the
// old contents, took the stamp again and found it as before, and the
// notifier settled on it while an event another process had just
// committed waited for the next write or maxQuiet (10 to 27 times in
// 3,000 commits under a poller that never sleeps: POLICYWATCH_STAMP_COMMITS=3000
// go test ./store -run TestChangeStampSettles; none in 9,000 since). The header moves at the second step, with every
// commit (its count of commits and of frames), however coarse the file
// system's times, and when the log starts over (new salts). Reads leave
// it as it is: their marks lie past it. A checkpoint does too, but it
// writes the database file, whose size or time moves the stamp: one
// turn for nothing.
func (db *DB) ChangeStamp() (string, error) {
	files, err := db.files()
	if err != nil {
		return "", fmt.Errorf("change stamp: %w", err)
	}
	hdr, err := walIndexHeader(db.resolved())
	if err != nil {
		return "", fmt.Errorf("change stamp: %w", err)
	}
	var b strings.Builder
	for _, fi := range files {
		if fi == nil {
			b.WriteString("-;")
			continue
		}
		fmt.Fprintf(&b, "%d.%d;", fi.Size(), fi.ModTime().UnixNano())
	}
	if hdr == nil {
		b.WriteString("-")
	} else {
		fmt.Fprintf(&b, "%x", hdr)
	}
	return b.String(), nil
}

// files returns what the file system says of the database file and of its
// write-ahead log (the -wal file beside it, or beside the file a link at
// the path points to), in that order, nil for one
// that does not exist: the log before the first write and after the last
// connection closed. The -shm index beside them is left out: its few
// pages are no part of the history, and its size and time say nothing
// (readers write their marks in it too, and SQLite writes it through a
// shared mapping); ChangeStamp reads its header.
func (db *DB) files() ([2]fs.FileInfo, error) {
	var out [2]fs.FileInfo
	for i, p := range [...]string{db.resolved(), db.resolved() + "-wal"} {
		fi, err := os.Stat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			return out, err
		default:
			out[i] = fi
		}
	}
	return out, nil
}

// Close closes the database.
func (db *DB) Close() error {
	db.codec.close()
	err := errors.Join(db.stmts.close(), db.sql.Close())
	forgetWalIndex(db.resolved())
	return err
}

// querier is what *sql.DB and *sql.Tx share, so that the same read helper
// serves inside and outside a transaction.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// scanner is what *sql.Row and *sql.Rows share.
type scanner interface {
	Scan(dest ...any) error
}

// collect scans every row of rows with scan, then closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// readTx begins a read-only transaction: a consistent snapshot across
// several queries. Read-only transactions begin DEFERRED despite _txlock,
// so they never wait for the writer.
func (db *DB) readTx(ctx context.Context) (*sql.Tx, error) {
	return db.sql.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
}

// toUnixNano stores a time; the zero time is 0.
func toUnixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano reads a time stored by toUnixNano, in UTC.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// inList returns the placeholders of an SQL IN list for vals, "(?, ?, ?)",
// and vals as the query's arguments. vals must not be empty.
func inList[T any](vals []T) (string, []any) {
	args := make([]any, len(vals))
	for i, v := range vals {
		args[i] = v
	}
	return "(?" + strings.Repeat(", ?", len(vals)-1) + ")", args
}

// nullID stores a reference: 0 (none) is NULL, so foreign keys hold.
func nullID(id int64) sql.NullInt64 {
	return sql.NullInt64{Int64: id, Valid: id != 0}
}
