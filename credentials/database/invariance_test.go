package database_test

import (
	"context"
	"log/slog"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// TestWriterLeavesTheApplianceSchema runs every Writer call - the ones that succeed and the
// ones that are refused - and fetches with usage bookkeeping against the appliance's tables,
// and checks after each that every appliance table's definition is what it was, and that no
// replication context was inserted.
func TestWriterLeavesTheApplianceSchema(t *testing.T) {
	t.Parallel()
	links := []string{appliancedb.LinkCredentialID, appliancedb.LinkVMwareCredentialID}
	appliancedb.EachLink(t, links, func(t *testing.T, backend testdb.Backend, db *gorm.DB, link string) {
		ctx := context.Background()
		appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-1"})
		insert(t, db, "vmware_credentials", vSphereRow("legacy", true, false, "TEMP_PLAINTEXT_"+fakeSecret(t, "pw")))
		before := appliancedb.Snapshot(t, db)
		contexts := count(t, db, "vm_replication_contexts")

		key := newKey(t)
		w, err := database.NewWriter(db, database.WithKey(key))
		require.NoError(t, err)
		keyless, err := database.NewWriter(db)
		require.NoError(t, err)
		src, err := database.New(db, database.WithKey(key), database.WithUsageTracking(4),
			database.WithLogger(slog.New(slog.DiscardHandler)))
		require.NoError(t, err)
		t.Cleanup(func() { _ = src.Close() })

		steps := []struct {
			name string
			call func() error
			ok   bool
		}{
			{"PutCloudStack", func() error { _, err := w.PutCloudStack(ctx, "a", validCloudStack(t, "z")); return err }, true},
			{"CreateCloudStack", func() error { _, err := w.CreateCloudStack(ctx, "b", validCloudStack(t, "z")); return err }, true},
			{"CreateCloudStack exists", func() error { _, err := w.CreateCloudStack(ctx, "b", validCloudStack(t, "z")); return err }, false},
			{"keyless PutCloudStack", func() error { _, err := keyless.PutCloudStack(ctx, "c", validCloudStack(t, "z")); return err }, true},
			{"UpdateCloudStack", func() error { return w.UpdateCloudStack(ctx, "a", validCloudStack(t, "z2")) }, true},
			{"RotateCloudStackKeys", func() error {
				return w.RotateCloudStackKeys(ctx, "a", credentials.NewSecret(fakeSecret(t, "k")), credentials.NewSecret(fakeSecret(t, "s")))
			}, true},
			{"DeactivateCloudStack", func() error { return w.DeactivateCloudStack(ctx, "a") }, true},
			{"ActivateCloudStack", func() error { return w.ActivateCloudStack(ctx, "a") }, true},
			{"DeleteCloudStack", func() error { return w.DeleteCloudStack(ctx, "c") }, true},
			{"PutVSphere", func() error { _, err := w.PutVSphere(ctx, "v1", validVSphere(t, "vc1.example.invalid")); return err }, true},
			{"CreateVSphere", func() error { _, err := w.CreateVSphere(ctx, "v2", validVSphere(t, "vc2.example.invalid")); return err }, true},
			{"keyless PutVSphere", func() error {
				_, err := keyless.PutVSphere(ctx, "v3", validVSphere(t, "vc3.example.invalid"))
				return err
			}, false},
			{"UpdateVSphere", func() error { return w.UpdateVSphere(ctx, "v2", validVSphere(t, "vc2b.example.invalid")) }, true},
			{"RotateVSpherePassword", func() error { return w.RotateVSpherePassword(ctx, "v1", credentials.NewSecret(fakeSecret(t, "pw"))) }, true},
			{"SetDefaultVSphere", func() error { return w.SetDefaultVSphere(ctx, "v1") }, true},
			{"DeactivateVSphere", func() error { return w.DeactivateVSphere(ctx, "v2") }, true},
			{"ActivateVSphere", func() error { return w.ActivateVSphere(ctx, "v2") }, true},
			{"ReencryptPlaintext", func() error { _, err := w.ReencryptPlaintext(ctx); return err }, true},
			{"LinkVM", func() error { return w.LinkVM(ctx, "ctx-1", "v2") }, true},
			{"LinkVM missing context", func() error { return w.LinkVM(ctx, "ctx-missing", "v2") }, false},
			{"DeleteVSphere linked", func() error { return w.DeleteVSphere(ctx, "v2") }, false},
			{"LinkVM clear", func() error { return w.LinkVM(ctx, "ctx-1", "") }, true},
			{"DeleteVSphere", func() error { return w.DeleteVSphere(ctx, "v2") }, true},
			{"fetches", func() error {
				if _, err := src.CloudStack(ctx, credentials.Ref{}); err != nil {
					return err
				}
				if _, err := src.VSphere(ctx, credentials.Ref{}); err != nil {
					return err
				}
				_, err := src.VSphereForVM(ctx, "ctx-1")
				return err
			}, true},
			{"Migrate", func() error { return database.Migrate(ctx, db) }, true},
		}
		for _, step := range steps {
			err := step.call()
			if step.ok {
				require.NoError(t, err, step.name)
			} else {
				require.Error(t, err, step.name)
			}
			appliancedb.RequireSame(t, before, appliancedb.Snapshot(t, db), step.name)
			assert.Equal(t, contexts, count(t, db, "vm_replication_contexts"), "%s inserted no replication context", step.name)
		}
	})
}

// TestMigrateMatchesTheDeployedSchema compares what Migrate creates with the appliance's
// tables as APPLIANCE.md describes them (the appliancedb fixture, written independently):
// ossea_configs and vmware_credentials are identical, vm_replication_contexts holds a subset
// of the deployed definition (its columns, keys and credential_id link), and nothing else is
// created.
func TestMigrateMatchesTheDeployedSchema(t *testing.T) {
	t.Parallel()
	testdb.EachBackend(t, func(t *testing.T, backend testdb.Backend) {
		migratedDB := migrated(t, backend)
		got := appliancedb.Snapshot(t, migratedDB)
		want := appliancedb.Snapshot(t, appliancedb.Open(t, backend))

		for _, table := range []string{"ossea_configs", "vmware_credentials"} {
			assert.Equal(t, want[table], got[table], "%s as Migrate creates it is the deployed table:\n%s", table,
				appliancedb.Schema{table: want[table]}.Diff(appliancedb.Schema{table: got[table]}))
		}
		for _, line := range got["vm_replication_contexts"] {
			assert.True(t, slices.Contains(want["vm_replication_contexts"], line),
				"vm_replication_contexts as Migrate creates it has %q, which the deployed table does not", line)
		}
		assert.NotEqual(t, []string{appliancedb.Absent}, got["vm_replication_contexts"])
		for _, table := range appliancedb.AllTables() {
			if !slices.Contains([]string{"ossea_configs", "vmware_credentials", "vm_replication_contexts"}, table) {
				assert.Equal(t, []string{appliancedb.Absent}, got[table], "Migrate creates no %s", table)
			}
		}

		// The facts code relies on, by behaviour.
		require.NoError(t, migratedDB.Exec("INSERT INTO ossea_configs (name, api_url, api_key, secret_key, zone) VALUES ('x', 'u', 'k', 's', 'z')").Error)
		var active bool
		require.NoError(t, migratedDB.Raw("SELECT is_active FROM ossea_configs WHERE name = 'x'").Scan(&active).Error)
		assert.True(t, active, "is_active defaults to 1")
		cols, err := migratedDB.Migrator().ColumnTypes("vm_replication_contexts")
		require.NoError(t, err)
		names := make([]string, 0, len(cols))
		for _, c := range cols {
			names = append(names, c.Name())
		}
		assert.Contains(t, names, "credential_id")
		assert.NotContains(t, names, "vmware_credential_id")
	})
}

// TestMigrateLeavesTheApplianceSchema runs Migrate on the appliance's own database, with
// either link column: it must change nothing.
func TestMigrateLeavesTheApplianceSchema(t *testing.T) {
	t.Parallel()
	links := []string{appliancedb.LinkCredentialID, appliancedb.LinkVMwareCredentialID, appliancedb.NoLink}
	appliancedb.EachLink(t, links, func(t *testing.T, _ testdb.Backend, db *gorm.DB, _ string) {
		before := appliancedb.Snapshot(t, db)
		require.NoError(t, database.Migrate(context.Background(), db))
		appliancedb.RequireSame(t, before, appliancedb.Snapshot(t, db), "database.Migrate")
	})
}

func count(t *testing.T, db *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	require.NoError(t, db.Raw("SELECT COUNT(*) FROM "+table).Scan(&n).Error)
	return n
}
