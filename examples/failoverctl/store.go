package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ossea-migrate/failoverkit/failover"
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
// was given, else --store. An SQLite store's folder is created on first use.
func (a *app) openStore(ctx context.Context, b *backend) (failover.Store, func(), error) {
	dsn := a.store
	if b != nil && b.storePath != "" && !a.storeSet {
		dsn = b.storePath
	}
	if isSQLite(dsn) {
		if err := os.MkdirAll(filepath.Dir(strings.TrimPrefix(dsn, "file:")), 0o700); err != nil {
			return nil, nil, err
		}
	}
	db, closeDB, err := openDB(ctx, dsn, false, a.logger)
	if err != nil {
		return nil, nil, err
	}
	store, err := failover.NewGormStore(ctx, db)
	if err != nil {
		closeDB()
		return nil, nil, err
	}
	return store, closeDB, nil
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
