package simulator_test

import (
	"testing"
	"time"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
)

// With WithVMWorkQueue, two attaches to one VM take their time one after the other, in
// submission order, while an attach to another VM runs beside the first; without it all
// three run at once.
func TestVMWorkQueueRunsTheJobsOfOneVMOneAtATime(t *testing.T) {
	t.Parallel()
	const took = 10 * time.Second
	tests := []struct {
		name  string
		queue bool
		// want are the job statuses of the attaches (first to A, second to A, one to B)
		// after one and after two job durations.
		want [2][]int
	}{
		{name: "queue", queue: true, want: [2][]int{{1, 0, 1}, {1, 1, 1}}},
		{name: "no queue", want: [2][]int{{1, 1, 1}, {1, 1, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newManualClock()
			opts := []simulator.Option{simulator.WithClock(clock.Now),
				simulator.WithJobDuration("attachVolume", simulator.JobDuration{Base: took})}
			if tt.queue {
				opts = append(opts, simulator.WithVMWorkQueue())
			}
			e := newEnv(t, simulator.Scenario{SkipAppliance: true}, opts...)
			a, b := e.deploy(t, "vm-a", true), e.deploy(t, "vm-b", true)
			cs := csgo.NewClient(e.sim.URL(), e.seed.APIKey, e.seed.SecretKey, false)
			var jobs []string
			for _, vm := range []string{a.Id, a.Id, b.Id} {
				vol, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{})
				require.NoError(t, err)
				r, err := cs.Volume.AttachVolume(cs.Volume.NewAttachVolumeParams(vol, vm))
				require.NoError(t, err)
				jobs = append(jobs, r.JobID)
			}
			statuses := func() []int {
				var out []int
				for _, j := range jobs {
					out = append(out, jobStatus(t, cs, j))
				}
				return out
			}

			assert.Equal(t, []int{0, 0, 0}, statuses(), "all running or queued")
			clock.Advance(took)
			assert.Equal(t, tt.want[0], statuses(), "after one job's time")
			clock.Advance(took)
			assert.Equal(t, tt.want[1], statuses(), "after two jobs' time")
		})
	}
}

// A job refused by its checks takes no place in the queue: the attach after it starts at
// once.
func TestVMWorkQueueSkipsARefusedJob(t *testing.T) {
	t.Parallel()
	const took = 10 * time.Second
	clock := newManualClock()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true}, simulator.WithClock(clock.Now), simulator.WithVMWorkQueue(),
		simulator.WithJobDuration("attachVolume", simulator.JobDuration{Base: took}))
	vm := e.deploy(t, "vm", true)
	attached, err := e.sim.AddDataVolume(e.seed.ZoneID, vm.Id, simulator.VolumeSpec{})
	require.NoError(t, err)
	free, err := e.sim.AddDataVolume(e.seed.ZoneID, "", simulator.VolumeSpec{})
	require.NoError(t, err)
	cs := csgo.NewClient(e.sim.URL(), e.seed.APIKey, e.seed.SecretKey, false)

	refused, err := cs.Volume.AttachVolume(cs.Volume.NewAttachVolumeParams(attached, vm.Id))
	require.NoError(t, err)
	assert.Equal(t, 2, jobStatus(t, cs, refused.JobID), "an attached volume cannot be attached again")
	r, err := cs.Volume.AttachVolume(cs.Volume.NewAttachVolumeParams(free, vm.Id))
	require.NoError(t, err)
	clock.Advance(took)
	assert.Equal(t, 1, jobStatus(t, cs, r.JobID))
}
