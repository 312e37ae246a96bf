package failover_test

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// Example runs a test failover against the in-process vCenter and CloudStack simulators,
// rotates the CloudStack keys while the program runs, and rolls back: the rollback fetches
// the new keys at its start, with no restart.
func Example() {
	ctx := context.Background()
	l, err := failovertest.Start(failovertest.Options{VolumesPerVM: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer l.Close()
	vm := l.Sources[0]

	// The credential source: here in memory; in the appliance, database.New over its tables.
	src := credentials.NewMemory(nil)
	cs, err := l.CloudStackSet(vm.CloudAccount)
	if err != nil {
		fmt.Println(err)
		return
	}
	src.PutCloudStack("cloud", cs)
	src.PutVSphere("vcenter", l.VSphereSet())

	var events []failover.Event
	engine, err := failover.New(src,
		failover.WithLogger(slog.New(slog.DiscardHandler)),
		failover.WithObserver(failover.ObserverFunc(func(e failover.Event) { events = append(events, e) })),
		failover.WithCloudStackOptions(cloudstack.WithPollInterval(time.Millisecond, 10*time.Millisecond)),
		failover.WithVSphereOptions(vsphere.WithPollInterval(20*time.Millisecond)),
	)
	if err != nil {
		fmt.Println(err)
		return
	}

	req := failover.Request{
		VCenter:    credentials.Account("vcenter"),
		VM:         vm.Locator(),
		CloudStack: credentials.Account("cloud"),
	}
	for i, id := range vm.VolumeIDs {
		req.Volumes = append(req.Volumes, failover.Volume{ID: id, Boot: i == 0})
	}

	job, err := engine.TestFailover(ctx, req)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("test failover:", job.Status)
	for _, s := range job.Steps {
		fmt.Println(" ", s.Name, s.Status)
	}

	// The operator rotates the keys: CloudStack refuses the old ones from now on.
	rotated, err := l.RotateCloudStack(vm.CloudAccount)
	if err != nil {
		fmt.Println(err)
		return
	}
	src.PutCloudStack("cloud", rotated)

	back, err := engine.Rollback(ctx, job.ID)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("rollback:", back.Status, back.Cleanup.Outcome)
	for _, s := range back.Steps {
		if s.Undo {
			fmt.Println(" ", s.Name, s.Status)
		}
	}
	// The job records every set it used, by origin, version and fingerprint: the test
	// failover's, then the rollback's.
	n := 0
	for _, u := range back.Credentials {
		if u.Kind == credentials.KindCloudStack {
			n++
			fmt.Printf("cloudstack set %d (%s, %s): rotated keys %t\n", n, u.Meta.Origin, u.Reason,
				u.Meta.Fingerprint == rotated.SecretKey.Fingerprint())
		}
	}

	// Close delivers the events still queued before it returns.
	if err := engine.Close(ctx); err != nil {
		fmt.Println(err)
		return
	}
	for _, e := range events {
		if e.Type == failover.EventJobFinished {
			fmt.Println("event:", e.Type, e.Operation, e.Status)
		}
	}
	// Output:
	// test failover: succeeded
	//   preflight done
	//   detach_volumes done
	//   snapshot_volumes done
	//   create_vm done
	//   remove_root_volume done
	//   attach_volumes done
	//   start_vm done
	//   validate done
	// rollback: rolled_back completed
	//   stop_vm done
	//   detach_from_vm done
	//   revert_snapshots done
	//   reattach_volumes done
	//   destroy_vm done
	//   delete_root_volume done
	//   delete_snapshots done
	// cloudstack set 1 (memory account cloud, operation start): rotated keys false
	// cloudstack set 2 (memory account cloud, operation start): rotated keys true
	// event: job_finished test_failover succeeded
	// event: job_finished rollback rolled_back
}
