package database_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/glebarez/sqlite"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/ossea-migrate/failoverkit/credentials/database"
)

// A path with characters SQLite's URI form treats specially still opens that very file,
// so that two such paths never share a database.
func TestSQLiteDSNKeepsOddPathsApart(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for _, name := range []string{"a#1", "a#2", "b?x", "c%41"} {
		path := filepath.Join(dir, name, "oma.db")
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o700))
		db, err := gorm.Open(sqlite.Open(database.SQLiteDSN(path)), &gorm.Config{Logger: gormlogger.Discard})
		require.NoError(t, err)
		require.NoError(t, database.Migrate(context.Background(), db))
		sqlDB, err := db.DB()
		require.NoError(t, err)
		require.NoError(t, sqlDB.Close())
		_, err = os.Stat(path)
		assert.NoError(t, err, "the database is at %s", path)
	}
}
