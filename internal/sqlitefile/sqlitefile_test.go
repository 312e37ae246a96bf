package sqlitefile

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// lockedFile returns a database file another connection holds an exclusive lock on, and a
// function that opens it with a connection that does not wait for locks, which therefore
// fails with a real SQLITE_BUSY while the lock is held.
func lockedFile(t *testing.T) (release func(), open func() (*gorm.DB, error)) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "locked.db")
	holder, err := gorm.Open(sqlite.Open("file:"+path), &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	sqlDB, err := holder.DB()
	require.NoError(t, err)
	sqlDB.SetMaxOpenConns(1)
	t.Cleanup(func() { _ = sqlDB.Close() })
	require.NoError(t, holder.Exec("CREATE TABLE t (id INTEGER)").Error)
	require.NoError(t, holder.Exec("BEGIN EXCLUSIVE").Error)
	release = func() { require.NoError(t, holder.Exec("COMMIT").Error) }
	open = func() (*gorm.DB, error) {
		db, err := gorm.Open(sqlite.Open("file:"+path+"?_pragma=busy_timeout(0)"), &gorm.Config{Logger: logger.Discard})
		if err == nil {
			err = db.Exec("SELECT count(*) FROM t").Error
		}
		if err != nil {
			closeDB(db)
			return nil, err
		}
		t.Cleanup(func() { closeDB(db) })
		return db, nil
	}
	return release, open
}

func TestIsBusy(t *testing.T) {
	t.Parallel()
	release, open := lockedFile(t)
	_, err := open()
	require.Error(t, err)
	assert.True(t, IsBusy(err), "a connection that does not wait meets SQLITE_BUSY: %v", err)
	assert.True(t, IsBusy(errors.Join(errors.New("open"), err)), "wrapped")
	release()
	_, err = open()
	require.NoError(t, err)
	assert.False(t, IsBusy(errors.New("database is locked")), "only SQLite's own error, not its text")
	assert.False(t, IsBusy(nil))
}

// An open refused with SQLITE_BUSY is tried again until the lock is gone; any other error, an
// expired limit or an ended context ends the tries.
func TestRetryBusy(t *testing.T) {
	t.Parallel()
	t.Run("until the lock is released", func(t *testing.T) {
		t.Parallel()
		release, open := lockedFile(t)
		tries := 0
		db, err := retryBusy(context.Background(), time.Minute, func() (*gorm.DB, error) {
			tries++
			if tries == 3 {
				release()
			}
			return open()
		})
		require.NoError(t, err)
		assert.NotNil(t, db)
		assert.Equal(t, 3, tries)
	})
	t.Run("not another error", func(t *testing.T) {
		t.Parallel()
		tries := 0
		_, err := retryBusy(context.Background(), time.Minute, func() (*gorm.DB, error) {
			tries++
			return nil, errors.New("no such file")
		})
		require.Error(t, err)
		assert.Equal(t, 1, tries)
	})
	t.Run("not past the limit", func(t *testing.T) {
		t.Parallel()
		_, open := lockedFile(t)
		_, err := retryBusy(context.Background(), 0, open)
		assert.True(t, IsBusy(err))
	})
	t.Run("not past the context", func(t *testing.T) {
		t.Parallel()
		_, open := lockedFile(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := retryBusy(ctx, time.Minute, open)
		assert.True(t, IsBusy(err))
		assert.ErrorIs(t, err, context.Canceled)
	})
}

func TestOpenCreatesAWALFile(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "new.db")
	db, err := Open(context.Background(), path, &gorm.Config{Logger: logger.Discard})
	require.NoError(t, err)
	t.Cleanup(func() { closeDB(db) })
	var mode string
	require.NoError(t, db.Raw("PRAGMA journal_mode").Scan(&mode).Error)
	assert.Equal(t, "wal", mode)
}
