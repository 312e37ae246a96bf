// Package sqlitefile builds the DSN the project opens SQLite database files with, and opens
// them.
package sqlitefile

import (
	"context"
	"errors"
	"strings"
	"time"

	gosqlite "github.com/glebarez/go-sqlite"
	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
)

// BusyTimeout is how long a connection opened with DSN waits for another's lock.
const BusyTimeout = 10 * time.Second

// DSN returns the github.com/glebarez/sqlite DSN for a database file at path: WAL journal, a
// busy timeout and immediate write transactions, so that many concurrent readers and a writer
// do not fail with "database is locked". Characters that SQLite's URI form would misread in a
// path (%, # and ?) are escaped.
func DSN(path string) string {
	escaped := strings.NewReplacer("%", "%25", "#", "%23", "?", "%3f").Replace(path)
	return "file:" + escaped + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}

// Open opens and pings the database file at path with DSN(path), creating it when missing.
// The first connections to a new file, from several processes at once, race to switch it to
// WAL, and SQLite can refuse a loser at once with SQLITE_BUSY rather than wait out the busy
// timeout (a connection holding a read lock is not made to wait for a write lock, which could
// deadlock); so an open that fails with SQLITE_BUSY is tried again, for up to BusyTimeout or
// until ctx ends.
func Open(ctx context.Context, path string, cfg *gorm.Config) (*gorm.DB, error) {
	return retryBusy(ctx, BusyTimeout, func() (*gorm.DB, error) {
		db, err := gorm.Open(sqlite.Open(DSN(path)), cfg)
		if err == nil {
			var sqlDB interface{ PingContext(context.Context) error }
			if sqlDB, err = db.DB(); err == nil {
				err = sqlDB.PingContext(ctx)
			}
		}
		if err != nil {
			closeDB(db)
			return nil, err
		}
		return db, nil
	})
}

// retryBusy calls open until it returns something other than an SQLITE_BUSY error, for up to
// limit or until ctx ends, waiting a little longer each time.
func retryBusy(ctx context.Context, limit time.Duration, open func() (*gorm.DB, error)) (*gorm.DB, error) {
	deadline := time.Now().Add(limit)
	delay := 5 * time.Millisecond
	for {
		db, err := open()
		if err == nil || !IsBusy(err) || time.Now().Add(delay).After(deadline) {
			return db, err
		}
		select {
		case <-ctx.Done():
			return nil, errors.Join(err, ctx.Err())
		case <-time.After(delay):
		}
		delay = min(2*delay, 200*time.Millisecond)
	}
}

// IsBusy reports whether err is SQLite's SQLITE_BUSY ("database is locked"), in any of its
// extended forms.
func IsBusy(err error) bool {
	var se *gosqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == 5
}

func closeDB(db *gorm.DB) {
	if db == nil {
		return
	}
	if sqlDB, err := db.DB(); err == nil {
		_ = sqlDB.Close()
	}
}
