package database

import (
	"context"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/internal/sqlitefile"
)

// SQLiteDSN returns the DSN for github.com/glebarez/sqlite that this package recommends for a
// database file at path: WAL journal, a busy timeout and immediate write transactions, so that
// many concurrent readers and a writer do not fail with "database is locked". Characters that
// SQLite's URI form would misread in a path (%, # and ?) are escaped.
func SQLiteDSN(path string) string { return sqlitefile.DSN(path) }

// OpenSQLite opens and pings the database file at path with SQLiteDSN, creating it when
// missing. Use it where several processes may open a new file at once: their first
// connections race to switch the file to WAL, and SQLite can refuse a loser at once with
// "database is locked" rather than wait out the busy timeout, so OpenSQLite tries such an
// open again, for up to the busy timeout or until ctx ends.
func OpenSQLite(ctx context.Context, path string, cfg *gorm.Config) (*gorm.DB, error) {
	return sqlitefile.Open(ctx, path, cfg)
}
