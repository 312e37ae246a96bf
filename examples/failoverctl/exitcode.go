package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// Exit codes; doc.go lists them for users.
const (
	exitOK          = 0
	exitFailed      = 1
	exitUsage       = 2
	exitCredentials = 3
	exitBusy        = 4
	exitCleanup     = 5
	exitJob         = 6
	exitStore       = 7
)

// usageError is a command line that cannot be run as given.
type usageError struct {
	msg    string
	remedy string
}

func (e *usageError) Error() string { return e.msg }

func usagef(remedy, format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...), remedy: remedy}
}

// credentialsFailed reports that a credential check found sets that do not work; each one
// has been printed with its remedy already.
type credentialsFailed struct{ failed, total int }

func (e *credentialsFailed) Error() string {
	return fmt.Sprintf("%d of %d credential sets failed the check", e.failed, e.total)
}

// exitCode maps an error to the process exit code. A job store failure is reported first:
// the job's record may lag behind what was done, so the store must come back before anything
// else is fixed. Cleanup left incomplete comes next: it leaves something behind to fix.
func exitCode(err error) int {
	var (
		usage *usageError
		creds *credentials.Error
		check *credentialsFailed
	)
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &usage):
		return exitUsage
	case errors.Is(err, failover.ErrStore):
		return exitStore
	case errors.Is(err, failover.ErrCleanupIncomplete):
		return exitCleanup
	case errors.Is(err, failover.ErrBusy):
		return exitBusy
	case errors.As(err, &creds), errors.As(err, &check):
		return exitCredentials
	case errors.Is(err, failover.ErrInvalidRequest):
		return exitUsage
	case errors.Is(err, failover.ErrJobNotFound), errors.Is(err, failover.ErrJobState):
		return exitJob
	default:
		return exitFailed
	}
}

// remedy says how to fix err, to a failoverctl user: the command's own advice where it knows
// better than the library (its flags, its subcommands), else the library's remedy with the
// library's terms turned into the command's (cliTerms).
func remedy(err error) string {
	if errors.Is(err, database.ErrKeyMissing) {
		return "pass --key-file with the file holding the appliance's base64 key, or export " + database.KeyEnv
	}
	var usage *usageError
	switch {
	case errors.As(err, &usage):
		if usage.remedy != "" {
			return usage.remedy
		}
		return "see failoverctl --help"
	case errors.Is(err, failover.ErrStore):
		return forCLI(fkerrors.Remedy(err))
	case errors.Is(err, failover.ErrCleanupIncomplete):
		return "fix the failures listed (failoverctl status JOB shows them), then run failoverctl rollback JOB again; each undo step checks the actual state first"
	case errors.Is(err, failover.ErrBusy):
		return "another operation holds this VM: wait for it (failoverctl status); if its process died, the next failoverctl rollback or resume takes its lease over"
	case errors.Is(err, failover.ErrJobNotFound):
		return "list the jobs with failoverctl status, using the same --store"
	}
	if r := fkerrors.Remedy(err); r != "" {
		return forCLI(r)
	}
	switch {
	case errors.Is(err, failover.ErrJobState):
		return "see where the job stands with failoverctl status JOB"
	case errors.Is(err, context.Canceled):
		return "the operation was interrupted; carry on with failoverctl resume JOB or undo it with failoverctl rollback JOB"
	}
	// Every error ends with a fix, even one nobody foresaw.
	return "nothing more is known about this error: run the command again with --verbose for the library's log; failoverctl status shows the jobs' records"
}

// withoutRemedy drops the "; fix: ..." a credentials error ends with, where the remedy is
// printed on a line of its own.
func withoutRemedy(msg, remedy string) string {
	if remedy == "" {
		return msg
	}
	return strings.TrimSuffix(msg, "; fix: "+remedy)
}
