package simulator_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
)

// BenchmarkFailoverSequence runs the test-failover-and-rollback sequence over three
// replicated volumes through cloudstack-go: deploy, remove the created ROOT, snapshot,
// move volumes to the test VM, start, stop, revert, move back, destroy, delete snapshots.
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

		var snaps []string
		for _, v := range seed.VolumeIDs {
			s, err := cs.Snapshot.CreateSnapshot(cs.Snapshot.NewCreateSnapshotParams(v))
			must(s, err)
			snaps = append(snaps, s.Id)
		}
		for i, v := range seed.VolumeIDs {
			dp := cs.Volume.NewDetachVolumeParams()
			dp.SetId(v)
			must(cs.Volume.DetachVolume(dp))
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
