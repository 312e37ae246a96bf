package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// defaultStorePath is where jobs are kept when --store is not given:
// $XDG_STATE_HOME/failoverctl/jobs.db, else ~/.local/state/failoverctl/jobs.db, else a
// per-user folder under the temporary directory.
func defaultStorePath() string {
	if dir := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, "failoverctl", "jobs.db")
	}
	if home, err := os.UserHomeDir(); err == nil && home != "" {
		return filepath.Join(home, ".local", "state", "failoverctl", "jobs.db")
	}
	return filepath.Join(os.TempDir(), "failoverctl-"+strconv.Itoa(os.Getuid()), "jobs.db")
}

// openStore opens the job store: in simulator mode the run's temporary file unless --store
// was given, else --store. An SQLite store's folder is created on first use. Its failures
// are the store's (storeFailed), never the credential source's.
func (a *app) openStore(ctx context.Context, b *backend) (failover.Store, func(), error) {
	dsn := a.store
	if b != nil && b.storePath != "" && !a.storeSet {
		dsn = b.storePath
	}
	a.storeUsed = dsn
	if isSQLite(dsn) {
		if err := os.MkdirAll(filepath.Dir(strings.TrimPrefix(dsn, "file:")), 0o700); err != nil {
			return nil, nil, &storeFailed{store: displayDSN(dsn), err: err}
		}
	}
	db, closeDB, err := connectDB(ctx, dsn, a.logger)
	if err != nil {
		return nil, nil, &storeFailed{store: displayDSN(dsn), err: fmt.Errorf("cannot open the database: %w", err)}
	}
	store, err := failover.NewGormStore(ctx, db)
	if err != nil {
		closeDB()
		return nil, nil, &storeFailed{store: displayDSN(dsn), err: err}
	}
	return store, closeDB, nil
}

// storeFailed is a job store failure as failoverctl reports it: naming --store, so that it is
// never taken for a problem of the credential source, and matching failover.ErrStore.
type storeFailed struct {
	// store is the store's DSN without its password.
	store string
	err   error
}

func (e *storeFailed) Error() string {
	msg, _ := fkerrors.Explain(e.err)
	return "job store (--store " + e.store + ") failed: " + msg
}

func (e *storeFailed) Unwrap() []error {
	return []error{failover.ErrStore, fkerrors.Unavailable, e.err}
}

// Remedy is the library's, when it knows what the job's record holds and what to run next;
// else how to get the store back.
func (e *storeFailed) Remedy() string {
	if r := fkerrors.Remedy(e.err); r != "" {
		return r
	}
	return "check that the job store's database (--store or FAILOVERCTL_STORE) answers and that its user may connect, read and write, then run the command again"
}

// asStoreFailure names --store in an error of the job store that does not name it yet.
func (a *app) asStoreFailure(err error) error {
	var sf *storeFailed
	if err == nil || !errors.Is(err, failover.ErrStore) || errors.As(err, &sf) {
		return err
	}
	dsn := a.storeUsed
	if dsn == "" {
		dsn = a.store
	}
	return &storeFailed{store: displayDSN(dsn), err: err}
}

// storeExists says whether --store names an existing database: a missing SQLite file means
// there are no jobs yet, which status reports rather than creating the file.
func (a *app) storeExists() bool {
	if !isSQLite(a.store) {
		return true
	}
	_, err := os.Stat(strings.TrimPrefix(a.store, "file:"))
	return err == nil
}
