package failover

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/internal/lab"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

func TestTestFailoverAndRollback(t *testing.T) {
	t.Parallel()
	f := newFixture(t, lab.Options{VolumesPerVM: 3})
	ctx := context.Background()
	src := f.lab.Sources[0]

	job, err := f.engine.TestFailover(ctx, f.request(0))
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, job.Status)

	st := f.lab.Cloud.State()
	var target cssim.VM
	for _, vm := range st.VMs {
		if vm.ID != src.ApplianceVMID && vm.State == cssim.VMRunning {
			target = vm
		}
	}
	require.NotEmpty(t, target.ID, "a test VM runs")
	assert.Equal(t, job.Facts.TargetName, target.Name)
	vols := st.VolumesOf(target.ID)
	require.Len(t, vols, 3, "only the replicated volumes are on the test VM")
	for k, v := range vols {
		assert.Equal(t, src.VolumeIDs[k], v.ID)
	}
	assert.Equal(t, 0, vols[0].DeviceID, "the boot volume is device 0")
	for _, id := range src.VolumeIDs {
		assert.Len(t, st.SnapshotsOf(id), 1, "one rollback snapshot per volume")
	}
	power, err := f.lab.PowerState(src.Name)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOn, power, "a test failover leaves the source VM alone")

	back, err := f.engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusRolledBack, back.Status)
	require.NotNil(t, back.Cleanup)
	assert.Equal(t, OutcomeCompleted, back.Cleanup.Outcome)
	f.requireClean(t, 0, vsphere.PoweredOn)
}
