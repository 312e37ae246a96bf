package failover

import (
	"context"
	"errors"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// ErrJournal: a Journal could not record the engine's work. Before a step it stops the
// operation there, as a failed step does; at the end of an operation the work is done, and
// the error says that its record elsewhere (the appliance's tables) is behind.
var ErrJournal = errors.New("failover: journal could not record the operation")

// Journal keeps a record of the engine's work outside the job store - the appliance's own
// tables, an audit log - in step with it (failover/appliance is one). Unlike an Observer it
// is called synchronously, within the operation, so it can keep a record that others act
// on:
//
//   - before each step (EventStepStarted): an error stops the operation before the step
//     changes anything, as a failed step does, and compensation follows;
//   - after each step (EventStepFinished, EventStepFailed, EventStepSkipped) and when the
//     operation starts and ends (EventJobStarted, EventJobFinished): an error is recorded
//     on the job (Job.Warnings) and joined, matching ErrJournal, to the operation's error.
//
// Calls for one job never overlap. A Journal must be idempotent: Resume and a repeated
// Rollback call it again for the same steps.
type Journal interface {
	Record(ctx context.Context, ev JournalEvent) error
}

// JournalFunc adapts a function to a Journal.
type JournalFunc func(ctx context.Context, ev JournalEvent) error

// Record calls f.
func (f JournalFunc) Record(ctx context.Context, ev JournalEvent) error { return f(ctx, ev) }

// JournalEvent is what a Journal is told.
type JournalEvent struct {
	// Type is EventJobStarted, EventStepStarted, EventStepFinished, EventStepFailed,
	// EventStepSkipped or EventJobFinished.
	Type EventType
	// Operation is the operation under way: a flow kind, "rollback", "resume", "commit".
	Operation string
	// Step and Undo name the step, for step events; Undo is true for cleanup steps
	// (compensation and rollback).
	Step StepName
	Undo bool
	// Index and Total place the step among the operation's steps (1-based).
	Index, Total int
	// Job is the job as it stands (a copy).
	Job *Job
	// Err is why a step or the operation failed.
	Err error
}

// WithJournal adds a journal; journals are called in the order added.
func WithJournal(j Journal) Option { return func(e *Engine) { e.journals = append(e.journals, j) } }

// journal tells every journal of ev and returns their failures, each matching ErrJournal.
func (r *run) journal(ctx context.Context, ev JournalEvent) error {
	if len(r.e.journals) == 0 || r.op == opPlan {
		return nil
	}
	r.mu.Lock()
	ev.Operation, ev.Job = r.op, r.job.clone()
	r.mu.Unlock()
	var errs []error
	for _, j := range r.e.journals {
		if err := j.Record(ctx, ev); err != nil {
			errs = append(errs, &Error{Reason: ErrJournal, Problem: "journal: " + string(ev.Type) + " of " + describeStep(ev),
				Fix: "bring the journal's store back; the operation's own record is in the job store", Err: err})
		}
	}
	return errors.Join(errs...)
}

func describeStep(ev JournalEvent) string {
	if ev.Step != "" {
		return "step " + string(ev.Step)
	}
	return "job " + ev.Job.ID
}

// journalAfter tells the journals of something done; a failure becomes a warning on the job
// and is kept for the operation's error.
func (r *run) journalAfter(ctx context.Context, ev JournalEvent) {
	err := r.journal(ctx, ev)
	if err == nil {
		return
	}
	r.mu.Lock()
	r.job.Warnings = append(r.job.Warnings, fkerrors.Visible(err.Error()))
	r.mu.Unlock()
	r.journalErr = errors.Join(r.journalErr, err)
	r.e.log.Error("failover: journal failed", "job", fkerrors.Visible(r.job.ID), "operation", r.op, "error", fkerrors.VisibleError(err))
}
