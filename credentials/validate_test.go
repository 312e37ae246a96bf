package credentials_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func validCloudStack() credentials.CloudStack {
	return credentials.CloudStack{
		APIURL:    "https://cloud.example.invalid/client/api",
		APIKey:    credentials.NewSecret("fake-key"),
		SecretKey: credentials.NewSecret("fake-secret"),
		Zone:      "zone-1",
	}
}

func TestCloudStackCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mutate   func(*credentials.CloudStack)
		field    credentials.Field
		category error
	}{
		{"valid", func(*credentials.CloudStack) {}, "", nil},
		{"http url", func(c *credentials.CloudStack) { c.APIURL = "http://127.0.0.1:8080/client/api" }, "", nil},
		{"no url", func(c *credentials.CloudStack) { c.APIURL = "" }, credentials.FieldAPIURL, fkerrors.Incomplete},
		{"blank key", func(c *credentials.CloudStack) { c.APIKey = credentials.NewSecret("  ") }, credentials.FieldAPIKey, fkerrors.Incomplete},
		{"no secret", func(c *credentials.CloudStack) { c.SecretKey = credentials.Secret{} }, credentials.FieldSecretKey, fkerrors.Incomplete},
		{"padded secret", func(c *credentials.CloudStack) { c.SecretKey = credentials.NewSecret("fake\n") }, credentials.FieldSecretKey, fkerrors.Invalid},
		{"padded zone", func(c *credentials.CloudStack) { c.Zone = " z" }, credentials.FieldZone, fkerrors.Invalid},
		{"relative url", func(c *credentials.CloudStack) { c.APIURL = "cloud.example.invalid/client/api" }, credentials.FieldAPIURL, fkerrors.Invalid},
		{"ftp url", func(c *credentials.CloudStack) { c.APIURL = "ftp://cloud.example.invalid/" }, credentials.FieldAPIURL, fkerrors.Invalid},
		{"garbled url", func(c *credentials.CloudStack) { c.APIURL = "https://%zz" }, credentials.FieldAPIURL, fkerrors.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := validCloudStack()
			tt.mutate(&c)
			p := c.Check()
			if tt.category == nil {
				assert.Nil(t, p)
				return
			}
			require.NotNil(t, p)
			assert.Equal(t, tt.field, p.Field)
			assert.ErrorIs(t, p.Code, tt.category)
			assert.NotContains(t, p.Reason, "fake")
		})
	}
}

func TestVSphereCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		host     string
		user     string
		password string
		field    credentials.Field
		category error
	}{
		{"host name", "vc.example.invalid", "u", "p", "", nil},
		{"host and port", "vc.example.invalid:8443", "u", "p", "", nil},
		{"url", "https://vc.example.invalid/sdk", "u", "p", "", nil},
		{"no host", "", "u", "p", credentials.FieldHost, fkerrors.Incomplete},
		{"no user", "vc", "", "p", credentials.FieldUsername, fkerrors.Incomplete},
		{"no password", "vc", "u", "", credentials.FieldPassword, fkerrors.Incomplete},
		{"host with path", "vc/sdk", "u", "p", credentials.FieldHost, fkerrors.Invalid},
		{"host with user info", "user@vc", "u", "p", credentials.FieldHost, fkerrors.Invalid},
		{"bad scheme", "ftp://vc", "u", "p", credentials.FieldHost, fkerrors.Invalid},
		{"padded user", "vc", "u ", "p", credentials.FieldUsername, fkerrors.Invalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := credentials.VSphere{Host: tt.host, Username: tt.user, Password: credentials.NewSecret(tt.password)}
			p := v.Check()
			if tt.category == nil {
				assert.Nil(t, p)
				return
			}
			require.NotNil(t, p)
			assert.Equal(t, tt.field, p.Field)
			assert.ErrorIs(t, p.Code, tt.category)
		})
	}
}

func TestContentVersion(t *testing.T) {
	t.Parallel()
	a, b := validCloudStack(), validCloudStack()
	assert.Equal(t, a.ContentVersion(), b.ContentVersion())
	b.TemplateID = "t"
	assert.NotEqual(t, a.ContentVersion(), b.ContentVersion())
	// Length-prefixing keeps shifted boundaries apart.
	c, d := validCloudStack(), validCloudStack()
	c.Domain, c.Zone = "ab", "c"
	d.Domain, d.Zone = "a", "bc"
	assert.NotEqual(t, c.ContentVersion(), d.ContentVersion())
}
