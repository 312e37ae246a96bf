package simulator_test

import (
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Rules not covered by the per-resource tests.
func TestRemainingRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 26}})

	t.Run("maximum number of data disks", func(t *testing.T) {
		spare, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{})
		require.NoError(t, err)
		require.Error(t, e.attach(spare, e.seed.ApplianceVMID, -1))
		c := e.lastCall(t, "attachVolume")
		assert.Equal(t, 431, c.ErrorCode)
		assert.Contains(t, c.ErrorText, "maximum number of data disks (26)")
	})
	t.Run("detach needs an id or a VM and device", func(t *testing.T) {
		p := e.cs.Volume.NewDetachVolumeParams()
		p.SetVirtualmachineid(e.seed.ApplianceVMID)
		_, err := e.cs.Volume.DetachVolume(p)
		require.ErrorContains(t, err, `"errorcode":431,"errortext":"Please provide either a volume id, or a tuple(device id, instance id)"`)
		p.SetId(e.seed.VolumeIDs[0])
		p.SetDeviceid(1)
		_, err = e.cs.Volume.DetachVolume(p)
		require.ErrorContains(t, err, `"errorcode":431,"errortext":"Please provide either a volume id, or a tuple(device id, instance id)"`, "an id and a tuple together")
	})
	t.Run("destroy with a volume that is not its data volume", func(t *testing.T) {
		vm := e.deploy(t, "other", false)
		p := e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id)
		p.SetVolumeids([]string{e.seed.VolumeIDs[0]})
		_, err := e.cs.VirtualMachine.DestroyVirtualMachine(p)
		require.ErrorContains(t, err, "CloudStack API error 431")
		v, _ := e.sim.State().VM(vm.Id)
		assert.Equal(t, cloudstack.VMStopped, v.State)
	})
	t.Run("stop and reboot a destroyed VM", func(t *testing.T) {
		vm := e.deploy(t, "gone", true)
		_, err := e.cs.VirtualMachine.DestroyVirtualMachine(e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id))
		require.NoError(t, err)
		_, err = e.cs.VirtualMachine.StopVirtualMachine(e.cs.VirtualMachine.NewStopVirtualMachineParams(vm.Id))
		require.ErrorContains(t, err, `"errorcode":431`)
		_, err = e.cs.VirtualMachine.RebootVirtualMachine(e.cs.VirtualMachine.NewRebootVirtualMachineParams(vm.Id))
		require.ErrorContains(t, err, `"errorcode":431`)
		// Its name stays taken until it is expunged.
		p := e.cs.VirtualMachine.NewDeployVirtualMachineParams(e.seed.ServiceOfferingID, e.seed.TemplateID, e.seed.ZoneID)
		p.SetName("gone")
		_, err = e.cs.VirtualMachine.DeployVirtualMachine(p)
		require.ErrorContains(t, err, "CloudStack API error 431")
		_, err = e.cs.VirtualMachine.ExpungeVirtualMachine(e.cs.VirtualMachine.NewExpungeVirtualMachineParams(vm.Id))
		require.NoError(t, err)
		_, err = e.cs.VirtualMachine.DeployVirtualMachine(p)
		require.NoError(t, err)
	})
	t.Run("a destroyed VM keeps only its ROOT, which cannot be detached", func(t *testing.T) {
		vm := e.deploy(t, "wreck", false)
		data, err := e.sim.AddDataVolume(e.seed.ZoneID, vm.Id, simulator.VolumeSpec{})
		require.NoError(t, err)
		_, err = e.cs.VirtualMachine.DestroyVirtualMachine(e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id))
		require.NoError(t, err)
		require.ErrorContains(t, e.detach(data), `"errorcode":431`, "destroy already detached it")
		// CloudStack's message names Destroyed, but its check admits only Stopped.
		require.ErrorContains(t, e.detach(e.sim.State().VolumesOf(vm.Id)[0].ID), `"errorcode":431`)
	})
	t.Run("a detached ROOT becomes a DATADISK, device 0 makes a ROOT", func(t *testing.T) {
		vm := e.deploy(t, "swap", false)
		root := e.sim.State().VolumesOf(vm.Id)[0]
		require.Equal(t, cloudstack.VolumeRoot, root.Type)
		require.NoError(t, e.detach(root.ID))
		v, _ := e.sim.State().Volume(root.ID)
		assert.Equal(t, cloudstack.VolumeData, v.Type)
		require.NoError(t, e.attach(root.ID, vm.Id, 0))
		v, _ = e.sim.State().Volume(root.ID)
		assert.Equal(t, cloudstack.VolumeRoot, v.Type)
	})
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

func TestMaxDataVolumesOption(t *testing.T) {
	t.Parallel()
	sim := simulator.New(simulator.WithMaxDataVolumes(2))
	t.Cleanup(sim.Close)
	_, err := sim.Seed(simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 3}})
	require.ErrorIs(t, err, simulator.ErrInvalidScenario)
	_, err = sim.Seed(simulator.Scenario{Appliance: simulator.ApplianceSpec{Volumes: []simulator.VolumeSpec{{DeviceID: 4}}}})
	require.ErrorIs(t, err, simulator.ErrInvalidScenario, "device ids stop at 3 with two data volumes")

	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2}}, simulator.WithMaxDataVolumes(2))
	assert.Equal(t, []int{1, 2}, e.seed.DeviceIDs)
	spare, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{})
	require.NoError(t, err)
	require.ErrorContains(t, e.attach(spare, e.seed.ApplianceVMID, -1), "maximum number of data disks (2)")
}
