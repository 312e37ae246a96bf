package failover_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// readmeSnippet holds, between its markers, the embedding snippet README.md shows;
// TestReadmeSnippetOnTheApplianceDatabase runs it and checks that README.md still shows it
// as it is here.
func readmeSnippet(ctx context.Context, db *gorm.DB, vmPath string, volumes []failover.Volume) error {
	// README snippet start
	// Once, at start-up. No credential is read here.
	key, err := database.KeyFromEnv() // MIGRATEKIT_CRED_ENCRYPTION_KEY
	if err != nil {
		return err
	}
	src, err := database.New(db, database.WithKey(key)) // the appliance's own tables
	if err != nil {
		return err
	}
	store, err := failover.NewGormStore(ctx, db) // its own tables: failoverkit_jobs, failoverkit_leases
	if err != nil {
		return err
	}
	engine, err := failover.New(src, failover.WithStore(store))
	if err != nil {
		return err
	}
	defer engine.Close(ctx)

	// Per request. Each operation fetches its credentials when it starts.
	job, err := engine.TestFailover(ctx, failover.Request{
		VM:         vsphere.ByPath(vmPath),
		CloudStack: credentials.Ref{},              // the active ossea_configs row
		VCenter:    credentials.Account("vcenter"), // a vmware_credentials set by name
		Volumes:    volumes,                        // replicated volumes, boot volume first
	})
	if err != nil {
		// The message ends with the remedy once ("...; fix: ..."): fkerrors.Explain splits the
		// two for an API answer, and errors.Is matches the category (fkerrors.Unauthenticated).
		return fmt.Errorf("test failover: %w", err)
	}
	_, err = engine.Rollback(ctx, job.ID)
	return err
	// README snippet end
}

// applianceWithLab is an appliance database of the deployed shape holding the lab's
// credential sets, written as the appliance's GUI writes them, and the key they are
// encrypted with.
func applianceWithLab(t *testing.T, l *failovertest.Lab, db *gorm.DB) []byte {
	t.Helper()
	ctx := context.Background()
	key := make([]byte, database.KeySize)
	_, err := rand.Read(key)
	require.NoError(t, err)
	w, err := database.NewWriter(db, database.WithKey(key))
	require.NoError(t, err)
	cs, err := l.CloudStackSet(l.Sources[0].CloudAccount)
	require.NoError(t, err)
	_, err = w.PutCloudStack(ctx, "cloud", cs)
	require.NoError(t, err)
	_, err = w.PutVSphere(ctx, "vcenter", l.VSphereSet())
	require.NoError(t, err)
	return key
}

func labVolumes(s failovertest.SourceVM) []failover.Volume {
	var out []failover.Volume
	for i, id := range s.VolumeIDs {
		out = append(out, failover.Volume{ID: id, Boot: i == 0})
	}
	return out
}

// The README's embedding snippet completes a test failover and its rollback against a
// database holding the appliance's deployed tables (all of them on MariaDB), and leaves every
// appliance table exactly as it was; README.md shows the snippet as it is here.
func TestReadmeSnippetOnTheApplianceDatabase(t *testing.T) {
	for _, b := range testdb.Backends(t) {
		t.Run(string(b), func(t *testing.T) {
			ctx := context.Background()
			l, err := failovertest.Start(failovertest.Options{})
			require.NoError(t, err)
			t.Cleanup(l.Close)
			db := appliancedb.Open(t, b)
			before := appliancedb.Snapshot(t, db)
			key := applianceWithLab(t, l, db)
			t.Setenv(database.KeyEnv, base64.StdEncoding.EncodeToString(key))

			require.NoError(t, readmeSnippet(ctx, db, l.Sources[0].Path, labVolumes(l.Sources[0])))
			appliancedb.RequireSame(t, before, appliancedb.Snapshot(t, db), "the README snippet's test failover and rollback")
			tables, err := db.Migrator().GetTables()
			require.NoError(t, err)
			assert.Subset(t, tables, []string{"failoverkit_jobs", "failoverkit_leases"})
			var n int64
			require.NoError(t, db.Table("failoverkit_jobs").Count(&n).Error)
			assert.Equal(t, int64(1), n, "the job is in the store's own table")
		})
	}

	source, err := os.ReadFile("appliance_schema_test.go")
	require.NoError(t, err)
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, rest, ok := strings.Cut(string(source), "\t// README snippet start\n")
	require.True(t, ok)
	body, _, ok := strings.Cut(rest, "\t// README snippet end\n")
	require.True(t, ok)
	var snippet strings.Builder
	for _, line := range strings.SplitAfter(body, "\n") {
		snippet.WriteString(strings.TrimPrefix(line, "\t"))
	}
	assert.Contains(t, string(readme), snippet.String(), "README.md must show the snippet of appliance_schema_test.go")
}

// Every operation - both flows, their compensation after a fault, a rollback that has to be
// repeated, a commit, the expiry of test failovers - and database.Migrate leave the
// appliance's tables exactly as they were.
func TestApplianceSchemaUnchangedByEveryOperation(t *testing.T) {
	ctx := context.Background()
	if os.Getenv(testdb.MySQLDSNEnv) == "" {
		testdb.Backends(t)
		t.Skip(testdb.MySQLDSNEnv + " is unset")
	}
	l, err := failovertest.Start(failovertest.Options{SourceVMs: 2})
	require.NoError(t, err)
	t.Cleanup(l.Close)
	db := appliancedb.Open(t, testdb.MariaDB)
	before := appliancedb.Snapshot(t, db)
	check := func(what string) {
		t.Helper()
		appliancedb.RequireSame(t, before, appliancedb.Snapshot(t, db), what)
	}
	key := applianceWithLab(t, l, db)
	require.NoError(t, database.Migrate(ctx, db))
	check("database.Migrate")

	src, err := database.New(db, database.WithKey(key))
	require.NoError(t, err)
	store, err := failover.NewGormStore(ctx, db)
	require.NoError(t, err)
	check("NewGormStore")
	_, err = failover.NewGormStore(ctx, db)
	require.NoError(t, err)
	check("NewGormStore on a database that has its tables")
	engine, err := failover.New(src, failover.WithStore(store),
		failover.WithCloudStackOptions(cloudstack.WithPollInterval(time.Millisecond, 5*time.Millisecond)),
		failover.WithVSphereOptions(vsphere.WithPollInterval(20*time.Millisecond)))
	require.NoError(t, err)
	t.Cleanup(func() { _ = engine.Close(ctx) })
	req := func(i int) failover.Request {
		return failover.Request{VM: l.Sources[i].Locator(), VCenter: credentials.Account("vcenter"), Volumes: labVolumes(l.Sources[i]),
			PowerOff: failover.PowerOffPolicy{GracefulTimeout: time.Second, AllowHard: true}}
	}

	job, err := engine.TestFailover(ctx, req(0))
	require.NoError(t, err)
	check("a test failover")
	_, err = engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	check("its rollback")

	l.Cloud.FailNth("attachVolume", 2, cssim.Fault{ErrorCode: 530, ErrorText: "injected", Async: true})
	failed, err := engine.LiveFailover(ctx, req(0))
	require.Error(t, err)
	require.NotNil(t, failed.Cleanup)
	check("a live failover that failed and was compensated")

	l.Cloud.FailNth("revertSnapshot", 1, cssim.Fault{ErrorCode: 530, ErrorText: "injected", Async: true})
	live, err := engine.LiveFailover(ctx, req(0))
	require.NoError(t, err)
	_, err = engine.Rollback(ctx, live.ID, failover.PowerOnSource())
	require.ErrorIs(t, err, failover.ErrCleanupIncomplete)
	back, err := engine.Rollback(ctx, live.ID, failover.PowerOnSource())
	require.NoError(t, err)
	assert.Equal(t, failover.StatusRolledBack, back.Status)
	check("a live failover, a rollback that failed and one that finished")

	live, err = engine.LiveFailover(ctx, req(1))
	require.NoError(t, err)
	_, err = engine.Commit(ctx, live.ID)
	require.NoError(t, err)
	check("a live failover and its commit")

	r := req(0)
	r.TestDuration = time.Millisecond
	_, err = engine.TestFailover(ctx, r)
	require.NoError(t, err)
	time.Sleep(2 * time.Millisecond)
	expired, err := engine.RollbackExpired(ctx)
	require.NoError(t, err)
	assert.Len(t, expired, 1)
	check("an expired test failover rolled back")
}
