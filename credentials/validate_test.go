package credentials_test

import (
	"strings"
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

// assertProblem checks a Check result: nil when category is nil, otherwise a problem of that
// field and category.
func assertProblem(t *testing.T, p *credentials.Problem, field credentials.Field, category error) {
	t.Helper()
	if category == nil {
		assert.Nil(t, p)
		return
	}
	require.NotNil(t, p)
	assert.Equal(t, field, p.Field)
	assert.ErrorIs(t, p.Code, category)
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
			assertProblem(t, p, tt.field, tt.category)
			if p != nil {
				assert.NotContains(t, p.Reason, "fake")
			}
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
			assertProblem(t, v.Check(), tt.field, tt.category)
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

func TestCheckFieldBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		field  credentials.Field
		value  string
		reason string // part of the reason; "" for an accepted value
	}{
		{"key of 255", credentials.FieldAPIKey, strings.Repeat("k", 255), ""},
		{"1 MiB key", credentials.FieldAPIKey, strings.Repeat("k", 1<<20), "api_key is 1048576 bytes, at most 255"},
		{"key with a space", credentials.FieldSecretKey, "fake key", "secret_key holds a space or a character outside printable ASCII at byte 4"},
		{"key with ESC", credentials.FieldSecretKey, "fake\x1b[2J", "secret_key holds a control character at byte 4"},
		{"key with non-ASCII", credentials.FieldAPIKey, "fakeé", "outside printable ASCII"},
		{"CloudStack key", credentials.FieldAPIKey, "Zm9vYmFy-_0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijk", ""},
		{"uuid id", credentials.FieldTemplateID, "6f1e2c3a-4b5d-4e6f-8a9b-0c1d2e3f4a5b", ""},
		{"long id", credentials.FieldNetworkID, strings.Repeat("n", 65), "network_id is 65 bytes, at most 64"},
		{"account id of 41", credentials.FieldAccountID, strings.Repeat("1", 41), "account_id is 41 bytes, at most 40"},
		{"url of 8000", credentials.FieldAPIURL, "https://c.example/" + strings.Repeat("a", 8000-18), ""},
		{"url of 8001", credentials.FieldAPIURL, "https://c.example/" + strings.Repeat("a", 8001-18), "api_url is 8001 bytes, at most 8000"},
		{"url with newline", credentials.FieldAPIURL, "https://c.example/\nx", "api_url holds a control character at byte 18"},
		{"unicode zone name", credentials.FieldZone, "Zürich 1", ""},
		{"name of 256", credentials.FieldDatacenter, strings.Repeat("d", 256), "datacenter is 256 bytes, at most 255"},
		{"name with NUL", credentials.FieldUsername, "admin\x00", "username holds a control character at byte 5"},
		{"name with bidi override", credentials.FieldZone, "zone\u202e1", "zone holds a bidirectional-text control at byte 4"},
		{"name with invalid UTF-8", credentials.FieldDomain, "ROOT\xff", "domain is not valid UTF-8 (at byte 4)"},
		{"name with U+FFFD", credentials.FieldDomain, "ROOT\uFFFD", ""},
		{"password with spaces and unicode", credentials.FieldPassword, "pass wörd €", ""},
		{"password of 1025", credentials.FieldPassword, strings.Repeat("p", 1025), "password is 1025 bytes, at most 1024"},
		{"password with BEL", credentials.FieldPassword, "pass\aword", "password holds a control character at byte 4"},
		{"password with DEL", credentials.FieldPassword, "pass\x7fword", "password holds a control character at byte 4"},
		{"empty", credentials.FieldAPIKey, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := credentials.CheckField(tt.field, tt.value)
			if tt.reason == "" {
				assert.Nil(t, p)
				return
			}
			assertProblem(t, p, tt.field, fkerrors.Invalid)
			assert.Contains(t, p.Reason, tt.reason)
			assert.NotContains(t, p.Reason, tt.value, "the reason never holds the value")
		})
	}
}

func TestVSphereCheckHostBounds(t *testing.T) {
	t.Parallel()
	label63 := strings.Repeat("a", 63)
	tests := []struct {
		name string
		host string
		ok   bool
	}{
		{"labels of 63", label63 + "." + label63 + ".example", true},
		{"label of 64", strings.Repeat("a", 64) + ".example", false},
		{"name of 254", strings.Repeat(label63+".", 3) + strings.Repeat("b", 62), false},
		{"url with a label of 64", "https://" + strings.Repeat("a", 64) + ".example/sdk", false},
		{"ipv4 and port", "127.0.0.1:8989", true},
		{"ipv6 url", "https://[::1]:8989/sdk", true},
		{"empty label", "vc..example", false},
		{"trailing dot", "vc.example.", true},
		{"escape", "vc\x1b.example", false},
		{"underscore", "vc_1.example", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := credentials.VSphere{Host: tt.host, Username: "u", Password: credentials.NewSecret("p")}
			var category error = fkerrors.Invalid
			if tt.ok {
				category = nil
			}
			assertProblem(t, v.Check(), credentials.FieldHost, category)
		})
	}
}
