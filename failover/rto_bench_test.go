package failover_test

import (
	"context"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// rtoLatency is how long CloudStack takes to answer every call in BenchmarkRTO.
const rtoLatency = 50 * time.Millisecond

// rtoJobTimes is how long each async job takes in BenchmarkRTO: a cloud scaled down from
// minutes to fractions of a second, keeping the proportions (a snapshot or a revert is
// the slowest per-volume work, a deploy the slowest per-VM work).
var rtoJobTimes = map[string]time.Duration{
	"createSnapshot":        400 * time.Millisecond,
	"revertSnapshot":        400 * time.Millisecond,
	"deleteSnapshot":        100 * time.Millisecond,
	"deployVirtualMachine":  500 * time.Millisecond,
	"startVirtualMachine":   300 * time.Millisecond,
	"stopVirtualMachine":    300 * time.Millisecond,
	"destroyVirtualMachine": 300 * time.Millisecond,
	"attachVolume":          200 * time.Millisecond,
	"detachVolume":          200 * time.Millisecond,
}

// rtoPolls is how the engine polls jobs in BenchmarkRTO: the client's default (1 s, up to
// 10 s) is sized for jobs of minutes and would round every job here up to a second.
var rtoPolls = cloudstack.WithPollInterval(100*time.Millisecond, 400*time.Millisecond)

// rtoVolumes are the two sizes BenchmarkRTO compares.
var rtoVolumes = [2]int{1, 8}

// rtoRig is an engine on a lab of its own whose one source VM has a given number of
// replicated volumes.
type rtoRig struct {
	lab    *failovertest.Lab
	engine *failover.Engine
	req    failover.Request
}

func newRTORig(b testing.TB, volumes int, cloud []cssim.Option) *rtoRig {
	b.Helper()
	opts := []cssim.Option{cssim.WithLatency(rtoLatency)}
	for cmd, d := range rtoJobTimes {
		opts = append(opts, cssim.WithJobDuration(cmd, cssim.JobDuration{Base: d}))
	}
	l, err := failovertest.Start(failovertest.Options{VolumesPerVM: volumes, CloudStackOptions: append(opts, cloud...)})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(l.Close)
	vm := l.Sources[0]
	set, err := l.CloudStackSet(vm.CloudAccount)
	if err != nil {
		b.Fatal(err)
	}
	src := credentials.NewMemory(nil)
	src.PutCloudStack("cloud", set)
	src.PutVSphere("vcenter", l.VSphereSet())
	e, err := failover.New(src,
		failover.WithLogger(slog.New(slog.DiscardHandler)),
		failover.WithCloudStackOptions(rtoPolls),
		failover.WithVSphereOptions(vsphere.WithPollInterval(20*time.Millisecond)),
	)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = e.Close(context.Background()) })
	req := failover.Request{
		VCenter:    credentials.Account("vcenter"),
		VM:         vm.Locator(),
		CloudStack: credentials.Account("cloud"),
		PowerOff:   failover.PowerOffPolicy{GracefulTimeout: 2 * time.Second, AllowHard: true},
	}
	for i, id := range vm.VolumeIDs {
		req.Volumes = append(req.Volumes, failover.Volume{ID: id, Boot: i == 0})
	}
	return &rtoRig{lab: l, engine: e, req: req}
}

// failover runs a test or live failover.
func (r *rtoRig) failover(ctx context.Context, live bool) (*failover.Job, error) {
	if live {
		return r.engine.LiveFailover(ctx, r.req)
	}
	return r.engine.TestFailover(ctx, r.req)
}

// rollback undoes a job; after a live failover it powers the source VM back on, so that
// every iteration starts from the same world.
func (r *rtoRig) rollback(ctx context.Context, job *failover.Job, live bool) error {
	var opts []failover.RollbackOption
	if live {
		opts = append(opts, failover.PowerOnSource())
	}
	_, err := r.engine.Rollback(ctx, job.ID, opts...)
	return err
}

// rtoSample is one timed operation: its wall time and the CloudStack calls it made, of
// which polls were queryAsyncJobResult.
type rtoSample struct {
	d            time.Duration
	calls, polls int
}

// timed runs op with the call log emptied first and returns what it took.
func (r *rtoRig) timed(b *testing.B, op func() error) rtoSample {
	b.Helper()
	r.lab.Cloud.ResetCalls()
	start := time.Now()
	if err := op(); err != nil {
		b.Fatal(err)
	}
	s := rtoSample{d: time.Since(start)}
	s.calls = len(r.lab.Cloud.Calls())
	s.polls = len(r.lab.Cloud.CallsTo("queryAsyncJobResult"))
	return s
}

// rtoOp is one operation BenchmarkRTO times.
type rtoOp struct {
	name     string
	live     bool
	rollback bool // time the rollback of the failover rather than the failover
}

var rtoOps = []rtoOp{
	{name: "test-failover"},
	{name: "test-rollback", rollback: true},
	{name: "live-failover", live: true},
	{name: "live-rollback", live: true, rollback: true},
}

// BenchmarkRTO measures how recovery time grows with the number of disks: test failover,
// live failover and the rollback of each, of a source VM with 1 and with 8 replicated
// volumes, with CloudStack answering every call after 50 ms and its jobs taking the times
// of rtoJobTimes.
//
// Each operation is one benchmark that times both sizes in every iteration, one after the
// other on two labs, so that the noise of a shared machine falls on both alike; the untimed
// half (the rollback after a timed failover, the failover before a timed rollback) runs
// with the timer stopped. It reports per size the mean wall time (v1-ms/op, v8-ms/op), the
// CloudStack calls (v1-calls/op, v8-calls/op, polls included) and the queryAsyncJobResult
// polls among them (v1-polls/op, v8-polls/op), and ratio-8/1, the 8-volume time over the
// 1-volume time. ns/op is the two sizes together. The target of the engine's design is a
// ratio of at most 1.3 for every operation; the benchmark reports, it asserts nothing.
//
// Each operation runs against two clouds: queue=none, where every job takes its time from
// its submission, and queue=vm, where the attach, detach, start, stop and destroy jobs of
// one VM take theirs one after another, as CloudStack's VM work queue runs them
// (simulator.WithVMWorkQueue). The engine submits per-volume work side by side; under the
// queue the attaches and detaches of one VM still add up.
//
//	go test -run '^$' -bench BenchmarkRTO -benchtime 3x ./failover/
func BenchmarkRTO(b *testing.B) {
	clouds := []struct {
		name string
		opts []cssim.Option
	}{
		{name: "queue=none"},
		{name: "queue=vm", opts: []cssim.Option{cssim.WithVMWorkQueue()}},
	}
	for _, cloud := range clouds {
		b.Run(cloud.name, func(b *testing.B) {
			for _, op := range rtoOps {
				b.Run(op.name, func(b *testing.B) {
					runRTO(b, op, cloud.opts)
				})
			}
		})
	}
}

func runRTO(b *testing.B, op rtoOp, cloud []cssim.Option) {
	ctx := context.Background()
	var rigs [len(rtoVolumes)]*rtoRig
	for i, n := range rtoVolumes {
		rigs[i] = newRTORig(b, n, cloud)
	}
	var sum [len(rtoVolumes)]rtoSample
	runs := 0
	for b.Loop() {
		runs++
		for i, r := range rigs {
			var s rtoSample
			if op.rollback {
				b.StopTimer()
				job, err := r.failover(ctx, op.live)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				s = r.timed(b, func() error { return r.rollback(ctx, job, op.live) })
			} else {
				var job *failover.Job
				s = r.timed(b, func() error {
					var err error
					job, err = r.failover(ctx, op.live)
					return err
				})
				b.StopTimer()
				if err := r.rollback(ctx, job, op.live); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			sum[i].d += s.d
			sum[i].calls += s.calls
			sum[i].polls += s.polls
		}
	}
	perOp := func(v float64) float64 { return v / float64(runs) }
	for i, n := range rtoVolumes {
		prefix := "v" + strconv.Itoa(n) + "-"
		b.ReportMetric(perOp(float64(sum[i].d)/float64(time.Millisecond)), prefix+"ms/op")
		b.ReportMetric(perOp(float64(sum[i].calls)), prefix+"calls/op")
		b.ReportMetric(perOp(float64(sum[i].polls)), prefix+"polls/op")
	}
	b.ReportMetric(float64(sum[1].d)/float64(sum[0].d), "ratio-8/1")
}
