package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/policywatch/policywatch/cmd/policywatch/config"
	"github.com/policywatch/policywatch/store"
)

func vacuumCommand() *command {
	return &command{
		name: "vacuum", args: "", maxArgs: 0,
		interrupted: "the database is whole and was not compacted (check rows already pruned stay pruned); run vacuum again",
		short:       "prune old check rows (settings.check_retention) and compact the database (with the daemon stopped)",
		long: `Deletes check rows older than settings.check_retention that found nothing
(versions, raw bodies and events are never deleted), then rewrites the
database file to give the freed space back, and prints the size of the
database file and of its write-ahead log before and after. It needs free
disk space about as large as the database again; on a terminal, a line
says what is being done until it is.

Stop the daemon first: the rewrite holds the database's write lock for its
whole run (minutes for a database of gigabytes), longer than the daemon's
writes wait for it, so the daemon would lose checks meanwhile. vacuum
refuses while 'policywatch run' holds the database (it takes the daemon's
lock, DATABASE.lock), and a daemon started meanwhile refuses until it is
done; a check, import or serve started meanwhile waits 5 s for it, then
fails with "database is locked".

Example:
  systemctl stop policywatch
  policywatch vacuum --config /etc/policywatch/policywatch.yaml
  systemctl start policywatch`,
		lockDB: func(path string) (func(), error) {
			unlock, err := lockDatabase(path, "vacuum")
			if err != nil {
				var locked *lockedError
				if errors.As(err, &locked) && locked.holder == "run" {
					return nil, fmt.Errorf("vacuum: the daemon, %s, is using %s: stop it first, vacuum, then start it again (vacuum holds the database's write lock for its whole run, longer than the daemon's writes wait for it: the daemon would lose its checks meanwhile)", locked.who(), locked.path)
				}
				return nil, fmt.Errorf("vacuum: %w", err)
			}
			return unlock, nil
		},
		run: func(ctx context.Context, a *app, _ any, _ []string) error {
			file, log, err := a.db.DiskSizes()
			if err != nil {
				return err
			}
			if r := a.cfg.Settings.CheckRetention; r > 0 {
				n, err := a.db.PruneChecks(ctx, time.Now().Add(-r))
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "pruned %d check rows older than %s\n", n, config.FormatDuration(r))
			}
			size, err := a.db.Size(ctx)
			if err != nil {
				return err
			}
			done := a.working(fmt.Sprintf("vacuum: rewriting the database (%s), which needs about as much free disk space again; a large database takes minutes", humanBytes(size)))
			err = a.db.Vacuum(ctx)
			done()
			if err != nil {
				return err
			}
			fileAfter, logAfter, err := a.db.DiskSizes()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: %s → %s on disk (database file %s → %s, write-ahead log %s → %s)\n", a.db.Path(),
				humanBytes(file+log), humanBytes(fileAfter+logAfter), humanBytes(file), humanBytes(fileAfter), humanBytes(log), humanBytes(logAfter))
			if logAfter > 0 {
				// Another process's read of the old pages kept the
				// checkpoint from cutting the log back, and the rebuilt
				// database sits in it: the total reads as the vacuum
				// doubling the database.
				fmt.Fprintln(a.stdout, "the write-ahead log holds the rebuilt database and could not be cut back now: another process (policywatch serve, check) was reading the database; it is cut back once that process closes it, or at a later write's checkpoint")
			}
			return nil
		},
	}
}

func backupCommand() *command {
	return &command{
		name: "backup", args: "FILE", minArgs: 1, maxArgs: 1,
		interrupted: "no backup was written (the partial copy is removed)",
		optionUsage: map[string]string{"db": "the database `FILE` to copy (default $POLICYWATCH_DB, else settings.database)"},
		short:       "write a consistent copy of the database to FILE",
		long: `Writes a consistent, compacted copy of the database (SQLite's VACUUM INTO)
while the daemon keeps running. FILE, a file's name (not a folder), must
not exist. On a terminal, a line says what is being done until it is. The copy is written
beside FILE, checked (SQLite's integrity check) and only then named FILE,
readable by its owner only: a backup that fails (a full disk) leaves
nothing behind, and the same command can be run again. What a backup
killed half way (kill -9, a power cut) left in FILE's folder, a hidden
.NAME.partial-PID-* file, is removed by the next backup there, once
nothing has written it for 10 minutes. The copy is a
complete policywatch database: open it with --db FILE.

Example:
  policywatch backup /backups/policywatch-$(date +%F).db`,
		preflight: func(_ context.Context, _ *app, _ any, args []string) error {
			return checkBackupPath(args[0], time.Now())
		},
		run: func(ctx context.Context, a *app, _ any, args []string) error {
			dir := filepath.Dir(args[0])
			removed, err := store.SweepInterruptedBackups(dir, time.Now())
			for _, name := range removed {
				by := "backup"
				if store.LeftByRestore(name) {
					by = "restore" // backups written in the database's folder
				}
				fmt.Fprintf(a.stdout, "removed %s, left by a %s that was killed\n", filepath.Join(dir, name), by)
			}
			if err != nil {
				a.log.Warn("backup: could not remove what an interrupted backup left", "err", err)
			}
			_, statErr := os.Stat(dir)
			size, err := a.db.Size(ctx)
			if err != nil {
				return err
			}
			done := a.working(fmt.Sprintf("backup: copying the database (%s) to %s, then checking the copy; a large database takes a while", humanBytes(size), args[0]))
			// Backup checks the copy's integrity before it names it FILE.
			err = a.db.Backup(ctx, args[0])
			done()
			if err != nil {
				return err
			}
			if errors.Is(statErr, fs.ErrNotExist) {
				fmt.Fprintf(a.stdout, "created the folder %s\n", dir)
			}
			fi, err := os.Stat(args[0])
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "backup written to %s (%s, integrity ok)\n", args[0], humanBytes(fi.Size()))
			return nil
		},
	}
}

// checkBackupPath refuses, as a usage error, a backup FILE that cannot be
// one before any work is done (and, as an error that says what to do, a
// FILE that exists): an empty path (a script's unset $DEST),
// which failed only after the whole copy with a baffling "rename", and a
// folder, which said "file exists".
func checkBackupPath(path string, now time.Time) error {
	example := "policywatch-" + now.Format("2006-01-02") + ".db"
	if path == "" {
		return usageError{msg: "backup: FILE is empty (an unset variable?); give the backup's file name, e.g. policywatch backup /var/backups/" + example}
	}
	fi, err := os.Stat(path)
	if strings.HasSuffix(path, "/") || strings.HasSuffix(path, string(filepath.Separator)) || err == nil && fi.IsDir() {
		return usageError{msg: fmt.Sprintf("backup: %s is a folder; give the backup's file name in it, e.g. policywatch backup %s", path, filepath.Join(path, example))}
	}
	if err == nil {
		// Not a usage error (the same command may have worked yesterday),
		// but one that says what to do, before any work: the store's own
		// "file exists" said neither why nor what next.
		return fmt.Errorf("backup: %s exists, and a backup never replaces a file: give another name, or remove it first", path)
	}
	return nil
}

// working says on stderr, when it is a terminal, what a long step without
// progress of its own (SQLite's VACUUM and VACUUM INTO tell nothing until
// they are done) is doing, so that minutes of silence do not read as a
// hang; the returned done clears the line. Elsewhere (a log, cron) it says
// nothing: the result is all a log needs.
func (a *app) working(what string) (done func()) {
	if !isTerminal(a.stderr) {
		return func() {}
	}
	fmt.Fprintf(a.stderr, "%s…", what)
	return func() { fmt.Fprint(a.stderr, "\r\x1b[K") }
}

// pruneDaily deletes old check rows at start and then once a day, until ctx
// is done; retention 0 disables it.
func pruneDaily(ctx context.Context, a *app, retention time.Duration) {
	if retention <= 0 {
		return
	}
	t := time.NewTicker(24 * time.Hour)
	defer t.Stop()
	for {
		n, err := a.db.PruneChecks(ctx, time.Now().Add(-retention))
		if err != nil && ctx.Err() == nil {
			a.log.Error("pruning old checks", "err", err)
		} else if n > 0 {
			a.log.Info("pruned old checks", "rows", n, "older_than", config.FormatDuration(retention))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func restoreCommand() *command {
	return &command{
		name: "restore", args: "BACKUP", minArgs: 1, maxArgs: 1, noDB: true,
		interrupted: "the database was not replaced",
		optionUsage: map[string]string{
			"config": "configuration `FILE` whose settings.database names the database to replace (default $POLICYWATCH_CONFIG, else the built-in one: the default database)",
			"db":     "the database `FILE` to replace (default $POLICYWATCH_DB, else settings.database)",
		},
		short: "put a backup in place of the database (with the daemon stopped)",
		long: `Replaces the database (--db, POLICYWATCH_DB or settings.database) by a copy
of BACKUP, a file written by 'policywatch backup' (or a database copied
with its folder: its -wal file beside it is read too). BACKUP is checked first
(SQLite's integrity check); the daemon must be stopped, and so must
'policywatch serve' if one runs on the database (it would go on showing
the database replaced): restore refuses while either has it open (it
takes their locks, DATABASE.lock and DATABASE.serve.lock). The database
it replaces, if any, is kept beside it as
DATABASE.replaced-TIME, complete (what its write-ahead log held included;
a damaged one, which verify fails and SQLite cannot copy, byte for byte,
its -wal file beside the copy), and its -wal and -shm files are removed: a backup copied over a database
whose old write-ahead log stays beside it is read as a corrupt database.
What a restore killed half way (kill -9, a power cut) left beside the
database, hidden .NAME.restoring-PID-* and .NAME.replaced-TIME.partial-PID-*
files as large as a database, is removed by the next restore.

Events recorded after the backup are lost, and their numbers are given
again to new events: links in notifications sent since then may point to
other events. Message-IDs, webhook delivery ids and feed entry ids do not
repeat (each carries the time its notification or event was recorded), so
that mail clients, receivers and feed readers that drop what they have
seen do not drop the new ones.

Example:
  systemctl stop policywatch
  policywatch restore /var/backups/policywatch-2026-11-20.db
  systemctl start policywatch`,
		run: func(ctx context.Context, a *app, _ any, args []string) error {
			backup := args[0]
			path := a.dbPath
			if err := store.CheckFile(ctx, backup); err != nil {
				return fmt.Errorf("restore: %s is not a sound database: %w", backup, err)
			}
			if same, _ := sameFile(backup, path); same {
				return usageError{msg: fmt.Sprintf("restore: %s is the database itself", backup)}
			}
			// A new machine has no database yet, nor maybe its folder,
			// where the lock file goes: made as Open makes it.
			if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			unlock, err := lockDatabase(path, "restore")
			if err != nil {
				// Not run's "or give this one its own --db": a backup
				// restored to another file is one nobody reads.
				var locked *lockedError
				if errors.As(err, &locked) && locked.holder == "run" {
					return fmt.Errorf("restore: the daemon, %s, is using %s: stop it (and any policywatch serve) first, restore, then start it again", locked.who(), locked.path)
				}
				return fmt.Errorf("restore: %w", err)
			}
			defer unlock()
			// The daemon's lock keeps out run and vacuum; a serve, which
			// run does not keep out, holds one of its own.
			unlockServers, err := excludeServers(path)
			if err != nil {
				return fmt.Errorf("restore: %w", err)
			}
			defer unlockServers()
			kept, err := store.Restore(ctx, backup, path, time.Now())
			if err != nil {
				return err
			}
			if kept != "" {
				fmt.Fprintf(a.stdout, "the database it replaces is kept as %s\n", kept)
			}
			fmt.Fprintf(a.stdout, "restored %s from %s\n", path, backup)
			return nil
		},
	}
}

// sameFile reports whether two paths name one file.
func sameFile(a, b string) (bool, error) {
	fa, err := os.Stat(a)
	if err != nil {
		return false, err
	}
	fb, err := os.Stat(b)
	if err != nil {
		return false, err
	}
	return os.SameFile(fa, fb), nil
}
