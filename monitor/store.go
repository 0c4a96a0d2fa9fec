package monitor

import (
	"context"
	"errors"
)

// Store is what the Checker needs of persistence. store.DB implements it;
// everything else the store offers (listings for the CLI and the web view)
// is used through its concrete type.
type Store interface {
	// State returns the watch's state, creating the watch's row on first use.
	State(ctx context.Context, w Watch) (*State, error)
	// FindVersionByHash returns the id of the watch's version with this text
	// hash, if any.
	FindVersionByHash(ctx context.Context, watch, hash string) (id int64, found bool, err error)
	// Version returns a version with its text, links and fact sheet.
	Version(ctx context.Context, id int64) (*Version, error)
	// RecordCheck writes the whole record in one transaction and returns the
	// events as stored (with IDs and version ids filled in). It returns
	// ErrConflict, writing nothing, when the watch's Seq is no longer
	// rec.BaseSeq.
	RecordCheck(ctx context.Context, rec *CheckRecord) ([]Event, error)
	// Checks returns the watch's last checks, newest first, with their
	// attempts; limit <= 0 returns them all. The Scheduler reads a
	// failing watch's last one to retry it after a restart.
	Checks(ctx context.Context, watch string, limit int) ([]Check, error)
	// Body returns a raw body with its exact bytes: the Checker reads the
	// current version's page again when a capture reads otherwise.
	Body(ctx context.Context, id int64) (*Body, error)
}

// ErrConflict says another writer recorded a check of the same watch since
// the State the record was built from was read.
var ErrConflict = errors.New("watch state changed by another writer")
