package appliancedb_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

func TestCreateBuildsTheTablesWithTheLinkColumnAsked(t *testing.T) {
	t.Parallel()
	links := []string{appliancedb.LinkCredentialID, appliancedb.LinkVMwareCredentialID, appliancedb.NoLink}
	appliancedb.EachLink(t, links, func(t *testing.T, backend testdb.Backend, db *gorm.DB, link string) {
		s := appliancedb.Snapshot(t, db)
		built := appliancedb.Tables(db)
		for _, table := range appliancedb.AllTables() {
			if contains(built, table) {
				assert.NotEqual(t, []string{appliancedb.Absent}, s[table], "%s is built", table)
			} else {
				assert.Equal(t, []string{appliancedb.Absent}, s[table], "%s is not built on %s", table, backend)
			}
		}
		if backend == testdb.MariaDB {
			assert.Len(t, built, 9)
		}
		ctxDef := strings.Join(s["vm_replication_contexts"], "\n")
		for _, col := range []string{appliancedb.LinkCredentialID, appliancedb.LinkVMwareCredentialID} {
			has := hasColumn(t, db, "vm_replication_contexts", col)
			assert.Equal(t, col == link, has, "column %s", col)
		}
		assert.Equal(t, link != "", strings.Contains(ctxDef, "fk_vm_replication_contexts_credential") ||
			(backend == testdb.SQLite && strings.Contains(ctxDef, "REFERENCES vmware_credentials")))
		assert.Equal(t, s, appliancedb.Snapshot(t, db), "a second snapshot of an unchanged database is the same")
	})
}

// TestFixtureHoldsTheDeployedFacts checks the facts of APPLIANCE.md that code depends on,
// by behaviour rather than by reading the DDL back.
func TestFixtureHoldsTheDeployedFacts(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		db := appliancedb.Open(t, backend)
		require.NoError(t, db.Exec("INSERT INTO ossea_configs (name, api_url, api_key, secret_key, zone) VALUES ('a', 'u', 'k', 's', 'z')").Error)
		var active int
		require.NoError(t, db.Raw("SELECT CASE WHEN is_active THEN 1 ELSE 0 END FROM ossea_configs WHERE name = 'a'").Scan(&active).Error)
		assert.Equal(t, 1, active, "is_active defaults to 1")
		assert.Error(t, db.Exec("INSERT INTO ossea_configs (name, api_url, api_key, secret_key, zone) VALUES ('a', 'u', 'k', 's', 'z')").Error,
			"name is UNIQUE")
		assert.Error(t, db.Exec("INSERT INTO ossea_configs (name, api_url, api_key, secret_key) VALUES ('b', 'u', 'k', 's')").Error,
			"zone is NOT NULL without a default")

		require.NoError(t, db.Exec("INSERT INTO vmware_credentials (credential_name, vcenter_host, username, password_encrypted, datacenter) "+
			"VALUES ('vc', 'h', 'u', 'p', 'dc')").Error)
		var flags struct{ Active, Default, Uses int }
		require.NoError(t, db.Raw("SELECT CASE WHEN is_active THEN 1 ELSE 0 END AS active, CASE WHEN is_default THEN 1 ELSE 0 END AS \"default\", "+
			"usage_count AS uses FROM vmware_credentials").Scan(&flags).Error)
		assert.Equal(t, struct{ Active, Default, Uses int }{1, 0, 0}, flags)

		appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-1", VMName: "web"})
		var status string
		require.NoError(t, db.Raw("SELECT current_status FROM vm_replication_contexts WHERE context_id = 'ctx-1'").Scan(&status).Error)
		assert.Equal(t, "discovered", status)
		assert.Error(t, db.Exec("UPDATE vm_replication_contexts SET current_status = 'on_holiday'").Error, "current_status is an enum")
		assert.Error(t, db.Exec("UPDATE vm_replication_contexts SET last_operation_summary = '{not json'").Error, "the summary must be JSON")
		require.NoError(t, db.Exec(`UPDATE vm_replication_contexts SET last_operation_summary = '{"job_id":"j"}'`).Error)
		assert.Error(t, db.Exec("INSERT INTO vm_replication_contexts (context_id, vm_name) VALUES ('ctx-2', 'x')").Error,
			"the appliance's NOT NULL columns have no defaults")
		assert.Error(t, db.Exec("INSERT INTO vm_replication_contexts (context_id, vm_name, vmware_vm_id, vm_path, vcenter_host, datacenter) "+
			"VALUES ('ctx-3', 'web', 'other', '/p', 'vcenter.example.invalid', 'dc')").Error, "UNIQUE (vm_name, vcenter_host)")

		if backend == testdb.SQLite {
			return // foreign keys are off unless a connection turns them on
		}
		assert.Error(t, db.Exec("UPDATE vm_replication_contexts SET credential_id = 999").Error, "credential_id references vmware_credentials")
		require.NoError(t, db.Exec("UPDATE vm_replication_contexts SET credential_id = (SELECT id FROM vmware_credentials)").Error)
		require.NoError(t, db.Exec("DELETE FROM vmware_credentials").Error)
		var linked int64
		require.NoError(t, db.Raw("SELECT COUNT(*) FROM vm_replication_contexts WHERE credential_id IS NOT NULL").Scan(&linked).Error)
		assert.Zero(t, linked, "ON DELETE SET NULL")
	})
}

func TestMariaDBFixtureHasEveryTable(t *testing.T) {
	t.Parallel()
	if !contains(testdb.Backends(t), testdb.MariaDB) {
		t.Skip("MariaDB is not configured")
	}
	db := appliancedb.Open(t, testdb.MariaDB)
	s := appliancedb.Snapshot(t, db)
	for _, table := range appliancedb.AllTables() {
		def := strings.Join(s[table], "\n")
		assert.Contains(t, def, "ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci", table)
	}
	assert.Contains(t, strings.Join(s["failover_jobs"], "\n"),
		"`status` enum('pending','validating','snapshotting','creating_vm','switching_volume','powering_on','completed','failed','cleanup','reverting') NOT NULL DEFAULT 'pending'")
	assert.Contains(t, strings.Join(s["vmware_credentials"], "\n"), "`updated_at` timestamp NULL DEFAULT current_timestamp() ON UPDATE current_timestamp()")
	assert.Contains(t, strings.Join(s["replication_jobs"], "\n"), "REFERENCES `vm_replication_contexts` (`context_id`) ON DELETE CASCADE")
	assert.Contains(t, strings.Join(s["vm_replication_contexts"], "\n"), "REFERENCES `replication_jobs` (`id`) ON DELETE SET NULL")

	// failover_jobs takes the appliance's own rows, with its defaults.
	appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-1"})
	require.NoError(t, db.Exec("INSERT INTO failover_jobs (vm_context_id, job_id, vm_id, job_type, source_vm_name) VALUES ('ctx-1', 'j1', 'vm', 'test', 'web')").Error)
	var status string
	require.NoError(t, db.Raw("SELECT status FROM failover_jobs WHERE job_id = 'j1'").Scan(&status).Error)
	assert.Equal(t, "pending", status)
	assert.Error(t, db.Exec("INSERT INTO failover_jobs (vm_context_id, vm_id, job_type, source_vm_name) VALUES ('ctx-1', 'vm', 'test', 'web')").Error,
		"job_id has no default")
}

// TestSnapshotSeesEveryKindOfChange is what makes an invariance check able to fail: each
// change to a table's definition shows in the diff, on every backend, as the line changed.
func TestSnapshotSeesEveryKindOfChange(t *testing.T) {
	t.Parallel()
	type change struct {
		name  string
		table string
		ddl   map[testdb.Backend]string
		shows map[testdb.Backend]string // a line of the new definition ("+ ...") or the old one ("- ...")
	}
	all := func(s string) map[testdb.Backend]string {
		return map[testdb.Backend]string{testdb.MariaDB: s, testdb.Postgres: s, testdb.SQLite: s}
	}
	changes := []change{
		{name: "column added", table: "vmware_credentials", ddl: all("ALTER TABLE vmware_credentials ADD COLUMN kind varchar(32)"),
			shows: map[testdb.Backend]string{testdb.MariaDB: "+ `kind` varchar(32) DEFAULT NULL",
				testdb.Postgres: "+ COLUMN kind character varying(32)", testdb.SQLite: "+ kind varchar(32)"}},
		{name: "column type altered", table: "failover_jobs", ddl: map[testdb.Backend]string{
			testdb.MariaDB: "ALTER TABLE failover_jobs MODIFY status varchar(32) NOT NULL",
		}, shows: map[testdb.Backend]string{testdb.MariaDB: "+ `status` varchar(32) NOT NULL"}},
		{name: "column type altered", table: "vm_replication_contexts", ddl: map[testdb.Backend]string{
			testdb.Postgres: "ALTER TABLE vm_replication_contexts ALTER COLUMN current_status TYPE varchar(40)",
			testdb.SQLite:   "sqlite-rebuild vm_replication_contexts|current_status varchar(32)|current_status varchar(40)",
		}, shows: map[testdb.Backend]string{testdb.Postgres: "+ COLUMN current_status character varying(40) NOT NULL",
			testdb.SQLite: "+ current_status varchar(40) NOT NULL"}},
		{name: "default altered", table: "ossea_configs", ddl: map[testdb.Backend]string{
			testdb.MariaDB:  "ALTER TABLE ossea_configs ALTER COLUMN is_active SET DEFAULT 0",
			testdb.Postgres: "ALTER TABLE ossea_configs ALTER COLUMN is_active SET DEFAULT false",
			testdb.SQLite:   "sqlite-rebuild ossea_configs|is_active tinyint(1) DEFAULT 1|is_active tinyint(1) DEFAULT 0",
		}, shows: map[testdb.Backend]string{testdb.MariaDB: "+ `is_active` tinyint(1) DEFAULT 0",
			testdb.Postgres: "+ COLUMN is_active boolean DEFAULT false", testdb.SQLite: "+ is_active tinyint(1) DEFAULT 0"}},
		{name: "nullability altered", table: "ossea_configs", ddl: map[testdb.Backend]string{
			testdb.MariaDB:  "ALTER TABLE ossea_configs MODIFY created_at datetime(3) NOT NULL",
			testdb.Postgres: "ALTER TABLE ossea_configs ALTER COLUMN created_at SET NOT NULL",
			testdb.SQLite:   "sqlite-rebuild ossea_configs|created_at datetime(3) DEFAULT NULL|created_at datetime(3) NOT NULL",
		}, shows: map[testdb.Backend]string{testdb.MariaDB: "+ `created_at` datetime(3) NOT NULL",
			testdb.Postgres: "+ COLUMN created_at timestamp(3) without time zone NOT NULL", testdb.SQLite: "+ created_at datetime(3) NOT NULL"}},
		{name: "index added", table: "vmware_credentials", ddl: all("CREATE INDEX idx_probe ON vmware_credentials (username)"),
			shows: all("idx_probe")},
		{name: "foreign key dropped", table: "vm_replication_contexts", ddl: map[testdb.Backend]string{
			testdb.MariaDB:  "ALTER TABLE vm_replication_contexts DROP FOREIGN KEY fk_vm_replication_contexts_credential",
			testdb.Postgres: "ALTER TABLE vm_replication_contexts DROP CONSTRAINT fk_vm_replication_contexts_credential",
			testdb.SQLite:   "sqlite-rebuild vm_replication_contexts| REFERENCES vmware_credentials (id) ON DELETE SET NULL|",
		}, shows: all("- ")},
		{name: "table dropped", table: "ossea_configs", ddl: all("DROP TABLE ossea_configs"), shows: all("+ " + appliancedb.Absent)},
	}
	for _, backend := range testdb.Backends(t) {
		for _, c := range changes {
			stmt, ok := c.ddl[backend]
			if !ok {
				continue
			}
			t.Run(string(backend)+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				db := appliancedb.Open(t, backend)
				before := appliancedb.Snapshot(t, db)
				apply(t, db, stmt)
				after := appliancedb.Snapshot(t, db)
				diff := before.Diff(after)
				require.NotEmpty(t, diff)
				assert.Contains(t, diff, "table "+c.table+":")
				assert.Contains(t, diff, c.shows[backend])
				for _, other := range appliancedb.AllTables() {
					if other != c.table {
						assert.NotContains(t, diff, "table "+other+":", "only the changed table differs")
					}
				}

				tb := &recordingTB{TB: t}
				appliancedb.RequireSame(tb, before, after, "the probe")
				assert.Contains(t, tb.failed, "the probe changed the appliance's schema")
				assert.Contains(t, tb.failed, diff)
			})
		}
	}
}

// apply runs a change: plain SQL (with foreign key checks off on MariaDB, so that a table
// others reference can be dropped), or "sqlite-rebuild table|old|new", the way SQLite alters a
// column: a new table with the changed definition, the rows copied over, the old one dropped
// and the new one renamed. The rebuilt table keeps its original CREATE text apart from the
// change, so that the diff shows only that change.
func apply(t *testing.T, db *gorm.DB, stmt string) {
	t.Helper()
	rebuild, ok := strings.CutPrefix(stmt, "sqlite-rebuild ")
	if !ok {
		require.NoError(t, db.Connection(func(tx *gorm.DB) error {
			if db.Dialector.Name() == "mysql" {
				if err := tx.Exec("SET FOREIGN_KEY_CHECKS=0").Error; err != nil {
					return err
				}
			}
			return tx.Exec(stmt).Error
		}))
		return
	}
	parts := strings.SplitN(rebuild, "|", 3)
	table, old, repl := parts[0], parts[1], parts[2]
	var ddl string
	require.NoError(t, db.Raw("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", table).Scan(&ddl).Error)
	require.Contains(t, ddl, old)
	changed := strings.Replace(ddl, old, repl, 1)
	require.NoError(t, db.Connection(func(tx *gorm.DB) error {
		for _, s := range []string{
			strings.Replace(changed, "CREATE TABLE "+table, "CREATE TABLE "+table+"_rebuilt", 1),
			"INSERT INTO " + table + "_rebuilt SELECT * FROM " + table,
			"DROP TABLE " + table,
			// Renaming would quote the name in the stored text; writing the text back
			// through a second rebuild keeps it as the appliance's DDL has it.
			changed,
			"INSERT INTO " + table + " SELECT * FROM " + table + "_rebuilt",
			"DROP TABLE " + table + "_rebuilt",
		} {
			if err := tx.Exec(s).Error; err != nil {
				return err
			}
		}
		return nil
	}))
}

func TestSnapshotIgnoresRowsAndCounters(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		db := appliancedb.Open(t, backend)
		before := appliancedb.Snapshot(t, db)
		for i := range 3 {
			require.NoError(t, db.Exec("INSERT INTO ossea_configs (name, api_url, api_key, secret_key, zone) VALUES (?, 'u', 'k', 's', 'z')",
				fmt.Sprintf("c%d", i)).Error)
			require.NoError(t, db.Exec("INSERT INTO vmware_credentials (credential_name, vcenter_host, username, password_encrypted, datacenter) "+
				"VALUES (?, 'h', 'u', 'p', 'dc')", fmt.Sprintf("v%d", i)).Error)
		}
		require.NoError(t, db.Exec("DELETE FROM ossea_configs WHERE name = 'c2'").Error)
		tb := &recordingTB{TB: t}
		appliancedb.RequireSame(tb, before, appliancedb.Snapshot(t, db), "inserting rows")
		assert.Empty(t, tb.failed, "AUTO_INCREMENT counters and sequences are not part of the schema")
	})
}

func TestLineDiffIsReadable(t *testing.T) {
	t.Parallel()
	before := appliancedb.Schema{"failover_jobs": {"CREATE TABLE `failover_jobs` (", "`id` bigint(20)", "`status` enum('pending')", ")"}}
	after := appliancedb.Schema{"failover_jobs": {"CREATE TABLE `failover_jobs` (", "`id` bigint(20)", "`status` varchar(32)", "`kind` varchar(32)", ")"}}
	assert.Equal(t, "table failover_jobs:\n  - `status` enum('pending')\n  + `status` varchar(32)\n  + `kind` varchar(32)\n", before.Diff(after))
	assert.Empty(t, before.Diff(before))
}

// recordingTB records a Fatalf instead of ending the test, to test RequireSame's failure.
type recordingTB struct {
	testing.TB
	failed string
}

func (r *recordingTB) Helper() {}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

func hasColumn(t *testing.T, db *gorm.DB, table, column string) bool {
	t.Helper()
	cols, err := db.Migrator().ColumnTypes(table)
	require.NoError(t, err)
	for _, c := range cols {
		if c.Name() == column {
			return true
		}
	}
	return false
}
