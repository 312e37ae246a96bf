package failover

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/failover/failovertest"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/vsphere"
)

func TestPlanChangesNothingAndMatchesTheRun(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	ctx := context.Background()
	before := f.lab.Cloud.State()

	plan, err := f.engine.Plan(ctx, KindLiveFailover, f.request(0))
	require.NoError(t, err)
	after := f.lab.Cloud.State()
	assert.Equal(t, before.VMs, after.VMs)
	assert.Equal(t, before.Volumes, after.Volumes)
	assert.Equal(t, before.Snapshots, after.Snapshots)
	for _, c := range f.lab.Cloud.Calls() {
		assert.Contains(t, []string{"listVolumes", "listZones", "listTemplates", "listNetworks", "listServiceOfferings"}, c.Command,
			"a plan only reads")
	}
	jobs, err := f.engine.Jobs(ctx, JobFilter{})
	require.NoError(t, err)
	assert.Empty(t, jobs, "a plan records no job")
	power, err := f.lab.PowerState(f.lab.Sources[0].Name)
	require.NoError(t, err)
	assert.Equal(t, vsphere.PoweredOn, power)
	assert.Len(t, plan.Credentials, 2)

	f.lab.Cloud.ResetCalls()
	job, err := f.engine.LiveFailover(ctx, f.request(0))
	require.NoError(t, err)
	var planned []StepName
	want := map[string]int{}
	for _, s := range plan.Steps {
		planned = append(planned, s.Name)
		for _, c := range s.Calls {
			if cmd, _, _ := strings.Cut(c, " "); !strings.HasSuffix(cmd, ":") && cmd != "caller" {
				want[cmd]++
			}
		}
	}
	assert.Equal(t, f.stepNames(job), planned, "the plan lists the steps the flow runs")
	made := map[string]int{}
	for _, c := range f.lab.Cloud.Calls() {
		if !strings.HasPrefix(c.Command, "list") && c.Command != "queryAsyncJobResult" {
			made[c.Command]++
		}
	}
	assert.Equal(t, want, made, "the plan lists the changing calls the flow makes")
	var snapshots int
	for _, s := range plan.Steps {
		if s.Name == StepSnapshotVolumes {
			snapshots = len(s.Calls)
		}
	}
	assert.Equal(t, len(f.lab.Sources[0].VolumeIDs), snapshots)
	f.requireCleanAfterRollback(t, f.engine, job.ID, vsphere.PoweredOn, PowerOnSource())
}

func TestPlanFailsLikePreflight(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	f.src.Remove(credentials.KindVSphere, vcAccount)
	_, err := f.engine.Plan(context.Background(), KindTestFailover, f.request(0))
	require.ErrorIs(t, err, fkerrors.NotFound)
	assert.NotEmpty(t, fkerrors.Remedy(err))
	_, err = f.engine.Plan(context.Background(), Kind("sideways"), f.request(0))
	require.ErrorIs(t, err, ErrInvalidRequest)
}

func TestCheckCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	ctx := context.Background()
	cs := credentials.Account(f.lab.Sources[0].CloudAccount)
	vc := credentials.Account(vcAccount)

	checks, err := f.engine.CheckCredentials(ctx, []credentials.Ref{cs, credentials.Account("nobody")}, []credentials.Ref{vc})
	require.NoError(t, err)
	require.Len(t, checks, 3)
	assert.True(t, checks[0].OK, checks[0].Error)
	assert.Contains(t, checks[0].Identity, f.lab.Sources[0].CloudAccount)
	assert.NotEmpty(t, checks[0].Meta.Fingerprint)
	assert.False(t, checks[1].OK)
	assert.NotEmpty(t, checks[1].Remedy)
	assert.True(t, checks[2].OK, checks[2].Error)
	assert.Contains(t, checks[2].Identity, "@")

	// Rotated away behind the store's back: both fail with a remedy naming the set.
	_, err = f.lab.RotateCloudStack(f.lab.Sources[0].CloudAccount)
	require.NoError(t, err)
	f.lab.RotateVCenterPassword()
	checks, err = f.engine.CheckCredentials(ctx, []credentials.Ref{cs}, []credentials.Ref{vc})
	require.NoError(t, err)
	for _, c := range checks {
		assert.False(t, c.OK, "%s accepted stale credentials", c.Kind)
		assert.Contains(t, c.Remedy, c.Meta.Version, "the remedy names the set's version")
	}
	// The operator stores the new ones: good again, no restart.
	f.src.PutVSphere(vcAccount, f.lab.VSphereSet())
	set, err := f.lab.CloudStackSet(f.lab.Sources[0].CloudAccount)
	require.NoError(t, err)
	f.src.PutCloudStack(f.lab.Sources[0].CloudAccount, set)
	checks, err = f.engine.CheckCredentials(ctx, []credentials.Ref{cs}, []credentials.Ref{vc})
	require.NoError(t, err)
	for _, c := range checks {
		assert.True(t, c.OK, c.Error)
	}
}

// A set CloudStack accepts but whose stored settings would fail a failover's preflight - no
// appliance VM id, a zone or template that does not exist - does not pass the check, and each
// such setting says what to fix; a set whose settings are right passes with each one checked.
func TestCheckCredentialsChecksWhatAFailoverNeeds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, failovertest.Options{})
	ctx := context.Background()
	account := f.lab.Sources[0].CloudAccount
	good, err := f.lab.CloudStackSet(account)
	require.NoError(t, err)

	checks, err := f.engine.CheckCredentials(ctx, []credentials.Ref{credentials.Account(account)}, nil)
	require.NoError(t, err)
	require.True(t, checks[0].OK, checks[0].Error)
	require.Len(t, checks[0].Settings, 6)
	for _, s := range checks[0].Settings {
		assert.True(t, s.OK, "%s: %s", s.Field, s.Error)
		assert.NotEmpty(t, s.Value, s.Field)
	}

	const missing = "00000000-0000-4000-8000-0000000000ff"
	for name, tc := range map[string]struct {
		mutate func(*credentials.CloudStack)
		field  credentials.Field
	}{
		"no appliance VM":     {func(c *credentials.CloudStack) { c.ApplianceVMID = "" }, credentials.FieldApplianceVMID},
		"unknown appliance":   {func(c *credentials.CloudStack) { c.ApplianceVMID = missing }, credentials.FieldApplianceVMID},
		"unknown zone":        {func(c *credentials.CloudStack) { c.Zone = "no-such-zone" }, credentials.FieldZone},
		"unknown template":    {func(c *credentials.CloudStack) { c.TemplateID = missing }, credentials.FieldTemplateID},
		"unknown network":     {func(c *credentials.CloudStack) { c.NetworkID = missing }, credentials.FieldNetworkID},
		"unknown offering":    {func(c *credentials.CloudStack) { c.ServiceOfferingID = missing }, credentials.FieldServiceOfferingID},
		"no service offering": {func(c *credentials.CloudStack) { c.ServiceOfferingID = "" }, credentials.FieldServiceOfferingID},
	} {
		t.Run(name, func(t *testing.T) {
			set := good
			tc.mutate(&set)
			src := credentials.NewMemory(testLogger())
			src.PutCloudStack("broken", set)
			e, err := New(src, WithLogger(testLogger()), WithCloudStackOptions(fastPolls()...))
			require.NoError(t, err)
			defer e.Close(ctx)
			checks, err := e.CheckCredentials(ctx, []credentials.Ref{credentials.Account("broken")}, nil)
			require.NoError(t, err)
			c := checks[0]
			assert.False(t, c.OK, "a set a failover would reject does not pass")
			assert.NotEmpty(t, c.Identity, "the keys themselves work")
			var bad []credentials.Field
			for _, s := range c.Settings {
				if !s.OK {
					bad = append(bad, s.Field)
					assert.NotEmpty(t, s.Remedy, s.Field)
					assert.Contains(t, s.Remedy, string(s.Field))
				}
			}
			assert.Equal(t, []credentials.Field{tc.field}, bad)
			assert.Contains(t, c.Remedy, string(tc.field))
		})
	}
}
