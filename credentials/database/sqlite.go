package database

import "github.com/ossea-migrate/failoverkit/internal/sqlitefile"

// SQLiteDSN returns the DSN for github.com/glebarez/sqlite that this package recommends for a
// database file at path: WAL journal, a busy timeout and immediate write transactions, so that
// many concurrent readers and a writer do not fail with "database is locked". Characters that
// SQLite's URI form would misread in a path (%, # and ?) are escaped.
func SQLiteDSN(path string) string { return sqlitefile.DSN(path) }
