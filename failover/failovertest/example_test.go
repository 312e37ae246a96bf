package failovertest_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// Example starts a lab and shows what it prepared: source VMs in vCenter, and their
// replicated volumes attached to an appliance VM in CloudStack.
func Example() {
	l, err := failovertest.Start(failovertest.Options{SourceVMs: 2, VolumesPerVM: 3})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()

	st := l.Cloud.State()
	for _, vm := range l.Sources {
		power, err := l.PowerState(vm.Name)
		if err != nil {
			fmt.Println(err)
			return
		}
		appliance, _ := st.VM(vm.ApplianceVMID)
		fmt.Printf("%s (%s): volumes on %s in account %s\n", vm.Path, power, appliance.Name, vm.CloudAccount)
		for _, id := range vm.VolumeIDs {
			v, _ := st.Volume(id)
			fmt.Printf("  %s at device %d\n", v.Name, v.DeviceID)
		}
	}
	// Output:
	// /DC0/vm/DC0_C0_RP0_VM0 (poweredOn): volumes on oma-cloud1 in account cloud1
	//   replica-1 at device 1
	//   replica-2 at device 2
	//   replica-3 at device 4
	// /DC0/vm/DC0_C0_RP0_VM1 (poweredOn): volumes on oma-cloud1 in account cloud1
	//   replica-4 at device 5
	//   replica-5 at device 6
	//   replica-6 at device 7
}

// ExampleRun hands a running lab to a function and closes it afterwards. The function
// takes the CloudStack credential set the lab hands out, as a credential source would
// return it, and calls CloudStack with it.
func ExampleRun() {
	err := failovertest.Run(failovertest.Options{}, func(ctx context.Context, l *failovertest.Lab) error {
		set, err := l.CloudStackSet(l.Sources[0].CloudAccount)
		if err != nil {
			return err
		}
		client, err := cloudstack.New(set)
		if err != nil {
			return err
		}
		zones, err := client.Zones(ctx)
		if err != nil {
			return err
		}
		fmt.Println("zone:", zones[0].Name)
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// zone: zone-cloud1
}

// ExampleLab_RotateCloudStack rotates an account's keys: CloudStack refuses the old ones at
// once (HTTP 401), and the returned set works.
func ExampleLab_RotateCloudStack() {
	err := failovertest.Run(failovertest.Options{}, func(ctx context.Context, l *failovertest.Lab) error {
		account := l.Sources[0].CloudAccount
		old, err := l.CloudStackSet(account)
		if err != nil {
			return err
		}
		rotated, err := l.RotateCloudStack(account)
		if err != nil {
			return err
		}
		for _, try := range []struct {
			name string
			set  credentials.CloudStack
		}{{"old keys", old}, {"rotated keys", rotated}} {
			client, err := cloudstack.New(try.set)
			if err != nil {
				return err
			}
			l.Cloud.ResetCalls()
			_, _ = client.Zones(ctx)
			fmt.Printf("%s: HTTP %d\n", try.name, l.Cloud.Calls()[0].HTTPStatus)
		}
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// old keys: HTTP 401
	// rotated keys: HTTP 200
}

// ExampleLab_FailVSphere fails the first power-off call vCenter receives: the VM stays on,
// and the next attempt goes through.
func ExampleLab_FailVSphere() {
	err := failovertest.Run(failovertest.Options{}, func(ctx context.Context, l *failovertest.Lab) error {
		pool := vsphere.NewPool(vsphere.WithLogger(slog.New(slog.DiscardHandler)), vsphere.WithPollInterval(10*time.Millisecond))
		defer func() { _ = pool.Close(ctx) }()
		client, err := pool.Client(ctx, l.VSphereSet())
		if err != nil {
			return err
		}
		src := l.Sources[0]
		vm, err := client.FindVM(ctx, src.Locator())
		if err != nil {
			return err
		}

		l.FailVSphere("PowerOffVM_Task", 1)
		for range 2 {
			_, err := client.PowerOff(ctx, vm, vsphere.PowerOffOptions{GracefulTimeout: -1, AllowHard: true})
			power, _ := l.PowerState(src.Name)
			fmt.Printf("power off failed: %t; the VM is %s\n", err != nil, power)
		}
		fmt.Println("faults fired:", l.VSphereFaultsFired())
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// power off failed: true; the VM is poweredOn
	// power off failed: false; the VM is poweredOff
	// faults fired: 1
}

// ExampleLab_ExpireVCenterSessions ends the sessions vCenter holds for the service account,
// as vCenter does when they expire: a session pool notices on its next call and logs in
// again.
func ExampleLab_ExpireVCenterSessions() {
	err := failovertest.Run(failovertest.Options{}, func(ctx context.Context, l *failovertest.Lab) error {
		pool := vsphere.NewPool(vsphere.WithLogger(slog.New(slog.DiscardHandler)))
		defer func() { _ = pool.Close(ctx) }()
		// find is one operation: it takes the current set and looks the source VM up.
		find := func() error {
			client, err := pool.Client(ctx, l.VSphereSet())
			if err != nil {
				return err
			}
			_, err = client.FindVM(ctx, l.Sources[0].Locator())
			return err
		}

		if err := find(); err != nil {
			return err
		}
		if err := l.ExpireVCenterSessions(ctx); err != nil {
			return err
		}
		if err := find(); err != nil {
			return err
		}
		fmt.Println("logins:", pool.Stats().Logins, "re-established:", pool.Stats().Relogins)
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// logins: 2 re-established: 1
}

// ExampleOptions_guests shapes a source VM like a UEFI Windows server with Secure Boot and
// three NICs on two port groups, and reads it back as a failover does.
func ExampleOptions_guests() {
	opts := failovertest.Options{
		Guests: []failovertest.Guest{{
			GuestID: failovertest.WindowsGuestID, Firmware: "efi", SecureBoot: true,
			NICs: []failovertest.GuestNIC{
				{Network: failovertest.DVPortGroup, MACAddress: "00:50:56:8a:00:01"},
				{Network: failovertest.VMNetwork, MACAddress: "00:50:56:8a:00:02"},
				{Network: failovertest.DVPortGroup, MACAddress: "00:50:56:8a:00:03"},
			},
		}},
		CloudNetworks: []string{"prod", "backup"},
	}
	err := failovertest.Run(opts, func(ctx context.Context, l *failovertest.Lab) error {
		pool := vsphere.NewPool(vsphere.WithLogger(slog.New(slog.DiscardHandler)))
		defer func() { _ = pool.Close(ctx) }()
		client, err := pool.Client(ctx, l.VSphereSet())
		if err != nil {
			return err
		}
		vm, err := client.FindVM(ctx, l.Sources[0].Locator())
		if err != nil {
			return err
		}
		shape, err := client.Describe(ctx, vm)
		if err != nil {
			return err
		}
		fmt.Println(shape.Family(), shape.Firmware, "secure boot:", shape.SecureBoot)
		for _, n := range shape.NICs {
			fmt.Println(n.Network, n.MACAddress)
		}
		cat, err := l.Catalog(l.Sources[0].CloudAccount)
		if err != nil {
			return err
		}
		fmt.Println("CloudStack networks:", len(cat.Networks), "Windows template:", cat.WindowsTemplateID != "")
		return nil
	})
	if err != nil {
		fmt.Println(err)
	}
	// Output:
	// windows efi secure boot: true
	// DC0_DVPG0 00:50:56:8a:00:01
	// VM Network 00:50:56:8a:00:02
	// DC0_DVPG0 00:50:56:8a:00:03
	// CloudStack networks: 3 Windows template: true
}
