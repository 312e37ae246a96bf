package failover

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/driver/mysql"
	"gorm.io/gorm"
	gormlogger "gorm.io/gorm/logger"

	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// openThroughProxy opens a fresh MariaDB test database, and a second handle on it through a
// proxy that can be cut.
func openThroughProxy(t *testing.T) (*gorm.DB, *testdb.Proxy) {
	t.Helper()
	cfg, proxy := testdb.MariaDBThroughProxy(t)
	db, err := gorm.Open(mysql.Open(cfg.FormatDSN()), &gorm.Config{Logger: gormlogger.Discard})
	require.NoError(t, err)
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			_ = sqlDB.Close()
		}
	})
	return db, proxy
}

// The job store (MariaDB) goes away in the middle of a test failover: the operation stops at
// once with one error naming the store, the last durable record and the fix; the job reads
// interrupted - what the operation answered - once the store is back; and a rollback from
// another engine succeeds at once, leaving nothing behind.
func TestStoreOutageMidFlow(t *testing.T) {
	t.Parallel()
	db, proxy := openThroughProxy(t)
	store, err := NewGormStore(context.Background(), db)
	require.NoError(t, err)
	f := newFixture(t, failovertest.Options{VolumesPerVM: 3}, WithStore(store))
	f.store = store
	f.engine.saveTimeout = 3 * time.Second
	f.engine.checkpoint = func(p string) error {
		if p == "before "+string(StepAttachVolumes) {
			proxy.SetCut(true)
		}
		return nil
	}
	job, err := f.engine.TestFailover(context.Background(), f.request(0))
	require.ErrorIs(t, err, ErrStore)
	msg := err.Error()
	assert.Equal(t, 1, strings.Count(msg, "could not be recorded"), "one error, once: %s", msg)
	assert.Contains(t, msg, "fix: bring the job store back, then run Rollback (or Resume) on job "+job.ID)
	assert.Contains(t, msg, "step remove_root_volume done", "the message says what the store last holds")
	assert.Equal(t, StatusInterrupted, job.Status)
	assert.Nil(t, job.Cleanup, "nothing is undone that could not be recorded")

	proxy.SetCut(false)
	other := f.newEngine()
	require.Eventually(t, func() bool {
		j, err := other.Job(context.Background(), job.ID)
		return err == nil && j.Status == StatusInterrupted
	}, 10*time.Second, 20*time.Millisecond, "the record and the operation's answer agree once the store is back")

	back, err := other.Rollback(context.Background(), job.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusRolledBack, back.Status)
	f.requireClean(t, 0, vsphere.PoweredOn)
}
