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
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2, State: cloudstack.VMStopped}})
	vol := e.seed.VolumeIDs[0]

	cp := e.cs.Snapshot.NewCreateSnapshotParams(vol)
	cp.SetName("before-failover")
	sn, err := e.cs.Snapshot.CreateSnapshot(cp)
	require.NoError(t, err)
	assert.Equal(t, "BackedUp", sn.State)
	assert.Equal(t, vol, sn.Volumeid)
	assert.Equal(t, "replica-1", sn.Volumename)
	assert.Equal(t, "DATADISK", sn.Volumetype)
	assert.True(t, sn.Revertable)
	assert.True(t, csgo.IsID(sn.Id))
	other, err := e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[1]))
	require.NoError(t, err)
	assert.Regexp(t, `^oma_replica-2_\d{14}$`, other.Name, "SnapshotManagerImpl.allocSnapshot's name: host, volume, time")

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
	require.NoError(t, e.start(t, e.seed.ApplianceVMID))
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
	require.NoError(t, e.detach(vol))
	sn, err := e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(vol))
	require.NoError(t, err)
	assert.Regexp(t, `^detached_replica-1_\d{14}$`, sn.Name)
	_, err = e.cs.Volume.DeleteVolume(e.cs.Volume.NewDeleteVolumeParams(vol))
	require.NoError(t, err)
	_, err = e.cs.Snapshot.RevertSnapshot(e.cs.Snapshot.NewRevertSnapshotParams(sn.Id))
	require.ErrorContains(t, err, `"errorcode":431`)
}

func TestRunningKVMVMSnapshotRefusedByDefault530(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	_, err := e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[0]))
	require.Error(t, err)
	assert.Equal(t, "CloudStack API error 530 (CSExceptionErrorCode: 4250): KVM Snapshot is not supported for Running VMs. It is disabled by default due to a possible volume corruption in certain cases. To enable it set global settings kvm.snapshot.enabled to True. See the documentation for more details.", err.Error())
	c := e.lastCall(t, "createSnapshot")
	assert.Empty(t, c.JobID, "SnapshotManagerImpl.allocSnapshot refuses it before the job")
	assert.Empty(t, e.sim.State().Snapshots, "and allocates no snapshot")

	e.stop(t, e.seed.ApplianceVMID)
	_, err = e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[0]))
	require.NoError(t, err, "a stopped VM's volume can be snapshotted")
	require.NoError(t, e.start(t, e.seed.ApplianceVMID))
	require.NoError(t, e.detach(e.seed.VolumeIDs[0]))
	_, err = e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[0]))
	require.NoError(t, err, "so can a detached volume")

	// Other hypervisors snapshot running VMs.
	vmw := newEnv(t, simulator.Scenario{Hypervisor: "VMware", Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	_, err = vmw.cs.Snapshot.CreateSnapshot(vmw.cs.Snapshot.NewCreateSnapshotParams(vmw.seed.VolumeIDs[0]))
	require.NoError(t, err)
}

func TestRunningKVMVMSnapshotAllowedWithKVMSnapshotEnabled(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}}, simulator.WithRunningVMSnapshots(true))
	sn, err := e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[0]))
	require.NoError(t, err)
	assert.Equal(t, "BackedUp", sn.State)
}

func TestRevertSnapshotOnlyForKVM530(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hypervisor string
		revertable bool
	}{{"KVM", true}, {"VMware", false}, {"XenServer", false}, {"Hyperv", false}}
	for _, tc := range tests {
		t.Run(tc.hypervisor, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, simulator.Scenario{Hypervisor: tc.hypervisor, Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1, State: cloudstack.VMStopped}})
			sn, err := e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[0]))
			require.NoError(t, err)
			assert.Equal(t, tc.revertable, sn.Revertable, "SnapshotObject.isRevertable")
			l, err := e.cs.Snapshot.ListSnapshots(e.cs.Snapshot.NewListSnapshotsParams())
			require.NoError(t, err)
			require.Len(t, l.Snapshots, 1)
			assert.Equal(t, tc.revertable, l.Snapshots[0].Revertable)

			_, err = e.cs.Snapshot.RevertSnapshot(e.cs.Snapshot.NewRevertSnapshotParams(sn.Id))
			if tc.revertable {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, `Undefined error: {"uuidList":[],"errorcode":530,"errortext":"Revert snapshot command failed for snapshot with id `+sn.Id+`, because this command is supported only for KVM hypervisor"}`, err.Error())
			v, _ := e.sim.State().Volume(e.seed.VolumeIDs[0])
			assert.Empty(t, v.RevertedFrom)
		})
	}
}

func TestSnapshotOfDestroyedVMVolumeAnswers530(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	vm := e.deploy(t, "gone", true)
	_, err := e.cs.VirtualMachine.DestroyVirtualMachine(e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id))
	require.NoError(t, err)
	root := e.sim.State().VolumesOf(vm.Id)[0]
	_, err = e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(root.ID))
	require.EqualError(t, err, "CloudStack API error 530 (CSExceptionErrorCode: 4250): Creating snapshot failed due to volume:"+root.ID+" is associated with vm:gone is in Destroyed state")
}

func TestOneActiveSnapshotPerKVMVMAnswers431(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2, State: cloudstack.VMStopped}},
		simulator.WithPendingPolls(1))
	cs := csgo.NewClient(e.sim.URL(), e.seed.APIKey, e.seed.SecretKey, false)
	first, err := cs.Snapshot.CreateSnapshot(cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[0]))
	require.NoError(t, err)
	_, err = cs.Snapshot.CreateSnapshot(cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[1]))
	require.EqualError(t, err, "CloudStack API error 431 (CSExceptionErrorCode: 4350): There is other active snapshot tasks on the instance to which the volume is attached, please try again later")

	for range 2 { // the pending poll, then the result
		_, err = cs.Asyncjob.QueryAsyncJobResult(cs.Asyncjob.NewQueryAsyncJobResultParams(first.JobID))
		require.NoError(t, err)
	}
	_, err = cs.Snapshot.CreateSnapshot(cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[1]))
	require.NoError(t, err, "once the first is backed up the next may start")
}

func TestPendingSnapshotRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1, State: cloudstack.VMStopped}},
		simulator.WithPendingPolls(1))
	cs := csgo.NewClient(e.sim.URL(), e.seed.APIKey, e.seed.SecretKey, false)
	sn, err := cs.Snapshot.CreateSnapshot(cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[0]))
	require.NoError(t, err)
	require.NotEmpty(t, sn.Id)
	s, _ := e.sim.State().Snapshot(sn.Id)
	assert.Equal(t, cloudstack.SnapshotCreating, s.State)

	jobStatus := func(jobID string) int {
		q, err := cs.Asyncjob.QueryAsyncJobResult(cs.Asyncjob.NewQueryAsyncJobResultParams(jobID))
		require.NoError(t, err)
		return q.Jobstatus
	}
	rv, err := cs.Snapshot.RevertSnapshot(cs.Snapshot.NewRevertSnapshotParams(sn.Id))
	require.NoError(t, err)
	assert.Equal(t, 2, jobStatus(rv.JobID), "a snapshot still being created cannot be reverted")
	del, err := cs.Snapshot.DeleteSnapshot(cs.Snapshot.NewDeleteSnapshotParams(sn.Id))
	require.NoError(t, err)
	assert.Equal(t, 2, jobStatus(del.JobID), "nor deleted")
	assert.Equal(t, 530, e.lastCall(t, "deleteSnapshot").ErrorCode)

	assert.Equal(t, 0, jobStatus(sn.JobID))
	assert.Equal(t, 1, jobStatus(sn.JobID))
	s, _ = e.sim.State().Snapshot(sn.Id)
	assert.Equal(t, cloudstack.SnapshotBackedUp, s.State)
}

// QueryManagerImpl.searchForSnapshotsWithParams filters name with Op.EQ, case-insensitive
// under MySQL's collation: "snap" does not list "snap-2".
func TestListSnapshotsNameIsExact(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2, State: cloudstack.VMStopped}})
	for i, name := range []string{"snap", "snap-2"} {
		cp := e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[i])
		cp.SetName(name)
		_, err := e.cs.Snapshot.CreateSnapshot(cp)
		require.NoError(t, err)
	}

	for name, want := range map[string][]string{"snap": {"snap"}, "SNAP": {"snap"}, "snap-2": {"snap-2"}, "nap": nil} {
		p := e.cs.Snapshot.NewListSnapshotsParams()
		p.SetName(name)
		r, err := e.cs.Snapshot.ListSnapshots(p)
		require.NoError(t, err)
		names := namesOf(r.Snapshots)
		assert.Equal(t, want, names, "name=%s", name)
		assert.Equal(t, len(want), r.Count, "name=%s", name)
	}
}
