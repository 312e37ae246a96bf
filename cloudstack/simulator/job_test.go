package simulator_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// newManualClock returns a clock for WithClock that moves only when told to, so that a test
// decides when a job's time has passed instead of sleeping. It starts at the real time
// because cloudstack-go's requests expire 15 minutes after it.
func newManualClock() *testkit.Clock { return testkit.NewClock(time.Now()) }

// jobStatus polls a job once with cloudstack-go's non-waiting client.
func jobStatus(t *testing.T, cs *csgo.CloudStackClient, jobID string) int {
	t.Helper()
	q, err := cs.Asyncjob.QueryAsyncJobResult(cs.Asyncjob.NewQueryAsyncJobResultParams(jobID))
	require.NoError(t, err)
	return q.Jobstatus
}

func TestJobDurationKeepsTheJobRunningUntilItsTimeHasPassed(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true}, simulator.WithClock(clock.Now),
		simulator.WithJobDuration("startVirtualMachine", simulator.JobDuration{Base: 2 * time.Minute}))
	vm := e.deploy(t, "slow", false) // deployVirtualMachine has no duration: done at once
	cs := csgo.NewClient(e.sim.URL(), e.seed.APIKey, e.seed.SecretKey, false)
	r, err := cs.VirtualMachine.StartVirtualMachine(cs.VirtualMachine.NewStartVirtualMachineParams(vm.Id))
	require.NoError(t, err)
	state := func() cloudstack.VMState {
		v, _ := e.sim.State().VM(vm.Id)
		return v.State
	}

	assert.Equal(t, 0, jobStatus(t, cs, r.JobID))
	assert.Equal(t, cloudstack.VMStarting, state())
	clock.Advance(time.Minute)
	assert.Equal(t, 0, jobStatus(t, cs, r.JobID), "half way")
	assert.Equal(t, cloudstack.VMStarting, state())
	clock.Advance(time.Minute)
	assert.Equal(t, cloudstack.VMRunning, state(), "done once its time has passed, whoever looks first")
	assert.Equal(t, 1, jobStatus(t, cs, r.JobID))
	assert.Equal(t, 1, e.lastCall(t, "startVirtualMachine").JobStatus, "the call log learns the outcome")

	// A zero duration makes jobs complete at once again.
	require.NoError(t, e.sim.SetJobDuration("stopVirtualMachine", simulator.JobDuration{}))
	s, err := cs.VirtualMachine.StopVirtualMachine(cs.VirtualMachine.NewStopVirtualMachineParams(vm.Id))
	require.NoError(t, err)
	assert.Equal(t, 1, jobStatus(t, cs, s.JobID))
}

func TestSnapshotJobDurationGrowsWithTheVolume(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true}, simulator.WithClock(clock.Now),
		simulator.WithJobDuration("createSnapshot", simulator.JobDuration{Base: 10 * time.Second, PerGB: time.Second}))
	small, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{SizeGB: 10})
	require.NoError(t, err)
	large, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{SizeGB: 40})
	require.NoError(t, err)
	cs := csgo.NewClient(e.sim.URL(), e.seed.APIKey, e.seed.SecretKey, false)
	s1, err := cs.Snapshot.CreateSnapshot(cs.Snapshot.NewCreateSnapshotParams(small))
	require.NoError(t, err)
	s2, err := cs.Snapshot.CreateSnapshot(cs.Snapshot.NewCreateSnapshotParams(large))
	require.NoError(t, err)

	clock.Advance(19 * time.Second)
	assert.Equal(t, []int{0, 0}, []int{jobStatus(t, cs, s1.JobID), jobStatus(t, cs, s2.JobID)})
	st, _ := e.sim.State().Snapshot(s1.Id)
	assert.Equal(t, cloudstack.SnapshotCreating, st.State)
	clock.Advance(time.Second) // 10 s + 10 GB x 1 s
	assert.Equal(t, []int{1, 0}, []int{jobStatus(t, cs, s1.JobID), jobStatus(t, cs, s2.JobID)})
	clock.Advance(30 * time.Second) // 10 s + 40 GB x 1 s
	assert.Equal(t, []int{1, 1}, []int{jobStatus(t, cs, s1.JobID), jobStatus(t, cs, s2.JobID)})
	st, _ = e.sim.State().Snapshot(s2.Id)
	assert.Equal(t, cloudstack.SnapshotBackedUp, st.State)
}

// Jobs of different volumes run side by side: six snapshots, each waited for by its own
// client, are all running at once, and one step of the clock past their duration ends all
// of them. Run with -race.
func TestJobsOfDifferentVolumesRunConcurrently(t *testing.T) {
	t.Parallel()
	clock := newManualClock()
	const volumes, took = 6, time.Minute
	e := newEnv(t, simulator.Scenario{SkipAppliance: true}, simulator.WithClock(clock.Now),
		simulator.WithJobDuration("createSnapshot", simulator.JobDuration{Base: took}))
	set := credentials.CloudStack{
		APIURL: e.sim.URL(), APIKey: credentials.NewSecret(e.seed.APIKey), SecretKey: credentials.NewSecret(e.seed.SecretKey),
	}
	set.Meta = credentials.Meta{Origin: credentials.Origin{Source: "memory", Account: e.seed.Account, Location: "test"}, Version: set.ContentVersion(), Fingerprint: set.SecretKey.Fingerprint(), FetchedAt: time.Now()}
	c, err := cloudstack.New(set, cloudstack.WithPollInterval(time.Millisecond, 5*time.Millisecond))
	require.NoError(t, err)

	ids := make([]string, volumes)
	for i := range ids {
		ids[i], err = e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{Name: fmt.Sprintf("v%d", i)})
		require.NoError(t, err)
	}
	var wg sync.WaitGroup
	errs := make([]error, volumes)
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.CreateSnapshot(context.Background(), id, "")
		}()
	}
	running := func() int {
		n := 0
		for _, s := range e.sim.State().Snapshots {
			if s.State == cloudstack.SnapshotCreating {
				n++
			}
		}
		return n
	}
	require.Eventually(t, func() bool { return running() == volumes }, 10*time.Second, time.Millisecond,
		"every snapshot job is running at the same time")
	clock.Advance(took)
	wg.Wait()
	for _, err := range errs {
		require.NoError(t, err)
	}
	assert.Zero(t, running())
}

func TestSetJobDurationRefusesBadInput(t *testing.T) {
	t.Parallel()
	sim := simulator.New()
	t.Cleanup(sim.Close)
	tests := []struct {
		name    string
		command string
		d       simulator.JobDuration
		fix     string
	}{
		{"not a command", "createSnapshots", simulator.JobDuration{Base: time.Second}, "use one of"},
		{"a synchronous command", "listVolumes", simulator.JobDuration{Base: time.Second}, "not an async command"},
		{"negative", "startVirtualMachine", simulator.JobDuration{Base: -time.Second}, "0 or more"},
		{"per GB without a volume", "startVirtualMachine", simulator.JobDuration{PerGB: time.Second}, "set Base alone"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := sim.SetJobDuration(tc.command, tc.d)
			require.ErrorIs(t, err, simulator.ErrInvalidOption)
			assert.Contains(t, err.Error(), tc.fix)
		})
	}
	require.NoError(t, sim.SetJobDuration("revertSnapshot", simulator.JobDuration{Base: time.Second, PerGB: time.Millisecond}))
}

func TestInvalidJobDurationOptionFailsEveryCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true},
		simulator.WithJobDuration("deployVM", simulator.JobDuration{Base: time.Second}))
	_, err := e.cs.Zone.ListZones(e.cs.Zone.NewListZonesParams())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CloudStack API error 530")
	assert.Contains(t, err.Error(), `job duration for "deployVM": it is not an async command`)
}
