package appliance_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// requestDB is an appliance database holding one replicated VM, ctx-1, as the appliance
// records it: three disks (written out of order), their volumes, and network mappings for
// test and live failovers; and a second VM, ctx-2.
func requestDB(t *testing.T) *gorm.DB {
	t.Helper()
	requireMariaDB(t)
	db := appliancedb.Open(t, testdb.MariaDB)
	appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-1", VMName: "web01", VMPath: "/DC1/vm/web01"})
	appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-2", VMName: "db01"})
	exec := func(q string, args ...any) {
		t.Helper()
		require.NoError(t, db.Exec(q, args...).Error)
	}
	exec("UPDATE vm_replication_contexts SET ossea_config_id = 7 WHERE context_id = 'ctx-1'")
	now := time.Now().UTC()
	for _, d := range []struct{ disk, volume string }{{"disk-2002", "vol-c"}, {"disk-2000", "vol-boot"}, {"disk-2001", "vol-b"}} {
		exec("INSERT INTO ossea_volumes (vm_context_id, volume_id, volume_name, size_gb, created_at, updated_at) VALUES ('ctx-1', ?, ?, 10, ?, ?)",
			d.volume, d.volume, now, now)
		exec("INSERT INTO vm_disks (vm_context_id, disk_id, ossea_volume_id, created_at, updated_at) "+
			"SELECT 'ctx-1', ?, id, ?, ? FROM ossea_volumes WHERE volume_id = ?", d.disk, now, now, d.volume)
	}
	for _, m := range []struct {
		source, dest string
		test         bool
	}{{"VM Network", "net-test", true}, {"Backup", "net-test-backup", true}, {"VM Network", "net-live", false}} {
		exec("INSERT INTO network_mappings (vm_id, vm_context_id, source_network_name, destination_network_id, is_test_network) "+
			"VALUES ('web01', 'ctx-1', ?, ?, ?)", m.source, m.dest, m.test)
	}
	exec("INSERT INTO network_mappings (vm_id, vm_context_id, source_network_name, destination_network_id, is_test_network) " +
		"VALUES ('db01', 'ctx-2', 'VM Network', 'net-other', 1)")
	return db
}

func TestRequestForBuildsTheWholeRequestFromTheTables(t *testing.T) {
	t.Parallel()
	db := requestDB(t)
	before := appliancedb.Snapshot(t, db)
	ctx := context.Background()
	volumes := []failover.Volume{{ID: "vol-boot", Boot: true}, {ID: "vol-b"}, {ID: "vol-c"}}

	test, err := appliance.RequestFor(ctx, db, "ctx-1", failover.KindTestFailover)
	require.NoError(t, err)
	assert.Equal(t, failover.Request{
		VM:         vsphere.ByPath("/DC1/vm/web01"),
		VMContext:  "ctx-1",
		CloudStack: credentials.AccountID(7),
		Volumes:    volumes,
		Networks:   failover.NetworkMapping{Test: map[string]string{"VM Network": "net-test", "Backup": "net-test-backup"}},
	}, test)

	live, err := appliance.RequestFor(ctx, db, "ctx-1", failover.KindLiveFailover)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"VM Network": "net-live"}, live.Networks.Live)
	assert.Nil(t, live.Networks.Test, "a live failover gets the live mappings only")
	assert.Equal(t, volumes, live.Volumes)

	// No ossea_config_id: the active CloudStack configuration; no mapping: none.
	require.NoError(t, db.Exec("UPDATE vm_replication_contexts SET ossea_config_id = NULL WHERE context_id = 'ctx-1'").Error)
	require.NoError(t, db.Exec("DELETE FROM network_mappings WHERE vm_context_id = 'ctx-1' AND is_test_network = 0").Error)
	live, err = appliance.RequestFor(ctx, db, "ctx-1", failover.KindLiveFailover)
	require.NoError(t, err)
	assert.True(t, live.CloudStack.IsDefault())
	assert.Nil(t, live.Networks.Live, "a live failover never falls back on the test mappings")

	_, err = appliance.RequestFor(ctx, db, "ctx-1", failover.Kind("rollback"))
	require.ErrorIs(t, err, failover.ErrInvalidRequest)
	appliancedb.RequireSame(t, before, appliancedb.Snapshot(t, db), "RequestFor")
}

// Every missing or inconsistent row is a typed error naming the row and the fix, and all of
// them are reported at once.
func TestRequestForNamesEachBadRowAndItsFix(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		context  string
		change   []string
		category error
		want     []string // parts of the message: the row and the fix
	}{
		"no such context": {context: "ctx-9", category: appliance.ErrNotFound,
			want: []string{"vm_replication_contexts context_id=ctx-9", "add the VM to replication"}},
		"no vm_path": {change: []string{"UPDATE vm_replication_contexts SET vm_path = '' WHERE context_id = 'ctx-1'"},
			category: appliance.ErrNotFound, want: []string{"context_id=ctx-1", "vm_path is empty", "discover the VM again"}},
		"no disks": {change: []string{"DELETE FROM vm_disks"}, category: appliance.ErrNotFound,
			want: []string{"vm_disks of context ctx-1", "replicate the VM first"}},
		"no boot disk": {change: []string{"DELETE FROM vm_disks WHERE disk_id = 'disk-2000'"}, category: appliance.ErrNotFound,
			want: []string{"disk_id=disk-2000 of context ctx-1", "replicate the VM's first disk"}},
		"disk without volume": {change: []string{"UPDATE vm_disks SET ossea_volume_id = NULL WHERE disk_id = 'disk-2001'"},
			category: appliance.ErrNotFound, want: []string{"disk_id=disk-2001 of context ctx-1", "ossea_volume_id is NULL", "finish the VM's replication"}},
		"disk naming a missing volume row": {change: []string{"SET FOREIGN_KEY_CHECKS = 0",
			"UPDATE vm_disks SET ossea_volume_id = 9999 WHERE disk_id = 'disk-2001'"},
			category: appliance.ErrInconsistent, want: []string{"disk_id=disk-2001", "ossea_volume_id 9999 names no ossea_volumes row"}},
		"volume without CloudStack id": {change: []string{"UPDATE ossea_volumes SET volume_id = '' WHERE volume_id = 'vol-b'"},
			category: appliance.ErrInconsistent, want: []string{"ossea_volumes id=", "no CloudStack volume_id", "replicate the VM again"}},
		"volume of another VM": {change: []string{"UPDATE ossea_volumes SET vm_context_id = 'ctx-2' WHERE volume_id = 'vol-c'"},
			category: appliance.ErrInconsistent, want: []string{"volume_id=vol-c", "belongs to context ctx-2", "correct vm_disks.ossea_volume_id"}},
		"two disks, one volume": {change: []string{
			"UPDATE vm_disks SET ossea_volume_id = (SELECT id FROM ossea_volumes WHERE volume_id = 'vol-b') WHERE disk_id = 'disk-2002'"},
			category: appliance.ErrInconsistent, want: []string{"disk_id=disk-2002", "same volume (vol-b) as disk disk-2001"}},
		"disk id the appliance does not write": {change: []string{"UPDATE vm_disks SET disk_id = 'scsi0:1' WHERE disk_id = 'disk-2001'"},
			category: appliance.ErrInconsistent, want: []string{"disk_id=scsi0:1", "disk-<key>"}},
		"mapping without destination": {change: []string{
			"UPDATE network_mappings SET destination_network_id = '' WHERE source_network_name = 'Backup'"},
			category: appliance.ErrInconsistent, want: []string{"network_mappings source_network_name=Backup (test) of context ctx-1", "OMA GUI"}},
		"several problems": {change: []string{"UPDATE vm_replication_contexts SET vm_path = '' WHERE context_id = 'ctx-1'",
			"UPDATE vm_disks SET ossea_volume_id = NULL WHERE disk_id = 'disk-2002'"},
			category: appliance.ErrNotFound, want: []string{"vm_path is empty", "disk_id=disk-2002"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db := requestDB(t)
			require.NoError(t, db.Connection(func(tx *gorm.DB) error {
				for _, q := range tc.change {
					if err := tx.Exec(q).Error; err != nil {
						return err
					}
				}
				return nil
			}))
			id := tc.context
			if id == "" {
				id = "ctx-1"
			}
			_, err := appliance.RequestFor(context.Background(), db, id, failover.KindTestFailover)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.category)
			var ae *appliance.Error
			require.True(t, errors.As(err, &ae))
			assert.NotEmpty(t, ae.Fix)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
