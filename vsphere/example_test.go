package vsphere_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"log"
	"log/slog"
	"net/url"
	"time"

	"github.com/vmware/govmomi/simulator"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// Example runs one operation the way the failover engine does: fetch the vCenter set, get a
// Client from the long-lived Pool, find the source VM, read its shape, power it off and back
// on. The vCenter is vcsim, in process, demanding an account generated here.
func Example() {
	ctx := context.Background()

	model := simulator.VPX()
	if err := model.Create(); err != nil {
		log.Fatal(err)
	}
	defer model.Remove()
	user, password := "svc-example", rand.Text()
	model.Service.Listen = &url.URL{User: url.UserPassword(user, password)}
	server := model.Service.NewServer()
	defer server.Close()

	source := credentials.NewMemory(nil)
	source.PutVSphere("vc1", credentials.VSphere{
		Host:     "http://" + server.URL.Host, // vcsim without TLS here
		Username: user,
		Password: credentials.NewSecret(password),
	})

	pool := vsphere.NewPool(vsphere.WithLogger(slog.New(slog.DiscardHandler)))
	defer func() { _ = pool.Close(ctx) }()

	// One operation: credentials are fetched at its start and used for all its steps.
	set, err := source.VSphere(ctx, credentials.Account("vc1"))
	if err != nil {
		log.Fatal(err)
	}
	client, err := pool.Client(ctx, set)
	if err != nil {
		log.Fatal(err)
	}
	vm, err := client.FindVM(ctx, vsphere.ByName("DC0_H0_VM0"))
	if err != nil {
		log.Fatal(err)
	}
	shape, err := client.Describe(ctx, vm)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: %d CPU, %d MiB, %d disk(s), %d NIC(s), %s\n",
		vm.Path, shape.CPUs, shape.MemoryMB, len(shape.Disks), len(shape.NICs), shape.PowerState)

	off, err := client.PowerOff(ctx, vm, vsphere.PowerOffOptions{GracefulTimeout: time.Minute, AllowHard: true})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("power off: %s (%s)\n", off.Path, off.Fallback)

	on, err := client.PowerOn(ctx, vm)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("power on:", on.Path)
	fmt.Println("logins:", pool.Stats().Logins)

	// Output:
	// /DC0/vm/DC0_H0_VM0: 1 CPU, 32 MiB, 1 disk(s), 1 NIC(s), poweredOn
	// power off: hard (VMware Tools are not running in the guest)
	// power on: powered-on
	// logins: 1
}
