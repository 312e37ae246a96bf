package database

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// blockingWrites makes every UPDATE wait until release is closed (or its context ends),
// standing in for a database that is slow to write.
func blockingWrites(t *testing.T, db *gorm.DB, release <-chan struct{}) {
	t.Helper()
	require.NoError(t, db.Callback().Raw().Before("gorm:raw").Register("test:block", func(tx *gorm.DB) {
		select {
		case <-release:
		case <-tx.Statement.Context.Done():
		}
	}))
}

func TestUsageQueueDropsWhenFullAndNeverBlocks(t *testing.T) {
	t.Parallel()
	db := testdb.Open(t, testdb.SQLite)
	require.NoError(t, Migrate(context.Background(), db))
	release := make(chan struct{})
	blockingWrites(t, db, release)
	cfg := sourceConfig([]SourceOption{WithUsageTracking(2), WithLogger(slog.New(slog.DiscardHandler))})
	u := startUsageTracker(db, cfg)

	// The worker takes one id and blocks on it; two more fill the queue; the rest drop.
	for range 100 {
		u.record(1)
	}
	require.Eventually(t, func() bool { return u.dropped.Load() >= 97 }, 5*time.Second, time.Millisecond)
	assert.LessOrEqual(t, u.dropped.Load(), uint64(98), "at most the worker's one and the queue's two are kept")

	// Close cuts the blocked update short and waits for the worker to exit.
	u.close()
	close(release)
	before := u.recorded.Load() + u.failed.Load()
	u.record(1)
	assert.Equal(t, before, u.recorded.Load()+u.failed.Load(), "nothing runs after close")
	u.close()
}

func TestUsageTrackerRecordsAndStops(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := testdb.Open(t, testdb.SQLite)
	require.NoError(t, Migrate(ctx, db))
	require.NoError(t, db.Exec("INSERT INTO vmware_credentials (id, credential_name, vcenter_host, username, password_encrypted, datacenter, usage_count) "+
		"VALUES (5, 'vc', 'vc.example.invalid', 'u', '', 'dc', NULL)").Error)
	cfg := sourceConfig([]SourceOption{WithUsageTracking(64)})
	u := startUsageTracker(db, cfg)
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { u.record(5) })
	}
	wg.Wait()
	require.Eventually(t, func() bool { return u.recorded.Load()+u.dropped.Load() == 10 }, 10*time.Second, 5*time.Millisecond)
	u.close()
	var n int64
	require.NoError(t, db.Raw("SELECT usage_count FROM vmware_credentials WHERE id = 5").Scan(&n).Error)
	assert.Equal(t, int64(u.recorded.Load()), n, "a NULL usage_count counts from zero")
	assert.Zero(t, u.failed.Load())
}

func TestFlagScan(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   any
		want bool
		bad  bool
	}{
		{nil, false, false}, {true, true, false}, {false, false, false}, {int64(1), true, false}, {int64(0), false, false},
		{int64(2), true, false}, {float64(1), true, false}, {[]byte("1"), true, false}, {[]byte{0}, false, false},
		{[]byte{1}, true, false}, {"t", true, false}, {"FALSE", false, false}, {"", false, false}, {" 1 ", true, false},
		{"maybe", false, true}, {time.Now(), false, true},
	}
	for _, tc := range cases {
		var f flag
		err := f.Scan(tc.in)
		if tc.bad {
			assert.Error(t, err, "%#v", tc.in)
			continue
		}
		require.NoError(t, err, "%#v", tc.in)
		assert.Equal(t, tc.want, bool(f), "%#v", tc.in)
	}
}
