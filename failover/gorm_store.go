package failover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// GormStore is a Store over gorm: SQLite (the embedded default), MariaDB or PostgreSQL. Several
// processes may share one database; leases keep them off each other's VMs.
//
// It keeps each job as one row holding the job as JSON, beside the columns that lookups
// filter on, so that saving a job is a single-row write.
type GormStore struct {
	db  *gorm.DB
	now func() time.Time
}

var migrateMu sync.Mutex

type jobRow struct {
	ID        string    `gorm:"column:id;primaryKey;size:64"`
	Kind      string    `gorm:"column:kind;size:32;not null"`
	Status    string    `gorm:"column:status;size:32;not null;index"`
	VMKey     string    `gorm:"column:vm_key;size:191;not null;index"`
	Body      string    `gorm:"column:body;not null"`
	CreatedAt time.Time `gorm:"column:created_at;not null"`
	UpdatedAt time.Time `gorm:"column:updated_at;not null"`
}

func (jobRow) TableName() string { return "failover_jobs" }

type leaseRow struct {
	Key       string `gorm:"column:lease_key;primaryKey;size:191"`
	Holder    string `gorm:"column:holder;size:191;not null"`
	ExpiresMS int64  `gorm:"column:expires_ms;not null"`
}

func (leaseRow) TableName() string { return "failover_leases" }

// NewGormStore returns a store over db, creating its two tables (failover_jobs,
// failover_leases) when they do not exist. It touches no other table.
func NewGormStore(ctx context.Context, db *gorm.DB) (*GormStore, error) {
	if db == nil {
		return nil, fmt.Errorf("%w: NewGormStore needs a *gorm.DB", ErrInvalidRequest)
	}
	// Processes opening one new database at once race to create the tables, and the losers'
	// CREATE fails; a second pass finds the tables there and leaves them be.
	var err error
	for attempt := range 5 {
		// gorm's MySQL dialect caches what it learns of the server without a lock, so
		// migrations in one process take turns.
		migrateMu.Lock()
		err = db.WithContext(ctx).AutoMigrate(&jobRow{}, &leaseRow{})
		migrateMu.Unlock()
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("failover: create job store tables: %w", errors.Join(err, ctx.Err()))
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	if err != nil {
		return nil, fmt.Errorf("failover: create job store tables: %w", err)
	}
	return &GormStore{db: db, now: time.Now}, nil
}

// SaveJob implements Store.
func (s *GormStore) SaveJob(ctx context.Context, job *Job) error {
	body, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("failover: encode job %s: %w", job.ID, err)
	}
	row := jobRow{ID: job.ID, Kind: string(job.Kind), Status: string(job.Status), VMKey: job.VMKey,
		Body: string(body), CreatedAt: job.CreatedAt.UTC(), UpdatedAt: job.UpdatedAt.UTC()}
	err = s.db.WithContext(ctx).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"kind", "status", "vm_key", "body", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return fmt.Errorf("failover: save job %s: %w", job.ID, err)
	}
	return nil
}

// Job implements Store.
func (s *GormStore) Job(ctx context.Context, id string) (*Job, error) {
	var rows []jobRow
	if err := s.db.WithContext(ctx).Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("failover: read job %s: %w", id, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("%w: %q", ErrJobNotFound, id)
	}
	return decodeJob(rows[0])
}

// Jobs implements Store.
func (s *GormStore) Jobs(ctx context.Context, filter JobFilter) ([]*Job, error) {
	q := s.db.WithContext(ctx).Order("created_at, id")
	if filter.VMKey != "" {
		q = q.Where("vm_key = ?", filter.VMKey)
	}
	if len(filter.Status) > 0 {
		statuses := make([]string, len(filter.Status))
		for i, st := range filter.Status {
			statuses[i] = string(st)
		}
		q = q.Where("status IN ?", statuses)
	}
	var rows []jobRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("failover: list jobs: %w", err)
	}
	jobs := make([]*Job, 0, len(rows))
	for _, r := range rows {
		j, err := decodeJob(r)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

func decodeJob(r jobRow) (*Job, error) {
	var j Job
	if err := json.Unmarshal([]byte(r.Body), &j); err != nil {
		return nil, fmt.Errorf("failover: job %s in the store is not readable (%v); inspect row id=%s of failover_jobs", r.ID, err, r.ID)
	}
	return &j, nil
}

// AcquireLease implements Store. An update takes over a free or expired lease; when there is
// no row, an insert races any other process and the primary key picks one winner.
func (s *GormStore) AcquireLease(ctx context.Context, key, holder string, ttl time.Duration) error {
	now := s.now()
	expires := now.Add(ttl).UnixMilli()
	db := s.db.WithContext(ctx)
	res := db.Model(&leaseRow{}).
		Where("lease_key = ? AND (holder = ? OR expires_ms < ?)", key, holder, now.UnixMilli()).
		Updates(map[string]any{"holder": holder, "expires_ms": expires})
	if res.Error != nil {
		return fmt.Errorf("failover: take lease on %s: %w", key, res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	insertErr := db.Create(&leaseRow{Key: key, Holder: holder, ExpiresMS: expires}).Error
	if insertErr == nil {
		return nil
	}
	var cur leaseRow
	if err := db.Where("lease_key = ?", key).Take(&cur).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return fmt.Errorf("failover: take lease on %s: %w", key, insertErr)
		}
		return fmt.Errorf("failover: take lease on %s: %w", key, errors.Join(insertErr, err))
	}
	if cur.Holder == holder {
		return nil
	}
	return busy(key, cur.Holder)
}

// RenewLease implements Store.
func (s *GormStore) RenewLease(ctx context.Context, key, holder string, ttl time.Duration) error {
	res := s.db.WithContext(ctx).Model(&leaseRow{}).
		Where("lease_key = ? AND holder = ?", key, holder).
		Update("expires_ms", s.now().Add(ttl).UnixMilli())
	if res.Error != nil {
		return fmt.Errorf("failover: renew lease on %s: %w", key, res.Error)
	}
	if res.RowsAffected == 0 {
		return fmt.Errorf("%w: lease on %s was lost", ErrBusy, key)
	}
	return nil
}

// ReleaseLease implements Store.
func (s *GormStore) ReleaseLease(ctx context.Context, key, holder string) error {
	err := s.db.WithContext(ctx).Where("lease_key = ? AND holder = ?", key, holder).Delete(&leaseRow{}).Error
	if err != nil {
		return fmt.Errorf("failover: release lease on %s: %w", key, err)
	}
	return nil
}
