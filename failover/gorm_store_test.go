package failover

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

func tableNames(t *testing.T, db *gorm.DB) []string {
	t.Helper()
	names, err := db.Migrator().GetTables()
	require.NoError(t, err)
	slices.Sort(names)
	return names
}

func columnsOf(t *testing.T, db *gorm.DB, table string) []string {
	t.Helper()
	types, err := db.Migrator().ColumnTypes(table)
	require.NoError(t, err)
	var out []string
	for _, ct := range types {
		nullable, _ := ct.Nullable()
		out = append(out, strings.ToLower(ct.Name())+" "+strings.ToLower(ct.DatabaseTypeName())+map[bool]string{true: " null", false: " not null"}[nullable])
	}
	return out
}

// The store's tables have names no appliance table has, or the names the integrator gives.
func TestGormStoreTableNames(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, b testdb.Backend) {
		db := testdb.Open(t, b)
		s, err := NewGormStore(context.Background(), db)
		require.NoError(t, err)
		jobs, leases := s.Tables()
		assert.Equal(t, "failoverkit_jobs", jobs)
		assert.Equal(t, "failoverkit_leases", leases)
		assert.Equal(t, []string{"failoverkit_jobs", "failoverkit_leases"}, tableNames(t, db))

		p, err := NewGormStore(context.Background(), db, WithTablePrefix("omafk_"))
		require.NoError(t, err)
		jobs, leases = p.Tables()
		assert.Equal(t, []string{"omafk_jobs", "omafk_leases"}, []string{jobs, leases})
		require.NoError(t, p.SaveJob(context.Background(), sampleJob("j1", StatusRunning, "vm/a", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))))
		_, err = s.Job(context.Background(), "j1")
		require.ErrorIs(t, err, ErrJobNotFound, "stores with different prefixes do not share jobs")
	})
}

func TestGormStoreRejectsBadPrefix(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	for _, p := range []string{"", "Upper_", "fk-", "1fk_", "fk_; DROP TABLE x", strings.Repeat("a", 41)} {
		_, err := NewGormStore(context.Background(), db, WithTablePrefix(p))
		require.ErrorIs(t, err, ErrInvalidRequest, "prefix %q", p)
	}
	assert.Empty(t, tableNames(t, db), "nothing was created")
}

// A table of the store's name that is not the store's - here one shaped like the appliance's
// own failover_jobs - is refused with the fix, and left exactly as it was.
func TestGormStoreRefusesForeignTable(t *testing.T) {
	t.Parallel()
	foreign := map[testdb.Backend]string{
		testdb.MariaDB: `CREATE TABLE failoverkit_jobs (id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
			job_id VARCHAR(255) NOT NULL UNIQUE, vm_id VARCHAR(255) NOT NULL,
			status ENUM('pending','completed','failed') NOT NULL DEFAULT 'pending')`,
		testdb.Postgres: `CREATE TABLE failoverkit_jobs (id BIGSERIAL PRIMARY KEY, job_id VARCHAR(255) NOT NULL UNIQUE,
			vm_id VARCHAR(255) NOT NULL, status VARCHAR(32) NOT NULL DEFAULT 'pending')`,
		testdb.SQLite: `CREATE TABLE failoverkit_jobs (id INTEGER PRIMARY KEY AUTOINCREMENT, job_id TEXT NOT NULL UNIQUE,
			vm_id TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'pending')`,
	}
	testdb.EachBackend(t, func(t *testing.T, b testdb.Backend) {
		db := testdb.Open(t, b)
		require.NoError(t, db.Exec(foreign[b]).Error)
		before := columnsOf(t, db, "failoverkit_jobs")
		_, err := NewGormStore(context.Background(), db)
		require.ErrorIs(t, err, ErrStore)
		assert.Contains(t, err.Error(), "failoverkit_jobs")
		assert.Contains(t, err.Error(), "fix: ")
		assert.Contains(t, err.Error(), "WithTablePrefix")
		assert.Contains(t, err.Error(), "job_id", "the message says what does not fit")
		assert.Equal(t, before, columnsOf(t, db, "failoverkit_jobs"), "the table is left as it was")

		// A column of the wrong type is refused too.
		db2 := testdb.Open(t, b)
		_, err = NewGormStore(context.Background(), db2)
		require.NoError(t, err)
		require.NoError(t, db2.Exec("DROP TABLE failoverkit_leases").Error)
		ddl := regexp.MustCompile(`pid [A-Z]+`).ReplaceAllString(storeDDL(b, "leases"), "pid VARCHAR(20)")
		require.NoError(t, db2.Exec(ddl).Error)
		_, err = NewGormStore(context.Background(), db2)
		require.ErrorIs(t, err, ErrStore)
		assert.Contains(t, err.Error(), "column pid is not of integer type")
	})
}

func storeDDL(b testdb.Backend, suffix string) string {
	dialect := map[testdb.Backend]string{testdb.MariaDB: "mysql", testdb.Postgres: "postgres", testdb.SQLite: "sqlite"}[b]
	for _, t := range storeTables {
		if t.suffix == suffix {
			return strings.ReplaceAll(t.ddl[dialect][0], "%[1]s", "failoverkit_"+suffix)
		}
	}
	return ""
}
