package simulator_test

import (
	"testing"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The test failover and rollback of the product brief, step by step through cloudstack-go,
// with the simulator's state checked after each phase.
func TestTestFailoverAndRollbackScenario(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Account: "ops", Appliance: simulator.ApplianceSpec{Volumes: []simulator.VolumeSpec{
		{Name: "web01-disk0", DeviceID: 1, SizeGB: 40}, {Name: "web01-disk1", DeviceID: 2, SizeGB: 100}, {Name: "web01-disk2", DeviceID: 4, SizeGB: 20},
	}}})
	cs, seed := e.cs, e.seed

	// Preflight: every replicated volume is attached to the appliance.
	lp := cs.Volume.NewListVolumesParams()
	lp.SetVirtualmachineid(seed.ApplianceVMID)
	lp.SetType("DATADISK")
	vols, err := cs.Volume.ListVolumes(lp)
	require.NoError(t, err)
	require.Equal(t, 3, vols.Count)

	// Deploy the test VM stopped, shaped like the source VM, and remove its ROOT.
	dp := cs.VirtualMachine.NewDeployVirtualMachineParams(seed.CustomServiceOfferingID, seed.TemplateID, seed.ZoneID)
	dp.SetName("web01-test")
	dp.SetStartvm(false)
	dp.SetNetworkids([]string{seed.NetworkID})
	dp.SetDetails(map[string]string{"cpuNumber": "4", "memory": "8192"})
	vm, err := cs.VirtualMachine.DeployVirtualMachine(dp)
	require.NoError(t, err)
	rootID := e.sim.State().VolumesOf(vm.Id)[0].ID
	require.NoError(t, e.detach(rootID))
	_, err = cs.Volume.DeleteVolume(cs.Volume.NewDeleteVolumeParams(rootID))
	require.NoError(t, err)

	// Move the volumes - boot disk to device 0, data disks after it, in order - and
	// snapshot each while it is detached: a default KVM cloud (kvm.snapshot.enabled=false)
	// refuses snapshots of the running appliance's volumes.
	snaps := map[string]string{}
	for i, v := range seed.VolumeIDs {
		require.NoError(t, e.detach(v))
		s, err := cs.Snapshot.CreateSnapshot(cs.Snapshot.NewCreateSnapshotParams(v))
		require.NoError(t, err)
		snaps[v] = s.Id
		require.NoError(t, e.attach(v, vm.Id, int64([]int{0, 1, 2}[i])))
	}
	require.NoError(t, e.start(t, vm.Id))

	st := e.sim.State()
	onTest := st.VolumesOf(vm.Id)
	require.Len(t, onTest, 3)
	for i, v := range onTest {
		assert.Equal(t, seed.VolumeIDs[i], v.ID)
		assert.Equal(t, i, v.DeviceID)
	}
	assert.Equal(t, cloudstack.VolumeRoot, onTest[0].Type)
	assert.Len(t, st.VolumesOf(seed.ApplianceVMID), 1, "only the appliance's own ROOT is left on it")
	tv, _ := st.VM(vm.Id)
	assert.Equal(t, cloudstack.VMRunning, tv.State)
	assert.Equal(t, 4, tv.CPUs)

	// Rollback: stop, detach, revert, reattach at the original devices, destroy, delete
	// snapshots.
	p := cs.VirtualMachine.NewStopVirtualMachineParams(vm.Id)
	p.SetForced(true)
	_, err = cs.VirtualMachine.StopVirtualMachine(p)
	require.NoError(t, err)
	for _, v := range seed.VolumeIDs {
		require.NoError(t, e.detach(v))
	}
	for _, v := range seed.VolumeIDs {
		_, err := cs.Snapshot.RevertSnapshot(cs.Snapshot.NewRevertSnapshotParams(snaps[v]))
		require.NoError(t, err)
	}
	for i, v := range seed.VolumeIDs {
		require.NoError(t, e.attach(v, seed.ApplianceVMID, int64(seed.DeviceIDs[i])))
	}
	xp := cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id)
	xp.SetExpunge(true)
	_, err = cs.VirtualMachine.DestroyVirtualMachine(xp)
	require.NoError(t, err)
	for _, s := range snaps {
		_, err := cs.Snapshot.DeleteSnapshot(cs.Snapshot.NewDeleteSnapshotParams(s))
		require.NoError(t, err)
	}

	st = e.sim.State()
	back := st.VolumesOf(seed.ApplianceVMID)
	require.Len(t, back, 4)
	for i, v := range seed.VolumeIDs {
		assert.Equal(t, v, back[i+1].ID)
		assert.Equal(t, seed.DeviceIDs[i], back[i+1].DeviceID)
		assert.Equal(t, cloudstack.VolumeData, back[i+1].Type, "the boot disk is a data disk again")
		assert.Equal(t, snaps[v], back[i+1].RevertedFrom)
	}
	tv, _ = st.VM(vm.Id)
	assert.Equal(t, cloudstack.VMExpunging, tv.State)
	assert.True(t, tv.Expunged())
	for _, s := range st.Snapshots {
		assert.Equal(t, cloudstack.SnapshotDestroyed, s.State)
	}

	// Every call used the ops account's key and none failed.
	for _, c := range e.sim.Calls() {
		assert.Equal(t, "ops", c.Account)
		assert.Equal(t, seed.APIKey, c.APIKey)
		assert.False(t, c.Failed(), "%s: %s", c.Command, c.ErrorText)
	}
}

// The mistakes the simulator exists to catch, in the order a careless flow makes them.
func TestFailoverMistakesAreCaught(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2}})
	vm := e.deploy(t, "careless", true) // started: its ROOT cannot be removed

	require.ErrorContains(t, e.detach(e.sim.State().VolumesOf(vm.Id)[0].ID), "Root volume detach")
	require.ErrorContains(t, e.attach(e.seed.VolumeIDs[0], vm.Id, 0), "not attached to any VM",
		"moving a volume without detaching it from the appliance")
	require.NoError(t, e.detach(e.seed.VolumeIDs[0]))
	require.ErrorContains(t, e.attach(e.seed.VolumeIDs[0], vm.Id, 0), "Root volume",
		"device 0 on a running VM")
	_, err := e.cs.Snapshot.RevertSnapshot(e.cs.Snapshot.NewRevertSnapshotParams("5e000000-0000-4000-8000-0000000fffff"))
	require.ErrorContains(t, err, "CloudStack API error 431")
	_, err = e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[1]))
	require.ErrorContains(t, err, "kvm.snapshot.enabled", "snapshotting a volume of the running appliance on a default KVM cloud")
	e.stop(t, e.seed.ApplianceVMID)
	s, err := e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(e.seed.VolumeIDs[1]))
	require.NoError(t, err)
	require.NoError(t, e.start(t, e.seed.ApplianceVMID))
	_, err = e.cs.Snapshot.RevertSnapshot(e.cs.Snapshot.NewRevertSnapshotParams(s.Id))
	require.ErrorContains(t, err, "shutdown state", "reverting a volume of the running appliance")
	_, err = e.cs.Volume.DeleteVolume(e.cs.Volume.NewDeleteVolumeParams(e.seed.VolumeIDs[1]))
	require.ErrorContains(t, err, "not attached to any VM", "deleting a replicated volume still in use")

	var failed []string
	for _, c := range e.sim.Calls() {
		if c.Failed() {
			failed = append(failed, c.Command)
		}
	}
	assert.Equal(t, []string{"detachVolume", "attachVolume", "attachVolume", "revertSnapshot", "createSnapshot", "revertSnapshot", "deleteVolume"}, failed)
}
