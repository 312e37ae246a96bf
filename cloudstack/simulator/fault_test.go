package simulator_test

import (
	"testing"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFailNthAsync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 3}})
	vm := e.deploy(t, "target", false)
	for _, v := range e.seed.VolumeIDs {
		require.NoError(t, e.detach(v))
	}
	e.sim.FailNth("AttachVolume", 2, simulator.Fault{ErrorCode: simulator.CodeResourceUnavailable, ErrorText: "storage pool offline", Async: true})

	require.NoError(t, e.attach(e.seed.VolumeIDs[0], vm.Id, -1))
	err := e.attach(e.seed.VolumeIDs[1], vm.Id, -1)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `{"uuidList":[],"errorcode":534,"errortext":"storage pool offline"}`)
	require.NoError(t, e.attach(e.seed.VolumeIDs[2], vm.Id, -1), "a FailNth rule fires once")

	calls := e.sim.CallsTo("attachVolume")
	require.Len(t, calls, 3)
	assert.False(t, calls[0].Faulted)
	assert.True(t, calls[1].Faulted)
	assert.Equal(t, 200, calls[1].HTTPStatus, "an async fault fails the job, not the call")
	assert.Equal(t, 2, calls[1].JobStatus)
	assert.Equal(t, 534, calls[1].ErrorCode)
	v, _ := e.sim.State().Volume(e.seed.VolumeIDs[1])
	assert.False(t, v.Attached(), "a faulted command changes nothing")
}

func TestFailNthSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{})
	// Async is ignored for a synchronous command.
	e.sim.FailNth("listVolumes", 1, simulator.Fault{Async: true})
	_, err := e.cs.Volume.ListVolumes(e.cs.Volume.NewListVolumesParams())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CloudStack API error 530 (CSExceptionErrorCode: 4250): simulated failure of listVolumes")
	_, err = e.cs.Volume.ListVolumes(e.cs.Volume.NewListVolumesParams())
	require.NoError(t, err)

	e.sim.FailNth("stopVirtualMachine", 1, simulator.Fault{ErrorCode: simulator.CodeParamError, ErrorText: "bad"})
	_, err = e.cs.VirtualMachine.StopVirtualMachine(e.cs.VirtualMachine.NewStopVirtualMachineParams(e.seed.ApplianceVMID))
	require.ErrorContains(t, err, "CloudStack API error 431 (CSExceptionErrorCode: 4350): bad")
	c := e.lastCall(t, "stopVirtualMachine")
	assert.Equal(t, 431, c.HTTPStatus)
	assert.Empty(t, c.JobID, "a synchronous fault starts no job")
	vm, _ := e.sim.State().VM(e.seed.ApplianceVMID)
	assert.Equal(t, cloudstack.VMRunning, vm.State)
}

func TestFaultsCountOnlyAuthenticatedCalls(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	e.sim.FailNth("listZones", 2, simulator.Fault{})
	e.sim.FailNth("listZones", 3, simulator.Fault{ErrorText: "third"})
	list := func() error {
		_, err := e.cs.Zone.ListZones(e.cs.Zone.NewListZonesParams())
		return err
	}
	wrong, _ := e.sim.AddAccount("other")
	_, err := e.cs.Zone.ListZones(e.cs.Zone.NewListZonesParams())
	require.NoError(t, err)
	// A 401 does not count.
	status, _ := raw(t, e.sim, "GET", signed("listZones", wrong, "wrong-secret", nil))
	require.Equal(t, 401, status)
	require.ErrorContains(t, list(), "simulated failure of listZones")
	require.ErrorContains(t, list(), "third", "rules count independently")
	require.NoError(t, list())
}

func TestFailWhen(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 3, State: cloudstack.VMStopped}})
	target := e.seed.VolumeIDs[1]
	e.sim.FailWhen(func(c simulator.Call) bool {
		return c.Command == "createSnapshot" && c.Params.Get("volumeid") == target && c.Account == "admin"
	}, simulator.Fault{ErrorCode: simulator.CodeInsufficientCapacity, Async: true})

	for round := 0; round < 2; round++ {
		for i, v := range e.seed.VolumeIDs {
			_, err := e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(v))
			if i == 1 {
				require.ErrorContains(t, err, `"errorcode":533`, "every matching call fails")
			} else {
				require.NoError(t, err)
			}
		}
	}
	assert.Len(t, e.sim.State().Snapshots, 4, "faulted snapshots were never created")

	e.sim.ClearFaults()
	_, err := e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(target))
	require.NoError(t, err)

	// A predicate may inspect the simulator.
	e.sim.FailWhen(func(c simulator.Call) bool {
		return c.Command == "listVolumes" && len(e.sim.State().Snapshots) > 4
	}, simulator.Fault{})
	_, err = e.cs.Volume.ListVolumes(e.cs.Volume.NewListVolumesParams())
	require.ErrorContains(t, err, "CloudStack API error 530")
}

func TestFaultOnJobPollIsRetriedByCloudStackGo(t *testing.T) {
	t.Parallel()
	e := newEnv(t, simulator.Scenario{SkipAppliance: true})
	e.sim.FailNth("queryAsyncJobResult", 1, simulator.Fault{ErrorCode: simulator.CodeResourceUnavailable})
	vm := e.deploy(t, "retried", true)
	assert.Equal(t, "Running", vm.State)
	polls := e.sim.CallsTo("queryAsyncJobResult")
	require.Len(t, polls, 2)
	assert.True(t, polls[0].Faulted)
	assert.Equal(t, 534, polls[0].HTTPStatus)
	assert.False(t, polls[1].Failed())
}

// outcome is what a test sees of a call, without times.
type outcome struct {
	Command         string
	Status, Code    int
	JobStatus       int
	Faulted, Failed bool
	JobID           string
}

func runFaultScript(t *testing.T) ([]outcome, simulator.State) {
	e := newEnv(t, simulator.Scenario{Appliance: simulator.ApplianceSpec{ReplicatedVolumes: 4}})
	e.sim.FailNth("createSnapshot", 3, simulator.Fault{Async: true})
	e.sim.FailNth("detachVolume", 2, simulator.Fault{ErrorCode: 431})
	e.sim.FailWhen(func(c simulator.Call) bool { return c.Params.Get("volumeid") == e.seed.VolumeIDs[3] }, simulator.Fault{})
	for _, v := range e.seed.VolumeIDs {
		_, _ = e.cs.Snapshot.CreateSnapshot(e.cs.Snapshot.NewCreateSnapshotParams(v))
		_ = e.detach(v)
	}
	var out []outcome
	for _, c := range e.sim.Calls() {
		out = append(out, outcome{c.Command, c.HTTPStatus, c.ErrorCode, c.JobStatus, c.Faulted, c.Failed(), c.JobID})
	}
	return out, e.sim.State()
}

func TestFaultInjectionIsDeterministic(t *testing.T) {
	t.Parallel()
	a, stA := runFaultScript(t)
	b, stB := runFaultScript(t)
	assert.Equal(t, a, b)
	assert.Equal(t, len(stA.Snapshots), len(stB.Snapshots))
	assert.Equal(t, len(stA.Volumes), len(stB.Volumes))
	for i := range stA.Volumes {
		assert.Equal(t, stA.Volumes[i].ID, stB.Volumes[i].ID)
		assert.Equal(t, stA.Volumes[i].VMID, stB.Volumes[i].VMID)
	}
	var faulted int
	for _, o := range a {
		if o.Faulted {
			faulted++
		}
	}
	assert.Equal(t, 3, faulted, "the third snapshot, the second detach, the fourth volume's snapshot")
}
