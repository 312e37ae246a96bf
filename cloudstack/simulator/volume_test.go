package simulator_test

import (
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestListVolumes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{Volumes: []simulator.VolumeSpec{
		{Name: "boot", DeviceID: 5}, {Name: "data-a", DeviceID: 1}, {Name: "data-b"},
	}}})
	assert.Equal(t, []int{5, 1, 2}, e.seed.DeviceIDs)
	detached, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{Name: "spare"})
	require.NoError(t, err)

	list := func(set func(p *csgo.ListVolumesParams)) []string {
		t.Helper()
		p := e.cs.Volume.NewListVolumesParams()
		set(p)
		r, err := e.cs.Volume.ListVolumes(p)
		require.NoError(t, err)
		require.Equal(t, len(r.Volumes), r.Count)
		return namesOf(r.Volumes)
	}
	assert.Equal(t, []string{"ROOT-oma", "data-a", "data-b", "boot"},
		list(func(p *csgo.ListVolumesParams) { p.SetVirtualmachineid(e.seed.ApplianceVMID) }), "device order")
	assert.Equal(t, []string{"data-a", "data-b", "boot"}, list(func(p *csgo.ListVolumesParams) {
		p.SetVirtualmachineid(e.seed.ApplianceVMID)
		p.SetType("DATADISK")
	}))
	assert.Equal(t, []string{"ROOT-oma"}, list(func(p *csgo.ListVolumesParams) { p.SetType("ROOT") }))
	assert.Equal(t, []string{"spare"}, list(func(p *csgo.ListVolumesParams) { p.SetId(detached) }))
	assert.Len(t, list(func(p *csgo.ListVolumesParams) {}), 5)

	p := e.cs.Volume.NewListVolumesParams()
	p.SetVirtualmachineid(e.seed.ApplianceVMID)
	r, err := e.cs.Volume.ListVolumes(p)
	require.NoError(t, err)
	v := r.Volumes[3]
	assert.Equal(t, int64(5), v.Deviceid)
	assert.Equal(t, e.seed.ApplianceVMID, v.Virtualmachineid)
	assert.Equal(t, "oma", v.Vmname)
	assert.Equal(t, "Running", v.Vmstate)
	assert.Equal(t, "Ready", v.State)
	assert.Equal(t, int64(10<<30), v.Size)
	assert.NotEmpty(t, v.Attached)

	bad := e.cs.Volume.NewListVolumesParams()
	bad.SetVirtualmachineid("5e000000-0000-4000-8000-0000000fffff")
	_, err = e.cs.Volume.ListVolumes(bad)
	require.ErrorContains(t, err, "CloudStack API error 431")
	bad = e.cs.Volume.NewListVolumesParams()
	bad.SetType("SWAP")
	_, err = e.cs.Volume.ListVolumes(bad)
	require.ErrorContains(t, err, "CloudStack API error 431")
}

// listVolumes and listVirtualMachines take ids as CloudStack does (ListVolumesCmd since 4.9,
// ListVMsCmd since 4.4): the listed entities only, an unknown item is ParamProcessWorker's
// 431 naming it, and id with ids is QueryManagerImpl.getIdsListFromCmd's 431.
func TestListByIds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{Volumes: []simulator.VolumeSpec{
		{Name: "a"}, {Name: "b"}, {Name: "c"},
	}}})
	vols := e.seed.VolumeIDs
	p := e.cs.Volume.NewListVolumesParams()
	p.SetIds([]string{vols[2], vols[0]})
	r, err := e.cs.Volume.ListVolumes(p)
	require.NoError(t, err)
	names := namesOf(r.Volumes)
	assert.ElementsMatch(t, []string{"a", "c"}, names)
	assert.Equal(t, 2, r.Count)

	unknown := "5e000000-0000-4000-8000-0000000fffff"
	p.SetIds([]string{vols[0], unknown})
	_, err = e.cs.Volume.ListVolumes(p)
	require.ErrorContains(t, err, "CloudStack API error 431")
	require.ErrorContains(t, err, "Invalid parameter ids value="+unknown)

	p.SetIds([]string{vols[0]})
	p.SetId(vols[1])
	_, err = e.cs.Volume.ListVolumes(p)
	require.ErrorContains(t, err, "CloudStack API error 431")
	require.ErrorContains(t, err, "Specify either id or ids but not both parameters")

	vp := e.cs.VirtualMachine.NewListVirtualMachinesParams()
	vp.SetIds([]string{e.seed.ApplianceVMID})
	vms, err := e.cs.VirtualMachine.ListVirtualMachines(vp)
	require.NoError(t, err)
	require.Equal(t, 1, vms.Count)
	assert.Equal(t, e.seed.ApplianceVMID, vms.VirtualMachines[0].Id)
	vp.SetIds([]string{unknown})
	_, err = e.cs.VirtualMachine.ListVirtualMachines(vp)
	require.ErrorContains(t, err, "Invalid parameter ids value="+unknown)
	vp.SetIds([]string{e.seed.ApplianceVMID})
	vp.SetId(e.seed.ApplianceVMID)
	_, err = e.cs.VirtualMachine.ListVirtualMachines(vp)
	require.ErrorContains(t, err, "Specify either id or ids but not both parameters")
}

func TestAttachVolumeRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2}})
	running := e.deploy(t, "running", true)
	stopped := e.deploy(t, "stopped", false)
	zone2 := e.sim.AddZone("zone-2")
	far, err := e.sim.AddDataVolume(zone2, "", simulator.VolumeSpec{Name: "far"})
	require.NoError(t, err)
	spare := func() string {
		id, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{})
		require.NoError(t, err)
		return id
	}
	destroyed := e.deploy(t, "destroyed", false)
	_, err = e.cs.VirtualMachine.DestroyVirtualMachine(e.cs.VirtualMachine.NewDestroyVirtualMachineParams(destroyed.Id))
	require.NoError(t, err)

	tests := []struct {
		name   string
		volume func() string
		vm     string
		device int64
		code   int
	}{
		{"attached volume", func() string { return e.seed.VolumeIDs[0] }, stopped.Id, -1, 431},
		{"device 0 on a running VM", spare, running.Id, 0, 431},
		{"second device 0", spare, stopped.Id, 0, 431},
		{"device 3 is the CD-ROM", spare, stopped.Id, 3, 530},
		{"device beyond the limit", spare, stopped.Id, 28, 530},
		{"device in use", spare, e.seed.ApplianceVMID, 2, 530},
		{"volume of another zone", func() string { return far }, stopped.Id, -1, 431},
		{"destroyed VM", spare, destroyed.Id, -1, 431},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			vol := tc.volume()
			before, _ := e.sim.State().Volume(vol)
			err := e.attach(vol, tc.vm, tc.device)
			require.Error(t, err)
			c := e.lastCall(t, "attachVolume")
			assert.Equal(t, 200, c.HTTPStatus, "rule violations fail the job, not the call")
			assert.Equal(t, 2, c.JobStatus)
			assert.Equal(t, tc.code, c.ErrorCode, c.ErrorText)
			after, _ := e.sim.State().Volume(vol)
			assert.Equal(t, before, after, "a failed attach changes nothing")
		})
	}

	// Unknown ids fail synchronously.
	require.ErrorContains(t, e.attach("5e000000-0000-4000-8000-0000000fffff", stopped.Id, -1), "CloudStack API error 431")
	require.ErrorContains(t, e.attach(spare(), "5e000000-0000-4000-8000-0000000fffff", -1), "CloudStack API error 431")

	t.Run("next free device skips 3", func(t *testing.T) {
		vm := e.deploy(t, "many", false)
		var got []int
		for range 4 {
			v := spare()
			require.NoError(t, e.attach(v, vm.Id, -1))
			vol, _ := e.sim.State().Volume(v)
			got = append(got, vol.DeviceID)
		}
		assert.Equal(t, []int{1, 2, 4, 5}, got)
	})
	t.Run("attach to running VM at a data device", func(t *testing.T) {
		v := spare()
		p := e.cs.Volume.NewAttachVolumeParams(v, running.Id)
		p.SetDeviceid(7)
		r, err := e.cs.Volume.AttachVolume(p)
		require.NoError(t, err)
		assert.Equal(t, running.Id, r.Virtualmachineid)
		assert.Equal(t, int64(7), r.Deviceid)
		assert.Equal(t, "DATADISK", r.Type)
	})
	t.Run("boot disk becomes ROOT at device 0 of a stopped VM", func(t *testing.T) {
		root := e.sim.State().VolumesOf(stopped.Id)[0]
		require.NoError(t, e.detach(root.ID))
		v := spare()
		require.NoError(t, e.attach(v, stopped.Id, 0))
		vol, _ := e.sim.State().Volume(v)
		assert.Equal(t, cloudstack.VolumeRoot, vol.Type)
		assert.Equal(t, 0, vol.DeviceID)
		require.NoError(t, e.start(t, stopped.Id))
	})
}

func TestDetachAndDeleteVolumeRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2}})

	err := e.detach(e.seed.ApplianceRootVolumeID)
	require.ErrorContains(t, err, `"errorcode":431`, "ROOT of a running VM")
	assert.Contains(t, e.lastCall(t, "detachVolume").ErrorText, "Root volume detach")

	_, err = e.cs.Volume.DeleteVolume(e.cs.Volume.NewDeleteVolumeParams(e.seed.VolumeIDs[0]))
	require.ErrorContains(t, err, "CloudStack API error 431", "an attached volume cannot be deleted")

	r, err := func() (*csgo.DetachVolumeResponse, error) {
		p := e.cs.Volume.NewDetachVolumeParams()
		p.SetId(e.seed.VolumeIDs[0])
		return e.cs.Volume.DetachVolume(p)
	}()
	require.NoError(t, err, "a data volume detaches from a running VM")
	assert.Empty(t, r.Virtualmachineid)
	err = e.detach(e.seed.VolumeIDs[0])
	require.ErrorContains(t, err, `"errorcode":431`, "detaching a detached volume")

	// detach by VM and device id
	p := e.cs.Volume.NewDetachVolumeParams()
	p.SetVirtualmachineid(e.seed.ApplianceVMID)
	p.SetDeviceid(int64(e.seed.DeviceIDs[1]))
	_, err = e.cs.Volume.DetachVolume(p)
	require.NoError(t, err)
	assert.Len(t, e.sim.State().VolumesOf(e.seed.ApplianceVMID), 1)

	del, err := e.cs.Volume.DeleteVolume(e.cs.Volume.NewDeleteVolumeParams(e.seed.VolumeIDs[0]))
	require.NoError(t, err)
	assert.True(t, del.Success)
	v, _ := e.sim.State().Volume(e.seed.VolumeIDs[0])
	assert.Equal(t, cloudstack.VolumeExpunged, v.State)
	_, err = e.cs.Volume.DeleteVolume(e.cs.Volume.NewDeleteVolumeParams(e.seed.VolumeIDs[0]))
	require.ErrorContains(t, err, "CloudStack API error 431", "deleting twice")

	// The ROOT of a stopped VM detaches and can then be deleted: the failover's
	// "remove the created root volume" step.
	e.stop(t, e.seed.ApplianceVMID)
	require.NoError(t, e.detach(e.seed.ApplianceRootVolumeID))
	_, err = e.cs.Volume.DeleteVolume(e.cs.Volume.NewDeleteVolumeParams(e.seed.ApplianceRootVolumeID))
	require.NoError(t, err)
}

func TestCreateVolume(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	p := e.cs.Volume.NewCreateVolumeParams()
	p.SetName("extra")
	p.SetDiskofferingid(e.seed.CustomDiskOfferingID)
	p.SetZoneid(e.seed.ZoneID)
	p.SetSize(25)
	v, err := e.cs.Volume.CreateVolume(p)
	require.NoError(t, err)
	assert.Equal(t, "extra", v.Name)
	assert.Equal(t, int64(25<<30), v.Size)
	assert.Equal(t, "DATADISK", v.Type)
	assert.Equal(t, "Allocated", v.State)

	// An Allocated volume has no storage yet: no snapshot until it is attached to a VM
	// that has storage.
	_, err = e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(v.Id))
	require.ErrorContains(t, err, "CloudStack API error 431")
	vm := e.deploy(t, "holder", true)
	e.stop(t, vm.Id)
	require.NoError(t, e.attach(v.Id, vm.Id, -1))
	st, _ := e.sim.State().Volume(v.Id)
	assert.Equal(t, cloudstack.VolumeReady, st.State)
	_, err = e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(v.Id))
	require.NoError(t, err)

	p.SetDiskofferingid(e.seed.DiskOfferingID) // fixed size offering refuses a size
	_, err = e.cs.Volume.CreateVolume(p)
	require.ErrorContains(t, err, "CloudStack API error 431")

	// CreateVolumeCmd requires neither the offering nor the zone (a volume may come from a
	// snapshot); allocVolume refuses their absence before the job.
	_, err = e.custom("createVolume", map[string]string{"zoneid": e.seed.ZoneID})
	require.EqualError(t, err, "CloudStack API error 431 (CSExceptionErrorCode: 4350): At least one of disk Offering ID or snapshot ID must be passed whilst creating volume")
	_, err = e.custom("createVolume", map[string]string{"diskofferingid": e.seed.DiskOfferingID})
	require.EqualError(t, err, "CloudStack API error 431 (CSExceptionErrorCode: 4350): Unable to find zone by id null")
}

func TestRootVolumeDetachOnlyOnXenServerVMwareKVMSimulator(t *testing.T) {
	t.Parallel()
	tests := []struct {
		hypervisor string
		allowed    bool
	}{
		{"KVM", true}, {"VMware", true}, {"XenServer", true}, {"Simulator", true},
		{"Hyperv", false}, {"LXC", false}, {"Ovm3", false},
	}
	for _, tc := range tests {
		t.Run(tc.hypervisor, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, simulator.Scenario{Hypervisor: tc.hypervisor, Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
			vm := e.deploy(t, "target", true)
			e.stop(t, vm.Id)
			root := e.sim.State().VolumesOf(vm.Id)[0]
			require.Equal(t, cloudstack.VolumeRoot, root.Type)
			err := e.detach(root.ID)
			if !tc.allowed {
				require.Error(t, err)
				assert.Equal(t, `Undefined error: {"uuidList":[],"errorcode":431,"errortext":"Root volume detach is not supported for hypervisor type `+tc.hypervisor+`"}`, err.Error())
				v, _ := e.sim.State().Volume(root.ID)
				assert.Equal(t, vm.Id, v.VMID, "the ROOT stays")
				return
			}
			require.NoError(t, err)
			// Attaching at device 0 runs the same check.
			spare, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{})
			require.NoError(t, err)
			require.NoError(t, e.attach(spare, vm.Id, 0))
		})
	}
	t.Run("attach at device 0 refused too", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, simulator.Scenario{Hypervisor: "Hyperv", Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
		e.stop(t, e.seed.ApplianceVMID)
		spare, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{})
		require.NoError(t, err)
		err = e.attach(spare, e.seed.ApplianceVMID, 0)
		require.ErrorContains(t, err, `"errorcode":431,"errortext":"Root volume detach is not supported for hypervisor type Hyperv"`)
	})
}

func TestRootVolumeDetachNeverOnManagedStorage(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{ManagedStorage: true, Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	vm := e.deploy(t, "managed", true)
	e.stop(t, vm.Id)
	root := e.sim.State().VolumesOf(vm.Id)[0]
	err := e.detach(root.ID)
	require.Error(t, err)
	assert.Equal(t, `Undefined error: {"uuidList":[],"errorcode":431,"errortext":"Root volume detach is not supported for Managed DataStores"}`, err.Error())

	e.stop(t, e.seed.ApplianceVMID)
	require.NoError(t, e.detach(e.seed.VolumeIDs[0]), "data volumes detach from managed storage")
	other := e.deploy(t, "fresh", false)
	otherRoot := e.sim.State().VolumesOf(other.Id)[0]
	require.NoError(t, e.detach(otherRoot.ID), "an Allocated ROOT has no storage pool yet, so no managed one")
	require.ErrorContains(t, e.attach(e.seed.VolumeIDs[0], other.Id, 0), "Root volume detach is not supported for Managed DataStores",
		"attaching a volume on managed storage at device 0 is refused as well")
}

func TestStartvmFalseKeepsROOTAllocatedUntilFirstStart(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	p := e.cs.VirtualMachine.NewDeployVirtualMachineParams(e.seed.ServiceOfferingID, e.seed.TemplateID, e.seed.ZoneID)
	p.SetName("later")
	p.SetStartvm(false)
	p.SetDiskofferingid(e.seed.DiskOfferingID)
	vm, err := e.cs.VirtualMachine.DeployVirtualMachine(p)
	require.NoError(t, err)
	vols := e.sim.State().VolumesOf(vm.Id)
	require.Len(t, vols, 2)
	for _, v := range vols {
		assert.Equal(t, cloudstack.VolumeAllocated, v.State, "%s has no storage before the first start", v.Name)
	}
	_, err = e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(vols[0].ID))
	require.EqualError(t, err, "CloudStack API error 431 (CSExceptionErrorCode: 4350): VolumeId: "+vols[0].ID+" is not in Ready state but Allocated. Cannot take snapshot.")

	// A Ready volume attached to the never-started VM keeps its storage; an Allocated one
	// waits for the start (orchestrateAttachVolumeToVM finds no storage on the VM).
	spare, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{})
	require.NoError(t, err)
	require.NoError(t, e.attach(spare, vm.Id, -1))
	v, _ := e.sim.State().Volume(spare)
	assert.Equal(t, cloudstack.VolumeReady, v.State)
	cp := e.cs.Volume.NewCreateVolumeParams()
	cp.SetDiskofferingid(e.seed.DiskOfferingID)
	cp.SetZoneid(e.seed.ZoneID)
	created, err := e.cs.Volume.CreateVolume(cp)
	require.NoError(t, err)
	require.NoError(t, e.attach(created.Id, vm.Id, -1))
	v, _ = e.sim.State().Volume(created.Id)
	assert.Equal(t, cloudstack.VolumeAllocated, v.State)

	require.NoError(t, e.start(t, vm.Id))
	for _, v := range e.sim.State().VolumesOf(vm.Id) {
		assert.Equal(t, cloudstack.VolumeReady, v.State, "%s gets storage at the first start", v.Name)
	}

	// The failover engine's path: the new VM's Allocated ROOT is detached and deleted
	// before the first start, which VolumeApiServiceImpl allows on KVM (no host command, no
	// storage to free).
	fresh := e.deploy(t, "swap", false)
	root := e.sim.State().VolumesOf(fresh.Id)[0]
	require.Equal(t, cloudstack.VolumeAllocated, root.State)
	require.NoError(t, e.detach(root.ID))
	_, err = e.cs.Volume.DeleteVolume(e.cs.Volume.NewDeleteVolumeParams(root.ID))
	require.NoError(t, err)
	gone, _ := e.sim.State().Volume(root.ID)
	assert.Equal(t, cloudstack.VolumeExpunged, gone.State)
}

func TestDetachVolumeChecksArgumentsInTheJob(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	tests := []struct {
		name string
		set  func(p *csgo.DetachVolumeParams)
	}{
		{"nothing", func(*csgo.DetachVolumeParams) {}},
		{"a VM without a device", func(p *csgo.DetachVolumeParams) { p.SetVirtualmachineid(e.seed.ApplianceVMID) }},
		{"a device without a VM", func(p *csgo.DetachVolumeParams) { p.SetDeviceid(1) }},
		{"an id and a tuple", func(p *csgo.DetachVolumeParams) {
			p.SetId(e.seed.VolumeIDs[0])
			p.SetVirtualmachineid(e.seed.ApplianceVMID)
			p.SetDeviceid(1)
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := e.cs.Volume.NewDetachVolumeParams()
			tc.set(p)
			_, err := e.cs.Volume.DetachVolume(p)
			require.Error(t, err)
			assert.Equal(t, `Undefined error: {"uuidList":[],"errorcode":431,"errortext":"Please provide either a volume id, or a tuple(device id, instance id)"}`, err.Error())
			c := e.lastCall(t, "detachVolume")
			assert.Equal(t, 200, c.HTTPStatus, "detachVolumeFromVM runs in the job")
			assert.Equal(t, 2, c.JobStatus)
		})
	}
	// Parameter processing still fails the call: an id that names nothing.
	p := e.cs.Volume.NewDetachVolumeParams()
	p.SetVirtualmachineid("5e000000-0000-4000-8000-0000000fffff")
	p.SetDeviceid(1)
	_, err := e.cs.Volume.DetachVolume(p)
	require.ErrorContains(t, err, "CloudStack API error 431 (CSExceptionErrorCode: 9999)")
}

func TestDetachMissingDeviceFailsJob530(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	p := e.cs.Volume.NewDetachVolumeParams()
	p.SetVirtualmachineid(e.seed.ApplianceVMID)
	p.SetDeviceid(3)
	_, err := e.cs.Volume.DetachVolume(p)
	require.Error(t, err)
	// findByInstanceAndDeviceId(...).get(0) on an empty list throws; ApiAsyncJobDispatcher
	// reports the exception's message with 530.
	assert.Equal(t, `Undefined error: {"uuidList":[],"errorcode":530,"errortext":"Index 0 out of bounds for length 0"}`, err.Error())
	assert.Equal(t, 200, e.lastCall(t, "detachVolume").HTTPStatus)
}

func TestDeleteVolumeDuringSnapshotAnswers431(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1, State: cloudstack.VMStopped}},
		simulator.WithPendingPolls(1))
	vol := e.seed.VolumeIDs[0]
	cs := csgo.NewClient(e.sim.URL(), e.seed.APIKey, e.seed.SecretKey, false)
	_, err := cs.Snapshot.CreateSnapshot(cs.Snapshot.NewCreateSnapshotParams(vol))
	require.NoError(t, err)
	_, err = cs.Volume.DeleteVolume(cs.Volume.NewDeleteVolumeParams(vol))
	require.EqualError(t, err, "CloudStack API error 431 (CSExceptionErrorCode: 4350): There are snapshot operations in progress on the volume, unable to delete it")
}

// A VM holding as many data disks as its hypervisor allows (VolumeApiServiceImpl:
// getMaxDataVolumesSupported, max_data_volumes_limit, 26 on KVM) refuses another with 431.
func TestAttachBeyondTheDataDiskLimitAnswers431(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 26}})
	spare, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{})
	require.NoError(t, err)
	require.Error(t, e.attach(spare, e.seed.ApplianceVMID, -1))
	c := e.lastCall(t, "attachVolume")
	assert.Equal(t, 431, c.ErrorCode)
	assert.Contains(t, c.ErrorText, "maximum number of data disks (26)")
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

func TestDetachNeedsAnIDOrAVMAndDevice(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	p := e.cs.Volume.NewDetachVolumeParams()
	p.SetVirtualmachineid(e.seed.ApplianceVMID)
	_, err := e.cs.Volume.DetachVolume(p)
	require.ErrorContains(t, err, `"errorcode":431,"errortext":"Please provide either a volume id, or a tuple(device id, instance id)"`)
	p.SetId(e.seed.VolumeIDs[0])
	p.SetDeviceid(1)
	_, err = e.cs.Volume.DetachVolume(p)
	require.ErrorContains(t, err, `"errorcode":431,"errortext":"Please provide either a volume id, or a tuple(device id, instance id)"`, "an id and a tuple together")
}

func TestDetachedROOTBecomesADataDiskAndDevice0MakesAROOT(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	vm := e.deploy(t, "swap", false)
	root := e.sim.State().VolumesOf(vm.Id)[0]
	require.Equal(t, cloudstack.VolumeRoot, root.Type)
	require.NoError(t, e.detach(root.ID))
	v, _ := e.sim.State().Volume(root.ID)
	assert.Equal(t, cloudstack.VolumeData, v.Type)
	require.NoError(t, e.attach(root.ID, vm.Id, 0))
	v, _ = e.sim.State().Volume(root.ID)
	assert.Equal(t, cloudstack.VolumeRoot, v.Type)
}

// QueryManagerImpl.searchForVolumeIdsAndCount filters name with Op.EQ, case-insensitive
// under MySQL's collation: "data" does not list "data-2".
func TestListVolumesNameIsExact(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	for _, name := range []string{"data", "data-2"} {
		_, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{Name: name})
		require.NoError(t, err)
	}

	for name, want := range map[string][]string{"data": {"data"}, "DATA": {"data"}, "data-2": {"data-2"}, "ata": nil} {
		p := e.cs.Volume.NewListVolumesParams()
		p.SetName(name)
		r, err := e.cs.Volume.ListVolumes(p)
		require.NoError(t, err)
		names := namesOf(r.Volumes)
		assert.Equal(t, want, names, "name=%s", name)
		assert.Equal(t, len(want), r.Count, "name=%s", name)
	}
}
