package simulator_test

import (
	"testing"

	"github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/require"
)

func TestSmoke(t *testing.T) {
	sim := simulator.New()
	defer sim.Close()
	seed, err := sim.Seed(simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 3}})
	require.NoError(t, err)
	cs := cloudstack.NewAsyncClient(sim.URL(), seed.APIKey, seed.SecretKey, false)
	z, err := cs.Zone.ListZones(cs.Zone.NewListZonesParams())
	require.NoError(t, err)
	t.Logf("%+v", z.Zones[0])
	p := cs.VirtualMachine.NewDeployVirtualMachineParams(seed.CustomServiceOfferingID, seed.TemplateID, seed.ZoneID)
	p.SetDetails(map[string]string{"cpuNumber": "4", "memory": "8192"})
	p.SetName("test-vm")
	p.SetStartvm(false)
	p.SetNetworkids([]string{seed.NetworkID})
	vm, err := cs.VirtualMachine.DeployVirtualMachine(p)
	require.NoError(t, err)
	t.Logf("%s %s %d %d", vm.Id, vm.State, vm.Cpunumber, vm.Memory)
	vols, err := cs.Volume.ListVolumes(func() *cloudstack.ListVolumesParams {
		p := cs.Volume.NewListVolumesParams()
		p.SetVirtualmachineid(seed.ApplianceVMID)
		return p
	}())
	require.NoError(t, err)
	for _, v := range vols.Volumes {
		t.Logf("%s %s %d", v.Name, v.Type, v.Deviceid)
	}
	_, err = cs.Volume.DetachVolume(func() *cloudstack.DetachVolumeParams {
		p := cs.Volume.NewDetachVolumeParams()
		p.SetId(seed.ApplianceRootVolumeID)
		return p
	}())
	t.Log(err)
	bad := cloudstack.NewAsyncClient(sim.URL(), seed.APIKey, "nope", false)
	_, err = bad.Zone.ListZones(bad.Zone.NewListZonesParams())
	t.Log(err)
	err = cs.Custom.(*cloudstack.CustomService).CustomRequest("fooBar", &cloudstack.CustomServiceParams{}, new(map[string]any))
	t.Log(err)
	for _, c := range sim.Calls() {
		t.Logf("%d %s %s %d %d %s", c.Seq, c.Command, c.Account, c.HTTPStatus, c.ErrorCode, c.ErrorText)
	}
}
