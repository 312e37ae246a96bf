package database

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"gorm.io/gorm"
)

// usageTracker records vmware_credentials.last_used and usage_count off the fetch path: a
// fetch only offers the row id to a bounded queue, and one goroutine writes the updates.
type usageTracker struct {
	db      *gorm.DB
	now     func() time.Time
	logger  *slog.Logger
	timeout time.Duration
	queue   chan int64

	ctx       context.Context // ends at close, cutting an update in flight short
	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closeOnce sync.Once

	recorded, dropped, failed atomic.Uint64
	warned                    atomic.Bool
}

func startUsageTracker(db *gorm.DB, cfg config) *usageTracker {
	u := &usageTracker{db: db, now: cfg.now, logger: cfg.logger, timeout: cfg.usageTimeout, queue: make(chan int64, cfg.usageQueue)}
	u.ctx, u.cancel = context.WithCancel(context.Background())
	u.wg.Add(1)
	go u.run()
	return u
}

// record offers id to the queue without ever blocking; it drops the update when the queue
// is full or the tracker is closed.
func (u *usageTracker) record(id int64) {
	if u.ctx.Err() != nil {
		u.dropped.Add(1)
		return
	}
	select {
	case u.queue <- id:
	default:
		u.dropped.Add(1)
	}
}

func (u *usageTracker) run() {
	defer u.wg.Done()
	for {
		select {
		case <-u.ctx.Done():
			return
		case id := <-u.queue:
			u.update(id)
		}
	}
}

func (u *usageTracker) update(id int64) {
	ctx, cancel := context.WithTimeout(u.ctx, u.timeout)
	defer cancel()
	err := u.db.WithContext(ctx).Exec(
		"UPDATE "+tableVSphere+" SET last_used = ?, usage_count = COALESCE(usage_count, 0) + 1 WHERE id = ?",
		u.now().UTC(), id).Error
	if err == nil {
		u.recorded.Add(1)
		return
	}
	u.failed.Add(1)
	if u.ctx.Err() != nil {
		return
	}
	// Warn once: a table without the bookkeeping columns would otherwise log on every fetch.
	level := slog.LevelDebug
	if u.warned.CompareAndSwap(false, true) {
		level = slog.LevelWarn
	}
	u.logger.Log(ctx, level, "credentials: usage bookkeeping update failed; fetches are not affected",
		"source", sourceName, "location", tableVSphere+" id="+strconv.FormatInt(id, 10), "error", err)
}

func (u *usageTracker) close() {
	u.closeOnce.Do(func() {
		u.cancel()
		u.wg.Wait()
	})
}
