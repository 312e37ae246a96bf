package failover

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/hashicorp/go-multierror"

	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Conditions of the engine, finer than a category. Each matches, with errors.Is, the
// errors it names, alongside their category (fkerrors.Code) and the cause's own category
// and detail: a preflight that found no such VM matches ErrPreflight and fkerrors.NotFound,
// a step CloudStack refused matches the CloudStack error's category through the
// *failover.Error of the step.
var (
	// ErrJobNotFound (NotFound): no job with that id in the store.
	ErrJobNotFound = errors.New("job not found")
	// ErrBusy (Conflict): another operation holds the VM, in this process or another sharing
	// the store; the *Error's Lease says which.
	ErrBusy = errors.New("VM is busy with another operation")
	// ErrInvalidRequest (Invalid): the request cannot be run as given; the message says what
	// to change.
	ErrInvalidRequest = errors.New("invalid request")
	// ErrPreflight: preflight found the world not as the request needs it; nothing changed.
	// The category is that of what it found.
	ErrPreflight = errors.New("preflight failed")
	// ErrJobState (Conflict): the job's status does not allow the operation asked for.
	ErrJobState = errors.New("job state does not allow this operation")
	// ErrCleanupIncomplete: a compensation or rollback ran every undo step but some failed;
	// Job.Cleanup lists them.
	ErrCleanupIncomplete = errors.New("cleanup completed with errors")
	// ErrClosed (Closed): the engine was closed.
	ErrClosed = errors.New("engine closed")
	// ErrStore (Unavailable): the job store failed - unreachable, or its tables are not the
	// store's. The message names the store and what was being recorded.
	ErrStore = errors.New("job store failed")
)

// Error is the detail behind every error of the engine (errors.As): the job and step it
// concerns, what went wrong, the remedy, and the cause, which keeps its own category and
// detail type.
type Error struct {
	// Code is the error's category; Unknown when it is the cause's.
	Code fkerrors.Code
	// Reason is one of this package's Err* conditions, when one applies.
	Reason error
	// JobID and Step say which job and step, when the error concerns one.
	JobID string
	Step  StepName
	// Problem says what is wrong, when the cause does not say it all.
	Problem string
	// Fix says how to fix it; empty when the cause's remedy is the one.
	Fix string
	// Err is the cause.
	Err error
	// Lease is the lease another operation holds, for ErrBusy.
	Lease *Lease

	// listed is set when Problem already lists the causes (a cleanup's failures).
	listed bool
}

// Error renders "failover: [job <id>: ][step <step>: ]<problem>[: <cause>]; fix: <remedy>",
// the remedy once. Job ids, VM names and the causes' texts come from requests, stores and
// servers, so the message goes through fkerrors.Visible.
func (e *Error) Error() string {
	return fkerrors.Message("failover: "+e.text(), nil, e.Remedy())
}

// text is the message without the "failover: " prefix and the remedy.
func (e *Error) text() string {
	var b strings.Builder
	if e.JobID != "" {
		b.WriteString("job " + e.JobID + ": ")
	}
	if e.Step != "" {
		b.WriteString("step " + string(e.Step) + ": ")
	}
	msg := e.Problem
	if msg == "" && e.Reason != nil && e.Err == nil {
		msg = e.Reason.Error()
	}
	if e.Err != nil && !e.listed {
		cause := causeText(e.Err)
		if msg == "" {
			msg = cause
		} else {
			msg += ": " + cause
		}
	}
	b.WriteString(msg)
	return b.String()
}

// causeText is a cause's message without its remedy, and without the prefix of an engine
// error it wraps.
func causeText(err error) string {
	var inner *Error
	if errors.As(err, &inner) && inner == err {
		return inner.text()
	}
	problem, _ := fkerrors.Explain(err)
	return problem
}

// Remedy says how to fix the error: Fix, or the cause's remedy, with fkerrors.Visible
// applied.
func (e *Error) Remedy() string { return fkerrors.RemedyOf(e.Fix, e.Err) }

// Unwrap exposes the category, the condition and the cause to errors.Is and errors.As.
func (e *Error) Unwrap() []error { return fkerrors.Unwraps(e.Code, e.Reason, e.Err) }

// codeOf is the category of each condition that has one of its own.
var codeOf = map[error]fkerrors.Code{
	ErrJobNotFound: fkerrors.NotFound, ErrBusy: fkerrors.Conflict, ErrInvalidRequest: fkerrors.Invalid,
	ErrJobState: fkerrors.Conflict, ErrClosed: fkerrors.Closed, ErrStore: fkerrors.Unavailable,
}

// fail builds an error of a condition: its category, what is wrong and the fix.
func fail(reason error, fix, format string, args ...any) *Error {
	return &Error{Code: codeOf[reason], Reason: reason, Problem: fmt.Sprintf(format, args...), Fix: fix}
}

// problem builds an error a step finds in the world: its category, what is wrong and the fix.
func problem(code fkerrors.Code, fix, format string, args ...any) *Error {
	return &Error{Code: code, Problem: fmt.Sprintf(format, args...), Fix: fix}
}

// preflightErr marks err as found by preflight: nothing was changed.
func preflightErr(err error) error {
	if errors.Is(err, ErrPreflight) {
		return err
	}
	return &Error{Reason: ErrPreflight, Err: err}
}

// stepErr says which job and step an error happened in.
func stepErr(jobID string, step StepName, err error) *Error {
	return &Error{JobID: jobID, Step: step, Err: err}
}

// listFormat returns a go-multierror ErrorFormat that lists the errors on one line - "2
// volumes failed: (1) ...; (2) ..." - so that a joined failure reads as one message in a
// log line or a terminal, and survives fkerrors.Visible unmangled. Each item is its
// problem; its remedy follows in parentheses when it differs from the first error's, which
// is the joined error's remedy.
func listFormat(what string) multierror.ErrorFormatFunc {
	return func(errs []error) string {
		var b strings.Builder
		b.WriteString(strconv.Itoa(len(errs)) + " " + what + " failed: ")
		first := fkerrors.Remedy(errs[0])
		for i, e := range errs {
			if i > 0 {
				b.WriteString("; ")
			}
			problem, remedy := fkerrors.Explain(e)
			b.WriteString("(" + strconv.Itoa(i+1) + ") " + problem)
			if remedy != "" && remedy != first {
				b.WriteString(" (fix: " + remedy + ")")
			}
		}
		return b.String()
	}
}
