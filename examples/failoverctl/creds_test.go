package main

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials/database"
)

// TestCredsCheckFollowsRotation checks sets stored in an appliance database: good ones pass,
// keys rotated in CloudStack but not in the database fail with the remedy and exit 3, and
// storing the new keys makes the very next check pass - no restart of anything.
func TestCredsCheckFollowsRotation(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	ctx := context.Background()

	o := cli(t, nil, f.flags("creds", "check")...)
	require.Equal(t, exitOK, o.code)
	assert.Contains(t, o.stdout, "ok      cloudstack default ("+testCloud+"): account "+testCloud+" at "+f.lab.Cloud.URL())
	assert.Contains(t, o.stdout, "ok      vsphere default ("+testVCenter+"): "+f.lab.VSphereSet().Username+"@")
	assert.Contains(t, o.stdout, "database account "+testCloud+" (ossea_configs id=1) version ")
	requireNoSecret(t, o, f.secrets(t))

	o = cli(t, nil, f.flags("creds", "check", "--json")...)
	require.Equal(t, exitOK, o.code)
	_, res := o.jsonLines(t)
	require.Len(t, res.Checks, 2)
	for _, c := range res.Checks {
		assert.True(t, c.OK, "%s %s", c.Kind, c.Account)
		assert.NotEmpty(t, c.Meta.Fingerprint)
		assert.NotEmpty(t, c.Identity)
	}
	oldFingerprint := res.Checks[0].Meta.Fingerprint
	requireNoSecret(t, o, f.secrets(t))

	// Rotated in CloudStack, the database still holds the old keys.
	oldSecrets := f.secrets(t)
	rotated, err := f.lab.RotateCloudStack(testCloud)
	require.NoError(t, err)
	o = cli(t, nil, f.flags("creds", "check")...)
	require.Equal(t, exitCredentials, o.code)
	assert.Contains(t, o.stdout, "FAILED  cloudstack default ("+testCloud+")")
	assert.Contains(t, o.stdout, "ok      vsphere default", "the vCenter set is unaffected")
	assert.Contains(t, o.stderr, "CloudStack rejected the API key")
	assert.Contains(t, o.stderr, "\nfix: the keys of database account "+testCloud, "the remedy names the set to fix")
	requireNoSecret(t, o, append(oldSecrets, f.secrets(t)...))

	o = cli(t, nil, f.flags("creds", "check", "--json", "--cloudstack-account", testCloud)...)
	require.Equal(t, exitCredentials, o.code)
	_, res = o.jsonLines(t)
	require.Len(t, res.Checks, 1, "only the set asked for")
	assert.False(t, res.Checks[0].OK)
	assert.Contains(t, res.Checks[0].Remedy, "store the account's current API key")
	assert.Equal(t, exitCredentials, res.ExitCode)

	// The operator stores the new keys: the next check uses them.
	require.NoError(t, f.writer.RotateCloudStackKeys(ctx, testCloud, rotated.APIKey, rotated.SecretKey))
	o = cli(t, nil, f.flags("creds", "check", "--json")...)
	require.Equal(t, exitOK, o.code)
	_, res = o.jsonLines(t)
	assert.NotEqual(t, oldFingerprint, res.Checks[0].Meta.Fingerprint, "the new keys were used")

	// The same for the vCenter password.
	f.lab.RotateVCenterPassword()
	o = cli(t, nil, f.flags("creds", "check")...)
	require.Equal(t, exitCredentials, o.code)
	assert.Contains(t, o.stdout, "FAILED  vsphere default")
	assert.Contains(t, o.stderr, "\nfix: ")
	require.NoError(t, f.writer.RotateVSpherePassword(ctx, testVCenter, f.lab.VSphereSet().Password))
	o = cli(t, nil, f.flags("creds", "check")...)
	require.Equal(t, exitOK, o.code)
	requireNoSecret(t, o, append(oldSecrets, f.secrets(t)...))
}

func TestCredsCheckSourceProblems(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	for _, tc := range []struct {
		name   string
		args   []string
		env    []string
		stdout string
		remedy string
	}{
		{
			// The writer stored the CloudStack keys encrypted, as the appliance does with a key.
			name:   "no key",
			args:   []string{"creds", "check", "--db", f.dbPath, "--store", f.store},
			stdout: "FAILED  cloudstack default",
			remedy: database.KeyEnv,
		},
		{
			name:   "key from the environment",
			args:   []string{"creds", "check", "--db", f.dbPath, "--store", f.store},
			env:    []string{database.KeyEnv + "=" + readKey(t, f.keyPath)},
			stdout: "ok      vsphere default",
		},
		{
			name:   "no database file",
			args:   []string{"creds", "check", "--db", f.dir + "/missing.db", "--store", f.store},
			remedy: "pass --db the path of an existing database file",
		},
		{
			name:   "unknown account",
			args:   f.flags("creds", "check", "--vcenter-account", "nobody"),
			remedy: "nobody",
		},
		{
			name:   "environment without variables",
			args:   []string{"creds", "check", "--env", "--store", f.store},
			remedy: "CLOUDSTACK_API_URL",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := cli(t, tc.env, tc.args...)
			assert.Contains(t, o.stdout, tc.stdout)
			if tc.name == "key from the environment" {
				assert.Equal(t, exitOK, o.code)
				return
			}
			assert.Equal(t, exitCredentials, o.code)
			assert.Contains(t, o.stderr, "\nfix: ")
			assert.Contains(t, o.stderr, tc.remedy)
			requireNoSecret(t, o, f.secrets(t))
		})
	}
}

// TestCredsCheckReportsSeveralActiveConfigurations: the appliance can hold several active
// CloudStack configurations and uses the lowest id; the check passes, says so under the
// default set, and checks the other active configurations by name - not the deleted ones.
func TestCredsCheckReportsSeveralActiveConfigurations(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	ctx := context.Background()
	cs, err := f.lab.CloudStackSet(testCloud)
	require.NoError(t, err)
	for _, name := range []string{"second-config", "deleted-config"} {
		_, err = f.writer.PutCloudStack(ctx, name, cs)
		require.NoError(t, err)
	}
	require.NoError(t, f.writer.DeleteCloudStack(ctx, "deleted-config"))

	o := cli(t, nil, f.flags("creds", "check")...)
	require.Equal(t, exitOK, o.code, o.stderr)
	assert.Contains(t, o.stdout, "ok      cloudstack default ("+testCloud+")")
	assert.Contains(t, o.stdout, "warning: several active CloudStack configurations")
	assert.Contains(t, o.stdout, `"second-config" (id=2)`)
	assert.Contains(t, o.stdout, "ok      cloudstack second-config", "the other active configuration is checked by name")
	assert.NotContains(t, o.stdout, "cloudstack deleted-config", "a deleted configuration is not checked")

	o = cli(t, nil, f.flags("creds", "check", "--json")...)
	require.Equal(t, exitOK, o.code)
	_, res := o.jsonLines(t)
	require.NotEmpty(t, res.Checks)
	assert.True(t, res.Checks[0].OK)
	require.Len(t, res.Checks[0].Meta.Warnings, 1, "the JSON result carries the warning")
	assert.Contains(t, res.Checks[0].Meta.Warnings[0], "lowest id")
	requireNoSecret(t, o, f.secrets(t))
}

func readKey(t *testing.T, path string) string {
	t.Helper()
	key, err := readFileTrim(path)
	require.NoError(t, err)
	return key
}

// TestCredsCheckEnvironment checks every account the environment names: the default set and
// one named by suffix, each logged in to.
func TestCredsCheckEnvironment(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	cs, vc := f.sets(t)
	env := []string{
		"CLOUDSTACK_API_URL=" + cs.APIURL, "CLOUDSTACK_API_KEY=" + cs.APIKey.Reveal(), "CLOUDSTACK_SECRET_KEY=" + cs.SecretKey.Reveal(),
		"CLOUDSTACK_API_URL_PROD_EU=" + cs.APIURL, "CLOUDSTACK_API_KEY_PROD_EU=" + cs.APIKey.Reveal(),
		"CLOUDSTACK_SECRET_KEY_PROD_EU=" + cs.SecretKey.Reveal(),
		"VSPHERE_SERVER=" + vc.Host, "VSPHERE_USER=" + vc.Username, "VSPHERE_PASSWORD=" + vc.Password.Reveal(),
	}
	for _, suffix := range []string{"", "_PROD_EU"} {
		env = append(env, "CLOUDSTACK_ZONE"+suffix+"="+cs.Zone, "CLOUDSTACK_APPLIANCE_VM_ID"+suffix+"="+cs.ApplianceVMID,
			"CLOUDSTACK_TEMPLATE_ID"+suffix+"="+cs.TemplateID, "CLOUDSTACK_SERVICE_OFFERING_ID"+suffix+"="+cs.ServiceOfferingID)
	}
	o := cli(t, env, "creds", "check", "--env", "--json", "--store", f.store)
	require.Equal(t, exitOK, o.code, o.stderr)
	_, res := o.jsonLines(t)
	var got []string
	for _, c := range res.Checks {
		assert.True(t, c.OK, "%s %s: %s", c.Kind, c.Account, c.Error)
		assert.Equal(t, "env", c.Meta.Origin.Source)
		got = append(got, string(c.Kind)+" "+c.Account)
	}
	assert.Equal(t, []string{"cloudstack default", "cloudstack prod_eu", "vsphere default"}, got)
	requireNoSecret(t, o, f.secrets(t))
}

// TestCredsCheckFailsWhatAFailoverWouldReject: keys CloudStack accepts, stored without the
// appliance VM id and with a zone that does not exist, fail the check - exit code and one
// remedy per setting - as the test failover would fail its preflight.
func TestCredsCheckFailsWhatAFailoverWouldReject(t *testing.T) {
	t.Parallel()
	f := newLabDB(t)
	cs, err := f.lab.CloudStackSet(testCloud)
	require.NoError(t, err)
	env := []string{
		"CLOUDSTACK_API_URL=" + cs.APIURL, "CLOUDSTACK_API_KEY=" + cs.APIKey.Reveal(), "CLOUDSTACK_SECRET_KEY=" + cs.SecretKey.Reveal(),
		"CLOUDSTACK_ZONE=no-such-zone", "CLOUDSTACK_TEMPLATE_ID=" + cs.TemplateID, "CLOUDSTACK_SERVICE_OFFERING_ID=" + cs.ServiceOfferingID,
	}
	o := cli(t, env, "creds", "check", "--env", "--store", f.store)
	assert.NotEqual(t, exitOK, o.code)
	assert.Contains(t, o.stdout, "FAILED  cloudstack default")
	assert.Contains(t, o.stdout, "but settings a failover needs are wrong")
	assert.Contains(t, o.stderr, "setting appliance_vm_id: the appliance VM is not set")
	assert.Contains(t, o.stderr, "fix: fill in appliance_vm_id of env account default")
	assert.Contains(t, o.stderr, "setting zone:")
	assert.Contains(t, o.stderr, "fix: correct zone of env account default")
	requireNoSecret(t, o, f.secrets(t))
}
