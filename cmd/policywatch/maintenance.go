package main

import (
	"context"
	"fmt"
	"os"
	"time"
)

func vacuumCommand() *command {
	return &command{
		name: "vacuum", args: "", maxArgs: 0,
		short: "prune old check rows (settings.check_retention) and compact the database",
		long: `Deletes check rows older than settings.check_retention that found nothing
(versions, raw bodies and events are never deleted), then rewrites the
database file to give the freed space back, and prints the size of the
database and its write-ahead log before and after. Safe while the daemon
runs; it waits for the daemon's writes.

Example:
  policywatch vacuum --config /etc/policywatch/policywatch.yaml`,
		run: func(ctx context.Context, a *app, _ any, _ []string) error {
			before, err := a.db.DiskSize()
			if err != nil {
				return err
			}
			if r := a.cfg.Settings.CheckRetention; r > 0 {
				n, err := a.db.PruneChecks(ctx, time.Now().Add(-r))
				if err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "pruned %d check rows older than %s\n", n, r)
			}
			if err := a.db.Vacuum(ctx); err != nil {
				return err
			}
			after, err := a.db.DiskSize()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: %s → %s (database and its write-ahead log)\n", a.db.Path(), humanBytes(before), humanBytes(after))
			return nil
		},
	}
}

func backupCommand() *command {
	return &command{
		name: "backup", args: "FILE", minArgs: 1, maxArgs: 1,
		short: "write a consistent copy of the database to FILE",
		long: `Writes a consistent, compacted copy of the database (SQLite's VACUUM INTO)
while the daemon keeps running. FILE must not exist. The copy is written
beside FILE, checked (SQLite's integrity check) and only then named FILE,
readable by its owner only: a backup that fails (a full disk) leaves
nothing behind, and the same command can be run again. The copy is a
complete policywatch database: open it with --db FILE.

Example:
  policywatch backup /backups/policywatch-$(date +%F).db`,
		run: func(ctx context.Context, a *app, _ any, args []string) error {
			// Backup checks the copy's integrity before it names it FILE.
			if err := a.db.Backup(ctx, args[0]); err != nil {
				return err
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
			a.log.Info("pruned old checks", "rows", n, "older_than", retention)
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
