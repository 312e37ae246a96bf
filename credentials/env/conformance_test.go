package env_test

import (
	"context"
	"os"
	"slices"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/credentials/credentialstest"
	"github.com/ossea-migrate/failoverkit/credentials/env"
	"github.com/ossea-migrate/failoverkit/internal/testkit"
)

// environment is the store a harness writes: a map or the process environment. Both change
// one variable at a time, as a supervisor or a shell does.
type environment interface {
	set(name, value string)
	unset(name string)
}

// mapEnv is an injected environment for env.WithLookup, safe for concurrent use.
type mapEnv struct {
	mu   sync.RWMutex
	vars map[string]string
}

func newMapEnv(vars map[string]string) *mapEnv {
	m := &mapEnv{vars: map[string]string{}}
	for k, v := range vars {
		m.vars[k] = v
	}
	return m
}

func (m *mapEnv) lookup(name string) (string, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	v, ok := m.vars[name]
	return v, ok
}

func (m *mapEnv) set(name, value string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.vars[name] = value
}

func (m *mapEnv) unset(name string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.vars, name)
}

// processEnv writes the real process environment through t.Setenv, which restores every
// variable's earlier value (or absence) when the test ends and panics if the test, or one of
// its parents, runs in parallel: the process environment is shared by the whole binary.
type processEnv struct{ t *testing.T }

func (p processEnv) set(name, value string) { p.t.Setenv(name, value) }

func (p processEnv) unset(name string) {
	p.t.Setenv(name, "") // registers the restore of the earlier value
	require.NoError(p.t, os.Unsetenv(name))
}

var fieldsOf = map[credentials.Kind][]credentials.Field{
	credentials.KindCloudStack: {
		credentials.FieldAPIURL, credentials.FieldAPIKey, credentials.FieldSecretKey,
		credentials.FieldDomain, credentials.FieldZone, credentials.FieldApplianceVMID,
		credentials.FieldTemplateID, credentials.FieldNetworkID, credentials.FieldServiceOfferingID,
		credentials.FieldDiskOfferingID, env.FieldInsecureSkipVerify,
	},
	credentials.KindVSphere: {
		credentials.FieldHost, credentials.FieldUsername, credentials.FieldPassword,
		credentials.FieldDatacenter, env.FieldInsecureSkipVerify,
	},
}

// envHarness stores each account under its suffixed variables and, for the account that is
// the default, under the plain variables too. It writes one variable at a time, so it is not
// atomic. An empty field is an unset variable.
type envHarness struct {
	env      environment
	src      credentials.Source
	stored   func(account string) string // the account name the variables carry
	mu       sync.Mutex
	defaults map[credentials.Kind]string
}

func (h *envHarness) Source() credentials.Source { return h.src }
func (h *envHarness) Atomic() bool               { return false }

func (h *envHarness) PutCloudStack(_ context.Context, account string, c credentials.CloudStack, makeDefault bool) error {
	return h.put(credentials.KindCloudStack, account, credentialstest.CloudStackFields(c), makeDefault)
}

func (h *envHarness) PutVSphere(_ context.Context, account string, v credentials.VSphere, makeDefault bool) error {
	return h.put(credentials.KindVSphere, account, credentialstest.VSphereFields(v), makeDefault)
}

func (h *envHarness) put(kind credentials.Kind, account string, values map[credentials.Field]string, makeDefault bool) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if makeDefault {
		h.defaults[kind] = account
	}
	accounts := []string{h.stored(account)}
	if h.defaults[kind] == account {
		accounts = append(accounts, "")
	}
	for _, a := range accounts {
		for _, field := range fieldsOf[kind] {
			name, err := env.Name(kind, field, a)
			if err != nil {
				return err
			}
			// Set without unsetting first: a reader between the two would see the field
			// missing, which no real rotation of a variable does.
			if v := values[field]; v != "" {
				h.env.set(name, v)
			} else {
				h.env.unset(name)
			}
		}
	}
	return nil
}

func (h *envHarness) Delete(_ context.Context, kind credentials.Kind, account string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	accounts := []string{h.stored(account)}
	if h.defaults[kind] == account {
		accounts = append(accounts, "")
		delete(h.defaults, kind)
	}
	for _, a := range accounts {
		if err := h.unsetAccount(kind, a); err != nil {
			return err
		}
	}
	return nil
}

func (h *envHarness) unsetAccount(kind credentials.Kind, account string) error {
	for _, field := range fieldsOf[kind] {
		name, err := env.Name(kind, field, account)
		if err != nil {
			return err
		}
		h.env.unset(name)
		h.env.unset(name + env.FileSuffix)
	}
	return nil
}

func TestConformanceInjectedEnvironment(t *testing.T) {
	t.Parallel()
	credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
		m := newMapEnv(nil)
		return &envHarness{
			env: m, stored: func(a string) string { return a },
			src:      env.New(env.WithLookup(m.lookup)),
			defaults: map[credentials.Kind]string{},
		}
	})
}

// TestConformanceProcessEnvironment runs the suite against the real process environment. It
// must not run in parallel with any test that reads or writes the process environment
// (processEnv's t.Setenv enforces that). Each harness stores its accounts under names unique
// to it, and clears the default account's variables for its duration, so that whatever the
// developer's shell exported cannot leak in; every variable is restored afterwards.
func TestConformanceProcessEnvironment(t *testing.T) {
	before := os.Environ()
	slices.Sort(before)
	credentialstest.RunConformanceTests(t, func(t *testing.T) credentialstest.Harness {
		tag := testkit.RandomHex(4)
		stored := func(a string) string { return a + "-fkt" + tag }
		h := &envHarness{
			env: processEnv{t}, stored: stored,
			src:      renamed{src: env.New(), stored: stored},
			defaults: map[credentials.Kind]string{},
		}
		for kind := range fieldsOf {
			require.NoError(t, h.unsetAccount(kind, ""))
		}
		return h
	})
	after := os.Environ()
	slices.Sort(after)
	assert.Equal(t, before, after, "every variable the harnesses touched is restored")
}

// renamed maps the account names the suite asks for to the names the harness stored them
// under, so that the suite's fixed names ("alpha", "missing") are unique per harness.
type renamed struct {
	src    credentials.Source
	stored func(string) string
}

func (r renamed) CloudStack(ctx context.Context, ref credentials.Ref) (credentials.CloudStack, error) {
	if ref.Name != "" {
		ref.Name = r.stored(ref.Name)
	}
	return r.src.CloudStack(ctx, ref)
}

func (r renamed) VSphere(ctx context.Context, ref credentials.Ref) (credentials.VSphere, error) {
	if ref.Name != "" {
		ref.Name = r.stored(ref.Name)
	}
	return r.src.VSphere(ctx, ref)
}
