package failover

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

func TestTestFailoverAndRollback(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{VolumesPerVM: 3})
	ctx := context.Background()
	src := f.lab.Sources[0]

	job, err := f.engine.TestFailover(ctx, f.request(0))
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, job.Status)

	st := f.lab.Cloud.State()
	var target cssim.VM
	for _, vm := range st.VMs {
		if vm.ID != src.ApplianceVMID && vm.State == cloudstack.VMRunning {
			target = vm
		}
	}
	require.NotEmpty(t, target.ID, "a test VM runs")
	assert.Equal(t, job.Facts.TargetName, target.Name)
	vols := st.VolumesOf(target.ID)
	require.Len(t, vols, 3, "only the replicated volumes are on the test VM")
	for k, v := range vols {
		assert.Equal(t, src.VolumeIDs[k], v.ID)
	}
	assert.Equal(t, 0, vols[0].DeviceID, "the boot volume is device 0")
	for _, id := range src.VolumeIDs {
		assert.Len(t, st.SnapshotsOf(id), 1, "one rollback snapshot per volume")
	}
	power, err := f.lab.PowerState(src.Name)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOn, power, "a test failover leaves the source VM alone")

	back, err := f.engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusRolledBack, back.Status)
	require.NotNil(t, back.Cleanup)
	assert.Equal(t, OutcomeCompleted, back.Cleanup.Outcome)
	f.requireClean(t, 0, vsphere.PoweredOn)
}

func TestLiveFailoverAndRollbackPoweringSourceOn(t *testing.T) {
	t.Parallel()
	var synced []string
	f := newFixture(t, failovertest.Options{}, WithHook(PhaseFinalSync, func(ctx context.Context, job *Job) error {
		synced = append(synced, job.ID)
		return nil
	}))
	ctx := context.Background()
	src := f.lab.Sources[0]

	job, err := f.engine.LiveFailover(ctx, f.request(0))
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, job.Status)
	assert.Equal(t, []string{job.ID}, synced, "the final sync ran once")
	power, err := f.lab.PowerState(src.Name)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOff, power, "a live failover powers the source off")
	assert.Equal(t, []StepName{StepPreflight, StepPowerOffSource, StepFinalSync, StepDetachVolumes, StepSnapshotVolumes,
		StepCreateVM, StepRemoveRootVolume, StepAttachVolumes, StepStartVM, StepValidate}, f.stepNames(job))
	assert.NotContains(t, job.Facts.TargetName, "-test-", "the VM created is the real one")

	back, err := f.engine.Rollback(ctx, job.ID, PowerOnSource())
	require.NoError(t, err)
	assert.Equal(t, StatusRolledBack, back.Status)
	f.requireClean(t, 0, vsphere.PoweredOn)
}

func TestLiveRollbackWithoutPowerOnLeavesSourceOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	ctx := context.Background()
	job, err := f.engine.LiveFailover(ctx, f.request(0))
	require.NoError(t, err)
	back, err := f.engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusRolledBack, back.Status)
	f.requireClean(t, 0, vsphere.PoweredOff)
}

func (f *fixture) stepNames(job *Job) []StepName {
	var names []StepName
	for _, s := range job.Steps {
		names = append(names, s.Name)
	}
	return names
}

func TestInvalidRequests(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	ok := f.request(0)
	tests := map[string]func(*Request){
		"no VM":          func(r *Request) { r.VM = vsphere.Locator{} },
		"no volumes":     func(r *Request) { r.Volumes = nil },
		"duplicate":      func(r *Request) { r.Volumes = append(r.Volumes, r.Volumes[0]) },
		"two boot disks": func(r *Request) { r.Volumes[1].Boot = true },
		"blank id":       func(r *Request) { r.Volumes[0].ID = " " },
	}
	for name, mutate := range tests {
		t.Run(name, func(t *testing.T) {
			req := ok
			req.Volumes = append([]Volume(nil), ok.Volumes...)
			mutate(&req)
			job, err := f.engine.TestFailover(context.Background(), req)
			require.ErrorIs(t, err, ErrInvalidRequest)
			assert.Nil(t, job)
		})
	}
	t.Run("volume not on the appliance", func(t *testing.T) {
		req := ok
		req.Volumes = []Volume{{ID: "not-a-volume", Boot: true}}
		job, err := f.engine.TestFailover(context.Background(), req)
		require.ErrorIs(t, err, ErrPreflight)
		assert.Contains(t, err.Error(), "not-a-volume")
		assert.Empty(t, job.Ledger)
	})
	f.requireClean(t, 0, vsphere.PoweredOn)
}

func TestTwoEnginesRacingForOneVM(t *testing.T) {
	t.Parallel()
	for _, sc := range storeCases(t) {
		t.Run(sc.name, func(t *testing.T) {
			a, b := sc.open(t)
			f := newFixture(t, failovertest.Options{})
			f.store = a
			e1 := f.newEngine(WithHolder("engine-1"))
			f.store = b
			e2 := f.newEngine(WithHolder("engine-2"))

			start := make(chan struct{})
			type result struct {
				job *Job
				err error
			}
			results := make(chan result, 2)
			for _, e := range []*Engine{e1, e2} {
				go func() {
					<-start
					j, err := e.TestFailover(context.Background(), f.request(0))
					results <- result{j, err}
				}()
			}
			close(start)
			var won, busy []result
			for range 2 {
				r := <-results
				if r.err == nil {
					won = append(won, r)
				} else {
					assert.ErrorIs(t, r.err, ErrBusy)
					busy = append(busy, r)
				}
			}
			require.Len(t, won, 1, "exactly one engine proceeds")
			require.Len(t, busy, 1)
			assert.Empty(t, busy[0].job.Ledger, "the loser changed nothing")
			f.requireCleanAfterRollback(t, e1, won[0].job.ID, vsphere.PoweredOn)
		})
	}
}

func TestCancelledFlowIsInterruptedAndResumable(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	f := newFixture(t, failovertest.Options{}, WithHook(PhaseBeforeCreate, func(context.Context, *Job) error {
		cancel()
		return nil
	}))
	job, err := f.engine.TestFailover(ctx, f.request(0))
	require.ErrorIs(t, err, context.Canceled)
	assert.Equal(t, StatusInterrupted, job.Status)
	assert.Nil(t, job.Cleanup, "an interrupted flow is left for Resume or Rollback, not compensated")

	resumed, err := f.newEngine().Resume(context.Background(), job.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, resumed.Status)
	f.requireCleanAfterRollback(t, f.engine, job.ID, vsphere.PoweredOn)
}

func TestPreflightChecksPlacement(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	const unknown = "00000000-0000-4000-8000-0000000000ff"
	for name, mutate := range map[string]func(*Request){
		"zone":             func(r *Request) { r.Zone = "no-such-zone" },
		"template":         func(r *Request) { r.TemplateID = unknown },
		"network":          func(r *Request) { r.NetworkID = unknown },
		"service offering": func(r *Request) { r.ServiceOfferingID = unknown },
	} {
		t.Run(name, func(t *testing.T) {
			req := f.request(0)
			mutate(&req)
			job, err := f.engine.TestFailover(context.Background(), req)
			require.ErrorIs(t, err, ErrPreflight)
			assert.Contains(t, err.Error(), name)
			assert.Contains(t, err.Error(), "fix:")
			assert.Empty(t, job.Ledger)
		})
	}
	f.requireClean(t, 0, vsphere.PoweredOn)
}

func TestCustomOfferingTakesSourceShape(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	custom := ""
	for _, o := range f.lab.Cloud.State().ServiceOfferings {
		if o.Custom {
			custom = o.ID
		}
	}
	require.NotEmpty(t, custom)
	req := f.request(0)
	req.ServiceOfferingID = custom
	job, err := f.engine.TestFailover(context.Background(), req)
	require.NoError(t, err)
	assert.True(t, job.Facts.CustomOffering)
	target := f.lab.Cloud.State().VMs
	var vm cssim.VM
	for _, v := range target {
		if v.Name == job.Facts.TargetName {
			vm = v
		}
	}
	assert.Equal(t, job.Facts.CPUs, vm.CPUs, "CPUs come from the source VM")
	assert.Equal(t, job.Facts.MemoryMB, vm.MemoryMB, "memory comes from the source VM")
	f.requireCleanAfterRollback(t, f.engine, job.ID, vsphere.PoweredOn)
}

// Before-create hooks (driver injection) get the replicated volumes on the appliance, at their
// devices, after the rollback snapshots: so a rollback reverts what the hooks wrote too.
func TestBeforeCreateHooksRunOnTheApplianceAfterTheSnapshots(t *testing.T) {
	t.Parallel()
	var f *fixture
	var sawOnAppliance, sawSnapshots bool
	var seen *Job
	f = newFixture(t, failovertest.Options{VolumesPerVM: 3}, WithHook(PhaseBeforeCreate, func(ctx context.Context, job *Job) error {
		seen = job
		st := f.lab.Cloud.State()
		src := f.lab.Sources[0]
		sawOnAppliance, sawSnapshots = true, true
		for k, id := range src.VolumeIDs {
			v, _ := st.Volume(id)
			sawOnAppliance = sawOnAppliance && v.VMID == src.ApplianceVMID && v.DeviceID == src.DeviceIDs[k]
			sawSnapshots = sawSnapshots && len(st.SnapshotsOf(id)) == 1
		}
		return nil
	}))
	ctx := context.Background()
	job, err := f.engine.TestFailover(ctx, f.request(0))
	require.NoError(t, err)
	assert.True(t, sawOnAppliance, "the hook saw every volume on the appliance at its device")
	assert.True(t, sawSnapshots, "the hook ran after the rollback snapshots")
	require.NotNil(t, seen)
	// The appliance's own ROOT volume is /dev/vda; the replicated boot volume is the next disk.
	boot := seen.Facts.Volumes[0]
	assert.True(t, boot.Boot)
	assert.Equal(t, f.lab.Sources[0].VolumeIDs[0], boot.ID)
	assert.Equal(t, "/dev/vdb", boot.AppliancePath, "the hook gets the boot volume's device on the appliance")
	for _, v := range seen.Facts.Volumes {
		assert.Regexp(t, `^/dev/vd[a-z]+$`, v.AppliancePath)
	}
	assert.NotEmpty(t, seen.Facts.GuestFamily)
	assert.Contains(t, []string{"bios", "efi"}, seen.Facts.Firmware)
	assert.Equal(t, []StepName{StepPreflight, StepDetachVolumes, StepSnapshotVolumes, StepReturnVolumes, StepBeforeCreate,
		StepCreateVM, StepRemoveRootVolume, StepReleaseVolumes, StepAttachVolumes, StepStartVM, StepValidate}, f.stepNames(job))

	back, err := f.engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusRolledBack, back.Status)
	f.requireClean(t, 0, vsphere.PoweredOn)
	st := f.lab.Cloud.State()
	for _, id := range f.lab.Sources[0].VolumeIDs {
		v, _ := st.Volume(id)
		snaps := st.SnapshotsOf(id)
		require.Len(t, snaps, 1)
		assert.Equal(t, snaps[0].ID, v.RevertedFrom, "volume %s is reverted to its rollback snapshot", id)
	}
}

// A hook that fails after the volumes went back to the appliance: compensation takes them
// off again to revert what the hook may have written, and puts them back.
func TestFailedBeforeCreateHookIsCompensatedWithReverts(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{}, WithHook(PhaseBeforeCreate, func(context.Context, *Job) error {
		return errors.New("driver injection failed")
	}))
	job, err := f.engine.TestFailover(context.Background(), f.request(0))
	require.Error(t, err)
	assert.Equal(t, StepBeforeCreate, job.FailedStep)
	require.NotNil(t, job.Cleanup)
	assert.Equal(t, OutcomeCompleted, job.Cleanup.Outcome, "failures: %v", job.Cleanup.Failures)
	f.requireClean(t, 0, vsphere.PoweredOn)
	st := f.lab.Cloud.State()
	for _, id := range f.lab.Sources[0].VolumeIDs {
		v, _ := st.Volume(id)
		assert.NotEmpty(t, v.RevertedFrom, "volume %s is reverted", id)
	}
}

// A best-effort hook that fails is a warning on the job and an event; the flow goes on, and
// the required hooks after it still run.
func TestBestEffortHookFailureIsAWarning(t *testing.T) {
	t.Parallel()
	var events []Event
	var mu sync.Mutex
	ran := false
	f := newFixture(t, failovertest.Options{},
		WithHook(PhaseBeforeCreate, func(context.Context, *Job) error { return errors.New("no virtio drivers for this guest") },
			BestEffort(), HookName("inject drivers")),
		WithHook(PhaseBeforeCreate, func(context.Context, *Job) error { ran = true; return nil }),
		WithObserver(ObserverFunc(func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() })))
	job, err := f.engine.TestFailover(context.Background(), f.request(0))
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, job.Status)
	assert.True(t, ran, "the next hook ran")
	require.Len(t, job.Warnings, 1)
	assert.Contains(t, job.Warnings[0], "inject drivers")
	assert.Contains(t, job.Warnings[0], "no virtio drivers")
	require.NoError(t, f.engine.Close(context.Background()))
	mu.Lock()
	defer mu.Unlock()
	var warned bool
	for _, e := range events {
		if e.Type == EventWarning && e.Step == StepBeforeCreate && strings.Contains(e.Error, "inject drivers") {
			warned = true
		}
	}
	assert.True(t, warned, "the warning is an event")
	f.requireCleanAfterRollback(t, f.newEngine(), job.ID, vsphere.PoweredOn)
}
