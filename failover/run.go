package failover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/ossea-migrate/failoverkit/cloudstack"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// run is one operation on one job: the credential sets and clients it fetched at its start,
// and the plumbing that records steps and ledger entries as they happen.
type run struct {
	e     *Engine
	job   *Job
	op    string
	total int
	index int

	cs    *cloudstack.Client
	vc    *vsphere.Client
	srcVM *vsphere.VM
	// revertFailed holds volumes whose revert failed in this cleanup: their snapshots are
	// kept so that a later rollback can revert them.
	revertFailed sync.Map

	// mu guards job while a step's actions run side by side; outside them the job belongs
	// to the goroutine running the operation.
	mu sync.Mutex
	// pointMu serialises crash-test checkpoints.
	pointMu sync.Mutex
	crashed atomic.Bool

	// opCtx is the operation's context; leaseCtx, once the lease is taken, is opCtx bound to
	// the lease, which the rest of the operation uses.
	opCtx    context.Context
	leaseCtx context.Context
	// durable is what the last record that reached the store holds; storeFailed, once set,
	// is the failure that stopped the operation: nothing more is written or changed.
	durable     durable
	storeFailed error
	// journalErr collects the journals' failures after the fact, for the operation's error.
	journalErr error

	leaseKey  string
	stopLease func()
}

func (e *Engine) newRun(job *Job, op string) *run {
	return &run{e: e, job: job, op: op}
}

// save writes the job; a crashed run writes nothing more.
func (r *run) save(ctx context.Context) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.saveLocked(ctx)
}

func (r *run) saveLocked(ctx context.Context) error {
	if r.crashed.Load() {
		return errCrashed
	}
	if r.storeFailed != nil {
		return r.storeFailed // nothing more is changed once a record failed
	}
	r.job.UpdatedAt = r.e.now().UTC()
	// A job record must reach the store even when the operation's context has ended: the
	// record of what was done is what makes the job recoverable.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.e.saveTimeout)
	defer cancel()
	if err := r.e.store.SaveJob(sctx, r.job); err != nil {
		r.storeFailed = r.storeFailure(err)
		return r.storeFailed
	}
	r.durable = durableOf(r.job)
	return nil
}

// durable is what the last record that reached the store says: its last step and ledger
// entry.
type durable struct {
	step  string
	entry string
}

func durableOf(j *Job) durable {
	var d durable
	if n := len(j.Steps); n > 0 {
		s := j.Steps[n-1]
		d.step = fmt.Sprintf("step %s %s", s.Name, s.Status)
	}
	if n := len(j.Ledger); n > 0 {
		le := j.Ledger[n-1]
		d.entry = fmt.Sprintf("ledger entry %d (%s", le.Seq, le.Action)
		if le.Volume != "" {
			d.entry += " of volume " + le.Volume
		}
		d.entry += ", " + string(le.State) + ")"
	}
	return d
}

// storeFailure is the error of an operation that stopped because its job could not be
// recorded: it names the store's failure, what the last durable record says, and the fix.
func (r *run) storeFailure(cause error) error {
	last := "nothing of the job"
	switch {
	case r.durable.step != "" && r.durable.entry != "":
		last = r.durable.step + " and " + r.durable.entry
	case r.durable.step != "":
		last = r.durable.step + ", no ledger entry"
	}
	fix := "bring the job store back, then run Rollback (or Resume) on job " + r.job.ID
	if r.op == "rollback" || r.op == "compensation" {
		fix = "bring the job store back, then run Rollback on job " + r.job.ID
	}
	return &Error{Code: fkerrors.Unavailable, Reason: ErrStore, JobID: r.job.ID,
		Problem: "could not be recorded, so the operation stopped before changing anything more; the last record in the job store holds " + last,
		Fix:     fix, Err: cause}
}

// point is a crash-test checkpoint.
func (r *run) point(format string, args ...any) error {
	if r.crashed.Load() {
		return errCrashed
	}
	if r.e.checkpoint == nil {
		return nil
	}
	r.pointMu.Lock()
	defer r.pointMu.Unlock()
	if r.crashed.Load() {
		return errCrashed
	}
	if err := r.e.checkpoint(fmt.Sprintf(format, args...)); err != nil {
		r.crashed.Store(true)
		return errCrashed
	}
	return nil
}

func (r *run) emit(ev Event) {
	ev.JobID, ev.Operation, ev.At = r.job.ID, r.op, r.e.now()
	r.e.events.send(ev)
}

// step runs def as one step of the job: records it, times it, bounds it, and retries it once
// with re-fetched credentials when a call was rejected as unauthenticated and the stored set
// has changed since the operation fetched it.
func (r *run) step(ctx context.Context, def *stepDef, undo bool) error {
	name := def.name
	r.index++
	if err := r.point("before %s", name); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	r.mu.Lock()
	r.job.Steps = append(r.job.Steps, Step{Name: name, Undo: undo, Status: StepRunning, StartedAt: r.e.now().UTC()})
	si := len(r.job.Steps) - 1
	err := r.saveLocked(ctx)
	r.mu.Unlock()
	if err != nil {
		return err
	}
	r.emit(Event{Type: EventStepStarted, Step: name, Index: r.index, Total: r.total})
	start := r.e.now()

	err = r.journal(ctx, JournalEvent{Type: EventStepStarted, Step: name, Undo: undo, Index: r.index, Total: r.total})
	if err == nil {
		err = r.attempt(ctx, si, def)
	}
	if err != nil && !r.crashed.Load() && isUnauthenticated(err) {
		if changed, rerr := r.refetch(ctx, name, err); rerr != nil {
			err = rerr
		} else if changed {
			r.emit(Event{Type: EventCredentialsChanged, Step: name, Index: r.index, Total: r.total})
			err = r.attempt(ctx, si, def)
		}
	}
	if r.crashed.Load() {
		return errCrashed
	}
	r.mu.Lock()
	st := &r.job.Steps[si]
	st.FinishedAt = r.e.now().UTC()
	elapsed := r.e.now().Sub(start)
	if err != nil {
		st.Status, st.Error = StepFailed, err.Error()
		serr := r.saveLocked(ctx)
		r.mu.Unlock()
		r.emit(Event{Type: EventStepFailed, Step: name, Index: r.index, Total: r.total, Duration: elapsed, Error: err.Error()})
		if serr != nil {
			return errors.Join(err, serr)
		}
		r.journalAfter(ctx, JournalEvent{Type: EventStepFailed, Step: name, Undo: undo, Index: r.index, Total: r.total, Err: err})
		return stepErr(r.job.ID, name, err)
	}
	st.Status = StepDone
	err = r.saveLocked(ctx)
	r.mu.Unlock()
	r.emit(Event{Type: EventStepFinished, Step: name, Index: r.index, Total: r.total, Duration: elapsed})
	if err == nil {
		r.journalAfter(ctx, JournalEvent{Type: EventStepFinished, Step: name, Undo: undo, Index: r.index, Total: r.total})
	}
	return err
}

func (r *run) attempt(ctx context.Context, si int, def *stepDef) error {
	r.mu.Lock()
	r.job.Steps[si].Attempts++
	r.mu.Unlock()
	timeout := r.e.defaultStepTimeout
	if d, ok := r.e.stepTimeouts[def.name]; ok {
		timeout = d
	}
	sctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return def.run(r, sctx)
}

// skip records a step found already done (on resume).
func (r *run) skip(ctx context.Context, name StepName) {
	r.index++
	r.emit(Event{Type: EventStepSkipped, Step: name, Index: r.index, Total: r.total})
	r.journalAfter(ctx, JournalEvent{Type: EventStepSkipped, Step: name, Index: r.index, Total: r.total})
}

// started tells the observer and the journals that the operation starts.
func (r *run) started(ctx context.Context) {
	r.emit(Event{Type: EventJobStarted, Status: r.job.Status})
	r.journalAfter(ctx, JournalEvent{Type: EventJobStarted})
}

// ended tells the observer and the journals how the operation ended, records what the
// journals could not, and returns err joined with their failures.
func (r *run) ended(ctx context.Context, err error) error {
	err = withCause(ctx, err)
	j := r.job
	r.emit(Event{Type: EventJobFinished, Status: j.Status, Error: j.Error})
	r.journalAfter(ctx, JournalEvent{Type: EventJobFinished, Err: err})
	if r.journalErr == nil {
		return err
	}
	if serr := r.save(ctx); serr != nil {
		err = errors.Join(err, serr)
	}
	return errors.Join(err, r.journalErr)
}

// withCause adds to err why the engine stopped the operation, when it did: the lease was
// lost or could not be renewed (see takeLease). A context the caller cancelled adds nothing.
func withCause(ctx context.Context, err error) error {
	cause := context.Cause(ctx)
	if err == nil || cause == nil || cause == ctx.Err() || errors.Is(err, cause) {
		return err
	}
	return fmt.Errorf("%w: %w", cause, err)
}

func isUnauthenticated(err error) bool {
	return errors.Is(err, fkerrors.Unauthenticated)
}

// refetch handles a call rejected as unauthenticated: it fetches the set again once and
// reports whether its version changed (and the clients were rebuilt with it). An unchanged
// version means the stored set itself is wrong: the original error, with its remedy, stands.
func (r *run) refetch(ctx context.Context, step StepName, cause error) (bool, error) {
	var ce *credentials.Error
	kind := credentials.KindCloudStack
	if errors.As(cause, &ce) && ce.Kind != "" {
		kind = ce.Kind
	}
	var before string
	switch kind {
	case credentials.KindVSphere:
		if r.vc == nil {
			return false, nil
		}
		before = r.vc.Credentials().Version
		if err := r.resolveVSphere(ctx, step, "rejected mid-operation"); err != nil {
			return false, errors.Join(cause, err)
		}
		return r.vc.Credentials().Version != before, nil
	default:
		if r.cs == nil {
			return false, nil
		}
		before = r.cs.Credentials().Version
		if err := r.resolveCloudStack(ctx, step, "rejected mid-operation"); err != nil {
			return false, errors.Join(cause, err)
		}
		return r.cs.Credentials().Version != before, nil
	}
}

// resolveCloudStack fetches the CloudStack set the request names and builds the client.
func (r *run) resolveCloudStack(ctx context.Context, step StepName, reason string) error {
	set, err := r.e.src.CloudStack(ctx, r.job.Request.CloudStack)
	if err != nil {
		return err
	}
	client, err := cloudstack.New(set, append([]cloudstack.Option{cloudstack.WithLogger(r.e.log)}, r.e.csOpts...)...)
	if err != nil {
		return err
	}
	changed := r.cs != nil && r.cs.Credentials().Version != set.Version
	r.cs = client
	r.recordCredentials(credentials.KindCloudStack, r.job.Request.CloudStack, set.Meta, step, reason, changed)
	return nil
}

// resolveVSphere fetches the vCenter set the request names (by account, or linked to its VM
// context) and gets a pooled client.
func (r *run) resolveVSphere(ctx context.Context, step StepName, reason string) error {
	req := r.job.Request
	ref := req.VCenter
	var set credentials.VSphere
	var err error
	if req.VMContext != "" {
		linker, ok := r.e.src.(credentials.VMLinker)
		if !ok || !credentials.LinksVMs(r.e.src) {
			return fail(ErrInvalidRequest, "name the vCenter account instead", "the request names VM context %q, but the credential source (%T) does not link VMs to vCenter sets",
				req.VMContext, r.e.src)
		}
		ref = credentials.Ref{Name: "vm " + req.VMContext}
		set, err = linker.VSphereForVM(ctx, req.VMContext)
	} else {
		set, err = r.e.src.VSphere(ctx, ref)
	}
	if err != nil {
		return err
	}
	client, err := r.e.pool.Client(ctx, set)
	if err != nil {
		return err
	}
	changed := r.vc != nil && r.vc.Credentials().Version != set.Version
	r.vc = client
	r.recordCredentials(credentials.KindVSphere, ref, set.Meta, step, reason, changed)
	return nil
}

func (r *run) recordCredentials(kind credentials.Kind, ref credentials.Ref, meta credentials.Meta, step StepName, reason string, changed bool) {
	r.job.Credentials = append(r.job.Credentials, CredentialUse{
		Kind: kind, Account: ref.String(), Meta: meta, Step: step, Reason: reason, Changed: changed,
	})
	level := slog.LevelInfo
	if changed {
		level = slog.LevelWarn
	}
	r.e.log.Log(context.Background(), level, "failover: using credentials",
		"job", r.job.ID, "operation", r.op, "kind", string(kind), "account", ref.String(),
		"origin", meta.Origin.String(), "version", meta.Version, "fingerprint", meta.Fingerprint,
		"reason", reason, "changed_mid_operation", changed)
}
