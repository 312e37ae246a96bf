package simulator_test

import (
	"errors"
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSeedDefaults(t *testing.T) {
	t.Parallel()
	sim := simulator.New()
	t.Cleanup(sim.Close)
	seed, err := sim.Seed(simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 4}})
	require.NoError(t, err)
	assert.Equal(t, "admin", seed.Account)
	assert.NotEmpty(t, seed.APIKey)
	assert.NotEmpty(t, seed.SecretKey)
	assert.Equal(t, []int{1, 2, 4, 5}, seed.DeviceIDs)
	for _, id := range []string{seed.ZoneID, seed.TemplateID, seed.NetworkID, seed.ServiceOfferingID, seed.CustomServiceOfferingID,
		seed.DiskOfferingID, seed.CustomDiskOfferingID, seed.ApplianceVMID, seed.ApplianceRootVolumeID} {
		assert.True(t, csgo.IsID(id), id)
	}

	st := sim.State()
	vm, ok := st.VM(seed.ApplianceVMID)
	require.True(t, ok)
	assert.Equal(t, "oma", vm.Name)
	assert.Equal(t, cloudstack.VMRunning, vm.State)
	assert.Equal(t, []string{seed.NetworkID}, vm.NetworkIDs())
	vols := st.VolumesOf(seed.ApplianceVMID)
	require.Len(t, vols, 5)
	assert.Equal(t, seed.ApplianceRootVolumeID, vols[0].ID)
	for i, id := range seed.VolumeIDs {
		assert.Equal(t, id, vols[i+1].ID)
		assert.Equal(t, seed.DeviceIDs[i], vols[i+1].DeviceID)
		assert.Equal(t, cloudstack.VolumeData, vols[i+1].Type)
		assert.Equal(t, "admin", vols[i+1].Account)
	}
	require.Len(t, st.Accounts, 1)
	assert.Equal(t, seed.APIKey, st.Accounts[0].APIKey)
}

func TestSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	ids := func() simulator.Seeded {
		sim := simulator.New()
		defer sim.Close()
		s, err := sim.Seed(simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2}})
		require.NoError(t, err)
		s.APIKey, s.SecretKey = "", ""
		return s
	}
	assert.Equal(t, ids(), ids())
}

func TestSeedRefusesInvalidScenarios(t *testing.T) {
	t.Parallel()
	many := make([]simulator.VolumeSpec, 27)
	tests := []struct {
		name string
		sc   simulator.Scenario
	}{
		{"device 3", simulator.Scenario{Appliance: simulator.ApplianceSpec{Volumes: []simulator.VolumeSpec{{DeviceID: 3}}}}},
		{"negative device", simulator.Scenario{Appliance: simulator.ApplianceSpec{Volumes: []simulator.VolumeSpec{{DeviceID: -1}}}}},
		{"device beyond limit", simulator.Scenario{Appliance: simulator.ApplianceSpec{Volumes: []simulator.VolumeSpec{{DeviceID: 28}}}}},
		{"same device twice", simulator.Scenario{Appliance: simulator.ApplianceSpec{Volumes: []simulator.VolumeSpec{{DeviceID: 2}, {DeviceID: 2}}}}},
		{"too many volumes", simulator.Scenario{Appliance: simulator.ApplianceSpec{Volumes: many}}},
		{"bad appliance name", simulator.Scenario{Appliance: simulator.ApplianceSpec{Name: "oma appliance"}}},
		{"bad appliance state", simulator.Scenario{Appliance: simulator.ApplianceSpec{State: cloudstack.VMDestroyed}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sim := simulator.New()
			defer sim.Close()
			_, err := sim.Seed(tc.sc)
			require.Error(t, err)
			assert.True(t, errors.Is(err, simulator.ErrInvalidScenario))
			assert.Empty(t, sim.State().Zones, "nothing is created")
		})
	}
}

func TestAddMethods(t *testing.T) {
	t.Parallel()
	sim := simulator.New()
	t.Cleanup(sim.Close)
	seed, err := sim.Seed(simulator.Scenario{Appliance: simulator.ApplianceSpec{State: cloudstack.VMStopped}})
	require.NoError(t, err)
	const missing = "5e000000-0000-4000-8000-0000000fffff"

	_, err = sim.AddTemplate(simulator.Template{Name: "t", ZoneID: missing})
	assert.ErrorIs(t, err, simulator.ErrInvalidScenario)
	_, err = sim.AddNetwork(simulator.Network{Name: "n", ZoneID: missing})
	assert.ErrorIs(t, err, simulator.ErrInvalidScenario)
	_, err = sim.AddDataVolume(missing, "", simulator.VolumeSpec{})
	assert.ErrorIs(t, err, simulator.ErrInvalidScenario)
	_, err = sim.AddDataVolume(seed.ZoneID, missing, simulator.VolumeSpec{})
	assert.ErrorIs(t, err, simulator.ErrInvalidScenario)
	_, err = sim.AddDataVolume(seed.ZoneID, seed.ApplianceVMID, simulator.VolumeSpec{DeviceID: 3})
	assert.ErrorIs(t, err, simulator.ErrInvalidScenario)
	z2 := sim.AddZone("z2")
	_, err = sim.AddDataVolume(z2, seed.ApplianceVMID, simulator.VolumeSpec{})
	assert.ErrorIs(t, err, simulator.ErrInvalidScenario, "VM in another zone")

	id, err := sim.AddDataVolume(seed.ZoneID, seed.ApplianceVMID, simulator.VolumeSpec{Name: "x", DeviceID: 9, SizeGB: 3})
	require.NoError(t, err)
	_, err = sim.AddDataVolume(seed.ZoneID, seed.ApplianceVMID, simulator.VolumeSpec{DeviceID: 9})
	assert.ErrorIs(t, err, simulator.ErrInvalidScenario, "device in use")
	v, ok := sim.State().Volume(id)
	require.True(t, ok)
	assert.Equal(t, 9, v.DeviceID)
	assert.Equal(t, int64(3<<30), v.SizeBytes)

	so := sim.AddServiceOffering(cloudstack.ServiceOffering{Name: "big", CPUs: 16, CPUSpeedMHz: 2000, MemoryMB: 65536})
	do := sim.AddDiskOffering(cloudstack.DiskOffering{Name: "huge", SizeGB: 1000})
	st := sim.State()
	assert.Len(t, st.ServiceOfferings, 3)
	assert.Equal(t, so, st.ServiceOfferings[2].ID)
	assert.Equal(t, do, st.DiskOfferings[2].ID)
}

func TestStateIsADeepCopy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	p := e.cs.VirtualMachine.NewDeployVirtualMachineParams(e.seed.CustomServiceOfferingID, e.seed.TemplateID, e.seed.ZoneID)
	p.SetName("copy")
	p.SetDetails(map[string]string{"cpuNumber": "1", "memory": "512"})
	vm, err := e.cs.VirtualMachine.DeployVirtualMachine(p)
	require.NoError(t, err)

	st := e.sim.State()
	v, _ := st.VM(vm.Id)
	v.Details["cpuNumber"] = "99"
	v.NICs[0].IPAddress = "0.0.0.0"
	st.VMs[0].State = cloudstack.VMExpunging
	st.Volumes[0].VMID = ""
	calls := e.sim.Calls()
	calls[0].Params.Set("command", "tampered")

	again := e.sim.State()
	v2, _ := again.VM(vm.Id)
	assert.Equal(t, "1", v2.Details["cpuNumber"])
	assert.NotEqual(t, "0.0.0.0", v2.NICs[0].IPAddress)
	assert.Equal(t, cloudstack.VMRunning, v2.State)
	assert.Equal(t, vm.Id, again.Volumes[0].VMID)
	assert.Equal(t, "deployVirtualMachine", e.sim.Calls()[0].Params.Get("command"))

	e.sim.ResetCalls()
	assert.Empty(t, e.sim.Calls())
	_, err = e.cs.Zone.ListZones(e.cs.Zone.NewListZonesParams())
	require.NoError(t, err)
	assert.Equal(t, 1, e.sim.Calls()[0].Seq)
}
