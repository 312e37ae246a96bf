package simulator_test

import (
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSnapshots(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2}})
	vol := e.seed.VolumeIDs[0]

	cp := e.cs.Snapshot.NewCreateSnapshotParams(vol)
	cp.SetName("before-failover")
	sn, err := e.cs.Snapshot.CreateSnapshot(cp)
	require.NoError(t, err)
	assert.Equal(t, "BackedUp", sn.State)
	assert.Equal(t, vol, sn.Volumeid)
	assert.Equal(t, "replica-1", sn.Volumename)
	assert.Equal(t, "DATADISK", sn.Volumetype)
	assert.True(t, csgo.IsID(sn.Id))
	other, err := e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[1]))
	require.NoError(t, err)

	lp := e.cs.Snapshot.NewListSnapshotsParams()
	lp.SetVolumeid(vol)
	l, err := e.cs.Snapshot.ListSnapshots(lp)
	require.NoError(t, err)
	require.Equal(t, 1, l.Count)
	assert.Equal(t, sn.Id, l.Snapshots[0].Id)
	l, err = e.cs.Snapshot.ListSnapshots(e.cs.Snapshot.NewListSnapshotsParams())
	require.NoError(t, err)
	assert.Equal(t, 2, l.Count)
	ofVol := e.sim.State().SnapshotsOf(vol)
	require.Len(t, ofVol, 1)
	assert.Equal(t, "before-failover", ofVol[0].Name)

	// revert needs the VM stopped (or the volume detached)
	_, err = e.cs.Snapshot.RevertSnapshot(e.cs.Snapshot.NewRevertSnapshotParams(sn.Id))
	require.ErrorContains(t, err, `"errorcode":431`)
	assert.Contains(t, e.lastCall(t, "revertSnapshot").ErrorText, "not in the shutdown state")
	v, _ := e.sim.State().Volume(vol)
	assert.Empty(t, v.RevertedFrom)

	require.NoError(t, e.detach(vol))
	r, err := e.cs.Snapshot.RevertSnapshot(e.cs.Snapshot.NewRevertSnapshotParams(sn.Id))
	require.NoError(t, err, "a detached volume reverts")
	assert.Equal(t, sn.Id, r.Id)
	v, _ = e.sim.State().Volume(vol)
	assert.Equal(t, sn.Id, v.RevertedFrom)

	e.stop(t, e.seed.ApplianceVMID)
	_, err = e.cs.Snapshot.RevertSnapshot(e.cs.Snapshot.NewRevertSnapshotParams(other.Id))
	require.NoError(t, err, "a volume of a stopped VM reverts")
	s, _ := e.sim.State().Snapshot(other.Id)
	assert.Equal(t, 1, s.Reverts)

	d, err := e.cs.Snapshot.DeleteSnapshot(e.cs.Snapshot.NewDeleteSnapshotParams(sn.Id))
	require.NoError(t, err)
	assert.True(t, d.Success)
	s, _ = e.sim.State().Snapshot(sn.Id)
	assert.Equal(t, cloudstack.SnapshotDestroyed, s.State)
	lp = e.cs.Snapshot.NewListSnapshotsParams()
	lp.SetId(sn.Id)
	l, err = e.cs.Snapshot.ListSnapshots(lp)
	require.NoError(t, err)
	assert.Equal(t, 0, l.Count, "a deleted snapshot's id lists nothing")

	_, err = e.cs.Snapshot.DeleteSnapshot(e.cs.Snapshot.NewDeleteSnapshotParams(sn.Id))
	require.ErrorContains(t, err, "CloudStack API error 431", "deleting twice")
	_, err = e.cs.Snapshot.RevertSnapshot(e.cs.Snapshot.NewRevertSnapshotParams(sn.Id))
	require.ErrorContains(t, err, "CloudStack API error 431", "reverting a deleted snapshot")
	_, err = e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams("5e000000-0000-4000-8000-0000000fffff"))
	require.ErrorContains(t, err, "CloudStack API error 431")

	_, err = e.cs.Volume.DeleteVolume(e.cs.Volume.NewDeleteVolumeParams(vol))
	require.NoError(t, err)
	_, err = e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(vol))
	require.ErrorContains(t, err, "CloudStack API error 431", "snapshot of a deleted volume")
}

func TestSnapshotOfDeletedVolumeCannotRevert(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	vol := e.seed.VolumeIDs[0]
	sn, err := e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(vol))
	require.NoError(t, err)
	require.NoError(t, e.detach(vol))
	_, err = e.cs.Volume.DeleteVolume(e.cs.Volume.NewDeleteVolumeParams(vol))
	require.NoError(t, err)
	_, err = e.cs.Snapshot.RevertSnapshot(e.cs.Snapshot.NewRevertSnapshotParams(sn.Id))
	require.ErrorContains(t, err, `"errorcode":431`)
}

func TestRunningVMSnapshotsCanBeRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}}, simulator.WithRunningVMSnapshots(false))
	_, err := e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[0]))
	require.ErrorContains(t, err, "kvm.snapshot.enabled")
	assert.Equal(t, 530, e.lastCall(t, "createSnapshot").ErrorCode)
	e.stop(t, e.seed.ApplianceVMID)
	_, err = e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[0]))
	require.NoError(t, err, "a stopped VM's volume can be snapshotted")
}
