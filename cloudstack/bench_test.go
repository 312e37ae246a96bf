package cloudstack_test

import (
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/ossea-migrate/failoverkit/cloudstack"
)

// BenchmarkSequence runs one representative operation per iteration against the simulator:
// build a Client from the set, deploy a stopped VM, move a replicated volume to it, snapshot
// it, revert, move it back, delete the snapshot, destroy the VM. It reports the API requests
// per operation and the allocations per request; those include the in-process simulator's
// and both ends of net/http, not only this package's.
func BenchmarkSequence(b *testing.B) {
	r := newRig(b, 1)
	set := r.set
	set.Zone = r.seed.ZoneID // an id needs no lookup
	vol := r.seed.VolumeIDs[0]
	dev := int64(r.seed.DeviceIDs[0])
	ctx := context.Background()

	sequence := func(i int) {
		c, err := cloudstack.New(set)
		if err != nil {
			b.Fatal(err)
		}
		vm, err := c.DeployVM(ctx, cloudstack.DeploySpec{Name: fmt.Sprintf("bench-%d", i)})
		if err != nil {
			b.Fatal(err)
		}
		must(b, second(c.DetachVolume(ctx, vol)))
		must(b, second(c.AttachVolume(ctx, vol, vm.ID, 1)))
		snap, err := c.CreateSnapshot(ctx, vol, "")
		if err != nil {
			b.Fatal(err)
		}
		must(b, c.RevertSnapshot(ctx, snap.ID))
		must(b, second(c.DetachVolume(ctx, vol)))
		must(b, second(c.AttachVolume(ctx, vol, r.seed.ApplianceVMID, dev)))
		must(b, c.DeleteSnapshot(ctx, snap.ID))
		must(b, c.DestroyVM(ctx, vm.ID, true))
	}

	r.sim.ResetCalls()
	sequence(-1)
	calls := len(r.sim.Calls())

	b.ReportAllocs()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sequence(i)
		r.sim.ResetCalls()
	}
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(calls), "requests/op")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N*calls), "allocs/request")
}

// BenchmarkNewClient measures what an operation pays to start: New plus its first request,
// which builds the cloudstack-go client holding the keys.
func BenchmarkNewClient(b *testing.B) {
	r := newRig(b, 1)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c, err := cloudstack.New(r.set)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := c.GetVolume(ctx, r.seed.VolumeIDs[0]); err != nil {
			b.Fatal(err)
		}
		r.sim.ResetCalls()
	}
}

// BenchmarkRequest measures one request on a warm Client.
func BenchmarkRequest(b *testing.B) {
	r := newRig(b, 1)
	c := r.client(b)
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		if _, err := c.GetVolume(ctx, r.seed.VolumeIDs[0]); err != nil {
			b.Fatal(err)
		}
		r.sim.ResetCalls()
	}
}

func second[T any](_ T, err error) error { return err }

func must(b *testing.B, err error) {
	b.Helper()
	if err != nil {
		b.Fatal(err)
	}
}
