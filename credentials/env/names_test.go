package env_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/env"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

// The documented names, spelled out rather than derived, so that a change to them fails here.
var documentedNames = []struct {
	kind  credentials.Kind
	field credentials.Field
	name  string
}{
	{credentials.KindCloudStack, credentials.FieldAPIURL, "CLOUDSTACK_API_URL"},
	{credentials.KindCloudStack, credentials.FieldAPIKey, "CLOUDSTACK_API_KEY"},
	{credentials.KindCloudStack, credentials.FieldSecretKey, "CLOUDSTACK_SECRET_KEY"},
	{credentials.KindCloudStack, credentials.FieldDomain, "CLOUDSTACK_DOMAIN"},
	{credentials.KindCloudStack, credentials.FieldZone, "CLOUDSTACK_ZONE"},
	{credentials.KindCloudStack, credentials.FieldApplianceVMID, "CLOUDSTACK_APPLIANCE_VM_ID"},
	{credentials.KindCloudStack, credentials.FieldTemplateID, "CLOUDSTACK_TEMPLATE_ID"},
	{credentials.KindCloudStack, credentials.FieldNetworkID, "CLOUDSTACK_NETWORK_ID"},
	{credentials.KindCloudStack, credentials.FieldServiceOfferingID, "CLOUDSTACK_SERVICE_OFFERING_ID"},
	{credentials.KindCloudStack, credentials.FieldDiskOfferingID, "CLOUDSTACK_DISK_OFFERING_ID"},
	{credentials.KindCloudStack, env.FieldInsecureSkipVerify, "CLOUDSTACK_ALLOW_UNVERIFIED_SSL"},
	{credentials.KindVSphere, credentials.FieldHost, "VSPHERE_SERVER"},
	{credentials.KindVSphere, credentials.FieldUsername, "VSPHERE_USER"},
	{credentials.KindVSphere, credentials.FieldPassword, "VSPHERE_PASSWORD"},
	{credentials.KindVSphere, credentials.FieldDatacenter, "VSPHERE_DATACENTER"},
	{credentials.KindVSphere, env.FieldInsecureSkipVerify, "VSPHERE_ALLOW_UNVERIFIED_SSL"},
}

func TestName(t *testing.T) {
	t.Parallel()
	for _, tc := range documentedNames {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := env.Name(tc.kind, tc.field, "")
			require.NoError(t, err)
			assert.Equal(t, tc.name, got)

			got, err = env.Name(tc.kind, tc.field, "prod-eu")
			require.NoError(t, err)
			assert.Equal(t, tc.name+"_PROD_EU", got)
		})
	}
}

func TestNameRejectsUnknownFieldAndBadAccount(t *testing.T) {
	t.Parallel()
	_, err := env.Name(credentials.KindVSphere, credentials.FieldAPIKey, "")
	require.ErrorIs(t, err, fkerrors.Invalid)
	_, err = env.Name(credentials.Kind("other"), credentials.FieldHost, "")
	require.ErrorIs(t, err, fkerrors.Invalid)
	_, err = env.Name(credentials.KindVSphere, credentials.FieldHost, "--")
	require.ErrorIs(t, err, fkerrors.Invalid)
}

func TestAccountSuffix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		account string
		want    string // "" with ok false means rejected
		ok      bool
	}{
		{"", "", true},
		{"prod", "_PROD", true},
		{"PROD", "_PROD", true},
		{"Prod-EU", "_PROD_EU", true},
		{"prod.eu", "_PROD_EU", true},
		{"prod eu", "_PROD_EU", true},
		{"7", "_7", true},
		{"a1b2", "_A1B2", true},
		{"zürich1", "_Z_RICH1", true},
		{"profile", "_PROFILE", true},
		{"file1", "_FILE1", true},
		{"filed", "_FILED", true},
		{"-", "", false},
		{"---", "", false},
		{"ü", "", false},
		{"-prod", "", false},
		{"prod-", "", false},
		{" prod", "", false},
		{"prod\n", "", false},
		{"a--b", "", false},
		{"a-.b", "", false},
		{"file", "", false},
		{"File", "", false},
		{"prod_file", "", false},
		{"prod-FILE", "", false},
		{"prodü", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.account, func(t *testing.T) {
			t.Parallel()
			got, err := env.AccountSuffix(tc.account)
			if tc.ok {
				require.NoError(t, err)
				assert.Equal(t, tc.want, got)
				return
			}
			require.ErrorIs(t, err, fkerrors.Invalid)
			var e *credentials.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.account, e.Account)
			assert.NotEmpty(t, e.Fix)
		})
	}
}

// TestNamesDoNotCollide checks the property the suffix scheme relies on: no two (kind,
// field, account, file variant) combinations that AccountSuffix accepts share a variable.
func TestNamesDoNotCollide(t *testing.T) {
	t.Parallel()
	accounts := []string{"", "prod", "key", "id", "url", "ssl", "user", "password", "api-key",
		"secret-key", "offering-id", "vm-id", "verified-ssl", "unverified-ssl", "file1", "filed",
		"prod-eu", "eu", "7", "server", "datacenter", "zone", "domain"}
	type owner struct {
		field   credentials.Field
		account string
		file    bool
	}
	seen := map[string]owner{}
	for _, a := range accounts {
		suffix, err := env.AccountSuffix(a)
		require.NoError(t, err)
		for _, tc := range documentedNames {
			name, err := env.Name(tc.kind, tc.field, a)
			require.NoError(t, err)
			require.Equal(t, tc.name+suffix, name)
			for _, file := range []bool{false, true} {
				n := name
				if file {
					n += env.FileSuffix
				}
				o := owner{tc.field, strings.ToUpper(suffix), file}
				if prev, ok := seen[n]; ok && prev != o {
					t.Errorf("%s is both %+v and %+v", n, prev, o)
				}
				seen[n] = o
			}
		}
	}
}
