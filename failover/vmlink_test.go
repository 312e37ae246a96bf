package failover

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/appliancedb"
	"github.com/ossea-migrate/failoverkit/internal/testdb"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// A request naming the VM's replication context uses the vCenter set the appliance database
// links to that VM - not the default set - and a broken link is an error, never the default.
func TestVMContextSelectsTheLinkedVCenterSet(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, failovertest.Options{})
	src := f.lab.Sources[0]

	db := testdb.Open(t, testdb.SQLite)
	require.NoError(t, database.Migrate(ctx, db))
	key := make([]byte, database.KeySize)
	w, err := database.NewWriter(db, database.WithKey(key))
	require.NoError(t, err)
	cs, err := f.lab.CloudStackSet(src.CloudAccount)
	require.NoError(t, err)
	_, err = w.PutCloudStack(ctx, src.CloudAccount, cs)
	require.NoError(t, err)
	broken := f.lab.VSphereSet()
	broken.Password = credentials.NewSecret("fake-wrong-" + randomHex(4))
	_, err = w.PutVSphere(ctx, "vc-default", broken)
	require.NoError(t, err)
	require.NoError(t, w.SetDefaultVSphere(ctx, "vc-default"))
	_, err = w.PutVSphere(ctx, "vc-linked", f.lab.VSphereSet())
	require.NoError(t, err)
	// The appliance creates replication contexts; failoverkit only links them.
	appliancedb.InsertVMContext(t, db, appliancedb.VMContext{ContextID: "ctx-1", VMName: src.Name})
	require.NoError(t, w.LinkVM(ctx, "ctx-1", "vc-linked"))
	source, err := database.New(db, database.WithKey(key))
	require.NoError(t, err)
	e, err := New(source, WithLogger(testLogger()), WithVSpherePool(f.pool), WithCloudStackOptions(fastPolls()...))
	require.NoError(t, err)
	t.Cleanup(func() { _ = e.Close(ctx) })

	req := f.request(0)
	req.VCenter, req.VMContext = credentials.Ref{}, "ctx-1"
	job, err := e.TestFailover(ctx, req)
	require.NoError(t, err)
	vc := uses(job, credentials.KindVSphere)
	require.Len(t, vc, 1)
	assert.Equal(t, "vc-linked", vc[0].Meta.Origin.Account)
	assert.Equal(t, "vm ctx-1", vc[0].Account)
	_, err = e.Rollback(ctx, job.ID)
	require.NoError(t, err)

	// The linked set is deactivated: an error naming the fix, not the default set.
	require.NoError(t, w.DeactivateVSphere(ctx, "vc-linked"))
	job, err = e.TestFailover(ctx, req)
	require.ErrorIs(t, err, fkerrors.NotFound)
	assert.NotErrorIs(t, err, fkerrors.Unauthenticated, "the broken default set was not tried")
	assert.Empty(t, job.Ledger)

	// Both ways of naming the set at once is a request error; a source that cannot link VMs
	// says so.
	both := req
	both.VCenter = credentials.Account("vc-linked")
	_, err = e.TestFailover(ctx, both)
	require.ErrorIs(t, err, ErrInvalidRequest)
	_, err = f.engine.TestFailover(ctx, req) // over credentials.Memory
	require.ErrorIs(t, err, ErrInvalidRequest)
	assert.Contains(t, err.Error(), "does not link VMs")
	f.requireClean(t, 0, vsphere.PoweredOn)
}
