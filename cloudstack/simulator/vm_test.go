package simulator_test

import (
	"fmt"
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDeployVirtualMachine(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})

	t.Run("fixed offering, started", func(t *testing.T) {
		vm := e.deploy(t, "web-1", true)
		assert.Equal(t, "Running", vm.State)
		assert.Equal(t, 2, vm.Cpunumber)
		assert.Equal(t, 2048, vm.Memory)
		assert.Equal(t, "zone-1", vm.Zonename)
		assert.Equal(t, "template-1", vm.Templatename)
		assert.Equal(t, "small", vm.Serviceofferingname)
		require.Len(t, vm.Nic, 1)
		assert.Equal(t, e.seed.NetworkID, vm.Nic[0].Networkid)
		assert.True(t, vm.Nic[0].Isdefault)
		assert.NotEmpty(t, vm.Nic[0].Ipaddress)
		assert.True(t, csgo.IsID(vm.Id))

		st := e.sim.State()
		vols := st.VolumesOf(vm.Id)
		require.Len(t, vols, 1)
		assert.Equal(t, cloudstack.VolumeRoot, vols[0].Type)
		assert.Equal(t, 0, vols[0].DeviceID)
		assert.Equal(t, int64(8<<30), vols[0].SizeBytes)
		assert.Equal(t, "deployVirtualMachine", e.lastCall(t, "deployVirtualMachine").Command)
		assert.Equal(t, 1, e.lastCall(t, "deployVirtualMachine").JobStatus)
	})
	t.Run("custom offering, stopped, with data disk", func(t *testing.T) {
		p := e.cs.VirtualMachine.NewDeployVirtualMachineParams(e.seed.CustomServiceOfferingID, e.seed.TemplateID, e.seed.ZoneID)
		p.SetName("db-1")
		p.SetStartvm(false)
		p.SetDetails(map[string]string{"cpuNumber": "6", "memory": "12288", "cpuSpeed": "2200"})
		p.SetDiskofferingid(e.seed.DiskOfferingID)
		p.SetRootdisksize(20)
		vm, err := e.cs.VirtualMachine.DeployVirtualMachine(p)
		require.NoError(t, err)
		assert.Equal(t, "Stopped", vm.State)
		assert.Equal(t, 6, vm.Cpunumber)
		assert.Equal(t, 12288, vm.Memory)
		assert.Equal(t, 2200, vm.Cpuspeed)
		assert.Equal(t, "6", vm.Details["cpuNumber"])
		require.Len(t, vm.Nic, 1, "the zone's only network is used without networkids")

		vols := e.sim.State().VolumesOf(vm.Id)
		require.Len(t, vols, 2)
		assert.Equal(t, int64(20<<30), vols[0].SizeBytes)
		assert.Equal(t, cloudstack.VolumeData, vols[1].Type)
		assert.Equal(t, 1, vols[1].DeviceID)
		assert.Equal(t, e.seed.DiskOfferingID, vols[1].DiskOfferingID)
	})
}

func TestDeployVirtualMachineRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	otherZone := e.sim.AddZone("zone-2")
	otherTemplate, err := e.sim.AddTemplate(simulator.Template{Name: "t2", ZoneID: otherZone})
	require.NoError(t, err)
	otherNet, err := e.sim.AddNetwork(simulator.Network{Name: "n2", ZoneID: otherZone})
	require.NoError(t, err)
	_, err = e.sim.AddTemplate(simulator.Template{Name: "t3", ZoneID: otherZone})
	require.NoError(t, err)
	_, err = e.sim.AddNetwork(simulator.Network{Name: "n3", ZoneID: otherZone})
	require.NoError(t, err)
	e.deploy(t, "taken", false)
	const missing = "5e000000-0000-4000-8000-0000000fffff"

	// Parameter processing (a missing parameter, an id naming nothing) is ParamProcessWorker's
	// ServerApiException, cserrorcode 9999; the rules UserVmManagerImpl checks before the job
	// throw InvalidParameterValueException, 4350. Both fail the HTTP call.
	const processing, rule = 9999, 4350
	tests := []struct {
		name  string
		cs    int
		build func(p *csgo.DeployVirtualMachineParams)
	}{
		{"missing zone id", processing, func(p *csgo.DeployVirtualMachineParams) { p.SetZoneid("") }},
		{"unknown zone", processing, func(p *csgo.DeployVirtualMachineParams) { p.SetZoneid(missing) }},
		{"unknown template", processing, func(p *csgo.DeployVirtualMachineParams) { p.SetTemplateid(missing) }},
		{"unknown offering", processing, func(p *csgo.DeployVirtualMachineParams) { p.SetServiceofferingid(missing) }},
		{"unknown network", processing, func(p *csgo.DeployVirtualMachineParams) { p.SetNetworkids([]string{missing}) }},
		{"unknown disk offering", processing, func(p *csgo.DeployVirtualMachineParams) { p.SetDiskofferingid(missing) }},
		{"template of another zone", rule, func(p *csgo.DeployVirtualMachineParams) { p.SetTemplateid(otherTemplate) }},
		{"network of another zone", rule, func(p *csgo.DeployVirtualMachineParams) { p.SetNetworkids([]string{otherNet}) }},
		{"zone with two networks needs networkids", rule, func(p *csgo.DeployVirtualMachineParams) {
			p.SetZoneid(otherZone)
			p.SetTemplateid(otherTemplate)
		}},
		{"custom offering without details", rule, func(p *csgo.DeployVirtualMachineParams) {
			p.SetServiceofferingid(e.seed.CustomServiceOfferingID)
		}},
		{"custom offering without memory", rule, func(p *csgo.DeployVirtualMachineParams) {
			p.SetServiceofferingid(e.seed.CustomServiceOfferingID)
			p.SetDetails(map[string]string{"cpuNumber": "2"})
		}},
		{"custom offering with bad cpu", rule, func(p *csgo.DeployVirtualMachineParams) {
			p.SetServiceofferingid(e.seed.CustomServiceOfferingID)
			p.SetDetails(map[string]string{"cpuNumber": "two", "memory": "1024"})
		}},
		{"custom disk offering without size", rule, func(p *csgo.DeployVirtualMachineParams) {
			p.SetDiskofferingid(e.seed.CustomDiskOfferingID)
		}},
		{"root disk smaller than template", rule, func(p *csgo.DeployVirtualMachineParams) { p.SetRootdisksize(1) }},
		{"name with underscore", rule, func(p *csgo.DeployVirtualMachineParams) { p.SetName("bad_name") }},
		{"name starting with a digit", rule, func(p *csgo.DeployVirtualMachineParams) { p.SetName("1vm") }},
		{"name in use", rule, func(p *csgo.DeployVirtualMachineParams) { p.SetName("taken") }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := len(e.sim.State().VMs)
			p := e.cs.VirtualMachine.NewDeployVirtualMachineParams(e.seed.ServiceOfferingID, e.seed.TemplateID, e.seed.ZoneID)
			p.SetName("fresh")
			tc.build(p)
			_, err := e.cs.VirtualMachine.DeployVirtualMachine(p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), fmt.Sprintf("CloudStack API error 431 (CSExceptionErrorCode: %d)", tc.cs))
			c := e.lastCall(t, "deployVirtualMachine")
			assert.Equal(t, 431, c.HTTPStatus)
			assert.Empty(t, c.JobID, "parameter errors fail before a job exists")
			assert.Len(t, e.sim.State().VMs, before, "nothing is created")
		})
	}
}

func TestVirtualMachineLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	vm := e.deploy(t, "life", false)
	state := func() cloudstack.VMState {
		v, ok := e.sim.State().VM(vm.Id)
		require.True(t, ok)
		return v.State
	}
	require.NoError(t, e.start(t, vm.Id))
	assert.Equal(t, cloudstack.VMRunning, state())

	_, err := e.cs.VirtualMachine.RebootVirtualMachine(e.cs.VirtualMachine.NewRebootVirtualMachineParams(vm.Id))
	require.NoError(t, err)

	p := e.cs.VirtualMachine.NewStopVirtualMachineParams(vm.Id)
	p.SetForced(true)
	r, err := e.cs.VirtualMachine.StopVirtualMachine(p)
	require.NoError(t, err)
	assert.Equal(t, "Stopped", r.State)
	assert.Equal(t, "true", e.lastCall(t, "stopVirtualMachine").Params.Get("forced"))
	e.stop(t, vm.Id) // stopping a stopped VM succeeds
	assert.Equal(t, cloudstack.VMStopped, state())

	_, err = e.cs.VirtualMachine.RebootVirtualMachine(e.cs.VirtualMachine.NewRebootVirtualMachineParams(vm.Id))
	require.ErrorContains(t, err, `"errorcode":431`)
	assert.Equal(t, 2, e.lastCall(t, "rebootVirtualMachine").JobStatus)

	// Without a ROOT volume at device 0 the VM cannot start.
	root := e.sim.State().VolumesOf(vm.Id)[0]
	require.NoError(t, e.detach(root.ID))
	err = e.start(t, vm.Id)
	require.ErrorContains(t, err, `"errorcode":530`)
	assert.Equal(t, 530, e.lastCall(t, "startVirtualMachine").ErrorCode)
	assert.Equal(t, cloudstack.VMStopped, state())
	require.NoError(t, e.attach(root.ID, vm.Id, 0))
	require.NoError(t, e.start(t, vm.Id))

	// Unknown ids fail the HTTP call, before any job.
	err = e.start(t, "5e000000-0000-4000-8000-0000000fffff")
	require.ErrorContains(t, err, "CloudStack API error 431")
	err = e.start(t, "not-a-uuid")
	require.ErrorContains(t, err, "CloudStack API error 431")
}

func TestDestroyAndExpunge(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	vm := e.deploy(t, "doomed", true)
	d1, err := e.sim.AddDataVolume(e.seed.ZoneID, vm.Id, simulator.VolumeSpec{Name: "d1"})
	require.NoError(t, err)
	d2, err := e.sim.AddDataVolume(e.seed.ZoneID, vm.Id, simulator.VolumeSpec{Name: "d2"})
	require.NoError(t, err)
	root := e.sim.State().VolumesOf(vm.Id)[0].ID

	_, err = e.cs.VirtualMachine.ExpungeVirtualMachine(e.cs.VirtualMachine.NewExpungeVirtualMachineParams(vm.Id))
	require.ErrorContains(t, err, `"errorcode":431`, "only a destroyed VM can be expunged")

	p := e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id)
	p.SetVolumeids([]string{d2})
	r, err := e.cs.VirtualMachine.DestroyVirtualMachine(p)
	require.NoError(t, err)
	assert.Equal(t, "Destroyed", r.State)
	st := e.sim.State()
	v, _ := st.VM(vm.Id)
	assert.Equal(t, cloudstack.VMDestroyed, v.State)
	require.Len(t, st.VolumesOf(vm.Id), 1, "only the ROOT stays attached to a destroyed VM")
	assert.Equal(t, root, st.VolumesOf(vm.Id)[0].ID)
	kept, _ := st.Volume(d1)
	assert.False(t, kept.Attached(), "destroy detaches data volumes")
	assert.Equal(t, cloudstack.VolumeReady, kept.State)
	gone, _ := st.Volume(d2)
	assert.Equal(t, cloudstack.VolumeExpunged, gone.State, "volumeids are deleted with the VM")

	lp := e.cs.VirtualMachine.NewListVirtualMachinesParams()
	lp.SetId(vm.Id)
	l, err := e.cs.VirtualMachine.ListVirtualMachines(lp)
	require.NoError(t, err)
	require.Equal(t, 1, l.Count)
	assert.Equal(t, "Destroyed", l.VirtualMachines[0].State)

	require.Error(t, e.start(t, vm.Id), "a destroyed VM cannot start")

	_, err = e.cs.VirtualMachine.ExpungeVirtualMachine(e.cs.VirtualMachine.NewExpungeVirtualMachineParams(vm.Id))
	require.NoError(t, err)
	st = e.sim.State()
	v, _ = st.VM(vm.Id)
	assert.Equal(t, cloudstack.VMExpunging, v.State, "CloudStack has no Expunged state")
	assert.True(t, v.Expunged(), "an expunged VM is removed")
	rv, _ := st.Volume(root)
	assert.Equal(t, cloudstack.VolumeExpunged, rv.State, "expunge deletes the ROOT volume")
	dv, _ := st.Volume(d1)
	assert.Equal(t, cloudstack.VolumeReady, dv.State, "expunge keeps data volumes")
	assert.False(t, dv.Attached())
	assert.Equal(t, -1, dv.DeviceID)

	l, err = e.cs.VirtualMachine.ListVirtualMachines(lp)
	require.NoError(t, err)
	assert.Equal(t, 0, l.Count, "an expunged VM's id lists nothing")
	require.ErrorContains(t, e.start(t, vm.Id), "CloudStack API error 431", "an expunged VM is gone")

	// destroy with expunge in one call
	vm2 := e.deploy(t, "quick", true)
	p = e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm2.Id)
	p.SetExpunge(true)
	r, err = e.cs.VirtualMachine.DestroyVirtualMachine(p)
	require.NoError(t, err)
	assert.Equal(t, string(cloudstack.VMExpunging), r.State)
	assert.Empty(t, e.sim.State().VolumesOf(vm2.Id))
}

func TestListVirtualMachines(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{})
	e.deploy(t, "alpha", true)
	e.deploy(t, "beta", false)

	list := func(set func(p *csgo.ListVirtualMachinesParams)) (*csgo.ListVirtualMachinesResponse, error) {
		p := e.cs.VirtualMachine.NewListVirtualMachinesParams()
		set(p)
		return e.cs.VirtualMachine.ListVirtualMachines(p)
	}
	tests := []struct {
		name string
		set  func(p *csgo.ListVirtualMachinesParams)
		want []string
	}{
		{"all", func(*csgo.ListVirtualMachinesParams) {}, []string{"oma", "alpha", "beta"}},
		{"by name", func(p *csgo.ListVirtualMachinesParams) { p.SetName("beta") }, []string{"beta"}},
		{"by state", func(p *csgo.ListVirtualMachinesParams) { p.SetState("running") }, []string{"oma", "alpha"}},
		{"by keyword", func(p *csgo.ListVirtualMachinesParams) { p.SetKeyword("LP") }, []string{"alpha"}},
		{"by zone", func(p *csgo.ListVirtualMachinesParams) { p.SetZoneid(e.seed.ZoneID) }, []string{"oma", "alpha", "beta"}},
		{"by network", func(p *csgo.ListVirtualMachinesParams) { p.SetNetworkid(e.seed.NetworkID) }, []string{"oma", "alpha", "beta"}},
		{"by id", func(p *csgo.ListVirtualMachinesParams) { p.SetId(e.seed.ApplianceVMID) }, []string{"oma"}},
		{"page 2 of size 2", func(p *csgo.ListVirtualMachinesParams) { p.SetPage(2); p.SetPagesize(2) }, []string{"beta"}},
		{"no match", func(p *csgo.ListVirtualMachinesParams) { p.SetName("nobody") }, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := list(tc.set)
			require.NoError(t, err)
			names := namesOf(r.VirtualMachines)
			assert.Equal(t, tc.want, names)
			if tc.name != "page 2 of size 2" {
				assert.Equal(t, len(tc.want), r.Count)
			} else {
				assert.Equal(t, 3, r.Count, "count is the total before paging")
			}
		})
	}
	_, err := list(func(p *csgo.ListVirtualMachinesParams) { p.SetId("5e000000-0000-4000-8000-0000000fffff") })
	require.ErrorContains(t, err, "CloudStack API error 431")

	// cloudstack-go's lookup helpers work against the simulator.
	vm, n, err := e.cs.VirtualMachine.GetVirtualMachineByName("alpha")
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	assert.Equal(t, "alpha", vm.Name)
}

func TestStartRunningVMFailsJob431(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	vm := e.deploy(t, "busy", true)
	err := e.start(t, vm.Id)
	require.Error(t, err)
	assert.Equal(t, `Undefined error: {"uuidList":[],"errorcode":431,"errortext":"The virtual machine `+vm.Id+` (busy) is already running"}`, err.Error())
	c := e.lastCall(t, "startVirtualMachine")
	assert.Equal(t, 200, c.HTTPStatus, "UserVmManagerImpl checks it in the job")
	assert.Equal(t, 2, c.JobStatus)
	v, _ := e.sim.State().VM(vm.Id)
	assert.Equal(t, cloudstack.VMRunning, v.State, "the VM runs on")
}

func TestDestroyDestroyedVMReturnsTheVM(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	vm := e.deploy(t, "twice", true)
	_, err := e.cs.VirtualMachine.DestroyVirtualMachine(e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id))
	require.NoError(t, err)
	before := e.sim.State()

	r, err := e.cs.VirtualMachine.DestroyVirtualMachine(e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id))
	require.NoError(t, err, "a second destroy succeeds")
	assert.Equal(t, vm.Id, r.Id)
	assert.Equal(t, "Destroyed", r.State)
	after := e.sim.State()
	assert.Equal(t, before.VMs, after.VMs, "and changes nothing")
	assert.Equal(t, before.Volumes, after.Volumes)

	p := e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id)
	p.SetExpunge(true)
	_, err = e.cs.VirtualMachine.DestroyVirtualMachine(p)
	require.NoError(t, err)
	v, _ := e.sim.State().VM(vm.Id)
	assert.True(t, v.Expunged(), "with expunge=true a destroyed VM is expunged")
}

func TestDestroyWithAVolumeThatIsNotItsDataVolumeAnswers431(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 1}})
	vm := e.deploy(t, "other", false)
	p := e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id)
	p.SetVolumeids([]string{e.seed.VolumeIDs[0]})
	_, err := e.cs.VirtualMachine.DestroyVirtualMachine(p)
	require.ErrorContains(t, err, "CloudStack API error 431")
	v, _ := e.sim.State().VM(vm.Id)
	assert.Equal(t, cloudstack.VMStopped, v.State)
}

func TestStopAndRebootADestroyedVMAnswer431(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
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
}

func TestDestroyedVMKeepsOnlyItsROOTWhichCannotBeDetached(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	vm := e.deploy(t, "wreck", false)
	data, err := e.sim.AddDataVolume(e.seed.ZoneID, vm.Id, simulator.VolumeSpec{})
	require.NoError(t, err)
	_, err = e.cs.VirtualMachine.DestroyVirtualMachine(e.cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id))
	require.NoError(t, err)
	require.ErrorContains(t, e.detach(data), `"errorcode":431`, "destroy already detached it")
	// CloudStack's message names Destroyed, but its check admits only Stopped.
	require.ErrorContains(t, e.detach(e.sim.State().VolumesOf(vm.Id)[0].ID), `"errorcode":431`)
}

// QueryManagerImpl.searchForUserVMIdsAndCount filters name with Op.EQ on the host name,
// case-insensitive under MySQL's collation, whatever ListVMsCmd's description says about a
// substring match: "web" does not list "web-2".
func TestListVirtualMachinesNameIsExact(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	e.deploy(t, "web", false)
	e.deploy(t, "web-2", false)

	for name, want := range map[string][]string{"web": {"web"}, "WEB": {"web"}, "web-2": {"web-2"}, "eb": nil} {
		p := e.cs.VirtualMachine.NewListVirtualMachinesParams()
		p.SetName(name)
		r, err := e.cs.VirtualMachine.ListVirtualMachines(p)
		require.NoError(t, err)
		names := namesOf(r.VirtualMachines)
		assert.Equal(t, want, names, "name=%s", name)
		assert.Equal(t, len(want), r.Count, "name=%s", name)
	}
}
