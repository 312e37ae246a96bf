package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	cssim "github.com/ossea-migrate/failoverkit/cloudstack/simulator"
	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/database"
	"github.com/ossea-migrate/failoverkit/failover"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// TestRollbackIncompleteExitsFive: a rollback whose snapshot deletion fails runs every other
// undo step, exits 5 with the fix, leaves the job rollback_incomplete, and a second rollback
// after the fault is gone finishes it.
func TestRollbackIncompleteExitsFive(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	o := cli(t, nil, f.flags(append([]string{"test", "--json"}, f.requestFlags()...)...)...)
	require.Equal(t, exitOK, o.code)
	_, res := o.jsonLines(t)
	jobID := res.Job.ID

	f.lab.Cloud.FailWhen(func(c cssim.Call) bool { return c.Command == "deleteSnapshot" }, cssim.Fault{ErrorText: "storage pool is in maintenance"})
	o = cli(t, nil, f.flags("rollback", jobID, "--no-progress")...)
	assert.Equal(t, exitCleanup, o.code)
	assert.Contains(t, o.stdout, "delete_snapshots FAILED")
	assert.Contains(t, o.stdout, "[7/7]")
	assert.Contains(t, o.stderr, "storage pool is in maintenance")
	assert.Contains(t, o.stderr, "fix: fix the failures listed")

	o = cli(t, nil, "status", jobID, "--store", f.store)
	require.Equal(t, exitOK, o.code)
	assert.Contains(t, o.stdout, "ROLLBACK_INCOMPLETE")
	assert.Contains(t, o.stdout, "undo failure")

	f.lab.Cloud.ClearFaults()
	f.rollBack(t, jobID)
}

// TestBusyExitsFour: while a test failover holds its VM, a rollback of that job from another
// process is refused at once with exit 4.
func TestBusyExitsFour(t *testing.T) {
	t.Parallel()
	f := newLabDBWith(t, failovertest.Options{CloudStackOptions: []cssim.Option{cssim.WithLatency(60 * time.Millisecond)}})
	p := startFlow(t, f.flags(append([]string{"test", "--no-progress"}, f.requestFlags()...)...)...)
	p.until(atCreateVM)
	jobID := p.jobID
	require.NotEmpty(t, jobID)

	o := cli(t, nil, f.flags("rollback", jobID)...)
	assert.Equal(t, exitBusy, o.code)
	assert.Contains(t, o.stderr, "fix: another operation holds this VM")

	require.NoError(t, p.wait(), "the first operation is unaffected")
	f.rollBack(t, jobID)
}

func TestExitCodes(t *testing.T) {
	t.Parallel()
	credErr := &credentials.Error{Code: fkerrors.Unauthenticated, Source: "cloudstack", Problem: "rejected", Fix: "store the new keys"}
	for _, tc := range []struct {
		name   string
		err    error
		code   int
		remedy string
	}{
		{"nil", nil, exitOK, ""},
		{"usage", usagef("do this", "bad"), exitUsage, "do this"},
		{"invalid request", fmt.Errorf("%w: no volumes", failover.ErrInvalidRequest), exitUsage, ""},
		{"credentials in a step", &failover.Error{JobID: "j", Step: "preflight", Err: credErr}, exitCredentials, "store the new keys"},
		{"credential check", &credentialsFailed{failed: 1, total: 2}, exitCredentials, ""},
		{"key missing", fmt.Errorf("open: %w", &credentials.Error{Code: fkerrors.NotFound, Err: database.ErrKeyMissing}), exitCredentials, "--key-file"},
		{"busy", fmt.Errorf("lease: %w", failover.ErrBusy), exitBusy, "another operation holds this VM"},
		{"cleanup beats credentials", errors.Join(credErr, failover.ErrCleanupIncomplete), exitCleanup, "failoverctl rollback JOB again"},
		{"job not found", fmt.Errorf("%w: x", failover.ErrJobNotFound), exitJob, "failoverctl status"},
		{"job state", fmt.Errorf("%w: x", failover.ErrJobState), exitJob, "failoverctl status JOB"},
		{"interrupted", &failover.Error{Step: "create_vm", Err: context.Canceled}, exitFailed, "failoverctl resume"},
		{"store not opened", &storeFailed{store: "jobs.db", err: errors.New("disk full")}, exitStore, "--store"},
		{"store beats cleanup", errors.Join(&failover.Error{Reason: failover.ErrStore, Fix: "bring the job store back, then run Rollback on job j"}, failover.ErrCleanupIncomplete),
			exitStore, "then run failoverctl rollback j"},
		{"other", errors.New("boom"), exitFailed, "run the command again with --verbose"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.code, exitCode(tc.err))
			if tc.err != nil {
				assert.Contains(t, remedy(tc.err), tc.remedy)
			}
		})
	}
}

// TestOpenDBNeverShowsThePassword: a server that cannot be reached gives a credentials error
// (exit 3) without the DSN's password.
func TestOpenDBNeverShowsThePassword(t *testing.T) {
	t.Parallel()
	password := "fake-db-pw-" + strings.ReplaceAll(t.Name(), "/", "-")
	for _, dsn := range []string{
		"mysql://oma:" + password + "@tcp(127.0.0.1:1)/oma",
		"postgres://oma:" + password + "@127.0.0.1:1/oma?sslmode=disable&connect_timeout=2",
		"host=127.0.0.1 port=1 user=oma password=" + password + " dbname=oma sslmode=disable connect_timeout=2",
	} {
		_, _, err := openDB(context.Background(), dsn, true, slog.New(slog.DiscardHandler))
		require.Error(t, err)
		assert.NotContains(t, err.Error(), password)
		assert.Equal(t, exitCredentials, exitCode(err))
		assert.True(t, errors.Is(err, fkerrors.Unavailable))
	}
}
