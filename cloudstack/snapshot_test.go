package cloudstack_test

import (
	"context"
	"sync"
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

func TestSnapshotVolumes(t *testing.T) {
	t.Parallel()
	r := newRig(t, 5, simulator.WithPendingPolls(1))
	r.detachReplicated(t)
	c := r.client(t)
	var mu sync.Mutex
	var announced []string
	var unfinished int
	snaps, err := c.SnapshotVolumes(context.Background(), r.seed.VolumeIDs,
		cloudstack.SnapshotName(func(vol string) string { return "rollback-" + vol[len(vol)-4:] }),
		cloudstack.SnapshotParallel(3),
		cloudstack.OnSnapshotCreated(func(s cloudstack.Snapshot) {
			mu.Lock()
			announced = append(announced, s.ID)
			if st, ok := r.sim.State().Snapshot(s.ID); ok && st.State != cloudstack.SnapshotBackedUp {
				unfinished++
			}
			mu.Unlock()
		}))
	require.NoError(t, err)
	require.Len(t, snaps, 5)
	ids := make([]string, len(snaps))
	for i, s := range snaps {
		assert.Equal(t, r.seed.VolumeIDs[i], s.VolumeID, "in the order of the volumes")
		assert.Equal(t, "rollback-"+s.VolumeID[len(s.VolumeID)-4:], s.Name)
		ids[i] = s.ID
	}
	assert.ElementsMatch(t, ids, announced)
	assert.Equal(t, 5, unfinished, "each snapshot is announced while its job still runs")
	assert.Equal(t, 5, liveSnapshots(r.sim))
}

func TestSnapshotVolumesFailureDeletesTheOthers(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		inject func(r *rig)
		failed int
	}{
		{"one volume's job fails", func(r *rig) {
			r.sim.FailWhen(func(call simulator.Call) bool {
				return call.Command == "createSnapshot" && call.Params.Get("volumeid") == r.seed.VolumeIDs[2]
			}, simulator.Fault{Async: true, ErrorCode: 530, ErrorText: "Failed to create snapshot: primary storage busy"})
		}, 1},
		{"the second call fails synchronously", func(r *rig) {
			r.sim.FailNth("createSnapshot", 2, simulator.Fault{ErrorCode: 534, ErrorText: "Storage pool unavailable"})
		}, 1},
		{"two fail", func(r *rig) {
			r.sim.FailNth("createSnapshot", 1, simulator.Fault{Async: true})
			r.sim.FailNth("createSnapshot", 3, simulator.Fault{Async: true})
		}, 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := newRig(t, 4)
			r.detachReplicated(t)
			c := r.client(t)
			tc.inject(r)
			left, err := c.SnapshotVolumes(context.Background(), r.seed.VolumeIDs)
			require.Error(t, err)
			assert.Empty(t, left, "every snapshot made was deleted")
			assert.Contains(t, err.Error(), "snapshotting 4 volumes")
			assert.Contains(t, err.Error(), "of 4 snapshots failed")
			assert.Contains(t, err.Error(), "were deleted")
			var apiErr *cloudstack.APIError
			require.ErrorAs(t, err, &apiErr)
			assert.Equal(t, "createSnapshot", apiErr.Command)
			assert.Equal(t, 0, liveSnapshots(r.sim))
			assert.Len(t, r.sim.CallsTo("createSnapshot"), 4, "every volume was tried")
			failed := 0
			for _, call := range r.sim.CallsTo("createSnapshot") {
				if call.Failed() {
					failed++
				}
			}
			assert.Equal(t, tc.failed, failed)
		})
	}
}

func TestSnapshotVolumesReportsFailedCleanup(t *testing.T) {
	t.Parallel()
	r := newRig(t, 3)
	r.detachReplicated(t)
	c := r.client(t)
	r.sim.FailWhen(func(call simulator.Call) bool {
		return call.Command == "createSnapshot" && call.Params.Get("volumeid") == r.seed.VolumeIDs[0]
	}, simulator.Fault{Async: true, ErrorCode: 530, ErrorText: "Failed to create snapshot"})
	r.sim.FailNth("deleteSnapshot", 1, simulator.Fault{Async: true, ErrorCode: 530, ErrorText: "Failed to delete snapshot"})

	left, err := c.SnapshotVolumes(context.Background(), r.seed.VolumeIDs, cloudstack.SnapshotParallel(1))
	require.Error(t, err)
	require.Len(t, left, 1, "the snapshot that could not be deleted is handed back")
	assert.Contains(t, err.Error(), "1 of 3 snapshots failed")
	assert.Contains(t, err.Error(), "1 of 2 deletions failed, left: "+left[0].ID, "the failed creation left nothing to delete")
	assert.Contains(t, err.Error(), "(2 errors)")
	assert.Equal(t, 1, liveSnapshots(r.sim))
	got, err := c.GetSnapshot(context.Background(), left[0].ID)
	require.NoError(t, err)
	assert.Equal(t, left[0].VolumeID, got.VolumeID)
}

func TestSnapshotVolumesRejectsBadInput(t *testing.T) {
	t.Parallel()
	r := newRig(t, 1)
	c := r.client(t)
	for _, ids := range [][]string{{""}, {r.seed.VolumeIDs[0], r.seed.VolumeIDs[0]}} {
		_, err := c.SnapshotVolumes(context.Background(), ids)
		require.ErrorIs(t, err, fkerrors.Invalid)
	}
	assert.Empty(t, r.sim.CallsTo("createSnapshot"))
}
