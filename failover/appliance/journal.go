package appliance

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/failover"
)

// Journal keeps the appliance's tables in step with the engine's jobs: it is a
// failover.Journal, added to an Engine with failover.WithJournal. The package documentation
// lists what it writes at each step. It is safe for concurrent use.
type Journal struct {
	db      *gorm.DB
	table   string
	log     *slog.Logger
	timeout time.Duration
	now     func() time.Time

	// deferred holds, per job, the failure of a write before a step that does not move
	// volumes: such a failure does not stop the step; it is reported after it.
	mu       sync.Mutex
	deferred map[string]error

	// failWrite, when set, is called in each event's transaction after its writes and
	// before the commit; an error rolls the transaction back (tests use it to fail writes).
	failWrite func(failover.JournalEvent) error
}

var _ failover.Journal = (*Journal)(nil)

// Option configures NewJournal.
type Option func(*config)

type config struct {
	prefix  string
	log     *slog.Logger
	timeout time.Duration
}

// WithTablePrefix names the journal's own table <prefix>appliance_jobs instead of
// failoverkit_appliance_jobs (the prefix failover.WithTablePrefix gives the job store, so
// that one prefix names all of failoverkit's tables). The prefix may hold lower-case ASCII
// letters, digits and underscores.
func WithTablePrefix(prefix string) Option { return func(c *config) { c.prefix = prefix } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(c *config) { c.log = l } }

// WithWriteTimeout bounds each event's transaction (default 30 s). The transaction runs even
// when the operation's context has ended: the end of an interrupted operation must be
// recorded too.
func WithWriteTimeout(d time.Duration) Option { return func(c *config) { c.timeout = d } }

var prefixRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)

// NewJournal returns a Journal over the appliance's database. It checks that db holds the
// appliance's tables the journal writes (vm_replication_contexts, failover_jobs,
// ossea_volumes, device_mappings) with their deployed columns - an error matching ErrSchema
// names what is missing - and creates the journal's own table, failoverkit_appliance_jobs,
// when it is missing; a table of that name with another shape is refused, and left as it is.
// It never creates, alters or drops an appliance table.
func NewJournal(ctx context.Context, db *gorm.DB, opts ...Option) (*Journal, error) {
	if db == nil {
		return nil, &Error{Reason: ErrSchema, Table: "(none)", Problem: "NewJournal was given no database",
			Fix: "pass the appliance's database, opened with gorm"}
	}
	cfg := config{prefix: failover.DefaultTablePrefix, timeout: 30 * time.Second}
	for _, o := range opts {
		o(&cfg)
	}
	if !prefixRE.MatchString(cfg.prefix) {
		return nil, &Error{Reason: ErrSchema, Table: cfg.prefix + ownTableSuffix, Problem: "the table prefix is not allowed",
			Fix: "use lower-case ASCII letters, digits and underscores, starting with a letter, at most 40 characters"}
	}
	if cfg.log == nil {
		cfg.log = slog.Default()
	}
	if err := checkApplianceTables(ctx, db); err != nil {
		return nil, err
	}
	j := &Journal{db: db, table: cfg.prefix + ownTableSuffix, log: cfg.log, timeout: cfg.timeout,
		now: time.Now, deferred: map[string]error{}}
	if err := ensureOwnTable(ctx, db, j.table); err != nil {
		return nil, err
	}
	return j, nil
}

// Table returns the name of the journal's own table.
func (j *Journal) Table() string { return j.table }

// Record implements failover.Journal: it writes what ev changes in the appliance's tables,
// in one transaction. A job that concerns no replicated VM - its request names no
// replication context and no ossea_volumes row holds its volumes - is left alone.
//
// A failed write before detach_volumes, release_volumes or detach_from_vm is returned at
// once, so that the step does not run: the VM's status and its volumes' mode must be in the
// table before a volume leaves the appliance. A failed write before any other step is
// logged and returned after the step (with that event's own write), so that the GUI's
// summary cannot stop a failover; the engine records it on the job either way.
func (j *Journal) Record(ctx context.Context, ev failover.JournalEvent) error {
	if ev.Job == nil {
		return nil
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), j.timeout)
	defer cancel()
	gate, err := j.write(wctx, ev)
	if ev.Type == failover.EventStepStarted {
		if err == nil || gate {
			return err
		}
		j.log.Warn("appliance: could not record a step before it started; the step runs, and the failure is reported after it",
			"job", ev.Job.ID, "step", string(ev.Step), "error", err)
		j.mu.Lock()
		j.deferred[ev.Job.ID] = errors.Join(j.deferred[ev.Job.ID], err)
		j.mu.Unlock()
		return nil
	}
	j.mu.Lock()
	earlier := j.deferred[ev.Job.ID]
	delete(j.deferred, ev.Job.ID)
	j.mu.Unlock()
	if err != nil {
		j.log.Error("appliance: could not record the job's progress", "job", ev.Job.ID, "event", string(ev.Type),
			"step", string(ev.Step), "error", err)
	}
	return errors.Join(earlier, err)
}

// Sync writes again the rows job's last operation leaves, as its end would have written
// them. Use it for a job whose last journal write failed (a warning on the job matching
// failover.ErrJournal at its end): no later operation on the job would write them, since a
// rolled-back or committed job takes none. It is idempotent. Pass the job as Engine.Job
// returns it; a job whose operation is under way (running, rolling back, committing) is
// refused with failover.ErrJobState.
func (j *Journal) Sync(ctx context.Context, job *failover.Job) error {
	if job == nil {
		return fmt.Errorf("%w: Sync needs a job", failover.ErrInvalidRequest)
	}
	ev := failover.JournalEvent{Type: failover.EventJobFinished, Operation: string(job.Kind), Job: job}
	switch job.Status {
	case failover.StatusRunning, failover.StatusRollingBack, failover.StatusCommitting:
		return fmt.Errorf("%w: job %s is %s: its operation may be under way; fix: sync it once it has ended (resume or roll it back if its process died)",
			failover.ErrJobState, job.ID, job.Status)
	case failover.StatusRolledBack, failover.StatusRollbackIncomplete:
		ev.Operation = "rollback"
		if job.Status == failover.StatusRollbackIncomplete && job.Cleanup != nil {
			ev.Err = errors.New(strings.Join(job.Cleanup.Failures, "; "))
		}
	case failover.StatusCommitted:
		ev.Operation = "commit"
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), j.timeout)
	defer cancel()
	_, err := j.write(wctx, ev)
	return err
}

// write records ev in one transaction and reports whether it was a gate write.
func (j *Journal) write(ctx context.Context, ev failover.JournalEvent) (gate bool, err error) {
	job := ev.Job
	err = j.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		rec, err := j.record(tx, job.ID)
		if err != nil {
			return err
		}
		if !rec.exists {
			if rec.contextID, err = resolveContext(tx, job); err != nil || rec.contextID == "" {
				return err
			}
		}
		vm, err := lockContext(tx, rec.contextID)
		if err != nil {
			return err
		}
		now := j.now()
		e := effectsOf(ev, rec, now)
		gate = e.gate
		if e.gate {
			if err := checkVolumesOf(tx, job, rec.contextID); err != nil {
				return err
			}
		}
		if e.captureBefore && rec.statusBefore == "" {
			rec.statusBefore = vm.status
		}
		if e.flowSteps > 0 {
			rec.flowSteps = e.flowSteps
		}
		if e.flowFailure != nil {
			rec.flowFailure = e.flowFailure
		}
		if err := j.saveRecord(tx, job.ID, rec, now); err != nil {
			return err
		}
		if err := writeContext(tx, rec.contextID, e); err != nil {
			return err
		}
		if err := writeFailoverJob(tx, job, vm, rec.contextID, e.job, now); err != nil {
			return err
		}
		if err := writeModes(tx, rec.contextID, e.modes); err != nil {
			return err
		}
		if err := writeSnapshots(tx, rec.contextID, e.snaps, now); err != nil {
			return err
		}
		if j.failWrite != nil {
			return j.failWrite(ev)
		}
		return nil
	})
	if err == nil {
		return gate, nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return gate, err
	}
	return gate, dbError(tableContexts, "of job "+job.ID, fmt.Sprintf("could not record %s", describeEvent(ev)), err)
}

func describeEvent(ev failover.JournalEvent) string {
	if ev.Step != "" {
		return string(ev.Type) + " of step " + string(ev.Step)
	}
	return string(ev.Type) + " of the " + ev.Operation
}

// forUpdate locks the rows read, where the database can.
func forUpdate(tx *gorm.DB) string {
	if tx.Name() == "sqlite" {
		return "" // SQLite locks the whole database for a write transaction
	}
	return " FOR UPDATE"
}

func (j *Journal) record(tx *gorm.DB, jobID string) (record, error) {
	var (
		rec    record
		before sql.NullString
		body   sql.NullString
	)
	rows, err := tx.Raw("SELECT vm_context_id, status_before, flow_steps, flow_failure FROM "+j.table+" WHERE job_id = ?"+forUpdate(tx), jobID).Rows()
	if err != nil {
		return rec, dbError(j.table, "job_id="+jobID, "could not be read", err)
	}
	defer func() { _ = rows.Close() }()
	if rows.Next() {
		if err := rows.Scan(&rec.contextID, &before, &rec.flowSteps, &body); err != nil {
			return rec, dbError(j.table, "job_id="+jobID, "could not be read", err)
		}
		rec.exists, rec.statusBefore = true, VMStatus(before.String)
		if body.Valid && body.String != "" {
			var f failure
			if err := json.Unmarshal([]byte(body.String), &f); err == nil {
				rec.flowFailure = &f
			}
		}
	}
	return rec, rows.Err()
}

func (j *Journal) saveRecord(tx *gorm.DB, jobID string, rec record, now time.Time) error {
	var before, body any
	if rec.statusBefore != "" {
		before = string(rec.statusBefore)
	}
	if rec.flowFailure != nil {
		data, err := json.Marshal(rec.flowFailure)
		if err != nil {
			return err
		}
		body = string(data)
	}
	now = now.UTC()
	var err error
	if rec.exists {
		err = tx.Exec("UPDATE "+j.table+" SET status_before = ?, flow_steps = ?, flow_failure = ?, updated_at = ? WHERE job_id = ?",
			before, rec.flowSteps, body, now, jobID).Error
	} else {
		err = tx.Exec("INSERT INTO "+j.table+" (job_id, vm_context_id, status_before, flow_steps, flow_failure, created_at, updated_at) "+
			"VALUES (?, ?, ?, ?, ?, ?, ?)", jobID, rec.contextID, before, rec.flowSteps, body, now, now).Error
	}
	if err != nil {
		return dbError(j.table, "job_id="+jobID, "could not be written", err)
	}
	return nil
}

// resolveContext finds the replication context a job concerns: the one its request names
// (Request.VMContext, a context_id or a vm_name), or else the one whose ossea_volumes rows
// hold its volumes. "" means none: the job is not the appliance's.
func resolveContext(tx *gorm.DB, job *failover.Job) (string, error) {
	if name := job.Request.VMContext; name != "" {
		var ids []string
		if err := tx.Raw("SELECT context_id FROM "+tableContexts+" WHERE context_id = ? OR vm_name = ? ORDER BY context_id",
			name, name).Scan(&ids).Error; err != nil {
			return "", dbError(tableContexts, "context_id="+name, "could not be read", err)
		}
		switch {
		case slices.Contains(ids, name):
			return name, nil
		case len(ids) == 1:
			return ids[0], nil
		case len(ids) == 0:
			return "", &Error{Reason: ErrNotFound, Table: tableContexts, Row: "context_id=" + name,
				Problem: "job " + job.ID + " names replication context " + name + ", which does not exist",
				Fix:     "name the context_id of a VM the appliance replicates (appliance.RequestFor does)"}
		}
		return "", &Error{Reason: ErrInconsistent, Table: tableContexts, Row: "vm_name=" + name,
			Problem: "several replication contexts have this vm_name: " + strings.Join(ids, ", "),
			Fix:     "name the VM by its context_id"}
	}
	owners, err := volumeOwners(tx, volumeIDs(job))
	if err != nil || len(owners) == 0 {
		return "", err
	}
	contexts := map[string]bool{}
	for _, c := range owners {
		contexts[c] = true
	}
	if len(contexts) == 1 && len(owners) == len(job.Request.Volumes) {
		for c := range contexts {
			if c != "" {
				return c, nil
			}
		}
	}
	return "", &Error{Reason: ErrInconsistent, Table: tableVolumes, Row: "of job " + job.ID,
		Problem: "the job's volumes are not all the volumes of one replicated VM (" + describeOwners(job, owners) + ")",
		Fix:     "fail over one replicated VM at a time, with the volumes the appliance records for it (appliance.RequestFor)"}
}

// volumeOwners maps each volume that ossea_volumes holds to its vm_context_id.
func volumeOwners(tx *gorm.DB, ids []string) (map[string]string, error) {
	owners := map[string]string{}
	if len(ids) == 0 {
		return owners, nil
	}
	rows, err := tx.Raw("SELECT volume_id, vm_context_id FROM "+tableVolumes+" WHERE volume_id IN ?", ids).Rows()
	if err != nil {
		return nil, dbError(tableVolumes, "", "could not be read", err)
	}
	defer func() { _ = rows.Close() }()
	for rows.Next() {
		var id string
		var ctxID sql.NullString
		if err := rows.Scan(&id, &ctxID); err != nil {
			return nil, dbError(tableVolumes, "", "could not be read", err)
		}
		owners[id] = ctxID.String
	}
	return owners, rows.Err()
}

func describeOwners(job *failover.Job, owners map[string]string) string {
	var parts []string
	for _, id := range volumeIDs(job) {
		switch c, ok := owners[id]; {
		case !ok:
			parts = append(parts, "volume "+id+" has no row")
		case c == "":
			parts = append(parts, "volume "+id+" has no vm_context_id")
		default:
			parts = append(parts, "volume "+id+" belongs to context "+c)
		}
	}
	return strings.Join(parts, "; ")
}

// checkVolumesOf refuses, before volumes move, a job whose volumes ossea_volumes records
// under another VM: the journal would protect the wrong VM from the scheduler.
func checkVolumesOf(tx *gorm.DB, job *failover.Job, contextID string) error {
	owners, err := volumeOwners(tx, volumeIDs(job))
	if err != nil {
		return err
	}
	for _, id := range volumeIDs(job) {
		if c, ok := owners[id]; ok && c != contextID {
			return &Error{Reason: ErrInconsistent, Table: tableVolumes, Row: "volume_id=" + id,
				Problem: "job " + job.ID + " fails over replication context " + contextID + ", but the appliance records this volume under " +
					strings.TrimSpace(c+" (empty: no context)"),
				Fix: "build the request from the appliance's tables (appliance.RequestFor) so that it names the VM its volumes belong to"}
		}
	}
	return nil
}

// contextRow is the replication context as the journal reads it, locked for the
// transaction.
type contextRow struct {
	name, vmwareID string
	status         VMStatus
}

func lockContext(tx *gorm.DB, contextID string) (contextRow, error) {
	var c contextRow
	rows, err := tx.Raw("SELECT vm_name, vmware_vm_id, current_status FROM "+tableContexts+" WHERE context_id = ?"+forUpdate(tx), contextID).Rows()
	if err != nil {
		return c, dbError(tableContexts, "context_id="+contextID, "could not be read", err)
	}
	defer func() { _ = rows.Close() }()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return c, dbError(tableContexts, "context_id="+contextID, "could not be read", err)
		}
		return c, &Error{Reason: ErrNotFound, Table: tableContexts, Row: "context_id=" + contextID,
			Problem: "the replication context is gone",
			Fix:     "the VM was removed from replication in the appliance; add it back, or finish the job's rollback without the appliance journal"}
	}
	var status string
	if err := rows.Scan(&c.name, &c.vmwareID, &status); err != nil {
		return c, dbError(tableContexts, "context_id="+contextID, "could not be read", err)
	}
	c.status = VMStatus(status)
	return c, nil
}

func writeContext(tx *gorm.DB, contextID string, e effects) error {
	var sets []string
	var args []any
	if e.status != "" {
		if !e.status.valid() {
			return fmt.Errorf("appliance: internal error: %q is not a current_status value", e.status)
		}
		sets, args = append(sets, "current_status = ?"), append(args, string(e.status))
	}
	if e.summary != nil {
		data, err := json.Marshal(e.summary)
		if err != nil {
			return err
		}
		sets, args = append(sets, "last_operation_summary = ?"), append(args, string(data))
	}
	if len(sets) == 0 {
		return nil
	}
	if err := tx.Exec("UPDATE "+tableContexts+" SET "+strings.Join(sets, ", ")+" WHERE context_id = ?", append(args, contextID)...).Error; err != nil {
		return dbError(tableContexts, "context_id="+contextID, "could not be updated", err)
	}
	return nil
}

// writeFailoverJob keeps the job's row of failover_jobs, inserting it when missing.
func writeFailoverJob(tx *gorm.DB, job *failover.Job, vm contextRow, contextID string, u jobUpdate, now time.Time) error {
	row := "job_id=" + job.ID
	var ids []int64
	if err := tx.Raw("SELECT id FROM "+tableFailoverJobs+" WHERE job_id = ?"+forUpdate(tx), job.ID).Scan(&ids).Error; err != nil {
		return dbError(tableFailoverJobs, row, "could not be read", err)
	}
	var destination any
	if t := target(job); t != "" {
		destination = t
	}
	jobType := JobTypeTest
	if job.Kind == failover.KindLiveFailover {
		jobType = JobTypeLive
	}
	var errMsg, completed any
	if u.errorMessage != "" {
		errMsg = u.errorMessage
	}
	if u.complete {
		completed = now.UTC()
	}
	if len(ids) == 0 {
		status := u.status
		if status == "" {
			status = JobPending
		}
		err := tx.Exec("INSERT INTO "+tableFailoverJobs+" (vm_context_id, job_id, vm_id, job_type, status, source_vm_name, "+
			"destination_vm_id, error_message, started_at, completed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			contextID, job.ID, vm.vmwareID, string(jobType), string(status), vm.name, destination, errMsg,
			job.CreatedAt.UTC(), completed).Error
		if err != nil {
			return dbError(tableFailoverJobs, row, "could not be inserted", err)
		}
		return nil
	}
	sets := []string{"destination_vm_id = COALESCE(?, destination_vm_id)"}
	args := []any{destination}
	if u.status != "" {
		sets, args = append(sets, "status = ?"), append(args, string(u.status))
	}
	if u.setError {
		sets, args = append(sets, "error_message = ?"), append(args, errMsg)
	}
	if u.complete {
		sets, args = append(sets, "completed_at = ?"), append(args, completed)
	} else if u.status == JobPending {
		sets = append(sets, "completed_at = NULL")
	}
	if err := tx.Exec("UPDATE "+tableFailoverJobs+" SET "+strings.Join(sets, ", ")+" WHERE job_id = ?", append(args, job.ID)...).Error; err != nil {
		return dbError(tableFailoverJobs, row, "could not be updated", err)
	}
	return nil
}

func writeModes(tx *gorm.DB, contextID string, modes map[string]OperationMode) error {
	byMode := map[OperationMode][]string{}
	for id, m := range modes {
		byMode[m] = append(byMode[m], id)
	}
	for _, m := range []OperationMode{ModeFailover, ModeOMA} {
		ids := byMode[m]
		if len(ids) == 0 {
			continue
		}
		slices.Sort(ids)
		if err := tx.Exec("UPDATE "+tableDeviceMappings+" SET operation_mode = ? WHERE volume_uuid IN ? AND operation_mode <> ?",
			string(m), ids, string(m)).Error; err != nil {
			return dbError(tableDeviceMappings, "of context "+contextID, "could not be updated", err)
		}
	}
	return nil
}

// writeSnapshots sets the snapshot columns of the context's ossea_volumes rows that differ
// from snaps (and their updated_at, as the appliance's own writes do).
func writeSnapshots(tx *gorm.DB, contextID string, snaps map[string]snapState, now time.Time) error {
	if len(snaps) == 0 {
		return nil
	}
	ids := make([]string, 0, len(snaps))
	for id := range snaps {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	rows, err := tx.Raw("SELECT volume_id, snapshot_id, snapshot_created_at, snapshot_status FROM "+tableVolumes+
		" WHERE vm_context_id = ? AND volume_id IN ?"+forUpdate(tx), contextID, ids).Rows()
	if err != nil {
		return dbError(tableVolumes, "of context "+contextID, "could not be read", err)
	}
	type current struct {
		id      sql.NullString
		created sql.NullTime
		status  sql.NullString
	}
	have := map[string]current{}
	for rows.Next() {
		var vol string
		var c current
		if err := rows.Scan(&vol, &c.id, &c.created, &c.status); err != nil {
			_ = rows.Close()
			return dbError(tableVolumes, "of context "+contextID, "could not be read", err)
		}
		have[vol] = c
	}
	_ = rows.Close()
	if err := rows.Err(); err != nil {
		return dbError(tableVolumes, "of context "+contextID, "could not be read", err)
	}
	for _, vol := range ids {
		c, ok := have[vol]
		if !ok {
			continue // not a volume the appliance records for this VM
		}
		want := snaps[vol]
		created := want.created.UTC().Truncate(time.Millisecond)
		same := c.id.String == want.id && c.status.String == string(want.status) &&
			c.created.Valid == !want.created.IsZero() && (!c.created.Valid || c.created.Time.Equal(created))
		if same {
			continue
		}
		var id, at any
		if want.id != "" {
			id = want.id
		}
		if !want.created.IsZero() {
			at = created
		}
		if err := tx.Exec("UPDATE "+tableVolumes+" SET snapshot_id = ?, snapshot_created_at = ?, snapshot_status = ?, updated_at = ? "+
			"WHERE vm_context_id = ? AND volume_id = ?", id, at, string(want.status), now.UTC(), contextID, vol).Error; err != nil {
			return dbError(tableVolumes, "volume_id="+vol, "could not be updated", err)
		}
	}
	return nil
}
