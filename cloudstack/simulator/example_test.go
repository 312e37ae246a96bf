package simulator_test

import (
	"fmt"
	"net/url"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
)

// An appliance VM with three replicated volumes, listed through cloudstack-go.
func Example() {
	sim := simulator.New()
	defer sim.Close()
	seed, err := sim.Seed(simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 3}})
	if err != nil {
		fmt.Println(err)
		return
	}
	cs := csgo.NewAsyncClient(sim.URL(), seed.APIKey, seed.SecretKey, false)

	p := cs.Volume.NewListVolumesParams()
	p.SetVirtualmachineid(seed.ApplianceVMID)
	vols, err := cs.Volume.ListVolumes(p)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range vols.Volumes {
		fmt.Println(v.Deviceid, v.Type, v.Name, v.Vmname)
	}
	// Output:
	// 0 ROOT ROOT-oma oma
	// 1 DATADISK replica-1 oma
	// 2 DATADISK replica-2 oma
	// 4 DATADISK replica-3 oma
}

// CloudStack's rules apply: the ROOT volume of a running VM cannot be detached.
func Example_rules() {
	sim := simulator.New()
	defer sim.Close()
	seed, _ := sim.Seed(simulator.Scenario{})
	cs := csgo.NewAsyncClient(sim.URL(), seed.APIKey, seed.SecretKey, false)

	p := cs.Volume.NewDetachVolumeParams()
	p.SetId(seed.ApplianceRootVolumeID)
	_, err := cs.Volume.DetachVolume(p)
	fmt.Println(err)

	_, _ = cs.VirtualMachine.StopVirtualMachine(cs.VirtualMachine.NewStopVirtualMachineParams(seed.ApplianceVMID))
	_, err = cs.Volume.DetachVolume(p)
	fmt.Println(err)
	// Output:
	// Undefined error: {"uuidList":[],"errorcode":431,"errortext":"Root volume detach can happen only when vm is in states: Stopped or Destroyed"}
	// <nil>
}

// After a key rotation the old key pair gets CloudStack's 401 and the new one works; the
// call log shows which account each request used.
func ExampleSimulator_RotateKeys() {
	sim := simulator.New()
	defer sim.Close()
	oldKey, oldSecret := sim.AddAccount("ops")
	newKey, newSecret, _ := sim.RotateKeys("ops")

	for _, keys := range [][2]string{{oldKey, oldSecret}, {newKey, newSecret}} {
		cs := csgo.NewAsyncClient(sim.URL(), keys[0], keys[1], false)
		_, err := cs.Zone.ListZones(cs.Zone.NewListZonesParams())
		fmt.Println(err)
	}
	for _, c := range sim.Calls() {
		fmt.Printf("%s account=%q status=%d new key=%v\n", c.Command, c.Account, c.HTTPStatus, c.APIKey == newKey)
	}
	// Output:
	// CloudStack API error 401 (CSExceptionErrorCode: 0): unable to verify user credentials and/or request signature
	// <nil>
	// listZones account="" status=401 new key=false
	// listZones account="ops" status=200 new key=true
}

// A fault fails the second attachVolume's job with CloudStack error 534.
func ExampleSimulator_FailNth() {
	sim := simulator.New()
	defer sim.Close()
	seed, _ := sim.Seed(simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2}})
	cs := csgo.NewAsyncClient(sim.URL(), seed.APIKey, seed.SecretKey, false)
	sim.FailNth("attachVolume", 2, simulator.Fault{ErrorCode: simulator.CodeResourceUnavailable, ErrorText: "primary storage unavailable", Async: true})

	spare, _ := sim.AddDataVolume(seed.ZoneID, "", simulator.VolumeSpec{Name: "spare"})
	other, _ := sim.AddDataVolume(seed.ZoneID, "", simulator.VolumeSpec{Name: "other"})
	for _, id := range []string{spare, other} {
		_, err := cs.Volume.AttachVolume(cs.Volume.NewAttachVolumeParams(id, seed.ApplianceVMID))
		fmt.Println(err)
	}
	// Output:
	// <nil>
	// Undefined error: {"uuidList":[],"errorcode":534,"errortext":"primary storage unavailable"}
}

// Sign computes the signature CloudStack expects, for hand-built requests.
func ExampleSign() {
	params := url.Values{
		"command":  {"listZones"},
		"apiKey":   {"fake-api-key"},
		"response": {"json"},
	}
	fmt.Println(simulator.Sign(params, "fake-secret-key"))
	// Output:
	// zWuDKOfl0ItZkxeFuQs8tO911Ko=
}
