package failover

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// Option configures an Engine.
type Option func(*Engine)

// Phase names a point in a flow where caller hooks run.
type Phase string

// Hook phases.
const (
	// PhaseBeforeCreate runs after the volumes are snapshotted and before the VM is created:
	// where the appliance injects drivers into the replicated boot volume.
	PhaseBeforeCreate Phase = "before_create"
	// PhaseFinalSync runs in a live failover after the source VM is powered off and before
	// the volumes are snapshotted: the last replication pass.
	PhaseFinalSync Phase = "final_sync"
	// PhaseAfterStart runs after the new VM has started, before validation.
	PhaseAfterStart Phase = "after_start"
)

// Hook is caller code run at a phase. It gets the job as it stands (a copy): Job.Facts holds
// what a driver-injection script needs - every replicated volume's device path on the
// appliance (VolumeFact.AppliancePath), the guest OS family and the firmware. A required
// hook's error fails the step like any other; a best-effort hook's error is recorded on the
// job (Job.Warnings) and reported as an EventWarning, and the flow goes on. A hook may run
// again when a job is resumed, so it must be safe to repeat.
type Hook func(ctx context.Context, job *Job) error

// HookOption configures a hook added with WithHook.
type HookOption func(*hook)

type hook struct {
	fn         Hook
	name       string
	bestEffort bool
}

// BestEffort makes a hook's failure a warning on the job instead of a failed step.
func BestEffort() HookOption { return func(h *hook) { h.bestEffort = true } }

// HookName names a hook in the job's warnings and errors (default: "<phase> hook <n>").
func HookName(name string) HookOption { return func(h *hook) { h.name = name } }

// WithStore sets the job store (default: a new MemoryStore).
func WithStore(s Store) Option { return func(e *Engine) { e.store = s } }

// WithLogger sets the logger (default slog.Default()).
func WithLogger(l *slog.Logger) Option { return func(e *Engine) { e.log = l } }

// WithObserver sets the observer that receives progress events.
func WithObserver(o Observer) Option { return func(e *Engine) { e.observer = o } }

// WithConcurrency limits how many operations run at once in this engine (default 64); an
// operation over the limit waits for a slot, or for its context to end.
func WithConcurrency(n int) Option { return func(e *Engine) { e.concurrency = n } }

// WithHook adds a hook at a phase; hooks of one phase run in the order added. Hooks are
// required unless BestEffort is given.
func WithHook(p Phase, h Hook, opts ...HookOption) Option {
	return func(e *Engine) {
		hk := hook{fn: h}
		for _, o := range opts {
			o(&hk)
		}
		if hk.name == "" {
			hk.name = fmt.Sprintf("%s hook %d", p, len(e.hooks[p])+1)
		}
		e.hooks[p] = append(e.hooks[p], hk)
	}
}

// WithDevicePaths sets how the before-create hooks learn where each replicated volume is on
// the appliance (VolumeFact.AppliancePath); the default is VirtioDevicePaths.
func WithDevicePaths(d DevicePaths) Option { return func(e *Engine) { e.devicePaths = d } }

// WithStepTimeout bounds one step (see the Step* constants).
func WithStepTimeout(step StepName, d time.Duration) Option {
	return func(e *Engine) { e.stepTimeouts[step] = d }
}

// WithVolumeParallelism bounds how many calls of one per-volume step run at once (default
// 8): snapshots, reverts and snapshot deletions of different volumes, and the detaches and
// attaches that move them, are submitted side by side so that recovery time does not grow
// with the number of disks, but a VM with 20 disks does not flood the cloud.
func WithVolumeParallelism(n int) Option { return func(e *Engine) { e.volumeParallelism = n } }

// WithDefaultStepTimeout bounds every step without a timeout of its own (default 30 minutes).
func WithDefaultStepTimeout(d time.Duration) Option {
	return func(e *Engine) { e.defaultStepTimeout = d }
}

// WithCompensation says whether a failed flow is undone at once (true, the default) or left
// as it is for inspection, to be rolled back later with Rollback.
func WithCompensation(on bool) Option { return func(e *Engine) { e.compensate = on } }

// WithLeaseTTL sets how long a per-VM lease lasts without renewal (default 2 minutes): the
// longest an engine that can no longer reach the store is waited for. A holder proven dead
// (see WithHeartbeat) is taken over sooner.
func WithLeaseTTL(d time.Duration) Option { return func(e *Engine) { e.leaseTTL = d } }

// WithHeartbeat sets how often a running operation renews its lease (default 2 s; under a
// fifth of the lease TTL). An engine that finds a VM's lease held by another engine of its
// own process knows exactly whether that holder's operation lives: it takes the lease over
// at once when the operation has ended (crashed, or could not release the lease) and never
// while it runs, however its heartbeat fares. A holder in another process is taken over at
// once when its process is gone from this host, and otherwise when the lease's heartbeat
// stands still for four of the holder's intervals; a moving heartbeat is never taken over.
// A holder stops its operation when no renewal has got through for three intervals, whether
// the store refuses them or does not answer, so it has stopped before anyone may take its VM
// over; the job is then StatusInterrupted, for Resume or Rollback. On a store that can take
// longer than two intervals to answer, lengthen the heartbeat.
func WithHeartbeat(d time.Duration) Option { return func(e *Engine) { e.heartbeat = d } }

// WithHolder names this engine in leases (default: host name, process id and a random
// suffix). Engines sharing a store must have different names.
func WithHolder(name string) Option { return func(e *Engine) { e.holderName = name } }

// WithEventBuffer bounds how many events wait for a slow Observer (default 10000); when the
// queue is full new events are dropped, counted and logged, so that the engine never waits
// for an observer nor grows without bound.
func WithEventBuffer(n int) Option { return func(e *Engine) { e.eventBuffer = n } }

// WithVSpherePool makes the engine use pool for vCenter sessions. The caller keeps
// ownership: Close does not close it. By default the engine makes its own pool and closes
// it in Close.
func WithVSpherePool(p *vsphere.Pool) Option { return func(e *Engine) { e.pool = p } }

// WithVSphereOptions passes options (root CAs, user agent, poll interval) to the vCenter
// pool the engine makes, and to the one-off pools CheckCredentials logs in with.
func WithVSphereOptions(opts ...vsphere.Option) Option {
	return func(e *Engine) { e.vsOpts = append(e.vsOpts, opts...) }
}

// WithCloudStackOptions passes options to every cloudstack.Client the engine builds (a
// shared transport, poll intervals, timeouts).
func WithCloudStackOptions(opts ...cloudstack.Option) Option {
	return func(e *Engine) { e.csOpts = append(e.csOpts, opts...) }
}
