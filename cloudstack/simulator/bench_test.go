package simulator_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
)

// BenchmarkFailoverSequence runs the test-failover-and-rollback sequence over three
// replicated volumes through cloudstack-go: deploy, remove the created ROOT, move the
// volumes to the test VM (snapshotting each while detached), start, stop, revert, move
// back, destroy, delete snapshots.
// It reports the HTTP calls per sequence and the time per call.
func BenchmarkFailoverSequence(b *testing.B) {
	sim := simulator.New()
	defer sim.Close()
	seed, err := sim.Seed(simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 3}})
	if err != nil {
		b.Fatal(err)
	}
	cs := csgo.NewAsyncClient(sim.URL(), seed.APIKey, seed.SecretKey, false)
	must := func(_ any, err error) {
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	calls := 0
	for b.Loop() {
		sim.ResetCalls()
		p := cs.VirtualMachine.NewDeployVirtualMachineParams(seed.CustomServiceOfferingID, seed.TemplateID, seed.ZoneID)
		p.SetName("bench-test")
		p.SetStartvm(false)
		p.SetDetails(map[string]string{"cpuNumber": "4", "memory": "8192"})
		p.SetNetworkids([]string{seed.NetworkID})
		vm, err := cs.VirtualMachine.DeployVirtualMachine(p)
		must(vm, err)

		lp := cs.Volume.NewListVolumesParams()
		lp.SetVirtualmachineid(vm.Id)
		lp.SetType("ROOT")
		roots, err := cs.Volume.ListVolumes(lp)
		must(roots, err)
		dp := cs.Volume.NewDetachVolumeParams()
		dp.SetId(roots.Volumes[0].Id)
		must(cs.Volume.DetachVolume(dp))
		must(cs.Volume.DeleteVolume(cs.Volume.NewDeleteVolumeParams(roots.Volumes[0].Id)))

		// Each volume is snapshotted while detached: a default KVM cloud refuses
		// snapshots of the running appliance's volumes.
		var snaps []string
		for i, v := range seed.VolumeIDs {
			dp := cs.Volume.NewDetachVolumeParams()
			dp.SetId(v)
			must(cs.Volume.DetachVolume(dp))
			s, err := cs.Snapshot.CreateSnapshot(cs.Snapshot.NewCreateSnapshotParams(v))
			must(s, err)
			snaps = append(snaps, s.Id)
			ap := cs.Volume.NewAttachVolumeParams(v, vm.Id)
			ap.SetDeviceid(int64([]int{0, 1, 2}[i]))
			must(cs.Volume.AttachVolume(ap))
		}
		must(cs.VirtualMachine.StartVirtualMachine(cs.VirtualMachine.NewStartVirtualMachineParams(vm.Id)))
		must(cs.VirtualMachine.StopVirtualMachine(cs.VirtualMachine.NewStopVirtualMachineParams(vm.Id)))
		for _, s := range snaps {
			must(cs.Snapshot.RevertSnapshot(cs.Snapshot.NewRevertSnapshotParams(s)))
		}
		for i, v := range seed.VolumeIDs {
			dp := cs.Volume.NewDetachVolumeParams()
			dp.SetId(v)
			must(cs.Volume.DetachVolume(dp))
			ap := cs.Volume.NewAttachVolumeParams(v, seed.ApplianceVMID)
			ap.SetDeviceid(int64(seed.DeviceIDs[i]))
			must(cs.Volume.AttachVolume(ap))
		}
		xp := cs.VirtualMachine.NewDestroyVirtualMachineParams(vm.Id)
		xp.SetExpunge(true)
		must(cs.VirtualMachine.DestroyVirtualMachine(xp))
		for _, s := range snaps {
			must(cs.Snapshot.DeleteSnapshot(cs.Snapshot.NewDeleteSnapshotParams(s)))
		}
		calls = len(sim.Calls())
	}
	b.ReportMetric(float64(calls), "calls/op")
	if calls > 0 {
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(calls), "ns/call")
	}
}

// BenchmarkServeListVolumes measures the simulator alone (no network, no client): one
// signed listVolumes of an appliance with eight volumes, served in process.
func BenchmarkServeListVolumes(b *testing.B) {
	sim := simulator.New()
	defer sim.Close()
	seed, err := sim.Seed(simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 8}})
	if err != nil {
		b.Fatal(err)
	}
	query := signed("listVolumes", seed.APIKey, seed.SecretKey, url.Values{"virtualmachineid": {seed.ApplianceVMID}}).Encode()
	b.ReportAllocs()
	for b.Loop() {
		sim.ResetCalls()
		rec := httptest.NewRecorder()
		sim.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/client/api?"+query, nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Body.String())
		}
	}
}

// BenchmarkSlowCloudSnapshots snapshots eight detached 10 GB volumes at once on a cloud
// where every call takes 50 ms and a snapshot 200 ms + 50 ms per GB (700 ms here), each
// waited for by its own goroutine through the cloudstack package's client. The jobs run
// side by side, so an operation takes about one snapshot's time plus polling, not eight.
func BenchmarkSlowCloudSnapshots(b *testing.B) {
	const volumes = 8
	sim := simulator.New(simulator.WithLatency(50*time.Millisecond),
		simulator.WithJobDuration("createSnapshot", simulator.JobDuration{Base: 200 * time.Millisecond, PerGB: 50 * time.Millisecond}))
	defer sim.Close()
	seed, err := sim.Seed(simulator.Scenario{SkipAppliance: true})
	if err != nil {
		b.Fatal(err)
	}
	ids := make([]string, volumes)
	for i := range ids {
		if ids[i], err = sim.AddDataVolume(seed.ZoneID, "", simulator.VolumeSpec{SizeGB: 10}); err != nil {
			b.Fatal(err)
		}
	}
	set := credentials.CloudStack{APIURL: sim.URL(), APIKey: credentials.NewSecret(seed.APIKey), SecretKey: credentials.NewSecret(seed.SecretKey)}
	set.Meta = credentials.Meta{Origin: credentials.Origin{Source: "memory", Account: seed.Account, Location: "benchmark"}, Version: set.ContentVersion(), Fingerprint: set.SecretKey.Fingerprint(), FetchedAt: time.Now()}
	c, err := cloudstack.New(set, cloudstack.WithPollInterval(50*time.Millisecond, 200*time.Millisecond))
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		var wg sync.WaitGroup
		errs := make(chan error, volumes)
		for _, id := range ids {
			wg.Add(1)
			go func() {
				defer wg.Done()
				s, err := c.CreateSnapshot(context.Background(), id, "")
				if err == nil {
					err = c.DeleteSnapshot(context.Background(), s.ID)
				}
				errs <- err
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				b.Fatal(err)
			}
		}
	}
}
