// Package sqlitefile builds the DSN the project opens SQLite database files with.
package sqlitefile

import "strings"

// DSN returns the github.com/glebarez/sqlite DSN for a database file at path: WAL journal, a
// busy timeout and immediate write transactions, so that many concurrent readers and a writer
// do not fail with "database is locked". Characters that SQLite's URI form would misread in a
// path (%, # and ?) are escaped.
func DSN(path string) string {
	escaped := strings.NewReplacer("%", "%25", "#", "%23", "?", "%3f").Replace(path)
	return "file:" + escaped + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_txlock=immediate"
}
