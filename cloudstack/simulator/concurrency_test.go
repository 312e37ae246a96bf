package simulator_test

import (
	"fmt"
	"sync"
	"testing"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Several accounts drive their own VMs at once while another goroutine rotates an unused
// account's keys and reads state; run with -race.
func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	sim := simulator.New()
	t.Cleanup(sim.Close)
	seed, err := sim.Seed(simulator.Scenario{SkipAppliance: true})
	require.NoError(t, err)
	sim.AddAccount("bystander")

	const workers, volumesEach = 6, 3
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		key, secret := sim.AddAccount(fmt.Sprintf("tenant-%d", w))
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- func() error {
				cs := csgo.NewAsyncClient(sim.URL(), key, secret, false)
				cs.HTTPGETOnly = w%2 == 0
				p := cs.VirtualMachine.NewDeployVirtualMachineParams(seed.ServiceOfferingID, seed.TemplateID, seed.ZoneID)
				p.SetName(fmt.Sprintf("vm-%d", w))
				vm, err := cs.VirtualMachine.DeployVirtualMachine(p)
				if err != nil {
					return err
				}
				// Stopped after its first start, the VM has storage, so volumes attached to
				// it get theirs and can be snapshotted.
				if _, err := cs.VirtualMachine.StopVirtualMachine(cs.VirtualMachine.NewStopVirtualMachineParams(vm.Id)); err != nil {
					return err
				}
				for i := range volumesEach {
					cp := cs.Volume.NewCreateVolumeParams()
					cp.SetName(fmt.Sprintf("v-%d-%d", w, i))
					cp.SetDiskofferingid(seed.DiskOfferingID)
					cp.SetZoneid(seed.ZoneID)
					v, err := cs.Volume.CreateVolume(cp)
					if err != nil {
						return err
					}
					if _, err := cs.Volume.AttachVolume(cs.Volume.NewAttachVolumeParams(v.Id, vm.Id)); err != nil {
						return err
					}
					if _, err := cs.Snapshot.CreateSnapshot(cs.Snapshot.NewCreateSnapshotParams(v.Id)); err != nil {
						return err
					}
				}
				_, err = cs.VirtualMachine.StartVirtualMachine(cs.VirtualMachine.NewStartVirtualMachineParams(vm.Id))
				return err
			}()
		}()
	}
	stop := make(chan struct{})
	var bg sync.WaitGroup
	bg.Add(1)
	go func() {
		defer bg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_, _, _ = sim.RotateKeys("bystander")
			_ = sim.State()
			_ = sim.Calls()
		}
	}()
	wg.Wait()
	close(stop)
	bg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}

	st := sim.State()
	require.Len(t, st.VMs, workers)
	for _, vm := range st.VMs {
		assert.Equal(t, cloudstack.VMRunning, vm.State)
		vols := st.VolumesOf(vm.ID)
		require.Len(t, vols, volumesEach+1)
		assert.Equal(t, []int{0, 1, 2, 4}, []int{vols[0].DeviceID, vols[1].DeviceID, vols[2].DeviceID, vols[3].DeviceID})
		for _, v := range vols {
			assert.Equal(t, vm.Account, v.Account, "each tenant's resources are its own")
		}
	}
	assert.Len(t, st.Snapshots, workers*volumesEach)
	for _, c := range sim.Calls() {
		assert.False(t, c.Failed(), "%+v", c)
		assert.NotEmpty(t, c.Account)
	}
}
