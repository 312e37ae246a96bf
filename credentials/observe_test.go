package credentials_test

import (
	"bytes"
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/ossea-migrate/failoverkit/credentials"
	"github.com/ossea-migrate/failoverkit/fkerrors"
)

func TestProviderReportsFetchesAndVersionChanges(t *testing.T) {
	t.Parallel()
	m := credentials.NewMemory(nil)
	m.PutCloudStack("main", validCloudStack())
	var mu sync.Mutex
	var events []credentials.FetchEvent
	var logs bytes.Buffer
	src := credentials.NewProvider("memory", m.Driver(), credentials.WithObserver(credentials.ObserverFunc(func(e credentials.FetchEvent) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	})), credentials.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := context.Background()

	first, err := src.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err)
	_, err = src.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err)
	rotated := validCloudStack()
	rotated.SecretKey = credentials.NewSecret("fake-rotated-secret")
	m.PutCloudStack("main", rotated)
	second, err := src.CloudStack(ctx, credentials.Ref{})
	require.NoError(t, err)
	_, err = src.VSphere(ctx, credentials.Ref{})
	require.Error(t, err)

	require.Len(t, events, 4)
	assert.False(t, events[0].VersionChanged)
	assert.False(t, events[1].VersionChanged)
	assert.True(t, events[2].VersionChanged)
	assert.Equal(t, first.Version, events[2].PreviousVersion)
	assert.Equal(t, second.Meta, events[2].Meta)
	assert.ErrorIs(t, events[3].Err, fkerrors.NotFound)
	assert.Equal(t, credentials.KindVSphere, events[3].Kind)

	out := logs.String()
	assert.Contains(t, out, "fetched a new version")
	assert.Contains(t, out, second.Fingerprint)
	assert.Contains(t, out, "fetch failed")
	assert.NotContains(t, out, "fake-rotated-secret")
	assert.NotContains(t, out, "fake-secret")
}

// linkingStore is a driver that links VMs: VM web01 to the set "linked-web01".
type linkingStore struct {
	credentials.Driver
}

func (l linkingStore) ReadVSphereForVM(ctx context.Context, vm string) (credentials.VSphere, error) {
	return l.ReadVSphere(ctx, credentials.Account("linked-"+vm))
}

func TestProviderLinksVMsThroughItsDriver(t *testing.T) {
	t.Parallel()
	m := credentials.NewMemory(nil)
	m.PutVSphere("linked-web01", credentials.VSphere{Host: "vc.example.invalid", Username: "fake-user", Password: credentials.NewSecret("fake-pw")})
	var events []credentials.FetchEvent
	src := credentials.NewProvider("memory", linkingStore{m.Driver()}, credentials.WithObserver(credentials.ObserverFunc(func(e credentials.FetchEvent) {
		events = append(events, e)
	})))
	set, err := src.VSphereForVM(context.Background(), "web01")
	require.NoError(t, err)
	assert.Equal(t, "linked-web01", set.Origin.Account)
	assert.NotEmpty(t, set.Fingerprint, "the provider stamps the set")
	assert.NotEmpty(t, set.Version)
	require.Len(t, events, 1)
	assert.Equal(t, "vm web01", events[0].Ref.Name)

	_, err = m.VSphereForVM(context.Background(), "web01")
	assert.ErrorIs(t, err, fkerrors.Invalid, "a source whose driver does not link VMs says so")
	assert.NotEmpty(t, fkerrors.Remedy(err))
}

// endingStore is a driver that ends the caller's context while it reads and then answers
// as a careless driver would: with a bare context error, or as if nothing had happened.
type endingStore struct {
	cancel func()
	bare   bool
}

func (s endingStore) ReadCloudStack(ctx context.Context, _ credentials.Ref) (credentials.CloudStack, error) {
	s.cancel()
	if s.bare {
		return credentials.CloudStack{}, ctx.Err()
	}
	return credentials.CloudStack{}, &credentials.Error{Code: fkerrors.Unavailable, Source: "ending", Problem: "read failed"}
}

func (s endingStore) ReadVSphere(ctx context.Context, ref credentials.Ref) (credentials.VSphere, error) {
	_, err := s.ReadCloudStack(ctx, ref)
	return credentials.VSphere{}, err
}

// The context rule lives in the Provider: whatever the driver answers once the caller's
// context has ended, the source answers fkerrors.Canceled with the context's error and a
// remedy.
func TestProviderAppliesTheContextRule(t *testing.T) {
	t.Parallel()
	for _, bare := range []bool{true, false} {
		ctx, cancel := context.WithCancel(context.Background())
		src := credentials.NewProvider("ending", endingStore{cancel: cancel, bare: bare})
		_, err := src.CloudStack(ctx, credentials.Account("x"))
		require.Error(t, err)
		assert.ErrorIs(t, err, fkerrors.Canceled)
		assert.ErrorIs(t, err, context.Canceled)
		var e *credentials.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, "ending", e.Source)
		assert.NotEmpty(t, e.Remedy())
	}
}

func TestLinksVMs(t *testing.T) {
	t.Parallel()
	m := credentials.NewMemory(nil)
	assert.False(t, credentials.LinksVMs(m), "Memory implements VMLinker through its Provider but its driver links nothing")
	assert.False(t, credentials.LinksVMs(credentials.NewProvider("memory", m.Driver())))
	assert.False(t, credentials.LinksVMs(credentials.Funcs{}))
	assert.True(t, credentials.LinksVMs(credentials.NewProvider("memory", linkingStore{m.Driver()})))
}
