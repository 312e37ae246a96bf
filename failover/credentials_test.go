package failover

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

// keysUsed returns the API keys of the CloudStack calls made since the last reset.
func keysUsed(l *failovertest.Lab) map[string]int {
	keys := map[string]int{}
	for _, c := range l.Cloud.Calls() {
		keys[c.APIKey]++
	}
	return keys
}

func uses(job *Job, kind credentials.Kind) []CredentialUse {
	var out []CredentialUse
	for _, u := range job.Credentials {
		if u.Kind == kind {
			out = append(out, u)
		}
	}
	return out
}

// Scenario 1: keys rotated between two test failovers, no restart: the second uses the new
// key, as the simulator's call log proves.
func TestRotationBetweenOperationsTakesEffectWithoutRestart(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{SourceVMs: 2})
	ctx := context.Background()
	old, err := f.src.CloudStack(ctx, credentials.Account(f.lab.Sources[0].CloudAccount))
	require.NoError(t, err)

	first, err := f.engine.TestFailover(ctx, f.request(0))
	require.NoError(t, err)
	assert.Equal(t, map[string]int{old.APIKey.Reveal(): len(f.lab.Cloud.Calls())}, keysUsed(f.lab))

	rotated := f.rotateCloudStack(0)
	f.lab.Cloud.ResetCalls()
	second, err := f.engine.TestFailover(ctx, f.request(1))
	require.NoError(t, err)
	assert.Equal(t, map[string]int{rotated.APIKey.Reveal(): len(f.lab.Cloud.Calls())}, keysUsed(f.lab),
		"every call of the second operation used the new key")

	v1, v2 := uses(first, credentials.KindCloudStack)[0].Meta, uses(second, credentials.KindCloudStack)[0].Meta
	assert.NotEqual(t, v1.Version, v2.Version)
	assert.NotEqual(t, v1.Fingerprint, v2.Fingerprint)
	assert.Equal(t, rotated.SecretKey.Fingerprint(), v2.Fingerprint)
}

// Scenario 2: the vCenter set is removed: a live failover fails in preflight with the
// remedy and changes nothing.
func TestMissingVCenterSetFailsPreflightAndChangesNothing(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	ctx := context.Background()
	before := f.lab.Cloud.State()
	f.src.Remove(credentials.KindVSphere, vcAccount)

	job, err := f.engine.LiveFailover(ctx, f.request(0))
	require.Error(t, err)
	assert.ErrorIs(t, err, fkerrors.NotFound)
	assert.ErrorIs(t, err, ErrPreflight)
	assert.Contains(t, err.Error(), fkerrors.Remedy(err), "the message carries the remedy")
	assert.NotEmpty(t, fkerrors.Remedy(err))
	require.NotNil(t, job)
	assert.Equal(t, StatusFailed, job.Status)
	assert.Equal(t, StepPreflight, job.FailedStep)
	assert.Empty(t, job.Ledger, "nothing was changed")
	assert.Nil(t, job.Cleanup, "nothing to compensate")

	after := f.lab.Cloud.State()
	assert.Equal(t, before.VMs, after.VMs)
	assert.Equal(t, before.Volumes, after.Volumes)
	assert.Equal(t, before.Snapshots, after.Snapshots)
	f.requireClean(t, 0, vsphere.PoweredOn)
}

// Scenario 3: no active CloudStack config: a clear error, nothing changed.
func TestNoActiveCloudStackConfig(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	ctx := context.Background()
	f.src.SetDefault(credentials.KindCloudStack, "")
	req := f.request(0)
	req.CloudStack = credentials.Ref{} // the active config

	job, err := f.engine.TestFailover(ctx, req)
	require.ErrorIs(t, err, fkerrors.NotFound)
	var ce *credentials.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, credentials.KindCloudStack, ce.Kind)
	assert.Equal(t, StatusFailed, job.Status)
	assert.Empty(t, job.Ledger)
	assert.Empty(t, f.lab.Cloud.Calls(), "no CloudStack call was made")
	f.requireClean(t, 0, vsphere.PoweredOn)
}

// Scenario 4: test failover, keys rotated, rollback: the rollback uses the new keys and the
// old ones are refused.
func TestRollbackAfterRotationUsesNewKeys(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	ctx := context.Background()
	job, err := f.engine.TestFailover(ctx, f.request(0))
	require.NoError(t, err)

	old := uses(job, credentials.KindCloudStack)[0].Meta
	rotated := f.rotateCloudStack(0)
	f.lab.Cloud.ResetCalls()
	back, err := f.engine.Rollback(ctx, job.ID)
	require.NoError(t, err)
	assert.Equal(t, StatusRolledBack, back.Status)
	assert.Equal(t, map[string]int{rotated.APIKey.Reveal(): len(f.lab.Cloud.Calls())}, keysUsed(f.lab))
	last := back.Credentials[len(back.Credentials)-1]
	assert.Equal(t, rotated.SecretKey.Fingerprint(), last.Meta.Fingerprint)
	assert.NotEqual(t, old.Version, last.Meta.Version)
	f.requireClean(t, 0, vsphere.PoweredOn)
}

// Scenario 5: keys rotated mid-operation: the rejected step re-fetches, sees a new version,
// retries once and the job completes, recording the change.
func TestRotationMidOperationRetriesStepOnce(t *testing.T) {
	t.Parallel()
	var f *fixture
	rotate := func(ctx context.Context, job *Job) error {
		f.rotateCloudStack(0)
		return nil
	}
	f = newFixture(t, failovertest.Options{}, WithHook(PhaseBeforeCreate, rotate))
	var events []Event
	done := make(chan struct{})
	e := f.newEngine(WithObserver(ObserverFunc(func(ev Event) {
		events = append(events, ev)
		if ev.Type == EventJobFinished && ev.Operation == string(KindTestFailover) {
			close(done)
		}
	})))

	job, err := e.TestFailover(context.Background(), f.request(0))
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, job.Status)
	<-done

	cs := uses(job, credentials.KindCloudStack)
	require.Len(t, cs, 2, "fetched at the start and once more after the rejection")
	assert.Equal(t, "rejected mid-operation", cs[1].Reason)
	assert.True(t, cs[1].Changed)
	assert.Equal(t, StepCreateVM, cs[1].Step)
	var create Step
	for _, s := range job.Steps {
		if s.Name == StepCreateVM {
			create = s
		}
	}
	assert.Equal(t, 2, create.Attempts)

	var rejected int
	for _, c := range f.lab.Cloud.Calls() {
		if c.HTTPStatus == 401 {
			rejected++
		}
	}
	assert.Equal(t, 1, rejected, "exactly one call was refused before the retry")
	var changed bool
	for _, ev := range events {
		changed = changed || ev.Type == EventCredentialsChanged
	}
	assert.True(t, changed, "observers are told")
	f.requireCleanAfterRollback(t, e, job.ID, vsphere.PoweredOn)
}

// A set that is wrong in the store (rejected, and unchanged on re-fetch) fails the step with
// the remedy instead of retrying forever.
func TestRejectedUnchangedCredentialsFailWithRemedy(t *testing.T) {
	t.Parallel()
	var f *fixture
	revoke := func(ctx context.Context, job *Job) error {
		_, err := f.lab.RotateCloudStack(f.lab.Sources[0].CloudAccount) // CloudStack only: the store keeps the old keys
		return err
	}
	f = newFixture(t, failovertest.Options{}, WithHook(PhaseBeforeCreate, revoke))

	job, err := f.engine.TestFailover(context.Background(), f.request(0))
	require.ErrorIs(t, err, fkerrors.Unauthenticated)
	assert.Equal(t, StatusFailed, job.Status)
	assert.Equal(t, StepCreateVM, job.FailedStep)
	var ce *credentials.Error
	require.True(t, errors.As(err, &ce))
	assert.Contains(t, ce.Fix, uses(job, credentials.KindCloudStack)[0].Meta.Version, "the remedy names the set's version")

	// Compensation could not run with rejected keys: it says so and is not "completed".
	require.NotNil(t, job.Cleanup)
	assert.NotEqual(t, OutcomeCompleted, job.Cleanup.Outcome)

	// Once the operator stores the working keys, a rollback cleans up.
	set, err := f.lab.CloudStackSet(f.lab.Sources[0].CloudAccount)
	require.NoError(t, err)
	f.src.PutCloudStack(f.lab.Sources[0].CloudAccount, set)
	f.requireCleanAfterRollback(t, f.engine, job.ID, vsphere.PoweredOn)
}

// requireCleanAfterRollback rolls the job back and checks nothing is left.
func (f *fixture) requireCleanAfterRollback(t *testing.T, e *Engine, id string, power vsphere.PowerState, opts ...RollbackOption) {
	t.Helper()
	back, err := e.Rollback(context.Background(), id, opts...)
	require.NoError(t, err)
	assert.Equal(t, StatusRolledBack, back.Status)
	f.requireClean(t, f.sourceOf(back), power)
}

// The vCenter password rotated, and the session expired, in the middle of a live failover:
// the rejected step re-fetches the vCenter set, finds a new version, and retries once.
func TestVCenterRotationMidOperationRetriesStepOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	ctx := context.Background()
	f.engine.checkpoint = func(point string) error {
		if point == "before "+string(StepPowerOffSource) {
			f.src.PutVSphere(vcAccount, f.lab.RotateVCenterPassword())
			return f.lab.ExpireVCenterSessions(ctx)
		}
		return nil
	}
	job, err := f.engine.LiveFailover(ctx, f.request(0))
	require.NoError(t, err)
	assert.Equal(t, StatusSucceeded, job.Status)

	vc := uses(job, credentials.KindVSphere)
	require.Len(t, vc, 2)
	assert.Equal(t, StepPowerOffSource, vc[1].Step)
	assert.True(t, vc[1].Changed)
	assert.NotEqual(t, vc[0].Meta.Fingerprint, vc[1].Meta.Fingerprint)
	f.engine.checkpoint = nil
	f.requireCleanAfterRollback(t, f.engine, job.ID, vsphere.PoweredOn, PowerOnSource())
}
