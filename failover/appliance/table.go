package appliance

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/internal/tableshape"
)

// The appliance's tables the journal writes, and the columns it needs of each. NewJournal
// checks them, so that a database without them fails at start-up rather than at the first
// failover.
var applianceColumns = []struct {
	table   string
	columns []string
}{
	{tableContexts, []string{"context_id", "vm_name", "vmware_vm_id", "current_status", "last_operation_summary"}},
	{tableFailoverJobs, []string{"job_id", "vm_context_id", "vm_id", "job_type", "status", "source_vm_name",
		"destination_vm_id", "error_message", "started_at", "completed_at"}},
	{tableVolumes, []string{"volume_id", "vm_context_id", "snapshot_id", "snapshot_created_at", "snapshot_status", "updated_at"}},
	{tableDeviceMappings, []string{"volume_uuid", "operation_mode"}},
}

const (
	tableContexts       = "vm_replication_contexts"
	tableFailoverJobs   = "failover_jobs"
	tableVolumes        = "ossea_volumes"
	tableDeviceMappings = "device_mappings"
	tableDisks          = "vm_disks"
	tableNetworks       = "network_mappings"
)

// ownTableSuffix names the journal's own table after its prefix: failoverkit_appliance_jobs.
const ownTableSuffix = "appliance_jobs"

// ownColumns are the columns of the journal's own table, by type family.
var ownColumns = map[string]string{
	"job_id": tableshape.Text, "vm_context_id": tableshape.Text, "status_before": tableshape.Text, "flow_steps": tableshape.Int,
	"flow_failure": tableshape.Text, "created_at": tableshape.Time, "updated_at": tableshape.Time,
}

// ownDDL creates the journal's own table (%s is its name), per gorm dialect. One row per
// failoverkit job that concerns a replicated VM: the VM's context, the status it had before
// the job moved its volumes, and what the GUI summary needs after a restart.
var ownDDL = map[string]string{
	"mysql": `CREATE TABLE IF NOT EXISTS %s (
  job_id varchar(64) NOT NULL,
  vm_context_id varchar(64) NOT NULL,
  status_before varchar(32) DEFAULT NULL,
  flow_steps int(11) NOT NULL,
  flow_failure text DEFAULT NULL,
  created_at datetime(3) NOT NULL,
  updated_at datetime(3) NOT NULL,
  PRIMARY KEY (job_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_general_ci`,
	"postgres": `CREATE TABLE IF NOT EXISTS %s (
  job_id varchar(64) NOT NULL PRIMARY KEY,
  vm_context_id varchar(64) NOT NULL,
  status_before varchar(32),
  flow_steps integer NOT NULL,
  flow_failure text,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL)`,
	"sqlite": `CREATE TABLE IF NOT EXISTS %s (
  job_id text NOT NULL PRIMARY KEY,
  vm_context_id text NOT NULL,
  status_before text,
  flow_steps integer NOT NULL,
  flow_failure text,
  created_at datetime NOT NULL,
  updated_at datetime NOT NULL)`,
}

// ensureOwnTable creates the journal's table when it is missing and checks its columns when it
// exists. Processes starting on a new database at once race to create it; a loser's CREATE
// may fail (PostgreSQL's IF NOT EXISTS is not atomic), and the next pass finds it there.
func ensureOwnTable(ctx context.Context, db *gorm.DB, name string) error {
	ddl, ok := ownDDL[db.Name()]
	if !ok {
		return &Error{Reason: ErrSchema, Table: name,
			Problem: "the journal supports MariaDB/MySQL, PostgreSQL and SQLite, not the gorm dialect " + db.Name(),
			Fix:     "open the appliance's database with gorm.io/driver/mysql"}
	}
	var err error
	for attempt := range 5 {
		var cols map[string]string
		if cols, err = tableshape.Columns(ctx, db, name); err == nil && len(cols) > 0 {
			return checkOwnColumns(name, cols)
		}
		if err == nil {
			if err = db.WithContext(ctx).Exec(fmt.Sprintf(ddl, name)).Error; err == nil {
				continue
			}
		}
		select {
		case <-ctx.Done():
			return dbError(name, "", "could not be created", errors.Join(err, ctx.Err()))
		case <-time.After(time.Duration(attempt+1) * 20 * time.Millisecond):
		}
	}
	return dbError(name, "", "could not be created", err)
}

func checkOwnColumns(name string, have map[string]string) error {
	problems := tableshape.Differences(ownColumns, have, "the journal")
	if len(problems) == 0 {
		return nil
	}
	return &Error{Reason: ErrSchema, Table: name,
		Problem: "exists but is not a failoverkit appliance journal table (" + strings.Join(problems, "; ") + "); it was left as it is",
		Fix:     "give the journal a table of its own with appliance.WithTablePrefix, or rename or drop the table yourself if it is a leftover"}
}

// checkApplianceTables checks that db holds the appliance's tables the journal writes, with
// the columns it writes.
func checkApplianceTables(ctx context.Context, db *gorm.DB) error {
	var errs []error
	for _, t := range applianceColumns {
		have, err := tableshape.Columns(ctx, db, t.table)
		if err != nil {
			return dbError(t.table, "", "could not be read", err)
		}
		if len(have) == 0 {
			errs = append(errs, &Error{Reason: ErrSchema, Table: t.table, Problem: "does not exist",
				Fix: "point the journal at the appliance's own database (MariaDB, its schema as deployed)"})
			continue
		}
		var missing []string
		for _, c := range t.columns {
			if _, ok := have[c]; !ok {
				missing = append(missing, c)
			}
		}
		if len(missing) > 0 {
			errs = append(errs, &Error{Reason: ErrSchema, Table: t.table,
				Problem: "has no column " + strings.Join(missing, ", ") + ", which the appliance's deployed schema has",
				Fix:     "point the journal at the appliance's own database (MariaDB, its schema as deployed)"})
		}
	}
	return errors.Join(errs...)
}

// dbError is an ErrDatabase error about a table (and row).
func dbError(table, row, problem string, err error) error {
	return &Error{Reason: ErrDatabase, Table: table, Row: row, Problem: problem,
		Fix: "check that the appliance's database is running and writable", Err: err}
}
