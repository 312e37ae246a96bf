package appliance_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
)

// NewJournal refuses a database without the appliance's tables - naming each one missing -
// and changes nothing there.
func TestNewJournalRefusesADatabaseWithoutTheApplianceTables(t *testing.T) {
	t.Parallel()
	for _, b := range testdb.Backends(t) {
		if b == testdb.MariaDB {
			continue // the fixture has every table there
		}
		t.Run(string(b), func(t *testing.T) {
			t.Parallel()
			db := appliancedb.Open(t, b)
			before := appliancedb.Snapshot(t, db)
			_, err := appliance.NewJournal(context.Background(), db)
			require.ErrorIs(t, err, appliance.ErrSchema)
			for _, table := range []string{"failover_jobs", "ossea_volumes", "device_mappings"} {
				assert.Contains(t, err.Error(), "appliance: "+table+": does not exist")
			}
			assert.Contains(t, err.Error(), "point the journal at the appliance's own database")
			assert.NotContains(t, err.Error(), "vm_replication_contexts:", "that table is there")
			appliancedb.RequireSame(t, before, appliancedb.Snapshot(t, db), "NewJournal on a database without the appliance's tables")
			tables, err := db.Migrator().GetTables()
			require.NoError(t, err)
			assert.NotContains(t, tables, "failoverkit_appliance_jobs", "nothing is created")
		})
	}
}

func TestNewJournalOnTheApplianceDatabase(t *testing.T) {
	t.Parallel()
	requireMariaDB(t)
	ctx := context.Background()
	db := appliancedb.Open(t, testdb.MariaDB)
	before := appliancedb.Snapshot(t, db)

	// Engines starting at once on a new database all get the table.
	require.NoError(t, appliance.StartAtOnce(4, func() error {
		_, err := appliance.NewJournal(ctx, db)
		return err
	}))
	j, err := appliance.NewJournal(ctx, db)
	require.NoError(t, err)
	assert.Equal(t, "failoverkit_appliance_jobs", j.Table())
	other, err := appliance.NewJournal(ctx, db, appliance.WithTablePrefix("oma_fk_"))
	require.NoError(t, err)
	assert.Equal(t, "oma_fk_appliance_jobs", other.Table())
	tables, err := db.Migrator().GetTables()
	require.NoError(t, err)
	assert.Subset(t, tables, []string{"failoverkit_appliance_jobs", "oma_fk_appliance_jobs"})
	appliancedb.RequireSame(t, before, appliancedb.Snapshot(t, db), "NewJournal")

	_, err = appliance.NewJournal(ctx, db, appliance.WithTablePrefix("Bad-Prefix"))
	require.ErrorIs(t, err, appliance.ErrSchema)

	// A table of the journal's name that is not the journal's is refused and left alone.
	require.NoError(t, db.Exec("CREATE TABLE x_appliance_jobs (job_id varchar(64) PRIMARY KEY, notes text)").Error)
	_, err = appliance.NewJournal(ctx, db, appliance.WithTablePrefix("x_"))
	require.ErrorIs(t, err, appliance.ErrSchema)
	assert.Contains(t, err.Error(), "x_appliance_jobs")
	assert.Contains(t, err.Error(), "no column vm_context_id")
	assert.Contains(t, err.Error(), "a column the journal does not have: notes")
	assert.Contains(t, err.Error(), "WithTablePrefix")
	var cols []string
	require.NoError(t, db.Raw("SELECT column_name FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = 'x_appliance_jobs' ORDER BY ordinal_position").Scan(&cols).Error)
	assert.Equal(t, []string{"job_id", "notes"}, cols)
}

// An appliance table without a column the journal writes is refused, by name.
func TestNewJournalNamesAMissingColumn(t *testing.T) {
	t.Parallel()
	requireMariaDB(t)
	db := appliancedb.Open(t, testdb.MariaDB)
	require.NoError(t, db.Exec("ALTER TABLE device_mappings DROP COLUMN operation_mode").Error)
	_, err := appliance.NewJournal(context.Background(), db)
	require.ErrorIs(t, err, appliance.ErrSchema)
	var ae *appliance.Error
	require.True(t, errors.As(err, &ae))
	assert.Equal(t, "device_mappings", ae.Table)
	assert.True(t, strings.Contains(ae.Problem, "operation_mode"), ae.Problem)
}

// Sync refuses a job whose operation may be under way.
func TestSyncRefusesARunningJob(t *testing.T) {
	t.Parallel()
	requireMariaDB(t)
	db := appliancedb.Open(t, testdb.MariaDB)
	j, err := appliance.NewJournal(context.Background(), db)
	require.NoError(t, err)
	for _, s := range []failover.Status{failover.StatusRunning, failover.StatusRollingBack, failover.StatusCommitting} {
		err := j.Sync(context.Background(), &failover.Job{ID: "j1", Kind: failover.KindTestFailover, Status: s})
		require.ErrorIs(t, err, failover.ErrJobState, s)
	}
}

// The package's errors follow the module's error model: a category, and the remedy last.
func TestErrorsFollowTheModulesModel(t *testing.T) {
	t.Parallel()
	cause := errors.New("dial tcp: connection refused")
	err := error(&appliance.Error{Reason: appliance.ErrDatabase, Table: "failover_jobs", Row: "job_id=j1",
		Problem: "could not be updated", Fix: "check that the appliance's database is running and writable", Err: cause})
	assert.Equal(t, fkerrors.Unavailable, fkerrors.CodeOf(err))
	assert.ErrorIs(t, err, appliance.ErrDatabase)
	assert.ErrorIs(t, err, cause)
	assert.Equal(t, "check that the appliance's database is running and writable", fkerrors.Remedy(err))
	assert.Equal(t, "appliance: failover_jobs job_id=j1: could not be updated: dial tcp: connection refused; "+
		"fix: check that the appliance's database is running and writable", err.Error())
	for reason, code := range map[error]fkerrors.Code{appliance.ErrNotFound: fkerrors.NotFound,
		appliance.ErrInconsistent: fkerrors.Invalid, appliance.ErrSchema: fkerrors.Invalid} {
		assert.Equal(t, code, fkerrors.CodeOf(&appliance.Error{Reason: reason}), reason)
	}
}
