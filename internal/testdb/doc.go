// Package testdb opens a fresh, isolated test database per test on each backend the project
// supports: SQLite (always, a file in the test's temporary directory), MariaDB and
// PostgreSQL (when FAILOVERKIT_TEST_MYSQL_DSN / FAILOVERKIT_TEST_POSTGRES_DSN are set).
//
// Typical use:
//
//	for _, b := range testdb.Backends(t) {
//		t.Run(string(b), func(t *testing.T) {
//			db := testdb.Open(t, b)
//			...
//		})
//	}
//
// # Isolation
//
// Every Open creates its own database: a new SQLite file, a MariaDB database fk_<random>, a
// PostgreSQL schema fk_<random>. Cleanup drops it. Packages and tests may therefore run in
// parallel against the same servers.
//
// # Skipping and requiring
//
// Backends skips a server whose DSN is unset, logging why; with FAILOVERKIT_REQUIRE_DB=1 it
// fails instead, so that CI cannot pass without exercising the servers.
//
// # Concurrency
//
// The SQLite file runs in WAL mode with a busy timeout, and transactions take the write lock
// when they begin (_txlock=immediate), so that many concurrent readers and writers wait for
// each other instead of failing with "database is locked".
package testdb
