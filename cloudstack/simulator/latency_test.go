package simulator_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	csgo "github.com/apache/cloudstack-go/v2/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLatencyHoldsEachCall(t *testing.T) {
	t.Parallel()
	const d = 50 * time.Millisecond
	e := newEnv(t, simulator.Scenario{SkipAppliance: true}, simulator.WithLatency(d))
	start := time.Now()
	_, err := e.cs.Zone.ListZones(e.cs.Zone.NewListZonesParams())
	require.NoError(t, err)
	assert.GreaterOrEqual(t, time.Since(start), d)

	e.sim.SetLatency(0)
	_, err = e.cs.Zone.ListZones(e.cs.Zone.NewListZonesParams())
	require.NoError(t, err)
}

func TestLatencyHonoursRequestContext(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true}, simulator.WithLatency(time.Hour))
	params := signed("deployVirtualMachine", e.seed.APIKey, e.seed.SecretKey, url.Values{
		"zoneid": {e.seed.ZoneID}, "templateid": {e.seed.TemplateID}, "serviceofferingid": {e.seed.ServiceOfferingID}, "name": {"never"},
	})
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.sim.URL()+"?"+params.Encode(), nil)
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	require.Eventually(t, func() bool { return e.sim.InFlight() == 1 }, 10*time.Second, time.Millisecond)
	cancel()
	require.ErrorIs(t, <-done, context.Canceled)

	require.Eventually(t, func() bool { return len(e.sim.Calls()) == 1 }, 10*time.Second, 5*time.Millisecond)
	c := e.sim.Calls()[0]
	assert.True(t, c.Canceled)
	assert.True(t, c.Failed())
	assert.Equal(t, "deployVirtualMachine", c.Command)
	assert.Equal(t, e.seed.APIKey, c.APIKey)
	assert.Empty(t, e.sim.State().VMs, "a canceled call changes nothing")
}

func TestCloseReleasesHeldCalls(t *testing.T) {
	t.Parallel()
	sim := simulator.New(simulator.WithLatency(time.Hour))
	key, secret := sim.AddAccount("ops")
	cs := csgo.NewAsyncClient(sim.URL(), key, secret, false)
	done := make(chan error, 1)
	go func() {
		_, err := cs.Zone.ListZones(cs.Zone.NewListZonesParams())
		done <- err
	}()
	require.Eventually(t, func() bool { return sim.InFlight() == 1 }, 10*time.Second, time.Millisecond)
	sim.Close()
	sim.Close() // idempotent
	select {
	case err := <-done:
		assert.Error(t, err, "the held call ends without an answer")
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not release a call held by the latency option")
	}
}

func TestPendingPolls(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true}, simulator.WithPendingPolls(2))
	// A non-async client returns the job id; the test polls by hand.
	cs := csgo.NewClient(e.sim.URL(), e.seed.APIKey, e.seed.SecretKey, false)
	p := cs.VirtualMachine.NewDeployVirtualMachineParams(e.seed.ServiceOfferingID, e.seed.TemplateID, e.seed.ZoneID)
	p.SetName("slow")
	r, err := cs.VirtualMachine.DeployVirtualMachine(p)
	require.NoError(t, err)
	require.NotEmpty(t, r.JobID)
	vm, _ := e.sim.State().VM(r.Id)
	assert.Equal(t, cloudstack.VMStarting, vm.State)
	assert.Equal(t, 0, e.lastCall(t, "deployVirtualMachine").JobStatus)

	poll := func() int {
		q, err := cs.Asyncjob.QueryAsyncJobResult(cs.Asyncjob.NewQueryAsyncJobResultParams(r.JobID))
		require.NoError(t, err)
		return q.Jobstatus
	}
	assert.Equal(t, 0, poll())
	assert.Equal(t, 0, poll())
	assert.Equal(t, 1, poll())
	assert.Equal(t, 1, poll(), "a finished job stays finished")
	vm, _ = e.sim.State().VM(r.Id)
	assert.Equal(t, cloudstack.VMRunning, vm.State)
	assert.Equal(t, 1, e.lastCall(t, "deployVirtualMachine").JobStatus, "the call log learns the outcome")

	// While a stop is pending the VM is Stopping and refuses other transitions.
	s, err := cs.VirtualMachine.StopVirtualMachine(cs.VirtualMachine.NewStopVirtualMachineParams(r.Id))
	require.NoError(t, err)
	vm, _ = e.sim.State().VM(r.Id)
	assert.Equal(t, cloudstack.VMStopping, vm.State)
	st, err := cs.VirtualMachine.StartVirtualMachine(cs.VirtualMachine.NewStartVirtualMachineParams(r.Id))
	require.NoError(t, err)
	q, err := cs.Asyncjob.QueryAsyncJobResult(cs.Asyncjob.NewQueryAsyncJobResultParams(st.JobID))
	require.NoError(t, err)
	assert.Equal(t, 2, q.Jobstatus, "a start during a stop fails at once")
	for range 3 {
		_, err = cs.Asyncjob.QueryAsyncJobResult(cs.Asyncjob.NewQueryAsyncJobResultParams(s.JobID))
		require.NoError(t, err)
	}
	vm, _ = e.sim.State().VM(r.Id)
	assert.Equal(t, cloudstack.VMStopped, vm.State)
	jobs := e.sim.State().Jobs
	require.Len(t, jobs, 3)
	assert.Equal(t, []int{1, 1, 2}, []int{jobs[0].Status, jobs[1].Status, jobs[2].Status})
}
