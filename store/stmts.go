package store

import (
	"context"
	"database/sql"
	"errors"
	"sync"
)

// stmtCache keeps the statements of the queries every check runs
// prepared. The driver prepares a query afresh on each call, and preparing
// the dozen statements of a check took 7 to 10% of its CPU (the upsert of
// State alone 75 µs); State now takes 27 µs instead of 120, and recording
// a 304 87 µs instead of 146 (BenchmarkState, BenchmarkRecordUnchangedCheck;
// 106 µs since migration 0006's triggers).
//
// database/sql prepares a *sql.Stmt on each connection of the pool the
// first time it runs there, and keeps it prepared until the connection is
// closed. Each costs SQLite memory on every connection that ran it: the
// twelve cached here about 110 KB a connection (the upsert 30 KB), some
// 210 KB for the two connections the pool keeps idle; the daemon's own
// memory after a pass of 100 or 1,000 watches stood 0.2 to 0.35 MB
// higher. Listings, the web view and maintenance run too rarely to be
// worth that memory, and so do the statements that write a new version or
// an event.
type stmtCache struct {
	mu     sync.Mutex
	stmts  map[string]*sql.Stmt
	closed bool
}

var errStmtCacheClosed = errors.New("database is closed")

// stmt returns the statement of query, preparing it on first use.
//
// The lock is held while preparing, so that a query is prepared once and
// no call is left with a second statement to close: closing a statement
// waits for each connection it is prepared on, and one of them may be
// waiting for the write lock of the transaction that asks for a
// statement. Preparing waits for no caller: it takes an idle connection,
// or a new one, the pool having no limit. (A statement first needed in a
// transaction is prepared so on a second connection, then on the
// transaction's.)
func (db *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	c := &db.stmts
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, errStmtCacheClosed
	}
	if s := c.stmts[query]; s != nil {
		return s, nil
	}
	s, err := db.sql.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.stmts == nil {
		c.stmts = map[string]*sql.Stmt{}
	}
	c.stmts[query] = s
	return s, nil
}

// close closes the cached statements, without the lock (see stmt); later
// calls of stmt fail.
func (c *stmtCache) close() error {
	c.mu.Lock()
	stmts := c.stmts
	c.stmts, c.closed = nil, true
	c.mu.Unlock()
	var errs []error
	for _, s := range stmts {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}

// prepared returns the cached statement of query for q, db.sql or one of
// its transactions. In a transaction, database/sql runs the statement
// already prepared on the transaction's connection, or prepares it there
// once and keeps it with the others for the next transaction on that
// connection.
func (db *DB) prepared(ctx context.Context, q querier, query string) (*sql.Stmt, error) {
	s, err := db.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if tx, ok := q.(*sql.Tx); ok {
		return tx.StmtContext(ctx, s), nil
	}
	return s, nil
}

// exec is q.ExecContext with the cached statement of query.
func (db *DB) exec(ctx context.Context, q querier, query string, args ...any) (sql.Result, error) {
	s, err := db.prepared(ctx, q, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// query is q.QueryContext with the cached statement of query. The rows
// must be closed before the same query runs again in the same
// transaction: both would use the one SQLite statement.
func (db *DB) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	s, err := db.prepared(ctx, q, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// queryRow is q.QueryRowContext with the cached statement of query.
func (db *DB) queryRow(ctx context.Context, q querier, query string, args ...any) scanner {
	s, err := db.prepared(ctx, q, query)
	if err != nil {
		return errRow{err}
	}
	return s.QueryRowContext(ctx, args...)
}

// errRow is the row of a query whose statement could not be prepared.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }
