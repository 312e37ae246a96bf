package failover

import (
	"context"
	"errors"
	"slices"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// RollbackOption configures Rollback.
type RollbackOption func(*rollbackConfig)

type rollbackConfig struct{ powerOn bool }

// PowerOnSource makes Rollback power the source VM back on when the job powered it off (a
// live failover). Without it the source VM stays off.
func PowerOnSource() RollbackOption { return func(c *rollbackConfig) { c.powerOn = true } }

// Rollback undoes a job: it stops the job's VM, moves the replicated volumes off it, reverts
// them to their rollback snapshots, reattaches them to the appliance VM at their original
// device ids, destroys the VM, deletes the snapshots and, when asked, powers the source VM
// back on. It is an operation of its own: it fetches fresh credentials, so a rollback after
// a key rotation uses the new keys.
//
// Every undo step runs even when one fails; the job's Cleanup records the true outcome and
// the error lists every failure. Rolling back again after a partial rollback is safe: each
// step checks the actual state first.
func (e *Engine) Rollback(ctx context.Context, jobID string, opts ...RollbackOption) (*Job, error) {
	var cfg rollbackConfig
	for _, o := range opts {
		o(&cfg)
	}
	job, release, err := e.openJob(ctx, jobID)
	if err != nil {
		return nil, err
	}
	defer release()
	switch job.Status {
	case StatusRolledBack:
		return job, fail(ErrJobState, "nothing to do", "job %s is already rolled back", job.ID)
	case StatusCommitted:
		return job, fail(ErrJobState, "nothing to undo: fail the VM back with a new failover if needed",
			"job %s was committed: its VM is the production VM and its rollback snapshots are deleted, so it cannot be rolled back", job.ID)
	case StatusCommitting:
		return job, fail(ErrJobState, "run Commit again to finish it",
			"job %s is being committed (or its commit stopped midway) and some rollback snapshots may be gone", job.ID)
	}
	return e.rollback(ctx, job, cfg.powerOn, "rollback")
}

func (e *Engine) rollback(ctx context.Context, job *Job, powerOn bool, trigger string) (*Job, error) {
	r := e.newRun(job, trigger)
	ctx, err := r.leaseJob(ctx)
	if err != nil {
		return job, err
	}
	defer r.releaseLease(ctx)
	if trigger == "rollback" {
		job.Status = StatusRollingBack
	}
	r.started(ctx)
	err = r.undo(ctx, trigger, powerOn)
	if r.crashed.Load() {
		return job.clone(), errCrashed
	}
	if r.storeFailed != nil {
		r.emit(Event{Type: EventJobFinished, Status: job.Status, Error: r.storeFailed.Error()})
		return job.clone(), r.storeFailed
	}
	switch {
	case trigger != "rollback":
		// A finished compensation leaves the job failed; Cleanup says how the undo went.
	case err == nil:
		job.Status = StatusRolledBack
	default:
		job.Status = StatusRollbackIncomplete
	}
	if serr := r.save(ctx); serr != nil {
		err = errors.Join(err, serr)
	}
	err = r.ended(ctx, err)
	e.log.Info("failover: rollback finished", "job", fkerrors.Visible(job.ID), "status", string(job.Status), "outcome", string(job.Cleanup.Outcome))
	return job.clone(), err
}

// Resume continues a job whose operation stopped before its end: a flow interrupted by its
// context, or one whose process died (its lease must have expired). Steps already done are
// skipped; the step under way is run again, checking the actual state so that nothing is
// created twice. A rollback that stopped midway is run again. Resume fetches fresh
// credentials.
func (e *Engine) Resume(ctx context.Context, jobID string) (*Job, error) {
	job, release, err := e.openJob(ctx, jobID)
	if err != nil {
		return nil, err
	}
	defer release()
	switch {
	case job.Status == StatusCommitting:
		return e.commit(ctx, job)
	case job.Status == StatusRollingBack:
		return e.rollback(ctx, job, job.Cleanup != nil && job.Cleanup.PowerOnSource, "rollback")
	case job.Status == StatusFailed && job.Cleanup != nil && job.Cleanup.Outcome == "":
		// Compensation stopped midway: finish it.
		return e.rollback(ctx, job, true, "compensation")
	case !slices.Contains([]Status{StatusRunning, StatusInterrupted}, job.Status):
		return job, fail(ErrJobState, "roll it back instead", "job %s is %s; only running or interrupted jobs resume", job.ID, job.Status)
	}
	r := e.newRun(job, "resume")
	ctx, err = r.leaseJob(ctx)
	if err != nil {
		return job, err
	}
	job.Status = StatusRunning
	r.total = len(r.forwardSteps())
	r.started(ctx)
	if r.done(StepPreflight) {
		// Preflight's facts stand; fetch this operation's own credentials.
		if err := r.resolveCloudStack(ctx, "", "operation start"); err != nil {
			return r.finish(ctx, stepErr(job.ID, "resume", err))
		}
	}
	ctx, err = r.forward(ctx, true)
	return r.finish(ctx, err)
}
