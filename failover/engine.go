package failover

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// Engine runs failover operations. Each operation - TestFailover, LiveFailover, Rollback,
// Resume, Plan, CheckCredentials - fetches the credential sets it needs from the Source once
// at its start and uses them for all its steps; the next operation fetches again, so a
// credential change takes effect on the next operation with no restart.
//
// An Engine is safe for concurrent use. Close it when done.
type Engine struct {
	src                credentials.Source
	store              Store
	log                *slog.Logger
	observer           Observer
	events             *mailbox
	concurrency        int
	slots              chan struct{}
	hooks              map[Phase][]hook
	devicePaths        DevicePaths
	journals           []Journal
	stepTimeouts       map[StepName]time.Duration
	volumeParallelism  int
	defaultStepTimeout time.Duration
	compensate         bool
	leaseTTL           time.Duration
	heartbeat          time.Duration
	holderName         string
	holder             Holder
	eventBuffer        int
	saveTimeout        time.Duration
	pool               *vsphere.Pool
	ownPool            bool
	csOpts             []cloudstack.Option
	vsOpts             []vsphere.Option
	now                func() time.Time

	// checkpoint, when set, is called at every step boundary and between every call and its
	// ledger record; an error from it stops the operation on the spot as if the process had
	// died (tests use it to prove crash recovery).
	checkpoint func(point string) error
	// admitted, when set, is called in enter once an operation has passed the closed check
	// (tests use it to start Close at the worst moment).
	admitted func()

	// mu guards the lifecycle: closing is set once Close begins, and running counts the
	// operations admitted. Both change under mu, so no operation is admitted after Close has
	// begun.
	mu       sync.Mutex
	closing  bool
	running  int
	active   map[string]int // jobs this engine runs an operation on
	closed   chan struct{}  // closed when Close begins
	drained  chan struct{}  // closed when Close has begun and no operation runs
	shutdown sync.Once      // the events and the pool are closed once
	closeErr error
}

// New returns an Engine that fetches credentials from src.
func New(src credentials.Source, opts ...Option) (*Engine, error) {
	if src == nil {
		return nil, fail(ErrInvalidRequest, "pass the credential source the engine fetches from", "New needs a credentials.Source")
	}
	e := &Engine{
		src:          src,
		hooks:        map[Phase][]hook{},
		stepTimeouts: map[StepName]time.Duration{},
		compensate:   true,
		now:          time.Now,
		closed:       make(chan struct{}),
		drained:      make(chan struct{}),
		active:       map[string]int{},
	}
	for _, opt := range opts {
		opt(e)
	}
	if e.store == nil {
		e.store = NewMemoryStore()
	}
	if e.log == nil {
		e.log = slog.Default()
	}
	if e.concurrency <= 0 {
		e.concurrency = 64
	}
	if e.devicePaths == nil {
		e.devicePaths = VirtioDevicePaths()
	}
	if e.volumeParallelism <= 0 {
		e.volumeParallelism = 8
	}
	if e.defaultStepTimeout <= 0 {
		e.defaultStepTimeout = 30 * time.Minute
	}
	if e.leaseTTL <= 0 {
		e.leaseTTL = 2 * time.Minute
	}
	if e.heartbeat <= 0 {
		e.heartbeat = 2 * time.Second
	}
	if e.heartbeat > e.leaseTTL/(deadAfter+1) {
		return nil, fail(ErrInvalidRequest, "shorten WithHeartbeat or lengthen WithLeaseTTL",
			"the heartbeat (%s) must be under a fifth of the lease TTL (%s)", e.heartbeat, e.leaseTTL)
	}
	if e.holderName == "" {
		host, _ := os.Hostname()
		e.holderName = fmt.Sprintf("%s-%d-%s", host, os.Getpid(), randomHex(4))
	}
	e.holder = thisProcess(e.holderName)
	if e.saveTimeout <= 0 {
		e.saveTimeout = 30 * time.Second
	}
	if e.eventBuffer <= 0 {
		e.eventBuffer = 10000
	}
	if e.pool == nil {
		e.pool = vsphere.NewPool(append([]vsphere.Option{vsphere.WithLogger(e.log)}, e.vsOpts...)...)
		e.ownPool = true
	}
	// One connection pool for all operations, sized so that every operation allowed at once
	// keeps its connection; options given by the caller (their own Transport) come after and
	// win.
	transport := cloudstack.NewTransport(cloudstack.WithIdleConnsPerHost(e.concurrency))
	e.csOpts = append([]cloudstack.Option{cloudstack.WithTransport(transport)}, e.csOpts...)
	e.slots = make(chan struct{}, e.concurrency)
	e.events = newMailbox(e.observer, e.eventBuffer, e.log)
	return e, nil
}

// Close shuts the engine down as http.Server.Shutdown does: from the moment it begins no
// operation starts (they return ErrClosed), and it waits for the running ones to end. When
// ctx ends first, Close returns ctx's error and the operations go on; call Close again to
// wait for them. Once they have ended, it delivers the queued events (within ctx) and logs
// out the vCenter sessions of the engine's own pool.
func (e *Engine) Close(ctx context.Context) error {
	e.mu.Lock()
	if !e.closing {
		e.closing = true
		close(e.closed)
		if e.running == 0 {
			close(e.drained)
		}
	}
	e.mu.Unlock()
	select {
	case <-e.drained:
	case <-ctx.Done():
		return ctx.Err()
	}
	e.shutdown.Do(func() {
		err := e.events.close(ctx)
		if e.ownPool {
			err = errors.Join(err, e.pool.Close(ctx))
		}
		e.closeErr = err
	})
	return e.closeErr
}

// Job returns the job with the given id, reconciled (see Jobs).
func (e *Engine) Job(ctx context.Context, id string) (*Job, error) {
	j, err := e.store.Job(ctx, id)
	if err != nil {
		return nil, err
	}
	return e.reconcile(ctx, j), nil
}

// Jobs returns the jobs that match filter, oldest first. A job the store still says is
// running, although no live operation holds its VM - its process died, or its job store
// failed before it could record its end - is reported, and recorded, as interrupted: what
// the operation itself answered, and what Resume and Rollback continue from.
func (e *Engine) Jobs(ctx context.Context, filter JobFilter) ([]*Job, error) {
	jobs, err := e.store.Jobs(ctx, filter)
	if err != nil {
		return nil, err
	}
	for i, j := range jobs {
		jobs[i] = e.reconcile(ctx, j)
	}
	return jobs, nil
}

// reconcile turns a job left running by an operation that is gone into an interrupted one.
// A job this engine runs is left as it is, and so is one whose lease a live holder has. A job
// whose lease's holder is provably gone (its operation in this process has ended, its process
// is gone from this host, or the lease expired) is interrupted at once, however fresh its
// record; one without its lease only once its record has stood still for several
// heartbeats, since its operation may not have taken the lease yet.
func (e *Engine) reconcile(ctx context.Context, j *Job) *Job {
	if j.Status != StatusRunning || e.isActive(j.ID) {
		return j
	}
	held := false
	if j.VMKey != "" {
		l, err := e.store.Lease(ctx, j.VMKey)
		if err != nil {
			return j
		}
		if held = l != nil && l.JobID == j.ID; held && !e.leaseGone(*l) {
			return j
		}
	}
	if !held && e.now().Sub(j.UpdatedAt) < deadAfter*e.heartbeat {
		return j
	}
	j.Status = StatusInterrupted
	if j.Error == "" {
		j.Error = "the operation stopped without recording its end (its process died or the job store failed); fix: Resume or Rollback the job"
	}
	if err := e.store.SaveJob(ctx, j); err != nil {
		e.log.Warn("failover: could not record a job found interrupted", "job", fkerrors.Visible(j.ID), "error", fkerrors.VisibleError(err))
	}
	return j
}

// leaseGone reports whether a lease no longer protects anything: expired, held by an
// operation of this process that has ended, or held by a process gone from this host.
func (e *Engine) leaseGone(l Lease) bool {
	if !e.now().Before(l.Expires) {
		return true
	}
	why, _ := e.provedDead(l)
	return why != ""
}

// track marks a job as run by this engine until the returned function is called.
// openJob admits an operation on a stored job: it enters the engine, reads the job and marks
// it active. release undoes all three.
func (e *Engine) openJob(ctx context.Context, jobID string) (job *Job, release func(), err error) {
	leave, err := e.enter(ctx)
	if err != nil {
		return nil, nil, err
	}
	if job, err = e.store.Job(ctx, jobID); err != nil {
		leave()
		return nil, nil, err
	}
	untrack := e.track(job.ID)
	return job, func() { untrack(); leave() }, nil
}

func (e *Engine) track(id string) func() {
	e.mu.Lock()
	e.active[id]++
	e.mu.Unlock()
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.active[id]--; e.active[id] <= 0 {
			delete(e.active, id)
		}
	}
}

func (e *Engine) isActive(id string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.active[id] > 0
}

// TestFailover proves the source VM would come up in CloudStack: it snapshots the replicated
// volumes, creates a VM shaped like the source, moves the volumes onto it and starts it,
// leaving the source VM untouched. Roll it back with Rollback.
//
// The returned job is the final record whether or not err is nil; it is nil only when the
// operation was refused before a job existed (an invalid request, a closed engine, a context
// that ended while waiting for a concurrency slot). A failed flow is compensated at once
// unless the engine was built WithCompensation(false).
func (e *Engine) TestFailover(ctx context.Context, req Request) (*Job, error) {
	return e.failover(ctx, KindTestFailover, req)
}

// LiveFailover moves the source VM for real: it powers the source VM off, runs the final
// sync hooks, then does what TestFailover does. The VM created is the real one.
func (e *Engine) LiveFailover(ctx context.Context, req Request) (*Job, error) {
	return e.failover(ctx, KindLiveFailover, req)
}

// enter admits an operation and takes a concurrency slot, or fails when the engine is
// closing or ctx ends first. The closing check and the count of running operations change
// together under e.mu, so Close never misses an operation and none starts after it began.
func (e *Engine) enter(ctx context.Context) (func(), error) {
	e.mu.Lock()
	if e.closing {
		e.mu.Unlock()
		return nil, ErrClosed
	}
	e.running++
	e.mu.Unlock()
	if e.admitted != nil {
		e.admitted()
	}
	select {
	case e.slots <- struct{}{}:
	case <-e.closed:
		e.leave()
		return nil, ErrClosed
	case <-ctx.Done():
		e.leave()
		return nil, ctx.Err()
	}
	// A slot and Close may have been ready at once; a closing engine starts nothing.
	e.mu.Lock()
	closing := e.closing
	e.mu.Unlock()
	if closing {
		<-e.slots
		e.leave()
		return nil, ErrClosed
	}
	return func() {
		<-e.slots
		e.leave()
	}, nil
}

func (e *Engine) leave() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.running--
	if e.closing && e.running == 0 {
		close(e.drained)
	}
}

func (e *Engine) newJob(kind Kind, req Request) *Job {
	now := e.now().UTC()
	return &Job{ID: newJobID(now), Kind: kind, Status: StatusRunning, Request: req, CreatedAt: now, UpdatedAt: now}
}

func newJobID(now time.Time) string {
	return now.Format("20060102") + "-" + randomHex(6)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}

// errCrashed stops an operation as if its process had died: nothing more is written.
var errCrashed = errors.New("failover: operation stopped at a checkpoint")
