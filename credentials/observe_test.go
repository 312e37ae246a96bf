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

func TestObservedReportsFetchesAndVersionChanges(t *testing.T) {
	t.Parallel()
	m := credentials.NewMemory(nil)
	m.PutCloudStack("main", validCloudStack())
	var mu sync.Mutex
	var events []credentials.FetchEvent
	var logs bytes.Buffer
	src := credentials.Observed(m, credentials.ObserverFunc(func(e credentials.FetchEvent) {
		mu.Lock()
		defer mu.Unlock()
		events = append(events, e)
	}), slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
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

type linkingMemory struct {
	*credentials.Memory
}

func (l linkingMemory) VSphereForVM(ctx context.Context, vm string) (credentials.VSphere, error) {
	return l.VSphere(ctx, credentials.Account("linked-"+vm))
}

func TestObservedKeepsVMLinking(t *testing.T) {
	t.Parallel()
	m := credentials.NewMemory(nil)
	m.PutVSphere("linked-web01", credentials.VSphere{Host: "vc.example.invalid", Username: "fake-user", Password: credentials.NewSecret("fake-pw")})
	var events []credentials.FetchEvent
	src := credentials.Observed(linkingMemory{m}, credentials.ObserverFunc(func(e credentials.FetchEvent) {
		events = append(events, e)
	}), nil)
	linker, ok := src.(credentials.VMLinker)
	require.True(t, ok, "wrapping a VMLinker keeps it one")
	set, err := linker.VSphereForVM(context.Background(), "web01")
	require.NoError(t, err)
	assert.Equal(t, "linked-web01", set.Origin.Account)
	require.Len(t, events, 1)
	assert.Equal(t, "vm web01", events[0].Ref.Name)

	_, ok = credentials.Observed(m, nil, nil).(credentials.VMLinker)
	assert.False(t, ok, "a source that does not link VMs does not pretend to")
}
