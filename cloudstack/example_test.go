package cloudstack_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// exampleSource seeds a simulator with an appliance holding replicated volumes and returns
// a credential source holding the account's set, as a failover operation would find it.
func exampleSource() (*simulator.Simulator, simulator.Seeded, credentials.Source) {
	sim := simulator.New()
	seed, err := sim.Seed(simulator.Scenario{Account: "ops", Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 2}})
	if err != nil {
		log.Fatal(err)
	}
	store := credentials.NewMemory(nil)
	store.PutCloudStack("ops", credentials.CloudStack{
		APIURL:            sim.URL(),
		APIKey:            credentials.NewSecret(seed.APIKey),
		SecretKey:         credentials.NewSecret(seed.SecretKey),
		Zone:              "zone-1",
		ApplianceVMID:     seed.ApplianceVMID,
		TemplateID:        seed.TemplateID,
		NetworkID:         seed.NetworkID,
		ServiceOfferingID: seed.ServiceOfferingID,
	})
	return sim, seed, store
}

// A test failover's CloudStack steps: detach the replicated volumes from the appliance and
// snapshot them, deploy a stopped VM, replace its ROOT volume with the replicated boot disk
// and data disks, start it.
func Example() {
	sim, _, store := exampleSource()
	defer sim.Close()
	ctx := context.Background()

	// One operation: fetch the set once, build a Client from it, use it for every step.
	set, err := store.CloudStack(ctx, credentials.Account("ops"))
	if err != nil {
		log.Fatal(err)
	}
	c, err := cloudstack.New(set)
	if err != nil {
		log.Fatal(err)
	}
	appliance := c.Defaults().ApplianceVMID

	vols, err := c.ListVolumes(ctx, appliance)
	if err != nil {
		log.Fatal(err)
	}
	var replicated []string
	for _, v := range vols {
		if v.Type == cloudstack.VolumeData {
			replicated = append(replicated, v.ID)
		}
	}
	// A default KVM cloud does not snapshot the volumes of a running VM, and the appliance
	// runs: take them off it and snapshot them detached.
	snaps := 0
	for _, id := range replicated {
		if _, err := c.DetachVolume(ctx, id); err != nil {
			log.Fatal(err)
		}
		if _, err := c.CreateSnapshot(ctx, id, "rollback-"+id); err != nil {
			log.Fatal(err)
		}
		snaps++
	}
	fmt.Println("snapshots:", snaps)

	vm, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: "web-test"})
	if err != nil {
		log.Fatal(err)
	}
	created, err := c.ListVolumes(ctx, vm.ID)
	if err != nil {
		log.Fatal(err)
	}
	if _, err := c.DetachVolume(ctx, created[0].ID); err != nil {
		log.Fatal(err)
	}
	if err := c.DeleteVolume(ctx, created[0].ID); err != nil {
		log.Fatal(err)
	}
	for _, p := range cloudstack.BootOrder(replicated...) {
		if _, err := c.AttachVolume(ctx, p.VolumeID, vm.ID, p.DeviceID); err != nil {
			log.Fatal(err)
		}
	}
	vm, err = c.StartVM(ctx, vm.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(vm.Name, vm.State)
	moved, err := c.ListVolumes(ctx, vm.ID)
	if err != nil {
		log.Fatal(err)
	}
	for _, v := range moved {
		fmt.Println(v.Name, v.Type, v.DeviceID)
	}
	// Output:
	// snapshots: 2
	// web-test Running
	// replica-1 ROOT 0
	// replica-2 DATADISK 1
}

// An operation holding keys that CloudStack no longer accepts fails with an error that says
// which credential set to fix; the next operation fetches the set again.
func ExampleNew_rotatedKeys() {
	sim, seed, store := exampleSource()
	defer sim.Close()
	ctx := context.Background()

	set, err := store.CloudStack(ctx, credentials.Account("ops"))
	if err != nil {
		log.Fatal(err)
	}
	if _, _, err := sim.RotateKeys(seed.Account); err != nil {
		log.Fatal(err)
	}
	c, err := cloudstack.New(set)
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.GetVM(ctx, seed.ApplianceVMID)
	var apiErr *cloudstack.APIError
	fmt.Println(errors.Is(err, fkerrors.Unauthenticated), errors.As(err, &apiErr), apiErr.ErrorCode)
	// Output:
	// true true 401
}

// Errors are matched by category, whatever CloudStack's code and text.
func ExampleClient_AttachVolume_conflict() {
	sim, seed, store := exampleSource()
	defer sim.Close()
	ctx := context.Background()
	set, err := store.CloudStack(ctx, credentials.Account("ops"))
	if err != nil {
		log.Fatal(err)
	}
	c, err := cloudstack.New(set)
	if err != nil {
		log.Fatal(err)
	}
	vm, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: "target"})
	if err != nil {
		log.Fatal(err)
	}
	// The volume is still attached to the appliance, so CloudStack fails the job.
	_, err = c.AttachVolume(ctx, seed.VolumeIDs[0], vm.ID, 1)
	var apiErr *cloudstack.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(errors.Is(err, fkerrors.Conflict), errors.Is(err, cloudstack.ErrJobFailed))
		fmt.Println(apiErr.Command, apiErr.ErrorCode, apiErr.Text)
	}
	// Output:
	// true true
	// attachVolume 431 Please specify a volume that is not attached to any VM.
}

// A VM shaped like a UEFI Windows guest with Secure Boot and three NICs on two networks,
// the source's MAC addresses kept: each NIC on a network of its own may keep its MAC, so the
// two NICs sharing a network keep the first one's only.
func ExampleClient_DeployVM_nicsAndFirmware() {
	sim := simulator.New()
	defer sim.Close()
	seed, err := sim.Seed(simulator.Scenario{Account: "ops", WindowsTemplate: "win-2019", SkipAppliance: true})
	if err != nil {
		log.Fatal(err)
	}
	backup, err := sim.AddNetwork(simulator.Network{Name: "backup", ZoneID: seed.ZoneID, CIDR: "10.9.0.0/24"})
	if err != nil {
		log.Fatal(err)
	}
	c, err := cloudstack.New(credentials.CloudStack{APIURL: sim.URL(), APIKey: credentials.NewSecret(seed.APIKey),
		SecretKey: credentials.NewSecret(seed.SecretKey), Zone: seed.ZoneID, ServiceOfferingID: seed.ServiceOfferingID})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	tpl, err := c.GetTemplate(ctx, seed.WindowsTemplateID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("template:", tpl.OSTypeName, tpl.Family())

	vm, err := c.DeployVM(ctx, cloudstack.DeploySpec{
		Name:       "win-app",
		TemplateID: tpl.ID,
		NICs: []cloudstack.NICSpec{
			{NetworkID: seed.NetworkID, MACAddress: "00:50:56:8a:00:01"},
			{NetworkID: backup},
			{NetworkID: seed.NetworkID},
		},
		BootType: cloudstack.BootUEFI,
		BootMode: cloudstack.BootSecure,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("boot:", vm.BootType, vm.BootMode)
	for _, n := range vm.NICs {
		kept := n.MACAddress == "00:50:56:8a:00:01"
		fmt.Println("NIC", n.DeviceID, "on", n.NetworkName, "source MAC kept:", kept)
	}

	_, err = c.DeployVM(ctx, cloudstack.DeploySpec{Name: "win-app-2", TemplateID: tpl.ID, NICs: []cloudstack.NICSpec{
		{NetworkID: seed.NetworkID}, {NetworkID: seed.NetworkID, MACAddress: "00:50:56:8a:00:02"},
	}})
	fmt.Println("MAC on the second NIC of a shared network refused:", errors.Is(err, fkerrors.Invalid))
	// Output:
	// template: Windows Server 2019 (64-bit) windows
	// boot: UEFI SECURE
	// NIC 0 on network-1 source MAC kept: true
	// NIC 1 on backup source MAC kept: false
	// NIC 2 on network-1 source MAC kept: false
	// MAC on the second NIC of a shared network refused: true
}
