package failover

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// StepCommit is the step of Commit: it deletes the rollback snapshots.
const StepCommit StepName = "commit"

var commitStep = &stepDef{name: StepCommit, run: (*run).deleteSnapshots,
	calls: func(r *run) []string { return r.texts(r.deleteSnapshotActions(nil)) }}

// Commit accepts a live failover: the VM it created is the production VM from now on. It
// deletes the job's rollback snapshots - exactly those the job took - and records the job as
// committed, after which Rollback is refused with ErrJobState. Only a succeeded live failover
// can be committed. Commit is idempotent and crash-safe: committing a committed job returns
// it unchanged, and a Commit that stopped midway (the job is StatusCommitting, and refuses
// Rollback meanwhile) is finished by Commit or Resume. It fetches fresh credentials.
func (e *Engine) Commit(ctx context.Context, jobID string) (*Job, error) {
	job, release, err := e.openJob(ctx, jobID)
	if err != nil {
		return nil, err
	}
	defer release()
	switch {
	case job.Status == StatusCommitted:
		return job, nil
	case job.Kind != KindLiveFailover:
		return job, fail(ErrJobState, "roll a test failover back when done with it", "job %s is a %s: only a live failover is committed", job.ID, job.Kind)
	case job.Status != StatusSucceeded && job.Status != StatusCommitting:
		return job, fail(ErrJobState, "resume or roll it back first", "job %s is %s: only a succeeded live failover can be committed", job.ID, job.Status)
	}
	return e.commit(ctx, job)
}

func (e *Engine) commit(ctx context.Context, job *Job) (*Job, error) {
	r := e.newRun(job, "commit")
	ctx, err := r.leaseJob(ctx)
	if err != nil {
		return job, err
	}
	defer r.releaseLease(ctx)
	job.Status = StatusCommitting
	r.total = 1
	err = r.save(ctx)
	r.started(ctx)
	if err == nil {
		if err = r.resolveCloudStack(ctx, "", "operation start"); err == nil {
			err = r.step(ctx, commitStep, false)
		}
	}
	if r.crashed.Load() {
		return job.clone(), errCrashed
	}
	if r.storeFailed != nil {
		return job.clone(), r.storeFailed
	}
	if err == nil {
		now := e.now().UTC()
		job.Status, job.CommittedAt = StatusCommitted, &now
		err = r.save(ctx)
	}
	err = r.ended(ctx, err)
	e.log.Info("failover: commit finished", "job", fkerrors.Visible(job.ID), "status", string(job.Status))
	return job.clone(), err
}

// RollbackExpired rolls back every test failover whose Request.TestDuration has run out
// (Job.ExpiresAt is past) and returns the jobs it rolled back. An embedding server calls it
// on a timer. A job another operation holds is left for the next call; the other failures
// come back joined, and the jobs they concern are returned too.
func (e *Engine) RollbackExpired(ctx context.Context) ([]*Job, error) {
	jobs, err := e.store.Jobs(ctx, JobFilter{Kind: []Kind{KindTestFailover}, Status: []Status{StatusSucceeded}, ExpiredBy: e.now()})
	if err != nil {
		return nil, err
	}
	var out []*Job
	var errs []error
	for _, j := range jobs {
		back, err := e.Rollback(ctx, j.ID)
		switch {
		case errors.Is(err, ErrBusy):
			e.log.Info("failover: expired test failover is busy; next time", "job", fkerrors.Visible(j.ID))
			continue
		case err != nil:
			errs = append(errs, fmt.Errorf("job %s: %w", j.ID, err))
		}
		if back != nil {
			out = append(out, back)
		}
	}
	return out, errors.Join(errs...)
}

// expiry is when a test failover that succeeded at done is due to be rolled back, or nil.
func (req Request) expiry(kind Kind, done time.Time) *time.Time {
	if kind != KindTestFailover || req.TestDuration <= 0 {
		return nil
	}
	t := done.Add(req.TestDuration).UTC()
	return &t
}
