package testdb

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWithSearchPath(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"host=127.0.0.1 user=postgres dbname=test sslmode=disable", "host=127.0.0.1 user=postgres dbname=test sslmode=disable search_path=fk_x"},
		{"postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "postgres://postgres@127.0.0.1:5432/test?search_path=fk_x&sslmode=disable"},
		{"postgresql://127.0.0.1/test", "postgresql://127.0.0.1/test?search_path=fk_x"},
	}
	for _, tc := range cases {
		got, err := withSearchPath(tc.in, "fk_x")
		require.NoError(t, err)
		assert.Equal(t, tc.want, got)
	}
}

// fatalTB records the first Fatalf instead of stopping the test.
type fatalTB struct {
	testing.TB
	fatal string
}

func (f *fatalTB) Helper()             {}
func (f *fatalTB) Logf(string, ...any) {}
func (f *fatalTB) Fatalf(s string, a ...any) {
	if f.fatal == "" {
		f.fatal = fmt.Sprintf(s, a...)
	}
}

// TestBackendsRequire is not parallel: it sets the process environment.
func TestBackendsRequire(t *testing.T) {
	t.Setenv(MySQLDSNEnv, "")
	t.Setenv(PostgresDSNEnv, "")

	t.Setenv(RequireEnv, "")
	tb := &fatalTB{TB: t}
	assert.Equal(t, []Backend{SQLite}, Backends(tb))
	assert.Empty(t, tb.fatal, "unset DSNs skip")

	t.Setenv(RequireEnv, "1")
	tb = &fatalTB{TB: t}
	Backends(tb)
	assert.Contains(t, tb.fatal, MySQLDSNEnv, "with FAILOVERKIT_REQUIRE_DB=1 a missing DSN fails")

	t.Setenv(MySQLDSNEnv, "root@tcp(127.0.0.1:1)/test")
	t.Setenv(PostgresDSNEnv, "host=127.0.0.1 port=1")
	tb = &fatalTB{TB: t}
	assert.Equal(t, []Backend{SQLite, MariaDB, Postgres}, Backends(tb))
	assert.Empty(t, tb.fatal)
}

func TestOpenSQLiteIsolated(t *testing.T) {
	t.Parallel()
	a, b := Open(t, SQLite), Open(t, SQLite)
	require.NoError(t, a.Exec("CREATE TABLE only_in_a (id integer)").Error)
	assert.True(t, a.Migrator().HasTable("only_in_a"))
	assert.False(t, b.Migrator().HasTable("only_in_a"))
}
