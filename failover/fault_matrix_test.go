package failover

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// injection is one call of a clean run, to be failed in another run: the nth call of a
// CloudStack command or of a vCenter method.
type injection struct {
	system string // "cloudstack" or "vsphere"
	name   string
	nth    int
}

func (in injection) String() string { return fmt.Sprintf("%s.%s#%d", in.system, in.name, in.nth) }

// enumerate runs the flow once cleanly and lists every call it makes, in order. Polls of
// async jobs are left out: they are the client waiting, not the flow acting; failing the
// async commands themselves (job status 2) covers failed jobs.
func enumerate(t *testing.T, v variant) []injection {
	kind := v.kind
	f := v.fixture(t, v.opts()...)
	f.lab.Cloud.ResetCalls()
	f.lab.ResetVSphereCalls()
	job, err := f.run(kind)
	require.NoError(t, err)
	require.Equal(t, StatusSucceeded, job.Status)

	var out []injection
	seen := map[string]int{}
	for _, c := range f.lab.Cloud.Calls() {
		if c.Command == "queryAsyncJobResult" {
			continue
		}
		seen["cs:"+c.Command]++
		out = append(out, injection{"cloudstack", c.Command, seen["cs:"+c.Command]})
	}
	for _, m := range f.lab.VSphereCalls() {
		seen["vs:"+m]++
		out = append(out, injection{"vsphere", m, seen["vs:"+m]})
	}
	return out
}

// variant is a shape of flow the matrices run, and the cloud it runs on: a kind, with or
// without before-create hooks (which add the steps that return the volumes to the appliance
// and release them again), on a default cloud or on one that snapshots volumes of running VMs
// (kvm.snapshot.enabled=true).
type variant struct {
	kind             Kind
	hooks            bool
	runningSnapshots bool
	// guest shapes the source like a real guest - UEFI, two NICs on two port groups mapped
	// to two networks, MACs kept - rather than vcsim's one-NIC BIOS VM.
	guest bool
}

var variants = []variant{
	{kind: KindTestFailover}, {kind: KindLiveFailover}, {kind: KindTestFailover, hooks: true, guest: true},
	{kind: KindTestFailover, runningSnapshots: true}, {kind: KindLiveFailover, runningSnapshots: true, guest: true},
}

func (v variant) String() string {
	s := string(v.kind)
	if v.hooks {
		s += "+hooks"
	}
	if v.runningSnapshots {
		s += "+running-vm-snapshots"
	}
	if v.guest {
		s += "+guest"
	}
	return s
}

// fixture starts a lab for the variant and an engine with opts on it.
func (v variant) fixture(t *testing.T, opts ...Option) *fixture {
	var o failovertest.Options
	if v.runningSnapshots {
		o.CloudStackOptions = []cssim.Option{cssim.WithRunningVMSnapshots(true)}
	}
	if v.guest {
		o.Guests, o.CloudNetworks = []failovertest.Guest{linuxTwoNICs}, []string{testNet}
	}
	f := newFixture(t, o, opts...)
	if v.guest {
		cat, err := f.lab.Catalog(f.lab.Sources[0].CloudAccount)
		require.NoError(t, err)
		mapping := map[string]string{failovertest.VMNetwork: cat.NetworkID, failovertest.DVPortGroup: cat.Networks[testNet]}
		f.shape = func(r *Request) {
			r.Networks = NetworkMapping{Test: mapping, Live: mapping}
			r.KeepMACs = true
		}
	}
	return f
}

func (v variant) opts() []Option {
	if !v.hooks {
		return nil
	}
	return []Option{WithHook(PhaseBeforeCreate, func(context.Context, *Job) error { return nil })}
}

func (f *fixture) run(kind Kind) (*Job, error) {
	if kind == KindLiveFailover {
		return f.engine.LiveFailover(context.Background(), f.request(0))
	}
	return f.engine.TestFailover(context.Background(), f.request(0))
}

func (f *fixture) inject(in injection) {
	if in.system == "vsphere" {
		f.lab.FailVSphere(in.name, in.nth)
		return
	}
	f.lab.Cloud.FailNth(in.name, in.nth, cssim.Fault{
		ErrorCode: 530,
		ErrorText: "injected failure of " + in.String(),
		Async:     slices.Contains(cssim.AsyncCommands(), in.name),
	})
}

// TestFaultMatrix fails every call each flow makes, one per run, and checks that
// compensation (or, in the second mode, a later explicit Rollback) leaves zero orphans: no
// VM but the appliance, every replicated volume back on the appliance at its device, no
// snapshot, the source VM powered on as it was; and that the job names the failed step.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("the fault matrix runs every flow once per call it makes")
	}
	for _, v := range variants {
		kind := v.kind
		points := enumerate(t, v)
		t.Logf("%s: %d injection points", v, len(points))
		for _, mode := range []string{"compensation", "rollback"} {
			t.Run(v.String()+"/"+mode, func(t *testing.T) {
				t.Parallel()
				for _, in := range points {
					t.Run(in.String(), func(t *testing.T) {
						opts := v.opts()
						if mode == "rollback" {
							opts = append(opts, WithCompensation(false))
						}
						f := v.fixture(t, opts...)
						f.lab.Cloud.ResetCalls()
						f.lab.ResetVSphereCalls()
						f.inject(in)
						// The failure belongs to the flow: once cleanup starts the faults are
						// cleared, so a call that comes later in one run than in another (vCenter
						// polls) cannot fail the cleanup instead.
						f.engine.checkpoint = func(point string) error {
							if isUndoPoint(point) {
								f.lab.Cloud.ClearFaults()
								f.lab.ClearVSphereFaults()
							}
							return nil
						}
						job, err := f.run(kind)
						require.NotNil(t, job)
						if err == nil {
							// The flow absorbed the failure (a graceful shutdown that fell back
							// to a hard power-off, a vCenter call retried): it must still be
							// clean after a rollback.
							require.Equal(t, StatusSucceeded, job.Status)
							f.requireCleanAfterRollback(t, f.engine, job.ID, vsphere.PoweredOn, PowerOnSource())
							return
						}
						assert.Equal(t, StatusFailed, job.Status)
						assert.NotEmpty(t, job.FailedStep, "the job says which step failed")
						assert.Contains(t, job.Error, job.FailedStep)
						if in.system == "cloudstack" {
							assert.Contains(t, job.Error, "injected failure", "the job says why")
						}
						if mode == "compensation" {
							if len(job.Ledger) > 0 {
								require.NotNil(t, job.Cleanup)
								assert.Equal(t, OutcomeCompleted, job.Cleanup.Outcome, "failures: %v", job.Cleanup.Failures)
							}
						} else {
							assert.Nil(t, job.Cleanup, "left for inspection")
							back, err := f.engine.Rollback(context.Background(), job.ID, PowerOnSource())
							require.NoError(t, err)
							assert.Equal(t, StatusRolledBack, back.Status)
						}
						f.requireClean(t, 0, vsphere.PoweredOn)
					})
				}
			})
		}
	}
}

func isUndoPoint(point string) bool {
	for _, s := range cleanupOrder {
		if point == "before "+string(s.name) {
			return true
		}
	}
	return false
}
