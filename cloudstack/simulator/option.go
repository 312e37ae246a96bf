package simulator

import (
	"log/slog"
	"time"
)

// Option configures a Simulator.
type Option func(*config)

type config struct {
	latency      time.Duration
	logger       *slog.Logger
	clock        func() time.Time
	pendingPolls int
	// runningVMSnapshots models kvm.snapshot.enabled=true.
	runningVMSnapshots bool
	maxDataVolumes     int
	jobTimes           []commandDuration
	vmWorkQueue        bool
}

type commandDuration struct {
	command string
	d       JobDuration
}

// WithLatency holds every HTTP call for d before answering, to model a slow cloud. The wait
// ends early, without touching state, when the request's context is cancelled or the
// simulator is closed. SetLatency changes it at run time.
func WithLatency(d time.Duration) Option {
	return func(c *config) { c.latency = d }
}

// WithJobDuration makes the jobs of an async command take d (see JobDuration), so that
// polls see them running; a benchmark of a slow cloud combines it with WithLatency:
//
//	simulator.New(simulator.WithLatency(50*time.Millisecond),
//		simulator.WithJobDuration("createSnapshot", simulator.JobDuration{Base: 200 * time.Millisecond, PerGB: 50 * time.Millisecond}))
//
// SetJobDuration changes it at run time and returns an error for a value it cannot apply;
// given such a value, New returns a simulator that fails every call with that error (HTTP
// 530), so that the mistake shows at the first request.
func WithJobDuration(command string, d JobDuration) Option {
	return func(c *config) { c.jobTimes = append(c.jobTimes, commandDuration{command, d}) }
}

// WithLogger sends one debug record per request (command, account, outcome) to l. Secret
// keys and signatures are never logged. The default discards records.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithClock sets the clock used to check signatureversion 3 "expires" values and to stamp
// created times. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// WithPendingPolls makes every async job answer jobstatus 0 (pending) to its first n
// queryAsyncJobResult polls, with the VM in Starting or Stopping meanwhile. The default, 0,
// completes each job before its submission returns, so the first poll sees the result.
// cloudstack-go sleeps 1s, 2s, ... between polls, so keep n small.
func WithPendingPolls(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.pendingPolls = n
		}
	}
}

// WithRunningVMSnapshots(true) allows volume snapshots of a running KVM VM, as CloudStack
// does once its global setting kvm.snapshot.enabled is true. The default, false, is
// CloudStack's shipped default: such a snapshot is refused with 530 "KVM Snapshot is not
// supported for Running VMs. ...".
func WithRunningVMSnapshots(allowed bool) Option {
	return func(c *config) { c.runningVMSnapshots = allowed }
}

// WithMaxDataVolumes sets how many data volumes a VM may hold (the hypervisor's
// max_data_volumes_limit). The default, 26, is KVM's; device ids then run 1, 2, 4 ... n+1.
func WithMaxDataVolumes(n int) Option {
	return func(c *config) {
		if n > 0 {
			c.maxDataVolumes = n
		}
	}
}
