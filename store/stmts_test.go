package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/policywatch/policywatch/monitor"

	"modernc.org/sqlite"
)

// TestCheckStatementsPreparedOncePerConnection records checks of the kinds
// that recur (a 304, a body seen before, a body whose markup changed) of
// six watches: the first checks of all at once, then more of one, then of
// the others at once while the pool opens and closes connections. Each
// statement is prepared once for the cache; after the first checks none
// is run unprepared, and none is prepared twice on one connection.
// Closing the database closes the statements. Run with -race.
func TestCheckStatementsPreparedOncePerConnection(t *testing.T) {
	ctx := context.Background()
	db, counts := openCounting(t)
	watches := make([]monitor.Watch, 6)
	for i := range watches {
		watches[i] = testWatch
		watches[i].Name = fmt.Sprintf("watch-%d", i)
	}

	// The first checks of each watch, all at once: statements are
	// prepared as they are first needed, in parallel.
	var wg sync.WaitGroup
	for _, w := range watches {
		wg.Go(func() {
			for n := range 4 {
				recurringCheck(t, db, w, n)
			}
		})
	}
	wg.Wait()
	counts.reset()
	db.stmts.mu.Lock()
	cached := len(db.stmts.stmts)
	db.stmts.mu.Unlock()
	if cached == 0 {
		t.Fatal("no statement cached by the first checks")
	}
	for n := 4; n < 16; n++ {
		recurringCheck(t, db, watches[0], n)
	}

	// Connections held at once make the pool open new ones, and given
	// back, all but two are closed (database/sql keeps two idle).
	var held []*sql.Conn
	for range 4 {
		c, err := db.sql.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	for _, c := range held {
		c.Close()
	}
	for _, w := range watches[1:] {
		wg.Go(func() {
			for n := 4; n < 16; n++ {
				recurringCheck(t, db, w, n)
			}
		})
	}
	// Reads of bodies run the chain's statement outside a transaction,
	// beside the checks.
	wg.Go(func() {
		for range 12 {
			if _, err := db.loadPayload(ctx, db.sql, 1, nil); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
	db.stmts.mu.Lock()
	if n := len(db.stmts.stmts); n != cached {
		t.Errorf("the checks after the first cached %d more statements", n-cached)
	}
	db.stmts.mu.Unlock()
	if q := counts.unprepared(); len(q) > 0 {
		t.Errorf("checks ran statements unprepared: %q", q)
	}
	if q := counts.preparedTwice(); len(q) > 0 {
		t.Errorf("statements prepared more than once on a connection: %q", q)
	}
	if stats := db.sql.Stats(); stats.MaxIdleClosed == 0 {
		t.Errorf("the pool closed no connection (%+v): the test does not test that", stats)
	}
	for _, w := range watches {
		st, err := db.State(ctx, w)
		if err != nil {
			t.Fatal(err)
		}
		if st.Seq != 16 {
			t.Errorf("%s: seq %d after 16 checks", w.Name, st.Seq)
		}
	}

	db.stmts.mu.Lock()
	var stmts []*sql.Stmt
	for _, s := range db.stmts.stmts {
		stmts = append(stmts, s)
	}
	db.stmts.mu.Unlock()
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	for _, s := range stmts {
		// A statement left open would report the database closed instead.
		if _, err := s.ExecContext(ctx); err == nil || !strings.Contains(err.Error(), "statement is closed") {
			t.Errorf("statement after Close: %v, want it closed", err)
			break
		}
	}
	if _, err := db.stmt(ctx, `SELECT 1`); err == nil {
		t.Error("a closed database prepared a statement")
	}
}

// recurringCheck records check n of w as the daemon does (State, then
// RecordCheck): the baseline at 0, then in turn a 304, a body whose
// markup changed and the same body again.
func recurringCheck(tb testing.TB, db *DB, w monitor.Watch, n int) {
	tb.Helper()
	ctx := context.Background()
	st, err := db.State(ctx, w)
	if err != nil {
		tb.Errorf("%s: State: %v", w.Name, err)
		return
	}
	if n > 0 && st.Current == nil {
		tb.Errorf("%s: no baseline before check %d", w.Name, n)
		return
	}
	at := t0.Add(time.Duration(n) * 6 * time.Hour)
	attempt := okAttempt(tb, n, at, 0)
	rec := &monitor.CheckRecord{Watch: w, BaseSeq: st.Seq, Started: at, Finished: at, Attempts: []monitor.Attempt{attempt}}
	switch {
	case n == 0:
		rec.Outcome = monitor.OutcomeBaseline
		rec.Body = body(tb, "policy-v1.html", 0, at)
		rec.NewVersion = &monitor.Version{Hash: "h", Text: "text"}
	case n%3 == 1:
		rec.Outcome, rec.SeenVersion = monitor.OutcomeNotModified, st.Current.ID
		rec.Attempts[0].Status = http.StatusNotModified
	case n%3 == 2:
		rec.Outcome, rec.SeenVersion = monitor.OutcomeUnchanged, st.Current.ID
		rec.Body = body(tb, "policy-v1.html", n, at)
	default:
		rec.Outcome, rec.SeenVersion = monitor.OutcomeUnchanged, st.Current.ID
		rec.Body = body(tb, "policy-v1.html", n-1, at)
	}
	if _, err := db.RecordCheck(ctx, rec); err != nil {
		tb.Errorf("%s: RecordCheck %d: %v", w.Name, n, err)
	}
}

// openCounting opens a fresh database as Open does, through a connector
// that counts what each connection prepares and runs.
func openCounting(t *testing.T) (*DB, *countingConnector) {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "policywatch.db")
	connector, err := sqlite.NewConnector(path + "?" + pragmas)
	if err != nil {
		t.Fatal(err)
	}
	counts := &countingConnector{Connector: connector}
	counts.reset()
	sqlDB := sql.OpenDB(counts)
	if err := migrate(ctx, sqlDB); err != nil {
		t.Fatal(err)
	}
	c, err := newCodec()
	if err != nil {
		t.Fatal(err)
	}
	db := &DB{sql: sqlDB, codec: c, path: path}
	t.Cleanup(func() {
		db.stmts.mu.Lock()
		closed := db.stmts.closed
		db.stmts.mu.Unlock()
		if !closed {
			db.Close()
		}
	})
	return db, counts
}

// countingConnector opens SQLite connections that count, by query, the
// statements prepared on each and those run without being prepared.
type countingConnector struct {
	driver.Connector
	mu          sync.Mutex
	conns       int
	prepared    map[connQuery]int
	notPrepared map[string]int
}

type connQuery struct {
	conn  int
	query string
}

// reset forgets the statements prepared and run so far.
func (c *countingConnector) reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.prepared = map[connQuery]int{}
	c.notPrepared = map[string]int{}
}

func (c *countingConnector) unprepared() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var qs []string
	for q := range c.notPrepared {
		qs = append(qs, q)
	}
	return qs
}

func (c *countingConnector) preparedTwice() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var qs []string
	for cq, n := range c.prepared {
		if n > 1 {
			qs = append(qs, fmt.Sprintf("%d times on connection %d: %s", n, cq.conn, cq.query))
		}
	}
	return qs
}

func (c *countingConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conns++
	return &countingConn{sqliteConn: conn.(sqliteConn), counts: c, id: c.conns}, nil
}

// sqliteConn is what database/sql uses of a connection of the SQLite
// driver; countingConn must offer all of it, or database/sql would use the
// connection differently.
type sqliteConn interface {
	driver.Conn
	driver.ConnPrepareContext
	driver.ConnBeginTx
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
}

type countingConn struct {
	sqliteConn
	counts *countingConnector
	id     int
}

func (c *countingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	c.counts.mu.Lock()
	c.counts.prepared[connQuery{c.id, query}]++
	c.counts.mu.Unlock()
	return c.sqliteConn.PrepareContext(ctx, query)
}

func (c *countingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.counts.mu.Lock()
	c.counts.notPrepared[query]++
	c.counts.mu.Unlock()
	return c.sqliteConn.ExecContext(ctx, query, args)
}

func (c *countingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	c.counts.mu.Lock()
	c.counts.notPrepared[query]++
	c.counts.mu.Unlock()
	return c.sqliteConn.QueryContext(ctx, query, args)
}
