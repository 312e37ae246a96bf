package failover

import (
	"errors"
)

// Errors of the engine. Credential problems surface as the credentials package's errors
// (credentials.ErrNotFound, ...) and CloudStack/vCenter problems as theirs, wrapped in a
// *StepError that names the job and step.
var (
	// ErrJobNotFound: no job with that id in the store.
	ErrJobNotFound = errors.New("failover: job not found")
	// ErrBusy: another operation holds the VM (in this process or another sharing the store).
	ErrBusy = errors.New("failover: VM is busy with another operation")
	// ErrInvalidRequest: the request cannot be run as given; the message says what to change.
	ErrInvalidRequest = errors.New("failover: invalid request")
	// ErrPreflight: preflight found the world not as the request needs it; nothing changed.
	ErrPreflight = errors.New("failover: preflight failed")
	// ErrJobState: the job is not in a state that allows the operation asked for.
	ErrJobState = errors.New("failover: job state does not allow this operation")
	// ErrCleanupIncomplete: a compensation or rollback ran every undo step but some failed.
	ErrCleanupIncomplete = errors.New("failover: cleanup completed with errors")
	// ErrClosed: the engine was closed.
	ErrClosed = errors.New("failover: engine closed")
	// ErrStore: the job store failed (unreachable, or its tables are not the store's). The
	// message names the store and what was being recorded.
	ErrStore = errors.New("failover: job store failed")
)

// StepError says which step of which job failed, and why.
type StepError struct {
	// JobID is the job.
	JobID string
	// Step is the step that failed.
	Step StepName
	// Err is the cause; it keeps its own type for errors.Is and errors.As.
	Err error
}

// Error renders "failover: job <id>: step <step>: <cause>".
func (e *StepError) Error() string {
	return "failover: job " + e.JobID + ": step " + string(e.Step) + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *StepError) Unwrap() error { return e.Err }
