package env_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/env"
	"github.com/ossea-migrate/failoverkit/fkerrors"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// cloudStackVars returns a complete CloudStack environment for account ("" = default) with
// fake values unique to tag.
func cloudStackVars(t *testing.T, account, tag string) map[string]string {
	t.Helper()
	values := map[credentials.Field]string{
		credentials.FieldAPIURL:            "https://" + tag + ".cloud.example.invalid/client/api",
		credentials.FieldAPIKey:            "fake-apikey-" + tag,
		credentials.FieldSecretKey:         "fake-secretkey-" + tag,
		credentials.FieldDomain:            "ROOT/" + tag,
		credentials.FieldZone:              "zone-" + tag,
		credentials.FieldApplianceVMID:     "appliance-" + tag,
		credentials.FieldTemplateID:        "template-" + tag,
		credentials.FieldNetworkID:         "network-" + tag,
		credentials.FieldServiceOfferingID: "offering-" + tag,
		credentials.FieldDiskOfferingID:    "disk-offering-" + tag,
		env.FieldInsecureSkipVerify:        "true",
	}
	return varsOf(t, credentials.KindCloudStack, account, values)
}

func vSphereVars(t *testing.T, account, tag string) map[string]string {
	t.Helper()
	values := map[credentials.Field]string{
		credentials.FieldHost:       "vc-" + tag + ".example.invalid",
		credentials.FieldUsername:   "fake-user-" + tag,
		credentials.FieldPassword:   "fake-password-" + tag,
		credentials.FieldDatacenter: "dc-" + tag,
		env.FieldInsecureSkipVerify: "yes",
	}
	return varsOf(t, credentials.KindVSphere, account, values)
}

func varsOf(t *testing.T, kind credentials.Kind, account string, values map[credentials.Field]string) map[string]string {
	t.Helper()
	vars := map[string]string{}
	for field, v := range values {
		name, err := env.Name(kind, field, account)
		require.NoError(t, err)
		vars[name] = v
	}
	return vars
}

func merge(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// fetch reads the set of kind through src and returns it as any, its Meta and the error.
func fetch(ctx context.Context, src *credentials.Provider, kind credentials.Kind, ref credentials.Ref) (any, credentials.Meta, error) {
	if kind == credentials.KindCloudStack {
		c, err := src.CloudStack(ctx, ref)
		return c, c.Meta, err
	}
	v, err := src.VSphere(ctx, ref)
	return v, v.Meta, err
}

// requireError checks the category and the detail, and that the message carries the remedy
// and none of the secrets.
func requireError(t *testing.T, err error, category error, secrets ...string) *credentials.Error {
	t.Helper()
	require.Error(t, err)
	require.ErrorIs(t, err, category, "error: %v", err)
	var e *credentials.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, "env", e.Source)
	assert.NotEmpty(t, e.Fix)
	assert.Contains(t, err.Error(), e.Fix)
	for _, s := range secrets {
		if s != "" {
			assert.NotContains(t, fmt.Sprintf("%v %+v %#v", err, err, e), s, "a secret leaked into the error")
		}
	}
	return e
}

func TestCloudStackReadsEveryVariable(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	m := newMapEnv(merge(cloudStackVars(t, "", "d"), cloudStackVars(t, "prod-eu", "p")))
	src := env.New(env.WithLookup(m.lookup), env.WithClock(func() time.Time { return at }))

	tests := []struct {
		ref     credentials.Ref
		tag     string
		account string
		suffix  string
	}{
		{credentials.Ref{}, "d", "default", ""},
		{credentials.Account("prod-eu"), "p", "prod-eu", "_PROD_EU"},
		{credentials.Account("PROD.EU"), "p", "PROD.EU", "_PROD_EU"},
		{credentials.Ref{ID: "prod-eu"}, "p", "id=prod-eu", "_PROD_EU"},
		{credentials.Ref{Name: "prod-eu", ID: "9"}, "p", "prod-eu (id=9)", "_PROD_EU"},
	}
	for _, tc := range tests {
		t.Run(tc.ref.String(), func(t *testing.T) {
			t.Parallel()
			c, err := src.CloudStack(context.Background(), tc.ref)
			require.NoError(t, err)
			assert.Equal(t, "https://"+tc.tag+".cloud.example.invalid/client/api", c.APIURL)
			assert.Equal(t, "fake-apikey-"+tc.tag, c.APIKey.Reveal())
			assert.Equal(t, "fake-secretkey-"+tc.tag, c.SecretKey.Reveal())
			assert.Equal(t, "ROOT/"+tc.tag, c.Domain)
			assert.Equal(t, "zone-"+tc.tag, c.Zone)
			assert.Equal(t, "appliance-"+tc.tag, c.ApplianceVMID)
			assert.Equal(t, "template-"+tc.tag, c.TemplateID)
			assert.Equal(t, "network-"+tc.tag, c.NetworkID)
			assert.Equal(t, "offering-"+tc.tag, c.ServiceOfferingID)
			assert.Equal(t, "disk-offering-"+tc.tag, c.DiskOfferingID)
			assert.True(t, c.InsecureSkipVerify)

			assert.Equal(t, "env", c.Origin.Source)
			assert.Equal(t, tc.account, c.Origin.Account)
			var names []string
			for _, n := range documentedNames {
				if n.kind == credentials.KindCloudStack {
					names = append(names, n.name+tc.suffix)
				}
			}
			assert.Equal(t, strings.Join(names, ", "), c.Origin.Location)
			assert.Equal(t, c.ContentVersion(), c.Version)
			assert.Equal(t, c.SecretKey.Fingerprint(), c.Fingerprint)
			assert.Equal(t, at, c.FetchedAt)
		})
	}
}

func TestVSphereReadsEveryVariable(t *testing.T) {
	t.Parallel()
	m := newMapEnv(merge(vSphereVars(t, "", "d"), vSphereVars(t, "7", "n")))
	src := env.New(env.WithLookup(m.lookup))
	for _, tc := range []struct {
		ref    credentials.Ref
		tag    string
		suffix string
	}{
		{credentials.Ref{}, "d", ""},
		{credentials.AccountID(7), "n", "_7"},
	} {
		v, err := src.VSphere(context.Background(), tc.ref)
		require.NoError(t, err)
		assert.Equal(t, "vc-"+tc.tag+".example.invalid", v.Host)
		assert.Equal(t, "fake-user-"+tc.tag, v.Username)
		assert.Equal(t, "fake-password-"+tc.tag, v.Password.Reveal())
		assert.Equal(t, "dc-"+tc.tag, v.Datacenter)
		assert.True(t, v.InsecureSkipVerify)
		assert.Equal(t, "VSPHERE_SERVER"+tc.suffix+", VSPHERE_USER"+tc.suffix+", VSPHERE_PASSWORD"+tc.suffix+
			", VSPHERE_DATACENTER"+tc.suffix+", VSPHERE_ALLOW_UNVERIFIED_SSL"+tc.suffix, v.Origin.Location)
		assert.Equal(t, v.Password.Fingerprint(), v.Fingerprint)
	}
}

func TestOptionalVariablesMayBeUnset(t *testing.T) {
	t.Parallel()
	m := newMapEnv(map[string]string{
		"CLOUDSTACK_API_URL":    "http://cloud.example.invalid:8080/client/api",
		"CLOUDSTACK_API_KEY":    "fake-k",
		"CLOUDSTACK_SECRET_KEY": "fake-s",
		"CLOUDSTACK_ZONE":       "", // empty is unset
		"VSPHERE_SERVER":        "vc.example.invalid:8443",
		"VSPHERE_USER":          "fake-u",
		"VSPHERE_PASSWORD":      "fake-p",
	})
	src := env.New(env.WithLookup(m.lookup))
	c, err := src.CloudStack(context.Background(), credentials.Ref{})
	require.NoError(t, err)
	assert.Empty(t, c.Zone)
	assert.False(t, c.InsecureSkipVerify, "TLS verification stays on unless asked")
	assert.Equal(t, "CLOUDSTACK_API_URL, CLOUDSTACK_API_KEY, CLOUDSTACK_SECRET_KEY", c.Origin.Location)
	v, err := src.VSphere(context.Background(), credentials.Ref{})
	require.NoError(t, err)
	assert.False(t, v.InsecureSkipVerify)
}

// TestVariableMissingEmptyOrPadded breaks each variable in turn, for the default account
// and a named one, and checks the category, the field and that the error names the exact
// variable.
func TestVariableMissingEmptyOrPadded(t *testing.T) {
	t.Parallel()
	required := map[credentials.Field]bool{
		credentials.FieldAPIURL: true, credentials.FieldAPIKey: true, credentials.FieldSecretKey: true,
		credentials.FieldHost: true, credentials.FieldUsername: true, credentials.FieldPassword: true,
	}
	secrets := map[credentials.Kind][]credentials.Field{
		credentials.KindCloudStack: {credentials.FieldAPIKey, credentials.FieldSecretKey},
		credentials.KindVSphere:    {credentials.FieldPassword},
	}
	type breakage struct {
		name   string
		apply  func(vars map[string]string, name string)
		padded bool
	}
	breakages := []breakage{
		{"unset", func(vars map[string]string, name string) { delete(vars, name) }, false},
		{"empty", func(vars map[string]string, name string) { vars[name] = "" }, false},
		{"leading space", func(vars map[string]string, name string) { vars[name] = " " + vars[name] }, true},
		{"trailing space", func(vars map[string]string, name string) { vars[name] += " " }, true},
		{"trailing newline", func(vars map[string]string, name string) { vars[name] += "\n" }, true},
		{"tab", func(vars map[string]string, name string) { vars[name] = "\t" + vars[name] }, true},
	}
	for _, account := range []string{"", "prod-eu"} {
		for _, n := range documentedNames {
			if n.field == env.FieldInsecureSkipVerify {
				continue // TestBooleans
			}
			for _, b := range breakages {
				if !b.padded && !required[n.field] {
					continue // optional fields may be missing
				}
				t.Run(account+"/"+n.name+"/"+b.name, func(t *testing.T) {
					t.Parallel()
					tag := testkit.RandomHex(4)
					vars := cloudStackVars(t, account, tag)
					if n.kind == credentials.KindVSphere {
						vars = vSphereVars(t, account, tag)
					}
					name, err := env.Name(n.kind, n.field, account)
					require.NoError(t, err)
					var secretValues []string
					for _, f := range secrets[n.kind] {
						sn, err := env.Name(n.kind, f, account)
						require.NoError(t, err)
						secretValues = append(secretValues, vars[sn])
					}
					b.apply(vars, name)

					src := env.New(env.WithLookup(newMapEnv(vars).lookup))
					_, _, err = fetch(context.Background(), src, n.kind, credentials.Ref{Name: account})
					category, verb := fkerrors.Incomplete, "export "+name+"="
					if b.padded {
						category, verb = fkerrors.Invalid, "export "+name+" without"
					}
					e := requireError(t, err, category, secretValues...)
					assert.Equal(t, n.field, e.Field)
					assert.Contains(t, e.Problem, name)
					assert.Contains(t, e.Fix, verb)
				})
			}
		}
	}
}

func TestWhiteSpaceOnlyValue(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		field    credentials.Field
		category error
	}{
		{"CLOUDSTACK_SECRET_KEY", credentials.FieldSecretKey, fkerrors.Incomplete}, // required
		{"CLOUDSTACK_ZONE", credentials.FieldZone, fkerrors.Invalid},               // optional
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			vars := cloudStackVars(t, "", "w")
			vars[tc.name] = " \t "
			src := env.New(env.WithLookup(newMapEnv(vars).lookup))
			_, err := src.CloudStack(context.Background(), credentials.Ref{})
			e := requireError(t, err, tc.category, "fake-secretkey-w")
			assert.Equal(t, tc.field, e.Field)
			assert.Equal(t, tc.name+" holds only white space", e.Problem)
			assert.Contains(t, e.Fix, "export "+tc.name+"=")
		})
	}
}

func TestBadURLAndHostNameTheVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind  credentials.Kind
		name  string
		value string
		field credentials.Field
	}{
		{credentials.KindCloudStack, "CLOUDSTACK_API_URL", "cloud.example.invalid/client/api", credentials.FieldAPIURL},
		{credentials.KindCloudStack, "CLOUDSTACK_API_URL", "ftp://cloud.example.invalid/", credentials.FieldAPIURL},
		{credentials.KindVSphere, "VSPHERE_SERVER", "vc.example.invalid/sdk", credentials.FieldHost},
		{credentials.KindVSphere, "VSPHERE_SERVER", "user@vc.example.invalid", credentials.FieldHost},
	}
	for _, tc := range tests {
		t.Run(tc.value, func(t *testing.T) {
			t.Parallel()
			vars := merge(cloudStackVars(t, "", "x"), vSphereVars(t, "", "x"))
			vars[tc.name] = tc.value
			src := env.New(env.WithLookup(newMapEnv(vars).lookup))
			_, _, err := fetch(context.Background(), src, tc.kind, credentials.Ref{})
			e := requireError(t, err, fkerrors.Invalid)
			assert.Equal(t, tc.field, e.Field)
			assert.Contains(t, e.Problem, tc.name)
			assert.Contains(t, e.Fix, "export "+tc.name+"=")
		})
	}
}

func TestBooleans(t *testing.T) {
	t.Parallel()
	tests := []struct {
		value string
		want  bool
		ok    bool
	}{
		{"true", true, true}, {"TRUE", true, true}, {"True", true, true}, {"1", true, true},
		{"yes", true, true}, {"YES", true, true}, {"Yes", true, true},
		{"false", false, true}, {"FALSE", false, true}, {"0", false, true}, {"no", false, true},
		{"No", false, true}, {"", false, true},
		{"y", false, false}, {"n", false, false}, {"on", false, false}, {"off", false, false},
		{"2", false, false}, {"-1", false, false}, {"truee", false, false}, {" true", false, false},
		{"true ", false, false}, {"true\n", false, false}, {"t", false, false}, {"01", false, false},
	}
	for _, kind := range []credentials.Kind{credentials.KindCloudStack, credentials.KindVSphere} {
		for _, account := range []string{"", "lab"} {
			for _, tc := range tests {
				t.Run(fmt.Sprintf("%s/%s/%q", kind, account, tc.value), func(t *testing.T) {
					t.Parallel()
					vars := cloudStackVars(t, account, "b")
					if kind == credentials.KindVSphere {
						vars = vSphereVars(t, account, "b")
					}
					name, err := env.Name(kind, env.FieldInsecureSkipVerify, account)
					require.NoError(t, err)
					vars[name] = tc.value
					src := env.New(env.WithLookup(newMapEnv(vars).lookup))
					set, _, err := fetch(context.Background(), src, kind, credentials.Ref{Name: account})
					if !tc.ok {
						e := requireError(t, err, fkerrors.Invalid)
						assert.Equal(t, env.FieldInsecureSkipVerify, e.Field)
						assert.Contains(t, e.Problem, name)
						assert.Contains(t, e.Fix, "export "+name+"=true")
						return
					}
					require.NoError(t, err)
					switch s := set.(type) {
					case credentials.CloudStack:
						assert.Equal(t, tc.want, s.InsecureSkipVerify)
					case credentials.VSphere:
						assert.Equal(t, tc.want, s.InsecureSkipVerify)
					}
				})
			}
		}
	}
}

func TestMissingSetNamesTheVariablesToExport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind    credentials.Kind
		ref     credentials.Ref
		account string
		remedy  string
	}{
		{credentials.KindCloudStack, credentials.Ref{}, "default",
			"export CLOUDSTACK_API_URL, CLOUDSTACK_API_KEY and CLOUDSTACK_SECRET_KEY"},
		{credentials.KindCloudStack, credentials.Account("prod-eu"), "prod-eu",
			"export CLOUDSTACK_API_URL_PROD_EU, CLOUDSTACK_API_KEY_PROD_EU and CLOUDSTACK_SECRET_KEY_PROD_EU"},
		{credentials.KindVSphere, credentials.Ref{}, "default",
			"export VSPHERE_SERVER, VSPHERE_USER and VSPHERE_PASSWORD"},
		{credentials.KindVSphere, credentials.AccountID(42), "id=42",
			"export VSPHERE_SERVER_42, VSPHERE_USER_42 and VSPHERE_PASSWORD_42"},
	}
	for _, tc := range tests {
		t.Run(string(tc.kind)+"/"+tc.ref.String(), func(t *testing.T) {
			t.Parallel()
			// Another account's variables and empty variables of this one do not make it exist.
			vars := merge(cloudStackVars(t, "other", "o"), vSphereVars(t, "other", "o"))
			for _, n := range documentedNames {
				name, err := env.Name(n.kind, n.field, tc.ref.Name+tc.ref.ID)
				require.NoError(t, err)
				vars[name] = ""
				vars[name+env.FileSuffix] = ""
			}
			src := env.New(env.WithLookup(newMapEnv(vars).lookup))
			_, _, err := fetch(context.Background(), src, tc.kind, tc.ref)
			e := requireError(t, err, fkerrors.NotFound, "fake-secretkey-o", "fake-password-o")
			assert.Equal(t, tc.account, e.Account)
			assert.Contains(t, e.Fix, tc.remedy)
			assert.Contains(t, err.Error(), tc.account)
		})
	}
}

func TestOneVariableMakesTheAccountExist(t *testing.T) {
	t.Parallel()
	for _, n := range documentedNames {
		t.Run(n.name, func(t *testing.T) {
			t.Parallel()
			name, err := env.Name(n.kind, n.field, "lab")
			require.NoError(t, err)
			value := "x"
			if n.field == env.FieldInsecureSkipVerify {
				value = "false"
			}
			src := env.New(env.WithLookup(newMapEnv(map[string]string{name: value}).lookup))
			_, _, err = fetch(context.Background(), src, n.kind, credentials.Account("lab"))
			requireError(t, err, fkerrors.Incomplete)
			assert.NotErrorIs(t, err, fkerrors.NotFound, "a partly set account is incomplete, not missing")
		})
	}
}

func TestAllowDefaultFallsBackWithAWarning(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logged, nil))
	src := env.New(env.WithLookup(newMapEnv(cloudStackVars(t, "", "d")).lookup), env.WithLogger(logger))

	_, err := src.CloudStack(context.Background(), credentials.Account("lab"))
	requireError(t, err, fkerrors.NotFound)
	assert.Empty(t, logged.String())

	c, err := src.CloudStack(context.Background(), credentials.Account("lab").OrDefault())
	require.NoError(t, err)
	assert.Equal(t, "fake-apikey-d", c.APIKey.Reveal())
	assert.Equal(t, "default", c.Origin.Account, "the origin says the default set was used")
	assert.Contains(t, logged.String(), "level=WARN")
	assert.Contains(t, logged.String(), "account=lab")
	assert.NotContains(t, logged.String(), "fake-secretkey-d")

	// AllowDefault does not hide other errors of the named account.
	src = env.New(env.WithLookup(newMapEnv(merge(cloudStackVars(t, "", "d"),
		map[string]string{"CLOUDSTACK_API_KEY_LAB": "fake-k"})).lookup), env.WithLogger(logger))
	_, err = src.CloudStack(context.Background(), credentials.Account("lab").OrDefault())
	requireError(t, err, fkerrors.Incomplete)
}

func TestInvalidAccountName(t *testing.T) {
	t.Parallel()
	src := env.New(env.WithLookup(newMapEnv(cloudStackVars(t, "", "d")).lookup))
	for _, ref := range []credentials.Ref{credentials.Account("--"), credentials.Account("prod-file"), {ID: "é"},
		credentials.Account("--").OrDefault()} {
		_, _, err := fetch(context.Background(), src, credentials.KindCloudStack, ref)
		e := requireError(t, err, fkerrors.Invalid)
		assert.Equal(t, credentials.KindCloudStack, e.Kind)
		assert.Equal(t, ref.String(), e.Account)
	}
}

// countingLookup counts lookups, to show that every call reads the environment and that a
// cancelled call reads nothing.
type countingLookup struct {
	env   *mapEnv
	calls atomic.Int64
}

func (c *countingLookup) lookup(name string) (string, bool) {
	c.calls.Add(1)
	return c.env.lookup(name)
}

func TestEveryCallReadsTheEnvironment(t *testing.T) {
	t.Parallel()
	m := newMapEnv(cloudStackVars(t, "", "a"))
	counter := &countingLookup{env: m}
	src := env.New(env.WithLookup(counter.lookup))
	first, err := src.CloudStack(context.Background(), credentials.Ref{})
	require.NoError(t, err)
	perCall := counter.calls.Load()
	assert.Positive(t, perCall)

	m.set("CLOUDSTACK_SECRET_KEY", "fake-secretkey-rotated")
	second, err := src.CloudStack(context.Background(), credentials.Ref{})
	require.NoError(t, err)
	assert.Equal(t, 2*perCall, counter.calls.Load())
	assert.Equal(t, "fake-secretkey-rotated", second.SecretKey.Reveal())
	assert.NotEqual(t, first.Version, second.Version)
	assert.NotEqual(t, first.Fingerprint, second.Fingerprint)
}

func TestCancelledContextReadsNothing(t *testing.T) {
	t.Parallel()
	counter := &countingLookup{env: newMapEnv(cloudStackVars(t, "", "a"))}
	src := env.New(env.WithLookup(counter.lookup))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := src.CloudStack(ctx, credentials.Ref{})
	require.ErrorIs(t, err, context.Canceled)
	_, err = src.VSphere(ctx, credentials.Account("lab").OrDefault())
	require.ErrorIs(t, err, context.Canceled)
	assert.Zero(t, counter.calls.Load())
}

func TestDebugLogCarriesNoSecret(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	src := env.New(env.WithLookup(newMapEnv(merge(cloudStackVars(t, "", "d"), vSphereVars(t, "", "d"))).lookup),
		env.WithLogger(logger))
	c, err := src.CloudStack(context.Background(), credentials.Ref{})
	require.NoError(t, err)
	_, err = src.VSphere(context.Background(), credentials.Ref{})
	require.NoError(t, err)
	out := logged.String()
	assert.Contains(t, out, c.Version)
	assert.Contains(t, out, c.Fingerprint)
	for _, secret := range []string{"fake-apikey-d", "fake-secretkey-d", "fake-password-d"} {
		assert.NotContains(t, out, secret)
	}
}
