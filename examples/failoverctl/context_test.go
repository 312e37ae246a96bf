package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	mysqldriver "github.com/go-sql-driver/mysql"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

func TestContextUsageErrors(t *testing.T) {
	t.Parallel()
	o := cli(t, nil, "test", "--env", "--context", "ctx-1", "--vm-path", "/DC0/vm/a")
	assert.Equal(t, exitUsage, o.code)
	assert.Contains(t, o.stderr, "--vm-path and --context")

	o = cli(t, nil, "plan", "--context", "ctx-1")
	assert.Equal(t, exitUsage, o.code)
	assert.Contains(t, o.stderr, "--context reads the appliance's tables")

	// A credential database that is not the appliance's has none of its tables to keep.
	f := newLabDB(t)
	o = cli(t, nil, f.flags("test", "--context", "ctx-1")...)
	assert.NotEqual(t, exitOK, o.code)
	assert.Contains(t, o.stderr, "--context needs the appliance's tables")
	assert.Contains(t, o.stderr, "failover_jobs: does not exist")
}

// failoverctl test --context runs a test failover of a VM the appliance replicates, built
// from its tables, and the appliance's tables follow it; rollback puts them back.
func TestContextOnTheApplianceDatabase(t *testing.T) {
	t.Parallel()
	if os.Getenv(testdb.MySQLDSNEnv) == "" {
		testdb.Backends(t)
		t.Skip(testdb.MySQLDSNEnv + " is unset: the appliance's tables exist on MariaDB only")
	}
	ctx := context.Background()
	l, err := failovertest.Start(failovertest.Options{})
	require.NoError(t, err)
	t.Cleanup(l.Close)
	db := appliancedb.Open(t, testdb.MariaDB)

	key := make([]byte, database.KeySize)
	_, _ = rand.Read(key)
	keyPath := filepath.Join(t.TempDir(), "key")
	require.NoError(t, os.WriteFile(keyPath, []byte(base64.StdEncoding.EncodeToString(key)), 0o600))
	w, err := database.NewWriter(db, database.WithKey(key))
	require.NoError(t, err)
	cs, err := l.CloudStackSet(testCloud)
	require.NoError(t, err)
	_, err = w.PutCloudStack(ctx, testCloud, cs)
	require.NoError(t, err)
	_, err = w.PutVSphere(ctx, testVCenter, l.VSphereSet())
	require.NoError(t, err)
	s := l.Sources[0]
	appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-1", VMName: s.Name, VMPath: s.Path})
	require.NoError(t, w.LinkVM(ctx, "ctx-1", testVCenter))
	exec := func(q string, args ...any) { require.NoError(t, db.Exec(q, args...).Error) }
	exec("UPDATE vm_replication_contexts SET current_status = 'ready_for_failover' WHERE context_id = 'ctx-1'")
	for k, vol := range s.VolumeIDs {
		exec("INSERT INTO ossea_volumes (vm_context_id, volume_id, volume_name, size_gb) VALUES ('ctx-1', ?, ?, 10)", vol, vol)
		exec("INSERT INTO vm_disks (vm_context_id, disk_id, ossea_volume_id) SELECT 'ctx-1', ?, id FROM ossea_volumes WHERE volume_id = ?",
			fmt.Sprintf("disk-%d", 2000+k), vol)
		exec("INSERT INTO device_mappings (vm_context_id, volume_uuid, vm_id, device_path, cloudstack_state, linux_state, size) "+
			"VALUES ('ctx-1', ?, ?, ?, 'attached', 'detected', 1)", vol, s.ApplianceVMID, fmt.Sprintf("/dev/vd%c", 'b'+k))
	}
	common := []string{"--db", mariaDSN(t, db), "--key-file", keyPath, "--store", filepath.Join(t.TempDir(), "jobs.db"), "--poll-interval", "5ms"}
	flags := func(args ...string) []string { return append(args, common...) }
	status := func() string {
		var st string
		require.NoError(t, db.Raw("SELECT current_status FROM vm_replication_contexts WHERE context_id = 'ctx-1'").Scan(&st).Error)
		return st
	}

	o := cli(t, nil, flags("test", "--context", "ctx-1", "--json")...)
	require.Equal(t, exitOK, o.code, o.stderr)
	_, res := o.jsonLines(t)
	require.NotNil(t, res.Job)
	assert.Equal(t, failover.StatusSucceeded, res.Job.Status)
	assert.Equal(t, "ctx-1", res.Job.Request.VMContext)
	assert.Equal(t, s.VolumeIDs[0], res.Job.Request.Volumes[0].ID)
	assert.Equal(t, "failed_over_test", status())
	var jobs int64
	require.NoError(t, db.Raw("SELECT COUNT(*) FROM failover_jobs WHERE job_id = ? AND status = 'completed'", res.Job.ID).Scan(&jobs).Error)
	assert.Equal(t, int64(1), jobs)

	o = cli(t, nil, flags("rollback", res.Job.ID, "--json")...)
	require.Equal(t, exitOK, o.code, o.stderr)
	assert.Equal(t, "ready_for_failover", status())
}

// mariaDSN is failoverctl's --db for the MariaDB database db.
func mariaDSN(t *testing.T, db *gorm.DB) string {
	t.Helper()
	cfg, err := mysqldriver.ParseDSN(os.Getenv(testdb.MySQLDSNEnv))
	require.NoError(t, err)
	require.NoError(t, db.Raw("SELECT DATABASE()").Scan(&cfg.DBName).Error)
	return "mysql://" + cfg.FormatDSN()
}
