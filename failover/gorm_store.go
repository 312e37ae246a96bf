package failover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/ossea-migrate/failoverkit/internal/tableshape"
)

// GormStore is a Store over gorm: SQLite (the embedded default), MariaDB or PostgreSQL. Several
// processes may share one database; leases keep them off each other's VMs.
//
// It keeps each job as one row holding the job as JSON, beside the columns that lookups
// filter on, so that saving a job is a single-row write. Its two tables are its own -
// failoverkit_jobs and failoverkit_leases by default, names no appliance table has - and it
// is safe to point at the appliance's database: it creates its tables when they are missing
// and never alters, adds to or drops any table.
type GormStore struct {
	db     *gorm.DB
	jobs   string
	leases string
	now    func() time.Time
}

// StoreOption configures NewGormStore.
type StoreOption func(*storeConfig)

type storeConfig struct {
	prefix string
}

// DefaultTablePrefix is the prefix of the GormStore's table names: failoverkit_jobs and
// failoverkit_leases.
const DefaultTablePrefix = "failoverkit_"

// WithTablePrefix names the store's tables <prefix>jobs and <prefix>leases instead of
// failoverkit_jobs and failoverkit_leases, for databases with other naming conventions. The
// prefix may hold lower-case ASCII letters, digits and underscores.
func WithTablePrefix(prefix string) StoreOption {
	return func(c *storeConfig) { c.prefix = prefix }
}

var tablePrefixRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// schemaMu serialises the table checks of one process: gorm's dialects cache what they learn
// of the server without a lock.
var schemaMu sync.Mutex

type jobRow struct {
	ID        string    `gorm:"column:id"`
	Kind      string    `gorm:"column:kind"`
	Status    string    `gorm:"column:status"`
	VMKey     string    `gorm:"column:vm_key"`
	ExpiresMS *int64    `gorm:"column:expires_ms"`
	Body      string    `gorm:"column:body"`
	CreatedAt time.Time `gorm:"column:created_at"`
	UpdatedAt time.Time `gorm:"column:updated_at"`
}

type leaseRow struct {
	Key       string `gorm:"column:lease_key"`
	Holder    string `gorm:"column:holder"`
	Host      string `gorm:"column:host"`
	PID       int64  `gorm:"column:pid"`
	Started   string `gorm:"column:started"`
	JobID     string `gorm:"column:job_id"`
	ExpiresMS int64  `gorm:"column:expires_ms"`
	Beat      int64  `gorm:"column:beat"`
	BeatMS    int64  `gorm:"column:beat_ms"`
	EveryMS   int64  `gorm:"column:every_ms"`
}

func (r leaseRow) lease() Lease {
	return Lease{Key: r.Key, Holder: Holder{Name: r.Holder, Host: r.Host, PID: int(r.PID), Started: r.Started},
		JobID: r.JobID, Expires: time.UnixMilli(r.ExpiresMS), Beat: r.Beat, BeatAt: time.UnixMilli(r.BeatMS),
		Every: time.Duration(r.EveryMS) * time.Millisecond}
}

func newLeaseRow(l Lease) leaseRow {
	return leaseRow{Key: l.Key, Holder: l.Holder.Name, Host: l.Holder.Host, PID: int64(l.Holder.PID), Started: l.Holder.Started,
		JobID: l.JobID, ExpiresMS: l.Expires.UnixMilli(), Beat: 0, BeatMS: l.BeatAt.UnixMilli(), EveryMS: l.Every.Milliseconds()}
}

// storeTable describes one of the store's tables: its columns and their families, and the
// DDL creating it per gorm dialect (%s is the table name).
type storeTable struct {
	suffix  string
	columns map[string]string // name to family
	ddl     map[string][]string
}

// mariaDBTable ends a MariaDB CREATE TABLE: the engine and character set the appliance's
// own tables use.
const mariaDBTable = " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci"

// leasesDDL is the leases table's columns, written the same for MariaDB and PostgreSQL.
const leasesDDL = `CREATE TABLE IF NOT EXISTS %[1]s (
	lease_key VARCHAR(191) NOT NULL PRIMARY KEY,
	holder VARCHAR(191) NOT NULL,
	host VARCHAR(255) NOT NULL,
	pid BIGINT NOT NULL,
	started VARCHAR(64) NOT NULL,
	job_id VARCHAR(64) NOT NULL,
	expires_ms BIGINT NOT NULL,
	beat BIGINT NOT NULL,
	beat_ms BIGINT NOT NULL,
	every_ms BIGINT NOT NULL`

var storeTables = []storeTable{
	{
		suffix: "jobs",
		columns: map[string]string{"id": tableshape.Text, "kind": tableshape.Text, "status": tableshape.Text, "vm_key": tableshape.Text,
			"expires_ms": tableshape.Int, "body": tableshape.Text, "created_at": tableshape.Time, "updated_at": tableshape.Time},
		ddl: map[string][]string{
			"mysql": {`CREATE TABLE IF NOT EXISTS %[1]s (
				id VARCHAR(64) NOT NULL PRIMARY KEY,
				kind VARCHAR(32) NOT NULL,
				status VARCHAR(32) NOT NULL,
				vm_key VARCHAR(191) NOT NULL,
				expires_ms BIGINT NULL,
				body LONGTEXT NOT NULL,
				created_at DATETIME(3) NOT NULL,
				updated_at DATETIME(3) NOT NULL,
				KEY %[1]s_status (status),
				KEY %[1]s_vm_key (vm_key)
			)` + mariaDBTable},
			"postgres": {`CREATE TABLE IF NOT EXISTS %[1]s (
				id VARCHAR(64) NOT NULL PRIMARY KEY,
				kind VARCHAR(32) NOT NULL,
				status VARCHAR(32) NOT NULL,
				vm_key VARCHAR(191) NOT NULL,
				expires_ms BIGINT NULL,
				body TEXT NOT NULL,
				created_at TIMESTAMPTZ NOT NULL,
				updated_at TIMESTAMPTZ NOT NULL)`,
				`CREATE INDEX IF NOT EXISTS %[1]s_status ON %[1]s (status)`,
				`CREATE INDEX IF NOT EXISTS %[1]s_vm_key ON %[1]s (vm_key)`},
			"sqlite": {`CREATE TABLE IF NOT EXISTS %[1]s (
				id TEXT NOT NULL PRIMARY KEY,
				kind TEXT NOT NULL,
				status TEXT NOT NULL,
				vm_key TEXT NOT NULL,
				expires_ms INTEGER NULL,
				body TEXT NOT NULL,
				created_at DATETIME NOT NULL,
				updated_at DATETIME NOT NULL)`,
				`CREATE INDEX IF NOT EXISTS %[1]s_status ON %[1]s (status)`,
				`CREATE INDEX IF NOT EXISTS %[1]s_vm_key ON %[1]s (vm_key)`},
		},
	},
	{
		suffix: "leases",
		columns: map[string]string{"lease_key": tableshape.Text, "holder": tableshape.Text, "host": tableshape.Text, "pid": tableshape.Int,
			"started": tableshape.Text, "job_id": tableshape.Text, "expires_ms": tableshape.Int, "beat": tableshape.Int, "beat_ms": tableshape.Int,
			"every_ms": tableshape.Int},
		ddl: map[string][]string{
			"mysql":    {leasesDDL + ")" + mariaDBTable},
			"postgres": {leasesDDL + ")"},
			"sqlite": {`CREATE TABLE IF NOT EXISTS %[1]s (
				lease_key TEXT NOT NULL PRIMARY KEY,
				holder TEXT NOT NULL,
				host TEXT NOT NULL,
				pid INTEGER NOT NULL,
				started TEXT NOT NULL,
				job_id TEXT NOT NULL,
				expires_ms INTEGER NOT NULL,
				beat INTEGER NOT NULL,
				beat_ms INTEGER NOT NULL,
				every_ms INTEGER NOT NULL)`},
		},
	},
}

// NewGormStore returns a store over db. Its tables (failoverkit_jobs and failoverkit_leases,
// or as WithTablePrefix names them) are created when missing. A table of that name that
// exists must have exactly the store's columns; one that does not is refused with an error
// naming it, and nothing is changed: the store never alters, adds to or drops a table, so it
// can share the appliance's database without touching the appliance's tables.
func NewGormStore(ctx context.Context, db *gorm.DB, opts ...StoreOption) (*GormStore, error) {
	if db == nil {
		return nil, fail(ErrInvalidRequest, "pass an open *gorm.DB", "NewGormStore needs a *gorm.DB")
	}
	cfg := storeConfig{prefix: DefaultTablePrefix}
	for _, o := range opts {
		o(&cfg)
	}
	if !tablePrefixRE.MatchString(cfg.prefix) {
		return nil, fail(ErrInvalidRequest, "use lower-case ASCII letters, digits and underscores, starting with a letter, at most 40 characters",
			"table prefix %q", cfg.prefix)
	}
	dialect := db.Name()
	if _, ok := storeTables[0].ddl[dialect]; !ok {
		return nil, fail(ErrInvalidRequest, "use one of those, or implement failover.Store",
			"the job store supports SQLite, MariaDB/MySQL and PostgreSQL, not the gorm dialect %q", dialect)
	}
	s := &GormStore{db: db, jobs: cfg.prefix + "jobs", leases: cfg.prefix + "leases", now: time.Now}
	for _, t := range storeTables {
		if err := s.ensureTable(ctx, cfg.prefix+t.suffix, t, dialect); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Tables returns the names of the store's two tables: jobs and leases.
func (s *GormStore) Tables() (jobs, leases string) { return s.jobs, s.leases }

// ensureTable creates the table when it is missing and checks its shape when it exists.
// Processes opening one new database at once race to create it; a loser's CREATE may fail
// (PostgreSQL's IF NOT EXISTS is not atomic), and a second pass finds the table there.
func (s *GormStore) ensureTable(ctx context.Context, name string, t storeTable, dialect string) error {
	var err error
	for attempt := range 5 {
		schemaMu.Lock()
		err = s.ensureTableOnce(ctx, name, t, dialect)
		schemaMu.Unlock()
		var shape *tableShapeError
		if err == nil || errors.As(err, &shape) {
			return err
		}
		select {
		case <-ctx.Done():
			return storeError("job store", "create table "+name, errors.Join(err, ctx.Err()))
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	return storeError("job store", "create table "+name, err)
}

func (s *GormStore) ensureTableOnce(ctx context.Context, name string, t storeTable, dialect string) error {
	have, err := tableshape.Columns(ctx, s.db, name)
	if err != nil {
		return err
	}
	if len(have) == 0 {
		for _, stmt := range t.ddl[dialect] {
			if err := s.db.WithContext(ctx).Exec(fmt.Sprintf(stmt, name)).Error; err != nil {
				return err
			}
		}
		if have, err = tableshape.Columns(ctx, s.db, name); err != nil {
			return err
		}
	}
	if problems := tableshape.Differences(t.columns, have, "the store"); len(problems) > 0 {
		return &tableShapeError{table: name, problems: problems}
	}
	return nil
}

// tableShapeError refuses a table of the store's name that is not the store's.
type tableShapeError struct {
	table    string
	problems []string
}

func (e *tableShapeError) Error() string {
	return "failover: job store: table " + e.table + " exists but is not a failoverkit job store table (" +
		strings.Join(e.problems, "; ") + "); it was left as it is; fix: give the store tables of its own with " +
		"failover.WithTablePrefix, or, if the table is a leftover of an older failoverkit, rename or drop it yourself"
}

func (e *tableShapeError) Unwrap() error { return ErrStore }

// SaveJob implements Store.
func (s *GormStore) SaveJob(ctx context.Context, job *Job) error {
	body, err := json.Marshal(job)
	if err != nil {
		return fmt.Errorf("failover: encode job %s: %w", job.ID, err)
	}
	row := jobRow{ID: job.ID, Kind: string(job.Kind), Status: string(job.Status), VMKey: job.VMKey,
		Body: string(body), CreatedAt: job.CreatedAt.UTC(), UpdatedAt: job.UpdatedAt.UTC()}
	if job.ExpiresAt != nil {
		ms := job.ExpiresAt.UnixMilli()
		row.ExpiresMS = &ms
	}
	err = s.db.WithContext(ctx).Table(s.jobs).Clauses(clause.OnConflict{
		Columns:   []clause.Column{{Name: "id"}},
		DoUpdates: clause.AssignmentColumns([]string{"kind", "status", "vm_key", "expires_ms", "body", "updated_at"}),
	}).Create(&row).Error
	if err != nil {
		return storeError(s.jobs, "save job "+job.ID, err)
	}
	return nil
}

// Job implements Store.
func (s *GormStore) Job(ctx context.Context, id string) (*Job, error) {
	var rows []jobRow
	if err := s.db.WithContext(ctx).Table(s.jobs).Select("id", "body").Where("id = ?", id).Limit(1).Find(&rows).Error; err != nil {
		return nil, storeError(s.jobs, "read job "+id, err)
	}
	if len(rows) == 0 {
		return nil, jobNotFound(id)
	}
	return s.decodeJob(rows[0])
}

// Jobs implements Store.
func (s *GormStore) Jobs(ctx context.Context, filter JobFilter) ([]*Job, error) {
	q := s.db.WithContext(ctx).Table(s.jobs).Select("id", "body").Order("created_at, id")
	if filter.VMKey != "" {
		q = q.Where("vm_key = ?", filter.VMKey)
	}
	if len(filter.Status) > 0 {
		q = q.Where("status IN ?", stringsOf(filter.Status))
	}
	if len(filter.Kind) > 0 {
		q = q.Where("kind IN ?", stringsOf(filter.Kind))
	}
	if !filter.ExpiredBy.IsZero() {
		q = q.Where("expires_ms IS NOT NULL AND expires_ms <= ?", filter.ExpiredBy.UnixMilli())
	}
	var rows []jobRow
	if err := q.Find(&rows).Error; err != nil {
		return nil, storeError(s.jobs, "list jobs", err)
	}
	jobs := make([]*Job, 0, len(rows))
	for _, r := range rows {
		j, err := s.decodeJob(r)
		if err != nil {
			return nil, err
		}
		jobs = append(jobs, j)
	}
	return jobs, nil
}

func stringsOf[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

func (s *GormStore) decodeJob(r jobRow) (*Job, error) {
	var j Job
	if err := json.Unmarshal([]byte(r.Body), &j); err != nil {
		return nil, fail(ErrStore, fmt.Sprintf("inspect the row with id %q", r.ID), "job %s in %s is not readable (%v)", r.ID, s.jobs, err)
	}
	return &j, nil
}

// AcquireLease implements Store. An update takes over a free or expired lease; when there is
// no row, an insert races any other process and the primary key picks one winner.
func (s *GormStore) AcquireLease(ctx context.Context, l Lease) error {
	db := s.db.WithContext(ctx).Table(s.leases)
	row := newLeaseRow(l)
	res := db.Where("lease_key = ? AND (holder = ? OR expires_ms < ?)", l.Key, l.Holder.Name, s.now().UnixMilli()).
		Updates(leaseUpdates(row))
	if res.Error != nil {
		return storeError(s.leases, "take lease on "+l.Key, res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	insertErr := s.db.WithContext(ctx).Table(s.leases).Create(&row).Error
	if insertErr == nil {
		return nil
	}
	cur, err := s.Lease(ctx, l.Key)
	switch {
	case err != nil:
		return storeError(s.leases, "take lease on "+l.Key, errors.Join(insertErr, err))
	case cur == nil:
		return storeError(s.leases, "take lease on "+l.Key, insertErr)
	case cur.Holder.Name == l.Holder.Name:
		// MariaDB counts only changed rows: the holder re-acquiring with the same values.
		return nil
	}
	return busyErr(*cur)
}

func leaseUpdates(r leaseRow) map[string]any {
	return map[string]any{"holder": r.Holder, "host": r.Host, "pid": r.PID, "started": r.Started, "job_id": r.JobID,
		"expires_ms": r.ExpiresMS, "beat": 0, "beat_ms": r.BeatMS, "every_ms": r.EveryMS}
}

// Lease implements Store.
func (s *GormStore) Lease(ctx context.Context, key string) (*Lease, error) {
	var rows []leaseRow
	if err := s.db.WithContext(ctx).Table(s.leases).Where("lease_key = ?", key).Limit(1).Find(&rows).Error; err != nil {
		return nil, storeError(s.leases, "read lease on "+key, err)
	}
	if len(rows) == 0 {
		return nil, nil
	}
	l := rows[0].lease()
	return &l, nil
}

// RenewLease implements Store.
func (s *GormStore) RenewLease(ctx context.Context, key string, holder Holder, expires, at time.Time) error {
	res := s.db.WithContext(ctx).Table(s.leases).Where("lease_key = ? AND holder = ?", key, holder.Name).
		Updates(map[string]any{"expires_ms": expires.UnixMilli(), "beat": gorm.Expr("beat + 1"), "beat_ms": at.UnixMilli()})
	if res.Error != nil {
		return storeError(s.leases, "renew lease on "+key, res.Error)
	}
	if res.RowsAffected == 0 {
		return lostLease(key)
	}
	return nil
}

// TakeOverLease implements Store.
func (s *GormStore) TakeOverLease(ctx context.Context, old, l Lease) error {
	row := newLeaseRow(l)
	res := s.db.WithContext(ctx).Table(s.leases).Where("lease_key = ? AND holder = ? AND beat = ?", old.Key, old.Holder.Name, old.Beat).
		Updates(leaseUpdates(row))
	if res.Error != nil {
		return storeError(s.leases, "take over lease on "+l.Key, res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	// Gone since it was read (released or taken over): compete for it as for a new one.
	return s.AcquireLease(ctx, l)
}

// ReleaseLease implements Store.
func (s *GormStore) ReleaseLease(ctx context.Context, key string, holder Holder) error {
	err := s.db.WithContext(ctx).Table(s.leases).Where("lease_key = ? AND holder = ?", key, holder.Name).Delete(&leaseRow{}).Error
	if err != nil {
		return storeError(s.leases, "release lease on "+key, err)
	}
	return nil
}
