package vault_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/vault"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// newSource builds a source against f that reads the fake's clock and logs into logs.
func newSource(t *testing.T, f *fakeVault, logs *testkit.LogBuffer, opts ...vault.Option) *credentials.Provider {
	t.Helper()
	base := []vault.Option{
		vault.WithAddress(f.addr()), vault.WithMaxRetries(0), vault.WithClock(f.clock.Now),
		vault.WithLogger(logs.Logger()),
	}
	src, err := vault.New(append(base, opts...)...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = src.Close() })
	return src
}

func writeFile(t *testing.T, name, value string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(value+"\n"), 0o600))
	return p
}

// cloudStackSet stores a complete CloudStack set for account and returns its values.
func cloudStackSet(t *testing.T, f *fakeVault, account string) map[string]any {
	t.Helper()
	tag := testkit.RandomHex(4)
	data := map[string]any{
		"api_url":             "https://cloud-" + tag + ".example.invalid/client/api",
		"api_key":             "fake-apikey-" + tag,
		"secret_key":          "fake-secretkey-" + tag,
		"domain":              "ROOT",
		"zone":                "zone-" + tag,
		"appliance_vm_id":     "appliance-" + tag,
		"template_id":         "template-" + tag,
		"network_id":          "network-" + tag,
		"service_offering_id": "offering-" + tag,
		"disk_offering_id":    "disk-" + tag,
	}
	f.put("failoverkit/cloudstack/"+account, data)
	return data
}

// requireCategory checks err's category and that it is a vault *credentials.Error whose
// message includes its remedy.
func requireCategory(t *testing.T, err error, category error) *credentials.Error {
	t.Helper()
	e := testkit.RequireErrorAs[*credentials.Error](t, err, category)
	assert.NotEmpty(t, e.Fix)
	assert.Contains(t, err.Error(), e.Fix)
	assert.Equal(t, "vault", e.Source)
	return e
}

func assertNoneIn(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" {
			assert.NotContains(t, text, s)
		}
	}
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	t.Setenv(api.EnvVaultAddress, "")
	approle := vault.AppRole{RoleID: "fake-role", SecretIDEnv: "FAKE_SECRET_ID"}
	tests := []struct {
		name     string
		opts     []vault.Option
		contains string
	}{
		{"no address", []vault.Option{vault.WithToken("fake-token")}, "WithAddress"},
		{"no auth", []vault.Option{vault.WithAddress("http://127.0.0.1:1")}, "no auth method"},
		{"two auths", []vault.Option{vault.WithAddress("http://127.0.0.1:1"), vault.WithToken("fake-token"), vault.WithAppRole(approle)}, "more than one"},
		{"empty token", []vault.Option{vault.WithAddress("http://127.0.0.1:1"), vault.WithToken("")}, "token given is empty"},
		{"template without account", []vault.Option{vault.WithAddress("http://127.0.0.1:1"), vault.WithToken("fake-token"), vault.WithPathTemplate("x/{kind}")}, "{account}"},
		{"template without kind", []vault.Option{vault.WithAddress("http://127.0.0.1:1"), vault.WithToken("fake-token"), vault.WithPathTemplate("x/{account}")}, "{kind}"},
		{"empty mount", []vault.Option{vault.WithAddress("http://127.0.0.1:1"), vault.WithToken("fake-token"), vault.WithMount("/")}, "WithMount"},
		{"bad default account", []vault.Option{vault.WithAddress("http://127.0.0.1:1"), vault.WithToken("fake-token"), vault.WithDefaultAccount("a/b")}, "WithDefaultAccount"},
		{"approle without secret id", []vault.Option{vault.WithAddress("http://127.0.0.1:1"), vault.WithAppRole(vault.AppRole{RoleID: "fake-role"})}, "SecretIDFile"},
		{"approle with two role ids", []vault.Option{vault.WithAddress("http://127.0.0.1:1"),
			vault.WithAppRole(vault.AppRole{RoleID: "fake-role", RoleIDEnv: "FAKE_ROLE", SecretIDEnv: "FAKE_SECRET_ID"})}, "exactly one of RoleID"},
		{"zero timeout", []vault.Option{vault.WithAddress("http://127.0.0.1:1"), vault.WithToken("fake-token"), vault.WithTimeout(0)}, "WithTimeout"},
		{"negative retries", []vault.Option{vault.WithAddress("http://127.0.0.1:1"), vault.WithToken("fake-token"), vault.WithMaxRetries(-1)}, "WithMaxRetries"},
		{"bad CA file", []vault.Option{vault.WithAddress("https://127.0.0.1:1"), vault.WithToken("fake-token"),
			vault.WithTLS(api.TLSConfig{CACert: "/nonexistent/ca.pem"})}, "WithTLS"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, err := vault.New(tt.opts...)
			assert.Nil(t, src)
			requireCategory(t, err, fkerrors.Invalid)
			assert.Contains(t, err.Error(), tt.contains)
			assert.NotContains(t, err.Error(), "fake-token")
		})
	}
}

func TestNewUsesVaultAddrFromEnvironment(t *testing.T) {
	f := newFakeVault(t)
	root := f.issue(t, 0, false, []string{"root"}, "*")
	data := cloudStackSet(t, f, "default")
	t.Setenv(api.EnvVaultAddress, f.addr())
	t.Setenv(api.EnvVaultToken, "fake-ignored-"+testkit.RandomHex(4))

	src, err := vault.New(vault.WithToken(root), vault.WithMaxRetries(0))
	require.NoError(t, err)
	defer src.Close()
	fetchOK(t, src, data)
}

func TestKeysFillFields(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	root := f.issue(t, 0, false, []string{"root"}, "*")
	src := newSource(t, f, &testkit.LogBuffer{}, vault.WithToken(root))
	ctx := context.Background()

	cs := cloudStackSet(t, f, "prod")
	f.put("failoverkit/cloudstack/insecure", map[string]any{
		"api_url": "https://cloud.example.invalid/client/api", "api_key": "fake-k", "secret_key": "fake-s",
		"allow_unverified_ssl": "true",
	})
	f.put("failoverkit/vsphere/prod", map[string]any{
		"server": "vc.example.invalid", "user": "fake-user", "password": "fake-password",
		"datacenter": "dc1", "allow_unverified_ssl": true,
	})

	c, err := src.CloudStack(ctx, credentials.Account("prod"))
	require.NoError(t, err)
	assert.Equal(t, credentials.CloudStack{
		APIURL: cs["api_url"].(string), APIKey: credentials.NewSecret(cs["api_key"].(string)),
		SecretKey: credentials.NewSecret(cs["secret_key"].(string)), Domain: "ROOT", Zone: cs["zone"].(string),
		ApplianceVMID: cs["appliance_vm_id"].(string), TemplateID: cs["template_id"].(string),
		NetworkID: cs["network_id"].(string), ServiceOfferingID: cs["service_offering_id"].(string),
		DiskOfferingID: cs["disk_offering_id"].(string), Meta: c.Meta,
	}, c)
	assert.False(t, c.InsecureSkipVerify, "verification stays on unless the secret says otherwise")
	assert.Equal(t, credentials.Origin{Source: "vault", Account: "prod", Location: "mount secret path failoverkit/cloudstack/prod version 1"}, c.Origin)
	assert.Equal(t, "1", c.Version)
	assert.Equal(t, f.clock.Now(), c.FetchedAt)

	c, err = src.CloudStack(ctx, credentials.Account("insecure"))
	require.NoError(t, err)
	assert.True(t, c.InsecureSkipVerify)

	v, err := src.VSphere(ctx, credentials.Account("prod"))
	require.NoError(t, err)
	assert.Equal(t, "vc.example.invalid", v.Host)
	assert.Equal(t, "fake-user", v.Username)
	assert.Equal(t, "fake-password", v.Password.Reveal())
	assert.Equal(t, "dc1", v.Datacenter)
	assert.True(t, v.InsecureSkipVerify)
}

func TestPathTemplateAndDefaultAccount(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	root := f.issue(t, 0, false, []string{"root"}, "*")
	f.mount = "ops-kv"
	data := map[string]any{"server": "vc.example.invalid", "user": "fake-user", "password": "fake-password"}
	f.put("teams/migration/vsphere/main", data)

	tests := []struct {
		name string
		opts []vault.Option
		ref  credentials.Ref
	}{
		{"prefix, default", []vault.Option{vault.WithPathTemplate("teams/migration" + "/{kind}/{account}"), vault.WithDefaultAccount("main")}, credentials.Ref{}},
		{"template, named", []vault.Option{vault.WithPathTemplate("teams/migration/{kind}/{account}")}, credentials.Account("main")},
		{"id as account", []vault.Option{vault.WithPathTemplate("teams/migration" + "/{kind}/{account}")}, credentials.Ref{ID: "main"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := newSource(t, f, &testkit.LogBuffer{}, append(tt.opts, vault.WithToken(root), vault.WithMount("ops-kv"))...)
			v, err := src.VSphere(context.Background(), tt.ref)
			require.NoError(t, err)
			assert.Equal(t, "main", v.Origin.Account)
			assert.Equal(t, "mount ops-kv path teams/migration/vsphere/main version 1", v.Origin.Location)
		})
	}
}

func TestAllowDefaultFallsBackWithWarning(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	root := f.issue(t, 0, false, []string{"root"}, "*")
	data := cloudStackSet(t, f, "default")
	logs := &testkit.LogBuffer{}
	src := newSource(t, f, logs, vault.WithToken(root))

	_, err := src.CloudStack(context.Background(), credentials.Account("nope"))
	requireCategory(t, err, fkerrors.NotFound)
	c, err := src.CloudStack(context.Background(), credentials.Account("nope").OrDefault())
	require.NoError(t, err)
	assert.Equal(t, data["api_key"], c.APIKey.Reveal())
	assert.Equal(t, "default", c.Origin.Account)
	assert.Contains(t, logs.String(), "level=WARN")
	assert.Contains(t, logs.String(), "account=nope")
}

func TestCloseEndsTheSource(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	root := f.issue(t, 0, false, []string{"root"}, "*")
	cloudStackSet(t, f, "default")
	src := newSource(t, f, &testkit.LogBuffer{}, vault.WithToken(root))
	_, err := src.CloudStack(context.Background(), credentials.Ref{})
	require.NoError(t, err)

	require.NoError(t, src.Close())
	require.NoError(t, src.Close(), "Close is idempotent")
	_, err = src.CloudStack(context.Background(), credentials.Ref{})
	requireCategory(t, err, fkerrors.Unavailable)
	assert.Contains(t, err.Error(), "closed")
}

func TestCancelledWhileWaitingForLogin(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	cloudStackSet(t, f, "default")
	f.loginEntered = make(chan struct{}, 1)
	f.loginRelease = make(chan struct{})
	src := newSource(t, f, &testkit.LogBuffer{}, vault.WithAppRole(vault.AppRole{RoleID: f.roleID, SecretIDFile: writeFile(t, "sid", f.secretID)}))

	// The first caller holds the login; the second waits for it and gives up with its context.
	firstDone := make(chan error, 1)
	go func() {
		_, err := src.CloudStack(context.Background(), credentials.Ref{})
		firstDone <- err
	}()
	<-f.loginEntered

	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := src.CloudStack(ctx, credentials.Ref{})
	require.Error(t, err)
	assert.ErrorIs(t, err, context.DeadlineExceeded)

	close(f.loginRelease)
	require.NoError(t, <-firstDone, "the login the second caller waited for completes")
	assert.Equal(t, 1, f.hitCount("login"))
}

func TestAllowUnverifiedSSLSpellings(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	root := f.issue(t, 0, false, []string{"root"}, "*")
	src := newSource(t, f, &testkit.LogBuffer{}, vault.WithToken(root))
	tests := []struct {
		value any
		want  bool
		valid bool
	}{
		{true, true, true}, {false, false, true}, {"true", true, true}, {"YES", true, true}, {"1", true, true},
		{"False", false, true}, {"no", false, true}, {"0", false, true},
		{" true", false, false}, {"on", false, false}, {"", false, true}, {1.5, false, false},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprintf("%v", tt.value), func(t *testing.T) {
			account := fmt.Sprintf("flag%d", i)
			f.put("failoverkit/vsphere/"+account, map[string]any{
				"server": "vc.example.invalid", "user": "fake-user", "password": "fake-password", "allow_unverified_ssl": tt.value})
			v, err := src.VSphere(context.Background(), credentials.Account(account))
			if !tt.valid {
				e := requireCategory(t, err, fkerrors.Invalid)
				assert.Equal(t, vault.FieldInsecureSkipVerify, e.Field)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, v.InsecureSkipVerify)
		})
	}
}

func TestAddressUserInfoStaysOutOfErrors(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	root := f.issue(t, 0, false, []string{"root"}, "*")
	f.srv.Close()
	password := "fake-pass-" + testkit.RandomHex(4)
	addr := strings.Replace(f.addr(), "http://", "http://fake-user:"+password+"@", 1)
	src, err := vault.New(vault.WithAddress(addr), vault.WithToken(root), vault.WithMaxRetries(0))
	require.NoError(t, err)
	defer src.Close()
	_, err = src.CloudStack(context.Background(), credentials.Ref{})
	requireCategory(t, err, fkerrors.Unavailable)
	assert.Contains(t, err.Error(), strings.TrimPrefix(f.addr(), "http://"))
	assertNoneIn(t, fmt.Sprintf("%v %+v", err, err), password, root)
}

// countingTransport counts the requests sent through it.
type countingTransport struct {
	n    atomic.Int64
	next http.RoundTripper
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.next.RoundTrip(r)
}

func TestNamespaceAndHTTPClient(t *testing.T) {
	t.Parallel()
	f := newFakeVault(t)
	root := f.issue(t, 0, false, []string{"root"}, "*")
	data := cloudStackSet(t, f, "default")
	transport := &countingTransport{next: http.DefaultTransport}
	src := newSource(t, f, &testkit.LogBuffer{}, vault.WithToken(root), vault.WithNamespace("team-a"),
		vault.WithHTTPClient(&http.Client{Transport: transport}))
	fetchOK(t, src, data)
	assert.Equal(t, int64(2), transport.n.Load(), "the token's self-lookup and the read go through the given client")
	f.mu.Lock()
	assert.Equal(t, "team-a", f.namespace)
	f.mu.Unlock()
}
