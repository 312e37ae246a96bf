package appliance_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/appliance"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// rig is an appliance as deployed: the simulators, and a MariaDB database holding the
// appliance's tables with the rows its own engine would have for the lab's first source VM
// (its replication context, disks, volumes, device mappings and credential sets), with a
// job store, the credential source and the journal over the same database.
type rig struct {
	t         *testing.T
	lab       *failovertest.Lab
	db        *gorm.DB
	src       credentials.Source // the database source over the appliance's tables
	store     failover.Store
	journal   *appliance.Journal
	pool      *vsphere.Pool
	contextID string
	before    appliancedb.Schema
}

const rigContext = "ctx-web01"

func testLogger() *slog.Logger {
	if os.Getenv("FAILOVERKIT_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

// requireMariaDB skips (or, with FAILOVERKIT_REQUIRE_DB=1, fails) a test that needs the
// MariaDB appliance fixture.
func requireMariaDB(t *testing.T) {
	t.Helper()
	if os.Getenv(testdb.MySQLDSNEnv) == "" {
		testdb.Backends(t) // fails under FAILOVERKIT_REQUIRE_DB=1
		t.Skip(testdb.MySQLDSNEnv + " is unset: the appliance's tables exist on MariaDB only")
	}
}

// requireLongSuite is requireMariaDB for a suite that runs flows over and over, which -short
// skips, saying why.
func requireLongSuite(t *testing.T, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip(why)
	}
	requireMariaDB(t)
}

func newRig(t *testing.T, labOpts failovertest.Options) *rig {
	t.Helper()
	requireMariaDB(t)
	ctx := context.Background()
	l, err := failovertest.Start(labOpts)
	require.NoError(t, err)
	t.Cleanup(l.Close)
	db := appliancedb.Open(t, testdb.MariaDB)
	r := &rig{t: t, lab: l, db: db, contextID: rigContext, before: appliancedb.Snapshot(t, db)}

	key := make([]byte, database.KeySize)
	_, err = rand.Read(key)
	require.NoError(t, err)
	w, err := database.NewWriter(db, database.WithKey(key))
	require.NoError(t, err)
	s := l.Sources[0]
	cs, err := l.CloudStackSet(s.CloudAccount)
	require.NoError(t, err)
	configID, err := w.PutCloudStack(ctx, "cloud", cs)
	require.NoError(t, err)
	_, err = w.PutVSphere(ctx, "vcenter", l.VSphereSet())
	require.NoError(t, err)

	// The rows the appliance writes when it adds the VM to replication and replicates it.
	appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: r.contextID, VMName: s.Name, VMPath: s.Path})
	r.exec("UPDATE vm_replication_contexts SET current_status = 'ready_for_failover', ossea_config_id = ? WHERE context_id = ?", configID, r.contextID)
	require.NoError(t, w.LinkVM(ctx, r.contextID, "vcenter"))
	now := time.Now().UTC()
	for k, vol := range s.VolumeIDs {
		res := db.Exec("INSERT INTO ossea_volumes (vm_context_id, volume_id, volume_name, size_gb, device_path, status, created_at, updated_at) "+
			"VALUES (?, ?, ?, 10, ?, 'attached', ?, ?)", r.contextID, vol, fmt.Sprintf("%s-disk%d", s.Name, k), devicePath(k), now, now)
		require.NoError(t, res.Error)
		var volRow int64
		require.NoError(t, db.Raw("SELECT id FROM ossea_volumes WHERE volume_id = ?", vol).Scan(&volRow).Error)
		r.exec("INSERT INTO vm_disks (vm_context_id, disk_id, unit_number, size_gb, ossea_volume_id, created_at, updated_at) VALUES (?, ?, ?, 10, ?, ?, ?)",
			r.contextID, fmt.Sprintf("disk-%d", 2000+k), k, volRow, now, now)
		r.exec("INSERT INTO device_mappings (vm_context_id, volume_uuid, vm_id, operation_mode, cloudstack_device_id, device_path, "+
			"cloudstack_state, linux_state, size) VALUES (?, ?, ?, 'oma', ?, ?, 'attached', 'detected', 10737418240)",
			r.contextID, vol, s.ApplianceVMID, s.DeviceIDs[k], devicePath(k))
	}

	r.src, err = database.New(db, database.WithKey(key), database.WithLogger(testLogger()))
	require.NoError(t, err)
	r.store, err = failover.NewGormStore(ctx, db)
	require.NoError(t, err)
	r.journal, err = appliance.NewJournal(ctx, db, appliance.WithLogger(testLogger()))
	require.NoError(t, err)
	r.pool = vsphere.NewPool(vsphere.WithLogger(testLogger()), vsphere.WithPollInterval(20*time.Millisecond))
	t.Cleanup(func() { _ = r.pool.Close(context.Background()) })
	return r
}

func devicePath(k int) string { return "/dev/vd" + string(rune('b'+k)) }

func (r *rig) exec(q string, args ...any) {
	r.t.Helper()
	require.NoError(r.t, r.db.Exec(q, args...).Error)
}

// engine builds an Engine on the rig's store and credentials with journal j (the rig's
// journal when nil), as the appliance's API server builds it.
func (r *rig) engine(j failover.Journal, extra ...failover.Option) *failover.Engine {
	r.t.Helper()
	if j == nil {
		j = r.journal
	}
	opts := append([]failover.Option{
		failover.WithStore(r.store),
		failover.WithJournal(j),
		failover.WithLogger(testLogger()),
		failover.WithVSpherePool(r.pool),
		failover.WithCloudStackOptions(cloudstack.WithPollInterval(time.Millisecond, 5*time.Millisecond)),
		failover.WithHeartbeat(250 * time.Millisecond),
	}, extra...)
	e, err := failover.New(r.src, opts...)
	require.NoError(r.t, err)
	r.t.Cleanup(func() { _ = e.Close(context.Background()) })
	return e
}

// request builds the request from the appliance's tables, as the API server does.
func (r *rig) request(kind failover.Kind) failover.Request {
	r.t.Helper()
	req, err := appliance.RequestFor(context.Background(), r.db, r.contextID, kind)
	require.NoError(r.t, err)
	req.PowerOff = failover.PowerOffPolicy{GracefulTimeout: 2 * time.Second, AllowHard: true}
	return req
}

func (r *rig) run(e *failover.Engine, kind failover.Kind) (*failover.Job, error) {
	if kind == failover.KindLiveFailover {
		return e.LiveFailover(context.Background(), r.request(kind))
	}
	return e.TestFailover(context.Background(), r.request(kind))
}

// rows is what the appliance's tables say of the VM and the job.
type rows struct {
	Status  appliance.VMStatus
	Summary *appliance.Summary
	// Job is the job's failover_jobs row, nil when there is none.
	Job   *jobRow
	Modes []appliance.OperationMode // device_mappings.operation_mode, by volume in disk order
	Snaps []snapRow                 // ossea_volumes snapshot columns, by volume in disk order
}

type jobRow struct {
	ContextID, VMID, Type, Status, SourceName string
	Destination, Error                        sql.NullString
	Started, Completed                        sql.NullTime
}

type snapRow struct {
	ID      sql.NullString
	Created sql.NullTime
	Status  appliance.SnapshotStatus
}

// read reads the rows, for job jobID ("" for none).
func (r *rig) read(t testing.TB, jobID string) rows {
	t.Helper()
	var out rows
	var summary sql.NullString
	var status string
	require.NoError(t, r.db.Raw("SELECT current_status, last_operation_summary FROM vm_replication_contexts WHERE context_id = ?", r.contextID).
		Row().Scan(&status, &summary))
	out.Status = appliance.VMStatus(status)
	if summary.Valid {
		out.Summary = &appliance.Summary{}
		require.NoError(t, json.Unmarshal([]byte(summary.String), out.Summary))
	}
	if jobID != "" {
		var j jobRow
		err := r.db.Raw("SELECT vm_context_id, vm_id, job_type, status, source_vm_name, destination_vm_id, error_message, started_at, completed_at "+
			"FROM failover_jobs WHERE job_id = ?", jobID).Row().
			Scan(&j.ContextID, &j.VMID, &j.Type, &j.Status, &j.SourceName, &j.Destination, &j.Error, &j.Started, &j.Completed)
		if err == nil {
			out.Job = &j
		} else {
			require.ErrorIs(t, err, sql.ErrNoRows)
		}
	}
	for _, vol := range r.lab.Sources[0].VolumeIDs {
		var mode string
		require.NoError(t, r.db.Raw("SELECT operation_mode FROM device_mappings WHERE volume_uuid = ?", vol).Row().Scan(&mode))
		out.Modes = append(out.Modes, appliance.OperationMode(mode))
		var s snapRow
		var st string
		require.NoError(t, r.db.Raw("SELECT snapshot_id, snapshot_created_at, snapshot_status FROM ossea_volumes WHERE volume_id = ?", vol).
			Row().Scan(&s.ID, &s.Created, &st))
		s.Status = appliance.SnapshotStatus(st)
		out.Snaps = append(out.Snaps, s)
	}
	return out
}

// volumeRows is what the appliance's tables say of the volumes, which a complete rollback
// must leave as they were before the job: status, modes and snapshot columns.
type volumeRows struct {
	Status appliance.VMStatus
	Modes  []appliance.OperationMode
	Snaps  []snapRow
}

func (x rows) volumes() volumeRows {
	return volumeRows{Status: x.Status, Modes: x.Modes, Snaps: x.Snaps}
}

// recorder is a journal that records, after each event the appliance journal recorded, the
// rows as they then stand.
type recorder struct {
	r     *rig
	inner failover.Journal
	seen  []recorded
}

type recorded struct {
	event string // label(ev)
	err   error
	rows  rows
}

// recordingEngine is an engine on the rig's journal whose events, with the rows after each,
// the returned recorder keeps.
func (r *rig) recordingEngine(extra ...failover.Option) (*failover.Engine, *recorder) {
	rec := &recorder{r: r, inner: r.journal}
	return r.engine(rec, extra...), rec
}

func (c *recorder) Record(ctx context.Context, ev failover.JournalEvent) error {
	err := c.inner.Record(ctx, ev)
	c.seen = append(c.seen, recorded{event: label(ev), err: err, rows: c.r.read(c.r.t, ev.Job.ID)})
	return err
}

// label names an event as "<operation> <type>[ <step>]".
func label(ev failover.JournalEvent) string {
	s := ev.Operation + " " + string(ev.Type)
	if ev.Step != "" {
		s += " " + string(ev.Step)
	}
	return s
}
