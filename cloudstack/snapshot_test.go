package cloudstack_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// liveSnapshots counts the simulator's snapshots that are not deleted.
func liveSnapshots(sim *simulator.Simulator) int {
	n := 0
	for _, s := range sim.State().Snapshots {
		if s.State != cloudstack.SnapshotDestroyed {
			n++
		}
	}
	return n
}

func TestSnapshotCreateGetListRevertDelete(t *testing.T) {
	t.Parallel()
	r := newRig(t, 2)
	c := r.client(t)
	ctx := context.Background()
	vol := r.seed.VolumeIDs[0]

	// A default KVM cloud refuses to snapshot a running VM's volume.
	_, err := c.CreateSnapshot(ctx, vol, "while-running")
	require.ErrorIs(t, err, fkerrors.Conflict)
	assert.Contains(t, err.Error(), "kvm.snapshot.enabled")

	// Stopped, the appliance's volume may be snapshotted.
	_, err = c.StopVM(ctx, r.seed.ApplianceVMID, false)
	require.NoError(t, err)
	snap, err := c.CreateSnapshot(ctx, vol, "before-failover")
	require.NoError(t, err)
	assert.Equal(t, "before-failover", snap.Name)
	assert.Equal(t, vol, snap.VolumeID)
	assert.Equal(t, cloudstack.SnapshotBackedUp, snap.State)
	assert.Equal(t, cloudstack.VolumeData, snap.VolumeType)

	got, err := c.GetSnapshot(ctx, snap.ID)
	require.NoError(t, err)
	assert.Equal(t, snap.ID, got.ID)
	list, err := c.ListSnapshots(ctx, vol)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, snap.ID, list[0].ID)
	other, err := c.ListSnapshots(ctx, r.seed.VolumeIDs[1])
	require.NoError(t, err)
	assert.Empty(t, other)
	assert.True(t, snap.Revertable, "a KVM snapshot reverts")

	// The appliance runs again: reverting a volume attached to it breaks CloudStack's rule.
	_, err = c.StartVM(ctx, r.seed.ApplianceVMID)
	require.NoError(t, err)
	err = c.RevertSnapshot(ctx, snap.ID)
	require.ErrorIs(t, err, fkerrors.Conflict)
	simVol, _ := r.sim.State().Volume(vol)
	assert.Empty(t, simVol.RevertedFrom)

	// Detached, it may be reverted.
	_, err = c.DetachVolume(ctx, vol)
	require.NoError(t, err)
	require.NoError(t, c.RevertSnapshot(ctx, snap.ID))
	simVol, _ = r.sim.State().Volume(vol)
	assert.Equal(t, snap.ID, simVol.RevertedFrom)

	require.NoError(t, c.DeleteSnapshot(ctx, snap.ID))
	_, err = c.GetSnapshot(ctx, snap.ID)
	require.ErrorIs(t, err, fkerrors.NotFound)
	err = c.RevertSnapshot(ctx, snap.ID)
	require.ErrorIs(t, err, fkerrors.NotFound)
}

func TestRevertWithVMStopped(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	c := r.client(t)
	ctx := context.Background()
	_, err := c.StopVM(ctx, r.seed.ApplianceVMID, false)
	require.NoError(t, err)
	snap, err := c.CreateSnapshot(ctx, r.seed.VolumeIDs[0], "")
	require.NoError(t, err)
	assert.NotEmpty(t, snap.Name, "CloudStack names it")
	require.NoError(t, c.RevertSnapshot(ctx, snap.ID))
}
